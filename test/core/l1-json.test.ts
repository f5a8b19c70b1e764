import * as fs from 'fs';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import { JsonHole, L1_RENAMED_PROPERTIES, NotPlainJsonError, canonicalJson, fillJsonHoles, l1Json } from '../../src/core';

/** What the generated converter gives, in canonical form. */
const viaConverter = <T>(value: T, convert: (v: T) => unknown) => canonicalJson(convert(value));

/** The TypeScript property names the generated converters write under another JSON key, read from their source. */
function convertersRenames(): string[] {
  const source = fs.readFileSync(require.resolve('cdk8s-plus-28/lib/imports/k8s.js'), 'utf8');
  const renamed = new Set<string>();
  for (const m of source.matchAll(/^\s*'([^']+)': (?:obj\.(\w+)|[^\n]*?\(obj\.(\w+)\))/gm)) {
    const prop = m[2] ?? m[3];
    if (prop !== m[1]) renamed.add(prop);
  }
  return [...renamed].sort();
}

describe('l1Json', () => {
  test('the renamed-property list is exactly the renames in the generated converters', () => {
    const renamed = convertersRenames();
    expect(renamed.length).toBeGreaterThan(20);
    expect([...L1_RENAMED_PROPERTIES].sort()).toEqual(renamed);
  });

  test('Quantity and IntOrString become their values, keys sorted, empty values dropped', () => {
    const container: k8s.Container = {
      name: 'trainer',
      image: 'ghcr.io/acme/trainer:1.4.2',
      resources: { limits: { 'nvidia.com/gpu': k8s.Quantity.fromNumber(8), cpu: k8s.Quantity.fromString('32') } },
      readinessProbe: { httpGet: { port: k8s.IntOrString.fromString('http'), path: '/health' } },
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } },
      args: [],
      workingDir: undefined,
    };
    const { json, canonical } = l1Json(container, k8s.toJson_Container);
    expect(canonical).toBe(true);
    expect(JSON.stringify(json)).toBe(JSON.stringify(viaConverter(container, k8s.toJson_Container)));
    expect(json).toEqual({
      args: [],
      image: 'ghcr.io/acme/trainer:1.4.2',
      livenessProbe: { tcpSocket: { port: 8080 } },
      name: 'trainer',
      readinessProbe: { httpGet: { path: '/health', port: 'http' } },
      resources: { limits: { 'cpu': '32', 'nvidia.com/gpu': 8 } },
    });
    expect(Object.keys(json as object)).toEqual(['args', 'image', 'livenessProbe', 'name', 'readinessProbe', 'resources']);
  });

  test('a renamed property (hostIpc, clusterIp, volumeId) goes through the generated converter', () => {
    const pod: k8s.PodSpec = {
      hostIpc: false,
      containers: [{ name: 'c', image: 'busybox:1.36' }],
      volumes: [{ name: 'v', awsElasticBlockStore: { volumeId: 'vol-1', fsType: 'ext4' } }],
    };
    const { json, canonical } = l1Json(pod, k8s.toJson_PodSpec);
    expect(canonical).toBe(true);
    expect(json).toEqual(viaConverter(pod, k8s.toJson_PodSpec));
    expect(JSON.stringify(json)).toContain('"hostIPC":false');
    expect(JSON.stringify(json)).toContain('"volumeID":"vol-1"');
    const svc = l1Json<k8s.ServiceSpec>({ clusterIp: 'None', ports: [{ port: 80, targetPort: k8s.IntOrString.fromNumber(8080) }] }, k8s.toJson_ServiceSpec);
    expect(svc.json).toEqual({ clusterIP: 'None', ports: [{ port: 80, targetPort: 8080 }] });
  });

  test('a user map key that happens to be a renamed property name is kept as written', () => {
    // The converter does not rename map keys; the fast walk hands such values to it.
    const meta: k8s.ObjectMeta = { labels: { ref: 'main', schema: 'v2' }, annotations: { clusterIp: 'x' } };
    const { json } = l1Json(meta, k8s.toJson_ObjectMeta);
    expect(json).toEqual({ annotations: { clusterIp: 'x' }, labels: { ref: 'main', schema: 'v2' } });
  });

  test('a Lazy is not plain data: the converter output is returned as is, not canonical', () => {
    const lazy = Lazy.any({ produce: () => 'late' });
    const env = { name: 'X', value: lazy as unknown as string };
    const { json, canonical } = l1Json<k8s.EnvVar>(env, k8s.toJson_EnvVar);
    expect(canonical).toBe(false);
    expect((json as { value: unknown }).value).toBe(lazy);
  });

  test('under CDK8S_ML_VERIFY_L1 (the test suite) a difference from the converter throws', () => {
    // A field the L1 type lacks: the converter drops it, the fast walk keeps it.
    const withTypo = { podSelector: {}, prots: [1] } as unknown as k8s.NetworkPolicySpec;
    expect(process.env.CDK8S_ML_VERIFY_L1).toBe('1');
    expect(() => l1Json(withTypo, k8s.toJson_NetworkPolicySpec)).toThrow(/fast conversion differs from the generated converter/);
  });

  test('without CDK8S_ML_VERIFY_L1 the fast walk is trusted: a field the L1 type lacks is kept', () => {
    const withTypo = { podSelector: {}, prots: [1] } as unknown as k8s.NetworkPolicySpec;
    const saved = process.env.CDK8S_ML_VERIFY_L1;
    delete process.env.CDK8S_ML_VERIFY_L1;
    try {
      expect(l1Json(withTypo, k8s.toJson_NetworkPolicySpec)).toMatchObject({ json: { podSelector: {}, prots: [1] }, canonical: true });
    } finally {
      process.env.CDK8S_ML_VERIFY_L1 = saved;
    }
  });

  test('an error other than not-plain-data is not swallowed: from the walk, or from the converter output', () => {
    const boom = new Error('boom');
    const throwing = { get name(): string { throw boom; } };
    // the walk reads the getter; the converter is never tried
    const convert = jest.fn(() => ({ name: 'c' }));
    expect(() => l1Json(throwing as unknown as k8s.EnvVar, convert)).toThrow(boom);
    expect(convert).not.toHaveBeenCalled();
    // a Lazy sends the value to the converter, whose output holds the throwing getter
    const lazy = { name: 'X', value: Lazy.any({ produce: () => 'late' }) as unknown as string };
    expect(() => l1Json<k8s.EnvVar>(lazy, () => throwing)).toThrow(boom);
  });

  test('agrees with the converter on random env, labels, tolerations and resources', () => {
    const key = fc.oneof(fc.constantFrom(...L1_RENAMED_PROPERTIES, 'app', 'a/b', '__x'), fc.string({ minLength: 1, maxLength: 8 }));
    const quantity = fc.oneof(fc.integer({ min: 0, max: 64 }).map((n) => k8s.Quantity.fromNumber(n)), fc.constantFrom('1', '250m', '16Gi').map((s) => k8s.Quantity.fromString(s)));
    const container = fc.record({
      name: fc.constantFrom('a', 'b'),
      image: fc.constant('busybox:1.36'),
      env: fc.option(fc.array(fc.record({ name: key, value: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }) }), { maxLength: 3 }), { nil: undefined }),
      resources: fc.option(fc.record({ limits: fc.dictionary(key, quantity, { maxKeys: 3 }), requests: fc.option(fc.dictionary(key, quantity, { maxKeys: 3 }), { nil: undefined }) }), { nil: undefined }),
      ports: fc.option(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), name: fc.option(key, { nil: undefined }) }), { maxLength: 2 }), { nil: undefined }),
    });
    const pod = fc.record({
      containers: fc.array(container, { minLength: 1, maxLength: 2 }),
      nodeSelector: fc.option(fc.dictionary(key, fc.string({ maxLength: 4 }), { maxKeys: 3 }), { nil: undefined }),
      tolerations: fc.option(fc.array(fc.record({ key: fc.option(key, { nil: undefined }), operator: fc.constantFrom('Exists', 'Equal'), effect: fc.constantFrom('NoSchedule', undefined) }), { maxLength: 2 }), { nil: undefined }),
      hostPid: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(fc.property(pod, (p) => {
      const spec = p as k8s.PodSpec;
      expect(JSON.stringify(l1Json(spec, k8s.toJson_PodSpec).json)).toBe(JSON.stringify(viaConverter(spec, k8s.toJson_PodSpec)));
    }), { numRuns: 300 });
  });

  describe('placeholder', () => {
    const PH = 'x0phx0';
    const spec = (): k8s.PodSpec => ({
      subdomain: 'svc',
      containers: [{
        name: 'c',
        image: 'busybox:1.36',
        args: [`--peer=${PH}-0.svc`, 'plain', PH],
        env: [{ name: 'MASTER_ADDR', value: `${PH}-0.svc` }, { name: 'X', value: 'y' }],
        resources: { limits: { cpu: k8s.Quantity.fromString(`${PH}`) } },
      }],
      nodeSelector: { job: PH },
    });

    test('fill replaces it in place in every string, once, and gives what replacing before the walk gives', () => {
      const r = l1Json(spec(), k8s.toJson_PodSpec, PH);
      expect(r.canonical).toBe(true);
      const before = JSON.stringify(r.json);
      expect(before.split(PH).length - 1).toBe(5);
      r.fill!('train-ab12');
      const after = JSON.stringify(r.json);
      expect(after).not.toContain(PH);
      expect(after).toBe(before.split(PH).join('train-ab12'));
      expect(() => r.fill!('again')).toThrow(/once/);
    });

    test('in an object key, or through the converter, there is no fill', () => {
      const keyed = { ...spec(), nodeSelector: { [PH]: 'a' } };
      const r = l1Json(keyed, k8s.toJson_PodSpec, PH);
      expect(r.fill).toBeUndefined();
      expect(JSON.stringify(r.json)).toContain(PH);
      const renamed = { ...spec(), hostIpc: false };
      expect(l1Json(renamed, k8s.toJson_PodSpec, PH).fill).toBeUndefined();
    });

    test('without a placeholder there is no fill', () => {
      expect(l1Json(spec(), k8s.toJson_PodSpec).fill).toBeUndefined();
    });
  });
});

describe('canonicalJson with a placeholder', () => {
  test('records every string holding it, in arrays and objects, and fillJsonHoles replaces them in place', () => {
    const holes: JsonHole[] = [];
    const out = canonicalJson({ b: ['x-PH-0', 'y', { c: 'PH' }], a: 'none', d: null }, { placeholder: 'PH', holes }) as any;
    expect(holes).toHaveLength(2);
    fillJsonHoles(holes, 'PH', 'job-1');
    expect(out).toEqual({ a: 'none', b: ['x-job-1-0', 'y', { c: 'job-1' }] });
  });

  test('a key or a top-level string holding it is not plain data; without L1 keys a Quantity is not either', () => {
    expect(() => canonicalJson({ labels: { 'a/PH': 'x' } }, { placeholder: 'PH', holes: [] })).toThrow(NotPlainJsonError);
    expect(() => canonicalJson('PH-0', { placeholder: 'PH', holes: [] })).toThrow(NotPlainJsonError);
    expect(() => canonicalJson({ cpu: k8s.Quantity.fromString('1') })).toThrow(NotPlainJsonError);
    expect(canonicalJson({ cpu: k8s.Quantity.fromString('1') }, { l1RenamedKeys: new Set() })).toEqual({ cpu: '1' });
  });
});
