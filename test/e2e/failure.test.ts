/**
 * Failure semantics of our rendered Job on the real Job controller (podFailurePolicy,
 * backoffLimit), with kwok playing the kubelet: a permanent fetch failure fails the Job at
 * once; a disruption is not counted; a retryable failure restarts within the budget.
 */
import { Kube, waitFor } from '../cluster/support/kube';
import { annotatePod, check, e2eEnv, EXIT_CODE, EXIT_CONTAINER, live, podsOf, RUN_FOR, ssa, waitJobFinished, waitScheduled } from './support/e2e';
import { distTrainingJob, provideClaims, trainingJob } from './support/fixtures';
import { createNamespace } from './support/e2e';

const NS = 'e2e-failure';
let k: Kube;

beforeAll(async () => {
  k = Kube.fromKubeconfig(e2eEnv().kubeconfig);
  await createNamespace(k, NS);
});
afterAll(() => k?.close());

async function start(job: any): Promise<any> {
  await provideClaims(k, [job]);
  check(job, await ssa(k, job, 'argocd', false), 'applying');
  return live(k, job);
}

async function running(pod: any): Promise<void> {
  await waitFor(`pod ${pod.metadata.name} Running`, async () => (await k.get(`/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`)).status?.phase === 'Running');
}

/** The fetch init container's name and the exit codes our podFailurePolicy treats as permanent. */
function fetchRule(): { container: string; codes: number[] } {
  const rule = distTrainingJob().spec.podFailurePolicy.rules.find((r: any) => r.action === 'FailJob' && r.onExitCodes);
  return { container: rule.onExitCodes.containerName, codes: rule.onExitCodes.values };
}

test('the fetch container exiting with a permanent code fails the Job at once (podFailurePolicy FailJob), no retry', async () => {
  const { container, codes } = fetchRule();
  expect(codes).toContain(20);
  const job = await start(trainingJob({ name: 'fetch-permanent', namespace: NS, pods: 2, podAnnotations: { [EXIT_CODE]: '20', [EXIT_CONTAINER]: container } }));
  const failed = await waitJobFinished(k, job, 'Failed');
  const cond = failed.status.conditions.find((c: any) => c.type === 'Failed');
  expect(cond.reason).toBe('PodFailurePolicy');
  expect(cond.message).toMatch(new RegExp(`container ${container} for pod .* failed with exit code 20 matching FailJob rule`, 'i'));
  // Nothing was retried: no pod beyond the first two.
  expect((await podsOf(k, job)).length).toBeLessThanOrEqual(2);
  expect(failed.spec.backoffLimit).toBeGreaterThan(0);
});

test('a disruption (eviction: DisruptionTarget) is not counted: a replacement runs and the Job completes with failed=0', async () => {
  const job = await start(trainingJob({ name: 'disrupted', namespace: NS, pods: 1, podAnnotations: { [RUN_FOR]: '30m' } }));
  const [pod] = await waitScheduled(k, job, 1);
  await running(pod);
  // The Eviction API (what node drains and preemption use) marks the pod DisruptionTarget and deletes it.
  const ev = await k.request('POST', `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/eviction`, {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.metadata.name, namespace: NS } },
  });
  expect(ev.status).toBe(201);
  let replacement: any;
  await waitFor(
    `a replacement pod for ${job.metadata.name}`,
    async () => {
      const pods = await podsOf(k, job);
      replacement = pods.find((p) => p.metadata.uid !== pod.metadata.uid && !p.metadata.deletionTimestamp);
      return replacement !== undefined;
    },
    60_000,
  );
  await running(replacement);
  const mid = await live(k, job);
  expect(mid.status.failed ?? 0).toBe(0);
  await annotatePod(k, replacement, { [EXIT_CODE]: '0' });
  const done = await waitJobFinished(k, job, 'Complete');
  expect(done.status.failed ?? 0).toBe(0);
  expect(done.status.succeeded).toBe(1);
});

test('a retryable failure (trainer exits 1) is retried within backoffLimit and the Job completes with failed=1', async () => {
  const job = await start(trainingJob({ name: 'retryable', namespace: NS, pods: 1, podAnnotations: { [RUN_FOR]: '30m' } }));
  const [pod] = await waitScheduled(k, job, 1);
  await running(pod);
  await annotatePod(k, pod, { [EXIT_CODE]: '1' });
  let replacement: any;
  await waitFor(
    `a retry pod for ${job.metadata.name} after its pod failed with exit code 1`,
    async () => {
      const pods = await podsOf(k, job);
      replacement = pods.find((p) => p.metadata.uid !== pod.metadata.uid && p.status?.phase !== 'Failed');
      return replacement !== undefined;
    },
    60_000,
    () => `Job status ${JSON.stringify(job.status ?? {})}`,
  );
  await running(replacement);
  expect((await live(k, job)).status.failed).toBe(1);
  await annotatePod(k, replacement, { [EXIT_CODE]: '0' });
  const done = await waitJobFinished(k, job, 'Complete');
  expect(done.status.failed).toBe(1);
  expect(done.status.succeeded).toBe(1);
  expect(done.spec.backoffLimit).toBeGreaterThan(1);
});
