/**
 * The fastest reader, for the narrow form `cdk8s synth` writes (the `yaml` library's
 * stringify without line folding): block maps and sequences indented by spaces, one scalar
 * per line (plain, single-quoted, or double-quoted with JSON escapes), `|` block scalars, and
 * empty `{}` / `[]`. It reads line by line and returns undefined at the first thing outside
 * that form — comments, tabs, anchors, tags, flow content, folded or multi-line scalars, odd
 * indentation, duplicate or non-string keys — and the caller falls back to the CST reader
 * (`fast-yaml.ts`), then to the full library. Tests compare it with the `yaml` library.
 */

class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

/** A plain scalar typed by the YAML 1.2 core schema (as the `yaml` library's default schema). */
export function plainScalar(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most plain scalars start with a letter that begins no null, boolean or number: a string.
  if (s.length > 0 && ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) && !'nNtTfF'.includes(s[0])) return s;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  return s;
}

/** Characters no plain scalar or plain key may start with here (YAML indicators, quotes handled apart). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** One scalar written on one line (the text after `key: ` or `- `). */
function inlineScalar(text: string): unknown {
  const first = text[0];
  if (first === '"') {
    // JSON escapes only (\x, \N, \_, line continuations and the like go to the other readers)
    if (!text.endsWith('"') || text.length < 2 || text.replace(/\\["\\/bfnrtu]/g, '').includes('\\') || /[\u0000-\u001f]/.test(text)) return bail();
    try {
      return JSON.parse(text);
    } catch {
      return bail();
    }
  }
  if (first === "'") {
    const inner = text.slice(1, -1);
    if (text.length < 2 || !text.endsWith("'") || /'(?!')/.test(inner.replace(/''/g, ''))) return bail();
    return inner.replace(/''/g, "'");
  }
  if (text === '{}') return {};
  if (text === '[]') return [];
  // `-`, `?` and `:` start a plain scalar when a non-space follows (`--port`, `-1`, `:8000`).
  if (INDICATOR.test(text) && !/^[-?:]\S/.test(text)) return bail();
  if (/: |:$| #|\t/.test(text) || text !== text.trimEnd()) return bail();
  return plainScalar(text);
}

function plainKey(text: string): string {
  if (text === '' || text.length > 1024 || INDICATOR.test(text) || /: | #|\t/.test(text) || text !== text.trim() || text === '__proto__') return bail();
  if (typeof plainScalar(text) !== 'string') return bail();
  return text;
}

const indentOf = (line: string) => {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
};

/** Reads one document; undefined when it is outside the form above. */
export function lineYamlDocument(text: string): unknown {
  const lines = text.split('\n');
  let i = 0;
  const skipBlank = () => {
    while (i < lines.length && lines[i].trim() === '') {
      if (lines[i].includes('\t')) bail();
      i++;
    }
  };

  /** The text of the next non-blank line when it sits at `indent`; undefined at a shallower line or the end; bails on a deeper one. */
  function lineAt(indent: number): string | undefined {
    skipBlank();
    if (i >= lines.length) return undefined;
    const n = indentOf(lines[i]);
    if (n < indent) return undefined;
    if (n > indent) return bail();
    return lines[i].slice(n);
  }

  /** A block scalar's text after a `|` header, its lines indented more than `parent`. */
  function blockScalar(header: string, parent: number): string {
    const chomp = header === '|' ? 'clip' : header === '|-' ? 'strip' : header === '|+' ? 'keep' : bail();
    const body: string[] = [];
    let indent = -1;
    while (i < lines.length) {
      const line = lines[i];
      if (line.trim() === '') {
        if (indent < 0) return bail(); // leading blank lines: leave the subtleties to the library
        body.push(line.length > indent ? line.slice(indent) : '');
        i++;
        continue;
      }
      const n = indentOf(line);
      if (indent < 0) {
        if (n <= parent) break;
        indent = n;
      }
      if (n < indent) {
        if (n > parent) return bail();
        break;
      }
      body.push(line.slice(indent));
      i++;
    }
    // Trailing blank lines belong to the chomping, not the content.
    let end = body.length;
    while (end > 0 && body[end - 1] === '') end--;
    const content = body.slice(0, end).join('\n');
    const trailing = body.length - end;
    if (end === 0) return chomp === 'keep' ? '\n'.repeat(trailing) : '';
    if (chomp === 'strip') return content;
    if (chomp === 'clip') return `${content}\n`;
    return `${content}\n${'\n'.repeat(trailing)}`;
  }

  /** The value after `key:` / `- ` when nothing follows on the line: a nested block, or null. */
  function nested(parent: number): unknown {
    skipBlank();
    if (i >= lines.length) return null;
    const n = indentOf(lines[i]);
    const rest = lines[i].slice(n);
    // A sequence may sit at its key's indentation (`key:\n- a`); anything else must be deeper.
    if (rest.startsWith('- ') || rest === '-') {
      if (n < parent) return null;
      return node(n);
    }
    if (n <= parent) return null;
    return node(n);
  }

  /** The value after `key: ` or `- ` on the same line. */
  function inlineValue(text: string, indent: number): unknown {
    if (text.startsWith('|')) return blockScalar(text, indent);
    return inlineScalar(text);
  }

  /** A block collection whose first line is `lines[i]`, at `indent`. */
  function node(indent: number): unknown {
    const first = lines[i].slice(indent);
    if (first.startsWith('- ') || first === '-') return seq(indent);
    return map(indent, undefined);
  }

  function seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (true) {
      const rest = lineAt(indent);
      if (rest === undefined) break;
      if (rest === '-') {
        i++;
        out.push(nested(indent));
        continue;
      }
      if (!rest.startsWith('- ')) {
        // the end of a sequence written at its parent key's indentation
        break;
      }
      const item = rest.slice(2);
      if (item.startsWith('- ') || item.startsWith(' ')) return bail();
      const colon = keyEnd(item);
      if (colon >= 0) {
        // `- key: value` opens a map whose keys sit at indent + 2
        out.push(map(indent + 2, item));
      } else {
        i++;
        out.push(inlineValue(item, indent));
      }
    }
    return out;
  }

  /** Where a `key:` ends in a line's text (the index of `:`), or -1 when the text is a scalar. */
  function keyEnd(text: string): number {
    if (text[0] === '"' || text[0] === "'") {
      // a quoted key: only when a `: ` or a final `:` follows the closing quote
      const close = text.indexOf(text[0], 1);
      if (close > 0 && (text.startsWith(': ', close + 1) || text.length === close + 2 && text.endsWith(':'))) return bail();
      return -1;
    }
    const m = /: |:$/.exec(text);
    return m ? m.index : -1;
  }

  /** A block map at `indent`; `firstText` is the rest of a `- ` line holding its first entry. */
  function map(indent: number, firstText: string | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let text = firstText;
    while (true) {
      if (text === undefined) {
        text = lineAt(indent);
        if (text === undefined) break;
        if (text.startsWith('- ') || text === '-') break; // a sequence at the parent key's indentation ends here
      }
      const colon = keyEnd(text);
      if (colon < 0) return bail();
      const key = plainKey(text.slice(0, colon));
      if (Object.prototype.hasOwnProperty.call(out, key)) return bail();
      const after = text.slice(colon + 1);
      i++;
      if (after === '') {
        out[key] = nested(indent);
      } else {
        if (!after.startsWith(' ') || after.startsWith('  ')) return bail();
        out[key] = inlineValue(after.slice(1), indent);
      }
      text = undefined;
    }
    return out;
  }

  try {
    if (text.includes('\t') || text.includes('\r') || /^\s*#/m.test(text)) return undefined;
    skipBlank();
    if (i >= lines.length) return null;
    if (indentOf(lines[i]) !== 0) return undefined;
    const value = node(0);
    skipBlank();
    return i >= lines.length ? value : undefined;
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}
