/**
 * Helpers of the e2e tier (test/e2e, GitHub issue 14): the control plane of the cluster tier
 * plus kube-scheduler, Kueue, JobSet and kwok's simulated GPU nodes (test/cluster/provision.sh
 * start --e2e). Every wait polls real controller state, is bounded, and on timeout says which
 * object, which condition, and what it saw last.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { describeObject, podTemplates } from '../../cluster/support/cluster';
import { Kube, KubeResponse, waitFor } from '../../cluster/support/kube';

export const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** kwok stage annotations (test/e2e/kwok-stages.yaml). */
export const EXIT_CODE = 'e2e.ml.cdk8s.io/exit-code';
export const EXIT_CONTAINER = 'e2e.ml.cdk8s.io/exit-container';
export const RUN_FOR = 'e2e.ml.cdk8s.io/run-for';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** What provision.sh recorded about the running control plane (DIR/env). */
export interface E2eEnv {
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly serverVersion: string;
  readonly jobsetRunning: boolean;
  /** The LeaderWorkerSet controller runs (its CRD installed). */
  readonly lwsRunning: boolean;
  /** Kueue's LeaderWorkerSet integration is on (CDK8S_ML_E2E_KUEUE_LWS=1). */
  readonly kueueLws: boolean;
  readonly gpuNodes: number;
  readonly versions: Record<string, string>;
  /** Argo CD's application controller and repo server run (provision.sh start --argocd). */
  readonly argocd: boolean;
  /** etcd's client URL (loopback). */
  readonly etcd: string;
}

export function e2eEnv(): E2eEnv {
  const kubeconfig = process.env.CDK8S_ML_CLUSTER_KUBECONFIG;
  if (!kubeconfig) throw new Error('CDK8S_ML_CLUSTER_KUBECONFIG is not set: run through `npm run test:e2e`');
  const file = path.join(path.dirname(kubeconfig), 'env');
  const vars: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  if (vars.E2E !== '1') throw new Error(`${file}: this control plane was not started with --e2e (no scheduler, Kueue, kwok)`);
  return {
    kubeconfig,
    kubectl: vars.KUBECTL,
    serverVersion: vars.KUBE_VERSION,
    jobsetRunning: vars.JOBSET_RUNNING === '1',
    lwsRunning: vars.LWS_RUNNING === '1',
    kueueLws: vars.KUEUE_LWS === '1',
    gpuNodes: Number(vars.GPU_NODES),
    versions: { kubernetes: vars.KUBE_VERSION, kueue: vars.KUEUE_VERSION, jobset: vars.JOBSET_VERSION, lws: vars.LWS_VERSION, kwok: vars.KWOK_VERSION, argocd: vars.ARGOCD_VERSION },
    argocd: vars.ARGOCD === '1',
    etcd: vars.ETCD_ENDPOINT,
  };
}

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the tier's kubectl (built with the API server, same version) against the e2e control plane. */
export function kubectl(args: string[], input?: string): KubectlResult {
  const env = e2eEnv();
  const res = spawnSync(env.kubectl, [`--kubeconfig=${env.kubeconfig}`, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, KUBECTL_EXTERNAL_DIFF: '' },
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Writes objects to a temporary multi-document YAML file (for kubectl -f). */
export function writeManifests(objects: any[], name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-e2e-'));
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

export function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o));
}

export function syncWave(obj: any): number {
  const w = obj.metadata?.annotations?.[SYNC_WAVE];
  return w === undefined ? 0 : Number(w);
}

// Within a wave, Argo CD orders by kind (namespaces and definitions first, workloads last).
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service',
  'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob',
  'IngressClass', 'Ingress', 'APIService',
];

/** Rank of a kind in Argo CD's order inside a wave (unknown kinds, e.g. custom resources, last). */
export function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i >= 0 ? i : KIND_ORDER.length;
}

/** Objects grouped by sync wave (ascending), each wave in Argo CD's kind order. */
export function byWave(objects: any[]): { wave: number; objects: any[] }[] {
  const waves = new Map<number, any[]>();
  for (const o of objects) {
    const w = syncWave(o);
    if (!waves.has(w)) waves.set(w, []);
    waves.get(w)!.push(o);
  }
  const rank = (o: any) => kindRank(o.kind);
  return [...waves.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, objs]) => ({
      wave,
      objects: objs.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o),
    }));
}

/** Throws with every problem listed when a response is not a clean 2xx. */
export function check(obj: any, res: KubeResponse, what: string): void {
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${what} ${describeObject(obj)}: HTTP ${res.status}: ${res.body?.message ?? res.text.slice(0, 2000)}`);
  }
}

/** Server-side apply as `fieldManager`; `force` false is how Argo CD applies (conflicts are errors). */
export async function ssa(k: Kube, obj: any, fieldManager: string, force: boolean, dryRun = false): Promise<KubeResponse> {
  const p = await k.objectPath(obj);
  return k.request('PATCH', p, {
    body: obj,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager, force, fieldValidation: 'Strict', dryRun: dryRun ? 'All' : undefined },
  });
}

export async function live(k: Kube, obj: any): Promise<any> {
  return k.tryGet(await k.objectPath(obj));
}

function condition(obj: any, type: string): any {
  return (obj?.status?.conditions ?? []).find((c: any) => c.type === type);
}

export function isTrue(obj: any, type: string): boolean {
  return condition(obj, type)?.status === 'True';
}

function conditionText(obj: any): string {
  const cs = obj?.status?.conditions ?? [];
  if (!cs.length) return 'no conditions';
  return cs.map((c: any) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`).join('; ');
}

/**
 * What Argo CD waits for before the next sync wave: the object's health. Namespaces Active,
 * claims Bound, Kueue queues and flavors Active; other kinds are healthy once they exist.
 */
export async function waitHealthy(k: Kube, obj: any, timeoutMs = 60_000): Promise<void> {
  let last: any;
  const ok = (o: any): boolean => {
    switch (o.kind) {
      case 'Namespace':
        return o.status?.phase === 'Active';
      case 'PersistentVolumeClaim':
        return o.status?.phase === 'Bound';
      case 'ClusterQueue':
      case 'LocalQueue':
        return isTrue(o, 'Active');
      default:
        return true;
    }
  };
  await waitFor(
    `${describeObject(obj)} to be healthy`,
    async () => {
      last = await live(k, obj);
      return last !== undefined && ok(last);
    },
    timeoutMs,
    () => (last === undefined ? 'not found' : `status ${JSON.stringify(last.status ?? {}).slice(0, 600)}`),
  );
}

/** Claims named by the pod templates of the objects (namespace/name). */
export function claimsUsed(objects: any[]): { namespace: string; name: string; user: string }[] {
  const out: { namespace: string; name: string; user: string }[] = [];
  for (const o of objects) {
    for (const { template } of podTemplates(o)) {
      for (const v of template.spec?.volumes ?? []) {
        if (v.persistentVolumeClaim) out.push({ namespace: o.metadata.namespace, name: v.persistentVolumeClaim.claimName, user: describeObject(o) });
      }
    }
  }
  return out;
}

/**
 * The storage a cluster admin provides: one PersistentVolume per claim, matching its class,
 * access modes and size, pre-bound to it (claimRef). NFS on 127.0.0.1 as the volume source:
 * nothing mounts it (kwok runs no containers); the scheduler's volume binding and the
 * PV controller's binding are real.
 */
export async function provideVolumes(k: Kube, claims: any[]): Promise<void> {
  for (const pvc of claims) {
    const name = `e2e-${pvc.metadata.namespace}-${pvc.metadata.name}`.slice(0, 63).replace(/-+$/, '');
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, labels: { 'e2e.ml.cdk8s.io/volume': 'true' } },
      spec: {
        capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
        storageClassName: pvc.spec.storageClassName ?? '',
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace: pvc.metadata.namespace, name: pvc.metadata.name },
        nfs: { server: '127.0.0.1', path: `/${name}` },
      },
    };
    check(pv, await k.apply(pv), 'creating volume');
  }
}

// ---------------------------------------------------------------------------------------
// Jobs under Kueue

/** The Workload Kueue created for a Job (owner reference on the Job's uid), if any. */
export async function workloadOf(k: Kube, job: any): Promise<any | undefined> {
  const items = await k.list('kueue.x-k8s.io/v1beta2', 'Workload', job.metadata.namespace);
  return items.find((w) => (w.metadata.ownerReferences ?? []).some((r: any) => r.uid === job.metadata.uid));
}

export async function podsOf(k: Kube, job: any): Promise<any[]> {
  const pods = await k.list('v1', 'Pod', job.metadata.namespace, { labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata.uid}` });
  return pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function podsText(pods: any[]): string {
  if (!pods.length) return 'no pods';
  return pods
    .map((p) => {
      const sched = condition(p, 'PodScheduled');
      const where = p.spec.nodeName ? `on ${p.spec.nodeName}` : `unscheduled${sched?.message ? ` (${sched.message})` : ''}`;
      return `${p.metadata.name}: ${p.status?.phase} ${where}`;
    })
    .join('; ');
}

/**
 * Waits until Kueue admits a queued Job: its Workload has Admitted=True and the Job is no
 * longer suspended. Fails at once when Kueue reports the Workload inadmissible (a queue
 * name that names no LocalQueue, a ClusterQueue that does not exist or cannot fit it).
 */
export async function waitAdmitted(k: Kube, job: any, timeoutMs = 60_000): Promise<any> {
  const what = `${describeObject(job)} (queue ${job.metadata.labels?.[QUEUE_LABEL]})`;
  let wl: any;
  let cur: any = job;
  try {
    return await waitFor(
      `${what} to be admitted by Kueue (Workload Admitted=True, Job unsuspended)`,
      async () => {
        cur = await live(k, job);
        if (!cur) throw new Error(`${what} does not exist`);
        wl = await workloadOf(k, cur);
        const qr = condition(wl, 'QuotaReserved');
        if (qr?.status === 'False' && qr.reason === 'Inadmissible') {
          throw new Error(`${what} stays suspended: Kueue Workload ${wl.metadata.name} is inadmissible: ${qr.message}`);
        }
        return wl && isTrue(wl, 'Admitted') && cur.spec.suspend === false ? wl : undefined;
      },
      timeoutMs,
      () =>
        wl
          ? `Job suspend=${cur?.spec?.suspend}; Workload ${wl.metadata.name}: ${conditionText(wl)}`
          : `Job suspend=${cur?.spec?.suspend}; Kueue created no Workload for it`,
    );
  } catch (e) {
    const msg = (e as Error).message;
    if (/stays suspended|does not exist/.test(msg)) throw e;
    throw new Error(`${msg} — the Job stays suspended`);
  }
}

/** Waits until the Job has `count` pods bound to nodes by the scheduler. */
export async function waitScheduled(k: Kube, job: any, count: number, timeoutMs = 60_000): Promise<any[]> {
  let pods: any[] = [];
  return waitFor(
    `${describeObject(job)} to have ${count} pod(s) bound to nodes by kube-scheduler`,
    async () => {
      pods = (await podsOf(k, job)).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed');
      return pods.length >= count && pods.every((p) => p.spec.nodeName) ? pods : undefined;
    },
    timeoutMs,
    () => podsText(pods),
  );
}

/** Waits for a Job condition (Complete or Failed); fails at once on the other one. */
export async function waitJobFinished(k: Kube, job: any, expect: 'Complete' | 'Failed', timeoutMs = 90_000): Promise<any> {
  let cur: any;
  let pods: any[] = [];
  const other = expect === 'Complete' ? 'Failed' : 'Complete';
  return waitFor(
    `${describeObject(job)} condition ${expect}=True`,
    async () => {
      cur = await live(k, job);
      if (cur && isTrue(cur, other)) {
        throw new Error(`${describeObject(job)} ended ${other}, expected ${expect}: ${conditionText(cur)}; pods: ${podsText(await podsOf(k, cur))}`);
      }
      pods = cur ? await podsOf(k, cur) : [];
      return cur && isTrue(cur, expect) ? cur : undefined;
    },
    timeoutMs,
    () => `Job ${cur ? `${conditionText(cur)}, active=${cur.status?.active ?? 0} succeeded=${cur.status?.succeeded ?? 0} failed=${cur.status?.failed ?? 0}` : 'gone'}; pods: ${podsText(pods)}`,
  );
}

export async function waitWorkloadFinished(k: Kube, job: any, timeoutMs = 60_000): Promise<any> {
  let wl: any;
  return waitFor(
    `the Kueue Workload of ${describeObject(job)} to be Finished`,
    async () => {
      wl = await workloadOf(k, job);
      return wl && isTrue(wl, 'Finished') ? wl : undefined;
    },
    timeoutMs,
    () => (wl ? `Workload ${wl.metadata.name}: ${conditionText(wl)}` : 'no Workload'),
  );
}

/** Sets an annotation on a live pod (the kwok stages react to e2e.ml.cdk8s.io/exit-code). */
export async function annotatePod(k: Kube, pod: any, annotations: Record<string, string>): Promise<void> {
  const p = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
  await k.call('PATCH', p, { body: { metadata: { annotations } }, contentType: 'application/merge-patch+json' });
}

/**
 * Deployment rolled out: observed, every replica updated and available, and at least
 * `minReplicas` of them (an HPA raises spec.replicas to its minimum on its first sync).
 */
export async function waitRolledOut(k: Kube, dep: any, minReplicas = 1, timeoutMs = 90_000): Promise<any> {
  let cur: any;
  return waitFor(
    `${describeObject(dep)} to roll out${minReplicas > 1 ? ` to at least ${minReplicas} replicas` : ''}`,
    async () => {
      cur = await live(k, dep);
      const s = cur?.status ?? {};
      const want = cur?.spec?.replicas ?? 1;
      return cur && want >= minReplicas && s.observedGeneration >= cur.metadata.generation && s.updatedReplicas === want && s.availableReplicas === want && s.replicas === want
        ? cur
        : undefined;
    },
    timeoutMs,
    () => `spec.replicas=${cur?.spec?.replicas}; status ${JSON.stringify(cur?.status ?? {})}`,
  );
}

/** Creates a namespace labelled Pod Security restricted and waits for its default ServiceAccount. */
export async function createNamespace(k: Kube, name: string): Promise<void> {
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  check(ns, await k.apply(ns), 'creating');
  await waitFor(`ServiceAccount ${name}/default`, () => k.tryGet(`/api/v1/namespaces/${name}/serviceaccounts/default`));
}

// ---------------------------------------------------------------------------------------
// Re-sync: what Argo CD does on every sync of unchanged Git

export interface ResyncReport {
  /** Apply conflicts (HTTP 409) with the fields and managers the server named. */
  readonly conflicts: string[];
  /** Objects whose generation or resourceVersion the re-apply changed, with the fields that changed. */
  readonly changed: string[];
  /** Other errors. */
  readonly errors: string[];
}

/** Fields that differ between two versions of an object (paths, metadata bookkeeping left out). */
export function changedPaths(before: any, after: any, at = ''): string[] {
  const skip = new Set(['.metadata.resourceVersion', '.metadata.managedFields', '.metadata.generation']);
  if (skip.has(at)) return [];
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => changedPaths(b, after[i], `${at}[${i}]`));
  }
  if (before && after && typeof before === 'object' && typeof after === 'object' && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], `${at}.${key}`));
  }
  return [`${at}: ${JSON.stringify(before)?.slice(0, 120)} -> ${JSON.stringify(after)?.slice(0, 120)}`];
}

/** Flattened fieldsV1 keys of each manager's entry, e.g. `argocd Apply: f:spec.f:suspend`. */
function managedKeys(obj: any): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of obj?.metadata?.managedFields ?? []) {
    const id = `${m.manager} ${m.operation}${m.subresource ? ` /${m.subresource}` : ''}`;
    const keys = out.get(id) ?? new Set<string>();
    keys.add(`@time=${m.time}`);
    const walk = (node: any, at: string) => {
      for (const [key, v] of Object.entries(node ?? {})) {
        const p = at ? `${at}.${key}` : key;
        if (v && typeof v === 'object' && Object.keys(v).length) walk(v, p);
        else keys.add(p);
      }
    };
    walk(m.fieldsV1, '');
    out.set(id, keys);
  }
  return out;
}

/** How the field ownership changed: per manager, the fields it gained or lost. */
export function managedFieldChanges(before: any, after: any): string[] {
  const b = managedKeys(before);
  const a = managedKeys(after);
  const out: string[] = [];
  for (const id of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const was = b.get(id) ?? new Set<string>();
    const now = a.get(id) ?? new Set<string>();
    const rewritten = [...now].some((x) => x.startsWith('@time=') && !was.has(x));
    const gained = [...now].filter((x) => !was.has(x) && !x.startsWith('@time='));
    const lost = [...was].filter((x) => !now.has(x) && !x.startsWith('@time='));
    if (rewritten && !gained.length && !lost.length) out.push(`${id} wrote the object again with the same fields (the server normalises something the apply sends)`);
    if (gained.length) out.push(`${id} gained ${gained.slice(0, 8).join(', ')}${gained.length > 8 ? ` (+${gained.length - 8})` : ''}`);
    if (lost.length) out.push(`${id} lost ${lost.slice(0, 8).join(', ')}${lost.length > 8 ? ` (+${lost.length - 8})` : ''}`);
  }
  return out;
}

/**
 * Re-applies objects with server-side apply as `fieldManager` without force (Argo CD's
 * ServerSideApply=true sync) and reports conflicts and every object the apply changed.
 */
export async function resyncServerSide(k: Kube, objects: any[], fieldManager: string): Promise<ResyncReport> {
  const conflicts: string[] = [];
  const changed: string[] = [];
  const errors: string[] = [];
  for (const obj of objects) {
    const before = await live(k, obj);
    const res = await ssa(k, obj, fieldManager, false);
    if (res.status === 409) {
      const causes = (res.body?.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);
      conflicts.push(`${describeObject(obj)}: ${causes.length ? causes.join('; ') : res.body?.message}`);
      continue;
    }
    if (res.status < 200 || res.status > 299) {
      errors.push(`${describeObject(obj)}: HTTP ${res.status}: ${res.body?.message ?? res.text.slice(0, 500)}`);
      continue;
    }
    const after = await live(k, obj);
    if (before?.metadata?.generation !== after?.metadata?.generation || fingerprint(before) !== fingerprint(after)) {
      const gen = before?.metadata?.generation !== after?.metadata?.generation ? ` generation ${before?.metadata?.generation} -> ${after?.metadata?.generation}` : '';
      const fields = changedPaths(before, after);
      const owned = managedFieldChanges(before, after);
      changed.push(
        `${describeObject(obj)}:${gen} resourceVersion changed${fields.length ? `; ${fields.join('; ')}` : ''}${owned.length ? `; managedFields: ${owned.join('; ')}` : ''}`,
      );
    }
  }
  return { conflicts, changed, errors };
}

/**
 * What a write by an apply changes, without what controllers write through the status
 * subresource meanwhile (an HPA or Job controller updating status moves resourceVersion
 * too): the object without status and resourceVersion, with the managedFields entries of
 * the main resource.
 */
export function fingerprint(obj: any): string {
  if (!obj) return 'missing';
  const { status: _status, ...rest } = obj;
  const metadata = { ...obj.metadata, resourceVersion: undefined, managedFields: (obj.metadata.managedFields ?? []).filter((m: any) => !m.subresource) };
  return JSON.stringify({ ...rest, metadata });
}

/** Fingerprint, resourceVersion and generation of each object, keyed by describeObject. */
export async function versions(k: Kube, objects: any[]): Promise<Map<string, { fingerprint: string; text: string }>> {
  const out = new Map<string, { fingerprint: string; text: string }>();
  for (const o of objects) {
    const l = await live(k, o);
    out.set(describeObject(o), { fingerprint: fingerprint(l), text: l ? `rv=${l.metadata.resourceVersion} generation=${l.metadata.generation}` : 'missing' });
  }
  return out;
}

export function formatReport(r: ResyncReport): string {
  const part = (title: string, xs: string[]) => (xs.length ? `${title} (${xs.length}):\n  ${xs.join('\n  ')}` : '');
  return [part('conflicts', r.conflicts), part('changed by the re-apply', r.changed), part('errors', r.errors)].filter(Boolean).join('\n') || 'no change';
}
