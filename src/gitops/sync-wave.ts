/** Annotation Argo CD reads to order a sync: lower waves are applied (and healthy) first. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The sync waves cdk8s-ml assigns by kind (Argo CD's default wave is 0). */
export class SyncWave {
  /** Namespaces, quotas, limit ranges, Kueue flavors and queues, priority classes, CRDs. */
  public static readonly PLATFORM = -2;
  /** Service accounts, RBAC, ConfigMaps, Secrets, PVCs, Services, NetworkPolicies, PDBs, routes, monitors. */
  public static readonly CONFIG = -1;
  /**
   * Workloads: Jobs, CronJobs, Deployments, StatefulSets, JobSets, training and serving custom
   * resources, and the autoscalers that scale them (an HPA or KEDA ScaledObject whose target
   * does not exist yet is Degraded, and Argo CD fails a sync whose earlier wave is Degraded).
   */
  public static readonly WORKLOAD = 0;

  private constructor() {}
}

/**
 * Sync wave by kind, keyed `group/Kind` (`Kind` alone for the core group). Kinds not listed
 * get no annotation (Argo CD wave 0, with the workloads).
 */
export const DEFAULT_SYNC_WAVES: Readonly<Record<string, number>> = Object.freeze({
  // platform: the namespace and what admits pods into it
  'Namespace': SyncWave.PLATFORM,
  'ResourceQuota': SyncWave.PLATFORM,
  'LimitRange': SyncWave.PLATFORM,
  'apiextensions.k8s.io/CustomResourceDefinition': SyncWave.PLATFORM,
  'scheduling.k8s.io/PriorityClass': SyncWave.PLATFORM,
  'kueue.x-k8s.io/ResourceFlavor': SyncWave.PLATFORM,
  'kueue.x-k8s.io/ClusterQueue': SyncWave.PLATFORM,
  'kueue.x-k8s.io/LocalQueue': SyncWave.PLATFORM,
  'kueue.x-k8s.io/WorkloadPriorityClass': SyncWave.PLATFORM,
  // config: what pods reference
  'ServiceAccount': SyncWave.CONFIG,
  'rbac.authorization.k8s.io/Role': SyncWave.CONFIG,
  'rbac.authorization.k8s.io/RoleBinding': SyncWave.CONFIG,
  'rbac.authorization.k8s.io/ClusterRole': SyncWave.CONFIG,
  'rbac.authorization.k8s.io/ClusterRoleBinding': SyncWave.CONFIG,
  'ConfigMap': SyncWave.CONFIG,
  'Secret': SyncWave.CONFIG,
  'external-secrets.io/ExternalSecret': SyncWave.CONFIG,
  'PersistentVolumeClaim': SyncWave.CONFIG,
  'Service': SyncWave.CONFIG,
  'networking.k8s.io/NetworkPolicy': SyncWave.CONFIG,
  'policy/PodDisruptionBudget': SyncWave.CONFIG,
  'keda.sh/TriggerAuthentication': SyncWave.CONFIG,
  'networking.k8s.io/Ingress': SyncWave.CONFIG,
  'gateway.networking.k8s.io/HTTPRoute': SyncWave.CONFIG,
  'monitoring.coreos.com/ServiceMonitor': SyncWave.CONFIG,
  'monitoring.coreos.com/PodMonitor': SyncWave.CONFIG,
  'scheduling.x-k8s.io/PodGroup': SyncWave.CONFIG,
  'scheduling.volcano.sh/PodGroup': SyncWave.CONFIG,
  // workloads
  'Pod': SyncWave.WORKLOAD,
  'batch/Job': SyncWave.WORKLOAD,
  'batch/CronJob': SyncWave.WORKLOAD,
  'apps/Deployment': SyncWave.WORKLOAD,
  'apps/StatefulSet': SyncWave.WORKLOAD,
  'apps/DaemonSet': SyncWave.WORKLOAD,
  // autoscalers: with their targets (Argo CD applies them after the Deployment in a wave)
  'autoscaling/HorizontalPodAutoscaler': SyncWave.WORKLOAD,
  'keda.sh/ScaledObject': SyncWave.WORKLOAD,
  'jobset.x-k8s.io/JobSet': SyncWave.WORKLOAD,
  'trainer.kubeflow.org/TrainJob': SyncWave.WORKLOAD,
  'kubeflow.org/PyTorchJob': SyncWave.WORKLOAD,
  'kubeflow.org/MPIJob': SyncWave.WORKLOAD,
  'kubeflow.org/TFJob': SyncWave.WORKLOAD,
  'serving.kserve.io/InferenceService': SyncWave.WORKLOAD,
  'leaderworkerset.x-k8s.io/LeaderWorkerSet': SyncWave.WORKLOAD,
  'argoproj.io/Workflow': SyncWave.WORKLOAD,
  'argoproj.io/CronWorkflow': SyncWave.WORKLOAD,
});

/** `group/Kind` (or `Kind` for the core group) of an apiVersion and kind. */
export function kindKey(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
}

/** The sync wave of a kind, from `overrides` first, then {@link DEFAULT_SYNC_WAVES}; undefined when unknown. */
export function syncWaveOf(apiVersion: string, kind: string, overrides: Readonly<Record<string, number>> = {}): number | undefined {
  const key = kindKey(apiVersion, kind);
  return key in overrides ? overrides[key] : DEFAULT_SYNC_WAVES[key];
}
