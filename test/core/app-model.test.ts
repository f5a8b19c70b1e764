/**
 * The app model annotations: declareFlows / declareExternal write sorted, de-duplicated JSON
 * into the object's own metadata; declaredFlows / declaredExternals read it back from YAML.
 * Every annotation text is spelled out.
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import {
  EXTERNAL_ANNOTATION, FLOWS_ANNOTATION, NetworkFlow, declareExternal, declareFlows, declaredExternals, declaredFlows,
} from '../../src/core/app-model';

const configMap = () => new ApiObject(new Chart(new App(), 'ml'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'team' } });
const flow = (purpose: string, port: number): NetworkFlow => ({
  purpose, direction: 'egress', peer: { kind: 'external', host: 'example.com' }, ports: [{ port }], construct: 'ml/cm',
});

describe('annotation names', () => {
  test('are ml.cdk8s.io/flows and ml.cdk8s.io/external', () => {
    expect(FLOWS_ANNOTATION).toBe('ml.cdk8s.io/flows');
    expect(EXTERNAL_ANNOTATION).toBe('ml.cdk8s.io/external');
  });
});

describe('declareFlows / declareExternal', () => {
  test('render distinct declarations as compact JSON with sorted keys, ordered by that JSON text, in the object metadata', () => {
    const obj = configMap();
    declareFlows(obj, [flow('b', 443), flow('a', 80)]);
    declareFlows(obj, [flow('b', 443), flow('a', 8080)]);
    declareExternal(obj, [{ kind: 'Secret', name: 'tok' }, { kind: 'Namespace', name: 'team' }]);
    declareExternal(obj, [{ kind: 'Secret', name: 'tok' }]);
    const m = obj.toJson();
    expect(m.metadata).toEqual({
      name: 'cm',
      namespace: 'team',
      annotations: {
        'ml.cdk8s.io/external': '[{"kind":"Namespace","name":"team"},{"kind":"Secret","name":"tok"}]',
        'ml.cdk8s.io/flows':
          // ordered by the JSON text: "ports":[{"port":4… < "port":8080 < "port":80} ("8" < "}")
          '[{"construct":"ml/cm","direction":"egress","peer":{"host":"example.com","kind":"external"},"ports":[{"port":443}],"purpose":"b"},' +
          '{"construct":"ml/cm","direction":"egress","peer":{"host":"example.com","kind":"external"},"ports":[{"port":8080}],"purpose":"a"},' +
          '{"construct":"ml/cm","direction":"egress","peer":{"host":"example.com","kind":"external"},"ports":[{"port":80}],"purpose":"a"}]',
      },
    });
    // sorted metadata stays sorted
    expect(Object.keys(m.metadata)).toEqual(['annotations', 'name', 'namespace']);
  });

  test('sort by code unit: upper case before lower case, whatever the declaration order', () => {
    const obj = configMap();
    declareExternal(obj, [{ kind: 'Secret', name: 'b' }, { kind: 'Secret', name: 'a' }, { kind: 'Secret', name: 'B' }]);
    expect(obj.toJson().metadata.annotations).toEqual({
      'ml.cdk8s.io/external': '[{"kind":"Secret","name":"B"},{"kind":"Secret","name":"a"},{"kind":"Secret","name":"b"}]',
    });
  });

  describe('metadata key order', () => {
    const ext = '[{"kind":"Secret","name":"s"}]';

    test('unsorted metadata (a JSON patch appended labels) stays as it was, the annotations added last', () => {
      const obj = new ApiObject(new Chart(new App(), 'ml'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'team' } });
      obj.addJsonPatch(JsonPatch.add('/metadata/labels', { a: 'b' }));
      declareExternal(obj, [{ kind: 'Secret', name: 's' }]);
      const m = obj.toJson().metadata;
      expect(Object.keys(m)).toEqual(['name', 'namespace', 'labels', 'annotations']);
      expect(m.annotations).toEqual({ 'ml.cdk8s.io/external': ext });
    });

    test('metadata of one key is left as it was too', () => {
      const obj = new ApiObject(new Chart(new App(), 'ml'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
      declareExternal(obj, [{ kind: 'Secret', name: 's' }]);
      expect(Object.keys(obj.toJson().metadata)).toEqual(['name', 'annotations']);
    });

    test('sorted metadata of several keys is kept sorted', () => {
      const obj = new ApiObject(new Chart(new App(), 'ml'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'team' } });
      declareExternal(obj, [{ kind: 'Secret', name: 's' }]);
      expect(Object.keys(obj.toJson().metadata)).toEqual(['annotations', 'name', 'namespace']);
    });
  });

  test('nothing declared: no annotation', () => {
    const obj = configMap();
    declareFlows(obj, []);
    expect(obj.toJson().metadata).toEqual({ name: 'cm', namespace: 'team' });
  });
});

describe('declaredFlows / declaredExternals', () => {
  test('read the JSON array of the annotation', () => {
    const manifest = { metadata: { annotations: { 'ml.cdk8s.io/flows': '[{"purpose":"a"}]', 'ml.cdk8s.io/external': '[{"kind":"Secret","name":"s"}]' } } };
    expect(declaredFlows(manifest)).toEqual([{ purpose: 'a' }]);
    expect(declaredExternals(manifest)).toEqual([{ kind: 'Secret', name: 's' }]);
  });

  test.each([undefined, null, {}, { metadata: null }, { metadata: {} }, { metadata: { annotations: null } }, { metadata: { annotations: { other: '[1]' } } }])(
    'none on %p', (manifest) => {
      expect(declaredFlows(manifest)).toEqual([]);
      expect(declaredExternals(manifest)).toEqual([]);
    });

  test('fails on an annotation that is not a JSON array', () => {
    expect(() => declaredFlows({ metadata: { annotations: { 'ml.cdk8s.io/flows': '{"purpose":"a"}' } } })).toThrow(new Error('annotation ml.cdk8s.io/flows must hold a JSON array'));
    expect(() => declaredExternals({ metadata: { annotations: { 'ml.cdk8s.io/external': '"Secret/s"' } } })).toThrow(new Error('annotation ml.cdk8s.io/external must hold a JSON array'));
    expect(() => declaredFlows({ metadata: { annotations: { 'ml.cdk8s.io/flows': '[' } } })).toThrow(SyntaxError);
  });
});
