/**
 * Shared helpers of the cluster tier: the client for the control plane started by
 * global-setup.ts, manifest sets (fixtures + dist/*.yaml), namespaces, pod templates and
 * the checks that a workload's controller really created its pods.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { loadFixtures } from '../../fixtures';
import { Kube, KubeResponse, waitFor } from './kube';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');

/** Pod Security Standards labels every test namespace carries. */
export const RESTRICTED_LABELS: Record<string, string> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  // warn makes the API server also check pod *templates* (Jobs, Deployments, ...) and
  // answer with a Warning header, which the dry-run tests treat as a failure.
  'pod-security.kubernetes.io/warn': 'restricted',
};

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export function kube(): Kube {
  const file = process.env.CDK8S_ML_CLUSTER_KUBECONFIG;
  if (!file) throw new Error('CDK8S_ML_CLUSTER_KUBECONFIG is not set: run through `npm run test:cluster` (jest.cluster.config.js starts the control plane)');
  return Kube.fromKubeconfig(file);
}

/** A named list of manifests with the namespace that un-namespaced objects go to. */
export interface ManifestSet {
  readonly name: string;
  readonly defaultNamespace: string;
  readonly objects: any[];
  /** Target Kubernetes minor version of the set ('1.28'), when the fixture declares one. */
  readonly kubernetesVersion?: string;
}

/** Vendored CRDs the API server refused (recorded by global-setup.ts). */
export interface RejectedCrd {
  readonly file: string;
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly message: string;
}

export function rejectedCrds(): RejectedCrd[] {
  return JSON.parse(process.env.CDK8S_ML_CLUSTER_REJECTED_CRDS ?? '[]');
}

/** The API server's version, e.g. 'v1.28.15' (recorded by global-setup.ts). */
export function serverVersion(): string {
  const v = process.env.CDK8S_ML_CLUSTER_VERSION;
  if (!v) throw new Error('CDK8S_ML_CLUSTER_VERSION is not set: run through `npm run test:cluster`');
  return v;
}

/** Minor version number of 'v1.28.15' or '1.28'. */
export function minorOf(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a Kubernetes version: ${version}`);
  return Number(m[1]);
}

/** Why a manifest set cannot be checked on this server, or undefined when it can. */
export function skipReason(set: ManifestSet): string | undefined {
  if (set.kubernetesVersion && minorOf(set.kubernetesVersion) > minorOf(serverVersion())) {
    return `targets Kubernetes ${set.kubernetesVersion}, newer than the tier's API server ${serverVersion()}`;
  }
  return undefined;
}

/**
 * Splits a set into the objects this server can take and those whose CRD it rejected
 * (see crds.test.ts: e.g. Argo Workflows on 1.28). The constructs that render those kinds
 * refuse a target below the version their CRD needs (requireKubernetesVersion), so such
 * objects can only come from a chart that targets a newer version than this server.
 */
export function splitByInstalledCrds(set: ManifestSet): { set: ManifestSet; excluded: string[] } {
  const rejected = new Set(rejectedCrds().map((r) => `${r.group}/${r.kind}`));
  const excluded: string[] = [];
  const objects = set.objects.filter((o) => {
    const group = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    if (!rejected.has(`${group}/${o.kind}`)) return true;
    excluded.push(`${o.kind}/${o.metadata?.name}`);
    return false;
  });
  return { set: { ...set, objects }, excluded };
}

/** DNS label from free text, at most 63 characters, unique per input. */
export function slug(text: string, prefix: string): string {
  const base = `${prefix}-${text.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '');
  if (base.length <= 63) return base;
  const h = createHash('sha256').update(text).digest('hex').slice(0, 6);
  return `${base.slice(0, 56).replace(/-+$/, '')}-${h}`;
}

export function fixtureSets(): ManifestSet[] {
  return loadFixtures().map((f) => ({
    name: `fixture ${f.name}`,
    defaultNamespace: slug(f.name, 'fx'),
    objects: f.manifests(),
    kubernetesVersion: f.kubernetesVersion,
  }));
}

/** One set per dist/*.yaml file; undefined when dist/ does not exist (nothing synthesized). */
export function distSets(): ManifestSet[] | undefined {
  if (!fs.existsSync(DIST_DIR)) return undefined;
  return fs
    .readdirSync(DIST_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const docs = parseAllDocuments(fs.readFileSync(path.join(DIST_DIR, file), 'utf8'));
      const objects: any[] = [];
      for (const doc of docs) {
        if (doc.errors.length) throw new Error(`dist/${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
        const value = doc.toJS();
        if (value != null) objects.push(value);
      }
      return { name: `dist/${file}`, defaultNamespace: slug(file.replace(/\.ya?ml$/, ''), 'dist'), objects };
    });
}

/**
 * Deep copy of the set's objects with the default namespace filled in on namespaced kinds.
 * Objects of a kind the server does not serve are left out and reported in `problems`
 * (with the reason when their vendored CRD was rejected).
 */
export async function placeObjects(k: Kube, set: ManifestSet): Promise<{ objects: any[]; problems: string[] }> {
  const objects: any[] = [];
  const found: string[] = [];
  const resources = await k.resources();
  for (const original of set.objects) {
    const obj = JSON.parse(JSON.stringify(original));
    const info = resources.get(`${obj.apiVersion}/${obj.kind}`);
    if (!info) {
      const group = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/')[0] : '';
      const crd = rejectedCrds().find((c) => c.group === group && c.kind === obj.kind);
      found.push(
        crd
          ? `${describeObject(obj)}: CRD ${crd.name} does not install on Kubernetes ${serverVersion()}: ${crd.message.split('\n')[0].slice(0, 500)}`
          : `${describeObject(obj)}: the API server serves no ${obj.apiVersion} ${obj.kind} (CRD not vendored in schemas/crds?)`,
      );
      continue;
    }
    if (info.namespaced) obj.metadata = { ...obj.metadata, namespace: obj.metadata?.namespace ?? set.defaultNamespace };
    objects.push(obj);
  }
  return { objects, problems: found };
}

const KIND_ORDER = ['Namespace', 'CustomResourceDefinition', 'PriorityClass', 'ServiceAccount', 'Secret', 'ConfigMap', 'LimitRange', 'ResourceQuota', 'PersistentVolumeClaim', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];
const WORKLOAD_KINDS = new Set(['Pod', 'Job', 'CronJob', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

/** Apply order: namespaces and config first, workloads last (like the sync waves). */
export function applyOrder(objects: any[]): any[] {
  const rank = (o: any) => {
    const i = KIND_ORDER.indexOf(o.kind);
    if (i >= 0) return i;
    return WORKLOAD_KINDS.has(o.kind) ? 1000 : 500;
  };
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

export function isWorkload(obj: any): boolean {
  return (obj.apiVersion === 'v1' || obj.apiVersion === 'apps/v1' || obj.apiVersion === 'batch/v1') && WORKLOAD_KINDS.has(obj.kind);
}

export function describeObject(obj: any): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata?.name}`;
}

/** Text of a rejection or of warnings; undefined when the response is a clean 2xx. */
export function problems(obj: any, res: KubeResponse): string | undefined {
  const out: string[] = [];
  if (res.status < 200 || res.status > 299) out.push(`rejected (HTTP ${res.status}): ${res.body?.message ?? res.text.slice(0, 2000)}`);
  for (const w of res.warnings) out.push(`warning: ${w}`);
  return out.length ? `${describeObject(obj)}: ${out.join('; ')}` : undefined;
}

/**
 * Creates (for real) every namespace the objects live in, labelled restricted. A Namespace
 * object in the set itself is applied with its own labels plus the restricted ones, strict.
 * Returns problems found while applying declared Namespace objects.
 */
export async function ensureNamespaces(k: Kube, objects: any[]): Promise<string[]> {
  const declared = new Map<string, any>();
  for (const o of objects) if (o.apiVersion === 'v1' && o.kind === 'Namespace') declared.set(o.metadata.name, o);
  const needed = new Set<string>(declared.keys());
  for (const o of objects) if (o.metadata?.namespace) needed.add(o.metadata.namespace);
  const out: string[] = [];
  for (const name of [...needed].sort()) {
    const own = declared.get(name);
    const ns = own ? JSON.parse(JSON.stringify(own)) : { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    ns.metadata.labels = { ...ns.metadata.labels, ...RESTRICTED_LABELS };
    const res = await k.apply(ns);
    const p = problems(ns, res);
    if (p) out.push(p);
  }
  for (const name of needed) {
    // Pods need the namespace's "default" ServiceAccount (ServiceAccount admission).
    await waitFor(`ServiceAccount ${name}/default`, () => k.tryGet(`/api/v1/namespaces/${name}/serviceaccounts/default`));
  }
  return out;
}

/** Every pod template inside an object: any node with `spec.containers`, found by walking. */
export function podTemplates(obj: any): { path: string; template: any }[] {
  const out: { path: string; template: any }[] = [];
  const walk = (node: any, at: string) => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${at}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    if (at !== '' && node.spec && Array.isArray(node.spec.containers)) {
      out.push({ path: at.replace(/^\./, ''), template: node });
      return;
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${at}.${key}`);
  };
  if (obj.kind === 'Pod') return [];
  walk(obj.spec, '.spec');
  return out;
}

/** A Pod built from a pod template, for a dry-run create that runs PodSecurity admission. */
export function podFromTemplate(template: any, namespace: string, name: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: template.metadata?.labels, annotations: template.metadata?.annotations },
    spec: template.spec,
  };
}

async function events(k: Kube, namespace: string, uids: Set<string>, reason: string): Promise<string[]> {
  const items = await k.list('v1', 'Event', namespace);
  return items.filter((e) => uids.has(e.involvedObject?.uid) && e.reason === reason).map((e) => `${e.involvedObject.kind} ${e.involvedObject.name}: ${e.message}`);
}

function ownedBy(obj: any, uids: Set<string>): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r: any) => uids.has(r.uid));
}

/** Pods the API server holds for a Job (owner reference on the Job's uid). */
export async function jobPods(k: Kube, job: any): Promise<any[]> {
  const pods = await k.list('v1', 'Pod', job.metadata.namespace);
  return pods.filter((p) => ownedBy(p, new Set([job.metadata.uid])));
}

/** How many pods a Job's controller creates at once (0 when it is suspended). */
export function expectedJobPods(job: any): number {
  if (job.spec.suspend) return 0;
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  return completions === undefined || completions === null ? parallelism : Math.min(parallelism, completions);
}

/**
 * Waits until the controller of a live workload has created its pods and reports any
 * FailedCreate event (PodSecurity, quota, missing ServiceAccount, ...). Returns problems.
 */
export async function checkControllerPods(k: Kube, live: any): Promise<string[]> {
  const ns = live.metadata.namespace;
  let want: number;
  let owners = async (): Promise<Set<string>> => new Set([live.metadata.uid]);
  switch (live.kind) {
    case 'Job':
      want = expectedJobPods(live);
      break;
    case 'ReplicaSet':
      want = live.spec.replicas ?? 1;
      break;
    case 'StatefulSet':
      // OrderedReady creates pod 0 and waits for it to be Ready, which never happens without a kubelet.
      want = live.spec.podManagementPolicy === 'Parallel' ? live.spec.replicas ?? 1 : Math.min(1, live.spec.replicas ?? 1);
      break;
    case 'Deployment': {
      want = live.spec.replicas ?? 1;
      owners = async () => {
        const rs = await k.list('apps/v1', 'ReplicaSet', ns);
        return new Set([live.metadata.uid, ...rs.filter((r) => ownedBy(r, new Set([live.metadata.uid]))).map((r) => r.metadata.uid)]);
      };
      break;
    }
    default:
      return [];
  }
  if (want === 0) return [];
  let seen = 0;
  let failed: string[] = [];
  try {
    await waitFor(
      `${describeObject(live)} to get ${want} pod(s) from its controller`,
      async () => {
        const uids = await owners();
        failed = await events(k, ns, uids, 'FailedCreate');
        if (failed.length) return true;
        const pods = (await k.list('v1', 'Pod', ns)).filter((p) => ownedBy(p, uids));
        seen = pods.length;
        return seen >= want;
      },
      90_000,
      () => `${seen} pod(s) so far`,
    );
  } catch (e) {
    return [`${describeObject(live)}: ${(e as Error).message}`];
  }
  return failed.map((f) => `${describeObject(live)}: FailedCreate: ${f}`);
}

/** Deletes the objects (background propagation) and waits until the API server no longer has them. */
export async function deleteObjects(k: Kube, objects: any[]): Promise<void> {
  for (const obj of objects) {
    const p = await k.objectPath(obj);
    const res = await k.request('DELETE', p, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    if (res.status !== 404 && (res.status < 200 || res.status > 299)) throw new Error(`DELETE ${p}: HTTP ${res.status} ${res.text}`);
  }
  for (const obj of objects) {
    const p = await k.objectPath(obj);
    await waitFor(`${describeObject(obj)} to be deleted`, async () => (await k.tryGet(p)) === undefined);
  }
}
