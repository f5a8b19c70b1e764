import { ApiObject, ApiObjectProps, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext, Yaml } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import { JsonHole, NotPlainJsonError, PlainApiObject, canonicalJson } from '../../src/core';

/** Synthesizes the same props as a plain ApiObject and as a PlainApiObject, in two apps. */
function both(props: ApiObjectProps, setup: (o: ApiObject) => void = () => undefined, appProps: ConstructorParameters<typeof App>[0] = {}): [string, string] {
  const render = (make: (c: Chart) => ApiObject) => {
    const app = new App(appProps);
    const chart = new Chart(app, 'c', { namespace: 'team-a', labels: { team: 'a' } });
    setup(make(chart));
    return Yaml.stringify(...chart.toJson());
  };
  return [render((c) => new ApiObject(c, 'o', props)), render((c) => new PlainApiObject(c, 'o', props))];
}

const body = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(undefined), fc.constant(null)), { maxKeys: 6 });

describe('PlainApiObject synthesizes exactly what ApiObject does', () => {
  test('on random plain bodies (keys in any order, null and undefined values, nested arrays)', () => {
    let fastPath = 0;
    fc.assert(fc.property(body, fc.dictionary(fc.constantFrom('a', 'b', 'z', 'app.kubernetes.io/name'), fc.string({ maxLength: 5 }), { maxKeys: 3 }), (b, labels) => {
      const [expected, actual] = both({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x', labels }, ...b });
      expect(actual).toBe(expected);
      try {
        canonicalJson(b);
        fastPath++;
      } catch {
        /* null array items: the ApiObject path */
      }
    }), { numRuns: 300 });
    expect(fastPath).toBeGreaterThan(150);
  });

  test('falls back to ApiObject for a Lazy, a custom resolver, JSON patches and CDK8S_DISABLE_SORT', () => {
    const withLazy = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: Lazy.any({ produce: () => 'late' }) } } as unknown as ApiObjectProps;
    const [e1, a1] = both(withLazy);
    expect(a1).toBe(e1);
    expect(a1).toContain('a: late');

    class Upper implements IResolver {
      resolve(context: ResolutionContext): void {
        if (typeof context.value === 'string' && context.value.startsWith('up:')) context.replaceValue(context.value.slice(3).toUpperCase());
      }
    }
    const props: ApiObjectProps = { apiVersion: 'v1', kind: 'ConfigMap', data: { b: 'up:shout', a: 'x' } } as ApiObjectProps;
    const [e2, a2] = both(props, undefined, { resolvers: [new Upper()] });
    expect(a2).toBe(e2);
    expect(a2).toContain('b: SHOUT');

    const [e3, a3] = both(props, (o) => o.addJsonPatch(JsonPatch.add('/data/c', 'patched')));
    expect(a3).toBe(e3);
    expect(a3).toContain('c: patched');

    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const [e4, a4] = both(props);
      expect(a4).toBe(e4);
      expect(a4.indexOf('b: up:shout')).toBeLessThan(a4.indexOf('a: x'));
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('metadata added after construction (labels, annotations) is rendered', () => {
    const [e, a] = both({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } } as ApiObjectProps, (o) => {
      o.metadata.addLabel('late', 'yes');
      o.metadata.addAnnotation('note', 'added');
    });
    expect(a).toBe(e);
    expect(a).toMatch(/late: "yes"/);
    expect(a).toMatch(/note: added/);
  });

  test('equals the cdk8s-plus L1 objects it replaces (Service, NetworkPolicy, ConfigMap)', () => {
    const service: k8s.KubeServiceProps = {
      metadata: { name: 'svc', labels: { z: '1', a: '2' } },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: { b: 'x', a: 'y' }, ports: [{ name: 'rdzv', port: 29500, targetPort: k8s.IntOrString.fromNumber(29500), protocol: 'TCP' }] },
    };
    const policy: k8s.KubeNetworkPolicyProps = {
      metadata: { name: 'np' },
      spec: { podSelector: { matchLabels: { a: 'b' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: k8s.IntOrString.fromNumber(1024), endPort: 65535, protocol: 'TCP' }] }] },
    };
    const cm: k8s.KubeConfigMapProps = { metadata: { name: 'cm' }, immutable: true, data: { 'z.json': '{}\n', 'a.txt': 'x' } };
    const pairs: Array<[(c: Chart) => ApiObject, (c: Chart) => ApiObject]> = [
      [(c) => new k8s.KubeService(c, 'o', service), (c) => new PlainApiObject(c, 'o', k8s.KubeService.manifest(service))],
      [(c) => new k8s.KubeNetworkPolicy(c, 'o', policy), (c) => new PlainApiObject(c, 'o', k8s.KubeNetworkPolicy.manifest(policy))],
      [(c) => new k8s.KubeConfigMap(c, 'o', cm), (c) => new PlainApiObject(c, 'o', k8s.KubeConfigMap.manifest(cm))],
    ];
    for (const [l1, plain] of pairs) {
      const render = (make: (c: Chart) => ApiObject) => {
        const chart = new Chart(new App(), 'c', { namespace: 'n' });
        make(chart);
        return Yaml.stringify(...chart.toJson());
      };
      expect(render(plain)).toBe(render(l1));
    }
  });

  test('each toJson() returns a fresh copy: mutating one does not change the next synth', () => {
    const chart = new Chart(new App(), 'c');
    const o = new PlainApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } } as ApiObjectProps);
    const first = o.toJson();
    first.data.a = 'mutated';
    expect(o.toJson().data.a).toBe('b');
  });

  test('the body is captured at construction', () => {
    const data: Record<string, string> = { a: 'b' };
    const chart = new Chart(new App(), 'c');
    const o = new PlainApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data } as ApiObjectProps);
    data.a = 'changed';
    expect(o.toJson().data).toEqual({ a: 'b' });
  });
});

describe('canonicalJson', () => {
  test('sorts keys, drops null and undefined values, shares nothing', () => {
    const inner = { y: 1, x: ['s', { b: 2, a: undefined }] };
    const out = canonicalJson({ z: inner, a: null, m: undefined, k: false }) as any;
    expect(JSON.stringify(out)).toBe('{"k":false,"z":{"x":["s",{"b":2}],"y":1}}');
    expect(out.z).not.toBe(inner);
    expect(out.z.x).not.toBe(inner.x);
  });

  test('rejects what is not plain data', () => {
    for (const bad of [Lazy.any({ produce: () => 1 }), k8s.Quantity.fromString('1'), () => 1, Symbol('s'), BigInt(1), NaN, Infinity, -0, new Date(0), { toJSON: () => 'x' }, [new Map()], [null], [1, undefined]]) {
      expect(() => canonicalJson({ a: bad })).toThrow(NotPlainJsonError);
    }
  });

  test('an own "__proto__" key (as JSON.parse makes it) is not plain data: copying it would set a prototype', () => {
    const parsed = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}');
    expect(Object.keys(parsed)).toEqual(['a', '__proto__']);
    expect(() => canonicalJson({ spec: parsed })).toThrow(NotPlainJsonError);
  });

  test('an Array subclass is not plain data; an object without prototype is', () => {
    class Items extends Array<number> {}
    expect(() => canonicalJson({ a: Items.from([1]) })).toThrow(NotPlainJsonError);
    expect(canonicalJson({ a: Object.assign(Object.create(null), { c: 1, b: [2] }) })).toEqual({ a: { b: [2], c: 1 } });
  });

  test('with L1 keys, a Quantity or IntOrString becomes its string or number value; any other value is not plain data', () => {
    const l1RenamedKeys = new Set<string>();
    expect(canonicalJson({ m: k8s.Quantity.fromString('1Gi'), p: k8s.IntOrString.fromNumber(8080), s: k8s.IntOrString.fromString('http') }, { l1RenamedKeys }))
      .toEqual({ m: '1Gi', p: 8080, s: 'http' });
    const odd = k8s.Quantity.fromString('1');
    (odd as unknown as { value: unknown }).value = { x: 1 };
    expect(() => canonicalJson({ m: odd }, { l1RenamedKeys })).toThrow(NotPlainJsonError);
    (odd as unknown as { value: unknown }).value = true;
    expect(() => canonicalJson({ m: odd }, { l1RenamedKeys })).toThrow(NotPlainJsonError);
  });

  test('a JSON round trip of its output gives the same value back', () => {
    let checked = 0;
    fc.assert(fc.property(body, (b) => {
      let c: unknown;
      try {
        c = canonicalJson(b);
      } catch (e) {
        expect(e).toBeInstanceOf(NotPlainJsonError); // null array items
        return;
      }
      checked++;
      expect(JSON.parse(JSON.stringify(c))).toStrictEqual(c);
    }), { numRuns: 200 });
    expect(checked).toBeGreaterThan(100);
  });
});

describe('PlainApiObject metadata that is not plain data', () => {
  test('a number JSON cannot carry (NaN) in metadata: rendered as ApiObject renders it', () => {
    const chart = new Chart(new App(), 'ml');
    const obj = new PlainApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' }, data: { b: '2', a: '1' } });
    obj.metadata.add('generation', NaN);
    expect(obj.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', generation: NaN }, data: { a: '1', b: '2' } });
  });

  test('fails as ApiObject fails on a token that throws, naming the construct', () => {
    const chart = new Chart(new App(), 'ml');
    const obj = new PlainApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
    obj.metadata.addLabel('team', Lazy.any({ produce: () => { throw new Error('boom'); } }) as unknown as string);
    expect(() => obj.toJson()).toThrow(new Error("Failed serializing construct at path 'ml/o' with name 'o': Error: boom"));
  });
});

describe('NotPlainJsonError', () => {
  test('names the kind of value', () => {
    const e = new NotPlainJsonError(new Date(0));
    expect(e).toMatchObject({ name: 'NotPlainJsonError', message: 'not plain JSON data: [object Date]' });
    expect(new NotPlainJsonError(undefined).message).toBe('not plain JSON data: [object Undefined]');
  });
});

describe('canonicalJson without a placeholder', () => {
  test('records nothing in holes and accepts any string, even "undefined"', () => {
    const holes: JsonHole[] = [];
    expect(canonicalJson({ a: 'undefined', b: ['is undefined'] }, { holes })).toEqual({ a: 'undefined', b: ['is undefined'] });
    expect(holes).toEqual([]);
    expect(canonicalJson('undefined')).toBe('undefined');
    expect(canonicalJson('undefined', { holes })).toBe('undefined');
  });
});

describe('PlainApiObject construction', () => {
  test('with { canonical: true } the body is kept as given, neither checked nor sorted again', () => {
    const chart = new Chart(new App(), 'c');
    // keys out of order: canonicalJson would sort them, the canonical option trusts the caller
    const o = new PlainApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { b: '2', a: '1' } } as ApiObjectProps, { canonical: true });
    expect(Object.keys(o.toJson().data)).toEqual(['b', 'a']);
    const sorted = new PlainApiObject(chart, 'p', { apiVersion: 'v1', kind: 'ConfigMap', data: { b: '2', a: '1' } } as ApiObjectProps);
    expect(Object.keys(sorted.toJson().data)).toEqual(['a', 'b']);
  });

  test('an error other than "not plain data" while reading the body is thrown at construction', () => {
    const data = Object.defineProperty({}, 'a', { enumerable: true, get: () => { throw new Error('getter failed'); } });
    expect(() => new PlainApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data } as ApiObjectProps)).toThrow('getter failed');
  });
});
