// Load-based autoscaling of a ModelServing (internal): the metrics each runtime exports that
// measure load, and the KEDA ScaledObject that scales on them.
import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, show } from '../core/errors';
import { Autoscaling, LoadAutoscalingOptions } from './autoscaling';
import { Metrics } from './metrics';
import { ServingRuntime } from './runtime';
import { wholeSeconds } from './util';

/**
 * How a load metric turns into one number for KEDA:
 * - `sum`: a gauge summed over the serving's pods, compared per replica (`AverageValue`):
 *   "N waiting requests per replica".
 * - `avg`: a 0..1 gauge averaged over the pods, compared as a whole (`Value`).
 * - `perRequest`: a counter of cumulative time divided by a request counter, both as rates
 *   over the window: the average time a request spent queued, compared as a whole (`Value`).
 */
type Aggregation = 'sum' | 'avg' | 'perRequest';

/** A load metric a runtime exports on its metrics endpoint. */
export interface RuntimeLoadMetric {
  /** The Prometheus metric name. */
  readonly name: string;
  /** What it measures, for messages and docs. */
  readonly description: string;
  /** The request counter dividing `name` (for `perRequest`). */
  readonly perRequest?: string;
  /** Aggregation over the serving's pods. */
  readonly aggregation: Aggregation;
  /** Target used when the options set none. */
  readonly defaultTarget: number;
  /** Where the runtime documents it. */
  readonly doc: string;
}

/**
 * The load metrics of each runtime, the first the default. Every name is checked against
 * the runtime's own documentation (URL in `doc`).
 */
const LOAD_METRICS: Readonly<Record<string, readonly RuntimeLoadMetric[]>> = {
  vllm: [
    // https://docs.vllm.ai/en/stable/usage/metrics/ — gauge "Number of requests waiting to be processed".
    { name: 'vllm:num_requests_waiting', description: 'requests waiting in the scheduler queue', aggregation: 'sum', defaultTarget: 5, doc: 'https://docs.vllm.ai/en/stable/usage/metrics/' },
    // https://docs.vllm.ai/en/stable/usage/metrics/ — gauge "KV-cache usage. 1 means 100 percent usage"
    // (vLLM V1; releases before the V1 engine named it vllm:gpu_cache_usage_perc, now deprecated).
    { name: 'vllm:kv_cache_usage_perc', description: 'KV-cache usage, 0..1', aggregation: 'avg', defaultTarget: 0.8, doc: 'https://docs.vllm.ai/en/stable/usage/metrics/' },
    // https://docs.vllm.ai/en/stable/usage/metrics/ — gauge "Number of requests in model execution batches".
    { name: 'vllm:num_requests_running', description: 'requests in the running batch', aggregation: 'sum', defaultTarget: 32, doc: 'https://docs.vllm.ai/en/stable/usage/metrics/' },
  ],
  tgi: [
    // https://huggingface.co/docs/text-generation-inference/reference/metrics — gauge "Current queue size".
    { name: 'tgi_queue_size', description: 'requests in the router queue', aggregation: 'sum', defaultTarget: 5, doc: 'https://huggingface.co/docs/text-generation-inference/reference/metrics' },
    // https://huggingface.co/docs/text-generation-inference/reference/metrics — gauge "Current batch size".
    { name: 'tgi_batch_current_size', description: 'requests in the current batch', aggregation: 'sum', defaultTarget: 32, doc: 'https://huggingface.co/docs/text-generation-inference/reference/metrics' },
  ],
  triton: [
    // https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html —
    // counters "Queue Time" (nv_inference_queue_duration_us, cumulative µs a request waits in
    // the scheduling queue) and "Success Request Count" (nv_inference_request_success).
    {
      name: 'nv_inference_queue_duration_us', perRequest: 'nv_inference_request_success', description: 'average queue time per request, µs',
      aggregation: 'perRequest', defaultTarget: 50000, doc: 'https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html',
    },
  ],
  torchserve: [
    // https://github.com/pytorch/serve/blob/master/ts/configs/metrics.yaml (default frontend metrics,
    // docs/metrics.md): counters ts_queue_latency_microseconds and ts_inference_requests_total,
    // exported on the metrics API only with metrics_mode prometheus (TS_METRICS_MODE).
    {
      name: 'ts_queue_latency_microseconds', perRequest: 'ts_inference_requests_total', description: 'average queue time per request, µs',
      aggregation: 'perRequest', defaultTarget: 50000, doc: 'https://pytorch.org/serve/metrics.html',
    },
  ],
};

/** The load metrics a runtime kind exports (empty for `custom`). */
export function runtimeLoadMetrics(kind: string): readonly RuntimeLoadMetric[] {
  return LOAD_METRICS[kind] ?? [];
}

/** Where the scaled pods are, for the query selector. @internal */
export interface LoadScope {
  /** The Service in front of the pods that serve (and export metrics). */
  readonly service: string;
  /** Regular expression matching the names of those pods (scrape annotations carry no service label). */
  readonly podPattern: string;
  /** The object KEDA scales. */
  readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

/** A load scaler resolved at construction (validated), rendered later. @internal */
export interface ResolvedLoadScaling {
  readonly metric: RuntimeLoadMetric;
  readonly query: string;
  readonly metricType: 'AverageValue' | 'Value';
  readonly target: number;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Validates {@link Autoscaling.onLoad} for `runtime` and builds the PromQL query. The query
 * is scoped to this serving's pods by the labels the scrape adds to every series: with a
 * Prometheus operator ServiceMonitor, `namespace` and `service` (the Service the endpoints
 * belong to); with `prometheus.io/*` annotations (the common `kubernetes-pods` scrape job),
 * `namespace` and `pod`. The runtimes' own labels (model name, version) are not needed.
 * @internal
 */
export function resolveLoadScaling(scope: Construct, autoscaling: Autoscaling, runtime: ServingRuntime, metrics: Metrics, where: LoadScope): ResolvedLoadScaling {
  const o = autoscaling.loadOptions!;
  const exported = runtimeLoadMetrics(runtime.kind);
  const names = exported.map((m) => m.name);
  if (exported.length === 0) {
    fail(scope, `autoscaling onLoad: runtime ${runtime.kind} exports no load metric cdk8s-ml knows; use Autoscaling.keda({ query }) with a query on your server's own metrics`);
  }
  const metric = o.metric === undefined ? exported[0] : exported.find((m) => m.name === o.metric);
  if (!metric) {
    fail(scope, `autoscaling onLoad: metric ${show(o.metric)} is not exported by runtime ${runtime.kind}; it exports ${names.join(', ')}`);
  }
  if (metrics.kind === 'none') {
    fail(scope, 'autoscaling onLoad reads the runtime\'s metrics from Prometheus, but metrics is Metrics.none(); set metrics to Metrics.serviceMonitor() or Metrics.scrapeAnnotations()');
  }
  if (runtime.kind === 'torchserve' && runtime.env.TS_METRICS_MODE !== 'prometheus') {
    fail(scope, `autoscaling onLoad: TorchServe exports ${metric.name} on its metrics API only in prometheus mode, got TS_METRICS_MODE ${show(runtime.env.TS_METRICS_MODE)}; set env TS_METRICS_MODE: 'prometheus' on ServingRuntime.torchServe`);
  }
  if (!/^https?:\/\/\S+$/.test(o.serverAddress ?? '')) fail(scope, `autoscaling onLoad: serverAddress must be an http(s) URL, got ${show(o.serverAddress)}`);
  const target = o.target ?? metric.defaultTarget;
  if (typeof target !== 'number' || !(target > 0) || !Number.isFinite(target)) fail(scope, `autoscaling onLoad: target must be a positive number, got ${show(o.target)}`);
  if (metric.aggregation === 'avg' && target > 1) fail(scope, `autoscaling onLoad: ${metric.name} is a fraction 0..1, so target must be at most 1, got ${show(target)}`);
  if (o.activationTarget !== undefined && !DECIMAL.test(String(o.activationTarget))) {
    fail(scope, `autoscaling onLoad: activationTarget must be a non-negative decimal number, got ${show(o.activationTarget)}`);
  }
  if (autoscaling.min === 0) {
    const z = o.scaleFromZero;
    if (!z) {
      fail(scope, `autoscaling onLoad: min 0 needs scaleFromZero: ${metric.name} is exported by the server pods, so with none running nothing reports load and KEDA never scales up; set scaleFromZero.query to a metric that exists without them (e.g. the ingress controller's request rate)`);
    }
    if (typeof z.query !== 'string' || z.query.trim() === '') fail(scope, `autoscaling onLoad: scaleFromZero.query must be a non-empty PromQL expression, got ${show(z.query)}`);
    if (!DECIMAL.test(String(z.threshold))) fail(scope, `autoscaling onLoad: scaleFromZero.threshold must be a non-negative decimal number, got ${show(z.threshold)}`);
  } else if (o.scaleFromZero) {
    fail(scope, `autoscaling onLoad: scaleFromZero is only used with min 0, got min ${autoscaling.min}`);
  }
  const namespace = Chart.of(scope).namespace;
  if (!namespace) fail(scope, 'autoscaling onLoad scopes its query to the serving\'s namespace, but the chart has no namespace; set the Chart\'s namespace');
  const selector = metrics.kind === 'serviceMonitor'
    ? `namespace="${namespace}",service="${where.service}"`
    : `namespace="${namespace}",pod=~"${where.podPattern}"`;
  const window = `[${o.window ? wholeSeconds(o.window) : 120}s]`;
  let query: string;
  switch (metric.aggregation) {
    case 'sum': query = `sum(${metric.name}{${selector}})`; break;
    case 'avg': query = `avg(${metric.name}{${selector}})`; break;
    default:
      // Requests can be zero over the window: the divisor is clamped so the ratio reads 0, not NaN.
      query = `sum(rate(${metric.name}{${selector}}${window})) / clamp_min(sum(rate(${metric.perRequest}{${selector}}${window})), 0.001)`;
  }
  return { metric, query, target, metricType: metric.aggregation === 'sum' ? 'AverageValue' : 'Value' };
}

/** Renders the KEDA ScaledObject of a load scaler. @internal */
export function renderLoadScaler(scope: Construct, name: string, labels: Record<string, string>, autoscaling: Autoscaling, where: LoadScope, resolved: ResolvedLoadScaling): ApiObject {
  const o: LoadAutoscalingOptions = autoscaling.loadOptions!;
  const auth = o.authenticationRef ? { authenticationRef: { name: o.authenticationRef } } : {};
  const load: Record<string, string> = { serverAddress: o.serverAddress, query: resolved.query, threshold: String(resolved.target) };
  if (o.activationTarget !== undefined) load.activationThreshold = String(o.activationTarget);
  const triggers: any[] = [{ type: 'prometheus', name: 'load', metricType: resolved.metricType, metadata: load, ...auth }];
  if (o.scaleFromZero) {
    triggers.push({
      type: 'prometheus',
      name: 'activation',
      // Per replica, like the queue gauges: e.g. requests per second each replica takes.
      metricType: 'AverageValue',
      metadata: { serverAddress: o.serverAddress, query: o.scaleFromZero.query, threshold: String(o.scaleFromZero.threshold), activationThreshold: '0' },
      ...auth,
    });
  }
  return new ApiObject(scope, 'Autoscaler', {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { ...where.scaleTargetRef },
      minReplicaCount: autoscaling.min,
      maxReplicaCount: autoscaling.max,
      pollingInterval: wholeSeconds(o.pollingInterval ?? Duration.seconds(15)),
      cooldownPeriod: wholeSeconds(o.cooldownPeriod ?? Duration.minutes(5)),
      // A model load takes minutes: scaling down only after a long calm avoids paying it twice.
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: wholeSeconds(o.scaleDownStabilization ?? Duration.minutes(5)) } } } },
      triggers,
    },
  });
}
