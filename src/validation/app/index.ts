/**
 * The whole-app check: the rendered objects of an app, taken together, form a working app —
 * references resolve (or are declared external), declared network flows pass the app's
 * NetworkPolicies, and capacity adds up. Reads rendered YAML only, like every check in
 * `validation/`, so it checks hand-written YAML and `dist/` folders too.
 */
import { show } from '../../core/errors';
import { escape } from '../policies/pods';
import { ManifestInput, describeObject, toManifests } from '../validate';
import { checkCapacity } from './capacity';
import { checkFlows } from './flows';
import { AppModel, finding } from './model';
import { checkReferences } from './references';
import { APP_RULES, APP_RULE_IDS, AppFinding } from './rules';

export { APP_RULES, APP_RULE_IDS } from './rules';
export type { AppFinding, AppRuleInfo } from './rules';
export { AppModel } from './model';
export * as netpol from './netpol';

/** Options of {@link checkApp}. */
export interface AppCheckOptions {
  /**
   * Per-rule overrides by app rule id (`app-…`): `'off'`, `'error'` or `'warning'`. Ids of
   * other rules are ignored (the policy engine owns them).
   * @default - every rule at its own severity
   */
  readonly rules?: Readonly<Record<string, 'error' | 'warning' | 'off'>>;
}

/** Result of {@link checkApp}. */
export interface AppCheckResult {
  /** True when no finding is an error. */
  readonly valid: boolean;
  readonly objectCount: number;
  /** Findings in object order. */
  readonly findings: AppFinding[];
  readonly errorCount: number;
  readonly warningCount: number;
}

const DISABLE_PREFIX = 'cdk8s-ml.io/disable-policy.';

/**
 * Checks the app as a whole: pass every object deployed together (all charts of the app).
 * Never throws on bad manifests: malformed fields and declarations become findings.
 */
export function checkApp(input: ManifestInput, options: AppCheckOptions = {}): AppCheckResult {
  const manifests = toManifests(input); // objects only: it drops scalars and flattens arrays and Lists
  const model = new AppModel(manifests);
  const raw: AppFinding[] = model.problems.map((p) => finding(p.object, 'app-declaration', 'error', `/metadata/annotations/${escape(p.annotation)}`, p.message,
    'write the annotation as the cdk8s-ml core helpers do (declareFlows / declareExternal): a JSON array of well-formed items'));
  for (const part of [checkReferences, checkFlows, checkCapacity]) {
    try {
      raw.push(...part(model));
    } catch (e: any) {
      // A shape the check did not foresee must not end the synth with a stack trace.
      raw.push({ object: '<app>', path: '/', rule: 'app-declaration', severity: 'warning', message: `the app check skipped a part on unexpected input: ${show(String(e?.message ?? e))}`, fix: 'report this as a cdk8s-ml bug with the manifests' });
    }
  }
  const byLabel = new Map<string, any>();
  manifests.forEach((m) => {
    const d = describeObject(m);
    if (!byLabel.has(d)) byLabel.set(d, m);
  });
  const order = new Map<string, number>([...byLabel.keys()].map((k, i) => [k, i]));
  const seen = new Set<string>();
  const findings: AppFinding[] = [];
  for (const f of raw) {
    const setting = options.rules?.[f.rule];
    if (setting === 'off') continue;
    const reason = byLabel.get(f.object)?.metadata?.annotations?.[`${DISABLE_PREFIX}${f.rule}`];
    if (typeof reason === 'string' && reason.trim() !== '') continue;
    const key = `${f.object}|${f.path}|${f.rule}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(setting === 'error' || setting === 'warning' ? { ...f, severity: setting } : f);
  }
  findings.sort((a, b) => (order.get(a.object) ?? -1) - (order.get(b.object) ?? -1));
  const errorCount = findings.filter((f) => f.severity === 'error').length;
  return { valid: errorCount === 0, objectCount: manifests.length, findings, errorCount, warningCount: findings.length - errorCount };
}

/** Whether `id` names an app rule. */
export function isAppRule(id: string): boolean {
  return APP_RULE_IDS.includes(id);
}

/** Description of an app rule (for reports). */
export function appRuleDescription(id: string): string | undefined {
  return APP_RULES.find((r) => r.id === id)?.description;
}
