/**
 * ModelServing, every runtime and backend: random valid props render objects that pass
 * strict validation and every policy; random invalid props throw a construct error.
 */
import { External } from '../../src/core';
import { Duration, Size } from 'cdk8s';
import * as fc from 'fast-check';
import { Accelerator } from '../../src/core';
import { Autoscaling, Drain, Expose, Metrics, ModelServing, ModelServingProps, ModelSource, ServingBackend, ServingClient, ServingRuntime } from '../../src/serving';
import { SupportedKubernetesVersion } from '../../src/validation/schemas';
import { VERSIONS, chartFor, env, expectCompliant, expectConstructError, params, resources } from './support';

type Runtime = 'vllm' | 'triton' | 'tgi' | 'torchserve' | 'custom';

const RUNTIMES: Record<Runtime, () => ServingRuntime> = {
  vllm: () => ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/m' }),
  triton: () => ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: '/models' }),
  tgi: () => ServingRuntime.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:2.4.0', model: '/models/m' }),
  torchserve: () => ServingRuntime.torchServe({ image: 'pytorch/torchserve:0.12.0-cpu', modelStore: '/models' }),
  custom: () => ServingRuntime.custom({ image: 'ghcr.io/acme/ranker:3.2.1', port: 9000, healthPath: '/livez', readyPath: '/readyz', metricsPort: 9090 }),
};

interface Case {
  readonly version: SupportedKubernetesVersion;
  readonly runtime: Runtime;
  readonly kserve: boolean;
  readonly props: Omit<ModelServingProps, 'runtime' | 'backend'>;
}

const autoscaling = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((n) => Autoscaling.fixed(n)),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 10, max: 95 }))
    .map(([min, extra, t]) => Autoscaling.cpu({ min, max: min + extra, targetUtilization: t })),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 8 }))
    .map(([min, extra]) => Autoscaling.keda({ min, max: min + extra, serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(rate(requests_total[1m]))', threshold: 50 })),
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  version: fc.constantFrom(...VERSIONS),
  runtime: fc.constantFrom<Runtime>('vllm', 'triton', 'tgi', 'torchserve', 'custom'),
  kserve: fc.boolean(),
  props: fc.record({
    resources,
    accelerator: fc.option(fc.constantFrom(1, 2, 4).map((count) => Accelerator.nvidiaGpu({ count })), { nil: undefined }),
    // The runtimes load from /models: a claim mounted there, or weights baked into the image.
    model: fc.constantFrom(ModelSource.pvc(External.claim('model-cache')), ModelSource.inImage('/models')),
    autoscaling: fc.option(autoscaling, { nil: undefined }),
    maxModelLoadTime: fc.option(fc.integer({ min: 1, max: 30 }).map((m) => Duration.minutes(m)), { nil: undefined }),
    expose: fc.option(fc.constantFrom(
      Expose.internal(),
      Expose.ingress({ host: 'chat.example.com', tls: true, className: 'nginx' }),
      Expose.httpRoute({ gateway: { name: 'public', namespace: 'gateway-system' } }),
    ), { nil: undefined }),
    metrics: fc.option(fc.constantFrom(Metrics.none(), Metrics.serviceMonitor(), Metrics.scrapeAnnotations()), { nil: undefined }),
    env: fc.option(env, { nil: undefined }),
    allowFrom: fc.option(fc.constantFrom([ServingClient.sameNamespace()], [ServingClient.namespace('apps')], [ServingClient.pods({ app: 'gateway' })]), { nil: undefined }),
    drain: fc.option(fc.constantFrom(Drain.sleep(Duration.seconds(5)), Drain.none()), { nil: undefined }),
    shmSize: fc.option(fc.constant(Size.gibibytes(2)), { nil: undefined }),
    spread: fc.option(fc.constant({ zones: true }), { nil: undefined }),
    canary: fc.option(fc.integer({ min: 1, max: 50 }).map((weight) => ({ weight })), { nil: undefined }),
    labels: fc.option(fc.constant({ team: 'search' }), { nil: undefined }),
  }),
});

/**
 * KServe cases target 1.28 only: compiling the 5 MB InferenceService CRD schema costs ~10 s
 * of CPU per Kubernetes version in the validator, and the CRD does not change with it.
 */
const version = (c: Case): SupportedKubernetesVersion => (c.kserve ? '1.28' : c.version);

/** Renders a case; `override` props are applied last (invalid-props tests). */
function render(c: Case, override: Record<string, unknown> = {}): any[] {
  const chart = chartFor(version(c));
  const runtime = RUNTIMES[c.runtime]();
  const routed = (c.props.expose?.kind === 'ingress' || c.props.expose?.kind === 'httpRoute') && !c.kserve;
  new ModelServing(chart, 'serve', {
    ...c.props,
    // KServe owns the Service and the ingress, and splits traffic itself: those props are refused by design.
    expose: c.kserve ? undefined : c.props.expose,
    metrics: c.kserve && c.props.metrics?.kind === 'serviceMonitor' ? Metrics.scrapeAnnotations() : c.props.metrics,
    // A canary is split by weight at the Ingress/HTTPRoute and needs a second image.
    canary: c.props.canary && routed && !c.kserve ? { ...c.props.canary, image: `${runtime.image.split(':')[0]}:canary-1` } : undefined,
    runtime,
    backend: c.kserve ? ServingBackend.kserve() : ServingBackend.deployment(),
    ...override,
  });
  return chart.toJson();
}

describe('ModelServing properties', () => {
  // 200 runs: ~6 objects each, strict schema + policies ≈ 15-25 ms per case.
  test('random valid props (every runtime × backend × version) render compliant manifests', () => {
    fc.assert(fc.property(caseArb, (c) => expectCompliant(render(c), version(c))), params(200));
  });

  test('fails random invalid props with a construct error naming the path', () => {
    const invalid = fc.oneof(
      fc.constantFrom({ cpu: 'lots', memory: '1Gi' }, { cpu: '1', memory: '0' }).map((r) => ({ resources: r })),
      fc.constantFrom(0, -1, 1.5).map((count) => ({ accelerator: Accelerator.nvidiaGpu({ count }) })),
      fc.constantFrom([-1, 2], [3, 2], [1.5, 4]).map(([min, max]) => ({ autoscaling: Autoscaling.cpu({ min, max, targetUtilization: 70 }) })),
      fc.constantFrom(0, 101, -5).map((targetUtilization) => ({ autoscaling: Autoscaling.cpu({ min: 1, max: 2, targetUtilization }) })),
      fc.constantFrom('Serve', 'x'.repeat(70), 'a_b').map((name) => ({ name })),
      fc.constantFrom({ OPENAI_API_KEY: 'sk-' + 'a'.repeat(30) }, { 'BAD NAME': 'x' }).map((e) => ({ env: e })),
      fc.constantFrom(-1, 101, 2.5).map((weight) => ({ canary: { weight, image: 'ghcr.io/acme/x:2' }, expose: Expose.httpRoute({ gateway: { name: 'g' } }) })),
    );
    fc.assert(fc.property(caseArb, invalid, (c, bad) => {
      expectConstructError(() => render({ ...c, kserve: false }, bad), 'p/serve');
    }), params(60));
  });
});
