/**
 * finishedTtlPath: which kinds carry a finished-object TTL and where. The GitOps pass and the
 * `argocd-job-ttl` policy both rely on it; the paths are spelled out from the Job, JobSet and
 * Kubeflow training-operator APIs.
 */
import { finishedTtlPath } from '../../src/core/finished-ttl';

describe('finishedTtlPath', () => {
  test.each([
    ['batch/v1', 'Job'],
    ['jobset.x-k8s.io/v1alpha2', 'JobSet'],
  ])('%s %s: spec.ttlSecondsAfterFinished', (apiVersion, kind) => {
    expect(finishedTtlPath(apiVersion, kind)).toEqual(['spec', 'ttlSecondsAfterFinished']);
  });

  test.each([
    ['kubeflow.org/v1', 'PyTorchJob'],
    ['kubeflow.org/v1', 'MPIJob'],
    ['kubeflow.org/v2beta1', 'MPIJob'],
  ])('%s %s: spec.runPolicy.ttlSecondsAfterFinished', (apiVersion, kind) => {
    expect(finishedTtlPath(apiVersion, kind)).toEqual(['spec', 'runPolicy', 'ttlSecondsAfterFinished']);
  });

  test.each([
    // the right kind in another group, the right group with another kind
    ['batch/v1', 'CronJob'],
    ['batch/v1', 'JobSet'],
    ['jobset.x-k8s.io/v1alpha2', 'Job'],
    ['example.com/v1', 'Job'],
    ['example.com/v1', 'JobSet'],
    ['apps/v1', 'Deployment'],
    // no slash: the core group, whatever the version string looks like
    ['v1', 'Pod'],
    ['v1', 'Job'],
    ['batch1', 'Job'],
    ['kubeflow.org1', 'PyTorchJob'],
    // the group must be the whole prefix before the slash
    ['kubeflow.org.example/v1', 'PyTorchJob'],
    ['xbatch/v1', 'Job'],
  ])('%s %s: none', (apiVersion, kind) => {
    expect(finishedTtlPath(apiVersion, kind)).toBeUndefined();
  });
});
