import { App, Chart, Duration, Size } from 'cdk8s';
import { Accelerator, EnvSource, External } from '../core';
import { ArgoCdApplication, ArgoSyncPolicy, DeliveryMode, GitOps } from '../gitops';
import { MlNamespace, ScheduledTraining, TrainingTemplate } from '../platform';
import { Queue } from '../training';

/** Name of the Argo CD chart; its file (`argocd.k8s.yaml`) is excluded from the Application's own source. */
export const ARGOCD_CHART = 'argocd';

/** Example: the `team-a` namespace with GPU quota, Kueue queues and default-deny networking. */
export function teamNamespaceChart(app: App): { chart: Chart; namespace: MlNamespace } {
  const chart = new Chart(app, 'team-a');
  const namespace = new MlNamespace(chart, 'team-a', {
    name: 'team-a',
    gpuQuota: 32,
    cpuQuota: '512',
    memoryQuota: '4Ti',
    defaults: { cpu: '500m', memory: '1Gi' },
    queue: {
      flavors: [{ name: 'h100', nodeLabels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }, cpu: '512', memory: '4Ti', gpu: 32 }],
    },
  });
  return { chart, namespace };
}

/** Example: retrain every night at 02:00 Berlin time on yesterday's data, through the team's Kueue queue. */
export function nightlyRetrainingChart(app: App, namespace: MlNamespace): Chart {
  const chart = new Chart(app, 'retraining', { namespace: namespace.name });
  new ScheduledTraining(chart, 'ranker-nightly', {
    schedule: '0 2 * * *',
    timeZone: 'Europe/Berlin',
    queue: Queue.kueue(namespace),
    partOf: 'ml-platform',
    job: TrainingTemplate.singleNode({
      image: 'ghcr.io/acme/ranker-trainer:3.4.1',
      // the script derives "yesterday" from JOB_NAME (see the README section on ScheduledTraining)
      command: ['python', '-m', 'ranker.train', '--data-window', '1d'],
      // the W&B key lives in a Secret the platform team syncs from its vault
      env: { WANDB_API_KEY: EnvSource.fromSecret(External.secret('wandb'), 'api-key') },
      // the namespace denies egress by default: declare (and allow) the tracking server
      egressTo: [{ host: 'api.wandb.ai' }],
      resources: { cpu: '16', memory: '128Gi' },
      accelerator: Accelerator.nvidiaGpu({ count: 2, product: 'NVIDIA-H100-80GB-HBM3' }),
      shmSize: Size.gibibytes(16),
      activeDeadline: Duration.hours(6),
    }),
  });
  return chart;
}

/** Example: the Argo CD Application syncing `dist/` (automated, prune, self-heal). */
export function argoCdChart(app: App): Chart {
  const chart = new Chart(app, ARGOCD_CHART);
  new ArgoCdApplication(chart, 'ml-platform', {
    repoURL: 'https://github.com/acme/ml-platform.git',
    path: 'dist',
    targetRevision: 'main',
    destination: { server: 'https://kubernetes.default.svc' },
    syncPolicy: ArgoSyncPolicy.automated({ prune: true, selfHeal: true }),
    exclude: `{${ARGOCD_CHART}.k8s.yaml}`,
  });
  return chart;
}

/**
 * Example: the team platform (namespace, nightly retraining, Argo CD Application) with the
 * GitOps rules applied to the WHOLE app (every chart, including ones added before or after).
 * Returns the rules and the team namespace (the other charts' workloads use its queue).
 */
export function gitopsExample(app: App, mode: DeliveryMode = DeliveryMode.GITOPS): { gitops: GitOps; namespace: MlNamespace } {
  const { namespace } = teamNamespaceChart(app);
  nightlyRetrainingChart(app, namespace);
  argoCdChart(app);
  return { gitops: GitOps.apply(app, { mode }), namespace };
}
