import { App, Chart, Testing } from 'cdk8s';
import { Accelerator } from '../../src/core';
import { MlNamespace } from '../../src/platform';
import { Autoscaling, Metrics, ModelServing, ModelServingProps, ModelSource, ServingBackend, ServingRuntime } from '../../src/serving';
import { expectValidManifests } from '../../src/testing';
import { checkApp } from '../../src/validation/app';
import { checkManifests } from '../../src/validation/check';
import { toManifests } from '../../src/validation/validate';

// The LWS contract, from kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go
// (v0.8.0): env LWS_LEADER_ADDRESS, LWS_GROUP_SIZE, LWS_WORKER_INDEX injected into every
// container; pod labels leaderworkerset.sigs.k8s.io/name and .../worker-index ("0" = leader).
const LWS_ENV = ['LWS_LEADER_ADDRESS', 'LWS_GROUP_SIZE', 'LWS_WORKER_INDEX'];
const NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
const INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

const VLLM = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0', model: '/models/llama-405b' });

interface Rendered {
  readonly app: App;
  readonly objects: any[];
}

function render(props: Partial<ModelServingProps> = {}, gpuQuota = 16, queued = true): Rendered {
  const app = Testing.app();
  const ns = new MlNamespace(new Chart(app, 'platform'), 'team-a', {
    name: 'team-a',
    queue: { flavors: [{ name: 'h100', nodeLabels: { 'nvidia.com/gpu.product': 'H100' }, cpu: '256', memory: '2Ti', gpu: gpuQuota }] },
  });
  const chart = new Chart(app, 'serving', { namespace: 'team-a' });
  new ModelServing(chart, 'big', {
    runtime: VLLM,
    model: ModelSource.inImage('/models'), // the weights the runtime's model path points at
    resources: { cpu: '32', memory: '512Gi' },
    accelerator: Accelerator.nvidiaGpu({ count: 8 }),
    backend: ServingBackend.leaderWorkerSet({ nodes: 2, queue: queued ? ns : undefined }),
    ...props,
  });
  return { app, objects: toManifests(app) };
}

const one = (objects: any[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The labels a pod of a template carries once the LWS controller has created it. */
function podLabels(lws: any, leader: boolean, workerIndex: number): Record<string, string> {
  const t = leader ? lws.spec.leaderWorkerTemplate.leaderTemplate : lws.spec.leaderWorkerTemplate.workerTemplate;
  return { ...t.metadata.labels, [NAME_LABEL]: lws.metadata.name, [INDEX_LABEL]: String(workerIndex) };
}

describe('ModelServing on a LeaderWorkerSet', () => {
  test('one leader and nodes-1 workers per group, vLLM multi-node args from the LWS env, tp × pp = the group GPUs', () => {
    const lws = one(render().objects, 'LeaderWorkerSet');
    expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
    expect(lws.metadata.name).toBe('big-lws');
    expect(lws.spec.replicas).toBe(1);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    const leader = lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
    const worker = lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];
    const flag = (args: string[], f: string) => args[args.indexOf(f) + 1];
    for (const c of [leader, worker]) {
      expect(Number(flag(c.args, '--tensor-parallel-size')) * Number(flag(c.args, '--pipeline-parallel-size'))).toBe(2 * 8);
      expect(c.resources.limits['nvidia.com/gpu']).toBe('8');
      // Each address comes from an env var the LWS controller injects, expanded by the kubelet.
      expect(flag(c.args, '--nnodes')).toBe('$(LWS_GROUP_SIZE)');
      expect(flag(c.args, '--node-rank')).toBe('$(LWS_WORKER_INDEX)');
      expect(flag(c.args, '--master-addr')).toBe('$(LWS_LEADER_ADDRESS)');
      for (const ref of c.args.filter((a: string) => a.startsWith('$('))) expect(LWS_ENV).toContain(ref.slice(2, -1));
      expect(c.args.filter((a: string) => a === '--tensor-parallel-size')).toHaveLength(1);
    }
    expect(leader.args).not.toContain('--headless');
    expect(worker.args[worker.args.length - 1]).toBe('--headless');
  });

  test('probes and the API port on the leader only; the Service selects only leaders', () => {
    const { objects } = render();
    const lws = one(objects, 'LeaderWorkerSet');
    const leader = lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
    const worker = lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];
    expect(leader.startupProbe.httpGet.path).toBe('/health');
    expect(leader.readinessProbe.httpGet.path).toBe('/health');
    expect(leader.livenessProbe).toBeDefined();
    for (const f of ['startupProbe', 'readinessProbe', 'livenessProbe', 'ports', 'lifecycle']) expect(worker).not.toHaveProperty(f);
    const svc = one(objects, 'Service');
    expect(svc.metadata.name).toBe('big');
    expect(selects(svc.spec.selector, podLabels(lws, true, 0))).toBe(true);
    for (const i of [1, 2, 3]) expect(selects(svc.spec.selector, podLabels(lws, false, i))).toBe(false);
    // Not the LWS name: the LWS controller creates its headless Service under the LWS name.
    expect(svc.metadata.name).not.toBe(lws.metadata.name);
  });

  test('PDB and NetworkPolicy cover the whole group; the group may talk to itself on any TCP port', () => {
    const { objects } = render();
    const lws = one(objects, 'LeaderWorkerSet');
    const pdb = one(objects, 'PodDisruptionBudget');
    const np = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'team-a' && o.metadata.name === 'big');
    for (const [leader, i] of [[true, 0], [false, 1]] as const) {
      expect(selects(pdb.spec.selector.matchLabels, podLabels(lws, leader, i))).toBe(true);
      expect(selects(np.spec.podSelector.matchLabels, podLabels(lws, leader, i))).toBe(true);
    }
    const group = { podSelector: { matchLabels: { [NAME_LABEL]: 'big-lws' } } };
    expect(np.spec.ingress).toContainEqual({ from: [group], ports: [{ protocol: 'TCP', port: 1, endPort: 65535 }] });
    expect(np.spec.egress).toContainEqual({ to: [group], ports: [{ protocol: 'TCP', port: 1, endPort: 65535 }] });
  });

  test('queued: the Kueue queue label on the LeaderWorkerSet, and the whole app checks clean', () => {
    const { objects } = render();
    const lws = one(objects, 'LeaderWorkerSet');
    expect(lws.metadata.labels['kueue.x-k8s.io/queue-name']).toBe(one(objects, 'LocalQueue').metadata.name);
    const result = checkApp(objects);
    expect(result.findings).toEqual([]);
  });

  test('strict validation (LWS and KEDA CRD schemas) and the restricted profile', () => {
    const { objects } = render({ metrics: Metrics.serviceMonitor(), autoscaling: Autoscaling.onLoad({ min: 1, max: 2, serverAddress: 'http://prometheus.monitoring:9090' }) });
    expect(expectValidManifests(objects)).toBe(objects.length);
    expect(checkManifests(objects).findings.filter((f) => f.severity === 'error')).toEqual([]);
    for (const t of ['leaderTemplate', 'workerTemplate']) {
      const spec = one(objects, 'LeaderWorkerSet').spec.leaderWorkerTemplate[t].spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
      expect(spec.automountServiceAccountToken).toBe(false);
    }
  });

  test('load scaling targets the LeaderWorkerSet and queries the leaders\' metrics', () => {
    const { objects } = render({ metrics: Metrics.scrapeAnnotations(), autoscaling: Autoscaling.onLoad({ min: 1, max: 3, serverAddress: 'http://prometheus.monitoring:9090' }) }, 64);
    const so = one(objects, 'ScaledObject');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'big-lws' });
    expect(one(objects, 'LeaderWorkerSet').spec).not.toHaveProperty('replicas');
    const pattern = new RegExp(`^${/pod=~"([^"]+)"/.exec(so.spec.triggers[0].metadata.query)![1]}$`);
    // LWS names leaders <lws>-<group> and workers <lws>-<group>-<index>.
    expect(pattern.test('big-lws-0')).toBe(true);
    expect(pattern.test('big-lws-12')).toBe(true);
    expect(pattern.test('big-lws-0-1')).toBe(false);
  });

  test('app check: a queued group must fit the ClusterQueue (Kueue admits a LeaderWorkerSet group by group)', () => {
    const small = checkApp(render({}, 8).objects).findings.filter((f) => f.rule === 'app-queue-capacity');
    expect(small).toHaveLength(1);
    // One group: 1 leader + 1 worker, 8 GPUs each.
    expect(small[0].message).toContain('needs 16 nvidia.com/gpu at once');
    expect(small[0].object).toBe('LeaderWorkerSet/team-a/big-lws');
    expect(checkApp(render({}, 16).objects).findings).toEqual([]);
  });

  test('app check: un-queued, the namespace quota must hold groups × size × per-pod requests (autoscaler maximum and surge)', () => {
    const app = Testing.app();
    new MlNamespace(new Chart(app, 'platform'), 'team-a', { name: 'team-a', gpuQuota: 48 });
    const chart = new Chart(app, 'serving', { namespace: 'team-a' });
    new ModelServing(chart, 'big', {
      runtime: VLLM, model: ModelSource.inImage('/models'), resources: { cpu: '32', memory: '512Gi' }, accelerator: Accelerator.nvidiaGpu({ count: 8 }),
      backend: ServingBackend.leaderWorkerSet({ nodes: 2 }), metrics: Metrics.serviceMonitor(),
      autoscaling: Autoscaling.onLoad({ min: 1, max: 3, serverAddress: 'http://prometheus.monitoring:9090' }),
    });
    const quota = checkApp(toManifests(app)).findings.filter((f) => f.rule === 'app-quota');
    expect(quota).toHaveLength(1);
    // (3 groups from the ScaledObject + surge 1) × (1 leader + 1 worker) × 8 GPUs = 64 > 48.
    expect(quota[0].message).toContain('can demand 64 nvidia.com/gpu');
  });

  test('fails when tensor × pipeline parallelism does not match the group GPUs, naming the construct and the fix', () => {
    expect(() => render({ backend: ServingBackend.leaderWorkerSet({ nodes: 2, tensorParallelSize: 8, pipelineParallelSize: 1 }) }, 16, false)).toThrow(
      'serving/big: backend leaderWorkerSet: tensorParallelSize 8 × pipelineParallelSize 1 = 8 GPUs, but the group has nodes 2 × gpusPerNode 8 = 16; vLLM runs one rank per GPU, so make tp × pp equal 16 (e.g. tensorParallelSize 8 and pipelineParallelSize 2)');
    expect(() => render({ backend: ServingBackend.leaderWorkerSet({ nodes: 4, tensorParallelSize: 16 }) }, 16, false)).toThrow(/16 × pipelineParallelSize 4 = 64 GPUs, but the group has nodes 4 × gpusPerNode 8 = 32/);
  });

  test('fails on other runtimes, one node, GPU mismatches, canary and duplicated parallelism args', () => {
    const tgi = ServingRuntime.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', model: '/models/x' });
    expect(() => render({ runtime: tgi }, 16, false)).toThrow(/serving\/big: backend leaderWorkerSet renders vLLM's multi-node contract .* got runtime tgi/);
    expect(() => render({ backend: ServingBackend.leaderWorkerSet({ nodes: 1 }) }, 16, false)).toThrow(/nodes must be an integer >= 2 .* got 1/);
    expect(() => render({ backend: ServingBackend.leaderWorkerSet({ nodes: 2, gpusPerNode: 4 }) }, 16, false)).toThrow(/gpusPerNode 4 differs from the accelerator count 8/);
    expect(() => render({ accelerator: undefined }, 16, false)).toThrow(/backend leaderWorkerSet needs accelerator/);
    expect(() => render({ canary: { image: 'vllm/vllm-openai:v0.12.1', weight: 10 } }, 16, false)).toThrow(/canary is not supported with the leaderWorkerSet backend/);
    const withTp = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0', model: '/m', args: ['--tensor-parallel-size=4'] });
    expect(() => render({ runtime: withTp }, 16, false)).toThrow(/backend leaderWorkerSet sets --tensor-parallel-size itself/);
  });
});

describe('whole-app check on hand-written LeaderWorkerSet YAML', () => {
  const lws = (leader: boolean) => ({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: 'infer', namespace: 'ml' },
    spec: {
      replicas: 3,
      leaderWorkerTemplate: {
        size: 4,
        ...(leader ? { leaderTemplate: { metadata: { labels: { role: 'leader' } }, spec: { containers: [{ name: 'l', image: 'x:1', resources: { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } }] } } } : {}),
        workerTemplate: { spec: { containers: [{ name: 'w', image: 'x:1', resources: { requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } } }] } },
      },
    },
  });
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } };
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'gpus', namespace: 'ml' }, spec: { hard: { 'requests.nvidia.com/gpu': '16' } } };

  test('without a leader template every pod of a group is a worker: 3 groups × 4 pods × 2 GPUs', () => {
    const f = checkApp([ns, quota, lws(false)]).findings.filter((x) => x.rule === 'app-quota');
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('can demand 24 nvidia.com/gpu');
  });

  test('with a leader template: 3 × (1 leader × 1 GPU + 3 workers × 2 GPUs) = 21 GPUs', () => {
    const f = checkApp([ns, quota, lws(true)]).findings.filter((x) => x.rule === 'app-quota');
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('can demand 21 nvidia.com/gpu');
  });

  test('a Service selecting worker-index 0 reaches the leader template', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'infer', namespace: 'ml' }, spec: { selector: { [INDEX_LABEL]: '0', role: 'leader' }, ports: [{ port: 80 }] } };
    const findings = checkManifests([ns, lws(true), svc]).findings.filter((x) => x.object === 'Service/ml/infer' && x.rule === 'service-selector');
    expect(findings).toEqual([]);
  });
});
