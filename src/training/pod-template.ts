import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import {
  Accelerator,
  ComputeResources,
  EnvMap,
  MlPodSpecOptions,
  PodContribution,
  PodSchedulingProps,
  PodSecurityProps,
  buildMlPodSpec,
  fail,
  memoryLimitBytes,
  renderEnv,
  show,
} from '../core';
import { CheckpointVolume } from './checkpoint';
import {
  COMPLETION_INDEX_FIELD_PATH,
  Framework,
  FrameworkKind,
  FrameworkPort,
  JOB_NAME_LABEL,
  PeerAddresses,
} from './framework';

/** Name of the env var holding the pod's node rank (completion index). */
export const NODE_RANK_ENV = 'NODE_RANK';
/** Name of the env var holding the Job name in {@link RendezvousAddressing.indexedJobFromLabel} mode. */
export const JOB_NAME_ENV = 'JOB_NAME';

/**
 * How a pod finds its peers: the DNS names of the nodes and where its rank comes from.
 * Names are the short form `<host>.<subdomain>` (same namespace, resolved through the pod's
 * DNS search path).
 */
export class RendezvousAddressing {
  /**
   * Pods of Indexed Job `jobName` under headless Service `serviceName`: node `i` is
   * `<jobName>-<i>.<serviceName>`.
   */
  public static indexedJob(jobName: string, serviceName: string): RendezvousAddressing {
    return new RendezvousAddressing((i) => `${jobName}-${i}.${serviceName}`, [], jobName, jobName);
  }

  /**
   * Pods of an Indexed Job whose name is not known at synth time (a CronJob's Jobs): the
   * name is read from the pod's `batch.kubernetes.io/job-name` label into `JOB_NAME` through
   * the downward API, and addresses use dependent env expansion: `$(JOB_NAME)-<i>.<service>`.
   * Objects outside the pod (the MPI hostfile) cannot use this mode.
   */
  public static indexedJobFromLabel(serviceName: string): RendezvousAddressing {
    return new RendezvousAddressing(
      (i) => `$(${JOB_NAME_ENV})-${i}.${serviceName}`,
      [{ name: JOB_NAME_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } }],
      `$(${JOB_NAME_ENV})`,
      undefined,
    );
  }

  /**
   * Pods of JobSet `jobSetName`, replicated job `replicatedJob` (one replica), under the
   * JobSet's subdomain: node `i` is `<jobSet>-<rjob>-0-<i>.<subdomain>`.
   */
  public static jobSet(jobSetName: string, replicatedJob: string, subdomain: string = jobSetName): RendezvousAddressing {
    return new RendezvousAddressing((i) => `${jobSetName}-${replicatedJob}-0-${i}.${subdomain}`, [], jobSetName, `${jobSetName}-${replicatedJob}-0`);
  }

  private constructor(
    /** DNS name of node `i`. */
    public readonly host: (index: number) => string,
    /** Env that must come first. */
    public readonly prefixEnv: k8s.EnvVar[],
    /** Rendezvous id. */
    public readonly rendezvousId: string,
    /** Static hostname prefix (`<prefix>-<i>` is the pod hostname), when known. */
    public readonly hostnamePrefix: string | undefined,
  ) {}

  /** True when the Job name is only known at run time. */
  public get dynamic(): boolean {
    return this.hostnamePrefix === undefined;
  }
}

/**
 * The trainer of a multi-node run: image, command and what each node gets. Shared by
 * {@link DistributedTrainingJobProps} and {@link TrainingPodTemplateOptions}.
 */
export interface DistributedTrainerProps {
  /** Trainer image, pinned to a tag or digest. */
  readonly image: string;
  /**
   * Command of the trainer. With `Framework.pytorch` it is wrapped in torchrun unless the
   * framework says `torchrun: false`.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /** Arguments. @default - none */
  readonly args?: string[];
  /** Extra env of the trainer (secrets by reference). @default - none */
  readonly env?: EnvMap;
  /** Number of nodes (pods). */
  readonly nodes: number;
  /** Processes per node. @default - the accelerator count, 1 without accelerators */
  readonly procsPerNode?: number;
  /** GPUs per node. @default - CPU only */
  readonly accelerator?: Accelerator;
  /** CPU and memory per node. */
  readonly resources: ComputeResources;
  /** Checkpoint volume (read-write, `CHECKPOINT_DIR`). @default - none */
  readonly checkpoints?: CheckpointVolume;
  /** `/dev/shm` size. @default - a quarter of the memory limit, between 1 GiB and 64 GiB */
  readonly shmSize?: Size;
  /** Trainer exit codes that fail the job without retries. @default - none */
  readonly nonRetryableExitCodes?: number[];
}

/** Inputs of {@link buildTrainingPodTemplate}. */
export interface TrainingPodTemplateOptions
  extends DistributedTrainerProps,
    PodSchedulingProps,
    PodSecurityProps,
    Pick<MlPodSpecOptions, 'schedulerName' | 'terminationGracePeriodSeconds'> {
  /** Framework (rendezvous env, ports, launcher). */
  readonly framework: Framework;
  /**
   * Peer addressing used for the rendezvous env; `undefined` when an operator injects it.
   * @default - no rendezvous env (only `NODE_RANK` is omitted too)
   */
  readonly addressing?: RendezvousAddressing;
  /** Contributions of datasets (from `contributeTo`). @default - none */
  readonly contributions?: PodContribution[];
  /** ConfigMap holding `config.json`, mounted read-only; path exported as `TRAINING_CONFIG`. @default - none */
  readonly configMapName?: string;
  /** Directory the config is mounted at. @default '/etc/training' */
  readonly configMountPath?: string;
  /** ConfigMap holding the MPI `hostfile` (MPI only). @default - none */
  readonly hostfileConfigMapName?: string;
  /** Pod labels. @default - none */
  readonly labels?: Record<string, string>;
  /** Pod annotations. @default - none */
  readonly annotations?: Record<string, string>;
  /** Pod subdomain (the headless Service). @default - none */
  readonly subdomain?: string;
  /** Trainer container name. @default 'trainer' */
  readonly containerName?: string;
  /** Pod restart policy. @default 'Never' */
  readonly restartPolicy?: string;
  /**
   * One pod per node: a required pod anti-affinity on `kubernetes.io/hostname` against pods
   * carrying these labels.
   * @default - no anti-affinity
   */
  readonly onePodPerNode?: Record<string, string>;
  /**
   * One checkpoint folder per run (a CronJob's Jobs): `subPathExpr: <subPath or base>/$(<env>)`.
   * @default - a fixed checkpoint subPath
   */
  readonly checkpointsPerRun?: { readonly env: string; readonly base: string };
  /** Namespace of the workload (references must live there). @default - the chart's */
  readonly namespace?: string;
  /** Ignore pod failures caused by disruptions (preemption, drain). @default true */
  readonly ignoreDisruptions?: boolean;
}

/** Output of {@link buildTrainingPodTemplate}. */
export interface TrainingPodTemplate {
  /** The pod template (restricted Pod Security, GPUs, mounts, rendezvous env). */
  readonly template: k8s.PodTemplateSpec;
  /** Failure policy matching the pod: ignore disruptions, fail on permanent exit codes. */
  readonly podFailurePolicy: k8s.PodFailurePolicy;
  /** Trainer container name. */
  readonly containerName: string;
  /** Ports the nodes use among themselves. */
  readonly ports: FrameworkPort[];
  /** Processes per node (resolved). */
  readonly procsPerNode: number;
  /** MPI hostfile text (MPI with static addressing). */
  readonly hostfile?: string;
}

const MAX_POD_FAILURE_RULES = 20;
const RESERVED_ENV = new Set([NODE_RANK_ENV, JOB_NAME_ENV, 'TRAINING_CONFIG', 'CHECKPOINT_DIR']);

/** Validates `nodes` (a positive integer). */
export function validateNodes(scope: IConstruct, nodes: number): number {
  if (!Number.isInteger(nodes) || nodes < 1) fail(scope, `nodes must be a positive integer, got ${show(nodes)}`);
  return nodes;
}

/** Resolves and validates processes per node against the accelerator. */
export function resolveProcsPerNode(scope: IConstruct, procsPerNode: number | undefined, accelerator: Accelerator | undefined): number {
  accelerator?.validate(scope);
  const gpus = accelerator?.count;
  const procs = procsPerNode ?? gpus ?? 1;
  if (!Number.isInteger(procs) || procs < 1) fail(scope, `procsPerNode must be a positive integer, got ${show(procs)}`);
  // gpus ≥ 1 (validated above), so procs > gpus leaves a remainder too; without procsPerNode, procs = gpus
  if (gpus !== undefined && gpus % procs !== 0) {
    fail(scope, `procsPerNode (${procs}) must divide the ${gpus} accelerators per node (one or more whole devices per process)`);
  }
  return procs;
}

function validateExitCodes(scope: IConstruct, what: string, codes: readonly number[]): number[] {
  if (codes.length > 255) fail(scope, `${what}: at most 255 exit codes, got ${codes.length}`);
  for (const c of codes) {
    if (!Number.isInteger(c) || c < 1 || c > 255) fail(scope, `${what} must be integers 1..255, got ${show(c)}`);
  }
  return Array.from(new Set(codes)).sort((a, b) => a - b);
}

function defaultShm(resources: ComputeResources): Size {
  const bytes = memoryLimitBytes(resources) ?? 0;
  const gib = Math.min(64, Math.max(1, Math.floor(bytes / 4 / 2 ** 30)));
  return Size.gibibytes(gib);
}

/**
 * Builds the pod template and podFailurePolicy of one training node, shared by every
 * backend and reusable by other constructs (e.g. a CronJob wrapping an Indexed Job).
 *
 * Contract:
 * - every pod goes through `buildMlPodSpec` (restricted Pod Security, GPUs, /dev/shm);
 * - with `addressing`, the trainer env starts with `JOB_NAME` (label mode only) and
 *   `NODE_RANK` (the `batch.kubernetes.io/job-completion-index` annotation through the
 *   downward API), followed by the framework's rendezvous env, which may reference them
 *   with `$(VAR)` dependent expansion; ranks are never computed at synth time;
 * - then `TRAINING_CONFIG`, `CHECKPOINT_DIR`, the datasets' env and the user env (user
 *   env must not redefine any of these);
 * - the podFailurePolicy ignores `DisruptionTarget` pod conditions and fails the job on the
 *   datasets' permanent exit codes (one rule per init container, `containerName`-scoped)
 *   and on `nonRetryableExitCodes` of the trainer container.
 * The caller renders the ConfigMaps named here, the headless Service (the `subdomain`) and
 * chooses the Job-level fields (see {@link renderIndexedJobSpec}).
 */
export function buildTrainingPodTemplate(scope: IConstruct, options: TrainingPodTemplateOptions): TrainingPodTemplate {
  const nodes = validateNodes(scope, options.nodes);
  const framework = options.framework;
  const procs = resolveProcsPerNode(scope, options.procsPerNode, options.accelerator);
  framework.validate(scope, nodes, procs, options.procsPerNode !== undefined);
  const containerName = options.containerName ?? 'trainer';
  const contributions = options.contributions ?? [];

  const env: k8s.EnvVar[] = [];
  let hostfile: string | undefined;
  const addressing = options.addressing;
  if (addressing) {
    const rankSource: k8s.EnvVarSource = { fieldRef: { apiVersion: 'v1', fieldPath: COMPLETION_INDEX_FIELD_PATH } };
    const peers: PeerAddresses = {
      nodes,
      procsPerNode: framework.processesPerNode(procs),
      host: addressing.host,
      baseEnv: [...addressing.prefixEnv, { name: NODE_RANK_ENV, valueFrom: rankSource }],
      rankSource,
      rendezvousId: addressing.rendezvousId,
    };
    env.push(...peers.baseEnv, ...framework.env(scope, peers));
    if (framework.kind === FrameworkKind.MPI) {
      if (addressing.dynamic) fail(scope, 'Framework.mpi needs static Job names (the hostfile is a ConfigMap); it cannot be used when the Job name is read from its label');
      hostfile = framework.hostfile(peers);
    }
  }

  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  if (options.configMapName) {
    const dir = options.configMountPath ?? '/etc/training';
    if (!dir.startsWith('/') || dir === '/') fail(scope, `configMountPath must be an absolute path other than "/", got ${show(dir)}`);
    volumes.push({ name: 'training-config', configMap: { name: options.configMapName } });
    mounts.push({ name: 'training-config', mountPath: dir, readOnly: true });
    env.push({ name: 'TRAINING_CONFIG', value: `${dir}/config.json` });
  }
  if (options.checkpoints) {
    if (!(options.checkpoints instanceof CheckpointVolume)) fail(scope, `checkpoints must be a CheckpointVolume (CheckpointVolume.claim(...)), got ${show(options.checkpoints)}`);
    const bound = options.checkpoints.bind(scope, {
      pods: nodes,
      spread: `the job runs ${nodes} pods${options.onePodPerNode ? ', one per node' : ' that may land on different nodes'}`,
      perRunEnv: options.checkpointsPerRun?.env,
      runBase: options.checkpointsPerRun?.base,
      namespace: options.namespace,
    });
    volumes.push(bound.volume);
    mounts.push(bound.mount);
    env.push({ name: 'CHECKPOINT_DIR', value: bound.mount.mountPath });
  }
  if (hostfile !== undefined) {
    if (!options.hostfileConfigMapName) fail(scope, 'Framework.mpi needs a hostfile ConfigMap name');
    volumes.push({ name: 'mpi-hostfile', configMap: { name: options.hostfileConfigMapName } });
    mounts.push({ name: 'mpi-hostfile', mountPath: framework.hostfileDir, readOnly: true });
  }
  const initContainers: k8s.Container[] = [];
  for (const c of contributions) {
    initContainers.push(...c.initContainers);
    volumes.push(...c.volumes);
    mounts.push(...c.volumeMounts);
    for (const e of c.env) {
      if (env.some((x) => x.name === e.name)) fail(scope, `dataset env ${e.name} collides with another env var of the trainer`);
      env.push(e);
    }
  }
  for (const e of renderEnv(scope, 'env', options.env)) {
    if (RESERVED_ENV.has(e.name) || env.some((x) => x.name === e.name)) fail(scope, `env ${e.name} is set by the training job; choose another name`);
    env.push(e);
  }
  const names = new Set<string>([containerName]);
  for (const c of initContainers) {
    if (names.has(c.name)) fail(scope, `duplicate container name ${show(c.name)}`);
    names.add(c.name);
  }

  const ports: k8s.ContainerPort[] = framework.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));
  const spec = buildMlPodSpec(scope, {
    containers: [
      {
        name: containerName,
        image: options.image,
        command: framework.launchCommand(scope, options.command),
        args: options.args,
        env,
        resources: options.resources,
        accelerator: options.accelerator,
        ports,
        volumeMounts: mounts,
      },
    ],
    initContainers,
    volumes,
    shmSize: options.shmSize ?? defaultShm(options.resources),
    security: options.security,
    writableDirs: options.writableDirs,
    restartPolicy: options.restartPolicy ?? 'Never',
    subdomain: options.subdomain,
    schedulerName: options.schedulerName,
    priorityClass: options.priorityClass,
    nodeSelector: options.nodeSelector,
    tolerations: options.tolerations,
    serviceAccountName: options.serviceAccountName,
    terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
    affinity: options.onePodPerNode
      ? {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: options.onePodPerNode } },
          ],
        },
      }
      : undefined,
  });

  const rules: k8s.PodFailurePolicyRule[] = [];
  if (options.ignoreDisruptions !== false) {
    rules.push({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
  }
  for (const c of contributions) {
    const codes = validateExitCodes(scope, 'dataset permanentExitCodes', c.permanentExitCodes);
    if (codes.length === 0) continue;
    for (const name of c.containerNames) {
      rules.push({ action: 'FailJob', onExitCodes: { containerName: name, operator: 'In', values: codes } } as k8s.PodFailurePolicyRule);
    }
  }
  const userCodes = validateExitCodes(scope, 'nonRetryableExitCodes', options.nonRetryableExitCodes ?? []);
  if (userCodes.length > 0) rules.push({ action: 'FailJob', onExitCodes: { containerName, operator: 'In', values: userCodes } } as k8s.PodFailurePolicyRule);
  if (rules.length > MAX_POD_FAILURE_RULES) {
    fail(scope, `the podFailurePolicy would need ${rules.length} rules (one per dataset init container), over the Kubernetes limit of ${MAX_POD_FAILURE_RULES}`);
  }

  const labels = options.labels && Object.keys(options.labels).length > 0 ? options.labels : undefined;
  const annotations = options.annotations && Object.keys(options.annotations).length > 0 ? options.annotations : undefined;
  return {
    template: { metadata: { labels, annotations }, spec },
    podFailurePolicy: { rules },
    containerName,
    ports: framework.ports,
    procsPerNode: framework.processesPerNode(procs),
    hostfile,
  };
}

/** Inputs of {@link renderIndexedJobSpec}. */
export interface IndexedJobSpecOptions {
  /** The node pod template (from {@link buildTrainingPodTemplate}). */
  readonly pod: TrainingPodTemplate;
  /** Number of nodes = completions = parallelism. */
  readonly nodes: number;
  /**
   * Restarts of the whole gang the job may spend: `backoffLimit = maxRestarts × nodes`
   * (one failure usually fails every node once, since collectives abort on all ranks).
   * Failures from disruptions do not count.
   * @default 3
   */
  readonly maxRestarts?: number;
  /** Wall-clock limit (`activeDeadlineSeconds`). @default - none */
  readonly deadline?: Duration;
  /** Create the Job suspended (Kueue admits it). @default false */
  readonly suspend?: boolean;
  /**
   * Per-index retries (`backoffLimitPerIndex`, Kubernetes ≥ 1.29); replaces `backoffLimit`.
   * @default - a job-wide backoffLimit
   */
  readonly backoffLimitPerIndex?: number;
}

/** Validates `maxRestarts` (an integer ≥ 0). */
export function validateMaxRestarts(scope: IConstruct, maxRestarts: number | undefined): number {
  const value = maxRestarts ?? 3;
  if (!Number.isInteger(value) || value < 0) fail(scope, `maxRestarts must be an integer ≥ 0, got ${show(value)}`);
  return value;
}

/** Validates a deadline and returns whole seconds. */
export function deadlineSeconds(scope: IConstruct, deadline: Duration | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  const s = deadline.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < 1) fail(scope, `deadline must be a whole number of seconds ≥ 1, got ${show(s)} s`);
  return s;
}

/**
 * Renders the spec of an Indexed Job running `nodes` pods of `pod`: `completionMode:
 * Indexed`, `completions = parallelism = nodes`, the pod's podFailurePolicy, `backoffLimit`
 * from `maxRestarts`, `activeDeadlineSeconds` from `deadline`, never
 * `ttlSecondsAfterFinished` (Argo CD would re-create a deleted Job). Version gating of
 * `backoffLimitPerIndex` is the caller's (use `requireKubernetesVersion`).
 */
export function renderIndexedJobSpec(scope: IConstruct, options: IndexedJobSpecOptions): k8s.JobSpec {
  const nodes = validateNodes(scope, options.nodes);
  const restarts = validateMaxRestarts(scope, options.maxRestarts);
  const perIndex = options.backoffLimitPerIndex;
  if (perIndex !== undefined && (!Number.isInteger(perIndex) || perIndex < 0)) fail(scope, `backoffLimitPerIndex must be an integer ≥ 0, got ${show(perIndex)}`);
  return {
    completionMode: 'Indexed',
    completions: nodes,
    parallelism: nodes,
    backoffLimit: perIndex === undefined ? restarts * nodes : undefined,
    backoffLimitPerIndex: perIndex,
    activeDeadlineSeconds: deadlineSeconds(scope, options.deadline),
    podFailurePolicy: options.pod.podFailurePolicy.rules.length > 0 ? options.pod.podFailurePolicy : undefined,
    suspend: options.suspend ? true : undefined,
    template: options.pod.template,
  };
}
