/**
 * Policy rules on rendered manifests: Pod Security "restricted", resources, pinned images,
 * probes, disruption budgets, autoscaling, NetworkPolicy coverage, Services, literal
 * credentials, GPU tolerations, GitOps hazards. Each rule has an id, a severity, a message
 * with the bad value and a fix hint; an object opts out of a rule with the annotation
 * `cdk8s-ml.io/disable-policy.<rule-id>: "<reason>"`.
 */
import { ManifestInput, describeObject, toManifests } from '../validate';
import { GITOPS_RULES } from './gitops';
import { POD_SECURITY_RULES } from './pod-security';
import { escape, podViews } from './pods';
import { RELATION_RULES } from './relations';
import { PolicyContext, PolicyFinding, PolicyOptions, PolicyResult, PolicyRule } from './types';
import { WORKLOAD_RULES } from './workload';

export * from './types';
export { podViews, podViewsOf } from './pods';
export type { PodView, ContainerView, VolumeView } from './pods';
export { safeSysctls } from './pod-security';
export { selectorMatches } from './relations';
export { isArgoManaged } from './gitops';

/** Annotation prefix that disables a rule on one object: `cdk8s-ml.io/disable-policy.<rule-id>: "<reason>"`. */
export const DISABLE_POLICY_ANNOTATION_PREFIX = 'cdk8s-ml.io/disable-policy.';

/** Rule id of findings about the disable annotations themselves (empty reason, unknown rule). */
export const POLICY_ANNOTATION_RULE = 'policy-annotation';

/** Every policy rule, in report order. */
export const POLICY_RULES: readonly PolicyRule[] = [...POD_SECURITY_RULES, ...WORKLOAD_RULES, ...RELATION_RULES, ...GITOPS_RULES];

/** The annotation that disables `ruleId` on an object, e.g. for `metadata.annotations`. */
export function disablePolicyAnnotation(ruleId: string): string {
  return `${DISABLE_POLICY_ANNOTATION_PREFIX}${ruleId}`;
}

/**
 * Checks manifests (objects, YAML, charts, apps) against the policy rules. Cross-object rules
 * (PDBs, NetworkPolicies, Services, autoscalers) see the whole input at once, so pass
 * everything that is deployed together.
 */
export function checkPolicies(input: ManifestInput, options: PolicyOptions = {}): PolicyResult {
  const manifests = toManifests(input).filter((o) => typeof o === 'object' && o !== null && !Array.isArray(o));
  const known = new Set(POLICY_RULES.map((r) => r.id));
  for (const [id, setting] of Object.entries(options.rules ?? {})) {
    if (!known.has(id)) throw new Error(`checkPolicies: unknown rule id ${JSON.stringify(id)} in options.rules; known: ${[...known].join(', ')}`);
    if (!['error', 'warning', 'off'].includes(setting)) {
      throw new Error(`checkPolicies: rule ${id} must be set to "error", "warning" or "off", got ${JSON.stringify(setting)}`);
    }
  }
  const context: PolicyContext = {
    manifests,
    pods: podViews(manifests),
    kubernetesVersion: options.kubernetesVersion ?? '1.28',
    gitops: options.gitops ?? false,
  };
  const order = new Map<any, number>(manifests.map((m, i) => [m, i]));
  const found: Array<PolicyFinding & { index: number }> = [];
  const add = (obj: any, finding: PolicyFinding) => found.push({ ...finding, index: order.get(obj) ?? -1 });

  for (const obj of manifests) {
    for (const [key, value] of Object.entries(obj.metadata?.annotations ?? {})) {
      if (!key.startsWith(DISABLE_POLICY_ANNOTATION_PREFIX)) continue;
      const id = key.slice(DISABLE_POLICY_ANNOTATION_PREFIX.length);
      const path = `/metadata/annotations/${escape(key)}`;
      if (!known.has(id)) {
        add(obj, {
          object: describeObject(obj), path, rule: POLICY_ANNOTATION_RULE, severity: 'warning',
          message: `annotation ${key} names no known rule ${JSON.stringify(id)}`,
          fix: `Use one of: ${[...known].join(', ')}.`,
        });
      } else if (typeof value !== 'string' || value.trim() === '') {
        add(obj, {
          object: describeObject(obj), path, rule: POLICY_ANNOTATION_RULE, severity: 'error',
          message: `annotation ${key} disables rule ${id} without a reason: a reason is required, so the rule still applies`,
          fix: `Say why the rule does not apply, e.g. ${key}: "needs the Kubernetes API to list pods"`,
        });
      }
    }
  }

  for (const rule of POLICY_RULES) {
    const setting = options.rules?.[rule.id];
    if (setting === 'off') continue;
    const severity = setting ?? rule.severity;
    for (const v of rule.check(context)) {
      const reason = v.object?.metadata?.annotations?.[disablePolicyAnnotation(rule.id)];
      if (typeof reason === 'string' && reason.trim() !== '') continue;
      add(v.object, { object: describeObject(v.object), path: v.path, rule: rule.id, severity, message: v.message, fix: rule.fix });
    }
  }
  const findings: PolicyFinding[] = found
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.index - b.f.index || a.i - b.i)
    .map(({ f: { index: _index, ...finding } }) => finding);
  const errorCount = findings.filter((f) => f.severity === 'error').length;
  return { valid: errorCount === 0, objectCount: manifests.length, findings, errorCount, warningCount: findings.length - errorCount };
}
