import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  ClusterQueueV1Beta2 as ClusterQueue,
  ClusterQueueV1Beta2SpecQueueingStrategy as ClusterQueueSpecQueueingStrategy,
  ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesNominalQuota as NominalQuota,
} from '../../imports/kueue.x-k8s.io_clusterqueues';
import { LocalQueueV1Beta2 as LocalQueue } from '../../imports/kueue.x-k8s.io_localqueues';
import { ResourceFlavorV1Beta2 as ResourceFlavor } from '../../imports/kueue.x-k8s.io_resourceflavors';
import { fail, show } from '../core/errors';
import { ILocalQueue, ResolvedReference } from '../core/refs';
import { standardLabels } from '../core/labels';
import { isLabelKey, validateDnsLabel, validateDnsSubdomain, validateLabels } from '../core/names';
import { canonicalQuantityOf, validateQuantity } from '../core/quantity';
import { setRenderTransform } from '../core/render';
import { AppCheck } from '../core/app-check';

/** Label Kueue reads on Jobs (and other workloads) to pick their LocalQueue. @internal */
export const QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';

const EPHEMERAL = 'ephemeral-storage';
const DEFAULT_EPHEMERAL_QUOTA = '1Pi';

/** One Kueue ResourceFlavor (a kind of node, e.g. H100 nodes) and the team's nominal quota of it. */
export interface QueueFlavor {
  /** ResourceFlavor name (cluster-wide), e.g. `h100`. */
  readonly name: string;
  /**
   * Node labels of this flavor; Kueue adds them as node selector to admitted pods.
   * @default - none (any node)
   */
  readonly nodeLabels?: Record<string, string>;
  /** Nominal CPU quota of the team in this flavor, e.g. `"256"`. */
  readonly cpu: string;
  /** Nominal memory quota, e.g. `"2Ti"`. */
  readonly memory: string;
  /**
   * Nominal GPU quota (devices).
   * @default 0
   */
  readonly gpu?: number;
  /**
   * Nominal ephemeral-storage quota (node disk for emptyDirs and logs). Every cdk8s-ml pod
   * requests ephemeral-storage for its emptyDirs, and Kueue never admits a workload requesting
   * a resource its ClusterQueue does not cover, so ephemeral-storage is always covered.
   * @default '1Pi' - covered but not rationed (the scheduler still fits pods to node disk)
   */
  readonly ephemeralStorage?: string;
}

/** Queueing strategy of a ClusterQueue. */
export enum QueueingStrategy {
  /** Older workloads first, but a workload that does not fit does not block smaller ones. */
  BEST_EFFORT_FIFO = 'BestEffortFIFO',
  /** Strict order: the head blocks the queue until it fits. */
  STRICT_FIFO = 'StrictFIFO',
}

/** Kueue queueing for a team namespace. */
export interface TeamQueueOptions {
  /** Flavors the team's ClusterQueue draws from, in order of preference (at least one). */
  readonly flavors: QueueFlavor[];
  /**
   * ClusterQueue name (cluster-wide).
   * @default - the namespace name
   */
  readonly clusterQueueName?: string;
  /**
   * LocalQueue name in the namespace; workloads set `kueue.x-k8s.io/queue-name` to it.
   * `default` is also the queue Kueue's LocalQueue defaulting picks for unlabeled Jobs.
   * @default 'default'
   */
  readonly localQueueName?: string;
  /**
   * Cohort: ClusterQueues of one cohort borrow each other's unused quota.
   * @default - none (no borrowing)
   */
  readonly cohort?: string;
  /**
   * @default QueueingStrategy.BEST_EFFORT_FIFO
   */
  readonly queueingStrategy?: QueueingStrategy;
  /**
   * Render the ResourceFlavor objects. Set false when the platform team owns the flavors
   * (a ResourceFlavor is cluster-wide; two Applications must not both manage it).
   * @default true
   */
  readonly renderFlavors?: boolean;
  /**
   * Extended resource name of the GPUs.
   * @default 'nvidia.com/gpu'
   */
  readonly gpuResourceName?: string;
}

/** Props of {@link TeamQueue}. */
export interface TeamQueueProps extends TeamQueueOptions {
  /** The team namespace. */
  readonly namespace: string;
}

/** Removes `metadata.namespace` from a cluster-scoped object (cdk8s adds the chart's). @internal */
export function clusterScoped(obj: ApiObject): void {
  setRenderTransform(obj, 'cdk8s-ml:cluster-scoped', (m) => {
    if (m.metadata?.namespace === undefined) return m;
    const { namespace: _ns, ...metadata } = m.metadata;
    return { ...m, metadata };
  });
}

/**
 * Kueue objects of one team: ResourceFlavors, a ClusterQueue admitting only the team
 * namespace with nominal quotas per flavor (cpu, memory, GPUs), and the LocalQueue.
 * Rendered as `kueue.x-k8s.io/v1beta2` (v1beta1 is deprecated; its ClusterQueue
 * `spec.cohort` is `spec.cohortName` in v1beta2).
 */
export class TeamQueue extends Construct implements ILocalQueue {
  /** The team namespace (where the LocalQueue lives). */
  public readonly namespace: string;
  /** LocalQueue name (the `kueue.x-k8s.io/queue-name` value). */
  public readonly localQueueName: string;
  /** ClusterQueue name. */
  public readonly clusterQueueName: string;
  /** Largest nominal quota of one flavor, by resource (cpu cores, memory bytes, GPUs). */
  public readonly largestFlavor: Record<string, number>;
  /** Cohort, if any (workloads may then borrow beyond the nominal quota). */
  public readonly cohort?: string;

  constructor(scope: Construct, id: string, props: TeamQueueProps) {
    super(scope, id);
    AppCheck.register(this);
    this.namespace = props.namespace;
    const gpu = props.gpuResourceName ?? 'nvidia.com/gpu';
    if (!isLabelKey(gpu) || !gpu.includes('/')) fail(this, `gpuResourceName must be a qualified extended resource name such as "nvidia.com/gpu", got ${show(gpu)}`);
    if (!Array.isArray(props.flavors) || props.flavors.length === 0) fail(this, `queue.flavors must list at least one flavor, got ${show(props.flavors)}`);
    this.clusterQueueName = validateDnsSubdomain(this, 'queue.clusterQueueName', props.clusterQueueName ?? props.namespace);
    this.localQueueName = validateDnsSubdomain(this, 'queue.localQueueName', props.localQueueName ?? 'default');
    if (props.cohort !== undefined) validateDnsSubdomain(this, 'queue.cohort', props.cohort);
    this.cohort = props.cohort;
    const strategy = props.queueingStrategy ?? QueueingStrategy.BEST_EFFORT_FIFO;
    if (!Object.values(QueueingStrategy).includes(strategy)) fail(this, `queue.queueingStrategy must be a QueueingStrategy, got ${show(strategy)}`);
    const names = new Set<string>();
    const largest: Record<string, number> = { cpu: 0, memory: 0, [gpu]: 0, [EPHEMERAL]: 0 };
    const withGpu = props.flavors.some((f) => (f.gpu ?? 0) > 0);
    for (const f of props.flavors) {
      validateDnsSubdomain(this, 'queue flavor name', f.name);
      if (names.has(f.name)) fail(this, `duplicate queue flavor ${show(f.name)}`);
      names.add(f.name);
      validateLabels(this, `node labels of flavor ${f.name}`, f.nodeLabels);
      largest.cpu = Math.max(largest.cpu, validateQuantity(this, `cpu of flavor ${f.name}`, f.cpu));
      largest.memory = Math.max(largest.memory, validateQuantity(this, `memory of flavor ${f.name}`, f.memory));
      if (f.gpu !== undefined && (!Number.isInteger(f.gpu) || f.gpu < 0)) fail(this, `gpu of flavor ${f.name} must be a non-negative integer, got ${show(f.gpu)}`);
      largest[gpu] = Math.max(largest[gpu], f.gpu ?? 0);
      largest[EPHEMERAL] = Math.max(largest[EPHEMERAL], validateQuantity(this, `ephemeralStorage of flavor ${f.name}`, f.ephemeralStorage ?? DEFAULT_EPHEMERAL_QUOTA));
    }
    this.largestFlavor = largest;
    const labels = standardLabels({ name: props.namespace, component: 'queue' });

    if (props.renderFlavors ?? true) {
      for (const f of props.flavors) {
        const flavor = new ResourceFlavor(this, `Flavor-${f.name}`, {
          metadata: { name: f.name, labels },
          spec: f.nodeLabels && Object.keys(f.nodeLabels).length > 0 ? { nodeLabels: { ...f.nodeLabels } } : {},
        });
        clusterScoped(flavor);
      }
    }
    const covered = [...(withGpu ? ['cpu', 'memory', gpu] : ['cpu', 'memory']), EPHEMERAL];
    const cq = new ClusterQueue(this, 'ClusterQueue', {
      metadata: { name: this.clusterQueueName, labels },
      spec: {
        cohortName: props.cohort,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.namespace } },
        queueingStrategy: strategy === QueueingStrategy.STRICT_FIFO ? ClusterQueueSpecQueueingStrategy.STRICT_FIFO : ClusterQueueSpecQueueingStrategy.BEST_EFFORT_FIFO,
        resourceGroups: [
          {
            coveredResources: covered,
            flavors: props.flavors.map((f) => ({
              name: f.name,
              resources: [
                // Canonical strings: Kueue's webhook stores them so (an integer 32 becomes "32"), and
                // a re-apply of another form conflicts with the kueue manager on resourceGroups.
                { name: 'cpu', nominalQuota: NominalQuota.fromString(canonicalQuantityOf(f.cpu)) },
                { name: 'memory', nominalQuota: NominalQuota.fromString(canonicalQuantityOf(f.memory)) },
                ...(withGpu ? [{ name: gpu, nominalQuota: NominalQuota.fromString(canonicalQuantityOf(f.gpu ?? 0)) }] : []),
                { name: EPHEMERAL, nominalQuota: NominalQuota.fromString(canonicalQuantityOf(f.ephemeralStorage ?? DEFAULT_EPHEMERAL_QUOTA)) },
              ],
            })),
          },
        ],
      },
    });
    clusterScoped(cq);
    new LocalQueue(this, 'LocalQueue', {
      metadata: { name: this.localQueueName, namespace: props.namespace, labels },
      spec: { clusterQueue: this.clusterQueueName },
    });
    validateDnsLabel(this, 'namespace', props.namespace);
  }

  /** The LocalQueue, for workloads of {@link namespace} (`Queue.kueue(teamQueue)`). */
  public localQueueRef(_consumer: IConstruct): ResolvedReference {
    return { kind: 'LocalQueue', name: this.localQueueName, namespace: this.namespace, external: false, path: `${this.node.path}/LocalQueue` };
  }
}
