import { App, Chart, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  Accelerator, EnvSource, KubernetesVersion, MlValidationError, buildMlPodSpec, fitName, isDnsLabel, isLabelKey,
  isLabelValue, parseQuantity, renderEnv, renderResources, requireKubernetesVersion, setTargetKubernetesVersion,
  shortHash, sizeToQuantity, stableStringify, standardLabels, targetKubernetesVersion, toDnsLabel, validateDnsLabel,
  validateImage,
} from '../../src/core';
import { expectValidManifests } from '../../src/testing';

function chart(): Chart {
  return new Chart(new App(), 'ml');
}

describe('names', () => {
  test('DNS-1123 labels and label keys/values', () => {
    expect(isDnsLabel('train-0')).toBe(true);
    expect(isDnsLabel('Train')).toBe(false);
    expect(isDnsLabel('a'.repeat(64))).toBe(false);
    expect(isDnsLabel('-a')).toBe(false);
    expect(isLabelKey('app.kubernetes.io/name')).toBe(true);
    expect(isLabelKey('bad key')).toBe(false);
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('v1.2_3')).toBe(true);
    expect(isLabelValue('-x')).toBe(false);
  });

  test('fails validateDnsLabel with the construct path, the value and its length', () => {
    const c = chart();
    expect(() => validateDnsLabel(c, 'name', 'x'.repeat(70))).toThrow(
      new RegExp(`^ml: name must be a DNS-1123 label .*at most 63 characters\\), got "x{70}" \\(70 characters\\)$`),
    );
    expect(() => validateDnsLabel(c, 'name', 'UPPER')).toThrow(MlValidationError);
  });

  test('toDnsLabel and fitName are deterministic and keep distinct names distinct', () => {
    const c = chart();
    expect(toDnsLabel(c, 'My_Model v2')).toBe('my-model-v2');
    expect(() => toDnsLabel(c, '___')).toThrow(/ml: cannot derive a Kubernetes name from "___"/);
    const a = fitName(`${'a'.repeat(60)}-one`, 40);
    const b = fitName(`${'a'.repeat(60)}-two`, 40);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).not.toBe(b);
    expect(fitName('short', 40)).toBe('short');
    expect(fitName(`${'a'.repeat(60)}-one`, 40)).toBe(a);
  });
});

describe('hashing', () => {
  test('is independent of key order and stable across calls', () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    expect(shortHash({ a: 1, b: 2 })).toBe(shortHash({ b: 2, a: 1 }));
    expect(shortHash({ a: 1 })).not.toBe(shortHash({ a: 2 }));
    expect(shortHash('x')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortHash('x', 12)).toHaveLength(12);
    // Pinned: a change of algorithm would rename every Job and ConfigMap in users' clusters.
    expect(shortHash('cdk8s-ml')).toBe('15b5adb5'); // = printf cdk8s-ml | sha256sum | cut -c1-8
  });
});

describe('quantities and resources', () => {
  test('parses Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('64Gi')).toBe(64 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    expect(parseQuantity('4GB')).toBeUndefined();
    expect(sizeToQuantity(Size.gibibytes(200))).toBe('200Gi');
    expect(sizeToQuantity(Size.mebibytes(1536))).toBe('1536Mi');
  });

  test('renders requests = limits by default and GPU limits', () => {
    const r = renderResources(chart(), { cpu: '8', memory: '64Gi' }, Accelerator.nvidiaGpu({ count: 2 }));
    const json = k8s.toJson_ResourceRequirements(r);
    expect(json).toEqual({
      requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '2' },
    });
  });

  test.each([
    [{ cpu: '8x', memory: '1Gi' }, /ml: resources.cpu must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got "8x"/],
    [{ cpu: '1', memory: '-1Gi' }, /ml: resources.memory must be a positive Kubernetes quantity .* got "-1Gi"/],
    [{ cpu: '2', memory: '1Gi', cpuLimit: '1' }, /ml: resources.cpuLimit "1" is below the cpu request "2"/],
    [{ cpu: '1', memory: '2Gi', memoryLimit: '1Gi' }, /ml: resources.memoryLimit "1Gi" is below the memory request "2Gi"/],
  ])('fails on bad resources %j', (resources, message) => {
    expect(() => renderResources(chart(), resources)).toThrow(message);
  });

  test.each([0, -1, 1.5, NaN])('fails on a GPU count of %p', (count) => {
    expect(() => renderResources(chart(), { cpu: '1', memory: '1Gi' }, Accelerator.nvidiaGpu({ count }))).toThrow(
      `ml: accelerator count must be a positive integer, got ${count}`,
    );
  });
});

describe('images', () => {
  test.each(['vllm/vllm-openai:v0.6.3', 'ghcr.io/acme/t:1.0', 'registry:5000/a/b:2', `nvcr.io/nvidia/tritonserver@sha256:${'a'.repeat(64)}`])(
    'accepts pinned %s',
    (image) => expect(validateImage(chart(), 'image', image)).toBe(image),
  );
  test('fails on latest, missing tags and malformed references', () => {
    expect(() => validateImage(chart(), 'image', 'pytorch/pytorch:latest')).toThrow('ml: image must not use the "latest" tag (pin a version or digest), got "pytorch/pytorch:latest"');
    expect(() => validateImage(chart(), 'image', 'pytorch/pytorch')).toThrow(/ml: image must be pinned to a tag or digest/);
    expect(() => validateImage(chart(), 'image', 'Bad Image')).toThrow('ml: image is not a valid image reference, got "Bad Image"');
    // Without a dot or port the first component is a path, and paths are lowercase.
    expect(() => validateImage(chart(), 'image', 'UPPER/case:1')).toThrow('ml: image is not a valid image reference, got "UPPER/case:1"');
    expect(validateImage(chart(), 'image', 'localhost/team/model:1')).toBe('localhost/team/model:1');
  });
});

describe('env', () => {
  test('renders literals and references sorted by name', () => {
    const env = renderEnv(chart(), 'env', { B: '1', A: EnvSource.fromSecret('hf', 'token'), C: EnvSource.fromField('metadata.name') });
    expect(env).toEqual([
      { name: 'A', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      { name: 'B', value: '1' },
      { name: 'C', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ]);
  });
  test.each([
    ['HF_TOKEN', 'abc'],
    ['DB_PASSWORD', 'hunter2'],
    ['SOMETHING', `hf_${'a'.repeat(34)}`],
    ['KEY_ID', 'AKIAABCDEFGHIJKLMNOP'],
  ])('fails on the credential-looking literal %s', (name, value) => {
    expect(() => renderEnv(chart(), 'env', { [name]: value })).toThrow(
      `ml: env: ${name} looks like a credential given as a literal; reference a Secret with EnvSource.fromSecret(name, key) instead`,
    );
  });
  test.each([
    ['MAX_BATCH_PREFILL_TOKENS', '4096'],
    ['MAX_NEW_TOKENS', '512'],
    ['TRUST_REMOTE_SECRET', 'false'],
    ['HF_TOKEN', '$(HF_TOKEN_FROM_SECRET)'],
  ])('accepts %s=%s (a number, a boolean or a reference is not a credential)', (name, value) => {
    expect(renderEnv(chart(), 'env', { [name]: value })).toEqual([{ name, value }]);
  });

  test('fails on an invalid env name', () => {
    expect(() => renderEnv(chart(), 'env', { '1BAD': 'x' })).toThrow('ml: env: invalid environment variable name "1BAD"');
  });
});

describe('buildMlPodSpec', () => {
  test('renders a restricted, GPU-ready pod that passes strict validation', () => {
    const c = chart();
    const spec = buildMlPodSpec(c, {
      restartPolicy: 'Never',
      shmSize: Size.gibibytes(8),
      containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0', resources: { cpu: '4', memory: '16Gi' }, accelerator: Accelerator.nvidiaGpu({ count: 4, product: 'NVIDIA-A100-SXM4-80GB' }) }],
    });
    new k8s.KubeJob(c, 'job', { metadata: { name: 'job' }, spec: { template: { spec } } });
    const json = k8s.toJson_PodSpec(spec)!;
    expect(json.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(json.automountServiceAccountToken).toBe(false);
    expect(json.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(json.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/home/ml', '/dev/shm']);
    expect(json.volumes.find((v: any) => v.name === 'dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    expect(json.containers[0].env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['HOME', 'HF_HOME', 'XDG_CACHE_HOME', 'TORCH_HOME']));
    expect(json.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    expect(json.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(json.containers[0].resources.limits['nvidia.com/gpu']).toBe('4');
    expectValidManifests(c);
  });

  test('fails on root ids, reserved volume names, duplicate mount paths and unknown volumes', () => {
    const base = { name: 'main', image: 'a/b:1', resources: { cpu: '1', memory: '1Gi' } };
    expect(() => buildMlPodSpec(chart(), { containers: [base], security: { runAsUser: 0 } })).toThrow(
      'ml: security.runAsUser must be a non-zero integer id (the restricted Pod Security profile forbids root), got 0',
    );
    expect(() => buildMlPodSpec(chart(), { containers: [base], volumes: [{ name: 'tmp', emptyDir: {} }] })).toThrow('ml: volume name "tmp" is reserved by cdk8s-ml');
    expect(() => buildMlPodSpec(chart(), { containers: [{ ...base, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }] })).toThrow(
      'ml: two volumes are mounted at "/tmp" in container main',
    );
    expect(() => buildMlPodSpec(chart(), { containers: [{ ...base, volumeMounts: [{ name: 'nope', mountPath: '/x' }] }] })).toThrow(
      'ml: container main mounts unknown volume "nope"',
    );
  });
});

describe('target Kubernetes version', () => {
  test('defaults to 1.28 and is inherited from the app', () => {
    const app = new App();
    expect(targetKubernetesVersion(new Chart(app, 'a')).toString()).toBe('1.28');
    const app2 = new App();
    setTargetKubernetesVersion(app2, KubernetesVersion.V1_31);
    const c = new Chart(app2, 'b');
    expect(targetKubernetesVersion(c).toString()).toBe('1.31');
    expect(() => requireKubernetesVersion(c, 'successPolicy', KubernetesVersion.V1_31)).not.toThrow();
  });

  test('fails a feature newer than the target version', () => {
    expect(() => requireKubernetesVersion(chart(), 'backoffLimitPerIndex', KubernetesVersion.V1_29)).toThrow(
      'ml: backoffLimitPerIndex needs Kubernetes 1.29 or newer, but the target version is 1.28 (set it with setTargetKubernetesVersion)',
    );
    expect(() => KubernetesVersion.of('one.two')).toThrow('invalid Kubernetes version "one.two"');
  });
});

test('standard labels', () => {
  expect(standardLabels({ name: 'chat', component: 'serving', version: '1' })).toEqual({
    'app.kubernetes.io/name': 'chat',
    'app.kubernetes.io/instance': 'chat',
    'app.kubernetes.io/component': 'serving',
    'app.kubernetes.io/version': '1',
    'app.kubernetes.io/managed-by': 'cdk8s-ml',
  });
});
