/**
 * GitOps rule for Jobs (DESIGN.md §4): a changed training spec renders a Job under a new
 * name (hash of the pod template), so applying the new revision creates a second Job
 * instead of failing on the immutable template; the running Job is not touched and runs to
 * completion.
 */
import { Chart, Testing } from 'cdk8s';
import { Accelerator } from '../../src/core';
import { DistributedTrainingJob, Framework, Queue } from '../../src/training';
import { Kube, waitFor } from '../cluster/support/kube';
import { annotatePod, check, createNamespace, e2eEnv, EXIT_CODE, live, podsOf, RUN_FOR, ssa, waitJobFinished, waitScheduled } from './support/e2e';
import { GPU_PRODUCT } from './support/fixtures';

const NS = 'e2e-spec-change';
let k: Kube;

beforeAll(async () => {
  k = Kube.fromKubeconfig(e2eEnv().kubeconfig);
  await createNamespace(k, NS);
});
afterAll(() => k?.close());

/** One revision of the app: a 1-node fine-tune with a learning rate. */
function revision(lr: number): any[] {
  const chart = new Chart(Testing.app(), 'rev', { namespace: NS });
  new DistributedTrainingJob(chart, 'finetune', {
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train'],
    nodes: 1,
    accelerator: Accelerator.nvidiaGpu({ count: 8, product: GPU_PRODUCT }),
    framework: Framework.pytorch(),
    resources: { cpu: '32', memory: '512Gi' },
    config: { lr },
    queue: Queue.none(),
  });
  const objects = chart.toJson();
  // Test-only: the first revision's pod runs until the test ends it (kwok stage annotation).
  for (const o of objects) {
    if (o.kind === 'Job') o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, [RUN_FOR]: '30m' };
  }
  return objects;
}

test('a changed spec applies as a new Job; the running Job is left untouched and finishes', async () => {
  const v1 = revision(3e-4);
  const v2 = revision(1e-4);
  const job1 = v1.find((o) => o.kind === 'Job');
  const job2 = v2.find((o) => o.kind === 'Job');
  expect(job2.metadata.name).not.toBe(job1.metadata.name);

  for (const o of v1) check(o, await ssa(k, o, 'argocd', false), 'applying revision 1');
  const [pod1] = await waitScheduled(k, await live(k, job1), 1);
  await waitFor(`${pod1.metadata.name} Running`, async () => (await k.get(`/api/v1/namespaces/${NS}/pods/${pod1.metadata.name}`)).status?.phase === 'Running');
  const before = await live(k, job1);

  // The next Git revision: every object applied again (Argo CD applies the whole app).
  for (const o of v2) check(o, await ssa(k, o, 'argocd', false), 'applying revision 2');
  const [pod2] = await waitScheduled(k, await live(k, job2), 1);

  // The old Job: same object, same generation, its pod still the one that was running.
  const after = await live(k, job1);
  expect(after.metadata.uid).toBe(before.metadata.uid);
  expect(after.metadata.generation).toBe(before.metadata.generation);
  const pods = await podsOf(k, after);
  expect(pods.map((p) => p.metadata.uid)).toEqual([pod1.metadata.uid]);
  expect(pods[0].status.phase).toBe('Running');

  // Both finish on their own terms.
  await annotatePod(k, pod1, { [EXIT_CODE]: '0' });
  await annotatePod(k, pod2, { [EXIT_CODE]: '0' });
  await waitJobFinished(k, after, 'Complete');
  await waitJobFinished(k, await live(k, job2), 'Complete');
});
