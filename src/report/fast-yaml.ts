/**
 * A faster way to read the YAML cdk8s writes, with the `yaml` library's own lexer and parser:
 * its concrete syntax tree is turned into plain JSON values directly, skipping the document
 * model that `parseAllDocuments` builds (comments, ranges, node objects) — about 40 % less
 * work on a large `dist/`. Scalars are resolved by the library (`CST.resolveAsScalar`: quotes,
 * escapes, folding, block scalars) and typed by the YAML 1.2 core schema as `yaml` does.
 *
 * Anything beyond that subset — anchors, aliases, tags, directives, explicit or non-string
 * keys, duplicate keys, pairs in flow sequences, a syntax error — returns undefined, and the
 * caller parses the text with the full library instead (which then reports errors as usual).
 */
import { CST, Parser } from 'yaml';
import { plainScalar as plain } from './line-yaml';

class Unsupported extends Error {}

const unsupported = (): never => {
  throw new Unsupported();
};

const REFUSED_PROPS = new Set(['anchor', 'tag', 'explicit-key-ind', 'error']);

function checkProps(tokens: ReadonlyArray<{ readonly type: string; readonly source?: string }> | undefined): void {
  if (tokens) for (const t of tokens) if (REFUSED_PROPS.has(t.type) || (t.type === 'space' && t.source?.includes('\t'))) unsupported();
}

/** Column of an offset in `text` (the text being read). */
let source = '';
function column(offset: number): number {
  return offset - (source.lastIndexOf('\n', offset - 1) + 1);
}

function scalar(token: CST.Token): unknown {
  if (token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') {
    const q = token.type === 'double-quoted-scalar' ? '"' : "'";
    if (token.source.length < 2 || !token.source.endsWith(q)) return unsupported();
  } else if (token.type === 'scalar') {
    // No plain scalar starts with these; a continuation line holding `: ` or ` #` is a key or comment the full parser judges.
    if (/^[@`]/.test(token.source) || (token.source.includes('\n') && /: |:$|\s#|\t/m.test(token.source))) return unsupported();
  }
  // Single-line scalars without escapes are their source text (the common case, done inline).
  if (token.type === 'scalar' && !token.source.includes('\n')) return plain(token.source);
  if (token.type === 'double-quoted-scalar' && !/[\\\n]/.test(token.source)) return token.source.slice(1, -1);
  if (token.type === 'single-quoted-scalar' && !/['\n]/.test(token.source.slice(1, -1))) return token.source.slice(1, -1);
  let failed = false;
  const r = CST.resolveAsScalar(token as CST.FlowScalar | CST.BlockScalar, true, () => {
    failed = true;
  });
  if (failed || !r) return unsupported();
  return r.type === 'PLAIN' ? plain(r.value) : r.value;
}

function key(token: CST.Token | null | undefined): string {
  if (!token) return unsupported();
  if (!('source' in token) || token.source.includes('\n') || token.source.length > 1024) return unsupported();
  if (token.type !== 'scalar' && token.type !== 'single-quoted-scalar' && token.type !== 'double-quoted-scalar') return unsupported();
  const k = scalar(token);
  if (typeof k !== 'string' || k === '__proto__') return unsupported();
  return k;
}

function value(token: CST.Token | undefined): unknown {
  if (token === undefined) return null;
  switch (token.type) {
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
      return scalar(token);
    case 'block-scalar':
      checkProps(token.props);
      return scalar(token);
    case 'block-map': {
      const out: Record<string, unknown> = {};
      for (const item of token.items) {
        checkProps(item.start);
        checkProps(item.sep);
        if (!item.sep || !item.sep.some((t) => t.type === 'map-value-ind')) return unsupported();
        // Every key at the map's indentation; a block collection as a value starts on a new line.
        if (!item.key || column(item.key.offset) !== token.indent) return unsupported();
        if ((item.value?.type === 'block-map' || item.value?.type === 'block-seq') && !item.sep.some((t) => t.type === 'newline')) return unsupported();
        const k = key(item.key);
        if (Object.prototype.hasOwnProperty.call(out, k)) return unsupported();
        out[k] = value(item.value);
      }
      return out;
    }
    case 'block-seq':
      return token.items.map((item) => {
        checkProps(item.start);
        const dash = item.start.find((t) => t.type === 'seq-item-ind');
        if (!dash || column(dash.offset) !== token.indent) return unsupported();
        return value(item.value);
      });
    case 'flow-collection': {
      const isMap = token.start.source === '{';
      const out: Record<string, unknown> = {};
      const arr: unknown[] = [];
      for (const item of token.items) {
        checkProps(item.start);
        checkProps(item.sep);
        if (isMap) {
          const k = key(item.key);
          if (Object.prototype.hasOwnProperty.call(out, k)) return unsupported();
          out[k] = value(item.value);
        } else {
          if (item.key !== undefined || item.sep !== undefined) return unsupported();
          arr.push(value(item.value));
        }
      }
      checkProps(token.end);
      if (!token.end.some((t) => t.type === (isMap ? 'flow-map-end' : 'flow-seq-end'))) return unsupported();
      return isMap ? out : arr;
    }
    default:
      return unsupported();
  }
}

/**
 * The documents of a YAML text as plain values (a document without content is `null`), or
 * undefined when the text uses more than the subset above.
 */
export function fastYamlDocuments(text: string): unknown[] | undefined {
  const docs: unknown[] = [];
  source = text;
  try {
    for (const token of new Parser().parse(text)) {
      switch (token.type) {
        case 'document':
          checkProps(token.start);
          if (token.end) checkProps(token.end);
          docs.push(value(token.value));
          break;
        case 'doc-end':
        case 'comment':
        case 'newline':
        case 'space':
        case 'byte-order-mark':
          break;
        default:
          return undefined;
      }
    }
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  } finally {
    source = '';
  }
  return docs;
}
