/**
 * GitOps rules: what breaks when Argo CD syncs the rendered YAML.
 */
import { show } from '../../core/errors';
import { finishedTtlPath } from '../../core/finished-ttl';
import { objectRule } from './rule';
import { PolicyContext, PolicyRule } from './types';

/** Prefix of the annotations Argo CD reads (sync waves, hooks, options, tracking id). */
export const ARGOCD_ANNOTATION_PREFIX = 'argocd.argoproj.io/';

/** True when the object (a manifest object) is synced by Argo CD: it carries `argocd.argoproj.io/*` annotations, or the check runs with `gitops: true`. */
export function isArgoManaged(obj: any, context: PolicyContext): boolean {
  if (context.gitops) return true;
  return Object.keys(obj.metadata?.annotations ?? {}).some((k) => k.startsWith(ARGOCD_ANNOTATION_PREFIX));
}

const argoJobTtl = objectRule({
  id: 'argocd-job-ttl',
  severity: 'error',
  description: 'A Job synced by Argo CD has no ttlSecondsAfterFinished: the TTL controller deletes the finished Job, Argo CD sees it missing and recreates it, and the training runs again.',
  fix: 'Remove ttlSecondsAfterFinished; let Argo CD prune Jobs that Git no longer declares (cdk8s-ml names Jobs by a hash of their template, so a changed spec is a new Job).',
}, (obj, context) => {
  const path = typeof obj.apiVersion === 'string' ? finishedTtlPath(obj.apiVersion, String(obj.kind)) : undefined;
  if (!path || !isArgoManaged(obj, context)) return [];
  const value = path.reduce((o: any, k) => o?.[k], obj);
  if (value === undefined || value === null) return [];
  const why = context.gitops ? 'the check runs with gitops: true' : 'it carries argocd.argoproj.io/* annotations';
  return [{ path: `/${path.join('/')}`, message: `ttlSecondsAfterFinished ${show(value)} on a ${obj.kind} managed by Argo CD (${why}) makes it run again after the TTL deletes it` }];
});

/** GitOps rules. */
export const GITOPS_RULES: readonly PolicyRule[] = [argoJobTtl];
