/**
 * DistributedTrainingJob, every backend and framework: random valid props render objects
 * that pass strict validation and every policy; random invalid props throw a construct error.
 */
import { External } from '../../src/core';
import { Duration, Size } from 'cdk8s';
import * as fc from 'fast-check';
import { Accelerator } from '../../src/core';
import { DataSource, DatasetInit } from '../../src/data';
import { CheckpointVolume, DistributedTrainingJob, DistributedTrainingJobProps, Framework, Gang, Queue, TrainingBackend } from '../../src/training';
import { SupportedKubernetesVersion } from '../../src/validation/schemas';
import { VERSIONS, badPositiveInt, chartFor, dnsName, env, expectCompliant, expectConstructError, image, params, resources } from './support';

type Backend = 'indexedJob' | 'jobSet' | 'trainJob' | 'pytorchJob';
type FrameworkKind = 'pytorch' | 'pytorch-elastic' | 'jax' | 'tensorflow' | 'mpi';

/** Frameworks each backend can express (the others are refused by design). */
const FRAMEWORKS: Record<Backend, FrameworkKind[]> = {
  indexedJob: ['pytorch', 'pytorch-elastic', 'jax', 'tensorflow', 'mpi'],
  jobSet: ['pytorch', 'pytorch-elastic', 'jax', 'tensorflow', 'mpi'],
  trainJob: ['pytorch', 'jax', 'tensorflow'],
  pytorchJob: ['pytorch', 'pytorch-elastic'],
};

/**
 * Kubernetes versions each backend supports: the vendored JobSet and Kubeflow Trainer CRDs
 * cannot be installed below 1.33 (CEL rules older API servers cannot compile), so those
 * backends refuse a lower target.
 */
const BACKEND_VERSIONS: Record<Backend, readonly SupportedKubernetesVersion[]> = {
  indexedJob: VERSIONS,
  jobSet: VERSIONS.filter((v) => v === '1.33'),
  trainJob: VERSIONS.filter((v) => v === '1.33'),
  pytorchJob: VERSIONS,
};

const BACKENDS: Record<Backend, () => TrainingBackend> = {
  indexedJob: () => TrainingBackend.indexedJob(),
  jobSet: () => TrainingBackend.jobSet(),
  trainJob: () => TrainingBackend.kubeflowTrainJob(),
  pytorchJob: () => TrainingBackend.pytorchJob(),
};

interface Case {
  readonly version: SupportedKubernetesVersion;
  readonly backend: Backend;
  readonly framework: FrameworkKind;
  readonly nodes: number;
  readonly gpus: number;
  readonly procsDivisor: number | undefined;
  readonly port: number | undefined;
  readonly props: Omit<DistributedTrainingJobProps, 'framework' | 'backend' | 'nodes' | 'accelerator' | 'procsPerNode' | 'datasets'>;
  readonly dataset: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  versionPick: fc.nat(),
  backend: fc.constantFrom<Backend>('indexedJob', 'jobSet', 'trainJob', 'pytorchJob'),
  frameworkPick: fc.nat(),
  nodes: fc.integer({ min: 1, max: 8 }),
  gpus: fc.constantFrom(0, 1, 2, 4, 8),
  procsDivisor: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
  port: fc.option(fc.integer({ min: 20000, max: 40000 }), { nil: undefined }),
  dataset: fc.boolean(),
  props: fc.record({
    image,
    command: fc.constant(['python', '-m', 'train']),
    env: fc.option(env, { nil: undefined }),
    resources,
    config: fc.option(fc.dictionary(fc.constantFrom('lr', 'epochs', 'model'), fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 10 }), fc.constantFrom('llama', 'bert'))), { nil: undefined }),
    checkpoints: fc.option(fc.constant(CheckpointVolume.claim(External.claim('ckpt'))), { nil: undefined }),
    queue: fc.option(fc.constantFrom(Queue.kueue(External.localQueue('team-a')), Queue.kueue(External.localQueue('team-a'), { priorityClass: External.workloadPriorityClass('high') }), Queue.none()), { nil: undefined }),
    gang: fc.option(fc.constantFrom(Gang.volcano(), Gang.coscheduling()), { nil: undefined }),
    maxRestarts: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    deadline: fc.option(fc.integer({ min: 1, max: 72 }).map((h) => Duration.hours(h)), { nil: undefined }),
    nonRetryableExitCodes: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    name: fc.option(dnsName(12), { nil: undefined }),
    shmSize: fc.option(fc.constantFrom(Size.gibibytes(1), Size.gibibytes(16)), { nil: undefined }),
    security: fc.option(fc.record({ runAsUser: fc.integer({ min: 1, max: 65535 }) }), { nil: undefined }),
    labels: fc.option(fc.constant({ team: 'research' }), { nil: undefined }),
  }),
}).map(({ frameworkPick, versionPick, ...c }) => ({
  ...c,
  version: BACKEND_VERSIONS[c.backend][versionPick % BACKEND_VERSIONS[c.backend].length],
  framework: FRAMEWORKS[c.backend][frameworkPick % FRAMEWORKS[c.backend].length],
  // PyTorchJob has no podFailurePolicy: it refuses nonRetryableExitCodes by design.
  props: c.backend === 'pytorchJob' ? { ...c.props, nonRetryableExitCodes: undefined } : c.props,
}));

function framework(c: Case): Framework {
  switch (c.framework) {
    case 'pytorch': return Framework.pytorch(c.backend === 'trainJob' || c.port === undefined ? {} : { port: c.port });
    case 'pytorch-elastic': return Framework.pytorch({ minNodes: 1, maxNodes: Math.max(c.nodes, 2) });
    case 'jax': return Framework.jax(c.backend === 'trainJob' || c.port === undefined ? {} : { port: c.port });
    case 'tensorflow': return Framework.tensorflow(c.port === undefined ? {} : { port: c.port });
    case 'mpi': return Framework.mpi();
  }
}

function render(c: Case): any[] {
  const chart = chartFor(c.version);
  const multiProcess = c.framework.startsWith('pytorch') || c.framework === 'mpi';
  const props: DistributedTrainingJobProps = {
    ...c.props,
    nodes: c.nodes,
    backend: BACKENDS[c.backend](),
    framework: framework(c),
    accelerator: c.gpus > 0 ? Accelerator.nvidiaGpu({ count: c.gpus }) : undefined,
    procsPerNode: multiProcess && c.gpus > 0 && c.procsDivisor !== undefined && c.gpus % c.procsDivisor === 0 ? c.gpus / c.procsDivisor : undefined,
    datasets: c.dataset
      ? [new DatasetInit(chart, 'data', { source: DataSource.http('https://data.example.com/d.tar', { sha256: 'ab'.repeat(32), expectedSize: Size.gibibytes(10) }) })]
      : undefined,
  };
  new DistributedTrainingJob(chart, 'train', props);
  return chart.toJson();
}

describe('DistributedTrainingJob properties', () => {
  // 200 runs: ~4 objects each, strict schema + policies ≈ 10-20 ms per case.
  test('random valid props (every backend × framework × version) render compliant manifests', () => {
    fc.assert(fc.property(caseArb, (c) => expectCompliant(render(c), c.version)), params(200));
  });

  test('fails random invalid props with a construct error naming the path', () => {
    const invalid = fc.oneof(
      badPositiveInt.map((nodes) => ({ nodes })),
      fc.constantFrom('Train', 'a'.repeat(70), '-x', 'x_y').map((name) => ({ name })),
      fc.constantFrom('latest', 'repo/image:latest', 'Repo:1', '').map((img) => ({ image: img })),
      fc.constantFrom(-1, 1.5).map((maxRestarts) => ({ maxRestarts })),
      fc.constantFrom([0], [256], [1.5]).map((nonRetryableExitCodes) => ({ nonRetryableExitCodes })),
      fc.constantFrom({ cpu: 'lots', memory: '1Gi' }, { cpu: '1', memory: '-1Gi' }, { cpu: '2', memory: '1Gi', cpuLimit: '1' }).map((r) => ({ resources: r })),
      fc.constantFrom({ HF_TOKEN: 'hf_' + 'x'.repeat(34) }, { 'BAD NAME': 'x' }, { DB_PASSWORD: 'hunter2' }).map((e) => ({ env: e })),
      fc.constantFrom(0, -5).map((runAsUser) => ({ security: { runAsUser } })),
      // A backend below its minimum version (its CRD cannot be installed there).
      fc.record({
        backend: fc.constantFrom<Backend>('jobSet', 'trainJob'),
        version: fc.constantFrom<SupportedKubernetesVersion>(...VERSIONS.filter((v) => v !== '1.33')),
      }).map((belowMinimum) => ({ belowMinimum })),
    );
    fc.assert(fc.property(caseArb, invalid, (c, bad) => {
      if ('belowMinimum' in bad) {
        const { backend, version } = bad.belowMinimum;
        const fw = FRAMEWORKS[backend].includes(c.framework) ? c.framework : 'pytorch';
        const error = expectConstructError(() => render({ ...c, backend, version, framework: fw }), 'p/train');
        expect(error.problem).toContain(`needs Kubernetes 1.33 or newer, but the target version is ${version}`);
        return;
      }
      const broken: Case = { ...c, ...('nodes' in bad ? { nodes: bad.nodes as number } : {}), props: { ...c.props, ...bad } as any };
      expectConstructError(() => render(broken), 'p/train');
    }), params(60));
  });
});
