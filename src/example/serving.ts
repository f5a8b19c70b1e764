import { App, Chart, Duration, Size } from 'cdk8s';
import { Accelerator, External, VolumeClaim } from '../core';
import { DataSource, DatasetInit, DatasetVolume, HuggingFaceRepoType, SecretKey } from '../data';
import { Autoscaling, Expose, Metrics, ModelCache, ModelServing, ServingClient, ServingRuntime } from '../serving';

/**
 * Example: an OpenAI-compatible chat endpoint.
 * - Weights: a Hugging Face model at a pinned commit, fetched by a DatasetInit init container
 *   into a shared ReadWriteMany model cache, once (the first replica downloads under the fetch
 *   lock; scale-ups and restarts find the completion marker). No runtime download by the
 *   server, no token in the manifest. Clients send `model: "Qwen/Qwen2.5-0.5B-Instruct"` (the
 *   served model name defaults to the Hub repo id, not the mount path).
 * - vLLM on one GPU, 2-8 replicas on CPU utilization, a startup probe that allows 15 minutes
 *   for the model load, preStop drain, a PDB that never blocks node drains.
 * - Exposed through ingress-nginx with TLS, 10 % of traffic on a canary image, scraped by
 *   the Prometheus operator; only the `apps` namespace and the ingress controller may call it.
 */
export function servingChart(app: App): Chart {
  const chart = new Chart(app, 'serving', { namespace: 'team-a' });
  const weights = new DatasetInit(chart, 'qwen-weights', {
    source: DataSource.huggingFace('Qwen/Qwen2.5-0.5B-Instruct', {
      revision: '7ae557604adf67be50417f59c2c2f167def9a775',
      repoType: HuggingFaceRepoType.MODEL,
      token: SecretKey.of(External.secret('hf-token'), 'token'),
    }),
    volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(4) }),
    mountPath: '/models/qwen',
  });
  const modelCache = new VolumeClaim(chart, 'model-cache', { storage: Size.gibibytes(50), accessModes: ['ReadWriteMany'], storageClassName: 'shared-rwx' });
  new ModelServing(chart, 'chat', {
    runtime: ServingRuntime.vllm({
      image: 'vllm/vllm-openai:v0.6.3',
      model: '/models/qwen',
      args: ['--max-model-len', '8192'],
    }),
    model: weights,
    modelCache: ModelCache.sharedClaim(modelCache),
    accelerator: Accelerator.nvidiaGpu({ count: 1 }),
    resources: { cpu: '8', memory: '32Gi' },
    autoscaling: Autoscaling.cpu({ min: 2, max: 8, targetUtilization: 70 }),
    maxModelLoadTime: Duration.minutes(15),
    expose: Expose.ingress({ host: 'chat.example.com', tls: true, className: 'nginx' }),
    canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 10 },
    metrics: Metrics.serviceMonitor({ labels: { release: 'kube-prometheus-stack' } }),
    allowFrom: [ServingClient.namespace('apps')],
    partOf: 'ml-platform',
  });
  return chart;
}
