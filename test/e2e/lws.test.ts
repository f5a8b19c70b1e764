/**
 * A multi-node `ModelServing` on the LeaderWorkerSet backend under the real LWS controller
 * (kubernetes-sigs/lws, built from its Go module) and Kueue's LeaderWorkerSet integration.
 * Rendered by our construct; with Kueue's LWS integration on (CDK8S_ML_E2E_KUEUE_LWS=1, off by
 * default: see provision.sh) queued on the namespace's LocalQueue and Kueue admits the group's
 * Workload. The LWS controller creates the leader and the worker with the env our args
 * expand (LWS_LEADER_ADDRESS, LWS_GROUP_SIZE, LWS_WORKER_INDEX), kube-scheduler binds them
 * on distinct simulated GPU nodes, and the serving's Service sends traffic to the leader only.
 * Skipped, saying why, where provision.sh did not start LWS.
 */
import { Chart, Testing } from 'cdk8s';
import { Accelerator, External } from '../../src/core';
import { ModelServing, ModelSource, ServingBackend, ServingRuntime } from '../../src/serving';
import { describeObject } from '../cluster/support/cluster';
import { Kube, waitFor } from '../cluster/support/kube';
import { check, e2eEnv, isTrue, live, QUEUE_LABEL, ssa, workloadOf } from './support/e2e';
import { GPU_PRODUCT, queuedNamespace } from './support/fixtures';

const NS = 'e2e-lws';
const NODES = 2;
const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
const LWS_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

const env = e2eEnv();
const lwsRunning = env.lwsRunning;
const queued = env.kueueLws;
const testIfLws = lwsRunning ? test : test.skip;
if (lwsRunning && !queued) process.stderr.write('[e2e] lws.test.ts: Kueue\'s LeaderWorkerSet integration is off (CDK8S_ML_E2E_KUEUE_LWS=1 turns it on): the group is not queued\n');
if (!lwsRunning) process.stderr.write(`[e2e] lws.test.ts SKIPPED: the LeaderWorkerSet controller is not running on Kubernetes ${env.serverVersion} (see the provision log)\n`);

let k: Kube;

beforeAll(async () => {
  if (!lwsRunning) return;
  k = Kube.fromKubeconfig(env.kubeconfig);
  // 16 GPUs of quota: one group of two 8-GPU pods.
  await queuedNamespace(k, NS, 16);
});
afterAll(() => k?.close());

function render(): any[] {
  const chart = new Chart(Testing.app(), 'lws', { namespace: NS });
  new ModelServing(chart, 'llama', {
    runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0', model: '/models/llama-405b' }),
    model: ModelSource.inImage('/models'), // weights in the image: kwok runs no container
    accelerator: Accelerator.nvidiaGpu({ count: 8, product: GPU_PRODUCT }),
    resources: { cpu: '32', memory: '512Gi' },
    backend: ServingBackend.leaderWorkerSet({ nodes: NODES, queue: queued ? External.localQueue('default') : undefined }),
  });
  return chart.toJson();
}

function envOf(pod: any): Record<string, string> {
  return Object.fromEntries((pod.spec.containers[0].env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

testIfLws(`a ${queued ? 'queued ' : ''}2-node vLLM group: ${queued ? 'admitted by Kueue, ' : ''}leader and worker on distinct GPU nodes with the LWS env, the Service reaches the leader only`, async () => {
  const objects = render();
  const lws = objects.find((o) => o.kind === 'LeaderWorkerSet');
  expect(lws.metadata.labels[QUEUE_LABEL]).toBe(queued ? 'default' : undefined);
  for (const o of objects) check(o, await ssa(k, o, 'argocd', false), 'applying');
  const liveLws = await live(k, lws);

  // Queued: Kueue creates a Workload for the group and admits it.
  let wl: any;
  if (queued) await waitFor(`${describeObject(lws)}: Kueue Workload of group 0 Admitted`, async () => {
    wl = await workloadOf(k, liveLws);
    return wl && isTrue(wl, 'Admitted');
  }, 90_000, () => (wl ? JSON.stringify(wl.status?.conditions ?? []) : 'no Workload yet'));

  // The LWS controller creates leader <lws>-0 and worker <lws>-0-1; the scheduler binds them.
  let pods: any[] = [];
  await waitFor(`${NODES} pods of ${describeObject(lws)} bound to nodes`, async () => {
    pods = (await k.list('v1', 'Pod', NS, { labelSelector: `${LWS_NAME_LABEL}=${lws.metadata.name}` })).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === NODES && pods.every((p) => p.spec.nodeName);
  }, 90_000, () => pods.map((p) => `${p.metadata.name}: ${p.status?.phase} ${p.spec.nodeName ?? `unscheduled ${JSON.stringify(p.spec.schedulingGates ?? [])}`}`).join('; ') || 'no pods');
  const leader = pods.find((p) => p.metadata.labels[LWS_INDEX_LABEL] === '0');
  const worker = pods.find((p) => p.metadata.labels[LWS_INDEX_LABEL] === '1');
  expect(leader?.metadata.name).toBe(`${lws.metadata.name}-0`);
  expect(worker?.metadata.name).toBe(`${lws.metadata.name}-0-1`);
  expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(NODES);
  for (const p of pods) {
    const node = await k.get(`/api/v1/nodes/${p.spec.nodeName}`);
    expect(node.metadata.labels['nvidia.com/gpu.product']).toBe(GPU_PRODUCT);
  }

  // The env our args expand ($(LWS_…)) is set by the LWS pod webhook, consistently.
  const le = envOf(leader);
  const we = envOf(worker);
  expect(le.LWS_GROUP_SIZE).toBe(String(NODES));
  expect(le.LWS_WORKER_INDEX).toBe('0');
  expect(we.LWS_WORKER_INDEX).toBe('1');
  expect(we.LWS_LEADER_ADDRESS).toBe(le.LWS_LEADER_ADDRESS);
  expect(le.LWS_LEADER_ADDRESS.startsWith(`${leader.metadata.name}.`)).toBe(true);
  for (const ref of leader.spec.containers[0].args.filter((a: string) => a.startsWith('$('))) expect(le).toHaveProperty(ref.slice(2, -1));
  // The leader address resolves through the headless Service the controller created under the LWS name.
  const headless = await waitFor(`headless Service ${NS}/${lws.metadata.name}`, () => k.tryGet(`/api/v1/namespaces/${NS}/services/${lws.metadata.name}`));
  expect(headless.spec.clusterIP).toBe('None');

  // The serving's Service selects the leader only: its endpoints hold the leader pod.
  const svc = objects.find((o) => o.kind === 'Service');
  let addresses: any[] = [];
  await waitFor(`Service ${NS}/${svc.metadata.name} endpoints`, async () => {
    const ep = await k.tryGet(`/api/v1/namespaces/${NS}/endpoints/${svc.metadata.name}`);
    addresses = (ep?.subsets ?? []).flatMap((s: any) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]);
    return addresses.length > 0;
  }, 60_000, () => JSON.stringify(addresses));
  expect(addresses.map((a) => a.targetRef?.name)).toEqual([leader.metadata.name]);
});
