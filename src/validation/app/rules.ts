/**
 * Rule ids of the app-level check (no imports: the policy engine reads this list to accept
 * `cdk8s-ml.io/disable-policy.<id>` annotations and `rules` overrides for them).
 */

/** One finding of the app-level check. */
export interface AppFinding {
  /** The object at fault, `Kind/namespace/name`. */
  readonly object: string;
  /** JSON pointer inside it. */
  readonly path: string;
  /** Rule id (one of {@link APP_RULES}). */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  /** What is wrong: the reference or flow, with the bad value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** Other objects involved (`Kind/namespace/name`), e.g. the policy that blocks a flow. */
  readonly related?: readonly string[];
}

/** Identity of an app rule. */
export interface AppRuleInfo {
  readonly id: string;
  readonly severity: 'error' | 'warning';
  readonly description: string;
}

/** Every rule of the app-level check. */
export const APP_RULES: readonly AppRuleInfo[] = [
  { id: 'app-declaration', severity: 'error', description: 'The ml.cdk8s.io/flows and ml.cdk8s.io/external annotations hold well-formed JSON declarations.' },
  { id: 'app-reference', severity: 'error', description: 'Every reference (Kueue queue and priority class, PriorityClass, claim, ConfigMap, Secret, ServiceAccount, headless Service, RBAC, Ingress backend) resolves to an object of the app or is declared external.' },
  { id: 'app-namespace', severity: 'error', description: 'Every namespace the app puts objects in is rendered by the app or declared external.' },
  { id: 'app-selector', severity: 'error', description: 'PodDisruptionBudget and NetworkPolicy selectors select some pod template of the app; HPA/ScaledObject targets and ServiceMonitor selectors find their objects.' },
  { id: 'app-flow', severity: 'error', description: 'Every declared network flow is allowed by the NetworkPolicies of both ends.' },
  { id: 'app-dns', severity: 'error', description: 'Every egress-isolated pod may reach kube-dns on UDP and TCP 53.' },
  { id: 'app-quota', severity: 'error', description: 'Per namespace, the Kueue nominal quotas the namespace\'s LocalQueues feed plus the un-queued requests (at maximum replicas and surge) fit the ResourceQuota.' },
  { id: 'app-queue-capacity', severity: 'error', description: 'A queued workload fits its ClusterQueue (a resource it requests is covered, and within the largest flavor\'s nominal quota when there is no cohort).' },
  { id: 'app-rwo-claim', severity: 'error', description: 'A ReadWriteOnce/ReadWriteOncePod claim is mounted by at most one pod at a time.' },
  { id: 'app-shared-claim', severity: 'error', description: 'A claim written by several workloads is mounted at a distinct subPath per workload (per run, subPathExpr, for schedules).' },
];

/** Ids of {@link APP_RULES}. */
export const APP_RULE_IDS: readonly string[] = APP_RULES.map((r) => r.id);
