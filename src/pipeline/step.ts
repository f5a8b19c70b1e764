import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { IPodContributor, mergeContributions } from '../core/attach';
import { EnvMap, renderEnv } from '../core/env';
import { fail, show } from '../core/errors';
import { Accelerator, ComputeResources, sizeToQuantity } from '../core/resources';
import { PodSecurityOptions } from '../core/security';
import { buildMlPodSpec, MlContainerOptions, PodSchedulingProps, PodSecurityProps } from '../core/pod';
import { ArgoRetryStrategy, ArgoTemplate, KubeJson } from './argo-types';
import { WORKSPACE_VOLUME, WorkspaceRendering } from './workspace';

/** Names of the env vars every step gets. */
export const PipelineEnv = {
  /** The run's workspace directory (shared by all steps of one run, private to the run). */
  WORKSPACE: 'PIPELINE_WORKSPACE',
  /** The run's id (the Workflow name). */
  RUN: 'PIPELINE_RUN',
  /** This step's name. */
  STEP: 'PIPELINE_STEP',
  /** This step's private scratch directory (an emptyDir, gone when the pod ends). */
  SCRATCH: 'PIPELINE_SCRATCH',
  /** The item of a fan-out step (`withItems`). */
  ITEM: 'PIPELINE_ITEM',
} as const;

/** Mount path of the per-step scratch emptyDir. */
export const SCRATCH_PATH = '/scratch';
/** Argo names the main container of every step `main`; these names are Argo's own. */
const ARGO_CONTAINER_NAMES = ['main', 'init', 'wait'];

/** When a failed step is tried again. */
export interface StepRetry {
  /**
   * Retries after the first attempt (0 disables retries).
   * @default 2
   */
  readonly limit?: number;
  /**
   * Exit codes of the main container worth a retry (e.g. 143 when spot nodes are reclaimed
   * with SIGTERM, or your code's "transient error" code). Infrastructure errors (pod deleted,
   * node lost: Argo status `Error`) are always retried; other failures never are, so a bug
   * does not burn GPU hours three times.
   * @default - none: only infrastructure errors are retried
   */
  readonly exitCodes?: number[];
  /**
   * Wait before the first retry.
   * @default Duration.seconds(30)
   */
  readonly backoff?: Duration;
  /**
   * Multiplier of the wait for each further retry.
   * @default 2
   */
  readonly backoffFactor?: number;
  /**
   * No retry starts later than this after the step first started (Argo `backoff.maxDuration`).
   * @default - no limit
   */
  readonly maxDuration?: Duration;
}

/** A reference to a step: the step itself or its name. */
export type StepRef = PipelineStep | string;

/** Options shared by every kind of step. */
export interface StepBaseOptions {
  /**
   * Steps that must succeed before this one starts. Steps without a dependency between them
   * run in parallel (fan-out); a step depending on several runs after all of them (fan-in).
   * @default - none: the step starts when the run starts
   */
  readonly dependsOn?: StepRef[];
  /**
   * Deadline of the step (Argo `activeDeadlineSeconds` of its template).
   * @default - none (bounded by the pipeline's timeout)
   */
  readonly timeout?: Duration;
}

/** Options of a container step ({@link TrainingPipeline.addStep}). */
export interface ContainerStepOptions
  extends StepBaseOptions, PodSchedulingProps, Pick<PodSecurityProps, 'writableDirs'>, Pick<MlContainerOptions, 'workingDir'> {
  /** Image, pinned to a tag or digest. */
  readonly image: string;
  /**
   * Entrypoint. Required: Argo's emissary executor otherwise looks the image's entrypoint
   * up in the registry at run time.
   */
  readonly command: string[];
  /** @default - none */
  readonly args?: string[];
  /** Env vars (credentials only through `EnvSource.fromSecret`). @default - none */
  readonly env?: EnvMap;
  /**
   * CPU and memory of the main container.
   * @default - { cpu: '1', memory: '2Gi' }
   */
  readonly resources?: ComputeResources;
  /** GPUs (limits + toleration + node selector). @default - none */
  readonly accelerator?: Accelerator;
  /**
   * External inputs (e.g. `DatasetInit`): their init containers, volumes, read-only mounts
   * and env are added to this step's pod.
   * @default - none
   */
  readonly inputs?: IPodContributor[];
  /**
   * Fan-out: one pod per item, each with `PIPELINE_ITEM` set to its item; steps depending on
   * this one wait for all items.
   * @default - a single pod
   */
  readonly withItems?: string[];
  /**
   * Retries.
   * @default - 2 retries of infrastructure errors, 30 s backoff doubling each time
   */
  readonly retry?: StepRetry;
  /**
   * Size limit of the step's private scratch emptyDir at `/scratch`.
   * @default Size.gibibytes(20)
   */
  readonly scratchSize?: Size;
  /** Memory-backed /dev/shm (PyTorch DataLoader workers, NCCL). @default - runtime default 64 MiB */
  readonly shmSize?: Size;
}

/** What a Job-step builder gets: the per-run Job name and the run's workspace. */
export interface JobStepContext {
  /** Name for the Job, unique per run: `{{workflow.name}}-<step>` (Argo substitutes it). */
  readonly jobName: string;
  /** Namespace of the pipeline, if the chart has one. */
  readonly namespace?: string;
  /** The workspace volume, to add to the Job's pod spec. */
  readonly workspaceVolume: k8s.Volume;
  /** The mount of the run's workspace directory, for the Job's containers. */
  readonly workspaceMount: k8s.VolumeMount;
  /** `PIPELINE_*` env for the Job's containers. */
  readonly env: k8s.EnvVar[];
  /** Labels to put on the Job and its pod template. */
  readonly labels: Record<string, string>;
}

/** The objects a Job step creates at run time. */
export interface JobStepManifests {
  /** The `batch/v1` Job; the step succeeds when it completes and fails when it fails. */
  readonly job: Record<string, any>;
  /** Objects created (in order) before the Job, e.g. its headless Service. @default - none */
  readonly companions?: Array<Record<string, any>>;
}

/** Options of a Job step ({@link TrainingPipeline.addJobStep}). */
export interface JobStepOptions extends StepBaseOptions {
  /**
   * Builds the Job (and companions) for a run. Use a builder such as the Indexed-Job
   * builder of DistributedTrainingJob; give the Job its own backoffLimit/podFailurePolicy:
   * the Job, not Argo, retries its pods.
   */
  readonly job: (context: JobStepContext) => JobStepManifests;
}

/** Everything a step needs from its pipeline to render. */
export interface StepRenderContext {
  readonly workspace: WorkspaceRendering;
  readonly security?: PodSecurityOptions;
  readonly labels: Record<string, string>;
  readonly namespace?: string;
}

/** A rendered step: its templates and DAG tasks (a Job step has one task per object). */
export interface RenderedStep {
  readonly templates: ArgoTemplate[];
  readonly tasks: Array<{ name: string; template: string; after: string[]; withItems?: string[] }>;
  /** Pod security context computed by buildMlPodSpec (the pipeline sets it at workflow level). */
  readonly podSecurityContext?: KubeJson;
  /** Kinds (apiVersion + kind) the step creates at run time. */
  readonly createdKinds: Array<{ apiVersion: string; kind: string }>;
}

/**
 * A step of a {@link TrainingPipeline}: one Argo template and DAG task. Create steps with
 * `pipeline.addStep(...)` or `pipeline.addJobStep(...)`.
 */
export class PipelineStep extends Construct {
  /** The step's name (DAG task and template name). */
  public readonly name: string;
  private readonly deps: StepRef[] = [];

  /** @internal */
  constructor(
    scope: Construct,
    name: string,
    /** @internal */ public readonly _options: ({ kind: 'container' } & ContainerStepOptions) | ({ kind: 'job' } & JobStepOptions),
  ) {
    super(scope, name);
    this.name = name;
    this.deps.push(...(_options.dependsOn ?? []));
  }

  /** Makes this step wait for `steps` (names or steps of the same pipeline). */
  public addDependency(...steps: StepRef[]): void {
    this.deps.push(...steps);
  }

  /** The declared dependencies, as given. @internal */
  public get _dependencies(): readonly StepRef[] {
    return this.deps;
  }

  /** @internal */
  public _render(ctx: StepRenderContext, after: string[]): RenderedStep {
    const o = this._options;
    if (o.timeout !== undefined) durationSeconds(this, 'timeout', o.timeout);
    return o.kind === 'container' ? this.renderContainer(o, ctx, after) : this.renderJob(o, ctx, after);
  }

  private stepEnv(ctx: StepRenderContext): k8s.EnvVar[] {
    return [
      { name: PipelineEnv.RUN, value: '{{workflow.name}}' },
      { name: PipelineEnv.STEP, value: this.name },
      { name: PipelineEnv.WORKSPACE, value: ctx.workspace.mountPath },
    ];
  }

  private renderContainer(o: ContainerStepOptions, ctx: StepRenderContext, after: string[]): RenderedStep {
    if (!Array.isArray(o.command) || o.command.length === 0) {
      fail(this, `command must be a non-empty array (Argo's emissary executor needs it), got ${show(o.command)}`);
    }
    const items = o.withItems;
    if (items !== undefined) {
      if (!Array.isArray(items) || items.length === 0) fail(this, `withItems must be a non-empty array of strings, got ${show(items)}`);
      const seen = new Set<string>();
      for (const item of items) {
        if (typeof item !== 'string' || item === '') fail(this, `withItems entries must be non-empty strings, got ${show(item)}`);
        if (seen.has(item)) fail(this, `withItems has the duplicate item ${show(item)}`);
        seen.add(item);
      }
    }
    const contribution = mergeContributions((o.inputs ?? []).map((input) => input.contributeTo(this)));
    for (const c of contribution.initContainers) {
      if (ARGO_CONTAINER_NAMES.includes(c.name)) fail(this, `input init container name ${show(c.name)} clashes with Argo's own containers (main, init, wait)`);
    }
    const userEnv = renderEnv(this, 'env', o.env);
    for (const e of userEnv) {
      if (e.name.startsWith('PIPELINE_')) fail(this, `env ${e.name} is reserved (PIPELINE_* is set by the pipeline)`);
    }
    const env = [
      ...this.stepEnv(ctx),
      { name: PipelineEnv.SCRATCH, value: SCRATCH_PATH },
      ...(items ? [{ name: PipelineEnv.ITEM, value: '{{inputs.parameters.item}}' }] : []),
      ...contribution.env,
      ...userEnv,
    ];
    const scratch: k8s.Volume = {
      name: 'scratch',
      emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeToQuantity(o.scratchSize ?? Size.gibibytes(20))) },
    };
    const pod = buildMlPodSpec(this, {
      containers: [
        {
          name: 'main',
          image: o.image,
          command: o.command,
          args: o.args,
          env,
          resources: o.resources ?? { cpu: '1', memory: '2Gi' },
          accelerator: o.accelerator,
          workingDir: o.workingDir,
          volumeMounts: [ctx.workspace.mount, { name: 'scratch', mountPath: SCRATCH_PATH }, ...contribution.volumeMounts],
        },
      ],
      initContainers: contribution.initContainers,
      volumes: [ctx.workspace.volume, scratch, ...contribution.volumes],
      shmSize: o.shmSize,
      security: ctx.security,
      writableDirs: o.writableDirs,
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      priorityClass: o.priorityClass,
    });
    const json = k8s.toJson_PodSpec(pod)!;
    const template: ArgoTemplate = {
      name: this.name,
      metadata: { labels: stepLabels(ctx.labels, this.name) },
      inputs: items ? { parameters: [{ name: 'item' }] } : undefined,
      container: json.containers[0],
      initContainers: json.initContainers,
      // The workspace volume is declared once at workflow level.
      volumes: (json.volumes as KubeJson[] | undefined)?.filter((v) => v.name !== WORKSPACE_VOLUME),
      nodeSelector: json.nodeSelector,
      tolerations: json.tolerations,
      priorityClassName: json.priorityClassName,
      retryStrategy: renderRetry(this, o.retry),
      activeDeadlineSeconds: o.timeout ? durationSeconds(this, 'timeout', o.timeout) : undefined,
    };
    return {
      templates: [template],
      tasks: [{ name: this.name, template: this.name, after, withItems: items }],
      podSecurityContext: json.securityContext,
      createdKinds: [],
    };
  }

  private renderJob(o: JobStepOptions, ctx: StepRenderContext, after: string[]): RenderedStep {
    if (typeof o.job !== 'function') fail(this, `job must be a function building the Job manifests, got ${show(o.job)}`);
    const jobName = `{{workflow.name}}-${this.name}`;
    const labels = stepLabels(ctx.labels, this.name);
    const built = o.job({
      jobName,
      namespace: ctx.namespace,
      workspaceVolume: ctx.workspace.jobVolume,
      workspaceMount: ctx.workspace.mount,
      env: this.stepEnv(ctx),
      labels,
    });
    const job = built?.job;
    if (!job || job.apiVersion !== 'batch/v1' || job.kind !== 'Job') {
      fail(this, `job must build a batch/v1 Job, got ${show(job && { apiVersion: job.apiVersion, kind: job.kind })}`);
    }
    if (job.metadata?.name !== jobName) fail(this, `the built Job must be named ${show(jobName)} (context.jobName), got ${show(job.metadata?.name)}`);
    const objects = [...(built.companions ?? []), job];
    const templates: ArgoTemplate[] = [];
    const tasks: RenderedStep['tasks'] = [];
    const usedNames = new Set<string>();
    let previous = after;
    objects.forEach((obj, i) => {
      if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !obj.metadata?.name) {
        fail(this, `companion ${i} must be a Kubernetes object with apiVersion, kind and metadata.name, got ${show(obj)}`);
      }
      const isJob = obj === job;
      let name = isJob ? this.name : `${this.name}-${obj.kind.toLowerCase()}`;
      for (let n = 2; usedNames.has(name); n++) name = `${this.name}-${obj.kind.toLowerCase()}-${n}`;
      usedNames.add(name);
      const manifest = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? ctx.namespace } };
      templates.push({
        name,
        metadata: { labels },
        resource: {
          action: 'create',
          setOwnerReference: true,
          manifest: stableYaml(manifest),
          ...(isJob ? JOB_CONDITIONS : {}),
        },
        activeDeadlineSeconds: isJob && o.timeout ? durationSeconds(this, 'timeout', o.timeout) : undefined,
      });
      tasks.push({ name, template: name, after: previous });
      previous = [name];
    });
    return {
      templates,
      tasks,
      createdKinds: objects.map((x) => ({ apiVersion: x.apiVersion, kind: x.kind })),
    };
  }
}

/**
 * Success and failure of a Job as Argo's resource templates evaluate them: label-selector
 * requirements over gjson paths of the Job object (no `>=`, no array queries). Success:
 * `status.completionTime` is set, which the Job controller does only when the Job completes.
 * Failure: a condition of type `Failed` (after e.g. `Suspended` from Kueue and
 * `FailureTarget`); failure requirements are OR-ed. `status.failed > 0` would be wrong: the
 * Job retries failed pods (backoffLimit) and may still succeed.
 */
export const JOB_CONDITIONS = {
  successCondition: 'status.completionTime',
  failureCondition: [0, 1, 2, 3].map((i) => `status.conditions.${i}.type == Failed`).join(','),
};

function stableYaml(obj: Record<string, any>): string {
  // JSON is YAML: deterministic, no quoting surprises with "{{...}}" values.
  return JSON.stringify(stripUndefined(obj), null, 2);
}

/** Plain JSON of a value built from k8s L1 types: undefined dropped, Quantity/IntOrString unwrapped. */
export function toPlainJson(value: any): any {
  return stripUndefined(value);
}

function stripUndefined(value: any): any {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value instanceof k8s.Quantity || value instanceof k8s.IntOrString) return value.value;
  if (value && typeof value === 'object') {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
    return out;
  }
  return value;
}

/** Labels of a step's pods: the pipeline's, with the step as `app.kubernetes.io/component`. */
export function stepLabels(pipelineLabels: Record<string, string>, stepName: string): Record<string, string> {
  return { ...pipelineLabels, 'app.kubernetes.io/component': stepName };
}

/** Whole seconds of a Duration, refusing zero, negatives and fractions. */
export function durationSeconds(scope: IConstruct, what: string, d: Duration): number {
  const s = d.toSeconds();
  if (!Number.isInteger(s) || s < 1) fail(scope, `${what} must be a whole number of seconds ≥ 1, got ${show(s)} s`);
  return s;
}

/** Renders a StepRetry as an Argo retryStrategy (undefined when retries are off). */
export function renderRetry(scope: IConstruct, retry: StepRetry = {}): ArgoRetryStrategy | undefined {
  const limit = retry.limit ?? 2;
  if (!Number.isInteger(limit) || limit < 0) fail(scope, `retry.limit must be a non-negative integer, got ${show(limit)}`);
  if (limit === 0) return undefined;
  const factor = retry.backoffFactor ?? 2;
  if (!Number.isInteger(factor) || factor < 1) fail(scope, `retry.backoffFactor must be a positive integer, got ${show(factor)}`);
  const codes = retry.exitCodes ?? [];
  for (const c of codes) {
    if (!Number.isInteger(c) || c < 1 || c > 255) fail(scope, `retry.exitCodes must be integers 1-255, got ${show(c)}`);
  }
  const sorted = Array.from(new Set(codes)).sort((a, b) => a - b);
  const expression = sorted.length > 0
    ? `lastRetry.status == "Error" || asInt(lastRetry.exitCode) in [${sorted.join(', ')}]`
    : 'lastRetry.status == "Error"';
  return {
    limit,
    retryPolicy: 'Always',
    expression,
    backoff: {
      duration: `${durationSeconds(scope, 'retry.backoff', retry.backoff ?? Duration.seconds(30))}s`,
      factor,
      maxDuration: retry.maxDuration ? `${durationSeconds(scope, 'retry.maxDuration', retry.maxDuration)}s` : undefined,
    },
  };
}
