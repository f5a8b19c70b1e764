/** jest globalTeardown of the cluster tier: stops what global-setup.ts started. */
import { execFileSync } from 'child_process';
import * as path from 'path';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.CDK8S_ML_CLUSTER_OWNED_DIR;
  if (!dir) return; // an externally provided control plane is left alone
  execFileSync(path.join(__dirname, 'provision.sh'), ['stop', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  delete process.env.CDK8S_ML_CLUSTER_OWNED_DIR;
  delete process.env.CDK8S_ML_CLUSTER_KUBECONFIG;
}
