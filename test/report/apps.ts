import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Size } from 'cdk8s';
import { Accelerator, VolumeClaim } from '../../src/core';
import { DataSource, DatasetInit, Extract } from '../../src/data';
import { Autoscaling, ModelServing, ModelSource, ServingRuntime } from '../../src/serving';
import { MlNamespace } from '../../src/platform';
import { CheckpointVolume, DistributedTrainingJob, Queue } from '../../src/training';

/** The one thing a render changes against the base app. */
export interface Knobs {
  readonly lr?: number;
  readonly servingImage?: string;
  readonly maxReplicas?: number;
  readonly gpuQuota?: number;
  readonly datasetUrl?: string;
  readonly datasetSha256?: string;
  readonly secondDataset?: boolean;
  readonly serving?: boolean;
  readonly storageClassName?: string;
}

/** Synthesizes a small app (namespace + queue, a 2-node training job with a dataset, a model server) into a fresh folder. */
export function renderApp(knobs: Knobs = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-diff-'));
  const app = new App({ outdir: dir });
  const platform = new Chart(app, 'platform');
  const team = new MlNamespace(platform, 'team-a', {
    name: 'team-a',
    gpuQuota: knobs.gpuQuota ?? 64,
    cpuQuota: '512',
    memoryQuota: '4Ti',
    queue: { flavors: [{ name: 'h100', cpu: '256', memory: '2Ti', gpu: 32 }] },
  });
  const training = new Chart(app, 'training', { namespace: 'team-a' });
  const checkpoints = new VolumeClaim(training, 'ckpt', { storage: Size.gibibytes(100), accessModes: ['ReadWriteMany'], storageClassName: knobs.storageClassName ?? 'shared-rwx' });
  const datasets = [new DatasetInit(training, 'shards', {
    source: DataSource.http(knobs.datasetUrl ?? 'https://data.example.com/shards-v1.tar.gz', { sha256: knobs.datasetSha256 ?? 'a'.repeat(64), extract: Extract.TAR_GZ, expectedSize: Size.gibibytes(20) }),
  })];
  if (knobs.secondDataset) {
    datasets.push(new DatasetInit(training, 'extra', { source: DataSource.http('https://mirror.example.org/extra.tar.gz', { sha256: 'b'.repeat(64), extract: Extract.TAR_GZ, expectedSize: Size.gibibytes(5) }) }));
  }
  new DistributedTrainingJob(training, 'llama', {
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train'],
    nodes: 2,
    accelerator: Accelerator.nvidiaGpu({ count: 8 }),
    resources: { cpu: '32', memory: '256Gi' },
    datasets,
    config: { lr: knobs.lr ?? 0.001 },
    queue: Queue.kueue(team),
    checkpoints: CheckpointVolume.claim(checkpoints),
  });
  if (knobs.serving !== false) {
    const serving = new Chart(app, 'serving', { namespace: 'team-a' });
    new ModelServing(serving, 'chat', {
      runtime: ServingRuntime.vllm({ image: knobs.servingImage ?? 'vllm/vllm-openai:v0.6.3', model: '/models/m', servedModelName: 'chat' }),
      model: ModelSource.inImage('/models'),
      accelerator: Accelerator.nvidiaGpu({ count: 1 }),
      resources: { cpu: '8', memory: '32Gi' },
      autoscaling: Autoscaling.cpu({ min: 1, max: knobs.maxReplicas ?? 2, targetUtilization: 70 }),
    });
  }
  app.synth();
  return dir;
}
