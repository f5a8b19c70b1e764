/**
 * Re-sync is a no-op (issue 14, part 3): every object of every fixture and of dist/ (all its
 * files as one set, the way Argo CD syncs the folder) is stored by the API server exactly as
 * we render it, and applying it again changes nothing.
 *
 * For each set:
 * 1. client-side `kubectl apply` (what Argo CD does by default) creates the objects; every
 *    field present in our YAML is compared with the value the server stores: the number of
 *    differing fields must be 0 (a quantity in another form, an empty list or zero value the
 *    server drops, a number stored as a string, ...);
 * 2. `kubectl apply` again reports every object "unchanged";
 * 3. server-side apply as field manager `argocd`, without force, twice: no conflict, and the
 *    second apply leaves every object's resourceVersion as it was.
 *
 * The tier has no Kueue, no scheduler and no kubelet: controllers of kube-controller-manager
 * act (the Job controller creates pods, ...) but nothing admits queued workloads; the e2e tier
 * re-applies after Kueue and the autoscaler have acted.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { Kube } from './support/kube';
import {
  applyOrder,
  deleteObjects,
  describeObject,
  DIST_DIR,
  distSets,
  fixtureSets,
  kube,
  ManifestSet,
  placeObjects,
  RESTRICTED_LABELS,
  serverVersion,
  skipReason,
  splitByInstalledCrds,
} from './support/cluster';
import { waitFor } from './support/kube';

const ARGOCD = 'argocd';

/**
 * Kinds for which `kubectl apply` never computes an empty patch, so it reports "configured"
 * even when nothing changes: a PodDisruptionBudget's `spec.selector` has the strategic-merge
 * patch strategy `replace` (k8s.io/api policy/v1), so the selector is in every patch. For
 * these the check is that the server changed nothing (same generation and managed fields).
 */
const ALWAYS_PATCHED = new Set(['PodDisruptionBudget']);

/**
 * What a write by an apply changes: generation, labels, annotations, the body, and the managed
 * fields of writes to the object itself. Not status, nor the managed-fields entries of status
 * writes (a controller updating status, e.g. the disruption controller on a PDB, bumps their time).
 */
function serverState(live: any): string {
  const { status: _status, metadata, ...rest } = live;
  const managed = (metadata.managedFields ?? []).filter((m: any) => m.subresource === undefined || m.subresource === '');
  return JSON.stringify({ generation: metadata.generation, labels: metadata.labels, annotations: metadata.annotations, managed, rest });
}
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

const dist = distSets();
const sets: ManifestSet[] = [...fixtureSets()];
if (dist && dist.length > 0) {
  sets.push({ name: 'dist/ (every file, one app)', defaultNamespace: 'dist-app', objects: dist.flatMap((s) => s.objects) });
}

let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

/** Totals over every set, printed at the end (the figures of the report). */
const totals = { sets: 0, objects: 0, differingFields: 0, differingObjects: 0, notUnchanged: 0, conflicts: 0, rewritten: 0 };
afterAll(() => {
  process.stderr.write(`[drift] ${serverVersion()}: ${totals.sets} sets, ${totals.objects} objects: ${totals.differingFields} differing fields on ${totals.differingObjects} objects; kubectl re-apply not "unchanged": ${totals.notUnchanged}; server-side apply conflicts: ${totals.conflicts}; rewritten by a re-apply: ${totals.rewritten}\n`);
});

describe('manifest sources', () => {
  if (dist === undefined || dist.length === 0) test.skip(`dist/*.yaml: skipped, nothing in ${DIST_DIR} (run \`npm run synth\` first)`, () => undefined);
  test('kubectl is available for the client-side apply checks', () => {
    const r = spawnSync(KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    expect(r.error?.message ?? (r.status === 0 ? 'ok' : r.stderr)).toBe('ok');
  });
});

for (const whole of sets) describe(whole.name, () => {
  const skip = skipReason(whole);
  if (skip) {
    test.skip(`skipped: ${skip}`, () => undefined);
    return;
  }
  const { set, excluded } = splitByInstalledCrds(whole);
  if (excluded.length > 0) {
    test.skip(`not applied, their CRD does not install on ${serverVersion()}: ${excluded.join(', ')}`, () => undefined);
  }
  if (set.objects.length === 0) return;

  test('the server stores every rendered field as rendered; kubectl and server-side re-applies change nothing', async () => {
    const placed = await placeObjects(k, set);
    expect(placed.problems).toEqual([]);
    const objects = applyOrder(placed.objects);
    await createUndeclaredNamespaces(k, objects);
    const created = objects.filter((o) => !(o.apiVersion === 'v1' && o.kind === 'Namespace'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-drift.'));
    const file = path.join(dir, 'set.yaml');
    fs.writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    try {
      // 1. client-side apply creates; every rendered field compared with what is stored.
      kubectl(['apply', '-f', file]);
      const differences: string[] = [];
      let differingObjects = 0;
      for (const obj of objects) {
        const stored = await k.get(await k.objectPath(obj));
        const found: string[] = [];
        diffRendered(obj, stored, '', found);
        if (found.length) differingObjects++;
        differences.push(...found.map((f) => `${describeObject(obj)}: ${f}`));
      }

      // 2. kubectl apply again: every object "unchanged" (for the kinds whose patch kubectl
      // never finds empty, "configured" with nothing changed on the server).
      const before = new Map<string, string>();
      for (const obj of objects) before.set(describeObject(obj), serverState(await k.get(await k.objectPath(obj))));
      const lines = kubectl(['apply', '-f', file]).split('\n').filter((line) => line.trim() !== '');
      const notUnchanged: string[] = [];
      for (const [i, line] of lines.entries()) {
        if (/ unchanged$/.test(line)) continue;
        const obj = objects[i];
        if (/ configured$/.test(line) && obj && ALWAYS_PATCHED.has(obj.kind)) {
          const now = serverState(await k.get(await k.objectPath(obj)));
          if (now === before.get(describeObject(obj))) continue;
        }
        notUnchanged.push(line);
      }
      expect(lines.length).toBe(objects.length);

      // 3. server-side apply as argocd, no force: no conflict; the second apply rewrites nothing.
      const conflicts: string[] = [];
      for (const obj of objects) {
        const res = await k.apply(obj, { fieldManager: ARGOCD, force: false });
        if (res.status < 200 || res.status > 299) conflicts.push(`${describeObject(obj)}: HTTP ${res.status}: ${res.body?.message ?? res.text}`);
      }
      const rewritten: string[] = [];
      for (const obj of objects) {
        const change = await k.reapplyChange(obj, ARGOCD);
        if (change) rewritten.push(`${describeObject(obj)}: ${change}`);
      }

      totals.sets++;
      totals.objects += objects.length;
      totals.differingFields += differences.length;
      totals.differingObjects += differingObjects;
      totals.notUnchanged += notUnchanged.length;
      totals.conflicts += conflicts.length;
      totals.rewritten += rewritten.length;
      expect({ differences, notUnchanged, conflicts, rewritten }).toEqual({ differences: [], notUnchanged: [], conflicts: [], rewritten: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      // Namespaces stay (other sets may share them); everything else goes.
      await deleteObjects(k, created.reverse());
    }
  });
});

describe('self-check: the comparison finds each kind of drift', () => {
  test('a quantity in another form, a number stored as a string, a dropped empty list and zero value', () => {
    const rendered = { spec: { memory: '4096Mi', gpu: 8, ingress: [], minReadySeconds: 0, same: { a: 'x' }, list: [{ a: 1 }] } };
    const stored = { spec: { memory: '4Gi', gpu: '8', same: { a: 'x', added: 'by the server' }, list: [{ a: 1, b: 2 }] } };
    const found: string[] = [];
    diffRendered(rendered, stored, '', found);
    expect(found).toEqual([
      '.spec.memory: rendered "4096Mi", stored "4Gi"',
      '.spec.gpu: rendered 8, stored "8"',
      '.spec.ingress: rendered [], stored (absent)',
      '.spec.minReadySeconds: rendered 0, stored (absent)',
    ]);
  });
});

/**
 * Appends to `out` one line per field of `rendered` whose stored value differs: a scalar of
 * another value or type, or an object, list or value missing. Fields only the server has
 * (defaults, status, metadata) are not ours and not compared.
 */
function diffRendered(rendered: unknown, stored: unknown, at: string, out: string[]): void {
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  if (Array.isArray(rendered)) {
    if (!Array.isArray(stored) || stored.length !== rendered.length) {
      out.push(`${at}: rendered ${show(rendered)}, stored ${show(stored)}`);
      return;
    }
    rendered.forEach((v, i) => diffRendered(v, stored[i], `${at}[${i}]`, out));
    return;
  }
  if (rendered !== null && typeof rendered === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
      out.push(`${at}: rendered ${show(rendered)}, stored ${show(stored)}`);
      return;
    }
    for (const [key, value] of Object.entries(rendered)) diffRendered(value, (stored as Record<string, unknown>)[key], `${at}.${key}`, out);
    return;
  }
  if (rendered !== stored) out.push(`${at}: rendered ${show(rendered)}, stored ${show(stored)}`);
}

function kubectl(args: string[]): string {
  const kubeconfig = process.env.CDK8S_ML_CLUSTER_KUBECONFIG!;
  try {
    return execFileSync(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${err.stderr || err.message}\n${err.stdout ?? ''}`);
  }
}

/** Namespaces the objects live in but the set does not declare, created labelled restricted. */
async function createUndeclaredNamespaces(kc: Kube, objects: any[]): Promise<void> {
  const declared = new Set(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace').map((o) => o.metadata.name));
  const needed = [...new Set(objects.map((o) => o.metadata?.namespace).filter((n) => n && !declared.has(n)))].sort();
  for (const name of needed) {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: RESTRICTED_LABELS } };
    const res = await kc.apply(ns);
    if (res.status < 200 || res.status > 299) throw new Error(`${describeObject(ns)}: HTTP ${res.status}: ${res.text}`);
    await waitFor(`ServiceAccount ${name}/default`, () => kc.tryGet(`/api/v1/namespaces/${name}/serviceaccounts/default`));
  }
}
