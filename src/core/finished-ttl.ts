/**
 * Where a finished-object TTL lives on the kinds whose controllers delete finished runs: a Job,
 * a JobSet, and the Kubeflow training kinds (`runPolicy`). Shared by the GitOps pass (at synth)
 * and the `argocd-job-ttl` policy (on rendered YAML). @internal
 */
export function finishedTtlPath(apiVersion: string, kind: string): readonly string[] | undefined {
  const slash = apiVersion.indexOf('/');
  // the core group (`v1`) has no name: undefined matches none of the groups below
  const group = slash === -1 ? undefined : apiVersion.slice(0, slash);
  if ((group === 'batch' && kind === 'Job') || (group === 'jobset.x-k8s.io' && kind === 'JobSet')) return ['spec', 'ttlSecondsAfterFinished'];
  if (group === 'kubeflow.org') return ['spec', 'runPolicy', 'ttlSecondsAfterFinished'];
  return undefined;
}
