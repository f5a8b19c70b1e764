import { External } from '../../src/core';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Accelerator, IPodContributor, KubernetesVersion, PodContribution, setTargetKubernetesVersion } from '../../src/core';
import { expectValidManifests } from '../../src/testing';
import {
  Autoscaling,
  Drain,
  Expose,
  Metrics,
  ModelServing,
  ModelServingProps,
  ModelSource,
  ServingBackend,
  ServingClient,
  ServingRuntime,
} from '../../src/serving';
import { checkApp } from '../../src/validation/app';
import { customChart, tgiChart, torchServeChart, tritonChart, vllmChart } from '../fixtures/serving.fixture';

const VLLM = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/llama', args: ['--max-model-len', '8192'] });

/** A fake model contributor (what a DatasetInit gives a consumer). */
class FakeWeights extends Construct implements IPodContributor {
  public readonly consumers: string[] = [];
  public contributeTo(consumer: IConstruct): PodContribution {
    this.consumers.push(consumer.node.path);
    return {
      initContainers: [{ name: 'fetch-weights', image: 'ghcr.io/acme/fetch:1.0.0', args: ['--to', '/data/weights'], volumeMounts: [{ name: 'weights', mountPath: '/data/weights' }] }],
      volumes: [{ name: 'weights', emptyDir: { sizeLimit: k8s.Quantity.fromString('20Gi') } }],
      volumeMounts: [{ name: 'weights', mountPath: '/models', readOnly: true }],
      env: [{ name: 'WEIGHTS_DIR', value: '/models' }],
      permanentExitCodes: [3],
      containerNames: ['fetch-weights'],
    };
  }
}

function chartAt(version?: KubernetesVersion): Chart {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'team-a' });
  if (version) setTargetKubernetesVersion(chart, version);
  return chart;
}

function render(props: Partial<ModelServingProps> = {}, version?: KubernetesVersion): { chart: Chart; objects: any[] } {
  const chart = chartAt(version);
  // Weights in the image at /models unless a test passes its own model.
  new ModelServing(chart, 'chat', { runtime: VLLM, model: ModelSource.inImage('/models'), resources: { cpu: '8', memory: '64Gi' }, ...props });
  return { chart, objects: chart.toJson() };
}

function find(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

function server(objects: any[], name = 'chat'): any {
  return find(objects, 'Deployment', name).spec.template.spec.containers[0];
}

function expectFail(props: Partial<ModelServingProps>, message: string | RegExp, version?: KubernetesVersion): void {
  expect(() => render(props, version)).toThrow(message);
}

describe('ModelServing runtimes', () => {
  test('vLLM: port 8000, /health probes, model and user args, tensor parallel from the GPU count', () => {
    const { objects } = render({ accelerator: Accelerator.nvidiaGpu({ count: 2 }) });
    const c = server(objects);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    // The served model name is the ModelServing's name (the model is a path, its source no Hub repo).
    expect(c.args).toEqual(['--model', '/models/llama', '--host', '0.0.0.0', '--port', '8000', '--served-model-name', 'chat', '--tensor-parallel-size', '2', '--max-model-len', '8192']);
    expect(c.command).toBeUndefined();
    // vLLM's /health answers 503 once the engine died: every probe calls it (liveness too, not TCP).
    for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(p.httpGet).toEqual({ path: '/health', port: 8000 });
    expect(c.livenessProbe.tcpSocket).toBeUndefined();
    expect(find(objects, 'Service', 'chat').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('vLLM: an explicit --tensor-parallel-size is kept, a served model name is passed', () => {
    const runtime = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/m', servedModelName: 'llama', args: ['--tensor-parallel-size=4'] });
    const c = server(render({ runtime, accelerator: Accelerator.nvidiaGpu({ count: 2 }) }).objects);
    expect(c.args).toEqual(['--model', '/models/m', '--host', '0.0.0.0', '--port', '8000', '--served-model-name', 'llama', '--tensor-parallel-size=4']);
  });

  test('Triton: http 8000 / grpc 8001 / metrics 8002, ready and live paths, tritonserver command', () => {
    const { objects } = render({ runtime: ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: '/models' }), metrics: Metrics.serviceMonitor() });
    const c = server(objects);
    expect(c.command).toEqual(['tritonserver']);
    expect(c.args).toEqual(['--model-repository=/models', '--http-port=8000', '--grpc-port=8001', '--metrics-port=8002']);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8000], ['grpc', 8001], ['metrics', 8002]]);
    expect(c.startupProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8000 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8000 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8000 });
    expect(find(objects, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc', 'metrics']);
    expect(find(objects, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  });

  test('Triton without metrics: the metrics port is a container port only', () => {
    const { objects } = render({ runtime: ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: '/models' }) });
    expect(find(objects, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc']);
  });

  test('TGI: --port 8080 instead of the image default 80, writable hub cache, --num-shard', () => {
    const objects = tgiChart().toJson();
    const c = server(objects, 'summarize');
    expect(c.args).toEqual(['--model-id', '/models/mistral', '--hostname', '0.0.0.0', '--port', '8080', '--num-shard', '2']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.env).toContainEqual({ name: 'HUGGINGFACE_HUB_CACHE', value: '/home/ml/.cache/huggingface/hub' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 8080 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 8080 });
    expect(c.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models/mistral', subPath: 'mistral', readOnly: true });
    const shm = find(objects, 'Deployment').spec.template.spec.volumes.find((v: any) => v.name === 'dshm');
    expect(shm.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
  });

  test('TorchServe: 8080 /ping, management 8081 kept out of the Service, metrics 8082, logs in /tmp', () => {
    const objects = torchServeChart().toJson();
    const c = server(objects, 'resnet');
    expect(c.command).toEqual(['torchserve']);
    expect(c.args).toEqual(['--start', '--foreground', '--ts-config', '/home/model-server/config.properties', '--model-store', '/models', '--models', 'all', '--ncs']);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8080], ['management', 8081], ['metrics', 8082]]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 8080 });
    expect(c.workingDir).toBe('/home/ml');
    expect(c.env).toContainEqual({ name: 'LOG_LOCATION', value: '/tmp/logs' });
    expect(find(objects, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http', 'metrics']);
    const np = find(objects, 'NetworkPolicy');
    expect(JSON.stringify(np)).not.toContain('8081');
  });

  test('TorchServe: exposeManagement puts 8081 in the Service', () => {
    const runtime = ServingRuntime.torchServe({ image: 'pytorch/torchserve:0.12.0-cpu', modelStore: '/models', exposeManagement: true });
    expect(find(render({ runtime }).objects, 'Service').spec.ports.map((p: any) => p.port)).toEqual([8080, 8081]);
  });

  test('custom: readyPath for startup/readiness, healthPath for liveness, separate metrics port', () => {
    const objects = customChart().toJson();
    const c = server(objects, 'ranker');
    expect(c.startupProbe.httpGet).toEqual({ path: '/readyz', port: 9000 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9000 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port: 9000 });
    expect(find(objects, 'ServiceMonitor').spec.endpoints[0].port).toBe('metrics');
  });

  test('every runtime: liveness is an HTTP check that tolerates a longer failure than readiness', () => {
    for (const chart of [vllmChart(), tritonChart(), tgiChart(), torchServeChart(), customChart()]) {
      for (const d of chart.toJson().filter((o) => o.kind === 'Deployment')) {
        const c = d.spec.template.spec.containers[0];
        expect(c.livenessProbe.httpGet?.path).toMatch(/^\//);
        expect(c.livenessProbe.tcpSocket).toBeUndefined();
        expect(c.livenessProbe.failureThreshold * c.livenessProbe.periodSeconds).toBeGreaterThan(c.readinessProbe.failureThreshold * c.readinessProbe.periodSeconds);
      }
    }
  });

  test('env: runtime env, user env sorted, credentials by reference; user env overrides the runtime', () => {
    const runtime = ServingRuntime.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:2.4.0', model: 'm', env: { MAX_CONCURRENT_REQUESTS: '4096' } });
    const c = server(render({ runtime, env: { HUGGINGFACE_HUB_CACHE: '/tmp/hub', LOG_LEVEL: 'info' } }).objects);
    expect(c.env.slice(0, 3)).toEqual([
      { name: 'HUGGINGFACE_HUB_CACHE', value: '/tmp/hub' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'MAX_CONCURRENT_REQUESTS', value: '4096' },
    ]);
    expect(c.env.map((e: any) => e.name)).toContain('HF_HOME');
  });
});

describe('ModelServing probes and rollout', () => {
  test('the startup probe budget covers maxModelLoadTime', () => {
    for (const load of [Duration.seconds(1), Duration.seconds(59), Duration.minutes(15), Duration.seconds(601), Duration.hours(2)]) {
      const { objects } = render({ maxModelLoadTime: load });
      const p = server(objects).startupProbe;
      expect(p.failureThreshold * p.periodSeconds).toBeGreaterThanOrEqual(load.toSeconds());
      expect(p.failureThreshold * p.periodSeconds).toBeLessThan(load.toSeconds() + p.periodSeconds);
      expect(find(objects, 'Deployment').spec.progressDeadlineSeconds).toBeGreaterThan(load.toSeconds());
    }
  });

  test('default load time of 10 minutes gives 60 × 10 s', () => {
    expect(server(render().objects).startupProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 60 });
  });

  test('rolling update surges by one and never goes below the desired count', () => {
    const d = find(render().objects, 'Deployment');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const custom = find(render({ rollout: { maxSurge: 0, maxUnavailable: 1 } }).objects, 'Deployment');
    expect(custom.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  test('preStop drain: exec /bin/sleep on 1.28, the sleep action on 1.31 and 1.33', () => {
    expect(server(render().objects).lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sleep', '15'] } } });
    for (const v of [KubernetesVersion.V1_31, KubernetesVersion.V1_33]) {
      expect(server(render({}, v).objects).lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    }
  });

  test('terminationGracePeriodSeconds covers the drain plus in-flight requests', () => {
    const pod = find(render({ drain: Drain.sleep(Duration.seconds(20)), maxRequestDuration: Duration.minutes(5) }).objects, 'Deployment').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(320);
    expect(find(render().objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(135);
  });

  test('drain alternatives: httpGet, a custom sleep binary, none', () => {
    expect(server(render({ drain: Drain.httpGet('/drain', Duration.seconds(30)) }).objects).lifecycle).toEqual({ preStop: { httpGet: { path: '/drain', port: 8000 } } });
    expect(server(render({ drain: Drain.execSleep(Duration.seconds(5), '/busybox/sleep') }).objects).lifecycle.preStop.exec.command).toEqual(['/busybox/sleep', '5']);
    const none = render({ drain: Drain.none() }).objects;
    expect(server(none).lifecycle).toBeUndefined();
    expect(find(none, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  test('topology spread across nodes by default, and zones when asked', () => {
    const spread = (o: any[]) => find(o, 'Deployment').spec.template.spec.topologySpreadConstraints;
    expect(spread(render().objects)).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/instance': 'chat' } },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
    const zones = spread(render({ spread: { zones: true, whenUnsatisfiable: 'DoNotSchedule' } }).objects);
    expect(zones.map((s: any) => [s.topologyKey, s.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'DoNotSchedule'],
      ['topology.kubernetes.io/zone', 'DoNotSchedule'],
    ]);
  });

  test('pod: restricted security, GPU limits and toleration, /dev/shm, no service account token', () => {
    const pod = find(render({ accelerator: Accelerator.nvidiaGpu({ count: 1 }) }).objects, 'Deployment').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // ephemeral-storage: /tmp 4Gi + HOME 16Gi (disk emptyDirs; /dev/shm is memory) + 512Mi for logs.
    expect(pod.containers[0].resources.limits).toEqual({ 'cpu': '8', 'ephemeral-storage': `${4 * 1024 + 16 * 1024 + 512}Mi`, 'memory': '64Gi', 'nvidia.com/gpu': '1' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
    expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/home/ml', '/dev/shm']);
  });

  test('no /dev/shm volume without an accelerator unless asked', () => {
    expect(find(render().objects, 'Deployment').spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['tmp', 'home']);
    const asked = find(render({ shmSize: Size.gibibytes(2) }).objects, 'Deployment').spec.template.spec.volumes;
    expect(asked.map((v: any) => v.name)).toEqual(['tmp', 'home', 'dshm']);
  });
});

describe('ModelServing scaling and disruption', () => {
  test('HPA owns scaling: autoscaling/v2 on CPU and no replicas on the Deployment', () => {
    const { objects } = render({ autoscaling: Autoscaling.cpu({ min: 2, max: 10, targetUtilization: 70 }) });
    expect(find(objects, 'Deployment').spec).not.toHaveProperty('replicas');
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
  });

  test('KEDA owns scaling: ScaledObject with a prometheus trigger and scale to zero, no replicas', () => {
    const objects = tritonChart().toJson();
    expect(find(objects, 'Deployment', 'vision').spec).not.toHaveProperty('replicas');
    const so = find(objects, 'ScaledObject');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vision' },
      minReplicaCount: 0,
      maxReplicaCount: 4,
      pollingInterval: 30,
      cooldownPeriod: 300,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring:9090', threshold: '50', activationThreshold: '1' } }],
    });
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('fixed replicas: replicas set, no autoscaler', () => {
    const { objects } = render({ autoscaling: Autoscaling.fixed(3) });
    expect(find(objects, 'Deployment').spec.replicas).toBe(3);
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')).toBe(false);
  });

  test('PDB never blocks drains: maxUnavailable 1 by default and AlwaysAllow for unhealthy pods', () => {
    for (const autoscaling of [Autoscaling.fixed(1), Autoscaling.fixed(4), Autoscaling.cpu({ min: 2, max: 3, targetUtilization: 50 })]) {
      const pdb = find(render({ autoscaling }).objects, 'PodDisruptionBudget');
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/instance': 'chat' } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      });
      expect(pdb.spec).not.toHaveProperty('minAvailable');
    }
    expect(find(render({ disruptionBudget: { maxUnavailable: '25%' } }).objects, 'PodDisruptionBudget').spec.maxUnavailable).toBe('25%');
  });
});

describe('ModelServing network, exposure, canary, metrics', () => {
  test('Service is ClusterIP with named ports', () => {
    const svc = find(render().objects, 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/instance': 'chat' });
  });

  test('NetworkPolicy by default admits the same namespace to the API port only, and egress to DNS only', () => {
    const np = find(render().objects, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8000 }] }]);
    expect(np.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ]);
  });

  test('NetworkPolicy with allowFrom [] and no exposure admits nobody', () => {
    expect(find(render({ allowFrom: [] }).objects, 'NetworkPolicy').spec.ingress).toEqual([]);
  });

  test('NetworkPolicy admits the ingress controller namespace, declared clients and Prometheus on the metrics port', () => {
    const objects = vllmChart().toJson();
    const np = find(objects, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'chat' },
      matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: ['chat', 'chat-canary'] }],
    });
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]);
    const triton = find(tritonChart().toJson(), 'NetworkPolicy');
    expect(triton.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } }], ports: [{ protocol: 'TCP', port: 8000 }, { protocol: 'TCP', port: 8001 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8002 }] },
    ]);
  });

  test('a Gateway of the serving namespace: the gateway flow names that namespace (its data plane is no pod of the app), and the app check agrees', () => {
    const { objects } = render({ expose: Expose.httpRoute({ gateway: { name: 'internal' } }) });
    const flows = JSON.parse(find(objects, 'Deployment', 'chat').metadata.annotations['ml.cdk8s.io/flows']);
    expect(flows.find((f: any) => f.purpose === 'gateway')).toEqual({
      purpose: 'gateway', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'team-a' } }, ports: [{ port: 8000, protocol: 'TCP' }], construct: 'test/chat',
    });
    expect(find(objects, 'NetworkPolicy').spec.ingress).toContainEqual({ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8000 }] });
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
    expect(checkApp([namespace, ...objects]).findings.map((f) => `${f.rule} ${f.message}`)).toEqual([]);
    // a chart without a namespace: where the Gateway runs is unknown, no gateway flow is declared
    const bare = new Chart(Testing.app(), 'bare');
    new ModelServing(bare, 'chat', { runtime: VLLM, model: ModelSource.inImage('/models'), resources: { cpu: '8', memory: '64Gi' }, expose: Expose.httpRoute({ gateway: { name: 'internal' } }) });
    const bareFlows = JSON.parse(find(bare.toJson(), 'Deployment', 'chat').metadata.annotations['ml.cdk8s.io/flows']);
    expect(bareFlows.map((f: any) => f.purpose)).not.toContain('gateway');
  });

  test('ServingClient.pods renders a pod selector, optionally in another namespace', () => {
    expect(ServingClient.pods({ app: 'web' }).peer).toEqual({ podSelector: { matchLabels: { app: 'web' } } });
    expect(ServingClient.pods({ app: 'web' }, 'frontend').peer).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend' } },
    });
  });

  test('Ingress: class, host, path, TLS secret; the canary Ingress carries ingress-nginx weight annotations', () => {
    const objects = vllmChart().toJson();
    const ing = find(objects, 'Ingress', 'chat');
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'chat.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'chat', port: { name: 'http' } } } }] } }],
      tls: [{ hosts: ['chat.example.com'], secretName: 'chat-tls' }],
    });
    const canary = find(objects, 'Ingress', 'chat-canary');
    expect(canary.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '10' });
    expect(canary.spec.rules[0].http.paths[0].backend.service.name).toBe('chat-canary');
    expect(server(objects, 'chat-canary').image).toBe('vllm/vllm-openai:v0.6.4');
    expect(find(objects, 'Deployment', 'chat-canary').spec.replicas).toBe(1);
    expect(find(objects, 'Service', 'chat-canary').spec.selector['app.kubernetes.io/instance']).toBe('chat-canary');
  });

  test('HTTPRoute: gateway parentRef, hostnames, weighted backendRefs for the canary', () => {
    const route = find(tritonChart().toJson(), 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'https' }],
      hostnames: ['vision.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'vision', port: 8000, weight: 75 }, { group: '', kind: 'Service', name: 'vision-canary', port: 8000, weight: 25 }],
      }],
    });
  });

  test('internal exposure renders no Ingress or route', () => {
    const kinds = render().objects.map((o) => o.kind).sort();
    expect(kinds).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
  });

  test('scrape annotations on the pods point at the metrics port and path', () => {
    const d = find(tritonChart().toJson(), 'Deployment', 'vision');
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8002', 'prometheus.io/path': '/metrics' });
  });

  test('ServiceMonitor selects the stable and canary Services and carries the Prometheus labels', () => {
    const sm = find(vllmChart().toJson(), 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(sm.spec.selector.matchExpressions[0].values).toEqual(['chat', 'chat-canary']);
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
  });
});

describe('ModelServing model sources', () => {
  test('a pod contributor adds init containers, volumes, read-only mounts and env, per track', () => {
    const chart = chartAt();
    const weights = new FakeWeights(chart, 'weights');
    new ModelServing(chart, 'chat', {
      runtime: VLLM,
      model: weights,
      resources: { cpu: '8', memory: '64Gi' },
      expose: Expose.ingress({ host: 'chat.example.com' }),
      canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 5 },
    });
    const objects = chart.toJson();
    const pod = find(objects, 'Deployment', 'chat').spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['fetch-weights']);
    expect(pod.initContainers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.volumes.map((v: any) => v.name)).toContain('weights');
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'weights', mountPath: '/models', readOnly: true });
    expect(pod.containers[0].env).toContainEqual({ name: 'WEIGHTS_DIR', value: '/models' });
    expect(weights.consumers).toEqual(['test/chat', 'test/chat/Canary']);
    expectValidManifests(chart);
  });

  test('the real DatasetInit: fetch init container before the vLLM server, model mounted read-only', () => {
    const objects = vllmChart().toJson();
    const pod = find(objects, 'Deployment', 'chat').spec.template.spec;
    expect(pod.initContainers.length).toBeGreaterThan(0);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/models/llama');
    expect(mount.readOnly).toBe(true);
    expect(find(objects, 'Deployment', 'chat-canary').spec.template.spec.initContainers.length).toBe(pod.initContainers.length);
  });

  test('ModelSource.pvc mounts the claim read-only at /models', () => {
    const pod = find(render({ model: ModelSource.pvc(External.claim('model-cache')) }).objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'model-cache', readOnly: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', readOnly: true });
  });
});

describe('ModelServing output is strictly valid', () => {
  const charts = { vllm: vllmChart, triton: tritonChart, tgi: tgiChart, torchserve: torchServeChart, custom: customChart };
  for (const [name, build] of Object.entries(charts)) {
    for (const v of [KubernetesVersion.V1_28, KubernetesVersion.V1_33]) {
      test(`${name} on ${v}`, () => {
        expect(expectValidManifests(build(v), { kubernetesVersion: v.toString() as '1.28' | '1.33' })).toBeGreaterThan(3);
      });
    }
  }

  test('output is deterministic', () => {
    expect(JSON.stringify(vllmChart().toJson())).toBe(JSON.stringify(vllmChart().toJson()));
  });

  // Triton + KEDA + HTTPRoute canary (a PVC model source: the DatasetInit's fetch script,
  // owned by the data engineer, would make this snapshot change with every fetch.sh edit).
  test('snapshot of a representative chart', () => {
    expect(tritonChart(KubernetesVersion.V1_31).toJson()).toMatchSnapshot();
  });
});

describe('ModelServing fails', () => {
  const hpa = (min: number, max: number) => Autoscaling.cpu({ min, max, targetUtilization: 70 });

  test('fails when autoscaling min > max', () => {
    expectFail({ autoscaling: hpa(5, 2) }, 'test/chat: autoscaling: min 5 is greater than max 2');
  });

  test('fails when an HPA min is 0', () => {
    expectFail({ autoscaling: hpa(0, 2) }, /test\/chat: autoscaling: min must be an integer >= 1 .*got 0/);
  });

  test('fails when targetUtilization is outside 1-100', () => {
    expectFail({ autoscaling: Autoscaling.cpu({ min: 1, max: 2, targetUtilization: 150 }) }, 'targetUtilization must be an integer percentage 1-100, got 150');
  });

  test('fails when fixed replicas are not a whole number', () => {
    expectFail({ autoscaling: Autoscaling.fixed(1.5) }, 'test/chat: autoscaling: replicas must be a non-negative integer, got 1.5');
  });

  test('fails when the KEDA threshold is not a number', () => {
    expectFail(
      { autoscaling: Autoscaling.keda({ min: 0, max: 2, serverAddress: 'http://p:9090', query: 'sum(x)', threshold: 'lots' }) },
      'test/chat: autoscaling: threshold must be a non-negative decimal number, got "lots"',
    );
  });

  test('fails when maxModelLoadTime is 0', () => {
    expectFail({ maxModelLoadTime: Duration.seconds(0) }, 'test/chat: maxModelLoadTime must be positive, got 0 s');
  });

  test('fails when the canary weight is outside 0-100', () => {
    const expose = Expose.ingress({ host: 'chat.example.com' });
    expectFail({ expose, canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 101 } }, 'test/chat: canary: weight must be an integer percentage 0-100, got 101');
    expectFail({ expose, canary: { image: 'vllm/vllm-openai:v0.6.4', weight: -1 } }, 'got -1');
  });

  test('fails when a canary has neither runtime nor image', () => {
    expectFail({ expose: Expose.ingress({ host: 'a.example.com' }), canary: { weight: 10 } }, 'test/chat: canary: set exactly one of runtime or image, got neither');
  });

  test('fails when a canary has no weighted exposure', () => {
    expectFail({ canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 10 } }, /test\/chat: canary: traffic is split by weight at the Ingress or HTTPRoute/);
  });

  test('fails when an Ingress canary is used with a non-nginx class', () => {
    expectFail(
      { expose: Expose.ingress({ host: 'a.example.com', className: 'traefik' }), canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 10 } },
      'the ingress class is "traefik"',
    );
  });

  test('fails when TLS is asked without a host', () => {
    expectFail({ expose: Expose.ingress({ tls: true }) }, 'test/chat: expose: tls needs a host');
  });

  test('fails when the host is not a DNS name', () => {
    expectFail({ expose: Expose.ingress({ host: 'Chat_Example' }) }, 'expose: host must be a DNS name such as "chat.example.com", got "Chat_Example"');
  });

  test('fails when an extra port collides with a runtime port', () => {
    expectFail({ extraPorts: [{ name: 'admin', port: 8000 }] }, 'test/chat: extra port admin:8000 collides with the vllm port http:8000');
    expectFail({ extraPorts: [{ name: 'http', port: 9000 }] }, 'extra port http:9000 collides with the vllm port http:8000');
  });

  test('fails when a port number is out of range', () => {
    expectFail({ extraPorts: [{ name: 'admin', port: 70000 }] }, 'test/chat: port admin must be an integer 1-65535, got 70000');
  });

  test('fails when the GPU count is not an integer', () => {
    expectFail({ accelerator: Accelerator.nvidiaGpu({ count: 1.5 }) }, 'test/chat: accelerator count must be a positive integer, got 1.5');
  });

  test('fails when exposing a port that is not in the Service', () => {
    expectFail({ expose: Expose.ingress({ host: 'a.example.com', port: 'grpc' }) }, 'test/chat: expose: port "grpc" is not an API port of the Service (API ports: http)');
  });

  test('fails when exposing the metrics port', () => {
    const runtime = ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: '/models' });
    expectFail({ runtime, metrics: Metrics.serviceMonitor(), expose: Expose.httpRoute({ gateway: { name: 'gw' }, port: 'metrics' }) }, 'metrics and management ports are never exposed');
  });

  test('fails when the image uses latest', () => {
    expectFail({ runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:latest', model: '/m' }) }, 'test/chat: runtime image must not use the "latest" tag');
  });

  test('fails when the rollout could never progress', () => {
    expectFail({ rollout: { maxSurge: 0, maxUnavailable: 0 } }, 'test/chat: rollout: maxSurge and maxUnavailable cannot both be 0');
  });

  test('fails when the disruption budget allows no eviction', () => {
    expectFail({ disruptionBudget: { maxUnavailable: 0 } }, 'test/chat: disruptionBudget: maxUnavailable 0 would block every node drain');
    expectFail({ disruptionBudget: { maxUnavailable: '0%' } }, 'maxUnavailable "0%" would block every node drain');
  });

  test('fails when the sleep action is forced below Kubernetes 1.30', () => {
    expectFail({ drain: Drain.sleepAction(Duration.seconds(10)) }, /test\/chat: drain: the lifecycle.preStop.sleep action .* needs Kubernetes 1.30 or newer, but the target version is 1.28/);
  });

  test('fails when the name is not a DNS label', () => {
    expectFail({ name: 'Chat_Bot' }, 'test/chat: name must be a DNS-1123 label');
  });

  test('fails with a KServe-incompatible canary, exposure, ServiceMonitor or extra port', () => {
    const backend = ServingBackend.kserve();
    const expose = Expose.ingress({ host: 'a.example.com' });
    expectFail({ backend, expose, canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 10 } }, 'test/chat: canary is not supported with the kserve backend');
    expectFail({ backend, expose }, 'test/chat: expose ingress is not supported with the kserve backend');
    expectFail({ backend, metrics: Metrics.serviceMonitor() }, 'test/chat: metrics serviceMonitor is not supported with the kserve backend');
    expectFail({ backend, extraPorts: [{ name: 'admin', port: 9000 }] }, 'test/chat: extraPorts ["admin"] are not supported with the kserve backend');
  });

  test('fails when env duplicates a model-source variable', () => {
    const chart = chartAt();
    const weights = new FakeWeights(chart, 'weights');
    expect(() => new ModelServing(chart, 'chat', { runtime: VLLM, model: weights, resources: { cpu: '1', memory: '1Gi' }, env: { WEIGHTS_DIR: '/x' } })).toThrow(
      'test/chat: env WEIGHTS_DIR is set both by the model source and by env',
    );
  });

  test('fails when a credential is given as a literal env value', () => {
    expectFail({ env: { HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz0123456789' } }, 'test/chat: env: HF_TOKEN looks like a credential');
  });
});
