import { createHash } from 'crypto';

/**
 * Moves repeated subschemas of a (fully inlined) CRD schema into shared definitions and
 * replaces each occurrence with a `$ref`, so that ajv compiles every distinct subtree once.
 * CRDs such as KServe's InferenceService or Argo's WorkflowTemplate inline the whole
 * container and pod schema dozens of times; factoring cuts their compile time by an order
 * of magnitude. Identical subtrees are found by a Merkle hash (linear in the schema size).
 *
 * @param schema a strict JSON schema without `$ref`s of its own
 * @param docId the schema's `$id`; definitions are referenced as `<docId>#/definitions/<name>`
 * @param minNodes subtrees smaller than this many nodes stay inline
 */
export function factorRepeatedSubschemas(schema: any, docId: string, minNodes = 25): any {
  interface Info { hash: string; nodes: number }
  const info = new Map<object, Info>();
  const counts = new Map<string, number>();

  const analyse = (node: any): Info => {
    if (node === null || typeof node !== 'object') {
      return { hash: createHash('sha1').update(String(JSON.stringify(node))).digest('base64'), nodes: 1 };
    }
    const keys = Array.isArray(node) ? node.map((_: unknown, i: number) => String(i)) : Object.keys(node).sort();
    // Stryker disable next-line StringLiteral: any two different prefixes keep lists apart from index-keyed maps (tested), and an empty one is as good as another
    const h = createHash('sha1').update(Array.isArray(node) ? '[' : '{');
    let nodes = 1;
    for (const k of keys) {
      const child = analyse(node[k as any]);
      nodes += child.nodes;
      // Stryker disable next-line StringLiteral: child hashes are fixed-length base64 strings, so without a separator only crafted keys (none in a schema) could run together
      h.update(k).update(':').update(child.hash).update(',');
    }
    const result = { hash: h.digest('base64'), nodes };
    info.set(node, result);
    if (!Array.isArray(node) && nodes >= minNodes) counts.set(result.hash, (counts.get(result.hash) ?? 0) + 1);
    return result;
  };
  analyse(schema);

  const definitions: Record<string, any> = {};
  const names = new Map<string, string>();
  const schemas = (list: any) => (Array.isArray(list) ? list.map((c) => schemaAt(c)) : schemaAt(list));
  // `properties`, `patternProperties` and `definitions` are maps of subschemas (strictify's output, always objects)
  const map = (m: any) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, schemaAt(v)]));
  // Only nodes in schema position are candidates: never a `properties` map (whose keys may
  // be "type" or "items"), an enum, a default or an example value.
  // `node` is a subschema: an object (CRD structural schemas have no boolean schemas)
  function schemaAt(node: any): any {
    const rebuilt: any = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' || k === 'patternProperties' || k === 'definitions') rebuilt[k] = map(v);
      else if (k === 'items' || k === 'anyOf' || k === 'allOf' || k === 'oneOf' || k === 'not') rebuilt[k] = schemas(v);
      else if (k === 'additionalProperties') rebuilt[k] = typeof v === 'object' ? schemaAt(v) : v;
      else rebuilt[k] = v;
    }
    const meta = info.get(node)!; // every object of the input was analysed
    // (never the root: it is counted once, as nothing else can contain it)
    if ((counts.get(meta.hash) ?? 0) >= 2) {
      let name = names.get(meta.hash);
      if (!name) {
        name = `f${names.size}`;
        names.set(meta.hash, name);
        definitions[name] = rebuilt;
      }
      return { $ref: `${docId}#/definitions/${name}` };
    }
    return rebuilt;
  }
  const out = schemaAt(schema);
  if (Object.keys(definitions).length > 0) out.definitions = { ...(out.definitions ?? {}), ...definitions };
  return out;
}
