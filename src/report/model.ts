/**
 * What `cdk8s-ml report` and `cdk8s-ml diff` read from rendered YAML beyond the app model:
 * workloads at their peak, datasets and models (from the DatasetInit init containers as
 * docs/FETCH.md describes them), schedules, declared flows and external references, each
 * with the construct that rendered it. Capacity figures come from the app check's own code
 * (`maxPods`, `podRequests`, `quotaDemands`), so the report and `validate` never disagree.
 */
import { ExternalReference, NetworkFlow, declaredExternals } from '../core/app-model';
import { AppModel } from '../validation/app';
import { QuotaDemand, clusterQueueQuota, maxPods, podRequests, quotaDemands } from '../validation/app/capacity';
import { gitOwner, isClusterScoped } from '../validation/app/model';
import { queueLabels } from '../validation/app/references';
import { PodView, namespaceOf } from '../validation/policies/pods';
import { constructOf } from './construct';
import { RenderedApp } from './input';

const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);

/** Resources by name (cores, bytes, devices). */
export type Amounts = ReadonlyMap<string, number>;

/** A workload (an object with pod templates) at its largest. */
export interface WorkloadInfo {
  readonly object: any;
  readonly construct: string;
  readonly namespace: string;
  /** `training`, `serving`, `pipeline`, ... (the `app.kubernetes.io/component` label, else the kind). */
  readonly role: string;
  /** Pods at once, summed over the templates; undefined when unbounded or unknown. */
  readonly peakPods?: number;
  /** Why that many (`parallelism 2`, `maxReplicas 3 of ... + rolling-update surge 1`). */
  readonly why: string;
  /** Requests of all those pods together. */
  readonly peak: Amounts;
  /** LocalQueues the workload is queued on (empty: un-queued). */
  readonly queues: readonly string[];
}

/** A dataset or model a pod fetches (or mounts from a claim). */
export interface DatasetInfo {
  readonly name: string;
  readonly namespace: string;
  readonly construct: string;
  /** `http`, `s3`, `gcs`, `hf`, `pvc`. */
  readonly source: string;
  readonly url: string;
  readonly revision?: string;
  /** `model`, `dataset` (Hugging Face repo type), else undefined. */
  readonly repoType?: string;
  readonly expectedBytes?: number;
  readonly sha256?: string;
  /** FETCH_FINGERPRINT: what defines the content; a change re-downloads. */
  readonly fingerprint?: string;
  /** `emptyDir (sizeLimit 200Gi)`, `claim "imagenet-data"`, ... */
  readonly volume: string;
  /** Where the main containers see it. */
  readonly mountPaths: readonly string[];
  /** The workload objects that use it. */
  readonly usedBy: readonly any[];
}

/** A declared flow with the workload that carries it. */
export interface FlowInfo {
  readonly flow: NetworkFlow;
  readonly object: any;
  readonly namespace: string;
  readonly construct: string;
}

/** A declared external reference. */
export interface ExternalInfo {
  readonly ref: ExternalReference;
  readonly namespace: string;
  readonly object: any;
  readonly construct: string;
}

/** A schedule. */
export interface ScheduleInfo {
  readonly object: any;
  readonly construct: string;
  readonly namespace: string;
  readonly schedule: string;
  readonly timeZone?: string;
}

/** A LocalQueue and the quotas of its ClusterQueue. */
export interface QueueInfo {
  readonly localQueue: any;
  readonly namespace: string;
  readonly clusterQueue?: any;
  readonly clusterQueueName: string;
  readonly nominal: Amounts;
  readonly cohort?: string;
}

/** Everything the report and diff know about a rendered app. */
export interface AppFacts {
  readonly model: AppModel;
  readonly constructOf: (obj: any) => string;
  readonly fileOf: (obj: any) => string | undefined;
  readonly workloads: readonly WorkloadInfo[];
  readonly datasets: readonly DatasetInfo[];
  readonly flows: readonly FlowInfo[];
  readonly externals: readonly ExternalInfo[];
  readonly schedules: readonly ScheduleInfo[];
  readonly queues: readonly QueueInfo[];
  readonly quotas: readonly QuotaDemand[];
}

function add(into: Map<string, number>, from: Amounts, times = 1): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v * times);
}

function envOf(container: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list(container?.env)) if (typeof e?.name === 'string' && typeof e.value === 'string') out[e.name] = e.value;
  return out;
}

function describeVolume(volume: any): string {
  if (!volume) return 'unknown volume';
  if (volume.persistentVolumeClaim) return `claim "${volume.persistentVolumeClaim.claimName}"`;
  if (volume.emptyDir) return volume.emptyDir.sizeLimit ? `emptyDir (sizeLimit ${volume.emptyDir.sizeLimit})` : 'emptyDir';
  const eph = volume.ephemeral?.volumeClaimTemplate?.spec;
  if (eph) return `ephemeral claim (${eph.resources?.requests?.storage ?? '?'}${eph.storageClassName ? `, class ${eph.storageClassName}` : ''})`;
  return Object.keys(volume).filter((k) => k !== 'name').join(', ') || 'volume';
}

function roleOf(obj: any): string {
  const c = obj?.metadata?.labels?.['app.kubernetes.io/component'];
  if (typeof c === 'string' && c !== '') return c;
  switch (obj?.kind) {
    case 'Job': case 'JobSet': case 'TrainJob': case 'PyTorchJob': case 'CronJob': return 'training';
    case 'Deployment': case 'StatefulSet': case 'InferenceService': case 'LeaderWorkerSet': return 'serving';
    default: return String(obj?.kind ?? '');
  }
}

/** Reads the facts of a rendered app. */
export function appFacts(app: RenderedApp): AppFacts {
  const model = new AppModel(app.objects.map((o) => o.object));
  const files = new Map<any, string>(app.objects.map((o) => [o.object, o.file]));
  const fileOf = (obj: any) => files.get(obj) ?? files.get(gitOwner(obj));
  const cache = new Map<any, string>();
  const construct = (obj: any) => {
    let c = cache.get(obj);
    if (c === undefined) {
      const owner = gitOwner(obj);
      c = constructOf(owner, fileOf(owner) ?? '');
      cache.set(obj, c);
    }
    return c;
  };

  const workloads: WorkloadInfo[] = [];
  const datasets = new Map<string, DatasetInfo & { usedBy: any[]; mountPaths: string[] }>();
  for (const obj of model.manifests) {
    const pods = model.podsOf(obj);
    if (pods.length === 0) continue;
    const ns = namespaceOf(obj);
    const peak = new Map<string, number>();
    let count: number | undefined = 0;
    const whys: string[] = [];
    for (const pod of pods) {
      const m = maxPods(model, pod);
      if (!m) {
        count = undefined;
        continue;
      }
      if (count !== undefined) count += m.count;
      whys.push(m.why);
      add(peak, podRequests(pod.spec), m.count);
      readDatasets(pod, obj, ns, construct(obj), datasets, model);
    }
    if (count === undefined) for (const pod of pods) readDatasets(pod, obj, ns, construct(obj), datasets, model);
    workloads.push({ object: obj, construct: construct(obj), namespace: ns, role: roleOf(obj), peakPods: count, why: whys.join(' + ') || 'unbounded or unknown', peak,
      queues: [...new Set(queueLabels(obj, pods).map((q) => q.name))] });
  }

  const flows: FlowInfo[] = [];
  for (const [obj, fs] of model.flows) for (const flow of fs) flows.push({ flow, object: obj, namespace: namespaceOf(obj), construct: flow.construct || construct(obj) });

  const externals: ExternalInfo[] = [];
  for (const obj of model.manifests) {
    let refs: any[];
    try {
      refs = declaredExternals(obj);
    } catch {
      continue; // the app check reports malformed declarations
    }
    for (const ref of refs) {
      if (typeof ref?.kind !== 'string' || typeof ref?.name !== 'string') continue;
      externals.push({ ref, namespace: isClusterScoped(ref.kind) ? '' : ref.namespace ?? namespaceOf(obj), object: obj, construct: construct(obj) });
    }
  }

  const schedules: ScheduleInfo[] = [];
  for (const obj of model.manifests) {
    const spec = obj.spec ?? {};
    if (obj.kind === 'CronJob' && typeof spec.schedule === 'string') {
      schedules.push({ object: obj, construct: construct(obj), namespace: namespaceOf(obj), schedule: spec.schedule, timeZone: spec.timeZone });
    } else if (obj.kind === 'CronWorkflow') {
      const all = [...(typeof spec.schedule === 'string' ? [spec.schedule] : []), ...list(spec.schedules).filter((s) => typeof s === 'string')];
      for (const s of all) schedules.push({ object: obj, construct: construct(obj), namespace: namespaceOf(obj), schedule: s, timeZone: spec.timezone });
    }
  }

  const queues: QueueInfo[] = model.all('LocalQueue').map((lq) => {
    const name = String(lq.spec?.clusterQueue ?? '');
    const cq = model.find('ClusterQueue', '', name)[0];
    return { localQueue: lq, namespace: namespaceOf(lq), clusterQueue: cq, clusterQueueName: name, nominal: cq ? clusterQueueQuota(cq).total : new Map(), cohort: cq?.spec?.cohort ?? cq?.spec?.cohortName };
  });

  return { model, constructOf: construct, fileOf, workloads, datasets: [...datasets.values()], flows, externals, schedules, queues, quotas: quotaDemands(model) };
}

function readDatasets(pod: PodView, obj: any, ns: string, fallback: string, into: Map<string, any>, model: AppModel): void {
  const volumes = new Map<string, any>(pod.volumes.map((v) => [v.volume?.name, v.volume]));
  const mains = pod.containers.filter((c) => c.type === 'container').map((c) => c.container);
  const mountsOf = (volume: string) => mains.flatMap((c) => list(c?.volumeMounts).filter((m) => m?.name === volume).map((m) => String(m.mountPath)));
  const constructFor = (name: string) => model.flows.get(obj)?.find((f) => f.purpose === `fetch ${name}`)?.construct ?? fallback;
  const note = (key: string, info: DatasetInfo) => {
    const seen = into.get(key);
    if (seen) {
      if (!seen.usedBy.includes(obj)) seen.usedBy.push(obj);
      for (const p of info.mountPaths) if (!seen.mountPaths.includes(p)) seen.mountPaths.push(p);
    } else {
      into.set(key, { ...info, usedBy: [obj], mountPaths: [...info.mountPaths] });
    }
  };
  const fetched = new Set<string>();
  for (const cv of pod.containers) {
    if (cv.type !== 'initContainer') continue;
    const env = envOf(cv.container);
    if (env.FETCH_FINGERPRINT === undefined && env.FETCH_SOURCE === undefined) continue;
    const name = String(cv.container?.name ?? '').replace(/^fetch-/, '');
    const root = env.FETCH_ROOT ?? '';
    const mount = list(cv.container?.volumeMounts).find((m) => typeof m?.mountPath === 'string' && root.startsWith(m.mountPath) && m.readOnly !== true);
    const volumeName = mount?.name;
    if (volumeName) fetched.add(volumeName);
    const bytes = env.FETCH_EXPECTED_BYTES !== undefined ? Number(env.FETCH_EXPECTED_BYTES) : undefined;
    note(`${ns}\u0000${name}\u0000${env.FETCH_FINGERPRINT ?? ''}`, {
      name, namespace: ns, construct: constructFor(name), source: env.FETCH_SOURCE ?? '?', url: env.FETCH_URL ?? '?', revision: env.FETCH_REVISION,
      repoType: env.FETCH_HF_REPO_TYPE, expectedBytes: Number.isFinite(bytes) ? bytes : undefined, sha256: env.FETCH_SHA256, fingerprint: env.FETCH_FINGERPRINT,
      volume: describeVolume(volumeName ? volumes.get(volumeName) : undefined), mountPaths: volumeName ? mountsOf(volumeName) : [], usedBy: [],
    });
  }
  // DataSource.pvc: no fetcher, the claim is mounted read-only as the dataset volume `ds-<name>`.
  for (const [vname, volume] of volumes) {
    if (typeof vname !== 'string' || !vname.startsWith('ds-') || fetched.has(vname) || !volume?.persistentVolumeClaim) continue;
    const name = vname.slice(3);
    note(`${ns}\u0000${name}\u0000claim`, {
      name, namespace: ns, construct: constructFor(name), source: 'pvc', url: `claim ${volume.persistentVolumeClaim.claimName}`, volume: describeVolume(volume),
      mountPaths: mountsOf(vname), usedBy: [],
    });
  }
}

/** Bytes → `1.5Gi`-style text. */
export function showBytes(n: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${+v.toFixed(2)}${units[i]}${i === 0 ? ' bytes' : ''}`;
}
