/**
 * Deliberately broken fixtures: the tier's checks must fail on them, with a message that
 * names the object and what it saw, and pass on the correct counterpart.
 */
import { Kube } from '../cluster/support/kube';
import { check, e2eEnv, formatReport, live, podsOf, resyncServerSide, ssa, waitAdmitted, waitJobFinished } from './support/e2e';
import { provideClaims, queuedNamespace, trainingJob } from './support/fixtures';

const NS = 'e2e-broken';
let k: Kube;

beforeAll(async () => {
  k = Kube.fromKubeconfig(e2eEnv().kubeconfig);
  await queuedNamespace(k, NS, 16);
});
afterAll(() => k?.close());

async function create(job: any): Promise<any> {
  await provideClaims(k, [job]);
  check(job, await ssa(k, job, 'argocd', false), 'applying');
  return live(k, job);
}

test('fails when the queue name dangles: the Job stays suspended, the Workload is inadmissible', async () => {
  // The example app's bug (issue 13): its Job names queue team-a, its namespace has only `default`.
  const job = await create(trainingJob({ name: 'dangling-queue', namespace: NS, queue: 'team-a', pods: 1 }));
  await expect(waitAdmitted(k, job, 30_000)).rejects.toThrow(
    /Job e2e-broken\/dangling-queue \(queue team-a\) stays suspended: Kueue Workload \S+ is inadmissible: LocalQueue team-a doesn't exist/,
  );
  expect((await live(k, job)).spec.suspend).toBe(true);
  expect(await podsOf(k, job)).toEqual([]);
});

test('fails when a Job would stay suspended: larger than its ClusterQueue quota', async () => {
  // 3 pods x 8 GPUs = 24 GPUs against a nominal quota of 16: Kueue never admits it.
  const job = await create(trainingJob({ name: 'over-quota', namespace: NS, queue: 'default', pods: 3 }));
  await expect(waitAdmitted(k, job, 20_000)).rejects.toThrow(
    /timed out after 20s waiting for Job e2e-broken\/over-quota \(queue default\) to be admitted by Kueue .*Job suspend=true; Workload \S+: QuotaReserved=False \(Pending: .*nvidia.com\/gpu.*the Job stays suspended/s,
  );
  expect(await podsOf(k, job)).toEqual([]);
});

describe('fails when a re-apply changes something', () => {
  test('`suspend: true` rendered on a queued Job conflicts with Kueue once admitted (Argo CD would re-suspend it)', async () => {
    const job = await create(trainingJob({ name: 'renders-suspend', namespace: NS, queue: 'default', pods: 1, renderSuspend: true, podAnnotations: { 'e2e.ml.cdk8s.io/run-for': '10m' } }));
    await waitAdmitted(k, job);
    const report = await resyncServerSide(k, [trainingJob({ name: 'renders-suspend', namespace: NS, queue: 'default', pods: 1, renderSuspend: true, podAnnotations: { 'e2e.ml.cdk8s.io/run-for': '10m' } })], 'argocd');
    expect(report.conflicts).toHaveLength(1);
    expect(report.conflicts[0]).toMatch(/Job e2e-broken\/renders-suspend: .spec.suspend: conflict with "kueue"/);
    // With force (Argo CD's Replace/force sync), the apply takes suspend back: Kueue must evict.
    const forced = await ssa(k, trainingJob({ name: 'renders-suspend', namespace: NS, queue: 'default', pods: 1, renderSuspend: true, podAnnotations: { 'e2e.ml.cdk8s.io/run-for': '10m' } }), 'argocd', true);
    expect(forced.status).toBe(200);
    expect(forced.body.spec.suspend).toBe(true);
  });

  test('the counterpart without `suspend` (Kueue\'s webhook suspends it at creation) re-applies without conflict', async () => {
    const fixture = () => trainingJob({ name: 'leaves-suspend', namespace: NS, queue: 'default', pods: 1 });
    const job = await create(fixture());
    await waitAdmitted(k, job);
    await waitJobFinished(k, job, 'Complete');
    const report = await resyncServerSide(k, [fixture()], 'argocd');
    // Only fields that do not depend on drift are asserted here: no conflict with Kueue.
    expect(report.conflicts).toEqual([]);
    if (report.changed.length) process.stderr.write(`[e2e] leaves-suspend re-apply (drift, see app.test.ts):\n${formatReport(report)}\n`);
  });

  test('a re-apply that changes a field is reported with the object, the field and both values', async () => {
    const fixture = trainingJob({ name: 'changes-on-reapply', namespace: NS, pods: 1 });
    await create(fixture);
    const changed = JSON.parse(JSON.stringify(fixture));
    changed.spec.activeDeadlineSeconds = fixture.spec.activeDeadlineSeconds + 1;
    const report = await resyncServerSide(k, [changed], 'argocd');
    expect(report.conflicts).toEqual([]);
    expect(report.changed).toHaveLength(1);
    expect(report.changed[0]).toMatch(
      new RegExp(`^Job e2e-broken/changes-on-reapply: generation 1 -> 2 resourceVersion changed; .*\\.spec\\.activeDeadlineSeconds: ${fixture.spec.activeDeadlineSeconds} -> ${changed.spec.activeDeadlineSeconds}`),
    );
  });
});
