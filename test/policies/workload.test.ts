import { checkPolicies } from '../../src/validation/policies';
import { isSecretLiteral, secretInText } from '../../src/validation/policies/workload';
import { NS, configMap, container, deployment, findings, job, networkPolicy, servingStack, specOf } from './manifests';

describe('resources', () => {
  test('passes containers and init containers with cpu/memory requests and limits', () => {
    const j = job();
    specOf(j).initContainers = [container('fetch')];
    expect(findings([j], 'resources')).toEqual([]);
  });

  test('fails a container without limits and an init container without requests', () => {
    const j = job();
    delete specOf(j).containers[0].resources.limits;
    specOf(j).initContainers = [container('fetch', { resources: { limits: { cpu: '1', memory: '1Gi' } } })];
    const found = findings([j], 'resources');
    expect(found.map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/resources', 'container "main" does not set resources limits.cpu, limits.memory'],
      ['/spec/template/spec/initContainers/0/resources', 'init container "fetch" does not set resources requests.cpu, requests.memory'],
    ]);
  });
});

describe('resources and image-tag edges', () => {
  test('a container without resources misses all four; ephemeral containers are not asked for any', () => {
    const j = job();
    delete specOf(j).containers[0].resources;
    specOf(j).ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36' }];
    expect(findings([j], 'resources').map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/resources', 'container "main" does not set resources requests.cpu, requests.memory, limits.cpu, limits.memory'],
    ]);
  });

  test('a container without image (or a null entry) has no tag to check', () => {
    const j = job();
    delete specOf(j).containers[0].image;
    specOf(j).containers.push(null);
    expect(findings([j], 'image-tag')).toEqual([]);
  });
});

describe('image-tag', () => {
  test('passes version tags and digests', () => {
    const j = job();
    specOf(j).initContainers = [container('fetch', { image: `ghcr.io/acme/fetch@sha256:${'a'.repeat(64)}` })];
    expect(findings([j], 'image-tag')).toEqual([]);
  });

  test('fails latest and missing tags', () => {
    const j = job();
    specOf(j).containers[0].image = 'ghcr.io/acme/app:latest';
    specOf(j).initContainers = [container('fetch', { image: 'busybox' })];
    const found = findings([j], 'image-tag');
    expect(found.map((f) => f.path)).toEqual(['/spec/template/spec/containers/0/image', '/spec/template/spec/initContainers/0/image']);
    expect(found[0].message).toBe('image of container "main" must not use the "latest" tag (pin a version or digest), got "ghcr.io/acme/app:latest"');
    expect(found[1].message).toMatch(/image of init container "fetch" must be pinned to a tag or digest .*got "busybox"/);
  });
});

describe('deployment-probes', () => {
  test('passes distinct readiness and liveness probes', () => {
    expect(findings(servingStack(), 'deployment-probes')).toEqual([]);
  });

  test('fails a missing readiness probe', () => {
    const d = deployment();
    delete specOf(d).containers[0].readinessProbe;
    expect(findings([d], 'deployment-probes').map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/readinessProbe', 'container "server" has no readinessProbe'],
    ]);
  });

  test('only apps/v1 Deployments: a StatefulSet, or a Deployment kind of another group, is not checked', () => {
    const bare = deployment();
    delete specOf(bare).containers[0].readinessProbe;
    delete specOf(bare).containers[0].livenessProbe;
    expect(findings([{ ...bare, kind: 'StatefulSet' }], 'deployment-probes')).toEqual([]);
    expect(findings([{ ...bare, apiVersion: 'example.com/v1' }], 'deployment-probes')).toEqual([]);
    expect(findings([bare], 'deployment-probes').map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/readinessProbe', 'container "server" has no readinessProbe'],
      ['/spec/template/spec/containers/0/livenessProbe', 'container "server" has no livenessProbe'],
    ]);
  });

  test('a period or threshold of 0 (or no number) counts as the Kubernetes default (10 s, 3 failures)', () => {
    const probes = (readiness: Record<string, unknown>, liveness: Record<string, unknown>) => {
      const d = deployment();
      const check = { httpGet: { path: '/health', port: 8000 } };
      specOf(d).containers[0].readinessProbe = { ...check, ...readiness };
      specOf(d).containers[0].livenessProbe = { ...check, ...liveness };
      return findings([d], 'deployment-probes').map((f) => f.message);
    };
    // readiness 10 s x 3 = 30 s
    expect(probes({}, { periodSeconds: 0, failureThreshold: 4 })).toEqual([]); // 10 x 4 = 40
    expect(probes({}, { periodSeconds: 'x', failureThreshold: 4 })).toEqual([]);
    expect(probes({}, { periodSeconds: 11, failureThreshold: 0 })).toEqual([]); // 11 x 3 = 33
    expect(probes({}, { periodSeconds: 10, failureThreshold: 0 })).toEqual([
      'container "server" uses the same check for readiness and liveness ({"httpGet":{"path":"/health","port":8000}}) with no more tolerance (30 s vs 30 s): a slow or overloaded replica is restarted instead of taken out of rotation',
    ]);
    const same = deployment();
    specOf(same).containers[0].readinessProbe = { httpGet: { path: '/health', port: 8000 } };
    specOf(same).containers[0].livenessProbe = { httpGet: { path: '/health', port: 8000 } };
    expect(findings([same], 'deployment-probes').map((f) => f.path)).toEqual(['/spec/template/spec/containers/0/livenessProbe']);
  });

  test('a probe set to null is no probe', () => {
    const d = deployment();
    specOf(d).containers[0].readinessProbe = null;
    expect(findings([d], 'deployment-probes').map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/readinessProbe', 'container "server" has no readinessProbe'],
    ]);
    specOf(d).containers[0].livenessProbe = null;
    expect(findings([d], 'deployment-probes').map((f) => f.path)).toEqual([
      '/spec/template/spec/containers/0/readinessProbe', '/spec/template/spec/containers/0/livenessProbe',
    ]);
  });

  test('init containers need no probes', () => {
    const d = deployment();
    specOf(d).initContainers = [{ name: 'fetch', image: 'busybox:1.36' }];
    expect(findings([d], 'deployment-probes')).toEqual([]);
  });

  test('each probe handler (httpGet, tcpSocket, exec, grpc) is compared by its settings', () => {
    const handlers: Array<[string, unknown, unknown]> = [
      ['httpGet', { path: '/ready', port: 8000 }, { path: '/live', port: 8000 }],
      ['tcpSocket', { port: 8000 }, { port: 8001 }],
      ['exec', { command: ['ready'] }, { command: ['live'] }],
      ['grpc', { port: 9000 }, { port: 9001 }],
    ];
    for (const [h, a, b] of handlers) {
      const probes = (ready: unknown, live: unknown) => {
        const d = deployment();
        const c = specOf(d).containers[0];
        c.readinessProbe = { [h]: ready };
        c.livenessProbe = { [h]: live };
        return findings([d], 'deployment-probes').map((f) => f.message);
      };
      expect({ h, found: probes(a, b) }).toEqual({ h, found: [] });
      expect({ h, found: probes(a, a) }).toEqual({ h, found: [
        `container "server" uses the same check for readiness and liveness (${JSON.stringify({ [h]: a })}) with no more tolerance (30 s vs 30 s): a slow or overloaded replica is restarted instead of taken out of rotation`,
      ] });
    }
  });

  test('fails liveness on the same check as readiness without more tolerance', () => {
    const d = deployment();
    const c = specOf(d).containers[0];
    c.readinessProbe = { ...c.readinessProbe, periodSeconds: 10, failureThreshold: 3 };
    // 5 s × 6 = 30 s: no more tolerant than readiness' 10 s × 3 = 30 s.
    c.livenessProbe = { ...c.readinessProbe, periodSeconds: 5, failureThreshold: 6 };
    const found = findings([d], 'deployment-probes');
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/uses the same check for readiness and liveness \(\{"httpGet":\{"path":"\/v1\/models","port":"http"\}\}\) with no more tolerance \(30 s vs 30 s\)/);
  });

  test('liveness may share the readiness check when it tolerates a longer failure (vLLM /health)', () => {
    const d = deployment();
    const c = specOf(d).containers[0];
    c.readinessProbe = { ...c.readinessProbe, periodSeconds: 5, failureThreshold: 3 };
    c.livenessProbe = { ...c.readinessProbe, periodSeconds: 20, failureThreshold: 6 };
    expect(findings([d], 'deployment-probes')).toEqual([]);
  });

  test('Jobs need no probes', () => {
    expect(findings([job()], 'deployment-probes')).toEqual([]);
  });
});

describe('gpu-toleration', () => {
  const gpuJob = (tolerations?: any[]) => {
    const j = job();
    specOf(j).containers[0].resources.limits['nvidia.com/gpu'] = 2;
    if (tolerations) specOf(j).tolerations = tolerations;
    return j;
  };

  test('several GPU resources: one finding each, sorted; containers without resources (or null) request none', () => {
    const j = job();
    specOf(j).containers[0].resources.limits['nvidia.com/gpu'] = 1;
    specOf(j).containers.push({ name: 'side', image: 'x:1', resources: { requests: { 'amd.com/gpu': 1 } } }, { name: 'bare', image: 'x:1' }, null);
    specOf(j).tolerations = 'all';
    expect(findings([j], 'gpu-toleration').map((f) => f.message)).toEqual([
      'the pod requests amd.com/gpu but has no toleration for the "amd.com/gpu" NoSchedule taint',
      'the pod requests nvidia.com/gpu but has no toleration for the "nvidia.com/gpu" NoSchedule taint',
    ]);
  });

  test('a toleration for another effect, another key or a null entry does not count; Exists without key does', () => {
    const tolerated = (tolerations: any[]) => findings([gpuJob(tolerations)], 'gpu-toleration').length === 0;
    expect(tolerated([null, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }])).toBe(false);
    expect(tolerated([{ key: 'example.com/other', operator: 'Exists' }])).toBe(false);
    expect(tolerated([{ operator: 'Exists' }])).toBe(true);
    expect(tolerated([{ operator: 'Exists', effect: 'NoSchedule' }])).toBe(true);
    expect(tolerated([{ operator: 'Equal' }])).toBe(false);
    expect(tolerated([{ key: 'nvidia.com/gpu' }])).toBe(true);
  });

  test('a GPU resource is <vendor>/gpu exactly: amd.com/gpu needs its own toleration, example.com/gpu-memory none', () => {
    const amd = job();
    specOf(amd).containers[0].resources.limits['amd.com/gpu'] = 1;
    expect(findings([amd], 'gpu-toleration').map((f) => f.message)).toEqual(['the pod requests amd.com/gpu but has no toleration for the "amd.com/gpu" NoSchedule taint']);
    const memory = job();
    specOf(memory).containers[0].resources.limits['example.com/gpu-memory'] = 1;
    expect(findings([memory], 'gpu-toleration')).toEqual([]);
  });

  test('passes a GPU pod tolerating the nvidia.com/gpu taint (or every taint)', () => {
    expect(findings([gpuJob([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }])], 'gpu-toleration')).toEqual([]);
    expect(findings([gpuJob([{ operator: 'Exists' }])], 'gpu-toleration')).toEqual([]);
    expect(findings([job()], 'gpu-toleration')).toEqual([]);
  });

  test('fails a GPU pod without the toleration', () => {
    const found = findings([gpuJob([{ key: 'other', operator: 'Exists' }])], 'gpu-toleration');
    expect(found.map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/tolerations', 'the pod requests nvidia.com/gpu but has no toleration for the "nvidia.com/gpu" NoSchedule taint'],
    ]);
  });

  test('zero GPUs need no toleration; MIG slices need the nvidia.com/gpu one', () => {
    const zero = job();
    specOf(zero).containers[0].resources.limits['nvidia.com/gpu'] = '0';
    expect(findings([zero], 'gpu-toleration')).toEqual([]);
    const mig = job();
    specOf(mig).containers[0].resources.limits['nvidia.com/mig-1g.10gb'] = 1;
    expect(findings([mig], 'gpu-toleration')[0].message).toMatch(/"nvidia.com\/gpu"/);
  });
});

describe('literal-secret', () => {
  test('passes references and ordinary config (numbers, booleans, paths, shell variables)', () => {
    const j = job();
    specOf(j).containers[0].env = [
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      { name: 'MAX_NEW_TOKENS', value: '512' },
      { name: 'LOG_LEVEL', value: 'info' },
    ];
    const cm = configMap({ 'fetch.sh': 'LOCK_TOKEN=\nLOCK_TOKEN="$POD_ID:$$"\necho done\n', 'max_tokens': '4096' });
    expect(findings([j, cm], 'literal-secret')).toEqual([]);
  });

  test('env entries that are no object, or have no name, are left to the schema; env that is no list has none', () => {
    const j = job();
    specOf(j).containers[0].env = [null, 'WANDB_API_KEY=abc123def', { value: 'AKIAABCDEFGHIJKLMNOP' }, { name: 'WANDB_API_KEY', value: 'abc123def' }];
    expect(findings([j], 'literal-secret').map((f) => f.path)).toEqual(['/spec/template/spec/containers/0/env/3/value']);
    specOf(j).containers[0].env = { WANDB_API_KEY: 'abc123def' };
    expect(findings([j], 'literal-secret')).toEqual([]);
  });

  test('ConfigMaps of v1 only: a Secret, a ConfigMap kind of another group, and data that is no map are not read', () => {
    const data = { token: 'AKIAABCDEFGHIJKLMNOP' };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS }, stringData: data, data };
    const foreign = { ...configMap(data), apiVersion: 'example.com/v1' };
    expect(findings([secret, foreign], 'literal-secret')).toEqual([]);
    for (const bad of [null, 'AKIAABCDEFGHIJKLMNOP', ['AKIAABCDEFGHIJKLMNOP']]) {
      expect(findings([{ ...configMap({}), data: bad }], 'literal-secret')).toEqual([]);
    }
    expect(findings([configMap(data)], 'literal-secret').map((f) => [f.path, f.message])).toEqual([['/data/token', 'key "token" holds a literal that looks like a credential']]);
  });

  test('fails a credential-looking env literal', () => {
    const j = job();
    specOf(j).containers[0].env = [{ name: 'WANDB_API_KEY', value: 'abc123def' }];
    expect(findings([j], 'literal-secret').map((f) => [f.path, f.message])).toEqual([
      ['/spec/template/spec/containers/0/env/0/value', 'container "main" sets WANDB_API_KEY to a literal that looks like a credential'],
    ]);
  });

  test('fails ConfigMap keys, assignments and token-shaped words', () => {
    const cm = configMap({
      password: 'hunter2',
      'app.env': 'MODEL=llama\nAPI_KEY="s3cr3t-value"\n',
      'run.sh': `#!/bin/sh\ncurl -H "Authorization: Bearer hf_${'a'.repeat(34)}" https://hf.co\n`,
    });
    expect(findings([cm], 'literal-secret').map((f) => [f.path, f.message])).toEqual([
      ['/data/password', 'key "password" holds a literal that looks like a credential'],
      ['/data/app.env', 'key "app.env" line 2 assigns API_KEY a literal that looks like a credential'],
      ['/data/run.sh', 'key "run.sh" line 2 contains a token-shaped literal "hf_aaa…"'],
    ]);
  });

  test('helpers: numbers are never secrets, values are never echoed whole', () => {
    expect(isSecretLiteral('MAX_TOKENS', '512')).toBe(false);
    expect(isSecretLiteral('DB_PASSWORD', 'x')).toBe(true);
    // the value is trimmed first: a padded number is still a number
    expect(isSecretLiteral('DB_PASSWORD', ' 512 ')).toBe(false);
    expect(secretInText('k', 'AKIAABCDEFGHIJKLMNOP')).toBe('key "k" holds a literal that looks like a credential');
  });

  test('secretInText reads multi-line text line by line: assignments (quotes stripped, expansions skipped) and token-shaped words', () => {
    expect(secretInText('k', 'a=1\nexport DB_PASSWORD="hunter2"')).toBe('key "k" line 2 assigns DB_PASSWORD a literal that looks like a credential');
    expect(secretInText('k', "a=1\nDB_PASSWORD: 'hunter2'")).toBe('key "k" line 2 assigns DB_PASSWORD a literal that looks like a credential');
    // one pair of enclosing quotes is stripped: "12" is the number 12, not a secret; a quote inside stays
    expect(secretInText('k', 'a=1\nDB_PASSWORD="12"')).toBeUndefined();
    expect(secretInText('k', "a=1\nDB_PASSWORD='12'")).toBeUndefined();
    expect(secretInText('k', 'a=1\nDB_PASSWORD="1\'2"')).toBe('key "k" line 2 assigns DB_PASSWORD a literal that looks like a credential');
    expect(secretInText('k', 'a=1\nDB_PASSWORD=""')).toBeUndefined();
    expect(secretInText('k', 'a=1\nDB_PASSWORD=$FROM_ENV')).toBeUndefined();
    expect(secretInText('k', 'a=1\nDB_PASSWORD=${FROM_ENV}x')).toBeUndefined();
    expect(secretInText('k', 'set -e\ncurl -H "Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789"'))
      .toBe('key "k" line 2 contains a token-shaped literal "ghp_ab…"');
    expect(secretInText('k', 'x\n  ,;ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe('key "k" line 2 contains a token-shaped literal "ghp_ab…"');
    // a single line is read the same way
    expect(secretInText('k', 'DB_PASSWORD=12')).toBeUndefined();
    expect(secretInText('k', 'DB_PASSWORD=hunter2')).toBe('key "k" line 1 assigns DB_PASSWORD a literal that looks like a credential');
    expect(secretInText('k', 'Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe('key "k" line 1 contains a token-shaped literal "ghp_ab…"');
    expect(secretInText('k', 'a=1\nb=2')).toBeUndefined();
  });
});

describe('service-account-token', () => {
  test('passes automountServiceAccountToken: false', () => {
    expect(findings([job()], 'service-account-token')).toEqual([]);
  });

  test('warns when the token is mounted (explicitly or by default)', () => {
    const j = job();
    delete specOf(j).automountServiceAccountToken;
    const found = findings([j], 'service-account-token');
    expect(found).toEqual([expect.objectContaining({ severity: 'warning', path: '/spec/template/spec/automountServiceAccountToken' })]);
    expect(found[0].message).toBe('the pod mounts a service account token (automountServiceAccountToken: undefined)');
    specOf(j).automountServiceAccountToken = true;
    expect(findings([j], 'service-account-token')[0].message).toBe('the pod mounts a service account token (automountServiceAccountToken: true)');
    const result = checkPolicies([j, networkPolicy()]);
    expect(result).toMatchObject({ valid: true, errorCount: 0, warningCount: 1 });
  });
});
