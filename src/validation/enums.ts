/**
 * Closed value sets that the Kubernetes API server enforces in its validation code but that
 * the published OpenAPI definitions do not declare as `enum`. Applied on top of the
 * definitions so that a typo such as `restartPolicy: never` is caught offline.
 * Keys: definition name (without the io.k8s.api. prefix) → property → allowed values.
 */
export const KUBERNETES_ENUM_OVERLAYS: Record<string, Record<string, readonly string[]>> = {
  'core.v1.PodSpec': {
    restartPolicy: ['Always', 'OnFailure', 'Never'],
    dnsPolicy: ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'],
    preemptionPolicy: ['PreemptLowerPriority', 'Never'],
  },
  'core.v1.Container': {
    imagePullPolicy: ['Always', 'Never', 'IfNotPresent'],
    terminationMessagePolicy: ['File', 'FallbackToLogsOnError'],
    restartPolicy: ['Always'],
  },
  'core.v1.ContainerPort': { protocol: ['TCP', 'UDP', 'SCTP'] },
  'core.v1.ServicePort': { protocol: ['TCP', 'UDP', 'SCTP'] },
  'core.v1.ServiceSpec': {
    type: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
    sessionAffinity: ['ClientIP', 'None'],
    externalTrafficPolicy: ['Cluster', 'Local'],
    internalTrafficPolicy: ['Cluster', 'Local'],
    ipFamilyPolicy: ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
  },
  'core.v1.Toleration': {
    operator: ['Exists', 'Equal'],
    effect: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  },
  'core.v1.SeccompProfile': { type: ['RuntimeDefault', 'Unconfined', 'Localhost'] },
  'core.v1.PersistentVolumeClaimSpec': { volumeMode: ['Filesystem', 'Block'] },
  'core.v1.NodeSelectorRequirement': { operator: ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] },
  'core.v1.TopologySpreadConstraint': {
    whenUnsatisfiable: ['DoNotSchedule', 'ScheduleAnyway'],
    nodeAffinityPolicy: ['Honor', 'Ignore'],
    nodeTaintsPolicy: ['Honor', 'Ignore'],
  },
  'core.v1.EmptyDirVolumeSource': { medium: ['', 'Memory', 'HugePages'] },
  'apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': { operator: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
  'batch.v1.JobSpec': { completionMode: ['NonIndexed', 'Indexed'], podReplacementPolicy: ['TerminatingOrFailed', 'Failed'] },
  'batch.v1.PodFailurePolicyRule': { action: ['FailJob', 'Ignore', 'Count', 'FailIndex'] },
  'batch.v1.PodFailurePolicyOnExitCodesRequirement': { operator: ['In', 'NotIn'] },
  'batch.v1.CronJobSpec': { concurrencyPolicy: ['Allow', 'Forbid', 'Replace'] },
  'apps.v1.DeploymentStrategy': { type: ['Recreate', 'RollingUpdate'] },
  'apps.v1.StatefulSetSpec': { podManagementPolicy: ['OrderedReady', 'Parallel'] },
  'networking.v1.HTTPIngressPath': { pathType: ['Exact', 'Prefix', 'ImplementationSpecific'] },
  'networking.v1.NetworkPolicyPort': { protocol: ['TCP', 'UDP', 'SCTP'] },
  'policy.v1.PodDisruptionBudgetSpec': { unhealthyPodEvictionPolicy: ['IfHealthyBudget', 'AlwaysAllow'] },
  'autoscaling.v2.MetricSpec': { type: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] },
  'autoscaling.v2.MetricTarget': { type: ['AverageValue', 'Utilization', 'Value'] },
  'autoscaling.v2.HPAScalingPolicy': { type: ['Pods', 'Percent'] },
  'autoscaling.v2.HPAScalingRules': { selectPolicy: ['Max', 'Min', 'Disabled'] },
};

/** Array-valued fields whose items come from a closed set. */
export const KUBERNETES_ITEM_ENUM_OVERLAYS: Record<string, Record<string, readonly string[]>> = {
  'networking.v1.NetworkPolicySpec': { policyTypes: ['Ingress', 'Egress'] },
  'core.v1.PersistentVolumeClaimSpec': {
    accessModes: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  },
};
