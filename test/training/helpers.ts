/**
 * Test helpers for training constructs: a fake dataset contributor and a small "kubelet"
 * that expands a rendered Indexed Job / JobSet into the pods the controllers would create,
 * resolving downward-API env and `$(VAR)` dependent expansion the way Kubernetes does.
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { IPodContributor, PodContribution, setTargetKubernetesVersion, KubernetesVersion } from '../../src/core';

/** A minimal DatasetInit stand-in. */
export class FakeDataset extends Construct implements IPodContributor {
  public readonly consumers: string[] = [];
  constructor(scope: Construct, id: string, private readonly codes: number[] = [20, 21, 22]) {
    super(scope, id);
  }
  public contributeTo(consumer: IConstruct): PodContribution {
    this.consumers.push(consumer.node.path);
    const n = this.node.id;
    const init: k8s.Container = {
      name: `fetch-${n}`,
      image: 'ghcr.io/acme/fetch:1.0.0',
      command: ['/bin/sh', '-c', 'fetch'],
      resources: { limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') }, requests: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') } },
      volumeMounts: [{ name: `data-${n}`, mountPath: `/data/${n}` }],
    };
    return {
      initContainers: [init],
      volumes: [{ name: `data-${n}`, emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } }],
      volumeMounts: [{ name: `data-${n}`, mountPath: `/data/${n}`, readOnly: true }],
      env: [{ name: `DATASET_${n.toUpperCase()}_DIR`, value: `/data/${n}` }],
      permanentExitCodes: this.codes,
      containerNames: [`fetch-${n}`],
      // what a real dataset declares: the fetch to its source host
      flows: [{ purpose: `fetch ${n}`, direction: 'egress', peer: { kind: 'external', host: 'data.example.com' }, ports: [{ port: 443, protocol: 'TCP' }], construct: this.node.path }],
    };
  }
}

/** A chart in namespace team-a, optionally targeting a Kubernetes version. */
export function newChart(version?: string): Chart {
  const app = new App();
  const chart = new Chart(app, 'ml', { namespace: 'team-a' });
  if (version) setTargetKubernetesVersion(chart, KubernetesVersion.of(version));
  return chart;
}

/** A pod as the Job (or JobSet) controller would create it, with resolved env. */
export interface ExpandedPod {
  readonly index: number;
  readonly hostname: string;
  readonly subdomain: string;
  /** `<hostname>.<subdomain>`: the name peers use. */
  readonly dnsName: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: any;
  /** Resolved env of the first container. */
  readonly env: Record<string, string>;
}

function fieldValue(meta: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> }, path: string): string {
  let m = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (m) {
    if (!(m[1] in meta.annotations)) throw new Error(`downward API: annotation ${m[1]} not on the pod`);
    return meta.annotations[m[1]];
  }
  m = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (m) {
    if (!(m[1] in meta.labels)) throw new Error(`downward API: label ${m[1]} not on the pod`);
    return meta.labels[m[1]];
  }
  if (path === 'metadata.name') return meta.name;
  if (path === 'metadata.namespace') return meta.namespace;
  throw new Error(`unsupported fieldPath ${path}`);
}

/** Kubernetes dependent env expansion: `$(VAR)` of an earlier var, `$$` escapes, unknown refs kept. */
export function expandVars(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) => {
    if (whole === '$$') return '$';
    return name in defined ? defined[name] : whole;
  });
}

/** Resolves a container's env in order (fieldRef and literals; other sources are skipped). */
export function resolveEnv(container: any, meta: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = expandVars(e.value, out);
    else if (e.valueFrom?.fieldRef) out[e.name] = fieldValue(meta, e.valueFrom.fieldRef.fieldPath);
  }
  return out;
}

function podsOf(template: any, jobName: string, count: number, namespace: string, hostnameOf: (i: number) => string, subdomain: string, extraLabels: Record<string, string>): ExpandedPod[] {
  const pods: ExpandedPod[] = [];
  for (let i = 0; i < count; i++) {
    const labels = {
      ...(template.metadata?.labels ?? {}),
      ...extraLabels,
      'batch.kubernetes.io/job-name': jobName,
      'job-name': jobName,
      'batch.kubernetes.io/job-completion-index': String(i),
    };
    const annotations = { ...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/job-completion-index': String(i) };
    const hostname = hostnameOf(i);
    const meta = { name: `${hostname}-abcde`, namespace, labels, annotations };
    pods.push({
      index: i,
      hostname,
      subdomain,
      dnsName: `${hostname}.${subdomain}`,
      labels,
      annotations,
      spec: template.spec,
      env: resolveEnv(template.spec.containers[0], meta),
    });
  }
  return pods;
}

/** The pods of the (first) Indexed Job in `manifests`. */
export function expandIndexedJob(manifests: any[], jobName?: string): ExpandedPod[] {
  const job = manifests.find((m) => m.kind === 'Job' && (!jobName || m.metadata.name === jobName));
  if (!job) throw new Error('no Job');
  if (job.spec.completionMode !== 'Indexed') throw new Error('not an Indexed Job');
  const name = job.metadata.name;
  return podsOf(job.spec.template, name, job.spec.completions, job.metadata.namespace, (i) => `${name}-${i}`, job.spec.template.spec.subdomain, {});
}

/** The pods of the (first) JobSet's first replicated job (replicas 1). */
export function expandJobSet(manifests: any[], kindName = 'JobSet'): ExpandedPod[] {
  const js = manifests.find((m) => m.kind === kindName);
  if (!js) throw new Error(`no ${kindName}`);
  const spec = kindName === 'JobSet' ? js.spec : js.spec.template.spec;
  const jsName = js.metadata.name;
  const rjob = spec.replicatedJobs[0];
  const job = rjob.template.spec;
  const count = job.completions;
  const subdomain = spec.network?.subdomain ?? jsName;
  const jobName = `${jsName}-${rjob.name}-0`;
  return podsOf(job.template, jobName, count, js.metadata.namespace, (i) => `${jobName}-${i}`, subdomain, { 'jobset.sigs.k8s.io/jobset-name': jsName });
}

/** True when every label of `selector` is on `labels`. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
