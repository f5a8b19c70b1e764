/**
 * The capacity part of the whole-app check on small hand-written manifests: the effective
 * request of a pod (containers, init containers, sidecars, overhead) and the findings on
 * queues, quotas and claims. Every expected figure is worked out by hand in the test.
 */
import { checkApp } from '../../../src/validation/app';
import { clusterQueueQuota, maxPods, podRequests, quotaDemands } from '../../../src/validation/app/capacity';
import { AppModel } from '../../../src/validation/app/model';

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

const POD_SPEC = { containers: [{ name: 'main', image: 'x' }] };
const template = () => ({ spec: { containers: [{ name: 'main', image: 'x' }] } });
const deployment = (spec: Record<string, any>, name = 'web') => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ml' }, spec: { ...spec, template: template() } });
const hpa = (target: Record<string, any>, maxReplicas?: number) => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'scaler', namespace: 'ml' }, spec: { scaleTargetRef: target, ...(maxReplicas === undefined ? {} : { maxReplicas }) } });
const scaledObject = (target: Record<string, any>, maxReplicaCount?: number) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'scaler', namespace: 'ml' }, spec: { scaleTargetRef: target, ...(maxReplicaCount === undefined ? {} : { maxReplicaCount }) } });

/** maxPods of the pod template of `objects[0]` whose path contains `where`. */
function most(objects: any[], where = ''): { count: number; why: string } | undefined {
  const model = new AppModel(objects);
  const pod = model.pods.find((p) => p.owner === objects[0] && p.path.includes(where));
  if (!pod) throw new Error(`no pod template at ${where}`);
  return maxPods(model, pod);
}

describe('maxPods', () => {
  test('a Pod is one pod', () => {
    expect(most([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml' }, spec: POD_SPEC }])).toEqual({ count: 1, why: 'a Pod' });
  });

  test('a Deployment adds the rolling-update surge: 25 % of the replicas rounded up by default, a number, or a percentage rounded up', () => {
    expect(most([deployment({ replicas: 3 })])).toEqual({ count: 4, why: '3 replica(s) + rolling-update surge 1' });
    expect(most([deployment({ replicas: 8 })])).toEqual({ count: 10, why: '8 replica(s) + rolling-update surge 2' });
    expect(most([deployment({})])).toEqual({ count: 2, why: '1 replica(s) + rolling-update surge 1' });
    expect(most([deployment({ replicas: 3, strategy: { type: 'RollingUpdate' } })])).toEqual({ count: 4, why: '3 replica(s) + rolling-update surge 1' });
    expect(most([deployment({ replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } })])).toEqual({ count: 5, why: '3 replica(s) + rolling-update surge 2' });
    expect(most([deployment({ replicas: 10, strategy: { rollingUpdate: { maxSurge: '50%' } } })])).toEqual({ count: 15, why: '10 replica(s) + rolling-update surge 5' });
    expect(most([deployment({ replicas: 10, strategy: { rollingUpdate: { maxSurge: '5%' } } })])).toEqual({ count: 11, why: '10 replica(s) + rolling-update surge 1' });
  });

  test('a maxSurge that is no percentage falls back to 25 %', () => {
    expect(most([deployment({ replicas: 10, strategy: { rollingUpdate: { maxSurge: 'a50%' } } })])).toEqual({ count: 13, why: '10 replica(s) + rolling-update surge 3' });
    expect(most([deployment({ replicas: 10, strategy: { rollingUpdate: { maxSurge: '50%x' } } })])).toEqual({ count: 13, why: '10 replica(s) + rolling-update surge 3' });
    expect(most([deployment({ replicas: 10, strategy: { rollingUpdate: { maxSurge: '50' } } })])).toEqual({ count: 13, why: '10 replica(s) + rolling-update surge 3' });
  });

  test('a Deployment without surge (maxSurge 0, Recreate) and other replicated workloads count their replicas only', () => {
    expect(most([deployment({ replicas: 3, strategy: { rollingUpdate: { maxSurge: 0 } } })])).toEqual({ count: 3, why: '3 replica(s)' });
    expect(most([deployment({ replicas: 3, strategy: { type: 'Recreate' } })])).toEqual({ count: 3, why: '3 replica(s)' });
    expect(most([deployment({ replicas: 0 })])).toEqual({ count: 0, why: '0 replica(s)' });
    expect(most([{ ...deployment({ replicas: 3 }), kind: 'StatefulSet' }])).toEqual({ count: 3, why: '3 replica(s)' });
    expect(most([{ ...deployment({ replicas: 3 }), kind: 'ReplicaSet' }])).toEqual({ count: 3, why: '3 replica(s)' });
  });

  test('replicas that are no whole non-negative number count as the default 1', () => {
    expect(most([deployment({ replicas: -2, strategy: { type: 'Recreate' } })])).toEqual({ count: 1, why: '1 replica(s)' });
    expect(most([deployment({ replicas: 2.5, strategy: { type: 'Recreate' } })])).toEqual({ count: 1, why: '1 replica(s)' });
    expect(most([deployment({ replicas: '3', strategy: { type: 'Recreate' } })])).toEqual({ count: 1, why: '1 replica(s)' });
  });

  test('a workload without metadata still gets its maximum', () => {
    const bare = { apiVersion: 'apps/v1', kind: 'StatefulSet', spec: { replicas: 2, template: template() } };
    expect(most([bare])).toEqual({ count: 2, why: '2 replica(s)' });
    const lws = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', spec: { replicas: 2, leaderWorkerTemplate: { size: 3, workerTemplate: template() }, rolloutStrategy: { type: 'RollingUpdate' } } };
    expect(most([lws])).toEqual({ count: 6, why: '2 group(s) of size 3 (3 pod(s) of this template per group)' });
  });

  test('an HPA on the workload sets the maximum replicas; one on another kind of the same name does not', () => {
    expect(most([deployment({ replicas: 2 }), hpa({ kind: 'Deployment', name: 'web' }, 6)])).toEqual({ count: 8, why: 'maxReplicas 6 of HorizontalPodAutoscaler/ml/scaler + rolling-update surge 2' });
    expect(most([deployment({ replicas: 2 }), hpa({ name: 'web' }, 6)])).toEqual({ count: 8, why: 'maxReplicas 6 of HorizontalPodAutoscaler/ml/scaler + rolling-update surge 2' });
    expect(most([deployment({ replicas: 2 }), hpa({ kind: 'StatefulSet', name: 'web' }, 6)])).toEqual({ count: 3, why: '2 replica(s) + rolling-update surge 1' });
    expect(most([deployment({ replicas: 2, strategy: { type: 'Recreate' } }), hpa({ kind: 'Deployment', name: 'web' })])).toEqual({ count: 2, why: 'maxReplicas 2 of HorizontalPodAutoscaler/ml/scaler' });
    expect(most([{ ...deployment({ replicas: 2 }), kind: 'StatefulSet' }, hpa({ name: 'web' }, 6)])).toEqual({ count: 6, why: 'maxReplicas 6 of HorizontalPodAutoscaler/ml/scaler' });
  });

  test('a KEDA ScaledObject sets the maximum (100 by default); its target kind defaults to Deployment', () => {
    expect(most([deployment({ replicas: 2 }), scaledObject({ name: 'web' }, 5)])).toEqual({ count: 7, why: 'maxReplicaCount 5 of ScaledObject/ml/scaler + rolling-update surge 2' });
    expect(most([deployment({ replicas: 2, strategy: { type: 'Recreate' } }), scaledObject({ kind: 'Deployment', name: 'web' })])).toEqual({ count: 100, why: 'maxReplicaCount 100 of ScaledObject/ml/scaler' });
    const sts = { ...deployment({ replicas: 2 }), kind: 'StatefulSet' };
    expect(most([sts, scaledObject({ name: 'web' }, 5)])).toEqual({ count: 2, why: '2 replica(s)' });
    expect(most([sts, scaledObject({ kind: 'StatefulSet', name: 'web' }, 5)])).toEqual({ count: 5, why: 'maxReplicaCount 5 of ScaledObject/ml/scaler' });
  });

  test('a Job or a CronJob run: parallelism, at most completions, at least 1', () => {
    const job = (spec: Record<string, any>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { ...spec, template: template() } });
    expect(most([job({ parallelism: 4 })])).toEqual({ count: 4, why: 'parallelism 4' });
    expect(most([job({ parallelism: 4, completions: 2 })])).toEqual({ count: 2, why: 'parallelism 4' });
    expect(most([job({})])).toEqual({ count: 1, why: 'parallelism 1' });
    expect(most([job({ parallelism: 0 })])).toEqual({ count: 1, why: 'parallelism 0' });
    const cron = (spec: Record<string, any>) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ml' }, spec: { schedule: '@daily', jobTemplate: { spec: { ...spec, template: template() } } } });
    expect(most([cron({ parallelism: 4, completions: 3 })])).toEqual({ count: 3, why: 'parallelism 3 per run' });
    expect(most([cron({ parallelism: 4 })])).toEqual({ count: 4, why: 'parallelism 4 per run' });
    expect(most([cron({ parallelism: 0 })])).toEqual({ count: 1, why: 'parallelism 1 per run' });
    // maxPods takes any pod view: one of a CronJob without a job template runs one pod.
    const model = new AppModel([cron({ parallelism: 4 })]);
    expect(maxPods(model, { ...model.pods[0], owner: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ml' }, spec: {} } })).toEqual({ count: 1, why: 'parallelism 1 per run' });
  });

  test('a JobSet: replicas × parallelism (at most completions) of the replicated job of the template', () => {
    const jobSet = {
      apiVersion: 'jobset.x-k8s.io/v1alpha2',
      kind: 'JobSet',
      metadata: { name: 'js', namespace: 'ml' },
      spec: {
        replicatedJobs: [
          null,
          { name: 'no-template' },
          { name: 'no-spec', template: {} },
          { name: 'no-pod-template', template: { spec: {} } },
          { name: 'driver', template: { spec: { template: template() } } },
          { name: 'workers', replicas: 3, template: { spec: { parallelism: 4, completions: 2, template: template() } } },
        ],
      },
    };
    expect(most([jobSet], 'replicatedJobs/4/')).toEqual({ count: 1, why: '1 replica(s) × parallelism 1 of replicated job "driver"' });
    expect(most([jobSet], 'replicatedJobs/5/')).toEqual({ count: 6, why: '3 replica(s) × parallelism 4 of replicated job "workers"' });
    const model = new AppModel([jobSet]);
    expect(maxPods(model, { ...model.pods[0], spec: { containers: [] } })).toBeUndefined();
  });

  test('a LeaderWorkerSet: groups × the pods of the template per group (the leader 1, the workers size - 1, or size without leader), plus surge', () => {
    const lws = (spec: Record<string, any>) => ({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'lws', namespace: 'ml' }, spec });
    const withLeader = lws({ replicas: 2, leaderWorkerTemplate: { size: 4, leaderTemplate: template(), workerTemplate: template() } });
    expect(most([withLeader], 'leaderTemplate')).toEqual({ count: 2, why: '2 group(s) of size 4 (1 pod(s) of this template per group)' });
    expect(most([withLeader], 'workerTemplate')).toEqual({ count: 6, why: '2 group(s) of size 4 (3 pod(s) of this template per group)' });
    const workersOnly = lws({ replicas: 2, leaderWorkerTemplate: { size: 4, leaderTemplate: null, workerTemplate: template() }, rolloutStrategy: { rollingUpdateConfiguration: { maxSurge: 1 } } });
    expect(most([workersOnly], 'workerTemplate')).toEqual({ count: 12, why: '2 group(s) + rolling-update surge 1 of size 4 (4 pod(s) of this template per group)' });
    const defaults = lws({ leaderWorkerTemplate: { workerTemplate: template() }, rolloutStrategy: { rollingUpdateConfiguration: { maxSurge: -1 } } });
    expect(most([defaults])).toEqual({ count: 1, why: '1 group(s) of size 1 (1 pod(s) of this template per group)' });
    expect(most([withLeader, hpa({ kind: 'LeaderWorkerSet', name: 'lws' }, 5)], 'workerTemplate')).toEqual({ count: 15, why: 'maxReplicas 5 group(s) of HorizontalPodAutoscaler/ml/scaler of size 4 (3 pod(s) of this template per group)' });
    expect(most([withLeader, hpa({ kind: 'LeaderWorkerSet', name: 'lws' })], 'workerTemplate')).toEqual({ count: 6, why: 'maxReplicas 2 group(s) of HorizontalPodAutoscaler/ml/scaler of size 4 (3 pod(s) of this template per group)' });
    expect(most([withLeader, scaledObject({ kind: 'LeaderWorkerSet', name: 'lws' })], 'leaderTemplate')).toEqual({ count: 100, why: 'maxReplicaCount 100 group(s) of ScaledObject/ml/scaler of size 4 (1 pod(s) of this template per group)' });
    expect(most([withLeader, scaledObject({ name: 'lws' }, 5)], 'leaderTemplate')).toEqual({ count: 2, why: '2 group(s) of size 4 (1 pod(s) of this template per group)' });
  });

  test('a LeaderWorkerSet maxSurge may be a percentage of the groups, rounded up', () => {
    // 3 groups, 50 % → 1.5 → 2 extra groups of 4 pods without leader: (3 + 2) × 4 = 20.
    const lws = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'lws', namespace: 'ml' },
      spec: { replicas: 3, leaderWorkerTemplate: { size: 4, workerTemplate: template() }, rolloutStrategy: { rollingUpdateConfiguration: { maxSurge: '50%' } } } };
    expect(most([lws])).toEqual({ count: 20, why: '3 group(s) + rolling-update surge 2 of size 4 (4 pod(s) of this template per group)' });
    lws.spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge = 'some';
    expect(most([lws])).toEqual({ count: 12, why: '3 group(s) of size 4 (4 pod(s) of this template per group)' });
  });

  test('a Kubeflow training job: the replicas of the replica type of the template', () => {
    const job = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'pt', namespace: 'ml' },
      spec: { pytorchReplicaSpecs: { Master: { template: template() }, Worker: { replicas: 3, template: template() }, 'a/b~c': { replicas: 2, template: template() } } },
    };
    expect(most([job], '/Master/')).toEqual({ count: 1, why: '1 Master replica(s)' });
    expect(most([job], '/Worker/')).toEqual({ count: 3, why: '3 Worker replica(s)' });
    expect(most([job], '/a~1b~0c/')).toEqual({ count: 2, why: '2 a/b~c replica(s)' });
    const model = new AppModel([job]);
    expect(maxPods(model, { ...model.pods[0], path: '/spec/pytorchReplicaSpecs/Chief/template/spec' })).toBeUndefined();
    expect(maxPods(model, { ...model.pods[0], path: '/spec/template/spec' })).toBeUndefined();
    expect(maxPods(model, { ...model.pods[0], path: '/spec/tfReplicaSpecs/Worker/template/spec' })).toBeUndefined();
  });

  test('other pod templates (DaemonSet, Argo Workflow) have no known maximum', () => {
    expect(most([{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'ml' }, spec: { template: template() } }])).toBeUndefined();
    expect(most([{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'ml' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x' } }] } }])).toBeUndefined();
  });
});

/** A namespace `ml` with LocalQueue `q` → ClusterQueue `cq` of `resourceGroups` (flavors f, f2), and a queued Job. */
function queued(resourceGroups: any[], requests: Record<string, string>, jobSpec: Record<string, any> = {}, cqSpec: Record<string, any> = {}): any[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'f' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'f2' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'cq' }, spec: { namespaceSelector: {}, resourceGroups, ...cqSpec } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' }, spec: { clusterQueue: 'cq' } },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'train', namespace: 'ml', labels: { 'kueue.x-k8s.io/queue-name': 'q' } },
      spec: { suspend: true, ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x', resources: { requests } }] } } },
    },
  ];
}

/** Two flavors of cpu 4 and 6 (largest 6) and memory 8Gi and 12Gi (largest 12Gi). */
const TWO_FLAVORS = [{
  coveredResources: ['cpu', 'memory'],
  flavors: [
    { name: 'f', resources: [{ name: 'cpu', nominalQuota: 4 }, { name: 'memory', nominalQuota: '8Gi' }] },
    { name: 'f2', resources: [{ name: 'cpu', nominalQuota: '6' }, { name: 'memory', nominalQuota: '12Gi' }] },
  ],
}];

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

  test('fails when a queued workload needs more at once than the largest flavor and the ClusterQueue has no cohort', () => {
    // 2 pods × (4 cpu, 7.5Gi) = 8 cpu > 6, 15Gi > 12Gi.
    const objects = queued(TWO_FLAVORS, { memory: '7680Mi', cpu: '4' }, { parallelism: 2, completions: 2 });
    const finding = (message: string, fix: string) => ({
      object: 'Job/ml/train', path: '/metadata/labels/kueue.x-k8s.io~1queue-name', rule: 'app-queue-capacity', severity: 'error', message, fix, related: ['LocalQueue/ml/q', 'ClusterQueue/cq'],
    });
    expect(checkApp(objects).findings).toEqual([
      finding('the workload needs 8 cpu at once (parallelism 2) but the largest flavor of ClusterQueue "cq" has a nominal quota of 6 and no cohort to borrow from: Kueue never admits it',
        'shrink the workload (nodes, GPUs per node) or raise the ClusterQueue\'s nominal quota for cpu to at least 8'),
      finding('the workload needs 15Gi memory at once (parallelism 2) but the largest flavor of ClusterQueue "cq" has a nominal quota of 12Gi and no cohort to borrow from: Kueue never admits it',
        'shrink the workload (nodes, GPUs per node) or raise the ClusterQueue\'s nominal quota for memory to at least 15Gi'),
    ]);
  });

  test('a queued workload that fits the largest flavor exactly, or borrows through a cohort, passes', () => {
    expect(checkApp(queued(TWO_FLAVORS, { cpu: '3', memory: '6Gi' }, { parallelism: 2, completions: 2 })).findings).toEqual([]);
    expect(checkApp(queued(TWO_FLAVORS, { cpu: '4' }, { parallelism: 2 }, { cohort: 'pool' })).findings).toEqual([]);
    expect(checkApp(queued(TWO_FLAVORS, { cpu: '4' }, { parallelism: 2 }, { cohortName: 'pool' })).findings).toEqual([]);
    expect(checkApp(queued(TWO_FLAVORS, { cpu: '1', 'nvidia.com/gpu': '0' }, { parallelism: 2 })).findings).toEqual([]);
  });

  test('a LocalQueue without a ClusterQueue admits nothing to check; a ClusterQueue without spec or metadata covers nothing', () => {
    const objects = queued(TWO_FLAVORS, { cpu: '1' });
    objects[4] = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' } };
    objects.push({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'undefined' }, spec: {} });
    expect(checkApp(objects).findings).toEqual([]);
    objects[4] = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' }, spec: { clusterQueue: '' } };
    objects[3] = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue' };
    const messages = () => checkApp(objects).findings.filter((f) => f.rule === 'app-queue-capacity').map((f) => f.message);
    expect(messages()).toEqual(['the workload requests 1 cpu, which ClusterQueue undefined (via LocalQueue "q") does not cover (covered: []): Kueue never admits it']);
    objects[3] = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', spec: { resourceGroups: [{ coveredResources: ['cpu'], flavors: [{ name: 'f', resources: [{ name: 'cpu', nominalQuota: '500m' }] }] }] } };
    expect(messages()).toEqual(['the workload needs 1 cpu at once (parallelism 1) but the largest flavor of ClusterQueue undefined has a nominal quota of 0.5 and no cohort to borrow from: Kueue never admits it']);
  });

  test('a queued LeaderWorkerSet is admitted group by group: one group must fit, whatever the replicas', () => {
    const objects = queued(TWO_FLAVORS, { cpu: '1' }).slice(0, 5);
    const pod = (cpu: string) => ({ spec: { containers: [{ name: 'main', image: 'x', resources: { requests: { cpu } } }] } });
    objects.push({
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'serve', namespace: 'ml', labels: { 'kueue.x-k8s.io/queue-name': 'q' } },
      spec: { replicas: 5, leaderWorkerTemplate: { size: 4, leaderTemplate: pod('1'), workerTemplate: pod('2') } },
    });
    // One group: the leader 1 cpu + 3 workers × 2 cpu = 7 > 6.
    expect(checkApp(objects).findings.map((f) => [f.object, f.message])).toEqual([[
      'LeaderWorkerSet/ml/serve',
      'the workload needs 7 cpu at once (1 leader pod(s) of one group of size 4, admitted per group, 3 worker pod(s) of one group of size 4, admitted per group) but the largest flavor of ClusterQueue "cq" has a nominal quota of 6 and no cohort to borrow from: Kueue never admits it',
    ]]);
  });
  test('a queued workload of a kind without a replica count (a DaemonSet) is counted as 1 pod', () => {
    const objects = queued(TWO_FLAVORS, { cpu: '1' }).slice(0, 5);
    objects.push({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ml', labels: { 'kueue.x-k8s.io/queue-name': 'q' } },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'x', resources: { requests: { cpu: '7' } } }] } } },
    });
    expect(checkApp(objects).findings.map((f) => [f.object, f.message])).toEqual([[
      'DaemonSet/ml/agent',
      'the workload needs 7 cpu at once (1 pod) but the largest flavor of ClusterQueue "cq" has a nominal quota of 6 and no cohort to borrow from: Kueue never admits it',
    ]]);
  });
});

describe('app-quota', () => {
  const kueue = (kind: string, name: string, spec: Record<string, any>, namespace?: string) => ({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec });
  const flavors = (cpu: Array<number | string>, memory?: string) => [{
    coveredResources: memory ? ['cpu', 'memory'] : ['cpu'],
    flavors: cpu.map((c, i) => ({ name: i === 0 ? 'f' : 'f2', resources: [{ name: 'cpu', nominalQuota: c }, ...(memory && i === 0 ? [{ name: 'memory', nominalQuota: memory }] : [])] })),
  }];
  const unqueued = (name: string, namespace: string, replicas: number, requests: Record<string, string>) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { replicas, strategy: { type: 'Recreate' }, template: { spec: { containers: [{ name: 'main', image: 'x', resources: { requests } }] } } },
  });
  const quota = (name: string, spec: Record<string, any>) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'ml' }, spec });

  /** Namespace ml: LocalQueues → cq-a (cpu 4 + 2, memory 8Gi) and cq-b (cpu 3); un-queued web (2 × 0.5 cpu, 1Gi, 1Gi ephemeral) and idle (0 cpu); a queued Job. */
  function app(...quotas: any[]): any[] {
    return [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
      kueue('ResourceFlavor', 'f', {}),
      kueue('ResourceFlavor', 'f2', {}),
      kueue('ClusterQueue', 'cq-b', { namespaceSelector: {}, resourceGroups: flavors([3]) }),
      kueue('ClusterQueue', 'cq-a', { namespaceSelector: {}, resourceGroups: flavors([4, '2'], '8Gi') }),
      kueue('ClusterQueue', 'cq-c', { namespaceSelector: {}, resourceGroups: flavors([100]) }),
      kueue('LocalQueue', 'qb', { clusterQueue: 'cq-b' }, 'ml'),
      kueue('LocalQueue', 'qa', { clusterQueue: 'cq-a' }, 'ml'),
      kueue('LocalQueue', 'qa2', { clusterQueue: 'cq-a' }, 'ml'),
      kueue('LocalQueue', 'qc', { clusterQueue: 'cq-c' }, 'other'),
      kueue('ClusterQueue', 'undefined', { namespaceSelector: {}, resourceGroups: flavors([50]) }),
      kueue('LocalQueue', 'no-cluster-queue', {}, 'ml'),
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'no-spec', namespace: 'ml' } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ml' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '1' } } }] } } } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'queued-by-template', namespace: 'ml' },
        spec: { strategy: { type: 'Recreate' }, template: { metadata: { labels: { 'kueue.x-k8s.io/queue-name': 'qa' } }, spec: { containers: [{ name: 'main', image: 'x', resources: { requests: { cpu: '250m' } } }] } } },
      },
      unqueued('web', 'ml', 2, { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' }),
      unqueued('idle', 'ml', 1, { cpu: '0' }),
      unqueued('elsewhere', 'other', 4, { cpu: '8', memory: '64Gi' }),
      {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', namespace: 'ml', labels: { 'kueue.x-k8s.io/queue-name': 'qa' } },
        spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } } },
      },
      ...quotas,
    ];
  }

  test('fails when the nominal quotas of the ClusterQueues the namespace\'s LocalQueues feed plus the un-queued workloads at their largest exceed the ResourceQuota', () => {
    const objects = app(quota('rq', { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', pods: '10', 'requests.nvidia.com/gpu': 2 } }));
    // cpu: cq-a 4 + 2, cq-b 3, web 2 × 0.5, idle 0 = 10 > 8; memory: cq-a 8Gi + web 2Gi = 10Gi ≤ 16Gi.
    expect(checkApp(objects).findings).toEqual([{
      object: 'ResourceQuota/ml/rq', path: '/spec/hard', rule: 'app-quota', severity: 'error',
      message: 'namespace "ml" can demand 10 cpu but ResourceQuota "rq" allows 8: 6 nominal quota of ClusterQueue "cq-a" + 3 nominal quota of ClusterQueue "cq-b" + 1 un-queued for Deployment/ml/web (2 replica(s)); Kueue then admits workloads whose pods the quota refuses',
      fix: 'raise the ResourceQuota\'s requests.cpu to at least 10, or lower the ClusterQueue nominal quota / the un-queued maximum replicas so that they fit (or queue the un-queued workloads through Kueue)',
      related: ['ClusterQueue/cq-a', 'ClusterQueue/cq-b', 'Deployment/ml/web'],
    }]);
  });

  test('plain cpu/memory/ephemeral-storage keys count like requests.*, the lower of both wins, memory in Gi; an exact fit passes', () => {
    const objects = app(quota('mem', { hard: { memory: '9Gi', 'requests.memory': '12Gi', 'ephemeral-storage': '1280Mi', cpu: '10' } }));
    const finding = (message: string, fix: string, related: string[]) => ({ object: 'ResourceQuota/ml/mem', path: '/spec/hard', rule: 'app-quota', severity: 'error', message, fix, related });
    const related = ['ClusterQueue/cq-a', 'ClusterQueue/cq-b', 'Deployment/ml/web'];
    expect(checkApp(objects).findings).toEqual([
      finding('namespace "ml" can demand 2Gi ephemeral-storage but ResourceQuota "mem" allows 1.25Gi: 2Gi un-queued for Deployment/ml/web (2 replica(s)); Kueue then admits workloads whose pods the quota refuses',
        'raise the ResourceQuota\'s requests.ephemeral-storage to at least 2Gi, or lower the ClusterQueue nominal quota / the un-queued maximum replicas so that they fit (or queue the un-queued workloads through Kueue)', related),
      finding('namespace "ml" can demand 10Gi memory but ResourceQuota "mem" allows 9Gi: 8Gi nominal quota of ClusterQueue "cq-a" + 2Gi un-queued for Deployment/ml/web (2 replica(s)); Kueue then admits workloads whose pods the quota refuses',
        'raise the ResourceQuota\'s requests.memory to at least 10Gi, or lower the ClusterQueue nominal quota / the un-queued maximum replicas so that they fit (or queue the un-queued workloads through Kueue)', related),
    ]);
  });

  test('ResourceQuotas with scopes or a scope selector, or without request limits, are left out', () => {
    const tight = { 'requests.cpu': '1' };
    expect(checkApp(app(
      quota('best-effort', { scopes: ['BestEffort'], hard: tight }),
      quota('priority', { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['low'] }] }, hard: tight }),
      quota('counts', { hard: { pods: '1', 'count/jobs.batch': '1' } }),
      quota('empty', {}),
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-spec', namespace: 'ml' } },
    )).findings).toEqual([]);
  });

  test('a ResourceQuota without metadata counts the objects without namespace', () => {
    const objects: any[] = [quota('x', { hard: { 'requests.cpu': '1' } }), unqueued('web', 'x', 3, { cpu: '1' })];
    delete objects[0].metadata;
    delete objects[1].metadata.namespace;
    expect(checkApp(objects).findings.filter((f) => f.rule === 'app-quota').map((f) => [f.object, f.message, f.related])).toEqual([[
      'ResourceQuota/<no name>',
      'namespace "" can demand 3 cpu but ResourceQuota undefined allows 1: 3 un-queued for Deployment/web (3 replica(s)); Kueue then admits workloads whose pods the quota refuses',
      ['Deployment/web'],
    ]]);
  });

  test('quotaDemands gives per quota the hard limits it reads and the terms of the demand', () => {
    const model = new AppModel(app(quota('rq', { hard: { 'requests.cpu': '8', pods: '10' } }), quota('counts', { hard: { pods: '1' } })));
    const [demand, ...others] = quotaDemands(model);
    expect(others).toEqual([]);
    expect(demand.namespace).toBe('ml');
    expect(demand.resourceQuota.metadata.name).toBe('rq');
    expect(Object.fromEntries(demand.hard)).toEqual({ cpu: 8 });
    expect(Object.fromEntries(demand.demand)).toEqual({ cpu: 10 });
    expect(demand.parts.map((p) => [p.source, p.object.metadata.name, p.resource, p.amount, p.why])).toEqual([
      ['queue', 'cq-a', 'cpu', 6, 'nominal quota of ClusterQueue "cq-a"'],
      ['queue', 'cq-b', 'cpu', 3, 'nominal quota of ClusterQueue "cq-b"'],
      ['unqueued', 'web', 'cpu', 1, '2 replica(s)'],
    ]);
  });
});

describe('clusterQueueQuota', () => {
  test('sums the nominal quotas over flavors, keeps the largest flavor\'s, and the covered resources; malformed entries are skipped', () => {
    const quota = clusterQueueQuota({
      spec: {
        resourceGroups: [
          null,
          {
            coveredResources: ['cpu', 5, 'memory'],
            flavors: [
              null,
              { name: 'f', resources: [null, { name: 'cpu', nominalQuota: 'lots' }, { nominalQuota: 3 }, { name: 'cpu', nominalQuota: 2 }, { name: 'memory', nominalQuota: '4Gi' }] },
              { name: 'f2', resources: [{ name: 'cpu', nominalQuota: '500m' }] },
              { name: 'f3' },
            ],
          },
          { flavors: [{ name: 'g', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 8 }] }] },
        ],
      },
    });
    expect(Object.fromEntries(quota.total)).toEqual({ cpu: 2.5, memory: 4 * GI, 'nvidia.com/gpu': 8 });
    expect(Object.fromEntries(quota.largest)).toEqual({ cpu: 2, memory: 4 * GI, 'nvidia.com/gpu': 8 });
    expect([...quota.covered]).toEqual(['cpu', 'memory']);
  });

  test('a ClusterQueue without spec has no quota and covers nothing', () => {
    const quota = clusterQueueQuota({ metadata: { name: 'cq' } });
    expect([quota.total.size, quota.largest.size, quota.covered.size]).toEqual([0, 0, 0]);
  });
});

describe('claims', () => {
  const pvc = (name: string, accessModes: any) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ml' }, spec: { accessModes, resources: { requests: { storage: '1Gi' } } } });
  /** A Job (or CronJob) whose main container (or init container) mounts claim `claim` with `mount`. */
  function job(name: string, claim: string, mount: Record<string, any>, options: { readOnlyClaim?: boolean; init?: boolean; cron?: boolean } = {}): any {
    const container = { name: 'main', image: 'x', volumeMounts: [{ name: 'other', mountPath: '/tmp' }, { name: 'v', mountPath: '/data', ...mount }] };
    const podSpec = {
      restartPolicy: 'Never',
      ...(options.init ? { initContainers: [container], containers: [{ name: 'main', image: 'x' }] } : { containers: [container] }),
      volumes: [{ name: 'other', emptyDir: {} }, { name: 'v', persistentVolumeClaim: { claimName: claim, ...(options.readOnlyClaim ? { readOnly: true } : {}) } }],
    };
    return options.cron
      ? { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'ml' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec } } } } }
      : { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'ml' }, spec: { template: { spec: podSpec } } };
  }
  const NS = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } };
  const server = (replicas: number, mount: Record<string, any>) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ml' },
    spec: { replicas, strategy: { type: 'Recreate' }, template: { spec: { containers: [{ name: 'main', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/data', ...mount }] }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } } },
  });
  const MOUNT = '/spec/template/spec/containers/0/volumeMounts/1';

  test('fails when a ReadWriteOnce claim is mounted by more pods at once than one, read-only or not, naming each workload\'s count', () => {
    const objects = [NS, pvc('data', ['ReadWriteOnce', 'ReadWriteOncePod']), server(2, { readOnly: true }), job('load', 'data', {})];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: '/spec/template/spec/containers/0/volumeMounts/0', rule: 'app-rwo-claim', severity: 'error',
      message: 'claim "data" is ReadWriteOnce/ReadWriteOncePod but up to 3 pods mount it at once (Deployment/ml/web: 2 replica(s); Job/ml/load: parallelism 1): pods on another node can never attach the volume',
      fix: 'use a ReadWriteMany claim (e.g. an NFS/CSI file storage class) for data shared by several pods, give each pod its own claim (StatefulSet volumeClaimTemplates), or run one pod (parallelism 1, Recreate strategy)',
      related: ['PersistentVolumeClaim/ml/data', 'Job/ml/load'],
    }]);
  });

  test('a ReadWriteOnce claim of one pod, a pod of unknown count alone, a ReadWriteMany claim, a claim without access modes or not rendered pass', () => {
    const daemon = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ml' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/d' }] }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } } } };
    expect(checkApp([NS, pvc('data', ['ReadWriteOnce']), server(1, {})]).findings).toEqual([]);
    expect(checkApp([NS, pvc('data', ['ReadWriteOnce']), daemon]).findings).toEqual([]);
    expect(checkApp([NS, pvc('data', ['ReadWriteOnce', 'ReadWriteMany']), server(3, { readOnly: true })]).findings).toEqual([]);
    expect(checkApp([NS, pvc('data', []), server(3, { readOnly: true })]).findings).toEqual([]);
    expect(checkApp([NS, pvc('data', 'ReadWriteOnce'), server(3, { readOnly: true })]).findings).toEqual([]);
    expect(checkApp([NS, { ...pvc('data', []), spec: undefined }, server(3, { readOnly: true })]).findings).toEqual([]);
    expect(checkApp([NS, server(3, { readOnly: true })]).findings.filter((f) => f.rule !== 'app-reference')).toEqual([]);
  });

  test('a DaemonSet beside another pod on a ReadWriteOnce claim counts as 1 pod', () => {
    const daemon = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ml' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/d', readOnly: true }] }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } } } };
    expect(checkApp([NS, pvc('data', ['ReadWriteOnce']), daemon, server(1, { readOnly: true })]).findings.map((f) => f.message)).toEqual([
      'claim "data" is ReadWriteOnce but up to 2 pods mount it at once (DaemonSet/ml/agent: 1 pod; Deployment/ml/web: 1 replica(s)): pods on another node can never attach the volume',
    ]);
  });

  test('fails when several workloads write a claim at the same subPath (or root), and when a schedule writes it at a fixed one', () => {
    const objects = [
      NS,
      pvc('ckpt', ['ReadWriteMany']),
      job('a', 'ckpt', {}),
      job('b', 'ckpt', { subPath: '' }),
      job('c', 'ckpt', { subPath: 'c' }),
      job('d', 'ckpt', { subPathExpr: '$(POD_NAME)' }),
      job('e', 'ckpt', {}, { readOnlyClaim: true }),
      job('f', 'ckpt', {}, { init: true }),
      job('g', 'ckpt', { subPath: 'shared', subPathExpr: '' }),
      job('h', 'ckpt', { subPath: 'shared' }),
      job('i', 'ckpt', { subPath: 'runs/{{workflow.name}}' }),
      job('j', 'ckpt', { readOnly: true }),
      job('nightly', 'ckpt', { subPath: 'nightly' }, { cron: true }),
    ];
    const fix = 'mount the claim with a subPath per workload (and a per-run subPathExpr such as $(JOB_NAME) for schedules), or give each workload its own claim';
    expect(checkApp(objects).findings).toEqual([
      {
        object: 'Job/ml/a', path: MOUNT, rule: 'app-shared-claim', severity: 'error',
        message: 'claim "ckpt" is written by 2 workloads (Job/ml/a, Job/ml/b) at the same root (no subPath): their runs overwrite each other\'s checkpoints',
        fix, related: ['PersistentVolumeClaim/ml/ckpt', 'Job/ml/b'],
      },
      {
        object: 'Job/ml/g', path: MOUNT, rule: 'app-shared-claim', severity: 'error',
        message: 'claim "ckpt" is written by 2 workloads (Job/ml/g, Job/ml/h) at the same subPath "shared": their runs overwrite each other\'s checkpoints',
        fix, related: ['PersistentVolumeClaim/ml/ckpt', 'Job/ml/h'],
      },
      {
        object: 'CronJob/ml/nightly', path: '/spec/jobTemplate/spec/template/spec/containers/0/volumeMounts/1', rule: 'app-shared-claim', severity: 'error',
        message: 'claim "ckpt" is shared with 7 other workload(s) and the schedule writes it at a fixed subPath "nightly": every run overwrites the previous one\'s checkpoints',
        fix: 'mount it with a per-run subPathExpr (e.g. subPathExpr: $(JOB_NAME) with JOB_NAME from the pod label batch.kubernetes.io/job-name via the downward API)',
        related: ['PersistentVolumeClaim/ml/ckpt', 'Job/ml/a', 'Job/ml/b', 'Job/ml/c', 'Job/ml/d', 'Job/ml/g', 'Job/ml/h', 'Job/ml/i'],
      },
    ]);
  });

  test('a schedule writing a shared claim at its root is flagged too', () => {
    const objects = [NS, job('x', 'ckpt', { subPath: 'x' }), job('y', 'ckpt', {}, { cron: true }), job('z', 'ckpt', { subPath: 'x' }),
      job('w', 'ckpt', { subPath: 'w/{{workflow.name}}' }, { cron: true }), job('v', 'ckpt', { subPath: 'w/{{workflow.name}}' })];
    expect(checkApp(objects).findings.filter((f) => f.rule === 'app-shared-claim').map((f) => [f.object, f.message, f.related])).toEqual([
      ['Job/ml/x', 'claim "ckpt" is written by 2 workloads (Job/ml/x, Job/ml/z) at the same subPath "x": their runs overwrite each other\'s checkpoints', ['Job/ml/z']],
      ['CronJob/ml/y', 'claim "ckpt" is shared with 4 other workload(s) and the schedule writes it at a fixed root: every run overwrites the previous one\'s checkpoints', ['Job/ml/x', 'Job/ml/z', 'CronJob/ml/w', 'Job/ml/v']],
    ]);
  });

  test('a schedule alone on its claim passes; with one other writer both fail', () => {
    expect(checkApp([NS, pvc('ckpt', ['ReadWriteMany']), job('nightly', 'ckpt', {}, { cron: true })]).findings).toEqual([]);
    expect(checkApp([NS, pvc('ckpt', ['ReadWriteMany']), job('nightly', 'ckpt', {}, { cron: true }), job('once', 'ckpt', {})]).findings.map((f) => [f.object, f.message])).toEqual([
      ['CronJob/ml/nightly', 'claim "ckpt" is written by 2 workloads (CronJob/ml/nightly, Job/ml/once) at the same root (no subPath): their runs overwrite each other\'s checkpoints'],
      ['CronJob/ml/nightly', 'claim "ckpt" is shared with 1 other workload(s) and the schedule writes it at a fixed root: every run overwrites the previous one\'s checkpoints'],
    ]);
  });

  test('one workload writing a claim from several containers, and mounts of volumes that are no claims, pass', () => {
    const two = job('two', 'ckpt', {});
    two.spec.template.spec.containers.push({ name: 'side', image: 'x', volumeMounts: [null, { name: 'v', mountPath: '/side' }, { name: 'missing', mountPath: '/m' }] }, null);
    two.spec.template.spec.volumes.push(null, { name: 5, persistentVolumeClaim: { claimName: 'ckpt' } }, { name: 'bad', persistentVolumeClaim: { claimName: 7 } });
    const three = job('three', 'ckpt', { name: 5 });
    three.spec.template.spec.volumes[1].name = 5;
    expect(checkApp([NS, pvc('ckpt', ['ReadWriteMany']), two, three]).findings).toEqual([]);
  });

  test('a subPath or subPathExpr that is no string counts as none', () => {
    const objects = [NS, pvc('ckpt', ['ReadWriteMany']), job('p', 'ckpt', {}), job('q', 'ckpt', { subPath: 5 }), job('r', 'ckpt', { subPathExpr: 5 })];
    expect(checkApp(objects).findings.map((f) => f.message)).toEqual([
      'claim "ckpt" is written by 3 workloads (Job/ml/p, Job/ml/q, Job/ml/r) at the same root (no subPath): their runs overwrite each other\'s checkpoints',
    ]);
  });
});

