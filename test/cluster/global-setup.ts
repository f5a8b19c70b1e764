/**
 * jest globalSetup of the cluster tier: starts etcd + kube-apiserver +
 * kube-controller-manager through provision.sh (building or reusing the cached binaries),
 * installs every vendored CRD from schemas/crds and waits until each is Established.
 *
 * With CDK8S_ML_CLUSTER_KUBECONFIG already set (e.g. `provision.sh run -- npx jest -c
 * jest.cluster.config.js`), that control plane is used and nothing is started or stopped.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import type { RejectedCrd } from './support/cluster';
import { Kube, waitFor } from './support/kube';

const HERE = __dirname;
const REPO_ROOT = path.resolve(HERE, '..', '..');
export const CRD_DIR = path.join(REPO_ROOT, 'schemas', 'crds');

function log(msg: string): void {
  process.stderr.write(`[cluster] ${msg}\n`);
}

export function crdFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(CRD_DIR);
  return out;
}

/**
 * Installs every CRD (server-side apply, strict), waits until the accepted ones are
 * Established, and returns the ones the server rejected: some upstream CRDs need a newer
 * Kubernetes than the tier's server (CEL features and cost limits); crds.test.ts checks
 * that list against the documented one, and manifests of those kinds fail with the reason.
 */
async function installCrds(k: Kube): Promise<RejectedCrd[]> {
  const started = Date.now();
  const names: string[] = [];
  const rejected: RejectedCrd[] = [];
  const crds: { file: string; crd: any }[] = [];
  for (const file of crdFiles()) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind === 'CustomResourceDefinition') crds.push({ file: path.relative(REPO_ROOT, file), crd });
    }
  }
  // A few at a time: large CRDs cost the API server seconds each; 2 cores.
  let next = 0;
  const worker = async () => {
    while (next < crds.length) {
      const { file, crd } = crds[next++];
      // POST is several times cheaper than server-side apply for multi-megabyte CRDs; apply
      // only when the CRD exists already (a control plane reused across runs).
      let res = await k.create(crd);
      if (res.status === 409) res = await k.apply(crd);
      if (res.status < 200 || res.status > 299) {
        const message = `HTTP ${res.status}: ${res.body?.message ?? res.text}`;
        rejected.push({ file, name: crd.metadata.name, group: crd.spec.group, kind: crd.spec.names.kind, message });
        log(`CRD ${crd.metadata.name} (${file}) rejected: ${message.split('\n')[0].slice(0, 300)}`);
      } else names.push(crd.metadata.name);
      // Upstream CRDs are not our output: warnings are reported, not fatal.
      for (const w of res.warnings) log(`warning installing ${file}: ${w}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  rejected.sort((a, b) => a.name.localeCompare(b.name));
  const applied = Date.now();
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const crd = await k.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      return (crd.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
    });
  }
  log(`${names.length} CRDs from ${path.relative(REPO_ROOT, CRD_DIR)} installed in ${((applied - started) / 1000).toFixed(1)}s, Established ${((Date.now() - applied) / 1000).toFixed(1)}s later; ${rejected.length} rejected`);
  return rejected;
}

export default async function globalSetup(): Promise<void> {
  if (!process.env.CDK8S_ML_CLUSTER_KUBECONFIG) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-cluster.'));
    // Set before starting so that teardown cleans up even if start fails half-way.
    process.env.CDK8S_ML_CLUSTER_OWNED_DIR = dir;
    const started = Date.now();
    const out = execFileSync(path.join(HERE, 'provision.sh'), ['start', dir, '--owner-pid', String(process.pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    const kubeconfig = out.trim().split('\n').pop()!;
    process.env.CDK8S_ML_CLUSTER_KUBECONFIG = kubeconfig;
    log(`control plane started in ${((Date.now() - started) / 1000).toFixed(1)}s (kubeconfig ${kubeconfig})`);
  }
  const k = Kube.fromKubeconfig(process.env.CDK8S_ML_CLUSTER_KUBECONFIG!);
  try {
    const version = await k.get('/version');
    log(`API server ${version.gitVersion}`);
    process.env.CDK8S_ML_CLUSTER_VERSION = version.gitVersion;
    process.env.CDK8S_ML_CLUSTER_REJECTED_CRDS = JSON.stringify(await installCrds(k));
  } catch (e) {
    // jest skips globalTeardown when globalSetup throws: stop here.
    if (process.env.CDK8S_ML_CLUSTER_OWNED_DIR) {
      execFileSync(path.join(HERE, 'provision.sh'), ['stop', process.env.CDK8S_ML_CLUSTER_OWNED_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
    throw e;
  } finally {
    k.close();
  }
}
