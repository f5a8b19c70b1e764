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

  test('shrinks the KServe InferenceService schema several fold', () => {
    const isvc = strictify(loadCrdSchema('serving.kserve.io/v1beta1/InferenceService'), 'cdk8s-ml:isvc');
    const f = factorRepeatedSubschemas(isvc, 'cdk8s-ml:isvc');
    expect(JSON.stringify(f).length * 4).toBeLessThan(JSON.stringify(isvc).length);
  });
});
