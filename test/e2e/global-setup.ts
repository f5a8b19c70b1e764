/**
 * jest globalSetup of the e2e tier: starts the cluster tier's control plane with the e2e
 * controllers (test/cluster/provision.sh start --e2e: kube-scheduler, Kueue, JobSet when its
 * CRD installs on this Kubernetes version, kwok with simulated GPU nodes). The binaries are
 * built on first use and cached (see the README, "E2E tier"). globalTeardown is the cluster
 * tier's (provision.sh stop).
 *
 * With CDK8S_ML_E2E_ARGOCD=1 (`npm run test:e2e:argocd`) it also starts Argo CD's application
 * controller and repo server (provision.sh start --e2e --argocd; test/e2e/argocd.test.ts).
 *
 * With CDK8S_ML_CLUSTER_KUBECONFIG already set (e.g. from `npm run cluster:up`), that
 * control plane is used and nothing is started or stopped.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kube } from '../cluster/support/kube';

const PROVISION = path.resolve(__dirname, '..', 'cluster', 'provision.sh');

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

export default async function globalSetup(): Promise<void> {
  if (!process.env.CDK8S_ML_CLUSTER_KUBECONFIG) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-e2e.'));
    process.env.CDK8S_ML_CLUSTER_OWNED_DIR = dir;
    const started = Date.now();
    const argocd = process.env.CDK8S_ML_E2E_ARGOCD === '1' ? ['--argocd'] : [];
    const out = execFileSync(PROVISION, ['start', dir, '--e2e', ...argocd, '--owner-pid', String(process.pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    process.env.CDK8S_ML_CLUSTER_KUBECONFIG = out.trim().split('\n').pop()!;
    log(`control plane with controllers started in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  const k = Kube.fromKubeconfig(process.env.CDK8S_ML_CLUSTER_KUBECONFIG!);
  try {
    const version = await k.get('/version');
    process.env.CDK8S_ML_CLUSTER_VERSION = version.gitVersion;
    log(`API server ${version.gitVersion}`);
  } catch (e) {
    if (process.env.CDK8S_ML_CLUSTER_OWNED_DIR) {
      execFileSync(PROVISION, ['stop', process.env.CDK8S_ML_CLUSTER_OWNED_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
    throw e;
  } finally {
    k.close();
  }
}
