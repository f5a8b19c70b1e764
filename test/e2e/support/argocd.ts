/**
 * Helpers for the Argo CD scenario of the e2e tier (test/e2e/argocd.test.ts): a local git
 * repository served as a file:// URL (as Argo CD's own e2e fixture does), the variant apps
 * rendered by our constructs, reading an Application's status, and etcd's create revisions
 * (the order in which the API server created objects).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Accelerator } from '../../../src/core';
import { ArgoCdApplication, ArgoSyncPolicy, GitOps } from '../../../src/gitops';
import { MlNamespace } from '../../../src/platform';
import { DistributedTrainingJob, Framework, Queue } from '../../../src/training';
import { describeObject } from '../../cluster/support/cluster';
import { Kube, waitFor } from '../../cluster/support/kube';
import { GPU_PRODUCT } from './fixtures';

export const ARGOCD_NS = 'argocd';
export const REFRESH = 'argocd.argoproj.io/refresh';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@localhost', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@localhost' },
  });
}

/** A git repository with branch `main` holding `files` (relative path -> content); returns its file:// URL. */
export function gitRepo(dir: string, files: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'rendered app');
  return `file://${dir}`;
}

/** The files `cdk8s synth` wrote for an app (name -> content). */
export function synthFiles(app: App): Record<string, string> {
  app.synth();
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(app.outdir).sort()) out[f] = fs.readFileSync(path.join(app.outdir, f), 'utf8');
  return out;
}

/**
 * A small team app rendered by our constructs, delivered by its own `ArgoCdApplication`
 * (automated sync, prune, self-heal; folder `name` of the repository): a namespace whose
 * Kueue ResourceFlavor selects the GPU nodes by two labels (`nvidia.com/gpu.product` and
 * `nvidia.com/gpu.present`) while the training Job's pods select only the product, so
 * Kueue's admission adds `nvidia.com/gpu.present` to the Job's node selector (an atomic
 * map: the whole selector changes). `kueueManaged` is passed to `ArgoCdApplication`.
 */
export function kueueVariant(name: string, kueueManaged: boolean): { files: Record<string, string>; application: any } {
  const app = Testing.app();
  const nsChart = new Chart(app, 'team');
  const ns = new MlNamespace(nsChart, 'ns', {
    name,
    gpuQuota: 8,
    cpuQuota: '64',
    memoryQuota: '1Ti',
    queue: {
      flavors: [
        {
          name: `${name}-h100`,
          nodeLabels: { 'nvidia.com/gpu.product': GPU_PRODUCT, 'nvidia.com/gpu.present': 'true' },
          cpu: '64',
          memory: '1Ti',
          gpu: 8,
        },
      ],
    },
  });
  const training = new Chart(app, 'training', { namespace: name });
  new DistributedTrainingJob(training, 'ft', {
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train'],
    nodes: 2,
    accelerator: Accelerator.nvidiaGpu({ count: 4, product: GPU_PRODUCT }),
    framework: Framework.pytorch(),
    resources: { cpu: '16', memory: '128Gi' },
    queue: Queue.kueue(ns),
  });
  const argo = new Chart(app, 'argocd');
  const application = new ArgoCdApplication(argo, name, {
    repoURL: 'https://git.example.com/acme/e2e.git', // pointed at the local repository by the test (pointAt)
    path: name,
    targetRevision: 'main',
    destination: { server: 'https://kubernetes.default.svc' },
    syncPolicy: ArgoSyncPolicy.automated({ prune: true, selfHeal: true }),
    exclude: '{argocd.k8s.yaml}',
    kueueManaged,
  });
  GitOps.apply(app);
  const files = synthFiles(app);
  const rendered = argo.toJson().find((o) => o.kind === 'Application');
  if (!rendered) throw new Error(`no Application rendered for ${application.name}`);
  return { files, application: rendered };
}

/**
 * The rendered Application with its source pointed at the local repository (file:// URL;
 * our construct accepts only remote URLs) and, optionally, another name. Everything else
 * (path, revision, exclude, ignoreDifferences, sync policy and options) as rendered.
 */
export function pointAt(rendered: any, repoURL: string, name?: string): any {
  const app = JSON.parse(JSON.stringify(rendered));
  app.spec.source.repoURL = repoURL;
  if (name) app.metadata.name = name;
  return app;
}

export async function application(k: Kube, name: string): Promise<any> {
  return k.tryGet(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`);
}

/** One line about an Application's state, for timeouts and failures. */
export function appText(app: any): string {
  if (!app) return 'Application missing';
  const s = app.status ?? {};
  const op = s.operationState;
  const notSynced = (s.resources ?? []).filter((r: any) => r.status !== 'Synced').map((r: any) => `${r.kind} ${r.namespace ?? ''}/${r.name}: ${r.status}`);
  const unhealthy = (s.resources ?? [])
    .filter((r: any) => r.health && r.health.status !== 'Healthy')
    .map((r: any) => `${r.kind} ${r.namespace ?? ''}/${r.name}: ${r.health.status}${r.health.message ? ` (${r.health.message})` : ''}`);
  const failedResults = (op?.syncResult?.resources ?? [])
    .filter((r: any) => r.status && r.status !== 'Synced' && r.status !== 'Pruned')
    .map((r: any) => `${r.kind} ${r.namespace ?? ''}/${r.name}: ${r.status} ${r.message ?? ''}`);
  return [
    `sync ${s.sync?.status ?? '?'}, health ${s.health?.status ?? '?'}`,
    op ? `operation ${op.phase}${op.message ? `: ${op.message}` : ''}` : 'no operation',
    ...(s.conditions ?? []).map((c: any) => `condition ${c.type}: ${c.message}`),
    ...(notSynced.length ? [`not synced: ${notSynced.join('; ')}`] : []),
    ...(unhealthy.length ? [`not healthy: ${unhealthy.join('; ')}`] : []),
    ...(failedResults.length ? [`sync results: ${failedResults.join('; ')}`] : []),
  ].join('\n  ');
}

/** Asks Argo CD to refresh the Application (what `argocd app get --refresh` does) and waits until it has. */
export async function refresh(k: Kube, name: string, kind: 'normal' | 'hard' = 'normal', timeoutMs = 120_000): Promise<any> {
  const before = await application(k, name);
  const p = `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`;
  await k.call('PATCH', p, { body: { metadata: { annotations: { [REFRESH]: kind } } }, contentType: 'application/merge-patch+json' });
  let cur: any;
  return waitFor(
    `Argo CD to refresh Application ${name} (${kind})`,
    async () => {
      cur = await application(k, name);
      return cur && !cur.metadata.annotations?.[REFRESH] && cur.status?.reconciledAt !== before?.status?.reconciledAt ? cur : undefined;
    },
    timeoutMs,
    () => `annotation ${cur?.metadata?.annotations?.[REFRESH] ?? 'removed'}, reconciledAt ${cur?.status?.reconciledAt}; ${appText(cur)}`,
  );
}

/**
 * etcd's create revision of each object (the revision of the transaction that created
 * it): creation order across all kinds, which resourceVersion no longer tells once objects
 * were updated. Read through etcd's JSON gateway (keys only).
 */
export async function createRevisions(k: Kube, etcd: string, objects: any[]): Promise<Map<string, number>> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const res = await fetch(`${etcd}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64('/registry/'), range_end: b64('/registry0'), keys_only: true }),
  });
  if (!res.ok) throw new Error(`etcd range: HTTP ${res.status} ${await res.text()}`);
  const body: any = await res.json();
  const keys: { key: string; rev: number }[] = (body.kvs ?? []).map((kv: any) => ({ key: Buffer.from(kv.key, 'base64').toString(), rev: Number(kv.create_revision) }));
  const out = new Map<string, number>();
  for (const o of objects) {
    const info = await k.resourceFor(o);
    const suffix = info.namespaced ? `/${o.metadata.namespace}/${o.metadata.name}` : `/${o.metadata.name}`;
    // The key's resource part is the plural, or the kind in lower case for a few old kinds
    // (ingress); Services are under /registry/services/specs/, beside their Endpoints
    // (/registry/services/endpoints/, another resource).
    const hits = keys.filter((x) => x.key.endsWith(suffix) && !x.key.startsWith('/registry/services/endpoints/')
      && (x.key.includes(`/${info.resource}/`) || x.key.includes(`/${o.kind.toLowerCase()}/`)));
    if (hits.length !== 1) throw new Error(`${describeObject(o)}: ${hits.length} etcd keys match ${info.resource}${suffix}: ${hits.map((h) => h.key).join(', ')}`);
    out.set(describeObject(o), hits[0].rev);
  }
  return out;
}
