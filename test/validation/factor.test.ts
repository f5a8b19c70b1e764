import Ajv from 'ajv';
import { factorRepeatedSubschemas } from '../../src/validation/factor';
import { loadCrdSchema, strictify } from '../../src/validation/schemas';

const container = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    // A field named like schema keywords must stay a field.
    type: { type: 'string', enum: ['a', 'b'] },
    items: { type: 'array', items: { type: 'integer' } },
    ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } } },
  },
};
const schema = strictify({
  type: 'object',
  properties: {
    a: { type: 'object', properties: { containers: { type: 'array', items: container } } },
    b: { type: 'object', properties: { containers: { type: 'array', items: container } } },
    props: { type: 'object', properties: { type: { type: 'string' }, items: { type: 'string' } } },
  },
}, 'cdk8s-ml:test');

function compile(s: any) {
  return new Ajv({ allErrors: true, strict: false, inlineRefs: false }).compile({ ...s, $id: 'cdk8s-ml:test' });
}

describe('factorRepeatedSubschemas', () => {
  const factored = factorRepeatedSubschemas(schema, 'cdk8s-ml:test', 5);

  test('moves repeated subtrees into definitions', () => {
    expect(Object.keys(factored.definitions ?? {}).length).toBeGreaterThan(0);
    expect(JSON.stringify(factored).length).toBeLessThan(JSON.stringify(schema).length);
    // The properties map named like keywords is kept as a map.
    expect(Object.keys(factored.properties.props.properties)).toEqual(['type', 'items']);
  });

  test.each([
    [{ a: { containers: [{ name: 'x', type: 'a', items: [1], ports: [{ port: 1 }] }] } }],
    [{ a: { containers: [{ name: 'x', type: 'c' }] } }],
    [{ b: { containers: [{ type: 'a' }] } }],
    [{ b: { containers: [{ name: 'x', items: ['s'] }] } }],
    [{ b: { containers: [{ name: 'x', extra: 1 }] } }],
    [{ props: { type: 'x', items: 'y' } }],
    [{ props: { type: 1 } }],
    [{ unknown: 1 }],
  ])('validates %j exactly as the unfactored schema', (doc) => {
    const plain = compile(schema);
    const fact = compile(factored);
    expect(fact(doc)).toBe(plain(doc));
    const paths = (errs: any[] | null | undefined) => (errs ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort();
    expect(paths(fact.errors)).toEqual(paths(plain.errors));
  });

  test('subtrees that differ in one scalar (a number, null, a boolean) are distinct definitions; equal ones share one', () => {
    const leaf = (min: number, def: unknown, nullable: boolean) => ({
      type: 'object', properties: { a: { type: 'integer', minimum: min, default: def }, b: { type: 'string', enum: ['x', null], nullable } }, additionalProperties: false,
    });
    const doc = {
      type: 'object',
      properties: {
        p: leaf(1, null, true), q: leaf(1, null, true), // equal: one definition
        r: leaf(2, null, true), s: leaf(2, null, true), // another minimum
        t: leaf(1, 0, true), u: leaf(1, 0, true), // another default
        v: leaf(1, null, false), w: leaf(1, null, false), // another flag
      },
    };
    // each leaf has 14 nodes; its parts (a, b, the properties map) fewer, so only whole leaves are factored
    const f = factorRepeatedSubschemas(doc, 'doc:x', 13);
    const refs = Object.values(f.properties).map((p: any) => p.$ref);
    expect(refs).toEqual(['doc:x#/definitions/f0', 'doc:x#/definitions/f0', 'doc:x#/definitions/f1', 'doc:x#/definitions/f1',
      'doc:x#/definitions/f2', 'doc:x#/definitions/f2', 'doc:x#/definitions/f3', 'doc:x#/definitions/f3']);
    expect(f.definitions).toEqual({ f0: leaf(1, null, true), f1: leaf(2, null, true), f2: leaf(1, 0, true), f3: leaf(1, null, false) });
  });

  test('subschemas under patternProperties and definitions are factored too; their keys stay map keys', () => {
    const twice = strictify({
      type: 'object',
      patternProperties: { '^x-': container, '^y-': container },
      definitions: { one: container, two: container },
    }, 'cdk8s-ml:test');
    const out = factorRepeatedSubschemas(twice, 'cdk8s-ml:test', 5);
    const ref = out.patternProperties['^x-'].$ref;
    expect(ref).toMatch(/^cdk8s-ml:test#\/definitions\/f\d+$/);
    expect(out.patternProperties).toEqual({ '^x-': { $ref: ref }, '^y-': { $ref: ref } });
    expect(out.definitions.one).toEqual({ $ref: ref });
    expect(out.definitions.two).toEqual({ $ref: ref });
  });

  test('an additionalProperties subschema is factored; additionalProperties: false stays', () => {
    const maps = strictify({ type: 'object', properties: { a: { type: 'object', maxProperties: 1, additionalProperties: container }, b: { type: 'object', maxProperties: 2, additionalProperties: container } } }, 'cdk8s-ml:test');
    const out = factorRepeatedSubschemas(maps, 'cdk8s-ml:test', 5);
    const ref = out.properties.a.additionalProperties.$ref;
    expect(ref).toMatch(/^cdk8s-ml:test#\/definitions\/f\d+$/);
    expect(out.properties.b.additionalProperties).toEqual({ $ref: ref });
    expect(out.additionalProperties).toBe(false);
  });

  test('subschemas in anyOf, allOf and oneOf lists and under not are factored too', () => {
    const lists = strictify({ type: 'object', anyOf: [container, { required: ['x'] }], allOf: [container], oneOf: [container, { required: ['y'] }], not: container }, 'cdk8s-ml:test');
    const out = factorRepeatedSubschemas(lists, 'cdk8s-ml:test', 5);
    const ref = out.anyOf[0].$ref;
    expect(ref).toMatch(/^cdk8s-ml:test#\/definitions\/f\d+$/);
    expect([out.anyOf[0], out.allOf[0], out.oneOf[0], out.not]).toEqual([{ $ref: ref }, { $ref: ref }, { $ref: ref }, { $ref: ref }]);
    expect([out.anyOf[1], out.oneOf[1]]).toEqual([{ required: ['x'] }, { required: ['y'] }]);
  });

  test('key order does not matter; a list and an object with the same indexes as keys are not the same', () => {
    const a = { type: 'object', properties: { x: { type: 'string' }, y: { type: 'integer' } } };
    const reordered = { properties: { y: { type: 'integer' }, x: { type: 'string' } }, type: 'object' };
    const f = factorRepeatedSubschemas({ type: 'object', properties: { p: a, q: reordered } }, 'doc:x', 5);
    expect([f.properties.p, f.properties.q]).toEqual([{ $ref: 'doc:x#/definitions/f0' }, { $ref: 'doc:x#/definitions/f0' }]);
    const withList = { type: 'object', properties: { x: { type: 'string' } }, default: ['a', 'b'] };
    const withMap = { type: 'object', properties: { x: { type: 'string' } }, default: { 0: 'a', 1: 'b' } };
    const g = factorRepeatedSubschemas({ type: 'object', properties: { p: withList, q: withMap, r: withList, s: withMap } }, 'doc:x', 5);
    expect(g.definitions).toEqual({ f0: withList, f1: withMap });
    expect(Object.values(g.properties).map((p: any) => p.$ref)).toEqual(['doc:x#/definitions/f0', 'doc:x#/definitions/f1', 'doc:x#/definitions/f0', 'doc:x#/definitions/f1']);
  });

  test('a subtree seen once, or smaller than minNodes, stays inline; the root is never replaced', () => {
    const small = { type: 'string', maxLength: 3 };
    const doc = { type: 'object', properties: { a: small, b: small, c: { type: 'object', properties: { d: { type: 'integer' } } } } };
    expect(factorRepeatedSubschemas(doc, 'doc:x', 5)).toEqual(doc);
    expect(factorRepeatedSubschemas(doc, 'doc:x', 3)).toEqual({
      type: 'object', properties: { a: { $ref: 'doc:x#/definitions/f0' }, b: { $ref: 'doc:x#/definitions/f0' }, c: doc.properties.c }, definitions: { f0: small },
    });
    expect(factorRepeatedSubschemas({ allOf: [doc, doc] }, 'doc:x', 100).allOf).toEqual([doc, doc]);
  });

  test('shrinks the KServe InferenceService schema several fold', () => {
    const isvc = strictify(loadCrdSchema('serving.kserve.io/v1beta1/InferenceService'), 'cdk8s-ml:isvc');
    const f = factorRepeatedSubschemas(isvc, 'cdk8s-ml:isvc');
    expect(JSON.stringify(f).length * 4).toBeLessThan(JSON.stringify(isvc).length);
  });
});
