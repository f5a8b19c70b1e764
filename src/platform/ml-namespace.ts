import { Construct, IConstruct } from 'constructs';
import { ILocalQueue, ResolvedReference } from '../core/refs';
import { k8s } from 'cdk8s-plus-28';
import { fail, show } from '../core/errors';
import { standardLabels } from '../core/labels';
import { isLabelKey, validateDnsLabel, validateLabels } from '../core/names';
import { canonicalQuantityOf, validateQuantity } from '../core/quantity';
import { QUEUE_NAME_LABEL, TeamQueue, TeamQueueOptions, clusterScoped } from './team-queue';
import { WorkloadRequests, appWorkloadRequests, formatAmount } from './workload-requests';
import { AppCheck } from '../core/app-check';

/** Default requests and limits for containers that declare none (LimitRange). */
export interface ContainerDefaults {
  /** Default CPU request. @default '500m' */
  readonly cpu?: string;
  /** Default memory request. @default '1Gi' */
  readonly memory?: string;
  /** Default CPU limit. @default - the CPU request */
  readonly cpuLimit?: string;
  /** Default memory limit. @default - the memory request */
  readonly memoryLimit?: string;
}

/** Props of {@link MlNamespace}. */
export interface MlNamespaceProps {
  /** Namespace name (DNS-1123 label), e.g. `team-a`. */
  readonly name: string;
  /**
   * GPUs the namespace may request in total (`requests.<gpuResourceName>` in the
   * ResourceQuota; extended resources are quota'd under `requests.` only).
   * @default - no GPU quota
   */
  readonly gpuQuota?: number;
  /** Total CPU requests, e.g. `"128"`. @default - no CPU quota */
  readonly cpuQuota?: string;
  /** Total memory requests, e.g. `"1Ti"`. @default - no memory quota */
  readonly memoryQuota?: string;
  /** Maximum number of non-terminal pods. @default - no pod count quota */
  readonly podQuota?: number;
  /**
   * Extended resource name of the GPUs.
   * @default 'nvidia.com/gpu'
   */
  readonly gpuResourceName?: string;
  /**
   * Requests and limits given to containers that declare none (they would otherwise be
   * refused once a CPU/memory quota exists).
   * @default - cpu 500m, memory 1Gi, limits equal to requests
   */
  readonly defaults?: ContainerDefaults;
  /**
   * Kueue ResourceFlavors, ClusterQueue and LocalQueue for the team.
   * @default - no Kueue objects
   */
  readonly queue?: TeamQueueOptions;
  /**
   * Extra labels on the Namespace (e.g. for NetworkPolicy namespace selectors).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Pod Security admission labels: enforce, audit and warn at "restricted". */
export function podSecurityLabels(version = 'latest'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    out[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    out[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return out;
}

/**
 * A team namespace for ML workloads: Pod Security "restricted" admission, a ResourceQuota
 * (GPUs included), LimitRange defaults, default-deny NetworkPolicies (ingress and egress)
 * with DNS egress to kube-dns, and optionally Kueue queues.
 *
 * At synth it checks every workload rendered into this namespace anywhere in the app: one
 * whose requests at full parallelism exceed the quota (or the largest Kueue flavor, without
 * a cohort) could never run, and is an error.
 */
export class MlNamespace extends Construct implements ILocalQueue {
  /** The namespace name. */
  public readonly name: string;
  /** The quota, by ResourceQuota key. */
  public readonly hardQuota: Readonly<Record<string, string>>;
  /** Extended resource name of the GPUs. */
  public readonly gpuResourceName: string;
  private readonly teamQueue?: TeamQueue;

  constructor(scope: Construct, id: string, props: MlNamespaceProps) {
    super(scope, id);
    AppCheck.register(this);
    this.name = validateDnsLabel(this, 'name', props.name);
    const gpu = props.gpuResourceName ?? 'nvidia.com/gpu';
    if (!isLabelKey(gpu) || !gpu.includes('/')) fail(this, `gpuResourceName must be a qualified extended resource name such as "nvidia.com/gpu", got ${show(gpu)}`);
    this.gpuResourceName = gpu;
    validateLabels(this, 'labels', props.labels);
    for (const key of Object.keys(props.labels ?? {})) {
      if (key.startsWith('pod-security.kubernetes.io/')) fail(this, `label ${show(key)} is set by MlNamespace (Pod Security "restricted" is not negotiable)`);
    }

    const hard: Record<string, string> = {};
    if (props.cpuQuota !== undefined) {
      validateQuantity(this, 'cpuQuota', props.cpuQuota);
      hard['requests.cpu'] = props.cpuQuota;
    }
    if (props.memoryQuota !== undefined) {
      validateQuantity(this, 'memoryQuota', props.memoryQuota);
      hard['requests.memory'] = props.memoryQuota;
    }
    if (props.gpuQuota !== undefined) {
      if (!Number.isInteger(props.gpuQuota) || props.gpuQuota < 0) fail(this, `gpuQuota must be a non-negative integer, got ${show(props.gpuQuota)}`);
      hard[`requests.${gpu}`] = String(props.gpuQuota);
    }
    if (props.podQuota !== undefined) {
      if (!Number.isInteger(props.podQuota) || props.podQuota < 1) fail(this, `podQuota must be a positive integer, got ${show(props.podQuota)}`);
      hard.pods = String(props.podQuota);
    }
    this.hardQuota = hard;

    const d = props.defaults ?? {};
    const cpu = d.cpu ?? '500m';
    const memory = d.memory ?? '1Gi';
    const cpuLimit = d.cpuLimit ?? cpu;
    const memoryLimit = d.memoryLimit ?? memory;
    for (const [what, v] of Object.entries({ 'defaults.cpu': cpu, 'defaults.memory': memory, 'defaults.cpuLimit': cpuLimit, 'defaults.memoryLimit': memoryLimit })) {
      validateQuantity(this, what, v);
    }
    if (validateQuantity(this, 'defaults.cpuLimit', cpuLimit) < validateQuantity(this, 'defaults.cpu', cpu)) {
      fail(this, `defaults.cpuLimit ${show(cpuLimit)} is below defaults.cpu ${show(cpu)}`);
    }
    if (validateQuantity(this, 'defaults.memoryLimit', memoryLimit) < validateQuantity(this, 'defaults.memory', memory)) {
      fail(this, `defaults.memoryLimit ${show(memoryLimit)} is below defaults.memory ${show(memory)}`);
    }

    const labels = standardLabels({ name: this.name, component: 'namespace' });
    const namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: { ...(props.labels ?? {}), ...labels, ...podSecurityLabels() },
      },
    });
    clusterScoped(namespace);

    if (Object.keys(hard).length > 0) {
      new k8s.KubeResourceQuota(this, 'Quota', {
        metadata: { name: 'ml-quota', namespace: this.name, labels },
        spec: { hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, k8s.Quantity.fromString(canonicalQuantityOf(v))])) },
      });
    }
    new k8s.KubeLimitRange(this, 'Defaults', {
      metadata: { name: 'ml-defaults', namespace: this.name, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: k8s.Quantity.fromString(canonicalQuantityOf(cpu)), memory: k8s.Quantity.fromString(canonicalQuantityOf(memory)) },
            default: { cpu: k8s.Quantity.fromString(canonicalQuantityOf(cpuLimit)), memory: k8s.Quantity.fromString(canonicalQuantityOf(memoryLimit)) },
          },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny-all', namespace: this.name, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns-egress', namespace: this.name, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });

    if (props.queue) {
      this.teamQueue = new TeamQueue(this, 'Queue', { ...props.queue, namespace: this.name, gpuResourceName: props.queue.gpuResourceName ?? gpu });
    }
    this.node.addValidation({ validate: () => { this.checkWorkloads(); return []; } });
  }

  /** True when the namespace has Kueue queues (`queue` set). */
  public get hasQueue(): boolean {
    return this.teamQueue !== undefined;
  }

  /**
   * The team's Kueue objects; pass it (or the namespace itself) to `Queue.kueue`. Reading it
   * on a namespace without `queue` is an error naming the namespace.
   */
  public get queue(): TeamQueue {
    if (!this.teamQueue) fail(this, 'has no Kueue queue (the queue prop is not set), so it has no LocalQueue to submit workloads to; set queue: { flavors: [...] } or use External.localQueue(name) for a queue managed elsewhere');
    return this.teamQueue;
  }

  /** The namespace's LocalQueue (`Queue.kueue(namespace)`); an error when the namespace has no queue. */
  public localQueueRef(consumer: IConstruct): ResolvedReference {
    if (!this.teamQueue) {
      fail(consumer, `queue: MlNamespace ${this.node.path} (namespace ${show(this.name)}) has no Kueue queue, so nothing would admit the workload; set the namespace's queue prop or use External.localQueue(name)`);
    }
    return this.teamQueue.localQueueRef(consumer);
  }

  /** Refuses workloads in this namespace that the quota (or the queue) could never admit. */
  private checkWorkloads(): void {
    const limits: Record<string, { value: number; text: string }> = {};
    for (const [key, text] of Object.entries(this.hardQuota)) {
      if (!key.startsWith('requests.')) continue;
      limits[key.slice('requests.'.length)] = { value: validateQuantity(this, key, text), text };
    }
    for (const w of appWorkloadRequests(this)) {
      if (w.namespace !== this.name) continue;
      for (const [resource, quota] of Object.entries(limits)) {
        const need = (w.perPod[resource] ?? 0) * w.pods;
        if (need > quota.value) {
          fail(this, `ResourceQuota requests.${resource} ${show(quota.text)} is below the request of ${w.object}: ${describe(w, resource)}; it could never run in namespace ${this.name}`);
        }
      }
      this.checkQueue(w);
    }
  }

  private checkQueue(w: WorkloadRequests): void {
    const q = this.teamQueue;
    if (!q || q.cohort !== undefined) return;
    const queueName = w.labels[QUEUE_NAME_LABEL] ?? w.podLabels[QUEUE_NAME_LABEL];
    if (queueName !== q.localQueueName) return;
    for (const [resource, nominal] of Object.entries(q.largestFlavor)) {
      const need = (w.perPod[resource] ?? 0) * w.pods;
      if (need > nominal) {
        fail(this, `ClusterQueue ${q.clusterQueueName}: no flavor has enough ${resource} for ${w.object}: ${describe(w, resource)}, largest nominal quota ${formatAmount(resource, nominal)} (and no cohort to borrow from); Kueue would never admit it`);
      }
    }
  }
}

function describe(w: WorkloadRequests, resource: string): string {
  const per = formatAmount(resource, w.perPod[resource] ?? 0);
  return w.pods === 1 ? `${per} ${resource}` : `${w.pods} pods × ${per} ${resource} = ${formatAmount(resource, (w.perPod[resource] ?? 0) * w.pods)}`;
}
