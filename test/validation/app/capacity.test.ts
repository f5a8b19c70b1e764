/**
 * The capacity part of the whole-app check on small hand-written manifests: the effective
 * request of a pod (containers, init containers, sidecars, overhead) and the findings on
 * queues, quotas and claims. Every expected figure is worked out by hand in the test.
 */
import { checkApp } from '../../../src/validation/app';
import { podRequests } from '../../../src/validation/app/capacity';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

const asObject = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

describe('podRequests', () => {
  test('sums the requests of the containers; a limit without a request counts as the request', () => {
    const spec = {
      containers: [
        { name: 'a', resources: { requests: { cpu: '500m' } } },
        { name: 'b', resources: { limits: { cpu: '2', memory: '1Gi' } } },
        { name: 'c', resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } },
      ],
    };
    // cpu 0.5 + 2; memory 1Gi (limit of b) + 256Mi (request of c, not its limit).
    expect(asObject(podRequests(spec))).toEqual({ cpu: 2.5, memory: GI + 256 * MI });
  });

  test('a missing spec, missing or malformed container lists, null containers and containers without resources request nothing', () => {
    expect(asObject(podRequests(undefined))).toEqual({});
    expect(asObject(podRequests({}))).toEqual({});
    expect(asObject(podRequests({ containers: 'x', initContainers: { name: 'y' } }))).toEqual({});
    expect(asObject(podRequests({ containers: [null, { name: 'x' }, { name: 'y', resources: {} }], initContainers: [null, { name: 'z' }] }))).toEqual({});
  });

  test('quantities that do not parse are left out', () => {
    const spec = { containers: [{ name: 'a', resources: { requests: { cpu: 'lots', memory: '1Gi' } } }], overhead: { cpu: 'some', memory: '64Mi' } };
    expect(asObject(podRequests(spec))).toEqual({ memory: GI + 64 * MI });
  });

  test('init containers run before the containers: the pod requests the larger of the largest init container and the containers together', () => {
    const spec = {
      containers: [
        { name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'b', resources: { requests: { cpu: '1' } } },
      ],
      initContainers: [
        { name: 'big-cpu', resources: { requests: { cpu: '3', memory: '512Mi' } } },
        { name: 'small', resources: { requests: { cpu: '500m' } } },
      ],
    };
    // cpu: max(3, 1 + 1) = 3; memory: max(512Mi, 1Gi) = 1Gi.
    expect(asObject(podRequests(spec))).toEqual({ cpu: 3, memory: GI });
  });

  test('a sidecar (init container with restartPolicy Always) adds to the containers and to every init container started after it', () => {
    const spec = {
      containers: [{ name: 'main', resources: { requests: { cpu: '1' } } }],
      initContainers: [
        { name: 'before', resources: { requests: { cpu: '2' } } },
        { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '500m', memory: '128Mi' } } },
        { name: 'after', resources: { requests: { cpu: '2' } } },
      ],
    };
    // init: before 2, after 2 + 0.5 (proxy runs) = 2.5; containers 1 + 0.5 = 1.5 → cpu 2.5; memory: the proxy's 128Mi.
    expect(asObject(podRequests(spec))).toEqual({ cpu: 2.5, memory: 128 * MI });
  });

  test('an init container with another restartPolicy is an ordinary init container', () => {
    const spec = {
      containers: [{ name: 'main', resources: { requests: { cpu: '1' } } }],
      initContainers: [{ name: 'once', restartPolicy: 'OnFailure', resources: { requests: { cpu: '500m', memory: '128Mi' } } }],
    };
    // Not a sidecar: cpu max(0.5, 1) = 1; memory max(128Mi, 0) = 128Mi.
    expect(asObject(podRequests(spec))).toEqual({ cpu: 1, memory: 128 * MI });
  });

  test('the pod overhead (RuntimeClass) adds to the effective request', () => {
    const spec = {
      containers: [{ name: 'main', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
      overhead: { cpu: '250m', memory: '64Mi' },
    };
    expect(asObject(podRequests(spec))).toEqual({ cpu: 1.25, memory: GI + 64 * MI });
  });
});

/** A namespace `ml` with LocalQueue `q` → ClusterQueue `cq` of `resourceGroups`. */
function queued(resourceGroups: any[], requests: Record<string, string>): any[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'f' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'cq' }, spec: { namespaceSelector: {}, resourceGroups } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' }, spec: { clusterQueue: 'cq' } },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'train', namespace: 'ml', labels: { 'kueue.x-k8s.io/queue-name': 'q' } },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x', resources: { requests } }] } } },
    },
  ];
}

describe('app-queue-capacity', () => {
  test('fails when a queued workload requests a resource its ClusterQueue does not cover; a resource group without coveredResources covers nothing', () => {
    const objects = queued([
      { flavors: [{ name: 'f', resources: [{ name: 'cpu', nominalQuota: 4 }] }] },
      { coveredResources: ['memory'], flavors: [{ name: 'f', resources: [{ name: 'memory', nominalQuota: '8Gi' }] }] },
    ], { cpu: '1', memory: '1Gi' });
    expect(checkApp(objects).findings).toEqual([{
      object: 'Job/ml/train',
      path: '/metadata/labels/kueue.x-k8s.io~1queue-name',
      rule: 'app-queue-capacity',
      severity: 'error',
      message: 'the workload requests 1 cpu, which ClusterQueue "cq" (via LocalQueue "q") does not cover (covered: ["memory"]): Kueue never admits it',
      fix: 'add cpu to the ClusterQueue\'s coveredResources with a nominal quota, or drop the request',
      related: ['LocalQueue/ml/q', 'ClusterQueue/cq'],
    }]);
  });
});
