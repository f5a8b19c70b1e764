/**
 * ModelServing with the KServe backend. Kept apart from model-serving.test.ts because
 * compiling the KServe InferenceService CRD schema (5 MB) takes ~15 s per Kubernetes version.
 */
import { Chart, Duration, Testing } from 'cdk8s';
import { Accelerator, KubernetesVersion, setTargetKubernetesVersion } from '../../src/core';
import { expectValidManifests } from '../../src/testing';
import { Autoscaling, KServeDeploymentMode, Metrics, ModelServing, ModelServingProps, ModelSource, ServingBackend, ServingRuntime } from '../../src/serving';
import { kserveChart } from '../fixtures/serving.fixture';
import { checkApp } from '../../src/validation/app';

const VLLM = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/llama' });

function render(props: Partial<ModelServingProps>, version = KubernetesVersion.V1_28): { chart: Chart; objects: any[]; serving: ModelServing } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'team-a' });
  setTargetKubernetesVersion(chart, version);
  // Weights in the image at /models unless a test passes its own model.
  const serving = new ModelServing(chart, 'chat', { runtime: VLLM, model: ModelSource.inImage('/models'), resources: { cpu: '8', memory: '64Gi' }, backend: ServingBackend.kserve(), ...props });
  return { chart, objects: chart.toJson(), serving };
}

const isvc = (objects: any[], name = 'chat') => objects.find((o) => o.kind === 'InferenceService' && o.metadata.name === name);

describe('ModelServing with the KServe backend', () => {
  test('renders an InferenceService in RawDeployment mode with a custom container', () => {
    const { objects, serving } = render({ accelerator: Accelerator.nvidiaGpu({ count: 1 }), maxModelLoadTime: Duration.minutes(20) });
    expect(objects.map((o) => o.kind)).toEqual(['InferenceService', 'PodDisruptionBudget', 'NetworkPolicy']);
    const is = isvc(objects);
    expect(is.apiVersion).toBe('serving.kserve.io/v1beta1');
    const { 'ml.cdk8s.io/flows': flows, ...annotations } = is.metadata.annotations;
    expect(annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'RawDeployment', 'serving.kserve.io/autoscalerClass': 'none' });
    expect(JSON.parse(flows).map((f: any) => f.purpose)).toEqual(['dns']);
    const p = is.spec.predictor;
    expect(p.minReplicas).toBe(1);
    expect(p.maxReplicas).toBe(1);
    const c = p.containers[0];
    expect(c.name).toBe('kserve-container');
    expect(c.args).toEqual(['--model', '/models/llama', '--host', '0.0.0.0', '--port', '8000', '--served-model-name', 'chat']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(1200);
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(p.securityContext.runAsNonRoot).toBe(true);
    expect(p.automountServiceAccountToken).toBe(false);
    expect(p.deploymentStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(serving.serviceName).toBe('chat-predictor');
  });

  test('CPU autoscaling maps to min/max replicas, scaleMetric and the hpa autoscaler class', () => {
    const p = isvc(render({ autoscaling: Autoscaling.cpu({ min: 2, max: 6, targetUtilization: 70 }) }).objects);
    expect(p.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('hpa');
    expect(p.spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleMetric: 'cpu', scaleMetricType: 'Utilization', scaleTarget: 70 });
  });

  test('KEDA autoscaling maps to autoScaling external prometheus metrics, scale to zero allowed', () => {
    const is = isvc(kserveChart().toJson(), 'vision');
    expect(is.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('keda');
    expect(is.spec.predictor.minReplicas).toBe(0);
    expect(is.spec.predictor.autoScaling.metrics[0]).toEqual({
      type: 'External',
      external: { metric: { backend: 'prometheus', serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(x)' }, target: { type: 'Value', value: '10' } },
    });
  });

  test('a KServe model spec replaces the custom container', () => {
    const p = isvc(kserveChart().toJson(), 'vision').spec.predictor;
    expect(p.containers).toBeUndefined();
    expect(p.model).toMatchObject({ modelFormat: { name: 'triton' }, storageUri: 's3://models/vision', protocolVersion: 'v2' });
    expect(p.model.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('PDB and NetworkPolicy select the pods KServe labels', () => {
    const { objects } = render({});
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'chat', 'component': 'predictor' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    const np = objects.find((o) => o.kind === 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual(pdb.spec.selector);
  });

  test('scrape annotations go on the predictor; sleep drain on 1.31+', () => {
    const p = isvc(render({ metrics: Metrics.scrapeAnnotations() }, KubernetesVersion.V1_31).objects).spec.predictor;
    expect(p.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' });
    expect(p.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
  });

  test('the NetworkPolicy lets Prometheus scrape the metrics port the InferenceService declares, and the whole-app check agrees', () => {
    const { objects } = render({ metrics: Metrics.scrapeAnnotations({ prometheusNamespace: 'observability' }) });
    const np = objects.find((o) => o.kind === 'NetworkPolicy');
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]);
    const scrape = JSON.parse(isvc(objects).metadata.annotations['ml.cdk8s.io/flows']).find((f: any) => f.purpose === 'metrics scrape');
    expect(scrape.ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
    expect(checkApp([namespace, ...objects]).findings.map((f) => `${f.rule} ${f.message}`)).toEqual([]);
    // without metrics, only the clients reach the server
    expect(render({}).objects.find((o) => o.kind === 'NetworkPolicy').spec.ingress).toHaveLength(1);
  });

  test('Serverless mode: no deploymentStrategy, PDB or NetworkPolicy', () => {
    const { objects } = render({ backend: ServingBackend.kserve({ deploymentMode: KServeDeploymentMode.SERVERLESS }) });
    expect(objects.map((o) => o.kind)).toEqual(['InferenceService']);
    expect(isvc(objects).spec.predictor.deploymentStrategy).toBeUndefined();
  });

  test('fails with KEDA in Serverless mode', () => {
    expect(() =>
      render({
        backend: ServingBackend.kserve({ deploymentMode: KServeDeploymentMode.SERVERLESS }),
        autoscaling: Autoscaling.keda({ min: 0, max: 2, serverAddress: 'http://p:9090', query: 'sum(x)', threshold: 1 }),
      }),
    ).toThrow('test/chat: autoscaling keda is not supported with KServe Serverless mode');
  });

  test('output is valid against the KServe CRD (1.28 and 1.33), Standard mode too', () => {
    const standard = render({ backend: ServingBackend.kserve({ deploymentMode: KServeDeploymentMode.STANDARD }) }, KubernetesVersion.V1_33).chart;
    expect(isvc(standard.toJson()).metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Standard');
    expect(expectValidManifests(kserveChart(KubernetesVersion.V1_28), { kubernetesVersion: '1.28' })).toBe(6);
    expect(expectValidManifests([kserveChart(KubernetesVersion.V1_33), standard], { kubernetesVersion: '1.33' })).toBe(9);
  });
});
