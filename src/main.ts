/**
 * Example app: a small ML platform for one team, one chart per concern, rendered into
 * dist/ by `npm run synth` (from the compiled JS, lib/src/main.js) and synced by Argo CD:
 *
 * - team-a: the namespace (Pod Security restricted, GPU quota, default-deny network, Kueue queue)
 * - retraining: a nightly single-node retrain (CronJob)
 * - argocd: the Argo CD Application that syncs dist/
 * - data: datasets attached to cdk8s-plus workloads (a Job and a Deployment)
 * - training-distributed: a 2-node × 8-GPU PyTorch fine-tune with a verified dataset
 * - serving: a vLLM server with autoscaling, TLS ingress, canary and metrics
 * - pipeline: a nightly prepare → train → evaluate → publish Argo Workflows pipeline; this
 *   chart targets Kubernetes 1.31 (TrainingPipeline's minimum, set on the chart itself), the
 *   others the 1.28 default
 *
 * GitOps rules (sync waves, Job TTL rules) apply to every chart of the app.
 */
import { App } from 'cdk8s';
import { dataChart } from './example/data';
import { gitopsExample } from './example/gitops';
import { pipelineChart } from './example/pipeline';
import { servingChart } from './example/serving';
import { distributedTrainingChart } from './example/training-distributed';

export function buildExampleApp(outdir?: string): App {
  const app = new App({ outdir });
  const { namespace } = gitopsExample(app);
  dataChart(app);
  distributedTrainingChart(app, namespace);
  servingChart(app);
  pipelineChart(app);
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
