import { App, Chart, Duration } from 'cdk8s';
import { Accelerator } from '../core';
import { DataSource, DatasetInit, Extract } from '../data';
import { CheckpointVolume, DistributedTrainingJob, Framework, Queue } from '../training';

/**
 * Example: a 2-node × 8-GPU PyTorch fine-tune on a plain Indexed Job, admitted by Kueue,
 * with an ImageNet DatasetInit, a hashed config and a shared checkpoint volume.
 */
export function distributedTrainingChart(app: App): Chart {
  const chart = new Chart(app, 'training-distributed', { namespace: 'team-a' });
  const imagenet = new DatasetInit(chart, 'imagenet', {
    source: DataSource.http('https://data.example.com/imagenet-1k.tar.gz', {
      sha256: '9f6c3c5e0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4',
      extract: Extract.TAR_GZ,
    }),
  });
  new DistributedTrainingJob(chart, 'llama-ft', {
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train'],
    nodes: 2,
    accelerator: Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' }),
    framework: Framework.pytorch({ port: 29500 }),
    resources: { cpu: '32', memory: '512Gi' },
    datasets: [imagenet],
    config: { lr: 3e-4, epochs: 3, model: 'llama-3-8b' },
    checkpoints: CheckpointVolume.pvc('llama-ft-checkpoints'),
    queue: Queue.kueue('team-a'),
    maxRestarts: 3,
    deadline: Duration.hours(48),
  });
  return chart;
}
