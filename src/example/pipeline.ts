import { App, Chart, Duration, Size } from 'cdk8s';
import { Accelerator, External, KubernetesVersion, setTargetKubernetesVersion } from '../core';
import { DataSource, DatasetInit, Extract } from '../data';
import { TrainingPipeline, Workspace } from '../pipeline';
import { Framework } from '../training';

/**
 * Example: a nightly prepare → train (2 nodes × 4 GPUs) → evaluate (fan-out over two
 * benchmarks) → publish pipeline on Argo Workflows. Steps hand files to each other through
 * the run's directory on the shared `shared-nfs` claim.
 *
 * The chart targets Kubernetes 1.31 (TrainingPipeline's minimum: the vendored Argo Workflows
 * CRDs exceed the CEL cost budget of older API servers); the target is set on this chart only,
 * before any child is added, so the app's other charts keep the 1.28 default.
 */
export function pipelineChart(app: App): Chart {
  const chart = new Chart(app, 'pipeline', { namespace: 'team-a' });
  setTargetKubernetesVersion(chart, KubernetesVersion.V1_31);
  const corpus = new DatasetInit(chart, 'corpus', {
    source: DataSource.http('https://data.example.com/corpus/wiki-2024.tar.gz', {
      sha256: '9b2f6c1d0e4a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
      extract: Extract.TAR_GZ,
      expectedSize: Size.gibibytes(12),
    }),
  });

  const nightly = new TrainingPipeline(chart, 'nightly', {
    // the platform team's NFS share, managed in another repository
    workspace: Workspace.pvc(External.claim('shared-nfs', { accessModes: ['ReadWriteMany'] })),
    schedule: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    timeout: Duration.hours(12),
  });
  const prepare = nightly.addStep('prepare', {
    image: 'ghcr.io/acme/llm-tools:1.4.0',
    command: ['python', '-m', 'tools.tokenize', '--out', '/workspace/tokens'],
    inputs: [corpus],
    resources: { cpu: '8', memory: '32Gi' },
  });
  const train = nightly.addDistributedTrainingStep('train', {
    image: 'ghcr.io/acme/llm-trainer:2.3.1',
    command: ['python', '-m', 'trainer', '--data', '/workspace/tokens', '--out', '/workspace/model'],
    nodes: 2,
    accelerator: Accelerator.nvidiaGpu({ count: 4 }),
    resources: { cpu: '32', memory: '256Gi' },
    framework: Framework.pytorch(),
    dependsOn: [prepare],
    timeout: Duration.hours(8),
  });
  const evaluate = nightly.addStep('evaluate', {
    image: 'ghcr.io/acme/llm-eval:0.9.2',
    command: ['python', '-m', 'evals.run', '--model', '/workspace/model'],
    withItems: ['mmlu', 'gsm8k'],
    accelerator: Accelerator.nvidiaGpu({ count: 1 }),
    resources: { cpu: '8', memory: '64Gi' },
    retry: { limit: 2, exitCodes: [143] },
    dependsOn: [train],
  });
  nightly.addStep('publish', {
    image: 'ghcr.io/acme/llm-tools:1.4.0',
    command: ['python', '-m', 'tools.publish', '--model', '/workspace/model'],
    dependsOn: [evaluate],
  });
  return chart;
}
