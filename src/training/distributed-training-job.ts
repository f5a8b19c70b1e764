import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  DNS_LABEL_MAX,
  IPodContributor,
  KubernetesVersion,
  PodContribution,
  PodSchedulingProps,
  PodSecurityProps,
  NotPlainJsonError,
  NetworkFlow,
  declareFlows,
  declareUsedReferences,
  useContributedReferences,
  PlainApiObject,
  JsonHole,
  L1Json,
  canonicalJson,
  fail,
  fillJsonHoles,
  l1Json,
  requireKubernetesVersion,
  selectorLabels,
  shortHash,
  show,
  stableStringify,
  standardLabels,
  toDnsLabel,
  validateLabels,
} from '../core';
import { TrainingBackend, TrainingBackendKind } from './backend';
import { Framework, FrameworkKind, FrameworkPort, JOB_NAME_LABEL } from './framework';
import { TrainingNetworkOptions, renderPeerNetworkPolicy, renderRendezvousService, trainingFlows } from './network';
import {
  DistributedTrainerProps,
  RendezvousAddressing,
  TrainingPodTemplate,
  buildTrainingPodTemplate,
  deadlineSeconds,
  renderIndexedJobSpec,
  validateMaxRestarts,
  validateNodes,
} from './pod-template';
import { Gang, Queue } from './scheduling';
import { AppCheck } from '../core/app-check';

/** JSON config value rendered into the training ConfigMap. */
export type TrainingConfigValue = string | number | boolean | null | TrainingConfigValue[] | { readonly [key: string]: TrainingConfigValue };

/** Props of {@link DistributedTrainingJob}. */
export interface DistributedTrainingJobProps extends DistributedTrainerProps, PodSchedulingProps, PodSecurityProps {
  /** Rendezvous contract. @default Framework.pytorch() */
  readonly framework?: Framework;
  /** Data sources (e.g. DatasetInit) adding init containers, volumes and env. @default - none */
  readonly datasets?: IPodContributor[];
  /**
   * Training configuration, rendered as `config.json` into a ConfigMap whose name carries a
   * hash of the content, mounted read-only; its path is in `TRAINING_CONFIG`.
   * @default - no config
   */
  readonly config?: { readonly [key: string]: TrainingConfigValue };
  /** Admission queue. @default Queue.none() */
  readonly queue?: Queue;
  /** Gang scheduling (Volcano or Coscheduling PodGroup). @default - none */
  readonly gang?: Gang;
  /**
   * Restarts of the whole gang the job may spend on failures (disruptions excluded). Indexed
   * Job and PyTorchJob: `backoffLimit = maxRestarts × nodes`; JobSet / TrainJob:
   * `failurePolicy.maxRestarts`.
   * @default 3
   */
  readonly maxRestarts?: number;
  /** Wall-clock limit (`activeDeadlineSeconds`). @default - none */
  readonly deadline?: Duration;
  /** Controller. @default TrainingBackend.indexedJob() */
  readonly backend?: TrainingBackend;
  /**
   * Base name (RFC 1035 label); the workload is `<name>-<hash of its spec>`.
   * @default - derived from the construct id
   */
  readonly name?: string;
  /** Place at most one pod per node (required pod anti-affinity on the hostname). @default true */
  readonly onePodPerNode?: boolean;
  /** NetworkPolicy options (extra egress, collective ports). @default - peers, DNS, HTTPS when datasets are attached */
  readonly network?: TrainingNetworkOptions;
  /**
   * Retries per index (`backoffLimitPerIndex`, Kubernetes ≥ 1.29; Indexed Job and JobSet).
   * @default - a job-wide backoffLimit
   */
  readonly backoffLimitPerIndex?: number;
  /**
   * Declare the job succeeded when node 0 succeeds (`successPolicy` with
   * `succeededIndexes: "0"`, Kubernetes ≥ 1.31; Indexed Job and JobSet).
   * @default false - every node must succeed
   */
  readonly successWhenLeaderSucceeds?: boolean;
  /** Extra labels on every object and pod. @default - none */
  readonly labels?: Record<string, string>;
}

const PH = 'x0jobnamex0';
const RFC1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const JOBSET_NAME_LABEL = 'jobset.sigs.k8s.io/jobset-name';
const PYTORCHJOB_NAME_LABEL = 'training.kubeflow.org/job-name';
const TRAINER_ANCESTOR_LABEL = 'trainer.kubeflow.org/trainjob-ancestor-step';
/** Port the Kubeflow Trainer torch plugin fixes for `PET_MASTER_PORT`. */
const TRAINER_TORCH_PORT = 29500;

/** A workload spec in canonical form (plain data) or as given (not plain data), and its hash text. */
interface HashedSpec<T> {
  readonly spec: T;
  readonly text: string;
  /** Replaces the name placeholder in `spec`, in place (canonical specs without it in a key). */
  readonly fill?: (name: string) => void;
}

/**
 * A spec's canonical JSON (keys sorted, empty values dropped: the form cdk8s synthesizes), the
 * text its name hash is taken of, and where the name placeholder sits in it; sorted JSON of the
 * spec as given when it is not plain data or holds the placeholder in an object key.
 */
function hashSpec<T>(spec: T): HashedSpec<T> {
  const holes: JsonHole[] = [];
  try {
    const canonical = canonicalJson(spec, { placeholder: PH, holes }) as T;
    return { spec: canonical, text: JSON.stringify(canonical), fill: (name) => fillJsonHoles(holes, PH, name) };
  } catch (e) {
    // Stryker disable next-line ConditionalExpression: canonicalJson throws nothing else on data it can walk; on a cycle or a throwing getter, stableStringify below throws too
    if (!(e instanceof NotPlainJsonError)) throw e;
    return { spec, text: stableStringify(spec) };
  }
}

/** {@link hashSpec} of an {@link l1Json} result (converted with the placeholder). */
function hashL1(l1: L1Json): HashedSpec<unknown> {
  return l1.fill ? { spec: l1.json, text: JSON.stringify(l1.json), fill: l1.fill } : hashSpec(l1.json);
}

/** A Job spec with the fields newer than the 1.28 L1 types (their converter would drop them). */
type JobSpecJson = k8s.JobSpec & { readonly successPolicy?: { readonly rules: ReadonlyArray<{ readonly succeededIndexes: string }> } };

/** `k8s.toJson_JobSpec`, keeping `successPolicy`. */
function jobSpecToJson(spec: JobSpecJson): unknown {
  return { ...k8s.toJson_JobSpec(spec), successPolicy: spec.successPolicy };
}

function failUnsupported(scope: Construct, backend: string, what: string): never {
  return fail(scope, `backend ${backend} cannot express ${what}; use TrainingBackend.indexedJob() or TrainingBackend.jobSet()`);
}

/**
 * Multi-node training with an exact rendezvous contract (DESIGN.md §3), on a plain
 * Kubernetes Indexed Job + headless Service (default), a JobSet, a Kubeflow Trainer v2
 * TrainJob or a Kubeflow PyTorchJob.
 *
 * Renders: the workload (child id `Resource`), the headless Service (`Service`, Indexed Job
 * only), the config ConfigMap (`Config`), the MPI hostfile ConfigMap (`Hostfile`), a
 * PodGroup (`PodGroup`, gang scheduling) or TrainingRuntime (`Runtime`), and a NetworkPolicy
 * (`NetworkPolicy`).
 */
export class DistributedTrainingJob extends Construct {
  /** Name of the workload object (`<name>-<hash>`): Job, JobSet, TrainJob or PyTorchJob. */
  public readonly jobName: string;
  /** Base name (stable across spec changes). */
  public readonly baseName: string;
  /** Headless Service / subdomain the pods resolve each other under. */
  public readonly serviceName: string;
  /** DNS name of node 0 as the pods see it (`<host>.<subdomain>`). */
  public readonly coordinatorHost: string;
  /** The workload object. */
  public readonly resource: ApiObject;
  /** The headless Service (Indexed Job backend). */
  public readonly service?: ApiObject;
  /** The NetworkPolicy. */
  public readonly networkPolicy?: ApiObject;
  /** The config ConfigMap. */
  public readonly configMap?: ApiObject;
  /** Ports the nodes use among themselves. */
  public readonly ports: FrameworkPort[];
  /** The network flows the pods need (declared on {@link resource} as `ml.cdk8s.io/flows`). */
  public readonly flows: NetworkFlow[];

  constructor(scope: Construct, id: string, props: DistributedTrainingJobProps) {
    super(scope, id);
    AppCheck.register(this);
    const backend = props.backend ?? TrainingBackend.indexedJob();
    const framework = props.framework ?? Framework.pytorch();
    const queue = props.queue ?? Queue.none();
    const nodes = validateNodes(this, props.nodes);
    queue.validate(this);
    props.gang?.validate(this);
    const restarts = validateMaxRestarts(this, props.maxRestarts);
    const deadline = deadlineSeconds(this, props.deadline);
    validateLabels(this, 'labels', props.labels);
    const name = props.name ?? toDnsLabel(this, id);
    if (!RFC1035_LABEL.test(name) || name.length > DNS_LABEL_MAX) {
      fail(this, `name must be an RFC 1035 label (lowercase letters, digits and "-", starting with a letter, at most 63 characters), got ${show(name)}`);
    }
    this.baseName = name;
    if (props.backoffLimitPerIndex !== undefined) requireKubernetesVersion(this, 'backoffLimitPerIndex', KubernetesVersion.V1_29);
    if (props.successWhenLeaderSucceeds) requireKubernetesVersion(this, 'successPolicy (successWhenLeaderSucceeds)', KubernetesVersion.V1_31);
    this.checkBackendSupport(backend, framework, props);

    const labels = { ...standardLabels({ name, component: 'training' }), ...(props.labels ?? {}) };
    const selector = selectorLabels({ name });
    const contributions: PodContribution[] = (props.datasets ?? []).map((d) => d.contributeTo(this));
    useContributedReferences(this, contributions, nodes, `the job runs ${nodes} pods${props.onePodPerNode === false ? ' that may land on different nodes' : ', one per node'}`);

    let configMapName: string | undefined;
    if (props.config !== undefined) {
      if (props.config === null || typeof props.config !== 'object' || Array.isArray(props.config)) fail(this, `config must be an object, got ${show(props.config)}`);
      const text = `${JSON.stringify(JSON.parse(stableStringify(props.config)), null, 2)}\n`;
      configMapName = `${name}-config-${shortHash(text)}`;
      this.configMap = new PlainApiObject(this, 'Config', k8s.KubeConfigMap.manifest({
        metadata: { name: configMapName, labels },
        immutable: true,
        data: { 'config.json': text },
      }));
    }

    // Pod template, rendered with a placeholder for the workload name: the name carries a hash
    // of the spec, and the spec (coordinator address, hostfile) carries the name.
    const kind = backend.kind;
    const rjob = backend.replicatedJobName;
    const operatorEnv = (kind === TrainingBackendKind.KUBEFLOW_TRAINJOB && (framework.kind === FrameworkKind.PYTORCH || framework.kind === FrameworkKind.JAX))
      || kind === TrainingBackendKind.PYTORCHJOB;
    let addressing: RendezvousAddressing | undefined;
    if (!operatorEnv) {
      addressing = kind === TrainingBackendKind.INDEXED_JOB ? RendezvousAddressing.indexedJob(PH, name) : RendezvousAddressing.jobSet(PH, rjob);
    }
    const gangMeta = props.gang && kind !== TrainingBackendKind.KUBEFLOW_TRAINJOB && kind !== TrainingBackendKind.PYTORCHJOB
      ? props.gang.podMetadata(PH)
      : { labels: {}, annotations: {} };
    const containerName = kind === TrainingBackendKind.KUBEFLOW_TRAINJOB ? 'node' : kind === TrainingBackendKind.PYTORCHJOB ? 'pytorch' : 'trainer';
    const pod = buildTrainingPodTemplate(this, {
      image: props.image,
      command: props.command,
      args: props.args,
      env: props.env,
      nodes,
      procsPerNode: props.procsPerNode,
      accelerator: props.accelerator,
      resources: props.resources,
      framework: kind === TrainingBackendKind.PYTORCHJOB ? withPytorchJobPort(framework) : framework,
      addressing,
      contributions,
      configMapName,
      checkpoints: props.checkpoints,
      hostfileConfigMapName: `${PH}-hostfile`,
      shmSize: props.shmSize,
      security: props.security,
      writableDirs: props.writableDirs,
      labels: { ...labels, ...gangMeta.labels },
      annotations: { ...queue.podAnnotations(), ...gangMeta.annotations },
      subdomain: kind === TrainingBackendKind.INDEXED_JOB ? name : undefined,
      containerName,
      restartPolicy: kind === TrainingBackendKind.PYTORCHJOB ? 'OnFailure' : 'Never',
      schedulerName: kind === TrainingBackendKind.PYTORCHJOB ? undefined : props.gang?.schedulerName,
      priorityClass: props.priorityClass,
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations,
      serviceAccountName: props.serviceAccountName,
      onePodPerNode: props.onePodPerNode === false ? undefined : selector,
      nonRetryableExitCodes: props.nonRetryableExitCodes,
    });
    this.ports = pod.ports;

    let podSelector: Record<string, string>;
    switch (kind) {
      case TrainingBackendKind.INDEXED_JOB: {
        const spec = renderIndexedJobSpec(this, {
          pod,
          nodes,
          maxRestarts: restarts,
          deadline: props.deadline,
          // Never `suspend` in the queued workloads Argo CD syncs (Job, JobSet, TrainJob,
          // PyTorchJob): Kueue's mutating webhook (failurePolicy Fail, on create) suspends any
          // workload carrying the queue-name label, then Kueue owns the field and unsuspends it
          // on admission. Rendering it made Argo CD own it too: a re-sync conflicted with the
          // kueue manager, or with force suspended the running job again.
          backoffLimitPerIndex: props.backoffLimitPerIndex,
        });
        const withSuccessPolicy: JobSpecJson = { ...spec, successPolicy: props.successWhenLeaderSucceeds ? { rules: [{ succeededIndexes: '0' }] } : undefined };
        const hashed = hashL1(l1Json(withSuccessPolicy, jobSpecToJson, PH));
        this.jobName = this.nameWithHash(name, hashed, (job) => `${job}-${nodes - 1}`);
        // Not the L1 KubeJob: the 1.28 L1 types lack successPolicy (and would drop it).
        this.resource = this.workloadObject('Resource', 'batch/v1', 'Job', { ...labels, ...queue.workloadLabels() }, hashed);
        this.serviceName = name;
        podSelector = { [JOB_NAME_LABEL]: this.jobName };
        this.service = renderRendezvousService(this, 'Service', { name, labels, selector: podSelector, ports: pod.ports });
        break;
      }
      case TrainingBackendKind.JOBSET: {
        const spec = this.jobSetSpec(pod, nodes, restarts, deadline, rjob, props);
        const hashed = hashSpec(spec);
        this.jobName = this.nameWithHash(name, hashed, (js) => `${js}-${rjob}-0-${nodes - 1}`);
        this.resource = this.workloadObject('Resource', 'jobset.x-k8s.io/v1alpha2', 'JobSet', { ...labels, ...queue.workloadLabels() }, hashed);
        this.serviceName = this.jobName;
        podSelector = { [JOBSET_NAME_LABEL]: this.jobName };
        break;
      }
      case TrainingBackendKind.KUBEFLOW_TRAINJOB: {
        const runtimeSpec = this.trainingRuntimeSpec(pod, nodes, restarts, framework, props);
        const trainer = { numNodes: nodes, numProcPerNode: framework.kind === FrameworkKind.PYTORCH ? pod.procsPerNode : undefined };
        const hashed = hashSpec({ runtimeSpec, trainer, deadline });
        this.jobName = this.nameWithHash(name, hashed, (tj) => `${tj}-node-0-${nodes - 1}`);
        this.workloadObject('Runtime', 'trainer.kubeflow.org/v1alpha1', 'TrainingRuntime', labels, { ...hashed, spec: hashed.spec.runtimeSpec });
        this.resource = new PlainApiObject(this, 'Resource', {
          apiVersion: 'trainer.kubeflow.org/v1alpha1',
          kind: 'TrainJob',
          metadata: { name: this.jobName, labels: { ...labels, ...queue.workloadLabels() } },
          spec: {
            runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: this.jobName },
            trainer,
            activeDeadlineSeconds: deadline,
          },
        });
        this.serviceName = this.jobName;
        podSelector = { [JOBSET_NAME_LABEL]: this.jobName };
        break;
      }
      case TrainingBackendKind.PYTORCHJOB: {
        const spec = this.pytorchJobSpec(pod, nodes, restarts, deadline, framework, props);
        const hashed = hashSpec(spec);
        this.jobName = this.nameWithHash(name, hashed, (pj) => `${pj}-worker-${nodes - 1}`);
        this.resource = this.workloadObject('Resource', 'kubeflow.org/v1', 'PyTorchJob', { ...labels, ...queue.workloadLabels() }, hashed);
        this.serviceName = '';
        podSelector = { [PYTORCHJOB_NAME_LABEL]: this.jobName };
        break;
      }
    }

    this.coordinatorHost = kind === TrainingBackendKind.PYTORCHJOB
      ? `${this.jobName}-${framework.elastic ? 'worker' : 'master'}-0`
      : (addressing ?? RendezvousAddressing.jobSet(PH, rjob)).host(0).split(PH).join(this.jobName);

    if (pod.hostfile !== undefined) {
      new PlainApiObject(this, 'Hostfile', k8s.KubeConfigMap.manifest({
        metadata: { name: `${this.jobName}-hostfile`, labels },
        immutable: true,
        data: { hostfile: pod.hostfile.split(PH).join(this.jobName) },
      }));
    }
    if (props.gang && (kind === TrainingBackendKind.INDEXED_JOB || kind === TrainingBackendKind.JOBSET)) {
      new PlainApiObject(this, 'PodGroup', {
        apiVersion: props.gang.apiVersion,
        kind: 'PodGroup',
        metadata: { name: this.jobName, labels },
        spec: props.gang.podGroupSpec(nodes, pod.template.spec?.priorityClassName),
      });
    }
    const datasetFlows = contributions.flatMap((c) => c.flows ?? []);
    this.networkPolicy = renderPeerNetworkPolicy(this, 'NetworkPolicy', {
      name,
      labels,
      podSelector,
      ports: pod.ports,
      network: props.network,
      datasetFlows,
    });
    // declarations for the whole-app check (on the workload object, never on its pod template)
    this.flows = trainingFlows(this, { podSelector, ports: pod.ports, nodes, network: props.network, datasetFlows });
    declareFlows(this.resource, this.flows);
    declareUsedReferences(this, this.resource);
  }

  /**
   * The workload object (named {@link jobName}) with the name placeholder replaced in its spec:
   * in place where {@link hashSpec} recorded it (the body stays canonical), otherwise (not plain
   * data, or the placeholder in an object key) by a JSON round trip whose body goes back to
   * PlainApiObject's checks (renamed keys may be out of order).
   */
  private workloadObject(id: string, apiVersion: string, kind: string, labels: Record<string, string>, hashed: HashedSpec<unknown>): ApiObject {
    let spec = hashed.spec;
    if (hashed.fill) {
      hashed.fill(this.jobName);
    } else {
      const text = JSON.stringify(spec);
      // Stryker disable next-line ConditionalExpression: without the placeholder the round trip only copies the plain data PlainApiObject renders the same
      if (text.includes(PH)) spec = JSON.parse(text.split(PH).join(this.jobName));
    }
    // Stryker disable next-line ObjectLiteral,ConditionalExpression: `canonical` only skips re-sorting an already canonical body (a fast path); the YAML is the same without it (test/core plain-api-object tests)
    return new PlainApiObject(this, id, { apiVersion, kind, metadata: { name: this.jobName, labels }, spec }, { canonical: hashed.fill !== undefined });
  }

  /**
   * `<name>-<hash>`, checking that the longest pod hostname fits a DNS label. The hash is of
   * the spec's canonical JSON (keys sorted, empty values dropped: the synthesized form).
   */
  private nameWithHash(name: string, hashed: HashedSpec<unknown>, longestHost: (workload: string) => string): string {
    const workload = `${name}-${shortHash(hashed.text)}`;
    const host = longestHost(workload);
    if (host.length > DNS_LABEL_MAX) {
      const max = name.length - (host.length - DNS_LABEL_MAX);
      fail(this, `name ${show(name)} is too long: the pod hostname ${show(host)} would be ${host.length} characters, over the 63-character DNS label limit; use a name of at most ${Math.max(1, max)} characters (prop name)`);
    }
    return workload;
  }

  private checkBackendSupport(backend: TrainingBackend, framework: Framework, props: DistributedTrainingJobProps): void {
    const b = backend.kind;
    if (b === TrainingBackendKind.JOBSET) {
      requireKubernetesVersion(this, 'backend TrainingBackend.jobSet()', KubernetesVersion.V1_33,
        'the vendored JobSet CRD uses CEL rules that Kubernetes < 1.33 cannot compile, so it cannot be installed there');
    }
    if (b === TrainingBackendKind.KUBEFLOW_TRAINJOB) {
      requireKubernetesVersion(this, 'backend TrainingBackend.kubeflowTrainJob()', KubernetesVersion.V1_33,
        'the vendored Kubeflow Trainer TrainingRuntime CRDs use CEL rules that Kubernetes < 1.33 cannot compile, so they cannot be installed there');
    }
    // (only a JobSet backend takes a name; the others' fixed names, 'node' and 'master', are RFC 1035 labels)
    if (!RFC1035_LABEL.test(backend.replicatedJobName)) {
      fail(this, `jobSet replicatedJobName must be an RFC 1035 label, got ${show(backend.replicatedJobName)}`);
    }
    if (b === TrainingBackendKind.KUBEFLOW_TRAINJOB) {
      if (framework.kind === FrameworkKind.MPI) failUnsupported(this, b, 'Framework.mpi (the Trainer MPI runtime manages its own launcher and SSH keys)');
      if (framework.elastic) failUnsupported(this, b, 'elastic PyTorch (minNodes/maxNodes)');
      if (framework.kind === FrameworkKind.PYTORCH && framework.port !== TRAINER_TORCH_PORT) {
        failUnsupported(this, b, `a PyTorch port other than ${TRAINER_TORCH_PORT} (the trainer sets PET_MASTER_PORT=${TRAINER_TORCH_PORT}), got ${framework.port}`);
      }
      if (framework.kind === FrameworkKind.JAX && framework.port !== Framework.jax().port) failUnsupported(this, b, 'a JAX coordinator port (the trainer sets it)');
      if (props.backoffLimitPerIndex !== undefined) failUnsupported(this, b, 'backoffLimitPerIndex');
      if (props.successWhenLeaderSucceeds) failUnsupported(this, b, 'successWhenLeaderSucceeds');
      if (props.gang?.queue !== undefined) failUnsupported(this, b, 'a Volcano queue in the gang options');
    }
    if (b === TrainingBackendKind.PYTORCHJOB) {
      if (framework.kind !== FrameworkKind.PYTORCH) failUnsupported(this, b, `Framework.${framework.kind}`);
      if (props.nonRetryableExitCodes && props.nonRetryableExitCodes.length > 0) failUnsupported(this, b, 'nonRetryableExitCodes (PyTorchJob has no podFailurePolicy)');
      if (props.backoffLimitPerIndex !== undefined) failUnsupported(this, b, 'backoffLimitPerIndex');
      if (props.successWhenLeaderSucceeds) failUnsupported(this, b, 'successWhenLeaderSucceeds');
      if (props.gang?.kind === 'coscheduling' && props.gang.scheduleTimeoutSeconds !== undefined) {
        failUnsupported(this, b, 'a coscheduling scheduleTimeoutSeconds (set it on the operator)');
      }
    }
  }

  private childJobSpec(pod: TrainingPodTemplate, nodes: number, deadline: number | undefined, props: DistributedTrainingJobProps): Record<string, unknown> {
    const spec = renderIndexedJobSpec(this, { pod, nodes, maxRestarts: 0, backoffLimitPerIndex: props.backoffLimitPerIndex });
    const json: Record<string, unknown> = { ...(l1Json(spec, k8s.toJson_JobSpec).json as object), activeDeadlineSeconds: deadline };
    if (props.successWhenLeaderSucceeds) json.successPolicy = { rules: [{ succeededIndexes: '0' }] };
    return json;
  }

  private jobSetFailurePolicy(pod: TrainingPodTemplate, restarts: number): Record<string, unknown> {
    const permanent = pod.podFailurePolicy.rules.some((r) => r.action === 'FailJob');
    return {
      maxRestarts: restarts,
      rules: permanent ? [{ name: 'permanent-failure', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }] : undefined,
    };
  }

  private jobSetSpec(
    pod: TrainingPodTemplate, nodes: number, restarts: number, deadline: number | undefined, rjob: string, props: DistributedTrainingJobProps,
  ): Record<string, unknown> {
    return {
      network: { enableDNSHostnames: true, publishNotReadyAddresses: true },
      failurePolicy: this.jobSetFailurePolicy(pod, restarts),
      // groupName: the JobSet CRD's default, spelled out (a re-apply replaces the list whole).
      replicatedJobs: [{ name: rjob, groupName: 'default', replicas: 1, template: { spec: this.childJobSpec(pod, nodes, deadline, props) } }],
    };
  }

  private trainingRuntimeSpec(
    pod: TrainingPodTemplate, nodes: number, restarts: number, framework: Framework, props: DistributedTrainingJobProps,
  ): Record<string, unknown> {
    const mlPolicy: Record<string, unknown> = { numNodes: nodes };
    if (framework.kind === FrameworkKind.PYTORCH) mlPolicy.torch = {};
    if (framework.kind === FrameworkKind.JAX) mlPolicy.jax = {};
    let podGroupPolicy: Record<string, unknown> | undefined;
    if (props.gang) {
      podGroupPolicy = props.gang.kind === 'volcano'
        ? { volcano: {} }
        : { coscheduling: { scheduleTimeoutSeconds: props.gang.scheduleTimeoutSeconds } };
    }
    return {
      mlPolicy,
      podGroupPolicy,
      template: {
        spec: {
          network: { enableDNSHostnames: true, publishNotReadyAddresses: true },
          failurePolicy: this.jobSetFailurePolicy(pod, restarts),
          replicatedJobs: [{
            name: 'node',
            groupName: 'default',
            replicas: 1,
            template: { metadata: { labels: { [TRAINER_ANCESTOR_LABEL]: 'trainer' } }, spec: this.childJobSpec(pod, nodes, undefined, props) },
          }],
        },
      },
    };
  }

  private pytorchJobSpec(
    pod: TrainingPodTemplate, nodes: number, restarts: number, deadline: number | undefined, framework: Framework, props: DistributedTrainingJobProps,
  ): Record<string, unknown> {
    const template = l1Json(pod.template, k8s.toJson_PodTemplateSpec).json;
    const replica = (replicas: number) => ({ replicas, restartPolicy: 'OnFailure', template });
    const elastic = framework.elastic;
    // elastic: workers only; otherwise a Master (rank 0) and the other nodes as workers
    const specs: Record<string, unknown> = elastic ? { Worker: replica(nodes) } : { Master: replica(1) };
    if (!elastic && nodes > 1) specs.Worker = replica(nodes - 1);
    let elasticPolicy: Record<string, unknown> | undefined;
    if (elastic) {
      const [min, max] = framework.elasticRange(this, nodes);
      elasticPolicy = { minReplicas: min, maxReplicas: max, rdzvBackend: 'c10d', rdzvPort: framework.port };
    }
    return {
      nprocPerNode: String(pod.procsPerNode),
      elasticPolicy,
      pytorchReplicaSpecs: specs,
      runPolicy: {
        backoffLimit: restarts * nodes,
        activeDeadlineSeconds: deadline,
        schedulingPolicy: props.gang ? { minAvailable: nodes, queue: props.gang.queue } : undefined,
      },
    };
  }
}

/** The PyTorchJob operator finds the rendezvous port by its name `pytorchjob-port`. */
function withPytorchJobPort(framework: Framework): Framework {
  return framework.withPrimaryPortName('pytorchjob-port');
}
