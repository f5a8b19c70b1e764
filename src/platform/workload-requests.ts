import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parseQuantity } from '../core/quantity';

/** Resource requests of one workload at full parallelism, read from a rendered manifest. */
export interface WorkloadRequests {
  /** The object, as `Kind/namespace/name`. */
  readonly object: string;
  /** Namespace of the object. */
  readonly namespace: string | undefined;
  /** Labels of the pods (for queue matching). */
  readonly podLabels: Record<string, string>;
  /** Labels of the workload object. */
  readonly labels: Record<string, string>;
  /** Pods running at once. */
  readonly pods: number;
  /** Requests of one pod by resource name (`cpu` in cores, `memory` in bytes, extended resources in units). */
  readonly perPod: Record<string, number>;
}

/** Effective requests of a pod spec: max(sum of containers (+ sidecars), each init container), by resource. */
export function podRequests(spec: Record<string, any>): Record<string, number> {
  const of = (c: any): Record<string, number> => {
    const out: Record<string, number> = {};
    const requests = c?.resources?.requests ?? {};
    const limits = c?.resources?.limits ?? {};
    for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
      // a missing request defaults to the limit
      const v = parseQuantity(requests[name] ?? limits[name]);
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  };
  const total: Record<string, number> = {};
  const inits: any[] = spec.initContainers ?? [];
  for (const c of spec.containers ?? []) add(total, of(c));
  for (const c of inits.filter((i) => i.restartPolicy === 'Always')) add(total, of(c));
  for (const c of inits.filter((i) => i.restartPolicy !== 'Always')) {
    for (const [k, v] of Object.entries(of(c))) total[k] = Math.max(total[k] ?? 0, v);
  }
  return total;
}

function jobPods(spec: Record<string, any>): number {
  const parallelism = spec.parallelism ?? 1;
  return spec.completions !== undefined ? Math.min(parallelism, spec.completions) : parallelism;
}

/** The requests of a rendered workload manifest, or undefined when it runs no pods we know of. */
export function workloadRequests(m: Record<string, any>): WorkloadRequests | undefined {
  const key = `${m.apiVersion}/${m.kind}`;
  let template: Record<string, any> | undefined;
  let pods = 1;
  let labels: Record<string, string> = m.metadata?.labels ?? {};
  switch (key) {
    case 'v1/Pod':
      template = { metadata: m.metadata, spec: m.spec };
      break;
    case 'batch/v1/Job':
      template = m.spec?.template;
      pods = jobPods(m.spec ?? {});
      break;
    case 'batch/v1/CronJob':
      template = m.spec?.jobTemplate?.spec?.template;
      pods = jobPods(m.spec?.jobTemplate?.spec ?? {});
      labels = { ...labels, ...(m.spec?.jobTemplate?.metadata?.labels ?? {}) };
      break;
    case 'apps/v1/Deployment':
    case 'apps/v1/StatefulSet':
    case 'apps/v1/ReplicaSet':
      template = m.spec?.template;
      pods = m.spec?.replicas ?? 1;
      break;
    default:
      return undefined;
  }
  if (!template?.spec) return undefined;
  const ns = m.metadata?.namespace;
  return {
    object: `${m.kind}/${ns ? `${ns}/` : ''}${m.metadata?.name}`,
    namespace: ns,
    labels,
    podLabels: template.metadata?.labels ?? {},
    pods,
    perPod: podRequests(template.spec),
  };
}

/** Requests of every workload rendered anywhere in the app of `scope`, in construct order. */
export function appWorkloadRequests(scope: IConstruct): WorkloadRequests[] {
  const out: WorkloadRequests[] = [];
  for (const c of scope.node.root.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const w = workloadRequests(c.toJson());
    if (w) out.push(w);
  }
  return out;
}

/** `16`, `64Gi`, `500m`: a short rendering of a request for messages. */
export function formatAmount(resource: string, value: number): string {
  if (resource === 'memory' || resource.endsWith('storage')) {
    const gi = value / 2 ** 30;
    return Number.isInteger(gi) ? `${gi}Gi` : `${Math.round(value / 2 ** 20)}Mi`;
  }
  if (resource === 'cpu' && !Number.isInteger(value)) return `${Math.round(value * 1000)}m`;
  return String(value);
}
