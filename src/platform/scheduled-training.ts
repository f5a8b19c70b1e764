import { Duration, JsonPatch, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import {
  Accelerator,
  ComputeResources,
  EnvMap,
  IPodContributor,
  PodSchedulingProps,
  PodSecurityProps,
  buildMlPodSpec,
  fail,
  fitName,
  mergeContributions,
  renderEnv,
  show,
  standardLabels,
  selectorLabels,
  DNS_LABEL_MAX,
  KubernetesVersion,
  requireKubernetesVersion,
  toDnsLabel,
  validateDnsLabel,
  namespaceOf,
  NetworkFlow,
  declareFlows,
  declareUsedReferences,
  dnsFlow,
  endpointFlows,
  externalEgressRule,
  ExternalEndpoint,
  KUBE_DNS_POD_LABELS,
  KUBE_SYSTEM_NAMESPACE_LABELS,
  useContributedReferences,
  validateCronSchedule,
  validateTimeZone,
} from '../core';
import {
  DistributedTrainingJobProps,
  Framework,
  Queue,
  RendezvousAddressing,
  TrainingBackendKind,
  buildTrainingPodTemplate,
  renderIndexedJobSpec,
  renderPeerNetworkPolicy,
  renderRendezvousService,
  trainingFlows,
  validateNodes,
} from '../training';
import { AppCheck } from '../core/app-check';

/** Longest CronJob name: the controller names Jobs `<cronjob>-<scheduled minutes since epoch>` (11 more characters) and Job names must stay ≤ 63. */
export const CRONJOB_NAME_MAX = 52;
/** Env var with the name of the Job the CronJob created (from the pod's `batch.kubernetes.io/job-name` label). */
export const SCHEDULED_JOB_NAME_ENV = 'JOB_NAME';
/** Env var with the CronJob name; the scheduled time is `int(JOB_NAME[len(CRONJOB_NAME)+1:]) * 60` seconds since the epoch (UTC). */
export const CRONJOB_NAME_ENV = 'CRONJOB_NAME';
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/** A single-node training run: one pod, built with `buildMlPodSpec`. */
export interface SingleNodeTrainingOptions extends PodSchedulingProps, PodSecurityProps {
  /** Trainer image, pinned to a tag or digest. */
  readonly image: string;
  /** Entrypoint. @default - the image's */
  readonly command?: string[];
  /** Arguments. @default - none */
  readonly args?: string[];
  /** Environment (literals or `EnvSource` references; credentials only by reference). @default - none */
  readonly env?: EnvMap;
  /** CPU and memory of the trainer. */
  readonly resources: ComputeResources;
  /** GPUs. @default - none */
  readonly accelerator?: Accelerator;
  /** Size of `/dev/shm`. @default - the runtime's 64 MiB */
  readonly shmSize?: Size;
  /** Datasets (e.g. DatasetInit) that add init containers, volumes and read-only mounts. @default - none */
  readonly datasets?: IPodContributor[];
  /** Extra volumes. @default - none */
  readonly volumes?: k8s.Volume[];
  /** Extra mounts of the trainer. @default - none */
  readonly volumeMounts?: k8s.VolumeMount[];
  /**
   * Pod failures (not counting preemptions and the datasets' permanent errors) before the
   * run fails.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Wall-clock limit of one run (all retries included); keep it below the schedule period.
   * @default Duration.hours(12)
   */
  readonly activeDeadline?: Duration;
  /** Trainer container name. @default 'trainer' */
  readonly containerName?: string;
  /**
   * Hosts outside the cluster the trainer connects to (experiment tracking, package
   * mirrors). With these or with fetching datasets, a NetworkPolicy for the run's pods allows
   * exactly DNS, the datasets' fetches and these (no ingress).
   * @default - none (no NetworkPolicy unless datasets fetch)
   */
  readonly egressTo?: ExternalEndpoint[];
}

/** Everything a CronJob needs from a training template. @internal */
export interface RenderedTrainingJob {
  /** The Job spec of the CronJob's jobTemplate. */
  readonly jobSpec: k8s.JobSpec;
  /** Extra labels of the jobTemplate (e.g. the Kueue queue of a distributed job). */
  readonly jobLabels?: Record<string, string>;
  /** Network flows the pods need (declared on the CronJob). @default - DNS only */
  readonly flows?: NetworkFlow[];
}

/** Context given to a template when it renders into a ScheduledTraining. */
export interface TrainingTemplateContext {
  /** The ScheduledTraining (scope for errors and extra objects such as a headless Service). */
  readonly scope: Construct;
  /** CronJob name. */
  readonly name: string;
  /** Namespace, when set. */
  readonly namespace?: string;
  /** Labels of the pods. */
  readonly podLabels: Record<string, string>;
  /** Env every pod gets (JOB_NAME, CRONJOB_NAME). */
  readonly env: k8s.EnvVar[];
}

/** What one scheduled run trains: a single-node pod or a multi-node Indexed Job. */
export class TrainingTemplate {
  /** One pod with the cdk8s-ml pod defaults (restricted security, scratch dirs, GPU tolerations). */
  public static singleNode(options: SingleNodeTrainingOptions): TrainingTemplate {
    return new TrainingTemplate((ctx) => renderSingleNode(ctx, options));
  }

  /**
   * A multi-node run: the Indexed Job of `DistributedTrainingJob` (same props, same
   * rendezvous env contract) inside the CronJob, plus its own headless Service and peer
   * NetworkPolicy. Each run's Job name is only known at run time, so peers are addressed as
   * `$(JOB_NAME)-<i>.<cronjob>` with `JOB_NAME` read from the pod's
   * `batch.kubernetes.io/job-name` label. Only the Indexed Job backend; `Framework.mpi`
   * (static hostfile), `config`, `gang`, `name` and `successWhenLeaderSucceeds` are refused.
   */
  public static distributed(props: DistributedTrainingJobProps): TrainingTemplate {
    return new TrainingTemplate((ctx) => renderDistributed(ctx, props));
  }

  /**
   * A template from a custom renderer (how other backends plug in).
   * @internal
   */
  public static custom(render: (ctx: TrainingTemplateContext) => RenderedTrainingJob): TrainingTemplate {
    return new TrainingTemplate(render);
  }

  private constructor(
    /** @internal */
    public readonly _render: (ctx: TrainingTemplateContext) => RenderedTrainingJob,
  ) {}
}

function renderSingleNode(ctx: TrainingTemplateContext, o: SingleNodeTrainingOptions): RenderedTrainingJob {
  const scope = ctx.scope;
  const backoffLimit = o.backoffLimit ?? 2;
  if (!Number.isInteger(backoffLimit) || backoffLimit < 0) fail(scope, `job.backoffLimit must be a non-negative integer, got ${show(backoffLimit)}`);
  const deadline = deadlineSeconds(scope, o.activeDeadline ?? Duration.hours(12));
  const containerName = o.containerName ?? 'trainer';
  for (const reserved of [SCHEDULED_JOB_NAME_ENV, CRONJOB_NAME_ENV]) {
    if (o.env && reserved in o.env) fail(scope, `job.env: ${reserved} is set by ScheduledTraining`);
  }
  const contributions = (o.datasets ?? []).map((d) => d.contributeTo(scope));
  useContributedReferences(scope, contributions, 1, 'one pod', ctx.namespace ?? namespaceOf(scope));
  const data = mergeContributions(contributions);
  const spec = buildMlPodSpec(scope, {
    restartPolicy: 'Never',
    containers: [
      {
        name: containerName,
        image: o.image,
        command: o.command,
        args: o.args,
        env: [...ctx.env, ...data.env, ...renderEnv(scope, 'job.env', o.env)],
        resources: o.resources,
        accelerator: o.accelerator,
        volumeMounts: [...data.volumeMounts, ...(o.volumeMounts ?? [])],
      },
    ],
    initContainers: data.initContainers,
    volumes: [...data.volumes, ...(o.volumes ?? [])],
    shmSize: o.shmSize,
    security: o.security,
    writableDirs: o.writableDirs,
    serviceAccountName: o.serviceAccountName,
    priorityClass: o.priorityClass,
    nodeSelector: o.nodeSelector,
    tolerations: o.tolerations,
  });
  const rules: k8s.PodFailurePolicyRule[] = [
    // preemption, eviction, node drain: retry without counting against backoffLimit
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
  ];
  if (data.permanentExitCodes.length > 0) {
    for (const name of data.containerNames) {
      // onPodConditions is optional in the API (required only in the cdk8s-plus-28 typings)
      rules.push({ action: 'FailJob', onExitCodes: { containerName: name, operator: 'In', values: data.permanentExitCodes } } as k8s.PodFailurePolicyRule);
    }
  }
  if (rules.length > 20) fail(scope, `the podFailurePolicy would need ${rules.length} rules (one per dataset init container), over the Kubernetes limit of 20`);
  const flows = [dnsFlow(scope.node.path), ...(data.flows ?? []), ...endpointFlows(scope, 'job.egressTo', o.egressTo)];
  const external = externalEgressRule(flows);
  if (external) {
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
      metadata: { name: ctx.name, namespace: ctx.namespace, labels: ctx.podLabels },
      spec: {
        podSelector: { matchLabels: selectorLabels({ name: ctx.name }) },
        // Ingress listed with no rule: none allowed (no `ingress: []`, which the server drops).
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { ...KUBE_SYSTEM_NAMESPACE_LABELS } }, podSelector: { matchLabels: { ...KUBE_DNS_POD_LABELS } } }],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
          },
          external,
        ],
      },
    });
  }
  return {
    flows,
    jobSpec: {
      backoffLimit,
      activeDeadlineSeconds: deadline,
      podFailurePolicy: { rules },
      template: { metadata: { labels: ctx.podLabels }, spec },
    },
  };
}

function renderDistributed(ctx: TrainingTemplateContext, props: DistributedTrainingJobProps): RenderedTrainingJob {
  const scope = ctx.scope;
  if (props.backend !== undefined && props.backend.kind !== TrainingBackendKind.INDEXED_JOB) {
    fail(scope, `job: a scheduled distributed run supports the Indexed Job backend only, got ${show(props.backend.kind)}`);
  }
  for (const key of ['config', 'gang', 'name', 'successWhenLeaderSucceeds'] as const) {
    if (props[key] !== undefined) fail(scope, `job.${key} is not supported by ScheduledTraining (the CronJob names and owns the Jobs)`);
  }
  if (props.env && CRONJOB_NAME_ENV in props.env) fail(scope, `job.env: ${CRONJOB_NAME_ENV} is set by ScheduledTraining`);
  const nodes = validateNodes(scope, props.nodes);
  // pod hostname `<cronjob>-<minutes>-<index>` must stay a DNS label
  const max = DNS_LABEL_MAX - 9 - 1 - String(nodes - 1).length;
  if (ctx.name.length > max) fail(scope, `name ${show(ctx.name)} is too long for ${nodes} nodes: pod hostnames <cronjob>-<8-digit minutes>-<index> need a CronJob name of at most ${max} characters`);
  if (props.backoffLimitPerIndex !== undefined) requireKubernetesVersion(scope, 'backoffLimitPerIndex', KubernetesVersion.V1_29);
  const queue = props.queue ?? Queue.none();
  queue.validate(scope, ctx.namespace ?? namespaceOf(scope));
  const framework = props.framework ?? Framework.pytorch();
  const contributions = (props.datasets ?? []).map((d) => d.contributeTo(scope));
  useContributedReferences(scope, contributions, nodes, `the job runs ${nodes} pods${props.onePodPerNode === false ? ' that may land on different nodes' : ', one per node'}`, ctx.namespace ?? namespaceOf(scope));
  const labels = { ...ctx.podLabels, ...(props.labels ?? {}) };
  const selector = selectorLabels({ name: ctx.name });
  const pod = buildTrainingPodTemplate(scope, {
    image: props.image,
    command: props.command,
    args: props.args,
    env: { ...(props.env ?? {}), [CRONJOB_NAME_ENV]: ctx.name },
    nodes,
    procsPerNode: props.procsPerNode,
    accelerator: props.accelerator,
    resources: props.resources,
    framework,
    addressing: RendezvousAddressing.indexedJobFromLabel(ctx.name),
    contributions,
    checkpoints: props.checkpoints,
    // one folder per run below <subPath or the CronJob name>: nightly runs never overwrite each other
    checkpointsPerRun: { env: 'JOB_NAME', base: ctx.name },
    namespace: ctx.namespace ?? namespaceOf(scope),
    shmSize: props.shmSize,
    security: props.security,
    writableDirs: props.writableDirs,
    labels,
    annotations: queue.podAnnotations(),
    subdomain: ctx.name,
    priorityClass: props.priorityClass,
    nodeSelector: props.nodeSelector,
    tolerations: props.tolerations,
    serviceAccountName: props.serviceAccountName,
    onePodPerNode: props.onePodPerNode === false ? undefined : selector,
    nonRetryableExitCodes: props.nonRetryableExitCodes,
  });
  const jobSpec = renderIndexedJobSpec(scope, {
    pod,
    nodes,
    maxRestarts: props.maxRestarts,
    deadline: props.deadline,
    suspend: queue.isKueue,
    backoffLimitPerIndex: props.backoffLimitPerIndex,
  });
  // one run at a time (concurrencyPolicy Forbid): the CronJob's pod labels select exactly the running Job's pods
  const service = renderRendezvousService(scope, 'Service', { name: ctx.name, labels: ctx.podLabels, selector, ports: pod.ports });
  const policy = renderPeerNetworkPolicy(scope, 'NetworkPolicy', {
    name: ctx.name,
    labels: ctx.podLabels,
    podSelector: selector,
    ports: pod.ports,
    network: props.network,
    datasetFlows: contributions.flatMap((c) => c.flows ?? []),
  });
  if (ctx.namespace !== undefined) {
    for (const obj of [service, policy]) obj?.addJsonPatch(JsonPatch.add('/metadata/namespace', ctx.namespace));
  }
  const flows = trainingFlows(scope, { podSelector: selector, ports: pod.ports, nodes, network: props.network, datasetFlows: contributions.flatMap((c) => c.flows ?? []) });
  return { jobSpec, jobLabels: queue.workloadLabels(), flows };
}

function deadlineSeconds(scope: IConstruct, d: Duration): number {
  const s = d.toSeconds();
  if (!Number.isInteger(s) || s < 1) fail(scope, `job.activeDeadline must be a whole number of seconds ≥ 1, got ${show(s)}`);
  return s;
}

/** Props of {@link ScheduledTraining}. */
export interface ScheduledTrainingProps {
  /** Cron schedule (5 fields or a descriptor), e.g. `"0 2 * * *"` for 02:00 every day. */
  readonly schedule: string;
  /**
   * IANA time zone of the schedule (CronJob `timeZone`, GA in Kubernetes 1.27).
   * @default 'Etc/UTC' (never the controller's local zone, which differs between clusters)
   */
  readonly timeZone?: string;
  /** What each run trains. */
  readonly job: TrainingTemplate;
  /**
   * CronJob name (at most 52 characters).
   * @default - the construct id as a DNS label, shortened with a hash when longer
   */
  readonly name?: string;
  /** Namespace. @default - the chart's */
  readonly namespace?: string;
  /**
   * Admission queue of every run: `Queue.kueue(namespace)` with the team's `MlNamespace` (or
   * its `TeamQueue`, or `External.localQueue(name)`); Jobs are then created suspended
   * (`kueue.x-k8s.io/queue-name`) and Kueue starts them when quota is free. The LocalQueue
   * must live in the CronJob's namespace.
   * @default Queue.none()
   */
  readonly queue?: Queue;
  /**
   * A run that could not start within this delay after its scheduled time (controller
   * down, previous run still going) is skipped rather than started late.
   * @default Duration.hours(1)
   */
  readonly startingDeadline?: Duration;
  /** Finished successful Jobs kept (for logs). @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept (for debugging). @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Pause the schedule. @default false */
  readonly suspend?: boolean;
  /** `app.kubernetes.io/part-of`. @default - none */
  readonly partOf?: string;
}

/**
 * Scheduled retraining ("every day on yesterday's data"): a CronJob with
 * `concurrencyPolicy: Forbid` (a slow run is never overlapped), an explicit time zone, a
 * starting deadline and bounded history.
 *
 * The run's scheduled time: the CronJob controller names each Job
 * `<cronjob>-<scheduled time in minutes since the epoch>`, and every pod gets `JOB_NAME` (from
 * its `batch.kubernetes.io/job-name` label) and `CRONJOB_NAME`. The Job also carries the
 * `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation (RFC 3339, in `timeZone`;
 * Kubernetes 1.28+ beta on by default, GA 1.32), but that annotation is on the Job only, not
 * on its pods, so the downward API cannot read it.
 */
export class ScheduledTraining extends Construct {
  /** The CronJob name. */
  public readonly name: string;
  /** The CronJob. */
  public readonly resource: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: ScheduledTrainingProps) {
    super(scope, id);
    AppCheck.register(this);
    this.name = props.name ?? fitName(toDnsLabel(this, id), CRONJOB_NAME_MAX);
    validateDnsLabel(this, 'name', this.name, CRONJOB_NAME_MAX);
    if (props.namespace !== undefined) validateDnsLabel(this, 'namespace', props.namespace);
    const schedule = validateCronSchedule(this, props.schedule);
    const timeZone = validateTimeZone(this, props.timeZone ?? 'Etc/UTC');
    if (!(props.job instanceof TrainingTemplate)) fail(this, `job must be a TrainingTemplate (TrainingTemplate.singleNode(...)), got ${show(props.job)}`);
    const startingDeadline = props.startingDeadline ?? Duration.hours(1);
    const startingDeadlineSeconds = startingDeadline.toSeconds();
    if (!Number.isInteger(startingDeadlineSeconds) || startingDeadlineSeconds < 10) {
      // the controller checks every 10 s; below that, runs can be missed
      fail(this, `startingDeadline must be a whole number of seconds ≥ 10, got ${show(startingDeadlineSeconds)}`);
    }
    const limits = { successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3, failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3 };
    for (const [key, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 0) fail(this, `${key} must be a non-negative integer, got ${show(v)}`);
    }
    const namespace = props.namespace ?? namespaceOf(this);
    if (props.queue !== undefined && !(props.queue instanceof Queue)) fail(this, `queue must be a Queue (Queue.kueue(namespace) or Queue.none()), got ${show(props.queue)}`);
    const queue = props.queue ?? Queue.none();
    queue.validate(this, namespace);

    const labels = standardLabels({ name: this.name, component: 'training', partOf: props.partOf });
    const rendered = props.job._render({
      scope: this,
      name: this.name,
      namespace: props.namespace,
      podLabels: labels,
      env: [
        { name: CRONJOB_NAME_ENV, value: this.name },
        { name: SCHEDULED_JOB_NAME_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } },
      ],
    });
    if (queue.isKueue && rendered.jobLabels?.[QUEUE_LABEL] !== undefined) {
      fail(this, `queue is set both on ScheduledTraining (${show(queue.workloadLabels()[QUEUE_LABEL])}) and on the distributed job (${show(rendered.jobLabels[QUEUE_LABEL])})`);
    }
    const jobLabels = { ...labels, ...(rendered.jobLabels ?? {}), ...queue.workloadLabels() };
    const jobSpec: k8s.JobSpec = queue.isKueue ? { ...rendered.jobSpec, suspend: true } : rendered.jobSpec;
    this.resource = new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds,
        ...limits,
        suspend: props.suspend ?? false,
        jobTemplate: { metadata: { labels: jobLabels }, spec: jobSpec },
      },
    });
    // declarations for the whole-app check, on the CronJob's own metadata
    declareFlows(this.resource, rendered.flows ?? [dnsFlow(this.node.path)]);
    declareUsedReferences(this, this.resource);
  }
}
