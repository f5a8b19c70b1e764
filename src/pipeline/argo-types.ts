/**
 * The small subset of the Argo Workflows `argoproj.io/v1alpha1` API that TrainingPipeline
 * renders. Field names follow the Argo Workflows CRDs (checked by strict validation against
 * the vendored CRD schemas); the generated 4.6 MB bindings are deliberately not imported.
 */

/** A Kubernetes object or sub-object in its JSON form (Quantity and IntOrString already plain). */
export type KubeJson = Record<string, any>;

/** Argo Workflows API version of WorkflowTemplate and CronWorkflow. */
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** `retryStrategy.backoff`. Durations are strings ("30s", "2m"). */
export interface ArgoBackoff {
  readonly duration?: string;
  readonly factor?: number;
  readonly maxDuration?: string;
}

/** `retryStrategy` of a template. */
export interface ArgoRetryStrategy {
  readonly limit?: number;
  readonly retryPolicy?: 'Always' | 'OnFailure' | 'OnError' | 'OnTransientError';
  readonly backoff?: ArgoBackoff;
  /** An expr expression over `lastRetry.*`; false stops retrying. */
  readonly expression?: string;
}

/** A parameter of `inputs` or `arguments`. */
export interface ArgoParameter {
  readonly name: string;
  readonly value?: string;
}

/** A task of a `dag` template. */
export interface ArgoDagTask {
  readonly name: string;
  readonly template: string;
  /** Enhanced depends logic, e.g. `"prepare && tokenize"`. */
  readonly depends?: string;
  readonly arguments?: { readonly parameters?: ArgoParameter[] };
  readonly withItems?: string[];
}

/** A `resource` template: kubectl action on one manifest, then wait for conditions. */
export interface ArgoResourceTemplate {
  readonly action: 'create' | 'apply' | 'get' | 'delete' | 'replace' | 'patch';
  readonly manifest: string;
  readonly setOwnerReference?: boolean;
  /** Label-selector syntax over gjson paths; every requirement must match. */
  readonly successCondition?: string;
  /** Label-selector syntax over gjson paths; any requirement matching fails the step. */
  readonly failureCondition?: string;
}

/** One entry of `spec.templates`. */
export interface ArgoTemplate {
  readonly name: string;
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly inputs?: { readonly parameters?: ArgoParameter[] };
  readonly dag?: { readonly tasks: ArgoDagTask[]; readonly failFast?: boolean };
  readonly container?: KubeJson;
  readonly initContainers?: KubeJson[];
  readonly volumes?: KubeJson[];
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: KubeJson[];
  readonly priorityClassName?: string;
  readonly resource?: ArgoResourceTemplate;
  readonly retryStrategy?: ArgoRetryStrategy;
  readonly activeDeadlineSeconds?: number;
  readonly parallelism?: number;
}

/** The `spec` of a WorkflowTemplate (a WorkflowSpec). */
export interface ArgoWorkflowSpec {
  readonly entrypoint: string;
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly executor?: { readonly serviceAccountName: string };
  readonly securityContext?: KubeJson;
  readonly activeDeadlineSeconds?: number;
  readonly parallelism?: number;
  readonly podGC?: { readonly strategy: string; readonly deleteDelayDuration?: string };
  readonly ttlStrategy?: {
    readonly secondsAfterCompletion?: number;
    readonly secondsAfterSuccess?: number;
    readonly secondsAfterFailure?: number;
  };
  readonly workflowMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly podMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly volumes?: KubeJson[];
  readonly volumeClaimTemplates?: Array<{ readonly metadata: { readonly name: string }; readonly spec: KubeJson }>;
  readonly volumeClaimGC?: { readonly strategy: string };
  readonly templates: ArgoTemplate[];
}

/** The `spec` of a CronWorkflow. */
export interface ArgoCronWorkflowSpec {
  readonly schedules: string[];
  readonly timezone?: string;
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly startingDeadlineSeconds?: number;
  readonly successfulJobsHistoryLimit?: number;
  readonly failedJobsHistoryLimit?: number;
  readonly suspend?: boolean;
  readonly workflowMetadata?: { readonly labels?: Record<string, string> };
  readonly workflowSpec: { readonly workflowTemplateRef: { readonly name: string } };
}
