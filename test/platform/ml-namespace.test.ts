import { Queue } from '../../src/training';
import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Accelerator } from '../../src/core';
import { MlNamespace, MlNamespaceProps, QueueingStrategy, ScheduledTraining, TrainingTemplate } from '../../src/platform';
import { expectValidManifests } from '../../src/testing';

const FLAVOR = { name: 'h100', nodeLabels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }, cpu: '64', memory: '512Gi', gpu: 8 };

function render(props: Partial<MlNamespaceProps> = {}, workloads?: (chart: Chart, ns: MlNamespace) => void) {
  const app = Testing.app();
  const chart = new Chart(app, 'platform');
  const ns = new MlNamespace(chart, 'team-a', { name: 'team-a', gpuQuota: 8, cpuQuota: '64', memoryQuota: '512Gi', queue: { flavors: [FLAVOR] }, ...props });
  if (workloads) workloads(new Chart(app, 'work', { namespace: 'team-a' }), ns);
  const manifests = app.charts.flatMap((c) => c.toJson());
  const find = (kind: string, name?: string) => manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  return { app, chart, ns, manifests, find };
}

function gpuTraining(chart: Chart, id: string, gpus: number, queue?: Queue) {
  return new ScheduledTraining(chart, id, {
    schedule: '@daily',
    queue,
    job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '8', memory: '64Gi' }, accelerator: Accelerator.nvidiaGpu({ count: gpus }) }),
  });
}

describe('MlNamespace', () => {
  test('renders the namespace with restricted Pod Security, quota with GPUs, defaults, default-deny and DNS egress, Kueue queues', () => {
    const { app, chart, find, manifests } = render();
    const ns = find('Namespace');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(find('ResourceQuota').spec.hard).toEqual({ 'requests.cpu': '64', 'requests.memory': '512Gi', 'requests.nvidia.com/gpu': '8' });
    expect(Object.keys(find('ResourceQuota').spec.hard).some((k) => k.startsWith('limits.nvidia.com'))).toBe(false);
    expect(find('LimitRange').spec.limits).toEqual([{ type: 'Container', defaultRequest: { cpu: '500m', memory: '1Gi' }, default: { cpu: '500m', memory: '1Gi' } }]);
    expect(find('NetworkPolicy', 'default-deny-all').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find('NetworkPolicy', 'allow-dns-egress').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
    expect(find('ResourceFlavor')).toMatchObject({ apiVersion: 'kueue.x-k8s.io/v1beta2', metadata: { name: 'h100' }, spec: { nodeLabels: FLAVOR.nodeLabels } });
    expect(find('ClusterQueue').spec).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
      queueingStrategy: 'BestEffortFIFO',
      resourceGroups: [{
        // ephemeral-storage always covered (cdk8s-ml pods request it), unrationed by default
        coveredResources: ['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage'],
        flavors: [{ name: 'h100', resources: [{ name: 'cpu', nominalQuota: '64' }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'nvidia.com/gpu', nominalQuota: '8' }, { name: 'ephemeral-storage', nominalQuota: '1Pi' }] }],
      }],
    });
    expect(find('LocalQueue')).toMatchObject({ metadata: { name: 'default', namespace: 'team-a' }, spec: { clusterQueue: 'team-a' } });
    expect(manifests.filter((m) => ['Namespace', 'ResourceFlavor', 'ClusterQueue'].includes(m.kind)).every((m) => m.metadata.namespace === undefined)).toBe(true);
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(app, { kubernetesVersion: v });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('renders every Kueue object as kueue.x-k8s.io/v1beta2; the cohort is spec.cohortName with StrictFIFO', () => {
    const { app, find, manifests } = render({ queue: { flavors: [FLAVOR], cohort: 'ml-shared', queueingStrategy: QueueingStrategy.STRICT_FIFO } });
    const kueue = manifests.filter((m) => m.apiVersion.startsWith('kueue.x-k8s.io/'));
    expect(kueue.map((m) => `${m.apiVersion}/${m.kind}`)).toEqual([
      'kueue.x-k8s.io/v1beta2/ResourceFlavor', 'kueue.x-k8s.io/v1beta2/ClusterQueue', 'kueue.x-k8s.io/v1beta2/LocalQueue',
    ]);
    expect(find('ClusterQueue').spec).toMatchObject({ cohortName: 'ml-shared', queueingStrategy: 'StrictFIFO' });
    expect(find('ClusterQueue').spec.cohort).toBeUndefined();
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(app, { kubernetesVersion: v });
  });

  test('accepts workloads that fit the quota and the queue, across charts', () => {
    const { app, find } = render({}, (chart, ns) => {
      gpuTraining(chart, 'fits', 8, Queue.kueue(ns));
      new k8s.KubeDeployment(chart, 'other-ns', { metadata: { namespace: 'team-b' }, spec: { replicas: 4, selector: {}, template: { spec: { containers: [{ name: 'm', image: 'x:1', resources: { limits: { 'nvidia.com/gpu': k8s.Quantity.fromNumber(8) } } }] } } } });
    });
    expect(find('CronJob').spec.jobTemplate.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
    expect(app.charts.length).toBe(2);
  });

  test('without queue or quota: only namespace, limit range and network policies', () => {
    const { manifests } = render({ gpuQuota: undefined, cpuQuota: undefined, memoryQuota: undefined, queue: undefined });
    expect(manifests.map((m) => m.kind)).toEqual(['Namespace', 'LimitRange', 'NetworkPolicy', 'NetworkPolicy']);
  });

  test('fails when a workload in the namespace requests more GPUs than the quota', () => {
    expect(() => render({ queue: undefined }, (chart) => gpuTraining(chart, 'big', 16))).toThrow(
      'platform/team-a: ResourceQuota requests.nvidia.com/gpu "8" is below the request of CronJob/team-a/big: 16 nvidia.com/gpu; it could never run in namespace team-a',
    );
  });

  test('fails when replicas × pod requests exceed the memory quota', () => {
    expect(() => render({}, (chart) => {
      new k8s.KubeDeployment(chart, 'serve', {
        metadata: { name: 'serve' },
        spec: { replicas: 3, selector: {}, template: { spec: { containers: [{ name: 'm', image: 'x:1', resources: { requests: { memory: k8s.Quantity.fromString('200Gi') } } }] } } },
      });
    })).toThrow('platform/team-a: ResourceQuota requests.memory "512Gi" is below the request of Deployment/team-a/serve: 3 pods × 200Gi memory = 600Gi');
  });

  test('fails when a queued workload is larger than every Kueue flavor', () => {
    expect(() => render({ gpuQuota: 64, queue: { flavors: [{ ...FLAVOR, gpu: 4 }] } }, (chart, ns) => gpuTraining(chart, 'big', 8, Queue.kueue(ns)))).toThrow(
      'platform/team-a: ClusterQueue team-a: no flavor has enough nvidia.com/gpu for CronJob/team-a/big: 8 nvidia.com/gpu, largest nominal quota 4',
    );
  });

  test('fails on an invalid namespace name', () => {
    expect(() => render({ name: 'Team_A' })).toThrow('platform/team-a: name must be a DNS-1123 label');
  });

  test('fails on a fractional GPU quota', () => {
    expect(() => render({ gpuQuota: 1.5 })).toThrow('platform/team-a: gpuQuota must be a non-negative integer, got 1.5');
  });

  test('fails on a malformed CPU quota', () => {
    expect(() => render({ cpuQuota: 'lots' })).toThrow('platform/team-a: cpuQuota must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got "lots"');
  });

  test('fails on a default limit below the default request', () => {
    expect(() => render({ defaults: { memory: '2Gi', memoryLimit: '1Gi' } })).toThrow('platform/team-a: defaults.memoryLimit "1Gi" is below defaults.memory "2Gi"');
  });

  test('fails on a label that would weaken Pod Security', () => {
    expect(() => render({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })).toThrow('platform/team-a: label "pod-security.kubernetes.io/enforce" is set by MlNamespace');
  });

  test('fails on a queue without flavors or with duplicate flavors', () => {
    expect(() => render({ queue: { flavors: [] } })).toThrow('platform/team-a/Queue: queue.flavors must list at least one flavor, got []');
    expect(() => render({ queue: { flavors: [FLAVOR, FLAVOR] } })).toThrow('platform/team-a/Queue: duplicate queue flavor "h100"');
  });
});
