/**
 * One entry point for both output checks: strict schema validation and the policy rules.
 */
import { APP_RULE_IDS, checkApp } from './app';
import { POLICY_RULES, PolicyOptions, PolicySeverity, checkPolicies, checkRuleSettings } from './policies';
import { ManifestInput, ValidateOptions, ValidationFinding, describeObject, toManifests, validateManifests } from './validate';

/** Options of {@link checkManifests}: those of both checks, plus which to run. */
export interface CheckOptions extends ValidateOptions, PolicyOptions {
  /**
   * Run the strict schema validation (Kubernetes definitions and CRD schemas).
   * @default true
   */
  readonly schema?: boolean;
  /**
   * Run the policy rules.
   * @default true
   */
  readonly policies?: boolean;
  /**
   * Run the whole-app check (references resolve or are declared external, declared network
   * flows pass the NetworkPolicies, capacity adds up): pass every object deployed together.
   * Its rule ids (`app-…`) can be set in `rules` like policy rules.
   * @default true
   */
  readonly app?: boolean;
  /**
   * Warnings fail the check too (`valid` is false when there is any finding).
   * @default false - only errors fail
   */
  readonly strict?: boolean;
}

/** One finding of {@link checkManifests}. */
export interface CheckFinding extends ValidationFinding {
  /** `error` or `warning` (schema findings are always errors). */
  readonly severity: PolicySeverity;
  /** `schema` (strict validation), `policy` (a policy rule) or `app` (the whole-app check). */
  readonly source: 'schema' | 'policy' | 'app';
  /** Other objects involved (app findings), `Kind/namespace/name`. */
  readonly related?: readonly string[];
  /** How to fix it (policy findings). */
  readonly fix?: string;
}

/** Result of {@link checkManifests}. */
export interface CheckResult {
  /** True when there is no error (and, with `strict`, no warning). */
  readonly valid: boolean;
  /** Number of objects checked. */
  readonly objectCount: number;
  /** Findings grouped by object (input order): schema findings first, then policy findings. */
  readonly findings: CheckFinding[];
  /** Number of findings with severity `error`. */
  readonly errorCount: number;
  /** Number of findings with severity `warning`. */
  readonly warningCount: number;
}

/**
 * Runs strict schema validation and the policy rules on manifests (objects, YAML text,
 * charts, apps) and returns one combined result.
 */
export function checkManifests(input: ManifestInput, options: CheckOptions = {}): CheckResult {
  const manifests = toManifests(input);
  const findings: CheckFinding[] = [];
  if (options.schema ?? true) {
    for (const f of validateManifests(manifests, options).findings) findings.push({ ...f, severity: 'error', source: 'schema' });
  }
  // Every setting is checked, also those of a check that is off (a typo must not pass unseen).
  checkRuleSettings('checkManifests', options.rules, [...POLICY_RULES.map((r) => r.id), ...APP_RULE_IDS]);
  if (options.policies ?? true) {
    const policyRules = Object.fromEntries(Object.entries(options.rules ?? {}).filter(([id]) => !APP_RULE_IDS.includes(id)));
    for (const f of checkPolicies(manifests, { ...options, rules: policyRules }).findings) findings.push({ ...f, source: 'policy' });
  }
  if (options.app ?? true) {
    // checkApp ignores the ids of policy rules
    for (const f of checkApp(manifests, { rules: options.rules }).findings) findings.push({ ...f, source: 'app' });
  }
  const first = new Map<string, number>();
  manifests.forEach((m, i) => {
    const d = describeObject(m);
    if (!first.has(d)) first.set(d, i);
  });
  // Findings on no input object (the app check's `<app>`) first; the sort is stable, so each
  // object keeps its schema, policy, app order.
  const position = (f: CheckFinding) => first.get(f.object) ?? -1;
  const sorted = [...findings].sort((a, b) => position(a) - position(b));
  const errorCount = sorted.filter((f) => f.severity === 'error').length;
  const warningCount = sorted.length - errorCount;
  return {
    valid: errorCount === 0 && (!options.strict || warningCount === 0),
    objectCount: manifests.length,
    findings: sorted,
    errorCount,
    warningCount,
  };
}

/** Findings grouped by object label, in order of first appearance. */
export function groupFindings<T extends ValidationFinding>(findings: readonly T[], key: (f: T) => string = (f) => f.object): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const f of findings) {
    const k = key(f);
    const list = groups.get(k);
    if (list) list.push(f);
    else groups.set(k, [f]);
  }
  return groups;
}

/**
 * Human-readable report, grouped by object:
 * ```
 * Deployment/team-a/llm
 *   error   /spec/template/spec/containers/0/image [image-tag] ... (fix: ...)
 * ```
 */
export function formatCheckReport(findings: readonly CheckFinding[], options: { readonly fixes?: boolean } = {}): string {
  const lines: string[] = [];
  for (const [object, list] of groupFindings(findings)) {
    lines.push(object);
    for (const f of list) {
      lines.push(`  ${f.severity.padEnd(7)} ${f.path} [${f.rule}] ${f.message}`);
      if (f.related && f.related.length > 0) lines.push(`          involves: ${f.related.join(', ')}`);
      if (options.fixes && f.fix) lines.push(`          fix: ${f.fix}`);
    }
  }
  return lines.join('\n');
}
