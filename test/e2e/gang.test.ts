/**
 * Gang admission and quota under real Kueue: a Job that needs more GPUs than its
 * ClusterQueue has free is not partially started (suspended, no pod at all); when the
 * running Job finishes and frees the quota, the waiting one is admitted whole.
 */
import { describeObject } from '../cluster/support/cluster';
import { Kube, waitFor } from '../cluster/support/kube';
import { annotatePod, check, e2eEnv, EXIT_CODE, isTrue, live, podsOf, RUN_FOR, ssa, waitAdmitted, waitJobFinished, waitScheduled, waitWorkloadFinished, workloadOf } from './support/e2e';
import { provideClaims, queuedNamespace, trainingJob } from './support/fixtures';

const NS = 'e2e-gang';
let k: Kube;

beforeAll(async () => {
  k = Kube.fromKubeconfig(e2eEnv().kubeconfig);
  // 16 GPUs of quota: two 8-GPU pods.
  await queuedNamespace(k, NS, 16);
});
afterAll(() => k?.close());

test('a 2-pod Job (16 GPUs) waits whole while 8 of 16 GPUs are in use, and is admitted whole when they free', async () => {
  const running = trainingJob({ name: 'holds-8-gpus', namespace: NS, queue: 'default', pods: 1, podAnnotations: { [RUN_FOR]: '30m' } });
  const big = trainingJob({ name: 'needs-16-gpus', namespace: NS, queue: 'default', pods: 2, podAnnotations: { [RUN_FOR]: '1s' } });
  await provideClaims(k, [running, big]);

  check(running, await ssa(k, running, 'argocd', false), 'applying');
  const liveRunning = await live(k, running);
  await waitAdmitted(k, liveRunning);
  const [pod] = await waitScheduled(k, liveRunning, 1);
  await waitFor(`${pod.metadata.name} Running`, async () => (await k.get(`/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`)).status?.phase === 'Running');

  check(big, await ssa(k, big, 'argocd', false), 'applying');
  const liveBig = await live(k, big);
  // Kueue has looked at it and said why it waits: quota, not a missing queue.
  let wl: any;
  await waitFor(
    `the Workload of ${describeObject(big)} to be pending on quota`,
    async () => {
      wl = await workloadOf(k, liveBig);
      const qr = (wl?.status?.conditions ?? []).find((c: any) => c.type === 'QuotaReserved');
      return qr?.status === 'False' && qr.reason === 'Pending';
    },
    30_000,
    () => JSON.stringify(wl?.status ?? 'no Workload'),
  );
  const pending = (wl.status.conditions as any[]).find((c) => c.type === 'QuotaReserved');
  expect(pending.message).toMatch(/nvidia\.com\/gpu/);
  expect((await live(k, big)).spec.suspend).toBe(true);
  expect(await podsOf(k, liveBig)).toEqual([]);
  expect(isTrue(await workloadOf(k, liveRunning), 'Admitted')).toBe(true);

  // The running Job ends (its pod exits 0): its quota frees, the big one is admitted whole.
  await annotatePod(k, pod, { [EXIT_CODE]: '0' });
  await waitJobFinished(k, liveRunning, 'Complete');
  await waitWorkloadFinished(k, liveRunning);
  await waitAdmitted(k, liveBig);
  const pods = await waitScheduled(k, liveBig, 2);
  expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(2);
  await waitJobFinished(k, liveBig, 'Complete');
  await waitWorkloadFinished(k, liveBig);
});
