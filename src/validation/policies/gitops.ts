/**
 * GitOps rules: what breaks when Argo CD syncs the rendered YAML.
 */
import { show } from '../../core/errors';
import { objectRule } from './rule';
import { PolicyContext, PolicyRule } from './types';

/** Prefix of the annotations Argo CD reads (sync waves, hooks, options, tracking id). */
export const ARGOCD_ANNOTATION_PREFIX = 'argocd.argoproj.io/';

/** True when the object is synced by Argo CD: it carries `argocd.argoproj.io/*` annotations, or the check runs with `gitops: true`. */
export function isArgoManaged(obj: any, context: PolicyContext): boolean {
  if (context.gitops) return true;
  return Object.keys(obj?.metadata?.annotations ?? {}).some((k) => k.startsWith(ARGOCD_ANNOTATION_PREFIX));
}

/** Where each run-to-completion kind keeps its TTL after finishing. */
const TTL_FIELDS: ReadonlyArray<{ group: string; kind: string; path: readonly string[] }> = [
  { group: 'batch', kind: 'Job', path: ['spec', 'ttlSecondsAfterFinished'] },
  { group: 'jobset.x-k8s.io', kind: 'JobSet', path: ['spec', 'ttlSecondsAfterFinished'] },
  { group: 'kubeflow.org', kind: '*', path: ['spec', 'runPolicy', 'ttlSecondsAfterFinished'] },
];

const argoJobTtl = objectRule({
  id: 'argocd-job-ttl',
  severity: 'error',
  description: 'A Job synced by Argo CD has no ttlSecondsAfterFinished: the TTL controller deletes the finished Job, Argo CD sees it missing and recreates it, and the training runs again.',
  fix: 'Remove ttlSecondsAfterFinished; let Argo CD prune Jobs that Git no longer declares (cdk8s-ml names Jobs by a hash of their template, so a changed spec is a new Job).',
}, (obj, context) => {
  const group = typeof obj?.apiVersion === 'string' && obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  const entry = TTL_FIELDS.find((t) => t.group === group && (t.kind === '*' || t.kind === obj?.kind));
  if (!entry || !isArgoManaged(obj, context)) return [];
  const value = entry.path.reduce((o: any, k) => o?.[k], obj);
  if (value === undefined || value === null) return [];
  const why = context.gitops ? 'the check runs with gitops: true' : 'it carries argocd.argoproj.io/* annotations';
  return [{ path: `/${entry.path.join('/')}`, message: `ttlSecondsAfterFinished ${show(value)} on a ${obj.kind} managed by Argo CD (${why}) makes it run again after the TTL deletes it` }];
});

/** GitOps rules. */
export const GITOPS_RULES: readonly PolicyRule[] = [argoJobTtl];
