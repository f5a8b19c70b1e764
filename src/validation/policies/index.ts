/**
 * Policy rules on rendered manifests: Pod Security "restricted", resources, pinned images,
 * probes, disruption budgets, autoscaling, NetworkPolicy coverage, Services, literal
 * credentials, GPU tolerations, GitOps hazards. Each rule has an id, a severity, a message
 * with the bad value and a fix hint; an object opts out of a rule with the annotation
 * `cdk8s-ml.io/disable-policy.<rule-id>: "<reason>"`.
 */
import { parseAllDocuments } from 'yaml';
import { ManifestInput, describeObject, toManifests } from '../validate';
import { GITOPS_RULES } from './gitops';
import { POD_SECURITY_RULES } from './pod-security';
import { escape, podViews } from './pods';
import { RELATION_RULES } from './relations';
import { PolicyContext, PolicyFinding, PolicyOptions, PolicyResult, PolicyRule } from './types';
import { WORKLOAD_RULES } from './workload';
import { APP_RULE_IDS } from '../app/rules';

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

/** An object a top-level object creates at run time (an Argo `resource` template's manifest). */
export interface Embedded {
  readonly owner: any;
  /** JSON pointer of the manifest string inside the owner. */
  readonly at: string;
  /** The owner's template name, for messages. */
  readonly template: string;
}

const ARGO_KINDS = ['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'];

/**
 * Objects Argo Workflows `resource` templates create at run time (Jobs, Services…), parsed
 * from their manifest strings so that their pod templates and selectors are checked too.
 * Unparseable manifests (Argo expressions outside strings) are skipped.
 */
export function embeddedObjects(manifests: readonly any[]): Map<any, Embedded> {
  const out = new Map<any, Embedded>();
  for (const owner of manifests) {
    if (String(owner.apiVersion).split('/')[0] !== 'argoproj.io' || !ARGO_KINDS.includes(owner.kind)) continue;
    const [wf, base] = owner.kind === 'CronWorkflow' ? [owner.spec?.workflowSpec, '/spec/workflowSpec'] : [owner.spec, '/spec'];
    if (!Array.isArray(wf?.templates)) continue;
    wf.templates.forEach((t: any, i: number) => {
      // Stryker disable next-line ConditionalExpression: without the guard the parse below throws on a missing manifest and its catch skips the template the same way; the guard saves an exception per template
      if (typeof t?.resource?.manifest !== 'string') return;
      try {
        for (const doc of parseAllDocuments(t.resource.manifest)) {
          if (doc.errors.length > 0) return;
          const obj = doc.toJSON();
          if (obj && typeof obj === 'object' && !Array.isArray(obj)) out.set(obj, { owner, at: `${base}/templates/${i}/resource/manifest`, template: String(t.name ?? i) });
        }
      } catch {
        // not YAML: nothing to check
      }
    });
  }
  return out;
}

/** The annotation that disables `ruleId` on an object, e.g. for `metadata.annotations`. */
export function disablePolicyAnnotation(ruleId: string): string {
  return `${DISABLE_POLICY_ANNOTATION_PREFIX}${ruleId}`;
}

/**
 * Fails on a rule id outside `known` or a setting other than `error`, `warning` or `off`
 * (`caller` starts the message).
 */
export function checkRuleSettings(caller: string, rules: Readonly<Record<string, string>> | undefined, known: readonly string[]): void {
  for (const [id, setting] of Object.entries(rules ?? {})) {
    if (!known.includes(id)) throw new Error(`${caller}: unknown rule id ${JSON.stringify(id)} in options.rules; known: ${known.join(', ')}`);
    if (!['error', 'warning', 'off'].includes(setting)) {
      throw new Error(`${caller}: rule ${id} must be set to "error", "warning" or "off", got ${JSON.stringify(setting)}`);
    }
  }
}

/**
 * Checks manifests (objects, YAML, charts, apps) against the policy rules. Cross-object rules
 * (PDBs, NetworkPolicies, Services, autoscalers) see the whole input at once, so pass
 * everything that is deployed together.
 */
export function checkPolicies(input: ManifestInput, options: PolicyOptions = {}): PolicyResult {
  const manifests = toManifests(input); // objects only: null, scalars and lists never come out
  const known = POLICY_RULES.map((r) => r.id);
  checkRuleSettings('checkPolicies', options.rules, known);
  const embedded = embeddedObjects(manifests);
  const all = [...manifests, ...embedded.keys()];
  const context: PolicyContext = {
    manifests: all,
    pods: podViews(all),
    kubernetesVersion: options.kubernetesVersion ?? '1.28',
    gitops: options.gitops ?? false,
  };
  const order = new Map<any, number>(manifests.map((m, i) => [m, i]));
  const found: Array<PolicyFinding & { index: number }> = [];
  const add = (obj: any, finding: PolicyFinding) => {
    const e = embedded.get(obj);
    if (!e) {
      found.push({ ...finding, index: order.get(obj)! }); // every top-level object is in order
      return;
    }
    // Reported on the object in Git, at the manifest string, with the inner path after '#'.
    found.push({
      ...finding,
      object: describeObject(e.owner),
      path: `${e.at}#${finding.path}`,
      message: `${finding.object} (created by template ${JSON.stringify(e.template)}): ${finding.message}`,
      index: order.get(e.owner)!, // owners are top-level objects
    });
  };
  const disabled = (obj: any, ruleId: string): boolean => [obj, embedded.get(obj)?.owner].some((o) => {
    const reason = o?.metadata?.annotations?.[disablePolicyAnnotation(ruleId)];
    return typeof reason === 'string' && reason.trim() !== '';
  });

  for (const obj of manifests) {
    for (const [key, value] of Object.entries(obj.metadata?.annotations ?? {})) {
      if (!key.startsWith(DISABLE_POLICY_ANNOTATION_PREFIX)) continue;
      const id = key.slice(DISABLE_POLICY_ANNOTATION_PREFIX.length);
      const path = `/metadata/annotations/${escape(key)}`;
      if (!known.includes(id) && !APP_RULE_IDS.includes(id)) {
        add(obj, {
          object: describeObject(obj), path, rule: POLICY_ANNOTATION_RULE, severity: 'warning',
          message: `annotation ${key} names no known rule ${JSON.stringify(id)}`,
          fix: `Use one of: ${[...known, ...APP_RULE_IDS].join(', ')}.`,
        });
      } else if (typeof value !== 'string' || value.trim() === '') {
        // (app rules' disable annotations are checked here too: same annotation, same rule)
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
      if (disabled(v.object, rule.id)) continue;
      add(v.object, { object: describeObject(v.object), path: v.path, rule: rule.id, severity, message: v.message, fix: rule.fix });
    }
  }
  // Array.prototype.sort is stable: findings of one object keep their rule order
  const findings: PolicyFinding[] = found
    .sort((a, b) => a.index - b.index)
    .map(({ index: _index, ...finding }) => finding);
  const errorCount = findings.filter((f) => f.severity === 'error').length;
  return { valid: errorCount === 0, objectCount: manifests.length, findings, errorCount, warningCount: findings.length - errorCount };
}
