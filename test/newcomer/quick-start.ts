import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import {
  Accelerator,
  ArgoCdApplication,
  ArgoSyncPolicy,
  Autoscaling,
  DataSource,
  DatasetInit,
  DatasetVolume,
  DistributedTrainingJob,
  Extract,
  Framework,
  Metrics,
  MlNamespace,
  ModelServing,
  Queue,
  ScheduledTraining,
  ServingRuntime,
  TrainingTemplate,
} from 'cdk8s-ml';

const app = new App();

// The team's namespace: Pod Security "restricted", GPU quota, default-deny network, a Kueue queue.
const platform = new Chart(app, 'platform');
const team = new MlNamespace(platform, 'team-a', {
  name: 'team-a',
  // Kueue admits queued training within the queue's flavors; the quota also holds the
  // un-queued serving replicas at their autoscaling maximum (checked at synth).
  gpuQuota: 32,
  cpuQuota: '384',
  memoryQuota: '3Ti',
  queue: { flavors: [{ name: 'h100', cpu: '256', memory: '2Ti', gpu: 16 }] },
});

// A verified dataset, fetched by an init container before training starts.
const training = new Chart(app, 'training', { namespace: team.name });
const corpus = new DatasetInit(training, 'corpus', {
  source: DataSource.http('https://data.example.com/corpus-2024-06.tar.gz', {
    sha256: '9f6c3c5e0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4',
    extract: Extract.TAR_GZ,
    expectedSize: Size.gibibytes(12),   // sizes the per-pod emptyDir (×2 to extract) and its ephemeral-storage request
  }),
});

// 2 nodes × 4 GPUs, PyTorch rendezvous env set, admitted by Kueue.
new DistributedTrainingJob(training, 'finetune', {
  image: 'ghcr.io/acme/trainer:1.4.2',
  command: ['python', '-m', 'train'],
  nodes: 2,
  accelerator: Accelerator.nvidiaGpu({ count: 4 }),
  framework: Framework.pytorch(),
  resources: { cpu: '32', memory: '256Gi' },
  datasets: [corpus],
  queue: Queue.kueue(team),
  deadline: Duration.hours(24),
});

// The same dataset in a plain cdk8s-plus Job (any cdk8s-plus from 28 to 33).
const evaluation = new kplus.Job(training, 'evaluate', {
  securityContext: { user: 1000, group: 1000, fsGroup: 1000 },
  containers: [{
    image: 'ghcr.io/acme/evaluate:1.4.2',
    securityContext: {
      user: 1000,
      group: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
    resources: {
      cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.units(2) },
      memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) },
    },
  }],
});
corpus.attachTo(evaluation);
// The namespace denies egress by default: let the Job's fetcher reach the dataset host.
evaluation.connections.allowTo(kplus.NetworkPolicyIpBlock.anyIpv4(training, 'internet'), {
  ports: [kplus.NetworkPolicyPort.tcp(443)],
});

// Retrain every night at 02:00 through the same queue.
new ScheduledTraining(training, 'nightly', {
  schedule: '0 2 * * *',
  timeZone: 'Europe/Berlin',
  queue: Queue.kueue(team),
  job: TrainingTemplate.singleNode({
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train', '--window', '1d'],
    resources: { cpu: '16', memory: '128Gi' },
    accelerator: Accelerator.nvidiaGpu({ count: 2 }),
  }),
});

// An OpenAI-compatible vLLM endpoint; the weights arrive through a DatasetInit too.
const serving = new Chart(app, 'serving', { namespace: team.name });
const weights = new DatasetInit(serving, 'weights', {
  source: DataSource.huggingFace('Qwen/Qwen2.5-0.5B-Instruct', { revision: '7ae557604adf67be50417f59c2c2f167def9a775' }),
  volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(4) }),
  mountPath: '/models/qwen',
});
new ModelServing(serving, 'chat', {
  runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/qwen' }),
  model: weights,
  accelerator: Accelerator.nvidiaGpu({ count: 1 }),
  resources: { cpu: '8', memory: '32Gi' },
  // Scale on the load vLLM reports (requests waiting per replica), not on CPU: KEDA reads
  // the metrics Prometheus scrapes through the ServiceMonitor.
  metrics: Metrics.serviceMonitor(),
  autoscaling: Autoscaling.onLoad({ min: 2, max: 8, serverAddress: 'http://prometheus.monitoring:9090' }),
  maxModelLoadTime: Duration.minutes(15),
});

// Argo CD syncs the rendered folder (but not the file holding this Application).
const argocd = new Chart(app, 'argocd');
new ArgoCdApplication(argocd, 'team-a', {
  repoURL: 'https://github.com/acme/ml-platform.git',
  path: 'dist',
  targetRevision: 'main',
  destination: { server: 'https://kubernetes.default.svc' },
  syncPolicy: ArgoSyncPolicy.automated({ prune: true, selfHeal: true }),
  exclude: '{argocd.k8s.yaml}',
});

app.synth();
