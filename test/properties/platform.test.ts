/**
 * Platform constructs (MlNamespace, ScheduledTraining, ArgoCdApplication, GitOps): random
 * valid props render compliant manifests; random invalid props throw a construct error.
 */
import { Queue } from '../../src/training';
import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { Accelerator, KubernetesVersion, setTargetKubernetesVersion } from '../../src/core';
import { ArgoCdApplication, ArgoSyncPolicy, DeliveryMode, GitOps } from '../../src/gitops';
import { MlNamespace, MlNamespaceProps, ScheduledTraining, ScheduledTrainingProps, TrainingTemplate } from '../../src/platform';
import { Framework } from '../../src/training';
import { SupportedKubernetesVersion } from '../../src/validation/schemas';
import { VERSIONS, dnsName, expectCompliant, expectConstructError, params } from './support';

interface Case {
  readonly version: SupportedKubernetesVersion;
  readonly mode: DeliveryMode;
  readonly namespace: Omit<MlNamespaceProps, 'name'> & { readonly name: string };
  readonly training: Omit<ScheduledTrainingProps, 'job' | 'queue'> & { readonly distributed: boolean; readonly gpus: number; readonly nodes: number };
  readonly argo: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  version: fc.constantFrom(...VERSIONS),
  mode: fc.constantFrom(DeliveryMode.GITOPS, DeliveryMode.KUBECTL),
  namespace: fc.record({
    name: dnsName(16),
    // at least the largest training request (4 nodes × 8 GPUs): MlNamespace refuses a quota no job fits.
    gpuQuota: fc.option(fc.integer({ min: 32, max: 64 }), { nil: undefined }),
    cpuQuota: fc.option(fc.constantFrom('256', '512'), { nil: undefined }),
    memoryQuota: fc.option(fc.constantFrom('2Ti', '4Ti'), { nil: undefined }),
    podQuota: fc.option(fc.integer({ min: 20, max: 500 }), { nil: undefined }),
    defaults: fc.option(fc.constant({ cpu: '500m', memory: '1Gi' }), { nil: undefined }),
    queue: fc.option(fc.constant({ flavors: [{ name: 'h100', nodeLabels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }, cpu: '512', memory: '4Ti', gpu: 64 }] }), { nil: undefined }),
  }),
  training: fc.record({
    schedule: fc.constantFrom('0 2 * * *', '*/30 * * * *', '15 3 * * 1-5'),
    timeZone: fc.option(fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York'), { nil: undefined }),
    name: fc.option(dnsName(10), { nil: undefined }),
    suspend: fc.option(fc.boolean(), { nil: undefined }),
    successfulJobsHistoryLimit: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    startingDeadline: fc.option(fc.integer({ min: 1, max: 60 }).map((m) => Duration.minutes(m)), { nil: undefined }),
    distributed: fc.boolean(),
    gpus: fc.constantFrom(0, 1, 2, 8),
    nodes: fc.integer({ min: 1, max: 4 }),
  }),
  argo: fc.boolean(),
});

function render(c: Case, overrides: { namespace?: Partial<MlNamespaceProps>; training?: Partial<ScheduledTrainingProps> } = {}): any[] {
  const app: App = Testing.app();
  const chartFor = (id: string, namespace?: string) => {
    const chart = new Chart(app, id, namespace ? { namespace } : {});
    setTargetKubernetesVersion(chart, KubernetesVersion.of(c.version));
    return chart;
  };
  const ns = new MlNamespace(chartFor('ns'), 'team', { ...c.namespace, ...overrides.namespace });
  const { distributed, gpus, nodes, ...training } = c.training;
  const accelerator = gpus > 0 ? Accelerator.nvidiaGpu({ count: gpus }) : undefined;
  const job = distributed
    ? TrainingTemplate.distributed({ image: 'ghcr.io/acme/trainer:1.4.2', command: ['python', '-m', 'train'], nodes, resources: { cpu: '8', memory: '64Gi' }, accelerator, framework: Framework.pytorch() })
    : TrainingTemplate.singleNode({ image: 'ghcr.io/acme/trainer:1.4.2', command: ['python', '-m', 'train'], env: { LOG_LEVEL: 'info' }, resources: { cpu: '8', memory: '64Gi' }, accelerator, shmSize: Size.gibibytes(4) });
  new ScheduledTraining(chartFor('retrain', ns.name), 'nightly', {
    ...training,
    queue: c.namespace.queue ? Queue.kueue(ns) : undefined,
    job,
    ...overrides.training,
  });
  if (c.argo) {
    new ArgoCdApplication(chartFor('argocd'), 'platform', {
      repoURL: 'https://github.com/acme/ml-platform.git',
      path: 'dist',
      targetRevision: 'main',
      destination: { server: 'https://kubernetes.default.svc' },
      syncPolicy: ArgoSyncPolicy.automated({ prune: true, selfHeal: true }),
    });
  }
  GitOps.apply(app, { mode: c.mode });
  return app.charts.flatMap((chart) => chart.toJson());
}

describe('platform properties', () => {
  // 100 runs: ~10-15 objects each (namespace, quota, limits, policies, queues, CronJob…).
  test('random valid props render compliant manifests (GitOps and kubectl delivery)', () => {
    fc.assert(fc.property(caseArb, (c) => expectCompliant(render(c), c.version)), params(100));
  });

  test('fails random invalid props with a construct error naming the path', () => {
    const invalid = fc.oneof(
      fc.constantFrom('Team-A', 'x'.repeat(70), 'kube-system ').map((name) => ({ namespace: { name } })),
      fc.constantFrom(-1, 1.5).map((gpuQuota) => ({ namespace: { gpuQuota } })),
      fc.constantFrom('lots', '-1').map((cpuQuota) => ({ namespace: { cpuQuota } })),
      fc.constantFrom('* * *', '61 * * * *', 'every day').map((schedule) => ({ training: { schedule } })),
      fc.constantFrom('Mars/Olympus', 'utc+2').map((timeZone) => ({ training: { timeZone } })),
      fc.constantFrom(-1, 1.5).map((successfulJobsHistoryLimit) => ({ training: { successfulJobsHistoryLimit } })),
      fc.constantFrom('latest', 'trainer:latest').map((img) => ({ training: { job: TrainingTemplate.singleNode({ image: img, resources: { cpu: '1', memory: '1Gi' } }) } })),
    );
    fc.assert(fc.property(caseArb, invalid, (c, bad) => {
      const err = expectConstructError(() => render(c, bad as any), '');
      expect(err.constructPath).toMatch(/^(ns\/team|retrain\/nightly)/);
    }), params(60));
  });
});
