/**
 * The sync wave of every kind cdk8s-ml orders (src/gitops/sync-wave.ts), spelled out: the
 * namespace and what admits pods first (-2), what pods reference next (-1), workloads and their
 * autoscalers last (0).
 */
import { DEFAULT_SYNC_WAVES, SYNC_WAVE_ANNOTATION, SyncWave, kindKey, syncWaveOf } from '../../src/gitops/sync-wave';

const PLATFORM: [string, string][] = [
  ['v1', 'Namespace'], ['v1', 'ResourceQuota'], ['v1', 'LimitRange'], ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
  ['scheduling.k8s.io/v1', 'PriorityClass'], ['kueue.x-k8s.io/v1beta1', 'ResourceFlavor'], ['kueue.x-k8s.io/v1beta1', 'ClusterQueue'],
  ['kueue.x-k8s.io/v1beta1', 'LocalQueue'], ['kueue.x-k8s.io/v1beta1', 'WorkloadPriorityClass'],
];
const CONFIG: [string, string][] = [
  ['v1', 'ServiceAccount'], ['rbac.authorization.k8s.io/v1', 'Role'], ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'], ['v1', 'ConfigMap'], ['v1', 'Secret'],
  ['external-secrets.io/v1beta1', 'ExternalSecret'], ['v1', 'PersistentVolumeClaim'], ['v1', 'Service'], ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['keda.sh/v1alpha1', 'TriggerAuthentication'], ['networking.k8s.io/v1', 'Ingress'], ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ['monitoring.coreos.com/v1', 'ServiceMonitor'], ['monitoring.coreos.com/v1', 'PodMonitor'], ['scheduling.x-k8s.io/v1alpha1', 'PodGroup'],
  ['scheduling.volcano.sh/v1beta1', 'PodGroup'],
];
const WORKLOAD: [string, string][] = [
  ['v1', 'Pod'], ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'],
  ['jobset.x-k8s.io/v1alpha2', 'JobSet'], ['trainer.kubeflow.org/v1alpha1', 'TrainJob'], ['kubeflow.org/v1', 'PyTorchJob'], ['kubeflow.org/v2beta1', 'MPIJob'],
  ['kubeflow.org/v1', 'TFJob'], ['serving.kserve.io/v1beta1', 'InferenceService'], ['leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet'],
  ['argoproj.io/v1alpha1', 'Workflow'], ['argoproj.io/v1alpha1', 'CronWorkflow'],
  // Autoscalers with the workload they scale: an HPA applied before its Deployment reports
  // FailedGetScale, Argo CD calls it Degraded and the wave fails (found by the real Argo CD e2e).
  ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['keda.sh/v1alpha1', 'ScaledObject'],
];

test('the annotation and the wave numbers', () => {
  expect(SYNC_WAVE_ANNOTATION).toBe('argocd.argoproj.io/sync-wave');
  expect([SyncWave.PLATFORM, SyncWave.CONFIG, SyncWave.WORKLOAD]).toEqual([-2, -1, 0]);
});

test('every listed kind has its wave, and nothing else is listed', () => {
  const expected = [...PLATFORM.map(([a, k]) => [a, k, -2]), ...CONFIG.map(([a, k]) => [a, k, -1]), ...WORKLOAD.map(([a, k]) => [a, k, 0])];
  expect(expected.map(([a, k]) => [a, k, syncWaveOf(a as string, k as string)])).toEqual(expected);
  expect(Object.keys(DEFAULT_SYNC_WAVES)).toHaveLength(expected.length);
  expect(Object.isFrozen(DEFAULT_SYNC_WAVES)).toBe(true);
});

test('kindKey: Kind alone for the core group, group/Kind otherwise', () => {
  expect(kindKey('v1', 'Pod')).toBe('Pod');
  expect(kindKey('apps/v1', 'Deployment')).toBe('apps/Deployment');
  expect(kindKey('a.b/c/d', 'X')).toBe('a.b/X');
});

test('a kind in another group, or an unknown kind, has no wave', () => {
  expect(syncWaveOf('example.com/v1', 'Job')).toBeUndefined();
  expect(syncWaveOf('apps/v1', 'Namespace')).toBeUndefined();
  expect(syncWaveOf('v1', 'Widget')).toBeUndefined();
});

test('overrides win, also with wave 0, and add kinds', () => {
  expect(syncWaveOf('v1', 'ConfigMap', { ConfigMap: 0 })).toBe(0);
  expect(syncWaveOf('v1', 'Namespace', { 'ConfigMap': 5 })).toBe(-2);
  expect(syncWaveOf('example.com/v1', 'Widget', { 'example.com/Widget': 3 })).toBe(3);
});
