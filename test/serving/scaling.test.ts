import { Chart, Duration, Testing } from 'cdk8s';
import { Accelerator } from '../../src/core';
import { expectValidManifests } from '../../src/testing';
import { Autoscaling, LoadAutoscalingOptions, Metrics, ModelServing, ModelSource, ServingBackend, ServingRuntime } from '../../src/serving';
import { checkManifests } from '../../src/validation/check';

/**
 * Load metrics each runtime exports, written from the runtimes' own documentation (not from
 * the code under test):
 * - vLLM https://docs.vllm.ai/en/stable/usage/metrics/ : gauges vllm:num_requests_waiting,
 *   vllm:num_requests_running, vllm:kv_cache_usage_perc (0..1).
 * - TGI https://huggingface.co/docs/text-generation-inference/reference/metrics : gauges
 *   tgi_queue_size, tgi_batch_current_size.
 * - Triton https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html :
 *   counters nv_inference_queue_duration_us (cumulative µs queued), nv_inference_request_success.
 * - TorchServe https://github.com/pytorch/serve/blob/master/ts/configs/metrics.yaml : counters
 *   ts_queue_latency_microseconds, ts_inference_requests_total (prometheus metrics mode).
 */
const EXPORTED: Record<string, string[]> = {
  vllm: ['vllm:num_requests_waiting', 'vllm:num_requests_running', 'vllm:kv_cache_usage_perc'],
  tgi: ['tgi_queue_size', 'tgi_batch_current_size'],
  triton: ['nv_inference_queue_duration_us', 'nv_inference_request_success'],
  torchserve: ['ts_queue_latency_microseconds', 'ts_inference_requests_total'],
};

const RUNTIMES: Record<string, ServingRuntime> = {
  vllm: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0', model: '/models/llama' }),
  tgi: ServingRuntime.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:3.0.1', model: '/models/llama' }),
  triton: ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: '/models' }),
  torchserve: ServingRuntime.torchServe({ image: 'pytorch/torchserve:0.12.0-gpu', modelStore: '/models', env: { TS_METRICS_MODE: 'prometheus' } }),
};

const PROM = 'http://prometheus.monitoring:9090';

function render(runtime: ServingRuntime, options: Partial<LoadAutoscalingOptions> = {}, extra: Record<string, unknown> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'team-a' });
  new ModelServing(chart, 'chat', {
    runtime,
    model: ModelSource.inImage('/models'), // the weights the runtimes' model paths point at
    resources: { cpu: '8', memory: '64Gi' },
    accelerator: Accelerator.nvidiaGpu({ count: 1 }),
    metrics: Metrics.serviceMonitor(),
    autoscaling: Autoscaling.onLoad({ min: 1, max: 4, serverAddress: PROM, ...options }),
    ...extra,
  });
  return chart.toJson();
}

const one = (objects: any[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

/** Metric names a PromQL query reads (identifiers followed by a label matcher). */
function metricsIn(query: string): string[] {
  return [...query.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);
}

describe('Autoscaling.onLoad', () => {
  test.each(Object.keys(RUNTIMES))('%s: the ScaledObject queries only metrics the runtime exports, scoped to this serving', (kind) => {
    const objects = render(RUNTIMES[kind]);
    const so = one(objects, 'ScaledObject');
    const trigger = so.spec.triggers[0];
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.serverAddress).toBe(PROM);
    const names = metricsIn(trigger.metadata.query);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(EXPORTED[kind]).toContain(n);
    // Every series selector names this namespace and the Service the ServiceMonitor scrapes.
    const selectors = [...trigger.metadata.query.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    expect(selectors.length).toBe(names.length);
    for (const s of selectors) expect(s).toBe('namespace="team-a",service="chat"');
    // The Service and ServiceMonitor the selector relies on exist with that name.
    expect(objects.find((o) => o.kind === 'Service').metadata.name).toBe('chat');
    expect(one(objects, 'ServiceMonitor').spec.selector.matchLabels['app.kubernetes.io/name']).toBe('chat');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' });
    expect(one(objects, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('vLLM default: waiting requests summed over the pods, compared per replica', () => {
    const so = one(render(RUNTIMES.vllm), 'ScaledObject');
    expect(so.spec.triggers).toEqual([{
      type: 'prometheus',
      name: 'load',
      metricType: 'AverageValue',
      metadata: { serverAddress: PROM, query: 'sum(vllm:num_requests_waiting{namespace="team-a",service="chat"})', threshold: '5' },
    }]);
    expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4, pollingInterval: 15, cooldownPeriod: 300 });
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  test('vLLM KV-cache usage: averaged over the pods and compared as a value', () => {
    const t = one(render(RUNTIMES.vllm, { metric: 'vllm:kv_cache_usage_perc', target: 0.7 }), 'ScaledObject').spec.triggers[0];
    expect(t.metricType).toBe('Value');
    expect(t.metadata.query).toBe('avg(vllm:kv_cache_usage_perc{namespace="team-a",service="chat"})');
    expect(t.metadata.threshold).toBe('0.7');
  });

  test('Triton: queue time per request as rates over the window, with a divisor that never is zero', () => {
    const t = one(render(RUNTIMES.triton, { window: Duration.minutes(1) }), 'ScaledObject').spec.triggers[0];
    expect(t.metricType).toBe('Value');
    expect(t.metadata.query).toBe(
      'sum(rate(nv_inference_queue_duration_us{namespace="team-a",service="chat"}[60s])) / clamp_min(sum(rate(nv_inference_request_success{namespace="team-a",service="chat"}[60s])), 0.001)');
  });

  test('scrape annotations: the selector uses namespace and pod name (no service label on those series)', () => {
    const t = one(render(RUNTIMES.tgi, {}, { metrics: Metrics.scrapeAnnotations() }), 'ScaledObject').spec.triggers[0];
    expect(t.metadata.query).toBe('sum(tgi_queue_size{namespace="team-a",pod=~"chat-[a-z0-9]+-[a-z0-9]+"})');
    // A Deployment's pods are <deployment>-<replicaset hash>-<suffix>.
    const re = new RegExp(`^${/pod=~"([^"]+)"/.exec(t.metadata.query)![1]}$`);
    expect(re.test('chat-7d9f8b6c5d-x2x7q')).toBe(true);
    expect(re.test('chat-canary-7d9f8b6c5d-x2x7q')).toBe(false);
  });

  test('scale to zero: a second trigger that exists without server pods wakes it up', () => {
    const objects = render(RUNTIMES.vllm, { min: 0, activationTarget: 1, scaleFromZero: { query: 'sum(rate(nginx_ingress_controller_requests{host="chat.example.com"}[1m]))', threshold: 10 } });
    const so = one(objects, 'ScaledObject');
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.triggers[0].metadata.activationThreshold).toBe('1');
    expect(so.spec.triggers[1]).toEqual({
      type: 'prometheus',
      name: 'activation',
      metricType: 'AverageValue',
      metadata: { serverAddress: PROM, query: 'sum(rate(nginx_ingress_controller_requests{host="chat.example.com"}[1m]))', threshold: '10', activationThreshold: '0' },
    });
  });

  test('rendered objects pass strict validation (KEDA CRD schema) and the restricted profile', () => {
    for (const kind of Object.keys(RUNTIMES)) {
      const objects = render(RUNTIMES[kind], kind === 'vllm' ? { min: 0, scaleFromZero: { query: 'sum(rate(x[1m]))', threshold: 1 } } : {});
      expect(expectValidManifests(objects)).toBeGreaterThan(0);
      const result = checkManifests(objects);
      expect(result.findings.filter((f: any) => f.severity === 'error' && f.source !== 'app')).toEqual([]);
    }
  });

  test('fails on a metric the runtime does not export, naming the construct and the exported ones', () => {
    expect(() => render(RUNTIMES.vllm, { metric: 'tgi_queue_size' })).toThrow(
      'test/chat: autoscaling onLoad: metric "tgi_queue_size" is not exported by runtime vllm; it exports vllm:num_requests_waiting, vllm:kv_cache_usage_perc, vllm:num_requests_running');
    expect(() => render(RUNTIMES.vllm, { metric: 'vllm:gpu_cache_usage_perc' })).toThrow(/metric "vllm:gpu_cache_usage_perc" is not exported by runtime vllm/);
  });

  test('fails for a custom runtime (no known metric) and without scraping', () => {
    const custom = ServingRuntime.custom({ image: 'ghcr.io/acme/server:1.0.0', port: 8080, healthPath: '/healthz' });
    expect(() => render(custom)).toThrow(/test\/chat: autoscaling onLoad: runtime custom exports no load metric .*Autoscaling.keda/);
    expect(() => render(RUNTIMES.vllm, {}, { metrics: Metrics.none() })).toThrow(/test\/chat: autoscaling onLoad reads the runtime's metrics from Prometheus, but metrics is Metrics.none\(\)/);
  });

  test('fails for TorchServe outside prometheus metrics mode', () => {
    const ts = ServingRuntime.torchServe({ image: 'pytorch/torchserve:0.12.0-gpu', modelStore: '/models' });
    expect(() => render(ts)).toThrow(/test\/chat: autoscaling onLoad: TorchServe exports ts_queue_latency_microseconds .* got TS_METRICS_MODE undefined; set env TS_METRICS_MODE: 'prometheus'/);
  });

  test('fails on min 0 without a wake-up query, and on bad numbers', () => {
    expect(() => render(RUNTIMES.vllm, { min: 0 })).toThrow(/test\/chat: autoscaling onLoad: min 0 needs scaleFromZero: vllm:num_requests_waiting is exported by the server pods/);
    expect(() => render(RUNTIMES.vllm, { min: 2, scaleFromZero: { query: 'x', threshold: 1 } })).toThrow(/scaleFromZero is only used with min 0, got min 2/);
    expect(() => render(RUNTIMES.vllm, { target: -1 })).toThrow(/test\/chat: autoscaling onLoad: target must be a positive number, got -1/);
    expect(() => render(RUNTIMES.vllm, { metric: 'vllm:kv_cache_usage_perc', target: 80 })).toThrow(/fraction 0..1, so target must be at most 1, got 80/);
    expect(() => render(RUNTIMES.vllm, { serverAddress: 'prometheus:9090' })).toThrow(/serverAddress must be an http\(s\) URL, got "prometheus:9090"/);
    expect(() => render(RUNTIMES.vllm, { min: 5, max: 2 })).toThrow(/test\/chat: autoscaling: min 5 is greater than max 2/);
  });

  test('fails without a chart namespace and with the kserve backend', () => {
    const chart = new Chart(Testing.app(), 'nons');
    expect(() => new ModelServing(chart, 'chat', {
      runtime: RUNTIMES.vllm, resources: { cpu: '8', memory: '64Gi' }, metrics: Metrics.serviceMonitor(),
      autoscaling: Autoscaling.onLoad({ min: 1, max: 2, serverAddress: PROM }),
    })).toThrow(/nons\/chat: autoscaling onLoad scopes its query to the serving's namespace, but the chart has no namespace/);
    expect(() => render(RUNTIMES.vllm, {}, { metrics: Metrics.scrapeAnnotations(), backend: ServingBackend.kserve() })).toThrow(/test\/chat: autoscaling onLoad is not supported with the kserve backend/);
  });
});
