/**
 * Capacity across objects, per namespace:
 * - the Kueue nominal quotas of the ClusterQueues the namespace's LocalQueues feed, plus the
 *   requests of un-queued workloads at their largest (autoscaler maximum, plus rolling-update
 *   surge; Jobs at parallelism), fit the namespace's ResourceQuota (`requests.<resource>`,
 *   and `cpu`/`memory` which mean the same): otherwise Kueue admits workloads whose pods the
 *   quota then refuses to create;
 * - a queued workload fits its ClusterQueue (every requested resource covered; within the
 *   largest flavor's nominal quota when the ClusterQueue has no cohort to borrow from);
 * - a ReadWriteOnce/ReadWriteOncePod claim is mounted by at most one pod at a time;
 * - a claim written by several workloads is mounted at a distinct subPath per workload (a
 *   CronJob among them needs a per-run `subPathExpr`).
 *
 * A pod's effective request follows Kubernetes: max(largest init container request (plus
 * the sidecars started before it), sum of containers + sidecars), plus `overhead`.
 */
import { parseQuantity } from '../../core/quantity';
import { show } from '../../core/errors';
import { PodView, namespaceOf } from '../policies/pods';
import { AppModel, finding, gitOwner, groupOf, label } from './model';
import { queueLabels } from './references';
import { AppFinding } from './rules';

type Resources = Map<string, number>;

const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);

function add(into: Resources, from: Resources, times = 1): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v * times);
}

function requestsOf(container: any): Resources {
  const out: Resources = new Map();
  const req = container?.resources?.requests ?? {};
  const lim = container?.resources?.limits ?? {};
  // A limit without a request defaults the request to the limit.
  for (const [k, v] of Object.entries({ ...lim, ...req })) {
    const n = parseQuantity(v as any);
    if (n !== undefined) out.set(k, n);
  }
  return out;
}

/** The effective request of one pod of the template. */
export function podRequests(spec: any): Resources {
  const main: Resources = new Map();
  for (const c of list(spec?.containers)) add(main, requestsOf(c));
  const sidecars: Resources = new Map();
  const init: Resources = new Map();
  for (const c of list(spec?.initContainers)) {
    const r = requestsOf(c);
    if (c?.restartPolicy === 'Always') {
      add(sidecars, r);
      continue;
    }
    const effective: Resources = new Map(sidecars);
    add(effective, r);
    for (const [k, v] of effective) init.set(k, Math.max(init.get(k) ?? 0, v));
  }
  add(main, sidecars);
  const out: Resources = new Map(main);
  for (const [k, v] of init) out.set(k, Math.max(out.get(k) ?? 0, v));
  for (const [k, v] of Object.entries(spec?.overhead ?? {})) {
    const n = parseQuantity(v as any);
    if (n !== undefined) out.set(k, (out.get(k) ?? 0) + n);
  }
  return out;
}

const int = (x: unknown, d: number) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : d);

/**
 * A surge given as int-or-percent of `replicas`, rounded up as the Deployment and
 * LeaderWorkerSet controllers do; undefined when it is neither.
 */
function surgeOf(value: unknown, replicas: number): number | undefined {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  return m ? Math.ceil((Number(m[1]) * replicas) / 100) : undefined;
}

/** How many pods of a template can exist at once, and why (for messages); undefined when unbounded or not a workload. */
export function maxPods(model: AppModel, pod: PodView): { count: number; why: string } | undefined {
  const obj = pod.owner;
  const kind = `${groupOf(obj)}/${obj.kind}`;
  const spec = obj.spec ?? {};
  switch (kind) {
    case '/Pod': return { count: 1, why: 'a Pod' };
    case 'apps/Deployment':
    case 'apps/StatefulSet':
    case 'apps/ReplicaSet': {
      const name = obj.metadata?.name;
      const ns = namespaceOf(obj);
      let replicas = int(spec.replicas, 1);
      let why = `${replicas} replica(s)`;
      // scalersOf gives HPAs and KEDA ScaledObjects; a ScaledObject's target kind defaults to Deployment.
      for (const s of model.scalersOf(ns, String(name))) {
        const hpa = s.kind === 'HorizontalPodAutoscaler';
        if ((s.spec.scaleTargetRef.kind ?? (hpa ? obj.kind : 'Deployment')) !== obj.kind) continue;
        replicas = hpa ? int(s.spec.maxReplicas, replicas) : int(s.spec.maxReplicaCount, 100);
        why = `${hpa ? 'maxReplicas' : 'maxReplicaCount'} ${replicas} of ${label(s)}`;
      }
      if (obj.kind === 'Deployment' && spec.strategy?.type !== 'Recreate') {
        // The Deployment default is 25 %.
        const surge = surgeOf(spec.strategy?.rollingUpdate?.maxSurge, replicas) ?? Math.ceil(replicas / 4);
        if (surge > 0) return { count: replicas + surge, why: `${why} + rolling-update surge ${surge}` };
      }
      return { count: replicas, why };
    }
    case 'batch/Job': return { count: Math.max(1, Math.min(int(spec.parallelism, 1), int(spec.completions, Infinity))), why: `parallelism ${int(spec.parallelism, 1)}` };
    case 'batch/CronJob': {
      const js = spec.jobTemplate?.spec ?? {};
      const p = Math.max(1, Math.min(int(js.parallelism, 1), int(js.completions, Infinity)));
      return { count: p, why: `parallelism ${p} per run` };
    }
    case 'jobset.x-k8s.io/JobSet': {
      const rj = list(spec.replicatedJobs).find((r) => r?.template?.spec?.template?.spec === pod.spec);
      if (!rj) return undefined;
      const js = rj.template.spec;
      const n = int(rj.replicas, 1) * Math.max(1, Math.min(int(js.parallelism, 1), int(js.completions, Infinity)));
      return { count: n, why: `${int(rj.replicas, 1)} replica(s) × parallelism ${int(js.parallelism, 1)} of replicated job ${show(rj.name)}` };
    }
    case 'leaderworkerset.x-k8s.io/LeaderWorkerSet': {
      // replicas groups of `size` pods: the leader template makes one pod a group, the worker
      // template the other size - 1 (all `size` without a leader template). An HPA or KEDA
      // ScaledObject on the LeaderWorkerSet (its scale subresource counts groups) sets the maximum.
      const { size, perGroup } = lwsGroup(obj, pod);
      let groups = int(spec.replicas, 1);
      let why = `${groups} group(s)`;
      for (const s of model.scalersOf(namespaceOf(obj), String(obj.metadata?.name))) {
        if (s.spec.scaleTargetRef.kind !== 'LeaderWorkerSet') continue;
        groups = s.kind === 'ScaledObject' ? int(s.spec.maxReplicaCount, 100) : int(s.spec.maxReplicas, groups);
        why = `${s.kind === 'ScaledObject' ? 'maxReplicaCount' : 'maxReplicas'} ${groups} group(s) of ${label(s)}`;
      }
      // maxSurge (int or percentage of the groups, rounded up) defaults to 0.
      const extra = Math.max(0, surgeOf(spec.rolloutStrategy?.rollingUpdateConfiguration?.maxSurge, groups) ?? 0);
      return { count: (groups + extra) * perGroup, why: `${why}${extra > 0 ? ` + rolling-update surge ${extra}` : ''} of size ${size} (${perGroup} pod(s) of this template per group)` };
    }
    default: {
      // A Kubeflow training job (the only pod templates at /spec/<x>ReplicaSpecs/<type>/template).
      const m = /\/spec\/(\w+ReplicaSpecs)\/([^/]+)\/template/.exec(pod.path);
      if (!m) return undefined;
      const type = m[2].replace(/~1/g, '/').replace(/~0/g, '~');
      const r = spec[m[1]]?.[type];
      return r ? { count: int(r.replicas, 1), why: `${int(r.replicas, 1)} ${type} replica(s)` } : undefined;
    }
  }
}

/**
 * The group of a LeaderWorkerSet template: `size` pods, `perGroup` of them from this template
 * (the leader template 1, the worker template size - 1, or all `size` without a leader template).
 */
function lwsGroup(obj: any, pod: PodView): { size: number; perGroup: number; leader: boolean } {
  const lwt = obj.spec.leaderWorkerTemplate; // where its pod templates are
  const size = int(lwt.size, 1);
  const leader = pod.path.includes('leaderTemplate');
  const hasLeader = typeof lwt.leaderTemplate === 'object' && lwt.leaderTemplate !== null;
  return { size, leader, perGroup: leader ? 1 : hasLeader ? Math.max(0, size - 1) : size };
}

/**
 * How many pods of a template Kueue admits as one Workload: a queued LeaderWorkerSet is
 * admitted group by group (Kueue's LWS integration creates one Workload per group index), so
 * one group must fit the ClusterQueue; every other workload is admitted whole.
 */
function admittedTogether(model: AppModel, pod: PodView): { count: number; why: string } {
  const obj = pod.owner;
  if (`${groupOf(obj)}/${obj.kind}` === 'leaderworkerset.x-k8s.io/LeaderWorkerSet') {
    const { size, perGroup, leader } = lwsGroup(obj, pod);
    return { count: perGroup, why: `${perGroup} ${leader ? 'leader' : 'worker'} pod(s) of one group of size ${size}, admitted per group` };
  }
  return maxPods(model, pod) ?? { count: 1, why: '1 pod' };
}

/** Quota key → resource name (`requests.cpu` and `cpu` → `cpu`). */
function quotaResource(key: string): string | undefined {
  if (key.startsWith('requests.')) return key.slice('requests.'.length);
  if (key === 'cpu' || key === 'memory' || key === 'ephemeral-storage') return key;
  return undefined;
}

const fmt = (resource: string, n: number) => (resource === 'memory' || resource === 'ephemeral-storage' ? `${+(n / 2 ** 30).toFixed(2)}Gi` : `${+n.toFixed(3)}`);

/** Nominal quota per resource of a ClusterQueue (summed over flavors) and the largest flavor's. */
export function clusterQueueQuota(cq: any): { total: Resources; largest: Resources; covered: Set<string> } {
  const total: Resources = new Map();
  const largest: Resources = new Map();
  const covered = new Set<string>();
  for (const g of list(cq.spec?.resourceGroups)) {
    for (const r of list(g?.coveredResources)) if (typeof r === 'string') covered.add(r);
    for (const fl of list(g?.flavors)) {
      for (const r of list(fl?.resources)) {
        const n = parseQuantity(r?.nominalQuota);
        if (typeof r?.name !== 'string' || n === undefined) continue;
        total.set(r.name, (total.get(r.name) ?? 0) + n);
        largest.set(r.name, Math.max(largest.get(r.name) ?? 0, n));
      }
    }
  }
  return { total, largest, covered };
}

/** One term of a namespace's demand on its ResourceQuota. */
export interface DemandPart {
  /** `queue`: the nominal quota of a ClusterQueue the namespace's LocalQueues feed; `unqueued`: a workload outside Kueue at its largest. */
  readonly source: 'queue' | 'unqueued';
  /** The ClusterQueue, or the workload object. */
  readonly object: any;
  /** Resource name (`cpu`, `memory`, `nvidia.com/gpu`, ...). */
  readonly resource: string;
  /** Amount (cores, bytes, devices). */
  readonly amount: number;
  /** Why (`nominal quota of ClusterQueue "x"`, `maxReplicas 2 of ...`). */
  readonly why: string;
}

/** What a namespace can demand at once against one ResourceQuota (the figures of the `app-quota` rule). */
export interface QuotaDemand {
  readonly namespace: string;
  readonly resourceQuota: any;
  /** The quota's hard limit per resource (`requests.x` and `x` → `x`). */
  readonly hard: ReadonlyMap<string, number>;
  /** The demand per resource of `hard` (Kueue nominal quotas + un-queued maxima). */
  readonly demand: ReadonlyMap<string, number>;
  /** The terms of the demand, in order. */
  readonly parts: readonly DemandPart[];
}

/** Formats an amount of `resource` as the app check words it (`4Ti` memory → `4096Gi`, cores as numbers). */
export const formatAmount = (resource: string, n: number): string => fmt(resource, n);

/**
 * Per un-scoped ResourceQuota with request limits: the Kueue nominal quotas of the
 * ClusterQueues the namespace's LocalQueues feed plus the requests of un-queued workloads at
 * their largest. The `app-quota` rule and `cdk8s-ml report` both read these figures.
 */
export function quotaDemands(model: AppModel): QuotaDemand[] {
  const out: QuotaDemand[] = [];
  for (const rq of model.all('ResourceQuota')) {
    if (rq.spec?.scopes !== undefined || rq.spec?.scopeSelector !== undefined) continue;
    const ns = namespaceOf(rq);
    const hard = new Map<string, number>();
    for (const [k, v] of Object.entries(rq.spec?.hard ?? {})) {
      const r = quotaResource(k);
      const n = parseQuantity(v as any);
      if (r && n !== undefined) hard.set(r, Math.min(hard.get(r) ?? Infinity, n));
    }
    if (hard.size === 0) continue;
    const demand: Resources = new Map();
    const parts: DemandPart[] = [];
    const cqNames = new Set(model.all('LocalQueue').filter((l) => namespaceOf(l) === ns && typeof l.spec?.clusterQueue === 'string').map((l) => l.spec.clusterQueue as string));
    for (const name of [...cqNames].sort()) {
      for (const cq of model.find('ClusterQueue', ns, name)) { // cluster-scoped: find ignores ns
        for (const [r, n] of clusterQueueQuota(cq).total) {
          if (!hard.has(r)) continue;
          demand.set(r, (demand.get(r) ?? 0) + n);
          parts.push({ source: 'queue', object: cq, resource: r, amount: n, why: `nominal quota of ClusterQueue ${show(name)}` });
        }
      }
    }
    for (const pod of model.pods) {
      if (pod.namespace !== ns || queueLabels(pod.owner, [pod]).length > 0) continue;
      const m = maxPods(model, pod);
      if (!m) continue;
      for (const [r, n] of podRequests(pod.spec)) {
        if (!hard.has(r) || n === 0) continue;
        demand.set(r, (demand.get(r) ?? 0) + n * m.count);
        parts.push({ source: 'unqueued', object: pod.owner, resource: r, amount: n * m.count, why: m.why });
      }
    }
    out.push({ namespace: ns, resourceQuota: rq, hard, demand, parts });
  }
  return out;
}

/** ResourceQuota vs Kueue quotas plus un-queued requests, per namespace. */
function quotas(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  for (const { namespace: ns, resourceQuota: rq, hard, demand, parts } of quotaDemands(model)) {
    const involved = parts.map((p) => p.object); // finding() lists each once
    const words = (r: string) => parts.filter((p) => p.resource === r)
      .map((p) => (p.source === 'queue' ? `${fmt(r, p.amount)} ${p.why}` : `${fmt(r, p.amount)} un-queued for ${label(p.object)} (${p.why})`));
    for (const [r, limit] of [...hard].sort(([a], [b]) => a.localeCompare(b))) {
      const need = demand.get(r) ?? 0;
      // Stryker disable next-line EqualityOperator: with the 1e-9 tolerance for rounding, <= and < differ only at need = limit × (1 + 1e-9) exactly
      if (need <= limit * (1 + 1e-9)) continue;
      out.push(finding(rq, 'app-quota', 'error', `/spec/hard`,
        `namespace ${show(ns)} can demand ${fmt(r, need)} ${r} but ResourceQuota ${show(rq.metadata?.name)} allows ${fmt(r, limit)}: ${words(r).join(' + ')}; Kueue then admits workloads whose pods the quota refuses`,
        `raise the ResourceQuota's requests.${r} to at least ${fmt(r, need)}, or lower the ClusterQueue nominal quota / the un-queued maximum replicas so that they fit (or queue the un-queued workloads through Kueue)`,
        involved));
    }
  }
  return out;
}

/** A queued workload larger than its ClusterQueue. */
function queueCapacity(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  for (const obj of model.manifests) {
    const pods = model.podsOf(obj);
    const queues = queueLabels(obj, pods);
    const ns = namespaceOf(obj);
    const total: Resources = new Map();
    const whys: string[] = [];
    for (const pod of pods) {
      const m = admittedTogether(model, pod);
      add(total, podRequests(pod.spec), m.count);
      whys.push(m.why);
    }
    for (const q of queues) {
      for (const lq of model.find('LocalQueue', ns, q.name)) {
        const cqName: unknown = lq.spec?.clusterQueue;
        if (typeof cqName !== 'string') continue;
        for (const cq of model.find('ClusterQueue', ns, cqName)) { // cluster-scoped: find ignores ns
          const { largest, covered } = clusterQueueQuota(cq);
          const cohort = cq.spec?.cohort ?? cq.spec?.cohortName;
          for (const [r, n] of [...total].sort(([a], [b]) => a.localeCompare(b))) {
            if (n === 0) continue;
            if (!covered.has(r)) {
              out.push(finding(obj, 'app-queue-capacity', 'error', q.path,
                `the workload requests ${fmt(r, n)} ${r}, which ClusterQueue ${show(cq.metadata?.name)} (via LocalQueue ${show(q.name)}) does not cover (covered: ${show([...covered])}): Kueue never admits it`,
                `add ${r} to the ClusterQueue's coveredResources with a nominal quota, or drop the request`, [lq, cq]));
              continue;
            }
            // Stryker disable next-line EqualityOperator: with the 1e-9 tolerance for rounding, > and >= differ only at n = largest × (1 + 1e-9) exactly
            if (!cohort && n > (largest.get(r) ?? 0) * (1 + 1e-9)) {
              out.push(finding(obj, 'app-queue-capacity', 'error', q.path,
                `the workload needs ${fmt(r, n)} ${r} at once (${whys.join(', ')}) but the largest flavor of ClusterQueue ${show(cq.metadata?.name)} has a nominal quota of ${fmt(r, largest.get(r) ?? 0)} and no cohort to borrow from: Kueue never admits it`,
                `shrink the workload (nodes, GPUs per node) or raise the ClusterQueue's nominal quota for ${r} to at least ${fmt(r, n)}`, [lq, cq]));
            }
          }
        }
      }
    }
  }
  return out;
}

/** A volume mount of a claim. */
interface ClaimMount {
  readonly pod: PodView;
  readonly container: any;
  readonly type: string;
  readonly path: string;
  readonly readOnly: boolean;
  readonly subPath?: string;
  readonly subPathExpr?: string;
}

function claimMounts(model: AppModel): Map<string, ClaimMount[]> {
  const out = new Map<string, ClaimMount[]>();
  for (const pod of model.pods) {
    const claims = new Map<string, { claim: string; readOnly: boolean }>();
    for (const { volume } of pod.volumes) {
      const c = volume?.persistentVolumeClaim;
      if (typeof volume?.name === 'string' && typeof c?.claimName === 'string') claims.set(volume.name, { claim: c.claimName, readOnly: c.readOnly === true });
    }
    for (const cv of pod.containers) {
      list(cv.container?.volumeMounts).forEach((m, i) => {
        const c = claims.get(m?.name);
        if (!c) return;
        const key = `${pod.namespace}\u0000${c.claim}`;
        const entry: ClaimMount = {
          pod, container: cv.container, type: cv.type, path: `${cv.path}/volumeMounts/${i}`, readOnly: c.readOnly || m.readOnly === true,
          subPath: typeof m.subPath === 'string' && m.subPath !== '' ? m.subPath : undefined,
          subPathExpr: typeof m.subPathExpr === 'string' && m.subPathExpr !== '' ? m.subPathExpr : undefined,
        };
        out.set(key, [...(out.get(key) ?? []), entry]);
      });
    }
  }
  return out;
}

/** RWO claims on several pods; writable claims shared without per-workload subPaths. */
function claims(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  for (const [key, mounts] of claimMounts(model)) {
    const [ns, name] = key.split('\u0000');
    const pvc = model.find('PersistentVolumeClaim', ns, name)[0];
    const owners = [...new Set(mounts.map((m) => m.pod.owner))];
    const modes: string[] = list(pvc?.spec?.accessModes);
    if (modes.length > 0 && modes.every((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod')) {
      const counts = [...new Set(mounts.map((m) => m.pod))].map((p) => ({ pod: p, max: maxPods(model, p) ?? { count: 1, why: '1 pod' } }));
      const total = counts.reduce((s, c) => s + c.max.count, 0);
      if (total > 1) {
        const first = mounts[0];
        out.push(finding(first.pod.owner, 'app-rwo-claim', 'error', first.path,
          `claim ${show(name)} is ${modes.join('/')} but up to ${total} pods mount it at once (${counts.map((c) => `${label(c.pod.owner)}: ${c.max.why}`).join('; ')}): pods on another node can never attach the volume`,
          `use a ReadWriteMany claim (e.g. an NFS/CSI file storage class) for data shared by several pods, give each pod its own claim (StatefulSet volumeClaimTemplates), or run one pod (parallelism 1, Recreate strategy)`,
          [pvc, ...owners]));
      }
    }
    // Steps of one Argo workflow share its workspace on purpose: one workload. A subPath with
    // an Argo expression ({{workflow.name}}) or a subPathExpr differs per run.
    const perRun = (m: ClaimMount) => m.subPathExpr !== undefined || m.subPath?.includes('{{') === true;
    const writers = mounts.filter((m) => !m.readOnly && m.type !== 'initContainer');
    const writerOwners = [...new Set(writers.map((m) => gitOwner(m.pod.owner)))];
    if (writerOwners.length < 2) continue;
    // Writers at a fixed place, by subPath (undefined: the root).
    const bySub = new Map<string | undefined, ClaimMount[]>();
    for (const m of writers) {
      if (perRun(m)) continue;
      bySub.set(m.subPath, [...(bySub.get(m.subPath) ?? []), m]);
    }
    for (const [subPath, group] of bySub) {
      const groupOwners = [...new Set(group.map((m) => gitOwner(m.pod.owner)))];
      if (groupOwners.length < 2) continue;
      const m0 = group[0];
      out.push(finding(m0.pod.owner, 'app-shared-claim', 'error', m0.path,
        `claim ${show(name)} is written by ${groupOwners.length} workloads (${groupOwners.map(label).join(', ')}) at the same ${subPath === undefined ? 'root (no subPath)' : `subPath ${show(subPath)}`}: their runs overwrite each other's checkpoints`,
        'mount the claim with a subPath per workload (and a per-run subPathExpr such as $(JOB_NAME) for schedules), or give each workload its own claim',
        [...(pvc ? [pvc] : []), ...groupOwners]));
    }
    const crons = writers.filter((w) => w.pod.owner.kind === 'CronJob' && !perRun(w));
    for (const c of crons) {
      out.push(finding(c.pod.owner, 'app-shared-claim', 'error', c.path,
        `claim ${show(name)} is shared with ${writerOwners.length - 1} other workload(s) and the schedule writes it at a fixed ${c.subPath ? `subPath ${show(c.subPath)}` : 'root'}: every run overwrites the previous one's checkpoints`,
        'mount it with a per-run subPathExpr (e.g. subPathExpr: $(JOB_NAME) with JOB_NAME from the pod label batch.kubernetes.io/job-name via the downward API)',
        [...(pvc ? [pvc] : []), ...writerOwners]));
    }
  }
  return out;
}

/** Every capacity check. */
export function checkCapacity(model: AppModel): AppFinding[] {
  return [...quotas(model), ...queueCapacity(model), ...claims(model)];
}
