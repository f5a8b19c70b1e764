#!/usr/bin/env node
// Compiles the openAPIV3Schema of every served version of every CRD vendored under
// schemas/crds/ into compact JSON (descriptions dropped) in schemas/crd-schemas/, plus an
// index of group/version/kind -> file and the sha256 of each source YAML (a test fails when
// the compiled schemas are stale). Run with `npm run compile-schemas`.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { parseAllDocuments } = require('yaml');

const root = path.join(__dirname, '..', 'schemas');
const src = path.join(root, 'crds');
const out = path.join(root, 'crd-schemas');

function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === 'object') {
    const o = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'description' || k === 'example') continue;
      o[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([n, s]) => [n, strip(s)])) : strip(v);
    }
    return o;
  }
  return node;
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const index = { sources: {}, kinds: {} };
for (const project of fs.readdirSync(src).sort()) {
  for (const file of fs.readdirSync(path.join(src, project)).filter((f) => f.endsWith('.yaml')).sort()) {
    const rel = `${project}/${file}`;
    const text = fs.readFileSync(path.join(src, rel), 'utf8');
    index.sources[rel] = crypto.createHash('sha256').update(text).digest('hex');
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJSON();
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        if (v.served === false || !v.schema || !v.schema.openAPIV3Schema) continue;
        const gvk = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        const name = `${crd.spec.group}_${v.name}_${crd.spec.names.kind}.json`;
        fs.writeFileSync(path.join(out, name), JSON.stringify(strip(v.schema.openAPIV3Schema)));
        index.kinds[gvk] = name;
      }
    }
  }
}
fs.writeFileSync(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
console.log(`compiled ${Object.keys(index.kinds).length} schemas from ${Object.keys(index.sources).length} CRD files`);
