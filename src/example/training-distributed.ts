import { App, Chart, Duration, Size } from 'cdk8s';
import { Accelerator, VolumeClaim } from '../core';
import { MlNamespace } from '../platform';
import { DataSource, DatasetInit, Extract } from '../data';
import { CheckpointVolume, DistributedTrainingJob, Framework, Queue } from '../training';

/**
 * Example: a 2-node × 8-GPU PyTorch fine-tune on a plain Indexed Job, admitted by the team
 * namespace's Kueue LocalQueue, with an ImageNet DatasetInit, a hashed config and a
 * ReadWriteMany checkpoint claim rendered beside it.
 */
export function distributedTrainingChart(app: App, team: MlNamespace): Chart {
  const chart = new Chart(app, 'training-distributed', { namespace: team.name });
  // every node mounts the checkpoints: the claim must be ReadWriteMany
  const checkpoints = new VolumeClaim(chart, 'llama-ft-checkpoints', {
    storage: Size.tebibytes(2),
    accessModes: ['ReadWriteMany'],
    storageClassName: 'shared-rwx',
  });
  const imagenet = new DatasetInit(chart, 'imagenet', {
    source: DataSource.http('https://data.example.com/imagenet-1k.tar.gz', {
      sha256: '9f6c3c5e0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4',
      extract: Extract.TAR_GZ,
      // Declared size: the per-pod emptyDir gets 2 × 140 GiB (archive + extracted files) as its
      // sizeLimit, and the pod requests that much ephemeral-storage.
      expectedSize: Size.gibibytes(140),
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
    checkpoints: CheckpointVolume.claim(checkpoints),
    queue: Queue.kueue(team),
    maxRestarts: 3,
    deadline: Duration.hours(48),
  });
  return chart;
}
