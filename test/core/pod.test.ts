/**
 * core/pod helpers beyond the rendered pod (test/core/core.test.ts): the structural errors of
 * buildMlPodSpec, and how priority classes and service accounts are resolved and recorded.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { buildMlPodSpec, diskEmptyDirs, resolvePriorityClass, resolveServiceAccount } from '../../src/core/pod';
import { External, IPriorityClass, IServiceAccountRef, usedReferences } from '../../src/core/refs';
import { Accelerator } from '../../src/core/resources';
import { constructErrorOf } from '../support/errors';

const scope = () => new Construct(new Chart(new App(), 'ml', { namespace: 'team' }), 'w');
const main = { name: 'main', image: 'a/b:1', resources: { cpu: '1', memory: '1Gi' } };

describe('buildMlPodSpec', () => {
  test('fails without a container', () => {
    expect(constructErrorOf(() => buildMlPodSpec(scope(), { containers: [] })).message).toBe('ml/w: a pod needs at least one container');
  });

  test('fails on two volumes of one name', () => {
    const volumes = [{ name: 'data', emptyDir: {} }, { name: 'data', configMap: { name: 'cm' } }];
    expect(constructErrorOf(() => buildMlPodSpec(scope(), { containers: [main], volumes })).message).toBe('ml/w: duplicate volume name "data"');
  });
});

describe('ephemeral-storage of init containers', () => {
  const init = (resources: k8s.ResourceRequirements | undefined): k8s.Container => ({ name: 'fetch', image: 'a/fetch:1', resources });
  const rendered = (resources: k8s.ResourceRequirements | undefined) =>
    k8s.toJson_ResourceRequirements(buildMlPodSpec(scope(), { containers: [main], initContainers: [init(resources)] }).initContainers![0].resources!);

  test('a limit alone is kept as given (the API server defaults the request to it); a request alone too', () => {
    const twoGi = k8s.Quantity.fromString('2Gi');
    expect(rendered({ limits: { 'ephemeral-storage': twoGi } })).toEqual({ limits: { 'ephemeral-storage': '2Gi' }, requests: {} });
    expect(rendered({ requests: { 'ephemeral-storage': twoGi } })).toEqual({ limits: {}, requests: { 'ephemeral-storage': '2Gi' } });
  });

  test('none given: the pod\'s allowance, requested and limited', () => {
    expect(rendered(undefined)).toEqual({ limits: { 'ephemeral-storage': '512Mi' }, requests: { 'ephemeral-storage': '512Mi' } });
  });
});

describe('resolvePriorityClass', () => {
  test('none: undefined, nothing recorded', () => {
    const s = scope();
    expect(resolvePriorityClass(s, undefined)).toBeUndefined();
    expect(usedReferences(s)).toEqual([]);
  });

  test('each distinct class is recorded once', () => {
    const s = scope();
    expect(resolvePriorityClass(s, External.priorityClass('high'))).toBe('high');
    expect(resolvePriorityClass(s, External.priorityClass('high'))).toBe('high');
    expect(resolvePriorityClass(s, External.priorityClass('low'))).toBe('low');
    expect(usedReferences(s).map((r) => `${r.kind}/${r.name}`)).toEqual(['PriorityClass/high', 'PriorityClass/low']);
  });

  test('fails on something that is no priority class', () => {
    const bad = { name: 'high' } as unknown as IPriorityClass;
    expect(constructErrorOf(() => resolvePriorityClass(scope(), bad)).message).toBe('ml/w: priorityClass must be a PriorityClass or External.priorityClass(name), got {"name":"high"}');
  });
});

describe('resolveServiceAccount', () => {
  test('a name or none is used as is, nothing recorded', () => {
    const s = scope();
    expect(resolveServiceAccount(s, undefined)).toBeUndefined();
    expect(resolveServiceAccount(s, 'trainer')).toBe('trainer');
    expect(usedReferences(s)).toEqual([]);
  });

  test('each distinct External service account is recorded once', () => {
    const s = scope();
    expect(resolveServiceAccount(s, External.serviceAccount('a'))).toBe('a');
    expect(resolveServiceAccount(s, External.serviceAccount('a'))).toBe('a');
    expect(resolveServiceAccount(s, External.serviceAccount('b'))).toBe('b');
    expect(usedReferences(s).map((r) => `${r.kind}/${r.name}`)).toEqual(['ServiceAccount/a', 'ServiceAccount/b']);
  });

  test('fails on something that is neither a name nor a service account reference', () => {
    const bad = { name: 'a' } as unknown as IServiceAccountRef;
    expect(constructErrorOf(() => resolveServiceAccount(scope(), bad)).message).toBe('ml/w: serviceAccountName must be a name or External.serviceAccount(name), got {"name":"a"}');
  });
});

describe('diskEmptyDirs', () => {
  test('the emptyDirs on node disk with their size in bytes; memory-backed ones and other volumes are left out', () => {
    expect(diskEmptyDirs(scope(), [
      { name: 'cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Ki') } },
      { name: 'shm', emptyDir: { medium: 'Memory' } },
      { name: 'conf', configMap: { name: 'c' } },
      { name: 'tiny', emptyDir: { medium: '', sizeLimit: k8s.Quantity.fromString('1') } },
    ])).toEqual([{ name: 'cache', bytes: 1024 }, { name: 'tiny', bytes: 1 }]);
  });

  test('fails on a node-disk emptyDir without a positive size limit, naming the volume', () => {
    for (const emptyDir of [{}, { sizeLimit: k8s.Quantity.fromString('0') }, { sizeLimit: k8s.Quantity.fromString('lots') }]) {
      expect(() => diskEmptyDirs(scope(), [{ name: 'cache', emptyDir }])).toThrow(
        'ml/w: emptyDir volume "cache" has no sizeLimit, so the pod cannot request the node disk it fills (ephemeral-storage); give it a sizeLimit (a DatasetInit: the source\'s expectedSize or DatasetVolume.emptyDir({ sizeLimit }))',
      );
    }
  });
});

describe('buildMlPodSpec: several containers, env, node selector', () => {
  const gpu = Accelerator.nvidiaGpu({ count: 2, product: 'NVIDIA-H100-80GB-HBM3' });
  const json = (spec: k8s.PodSpec): any => k8s.toJson_PodSpec(spec);

  test('names a bad container name as such', () => {
    expect(constructErrorOf(() => buildMlPodSpec(scope(), { containers: [{ ...main, name: 'Main' }] })).message).toBe(
      'ml/w: container name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most 63 characters), got "Main" (4 characters)',
    );
  });

  test('the first container carries the accelerator and the disk of the emptyDirs; the others only their allowance', () => {
    const spec = json(buildMlPodSpec(scope(), {
      containers: [{ ...main, accelerator: gpu }, { name: 'sidecar', image: 'a/side:1', resources: { cpu: '100m', memory: '64Mi' } }],
    }));
    // tmp 4Gi + home 16Gi + the 512Mi allowance = 20992Mi
    expect(spec.containers[0].resources).toEqual({
      requests: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '20992Mi', 'nvidia.com/gpu': '2' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '20992Mi', 'nvidia.com/gpu': '2' },
    });
    expect(spec.containers[1].resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '512Mi' },
      limits: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '512Mi' },
    });
  });

  test('an ephemeralStorage equal to the emptyDirs is enough; a second container may request less than them', () => {
    const spec = json(buildMlPodSpec(scope(), {
      containers: [
        { ...main, resources: { ...main.resources, ephemeralStorage: '20Gi' } },
        { name: 'sidecar', image: 'a/side:1', resources: { cpu: '100m', memory: '64Mi', ephemeralStorage: '1Gi' } },
      ],
    }));
    expect(spec.containers.map((c: any) => c.resources.requests['ephemeral-storage'])).toEqual(['20Gi', '1Gi']);
  });

  test('a container env var of the writable-dir env (HOME) replaces it; the rest is added', () => {
    const spec = json(buildMlPodSpec(scope(), { containers: [{ ...main, env: [{ name: 'HOME', value: '/data/home' }] }] }));
    expect(spec.containers[0].env.map((e: any) => `${e.name}=${e.value}`)).toEqual([
      'HOME=/data/home',
      'XDG_CACHE_HOME=/home/ml/.cache',
      'HF_HOME=/home/ml/.cache/huggingface',
      'TORCH_HOME=/home/ml/.cache/torch',
      'TRITON_CACHE_DIR=/home/ml/.cache/triton',
      'PIP_CACHE_DIR=/home/ml/.cache/pip',
    ]);
  });

  test('nodeSelector is merged with the accelerator\'s, the given value winning on a shared key', () => {
    const spec = json(buildMlPodSpec(scope(), {
      containers: [{ ...main, accelerator: gpu }],
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'topology.kubernetes.io/zone': 'eu-west-1a' },
    }));
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'topology.kubernetes.io/zone': 'eu-west-1a' });
    expect(json(buildMlPodSpec(scope(), { containers: [main], nodeSelector: { pool: 'cpu' } })).nodeSelector).toEqual({ pool: 'cpu' });
  });
});

describe('references of several kinds under one name', () => {
  test('a ServiceAccount and a PriorityClass of the same name are both recorded, in either order', () => {
    const s = scope();
    expect(resolvePriorityClass(s, External.priorityClass('shared'))).toBe('shared');
    expect(resolveServiceAccount(s, External.serviceAccount('shared'))).toBe('shared');
    const t = scope();
    expect(resolveServiceAccount(t, External.serviceAccount('shared'))).toBe('shared');
    expect(resolvePriorityClass(t, External.priorityClass('shared'))).toBe('shared');
    expect(usedReferences(s).map((r) => `${r.kind}/${r.name}`)).toEqual(['PriorityClass/shared', 'ServiceAccount/shared']);
    expect(usedReferences(t).map((r) => `${r.kind}/${r.name}`)).toEqual(['ServiceAccount/shared', 'PriorityClass/shared']);
  });

  test('null (from untyped code) is refused with the usual message, not a TypeError', () => {
    expect(constructErrorOf(() => resolvePriorityClass(scope(), null as unknown as IPriorityClass)).message).toBe('ml/w: priorityClass must be a PriorityClass or External.priorityClass(name), got null');
    expect(constructErrorOf(() => resolveServiceAccount(scope(), null as unknown as IServiceAccountRef)).message).toBe('ml/w: serviceAccountName must be a name or External.serviceAccount(name), got null');
  });
});
