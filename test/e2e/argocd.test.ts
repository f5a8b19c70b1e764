/**
 * The example app delivered by a REAL Argo CD (v3, application controller + repo server
 * built from its Go module, started by `provision.sh start --e2e --argocd`): the
 * ArgoCdApplication of dist/ is applied as rendered, its source pointed at a local git
 * repository (file:// URL) holding dist/. Argo CD syncs it (automated, server-side apply)
 * in sync-wave order; Kueue admits the training Jobs and kwok runs their pods; the
 * Application ends Synced and stays Synced over several refreshes without syncing again
 * or writing any object. Negative controls keep the test honest: the same small app with
 * and without the ignoreDifferences `ArgoCdApplication` renders for Kueue (only the one
 * without goes OutOfSync once Kueue admits its Job), and dist/'s Application without the
 * construct-metadata.json exclusion (manifest generation fails on that file).
 *
 * Needs a control plane where dist/ was not applied yet: run it alone with
 * `npm run test:e2e:argocd`. Without Argo CD (plain `npm run test:e2e`) it is reported skipped.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { describeObject, distSets } from '../cluster/support/cluster';
import { Kube, waitFor } from '../cluster/support/kube';
import {
  appText, application, ARGOCD_NS, createRevisions, gitRepo, kueueVariant, pointAt, refresh,
} from './support/argocd';
import {
  check, e2eEnv, isTrue, kindRank, live, provideVolumes, QUEUE_LABEL, syncWave, versions, waitAdmitted, waitJobFinished, waitRolledOut,
  waitWorkloadFinished,
} from './support/e2e';

const EXTERNAL = 'ml.cdk8s.io/external';
const IGNORED = 'e2e-argocd-ignored';
const NOT_IGNORED = 'e2e-argocd-not-ignored';
const NO_EXCLUDE = 'ml-platform-no-exclude';
const ROOT = path.resolve(__dirname, '..', '..');

const env = e2eEnv();
// Not a silent pass: without Argo CD the tests are reported as skipped, with why.
const describeIfArgoCd = env.argocd ? describe : describe.skip;
if (!env.argocd) {
  process.stderr.write('[e2e] argocd.test.ts SKIPPED: Argo CD is not running on this control plane. Run `npm run test:e2e:argocd` '
    + '(provision.sh start --e2e --argocd; the first run builds Argo CD from its Go module, 20-40 min on 2 cores).\n');
}

let k: Kube;
let work: string;
let repoURL: string;
/** dist/'s Application (argocd.k8s.yaml) as rendered. */
let distApp: any;
/** dist/ objects in the repository (everything but the Application itself and kinds left out). */
let synced: any[] = [];
/** dist/ objects left out of the repository: kinds whose CRD does not install here, with why. */
const leftOut: string[] = [];
let variants: Record<string, { files: Record<string, string>; application: any }> = {};

/** CRDs vendored in schemas/crds, by `group/Kind`. */
function vendoredCrds(): Map<string, any> {
  const out = new Map<string, any>();
  const root = path.join(ROOT, 'schemas', 'crds');
  for (const project of fs.readdirSync(root)) {
    for (const f of fs.readdirSync(path.join(root, project)).filter((x) => /\.ya?ml$/.test(x))) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(root, project, f), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind === 'CustomResourceDefinition') out.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd);
      }
    }
  }
  return out;
}

/**
 * The platform's part for kinds the app renders that no component here serves (Argo
 * Workflows, ServiceMonitor): their vendored CRDs (no controller: the objects are stored).
 * Returns the `apiVersion/kind`s still not served, with the server's reason.
 */
async function installMissingCrds(objects: any[]): Promise<Map<string, string>> {
  const served = await k.resources();
  const crds = vendoredCrds();
  const refused = new Map<string, string>();
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}`;
    if (served.has(key) || refused.has(key)) continue;
    const group = o.apiVersion.split('/')[0];
    const crd = crds.get(`${group}/${o.kind}`);
    if (!crd) {
      refused.set(key, 'no vendored CRD');
      continue;
    }
    const res = await k.apply(crd);
    if (res.status < 200 || res.status > 299) {
      refused.set(key, `its CRD does not install on Kubernetes ${env.serverVersion}: ${res.body?.message ?? res.status}`.slice(0, 300));
      continue;
    }
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => isTrue(await k.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`), 'Established'));
    await k.resources(true);
  }
  await k.resources(true);
  return refused;
}

/** dist/ files for the repository: unchanged bytes, except files with objects left out (re-serialised without them). */
function distFiles(refused: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = path.join(ROOT, 'dist');
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const docs = parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o != null);
    const kept = docs.filter((o) => !refused.has(`${o.apiVersion}/${o.kind}`));
    out[`dist/${f}`] = kept.length === docs.length ? text : kept.map((o) => stringify(o)).join('---\n');
  }
  // What `cdk8s synth` writes beside the manifests when a validation plugin is configured:
  // not a Kubernetes object. The Application's directory.exclude must keep Argo CD off it.
  out['dist/construct-metadata.json'] = `${JSON.stringify({ version: '1.0.0', resources: { 'team-a/team-a': { fqn: 'cdk8s-ml.MlNamespace' } } }, null, 2)}\n`;
  return out;
}

async function applyApplication(app: any): Promise<void> {
  check(app, await k.apply(app, { fieldManager: 'kubectl' }), 'applying');
}

/**
 * Waits for the Application's first (automated) sync to succeed (a sync in its history);
 * fails at once when that sync fails.
 */
async function waitSyncSucceeded(name: string, timeoutMs = 300_000): Promise<any> {
  let cur: any;
  return waitFor(
    `Argo CD to sync Application ${name} (operation Succeeded)`,
    async () => {
      await publishIngressAddresses();
      cur = await application(k, name);
      const phase = cur?.status?.operationState?.phase;
      if (cur?.status?.history?.length) return cur;
      if (phase === 'Failed' || phase === 'Error') throw new Error(`Application ${name}: sync ${phase}:\n  ${appText(cur)}`);
      return undefined;
    },
    timeoutMs,
    () => appText(cur),
  );
}

/**
 * The ingress controller's part (none runs here): publish a load-balancer address in the
 * status of every Ingress of the app that has none. Argo CD reports an Ingress Progressing
 * until it has one, and waits for it before the next sync wave.
 */
async function publishIngressAddresses(): Promise<void> {
  for (const o of synced.filter((x) => x.kind === 'Ingress')) {
    const cur = await live(k, o);
    if (!cur || cur.status?.loadBalancer?.ingress?.length) continue;
    const p = `${await k.objectPath(o)}/status`;
    const res = await k.call('PATCH', p, { body: { status: { loadBalancer: { ingress: [{ hostname: 'ingress.e2e.invalid' }] } } }, contentType: 'application/merge-patch+json' });
    check(o, res, 'publishing the ingress address of');
  }
}

/** Managed resources of the Application as listed in its status, `Kind ns/name`. */
function statusResources(app: any, pick: (r: any) => boolean): string[] {
  return (app.status?.resources ?? []).filter(pick).map((r: any) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`).sort();
}

beforeAll(async () => {
  if (!env.argocd) return;
  k = Kube.fromKubeconfig(env.kubeconfig);
  const all = (distSets() ?? []).flatMap((s) => s.objects);
  distApp = all.find((o) => o.kind === 'Application');
  if (!distApp) throw new Error('dist/ has no Argo CD Application (run `npm run synth`)');
  const objects = all.filter((o) => o !== distApp);
  // Argo CD must create everything itself (the wave order is read from creation order).
  for (const o of objects) {
    if ((await k.resources()).has(`${o.apiVersion}/${o.kind}`) && (await live(k, o))) {
      throw new Error(`${describeObject(o)} exists before Argo CD synced anything: this scenario needs a control plane where dist/ `
        + 'was not applied (app.test.ts applies it); run it alone: npm run test:e2e:argocd');
    }
  }
  const refused = await installMissingCrds(objects);
  for (const o of objects) {
    const why = refused.get(`${o.apiVersion}/${o.kind}`);
    if (why) leftOut.push(`${describeObject(o)}: ${why}`);
  }
  synced = objects.filter((o) => !refused.has(`${o.apiVersion}/${o.kind}`));
  if (leftOut.length) process.stderr.write(`[e2e] left out of the repository (kind not served here):\n  ${leftOut.join('\n  ')}\n`);

  variants = { [IGNORED]: kueueVariant(IGNORED, true), [NOT_IGNORED]: kueueVariant(NOT_IGNORED, false) };
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-e2e-argocd-'));
  const files = distFiles(refused);
  for (const [name, v] of Object.entries(variants)) {
    for (const [f, text] of Object.entries(v.files)) files[`${name}/${f}`] = text;
  }
  repoURL = gitRepo(path.join(work, 'repo'), files);

  // The platform's side (as in app.test.ts): volumes for the claims the app renders.
  await provideVolumes(k, synced.filter((o) => o.kind === 'PersistentVolumeClaim'));
}, 120_000);

afterAll(() => {
  k?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describeIfArgoCd(`example app (dist/) synced by Argo CD ${env.versions.argocd}`, () => {
  test('dist/ has objects in several sync waves, in an order a kind-only sync would break', () => {
    // Guards the wave check below: if kind order alone (Argo CD without waves) already put
    // every lower wave first, the check would prove nothing.
    const waves = new Set(synced.map(syncWave));
    expect(waves.size).toBeGreaterThan(1);
    const kindOnlyBreaks = synced.some((a) => synced.some((b) => syncWave(a) < syncWave(b) && kindRank(a.kind) > kindRank(b.kind)));
    expect(kindOnlyBreaks).toBe(true);
  });

  test('the Application as rendered (source: the local repository) is synced by Argo CD: every object created, lower waves first', async () => {
    await applyApplication(pointAt(distApp, repoURL));
    // External claims (another repository's) once their namespace exists, as the platform would.
    for (const o of synced) {
      const ext = o.metadata?.annotations?.[EXTERNAL];
      for (const ref of ext ? JSON.parse(ext) : []) {
        if (ref.kind !== 'PersistentVolumeClaim') continue;
        const ns = ref.namespace ?? o.metadata.namespace;
        await waitFor(`namespace ${ns} (synced by Argo CD)`, () => k.tryGet(`/api/v1/namespaces/${ns}`), 180_000);
        const pvc = {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: ref.name, namespace: ns },
          spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'e2e-external' },
        };
        await provideVolumes(k, [pvc]);
        check(pvc, await k.apply(pvc), 'creating external claim');
      }
    }
    await waitSyncSucceeded(distApp.metadata.name);
    let app: any;
    app = await waitFor(
      `the last sync operation of ${distApp.metadata.name} to end`,
      async () => {
        app = await application(k, distApp.metadata.name);
        return app.status.operationState.phase === 'Succeeded' ? app : undefined;
      },
      300_000,
      () => appText(app),
    );
    // One sync: the automated sync of the revision. A second one would be self-heal
    // correcting a difference right after the first (a fight with a controller).
    const history = (app.status.history ?? []).map((h: any) => `#${h.id} ${h.revision?.slice(0, 8)} deployed ${h.deployedAt} (started ${h.deployStartedAt})`);
    expect(history).toHaveLength(1);
    const results = app.status.operationState.syncResult.resources ?? [];
    expect(results.filter((r: any) => r.status !== 'Synced').map((r: any) => `${r.kind} ${r.namespace ?? ''}/${r.name}: ${r.status} ${r.message}`)).toEqual([]);
    // Every object of the repository, and nothing else, is managed (argocd.k8s.yaml and
    // construct-metadata.json are excluded).
    expect(results.map((r: any) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`).sort()).toEqual(
      // (an object several files render identically is one resource)
      [...new Set(synced.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`))].sort(),
    );

    // Creation order (etcd create revisions): every object of a lower wave before any of a higher one.
    const revs = await createRevisions(k, env.etcd, synced);
    const byWave = new Map<number, { first: number; last: number; firstObj: string; lastObj: string }>();
    for (const o of synced) {
      const w = syncWave(o);
      const r = revs.get(describeObject(o))!;
      const cur = byWave.get(w) ?? { first: Infinity, last: -Infinity, firstObj: '', lastObj: '' };
      if (r < cur.first) Object.assign(cur, { first: r, firstObj: describeObject(o) });
      if (r > cur.last) Object.assign(cur, { last: r, lastObj: describeObject(o) });
      byWave.set(w, cur);
    }
    const waves = [...byWave.keys()].sort((a, b) => a - b);
    const violations: string[] = [];
    for (let i = 1; i < waves.length; i++) {
      const prev = byWave.get(waves[i - 1])!;
      const cur = byWave.get(waves[i])!;
      if (prev.last >= cur.first) {
        violations.push(`wave ${waves[i - 1]}'s ${prev.lastObj} (revision ${prev.last}) created after wave ${waves[i]}'s ${cur.firstObj} (revision ${cur.first})`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('Kueue admits the training Jobs, kwok runs their pods, they complete; the Deployments roll out', async () => {
    const jobs = synced.filter((o) => o.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      const cur = await live(k, job);
      if (cur.metadata.labels?.[QUEUE_LABEL]) await waitAdmitted(k, cur, 120_000);
      await waitJobFinished(k, cur, 'Complete', 180_000);
      if (cur.metadata.labels?.[QUEUE_LABEL]) await waitWorkloadFinished(k, cur);
    }
    for (const dep of synced.filter((o) => o.kind === 'Deployment')) {
      const hpa = synced.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef?.name === dep.metadata.name && o.metadata.namespace === dep.metadata.namespace);
      await waitRolledOut(k, dep, hpa?.spec.minReplicas ?? 1, 180_000);
    }
  });

  test('the Application is Synced, every resource Synced, and healthy except where no controller runs here', async () => {
    let cur: any;
    // Health that comes from components this tier does not run: an Ingress gets no load
    // balancer address without an ingress controller (Argo CD: Progressing); an HPA cannot
    // read CPU metrics without a metrics API (Argo CD: Degraded, ScalingActive False,
    // FailedGetResourceMetric).
    const noController = (r: any) =>
      (r.kind === 'Ingress' && r.health?.status === 'Progressing')
      || (r.kind === 'HorizontalPodAutoscaler' && r.health?.status === 'Degraded' && /metrics/.test(r.health?.message ?? ''));
    cur = await waitFor(
      `Application ${distApp.metadata.name} Synced with every resource Synced and healthy`,
      async () => {
        cur = await refresh(k, distApp.metadata.name);
        const notSynced = statusResources(cur, (r) => r.status !== 'Synced');
        const unhealthy = statusResources(cur, (r) => r.health && r.health.status !== 'Healthy' && !noController(r));
        return cur.status.sync.status === 'Synced' && !notSynced.length && !unhealthy.length ? cur : undefined;
      },
      240_000,
      () => appText(cur),
    );
    // The Application's health is the worst of its resources' (Argo CD's order).
    const order = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];
    const worst = (cur.status.resources as any[]).filter((r) => r.health?.status).map((r) => r.health.status)
      .reduce((w: string, h: string) => (order.indexOf(h) > order.indexOf(w) ? h : w), 'Healthy');
    expect(cur.status.health.status).toBe(worst);
    // Conditions: none, except Argo CD's warning about an object that several files render
    // (the content-addressed fetch-script ConfigMap every DatasetInit user gets), which is
    // only acceptable when every copy is identical (Argo CD applies one of them).
    const copies = new Map<string, string[]>();
    for (const o of synced) {
      const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      copies.set(key, [...(copies.get(key) ?? []), JSON.stringify(o)]);
    }
    const unexplained = (cur.status.conditions ?? []).filter((c: any) => {
      const m = /^Resource [^/]*\/([^/]+)\/([^/]*)\/(\S+) appeared (\d+) times/.exec(c.message ?? '');
      const same = m ? copies.get(`${m[1]}/${m[2]}/${m[3]}`) ?? [] : [];
      const explainedRepeat = c.type === 'RepeatedResourceWarning' && m && same.length === Number(m[4]) && new Set(same).size === 1;
      if (explainedRepeat) process.stderr.write(`[e2e] Argo CD warns: ${c.message} (identical copies in dist/)\n`);
      return !explainedRepeat;
    }).map((c: any) => `${c.type}: ${c.message}`);
    expect(unexplained).toEqual([]);
    const explained = statusResources(cur, noController);
    if (explained.length) process.stderr.write(`[e2e] not Healthy because no controller for it runs here: ${explained.join(', ')}\n`);
  });

  test('it stays Synced over three refreshes (one hard): no sync runs, no object is written', async () => {
    const name = distApp.metadata.name;
    const before = await application(k, name);
    const objectsBefore = await versions(k, synced);
    const states: string[] = [];
    for (const kind of ['normal', 'hard', 'normal'] as const) {
      const cur = await refresh(k, name, kind);
      states.push(`${kind}: ${cur.status.sync.status} at revision ${cur.status.sync.revision?.slice(0, 8)}`);
      expect({ refresh: kind, sync: cur.status.sync.status, outOfSync: statusResources(cur, (r) => r.status !== 'Synced') })
        .toEqual({ refresh: kind, sync: 'Synced', outOfSync: [] });
    }
    const after = await application(k, name);
    // No automated sync ran (self-heal would start one on any difference).
    expect({ startedAt: after.status.operationState.startedAt, history: after.status.history?.length })
      .toEqual({ startedAt: before.status.operationState.startedAt, history: before.status.history?.length });
    // And no object was written (status aside, which controllers keep writing).
    const objectsAfter = await versions(k, synced);
    const written = [...objectsBefore.keys()].filter((key) => objectsBefore.get(key)!.fingerprint !== objectsAfter.get(key)!.fingerprint)
      .map((key) => `${key}: ${objectsBefore.get(key)!.text} -> ${objectsAfter.get(key)!.text}`);
    expect(written).toEqual([]);
    expect(states).toHaveLength(3);
  });
});

describeIfArgoCd('negative controls: what the rendered Application settings prevent', () => {
  test('Kueue adds a flavor label to an admitted Job\'s node selector: Synced with the rendered ignoreDifferences, OutOfSync without', async () => {
    const ignored = variants[IGNORED].application;
    const notIgnored = variants[NOT_IGNORED].application;
    expect(ignored.spec.ignoreDifferences?.length).toBeGreaterThan(0);
    expect(notIgnored.spec.ignoreDifferences).toBeUndefined();
    for (const v of [ignored, notIgnored]) await applyApplication(pointAt(v, repoURL));
    for (const name of [IGNORED, NOT_IGNORED]) await waitSyncSucceeded(name);

    // Kueue admitted each Job and wrote the flavor's labels into its node selector; the
    // rendered selector has only the product label (the control is live only then).
    for (const name of [IGNORED, NOT_IGNORED]) {
      const job = { apiVersion: 'batch/v1', kind: 'Job', ...(await k.list('batch/v1', 'Job', name))[0] };
      expect(job).toBeDefined();
      const rendered = Object.values(variants[name].files).flatMap((t) => parseAllDocuments(t).map((d) => d.toJS())).find((o) => o?.kind === 'Job');
      expect(rendered.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
      await waitAdmitted(k, job, 120_000);
      const admitted = await live(k, job);
      expect(admitted.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.present': 'true' });
    }

    let a: any;
    let b: any;
    await waitFor(
      `Application ${IGNORED} Synced and ${NOT_IGNORED} OutOfSync on its Job`,
      async () => {
        a = await refresh(k, IGNORED);
        b = await refresh(k, NOT_IGNORED);
        return a.status.sync.status === 'Synced' && b.status.sync.status === 'OutOfSync' && statusResources(b, (r) => r.status !== 'Synced').length > 0;
      },
      180_000,
      () => `${IGNORED}: ${appText(a)}\n${NOT_IGNORED}: ${appText(b)}`,
    );
    expect(statusResources(a, (r) => r.status !== 'Synced')).toEqual([]);
    expect(statusResources(b, (r) => r.status !== 'Synced')).toEqual([`Job ${NOT_IGNORED}/${(await k.list('batch/v1', 'Job', NOT_IGNORED))[0].metadata.name}`]);
  });

  test('dist/\'s Application without the construct-metadata.json exclusion cannot generate its manifests', async () => {
    expect(distApp.spec.source.directory.exclude).toContain('construct-metadata.json');
    const app = pointAt(distApp, repoURL, NO_EXCLUDE);
    app.spec.source.directory.exclude = '{argocd.k8s.yaml}';
    delete app.spec.syncPolicy.automated; // compare only: it must not fight ml-platform over the objects
    await applyApplication(app);
    let cur: any;
    cur = await waitFor(
      `Application ${NO_EXCLUDE} to report a ComparisonError`,
      async () => {
        cur = await application(k, NO_EXCLUDE);
        return (cur?.status?.conditions ?? []).find((c: any) => c.type === 'ComparisonError') ? cur : undefined;
      },
      120_000,
      () => appText(cur),
    );
    const message = cur.status.conditions.find((c: any) => c.type === 'ComparisonError').message;
    // The file that broke manifest generation is our construct-metadata.json (its content).
    expect(message).toMatch(/Object 'Kind' is missing in '.*"fqn":"cdk8s-ml\.MlNamespace"/);
    await k.call('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${NO_EXCLUDE}`);
  });
});
