import { SupportedKubernetesVersion } from '../schemas';
import { ValidationFinding } from '../validate';
import { PodView } from './pods';

/** How bad a policy finding is: errors fail a check, warnings only fail under `strict`. */
export type PolicySeverity = 'error' | 'warning';

/** Per-rule setting in {@link PolicyOptions.rules}: a new severity, or `off` to skip the rule. */
export type PolicyRuleSetting = PolicySeverity | 'off';

/** Options of {@link checkPolicies}. */
export interface PolicyOptions {
  /**
   * Kubernetes minor version the manifests target (some Pod Security allow-lists grew over
   * versions, e.g. the safe sysctls).
   * @default '1.28'
   */
  readonly kubernetesVersion?: SupportedKubernetesVersion;
  /**
   * Treat every object as managed by Argo CD (GitOps), even without `argocd.argoproj.io/*`
   * annotations: Jobs must then not set `ttlSecondsAfterFinished`.
   * @default false - only objects carrying `argocd.argoproj.io/*` annotations are Argo-managed
   */
  readonly gitops?: boolean;
  /**
   * Per-rule overrides by rule id: `'off'` skips the rule, `'error'`/`'warning'` changes its
   * severity. Unknown ids are an error (a typo must not silently disable nothing).
   * @default - every rule on, at its own severity
   */
  readonly rules?: Readonly<Record<string, PolicyRuleSetting>>;
}

/** One policy finding: a schema-style finding plus its severity and a fix hint. */
export interface PolicyFinding extends ValidationFinding {
  /** `error` (fails the check) or `warning`. */
  readonly severity: PolicySeverity;
  /** How to fix it. */
  readonly fix: string;
}

/** Result of {@link checkPolicies}. */
export interface PolicyResult {
  /** True when no finding has severity `error`. */
  readonly valid: boolean;
  /** Number of objects checked. */
  readonly objectCount: number;
  /** Every finding, grouped by object in input order, then by rule. */
  readonly findings: PolicyFinding[];
  /** Number of findings with severity `error`. */
  readonly errorCount: number;
  /** Number of findings with severity `warning`. */
  readonly warningCount: number;
}

/** A rule violation as found by a rule, before severity and disable annotations apply. */
export interface PolicyViolation {
  /** The top-level object at fault (its annotations can disable the rule). */
  readonly object: any;
  /** JSON pointer inside the object. */
  readonly path: string;
  /** What is wrong, with the bad value. */
  readonly message: string;
}

/** Everything a rule sees: the manifests, the extracted pod templates, the options. */
export interface PolicyContext {
  /** Every object, in input order. */
  readonly manifests: readonly any[];
  /** Every pod template found in the manifests (workloads, CronJobs, known CRDs). */
  readonly pods: readonly PodView[];
  /** Resolved Kubernetes version. */
  readonly kubernetesVersion: SupportedKubernetesVersion;
  /** Whether every object counts as Argo-managed. */
  readonly gitops: boolean;
}

/** A policy rule. */
export interface PolicyRule {
  /** Stable id, e.g. `pss-run-as-non-root`; used in disable annotations and options. */
  readonly id: string;
  /** Default severity. */
  readonly severity: PolicySeverity;
  /** One sentence: what the rule requires and why. */
  readonly description: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** Finds the violations in the whole manifest set. */
  check(context: PolicyContext): PolicyViolation[];
}
