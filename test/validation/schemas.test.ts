/**
 * The conversion of OpenAPI schemas into strict JSON schemas (src/validation/schemas.ts), rule
 * by rule, on small hand-written schemas: the vendored definitions and CRDs go through it too,
 * but a broken rule there shows only as a missed or a false finding somewhere downstream.
 */
import { crdSchemaIndex, indexKubernetesKinds, loadCrdSchema, loadKubernetesDefinitions, strictify } from '../../src/validation/schemas';

const ID = 'doc:test';

describe('strictify', () => {
  test('an object with properties gets additionalProperties: false, at every depth', () => {
    expect(strictify({ type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } }, ID)).toEqual({
      type: 'object',
      properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false } },
      additionalProperties: false,
    });
  });

  test('additionalProperties already there (a map) stays; an object without properties stays open', () => {
    expect(strictify({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, ID))
      .toEqual({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } });
    expect(strictify({ type: 'object', additionalProperties: { type: 'object', properties: { x: { type: 'integer' } } } }, ID))
      .toEqual({ type: 'object', additionalProperties: { type: 'object', properties: { x: { type: 'integer' } }, additionalProperties: false } });
    expect(strictify({ type: 'object' }, ID)).toEqual({ type: 'object' });
  });

  test('x-kubernetes-preserve-unknown-fields: true keeps the object open; false does not', () => {
    expect(strictify({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true }, ID))
      .toEqual({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true });
    expect(strictify({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': false }, ID))
      .toEqual({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': false, additionalProperties: false });
  });

  test('descriptions, CEL validations and examples are dropped; other keywords kept', () => {
    expect(strictify({
      type: 'string', description: 'd', example: 'e', 'x-kubernetes-validations': [{ rule: 'self != ""' }], pattern: '^a', enum: ['a', 'ab'],
    }, ID)).toEqual({ type: 'string', pattern: '^a', enum: ['a', 'ab'] });
  });

  test('property names are never taken for keywords: a field called description, example or $ref stays', () => {
    const field = { type: 'string', description: 'x' };
    expect(strictify({ type: 'object', properties: { description: field, example: field, $ref: field, type: field } }, ID)).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, example: { type: 'string' }, $ref: { type: 'string' }, type: { type: 'string' } },
      additionalProperties: false,
    });
    expect(strictify({ definitions: { description: { type: 'object', properties: { a: { type: 'string' } } } } }, ID))
      .toEqual({ definitions: { description: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } } });
    expect(strictify({ type: 'object', patternProperties: { '^x-': { type: 'object', properties: {} } } }, ID))
      .toEqual({ type: 'object', patternProperties: { '^x-': { type: 'object', properties: {}, additionalProperties: false } } });
    // a pattern or definition that reads like a keyword is still a key of its map
    expect(strictify({ type: 'object', patternProperties: { description: field, example: field } }, ID))
      .toEqual({ type: 'object', patternProperties: { description: { type: 'string' }, example: { type: 'string' } } });
    expect(strictify({ definitions: { example: field, 'x-kubernetes-validations': field } }, ID))
      .toEqual({ definitions: { 'example': { type: 'string' }, 'x-kubernetes-validations': { type: 'string' } } });
  });

  test('local $refs become absolute to the document id; other $refs and non-string values stay', () => {
    expect(strictify({ items: { $ref: '#/definitions/a' } }, ID)).toEqual({ items: { $ref: 'doc:test#/definitions/a' } });
    expect(strictify({ $ref: 'other#/definitions/a' }, ID)).toEqual({ $ref: 'other#/definitions/a' });
    expect(strictify({ $ref: 'definitions/a' }, ID)).toEqual({ $ref: 'definitions/a' });
    expect(strictify({ $ref: 7 }, ID)).toEqual({ $ref: 7 });
    // only the $ref keyword: other keywords whose string value looks like a local pointer stay as they are
    expect(strictify({ type: 'string', pattern: '#/x', default: '#/definitions/a' }, ID)).toEqual({ type: 'string', pattern: '#/x', default: '#/definitions/a' });
  });

  test('x-kubernetes-int-or-string becomes integer or string, its anyOf removed; false leaves the schema alone', () => {
    expect(strictify({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, ID))
      .toEqual({ 'x-kubernetes-int-or-string': true, type: ['integer', 'string'] });
    expect(strictify({ 'x-kubernetes-int-or-string': false, anyOf: [{ type: 'integer' }] }, ID))
      .toEqual({ 'x-kubernetes-int-or-string': false, anyOf: [{ type: 'integer' }] });
  });

  test('an embedded resource must carry apiVersion and kind, may carry metadata, and keeps its own fields and required list', () => {
    expect(strictify({ type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } }, required: ['spec', 'kind'] }, ID)).toEqual({
      type: 'object',
      'x-kubernetes-embedded-resource': true,
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object' } },
      required: ['spec', 'kind', 'apiVersion'],
      additionalProperties: false,
    });
    expect(strictify({ type: 'object', 'x-kubernetes-embedded-resource': true, properties: {} }, ID).required).toEqual(['apiVersion', 'kind']);
    // its own metadata schema wins over the generic one
    expect(strictify({ 'x-kubernetes-embedded-resource': true, properties: { metadata: { type: 'object', properties: {} } } }, ID).properties.metadata)
      .toEqual({ type: 'object', properties: {}, additionalProperties: false });
    // without properties (preserve-unknown-fields objects) nothing is added
    expect(strictify({ type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true }, ID))
      .toEqual({ type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true });
    expect(strictify({ 'x-kubernetes-embedded-resource': false, properties: {} }, ID)).toEqual({ 'x-kubernetes-embedded-resource': false, properties: {}, additionalProperties: false });
  });

  test('branches of anyOf, oneOf, allOf and not are never closed (they validate values; fields are declared outside)', () => {
    const branch = { properties: { type: { enum: ['IPAddress'] } } };
    const nested = { properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } };
    for (const junctor of ['anyOf', 'oneOf', 'allOf']) {
      expect(strictify({ type: 'object', properties: { type: { type: 'string' } }, [junctor]: [branch, nested] }, ID)).toEqual({
        type: 'object', properties: { type: { type: 'string' } }, additionalProperties: false, [junctor]: [branch, nested],
      });
    }
    expect(strictify({ type: 'object', properties: { x: { type: 'string' } }, not: branch }, ID))
      .toEqual({ type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false, not: branch });
    // descriptions still go, refs are still made absolute inside them
    expect(strictify({ anyOf: [{ description: 'd', $ref: '#/definitions/a' }] }, ID)).toEqual({ anyOf: [{ $ref: 'doc:test#/definitions/a' }] });
    // and closing resumes for a schema that is no junctor branch, e.g. items beside them
    expect(strictify({ items: { properties: {} }, oneOf: [{ items: { properties: {} } }] }, ID))
      .toEqual({ items: { properties: {}, additionalProperties: false }, oneOf: [{ items: { properties: {} } }] });
  });

  test('arrays and scalars go through as they are (items lists, enums, defaults)', () => {
    expect(strictify([{ type: 'object', properties: {} }, 3, null], ID)).toEqual([{ type: 'object', properties: {}, additionalProperties: false }, 3, null]);
    expect(strictify('x', ID)).toBe('x');
    expect(strictify(null, ID)).toBeNull();
  });
});

describe('the vendored Kubernetes definitions', () => {
  const defs = loadKubernetesDefinitions('1.28', 'k8s:1.28').definitions;

  test('Quantity and IntOrString are replaced by precise checks', () => {
    expect(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ type: ['string', 'number'], format: 'quantity' });
    expect(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ type: ['integer', 'string'] });
  });

  test('a field the server treats as optional is not required (PodFailurePolicyRule.onPodConditions); the rest stays required', () => {
    expect(defs['io.k8s.api.batch.v1.PodFailurePolicyRule'].required).toEqual(['action']);
    expect(defs['io.k8s.api.core.v1.Container'].required).toEqual(['name']);
  });

  test('refs point into the document; objects are closed', () => {
    expect(defs['io.k8s.api.core.v1.PodTemplateSpec'].properties.spec.$ref).toBe('k8s:1.28#/definitions/io.k8s.api.core.v1.PodSpec');
    expect(defs['io.k8s.api.core.v1.PodSpec'].additionalProperties).toBe(false);
  });
});

describe('indexKubernetesKinds', () => {
  test('maps apiVersion/kind (core kinds without a group) to the definition name; the first definition of a kind wins', () => {
    const index = indexKubernetesKinds({
      'a.Pod': { 'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }] },
      'b.Job': { 'x-kubernetes-group-version-kind': [{ group: 'batch', version: 'v1', kind: 'Job' }, { group: 'batch', version: 'v2', kind: 'Job' }] },
      'c.Job': { 'x-kubernetes-group-version-kind': [{ group: 'batch', version: 'v1', kind: 'Job' }] },
      'd.Plain': { type: 'object' },
    });
    expect([...index]).toEqual([['v1/Pod', 'a.Pod'], ['batch/v1/Job', 'b.Job'], ['batch/v2/Job', 'b.Job']]);
  });
});

describe('compiled CRD schemas', () => {
  test('a known kind loads its schema; an unknown one is undefined', () => {
    expect(loadCrdSchema('kueue.x-k8s.io/v1beta1/LocalQueue')?.properties?.spec?.properties?.clusterQueue?.type).toBe('string');
    expect(loadCrdSchema('kueue.x-k8s.io/v1beta1/NoSuchKind')).toBeUndefined();
    expect(crdSchemaIndex()).toBe(crdSchemaIndex());
  });
});

describe('the enum overlays (src/validation/enums.ts) against the vendored definitions', () => {
  // read straight from the files: every overlaid field must exist, and have no enum of its own,
  // in every supported version (the overlay code relies on it and has no guard)
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const { KUBERNETES_ENUM_OVERLAYS, KUBERNETES_ITEM_ENUM_OVERLAYS } = require('../../src/validation/enums');
  test.each(['1.28', '1.31', '1.33'])('Kubernetes %s', (version) => {
    const file = path.join(__dirname, '..', '..', 'schemas', 'kubernetes', `v${version}.0`, '_definitions.json');
    const defs = JSON.parse(fs.readFileSync(file, 'utf8')).definitions;
    const problems: string[] = [];
    for (const [table, onItems] of [[KUBERNETES_ENUM_OVERLAYS, false], [KUBERNETES_ITEM_ENUM_OVERLAYS, true]] as const) {
      for (const [short, props] of Object.entries<Record<string, string[]>>(table)) {
        const def = defs[`io.k8s.api.${short}`] ?? defs[`io.k8s.${short}`];
        for (const prop of Object.keys(props)) {
          const field = def?.properties?.[prop];
          const target = onItems ? field?.items : field;
          if (!target) problems.push(`${short}.${prop}: missing`);
          else if (target.enum) problems.push(`${short}.${prop}: has an enum`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
