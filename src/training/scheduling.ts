import { IConstruct } from 'constructs';
import { ILocalQueue, IWorkloadPriorityClass, fail, isDnsLabel, isDnsSubdomain, isLabelKey, namespaceOf, show, useReference } from '../core';

/** Label Kueue reads to find a workload's LocalQueue. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Label Kueue reads for the WorkloadPriorityClass. */
export const KUEUE_PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';
/** Pod-template annotation of Kueue Topology-Aware Scheduling: all pods in one domain. */
export const KUEUE_REQUIRED_TOPOLOGY = 'kueue.x-k8s.io/podset-required-topology';
/** Pod-template annotation of Kueue Topology-Aware Scheduling: pods in as few domains as possible. */
export const KUEUE_PREFERRED_TOPOLOGY = 'kueue.x-k8s.io/podset-preferred-topology';

/** Options of {@link Queue.kueue}. */
export interface KueueQueueOptions {
  /**
   * Kueue `WorkloadPriorityClass` (label `kueue.x-k8s.io/priority-class`): a
   * `WorkloadPriorityClass` construct of the app or `External.workloadPriorityClass(name)`.
   * @default - the queue's default priority
   */
  readonly priorityClass?: IWorkloadPriorityClass;
  /**
   * Topology-Aware Scheduling: node label of the domain (e.g. a rack or block label) that
   * must hold every pod (`kueue.x-k8s.io/podset-required-topology`).
   * @default - no required topology
   */
  readonly requiredTopology?: string;
  /**
   * Topology-Aware Scheduling: node label of the domain pods should share when possible
   * (`kueue.x-k8s.io/podset-preferred-topology`).
   * @default - no preferred topology
   */
  readonly preferredTopology?: string;
}

/** Admission queue of a training job. */
export class Queue {
  /**
   * A Kueue LocalQueue: the workload carries `kueue.x-k8s.io/queue-name`; Kueue's webhook
   * suspends it on create and Kueue admits (unsuspends) it when quota allows, all pods at once.
   * `suspend` is not rendered (Kueue owns it; a re-sync must not suspend a running job), except
   * in a CronJob's jobTemplate, which no one re-applies onto the Jobs it creates.
   *
   * Pass the queue object, not its name: the team's `MlNamespace` (or its `TeamQueue`),
   * or `External.localQueue(name)` for a LocalQueue another repository manages. The
   * LocalQueue must live in the workload's namespace (Kueue reads no other).
   */
  public static kueue(localQueue: ILocalQueue, options: KueueQueueOptions = {}): Queue {
    return new Queue('kueue', localQueue, options);
  }

  /** No queue: the job starts at once. */
  public static none(): Queue {
    return new Queue('none', undefined, {});
  }

  private resolvedName?: string;
  private resolvedPriority?: string;

  private constructor(
    /** `kueue` or `none`. */
    public readonly kind: string,
    /** The LocalQueue. */
    public readonly localQueue: ILocalQueue | undefined,
    /** Kueue options. */
    public readonly options: KueueQueueOptions,
  ) {}

  /** True for a Kueue queue. */
  public get isKueue(): boolean {
    return this.kind === 'kueue';
  }

  /**
   * Resolves the queue for the workload `scope` in `namespace` (recording the references,
   * see `useReference`) and throws unless it is well-formed. @internal
   */
  public validate(scope: IConstruct, namespace: string | undefined = namespaceOf(scope)): void {
    if (this.kind !== 'kueue') return;
    if (typeof this.localQueue?.localQueueRef !== 'function') {
      fail(scope, `queue: Queue.kueue needs a LocalQueue object (an MlNamespace with a queue, its TeamQueue, or External.localQueue(name)), got ${show(this.localQueue)}`);
    }
    const ref = useReference(scope, 'queue', this.localQueue.localQueueRef(scope), namespace);
    if (!isDnsSubdomain(ref.name)) fail(scope, `kueue queue name must be a DNS-1123 subdomain, got ${show(ref.name)}`);
    if (ref.name.length > 63) fail(scope, `kueue queue name must be at most 63 characters (it is a label value), got ${show(ref.name)}`);
    this.resolvedName = ref.name;
    const pc = this.options.priorityClass;
    if (pc !== undefined) {
      if (typeof pc?.workloadPriorityClassRef !== 'function') {
        fail(scope, `kueue priorityClass must be a WorkloadPriorityClass or External.workloadPriorityClass(name), got ${show(pc)}`);
      }
      const pref = useReference(scope, 'queue priorityClass', pc.workloadPriorityClassRef(scope), namespace);
      if (!isDnsSubdomain(pref.name) || pref.name.length > 63) fail(scope, `kueue priorityClass must be a DNS-1123 name of at most 63 characters, got ${show(pref.name)}`);
      this.resolvedPriority = pref.name;
    }
    for (const key of ['requiredTopology', 'preferredTopology'] as const) {
      const v = this.options[key];
      if (v !== undefined && !isLabelKey(v)) fail(scope, `kueue ${key} must be a node label key, got ${show(v)}`);
    }
    if (this.options.requiredTopology && this.options.preferredTopology) fail(scope, 'kueue requiredTopology and preferredTopology are mutually exclusive');
  }

  /** Labels for the workload object (after {@link validate}). @internal */
  public workloadLabels(): Record<string, string> {
    if (!this.isKueue) return {};
    const labels: Record<string, string> = { [KUEUE_QUEUE_LABEL]: this.resolvedName! };
    if (this.resolvedPriority) labels[KUEUE_PRIORITY_LABEL] = this.resolvedPriority;
    return labels;
  }

  /** Annotations for the pod template (Topology-Aware Scheduling). @internal */
  public podAnnotations(): Record<string, string> {
    // Queue.none() has no options, so no topology either
    if (this.options.requiredTopology) return { [KUEUE_REQUIRED_TOPOLOGY]: this.options.requiredTopology };
    if (this.options.preferredTopology) return { [KUEUE_PREFERRED_TOPOLOGY]: this.options.preferredTopology };
    return {};
  }
}

/** Options of {@link Gang.volcano}. */
export interface VolcanoGangOptions {
  /**
   * Volcano Queue (`spec.queue` of the PodGroup).
   * @default - Volcano's `default` queue
   */
  readonly queue?: string;
  /**
   * Scheduler name of the Volcano scheduler.
   * @default 'volcano'
   */
  readonly schedulerName?: string;
}

/** Options of {@link Gang.coscheduling}. */
export interface CoschedulingGangOptions {
  /**
   * Name of the scheduler running the scheduler-plugins Coscheduling plugin.
   * @default 'scheduler-plugins-scheduler' (the name used by the scheduler-plugins "second scheduler" install)
   */
  readonly schedulerName?: string;
  /**
   * Seconds the group may wait for all members before the scheduler gives up and retries.
   * @default - the plugin's default
   */
  readonly scheduleTimeoutSeconds?: number;
}

/** Gang scheduling: all pods start together or none does (a PodGroup with minMember = nodes). */
export class Gang {
  /**
   * Volcano: a `scheduling.volcano.sh/v1beta1` PodGroup, pods with `schedulerName: volcano`
   * and the `scheduling.k8s.io/group-name` annotation.
   */
  public static volcano(options: VolcanoGangOptions = {}): Gang {
    return new Gang('volcano', options.schedulerName ?? 'volcano', options.queue, undefined);
  }

  /**
   * scheduler-plugins Coscheduling: a `scheduling.x-k8s.io/v1alpha1` PodGroup and pods
   * labelled `scheduling.x-k8s.io/pod-group`, scheduled by the secondary scheduler.
   */
  public static coscheduling(options: CoschedulingGangOptions = {}): Gang {
    return new Gang('coscheduling', options.schedulerName ?? 'scheduler-plugins-scheduler', undefined, options.scheduleTimeoutSeconds);
  }

  private constructor(
    /** `volcano` or `coscheduling`. */
    public readonly kind: 'volcano' | 'coscheduling',
    /** The scheduler the pods name. */
    public readonly schedulerName: string,
    /** Volcano queue. */
    public readonly queue: string | undefined,
    /** Coscheduling timeout. */
    public readonly scheduleTimeoutSeconds: number | undefined,
  ) {}

  /** Throws unless the options are well-formed. @internal */
  public validate(scope: IConstruct): void {
    if (!isDnsSubdomain(this.schedulerName)) fail(scope, `gang schedulerName must be a DNS-1123 subdomain, got ${show(this.schedulerName)}`);
    if (this.queue !== undefined && !isDnsLabel(this.queue)) fail(scope, `volcano queue must be a DNS-1123 label, got ${show(this.queue)}`);
    const t = this.scheduleTimeoutSeconds;
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) fail(scope, `coscheduling scheduleTimeoutSeconds must be a positive integer, got ${show(t)}`);
  }

  /** apiVersion of the PodGroup. */
  public get apiVersion(): string {
    return this.kind === 'volcano' ? 'scheduling.volcano.sh/v1beta1' : 'scheduling.x-k8s.io/v1alpha1';
  }

  /** Pod-template labels and annotations binding a pod to PodGroup `group`. @internal */
  public podMetadata(group: string): { labels: Record<string, string>; annotations: Record<string, string> } {
    return this.kind === 'volcano'
      ? { labels: {}, annotations: { 'scheduling.k8s.io/group-name': group } }
      : { labels: { 'scheduling.x-k8s.io/pod-group': group }, annotations: {} };
  }

  /** The PodGroup spec for `minMember` pods. @internal */
  public podGroupSpec(minMember: number, priorityClassName?: string): Record<string, unknown> {
    if (this.kind === 'volcano') {
      return { minMember, queue: this.queue, priorityClassName };
    }
    return { minMember, scheduleTimeoutSeconds: this.scheduleTimeoutSeconds };
  }
}
