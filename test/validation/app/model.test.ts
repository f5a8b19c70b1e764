/**
 * The app model of the whole-app check on small hand-written manifests: what it indexes
 * (objects by kind and API group, namespaces and their labels, declared externals,
 * NetworkPolicies, autoscalers, pod templates, TrainJob runtimes, Argo-embedded objects).
 */
import { AppModel, groupOf } from '../../../src/validation/app/model';

const cm = (name: string, namespace?: string, extra: Record<string, any> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });

describe('groupOf', () => {
  test('is the part of apiVersion before the slash, empty for the core group and for a missing or malformed apiVersion', () => {
    expect(groupOf({ apiVersion: 'apps/v1' })).toBe('apps');
    expect(groupOf({ apiVersion: 'v1' })).toBe('');
    expect(groupOf({})).toBe('');
    expect(groupOf({ apiVersion: 5 })).toBe('');
    expect(groupOf(undefined)).toBe('');
  });
});

describe('AppModel', () => {
  test('keeps the objects only, and adds the objects Argo resource templates create, in the workflow\'s namespace unless they name one', () => {
    const manifest = (ns?: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made${ns ? `\n  namespace: ${ns}` : ''}\n`;
    const workflow = (name: string, namespace: string | undefined, manifests: string[]) => ({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: { entrypoint: 't0', templates: manifests.map((m, i) => ({ name: `t${i}`, resource: { action: 'create', manifest: m } })) },
    });
    const wf = workflow('wf', 'ml', [manifest(), manifest('other')]);
    const bare = workflow('bare', undefined, [manifest()]);
    const noMetadata = workflow('nm', 'ml', ['apiVersion: v1\nkind: ConfigMap\n']);
    const anonymous = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', spec: { entrypoint: 't0', templates: [{ name: 't0', resource: { action: 'create', manifest: manifest() } }] } };
    const model = new AppModel([null, 3, 'x', [], wf, bare, noMetadata, anonymous] as any[]);
    expect(model.manifests.map((o) => [o.kind, o.metadata?.name, o.metadata?.namespace])).toEqual([
      ['Workflow', 'wf', 'ml'], ['Workflow', 'bare', undefined], ['Workflow', 'nm', 'ml'], ['Workflow', undefined, undefined],
      ['ConfigMap', 'made', 'ml'], ['ConfigMap', 'made', 'other'], ['ConfigMap', 'made', undefined], ['ConfigMap', undefined, 'ml'], ['ConfigMap', 'made', undefined],
    ]);
    expect(model.find('ConfigMap', 'ml', 'made')).toHaveLength(1);
  });

  test('finds objects by kind, namespace and name, of the API group of known kinds', () => {
    const queue = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' } };
    const otherQueue = { apiVersion: 'example.com/v1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'ml' } };
    const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ml' } };
    const cq = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'cq' } };
    const nameless = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ml' } };
    const model = new AppModel([queue, otherQueue, custom, cq, cm('c', 'ml'), cm('c', 'other'), nameless]);
    expect(model.find('LocalQueue', 'ml', 'q')).toEqual([queue]);
    expect(model.find('Widget', 'ml', 'w')).toEqual([custom]);
    expect(model.find('ClusterQueue', 'any', 'cq')).toEqual([cq]);
    expect(model.find('ConfigMap', 'ml', 'c')).toEqual([cm('c', 'ml')]);
    expect(model.find('ConfigMap', 'ml', '')).toEqual([nameless]);
    expect(model.all('LocalQueue')).toEqual([queue]);
    expect(model.all('Widget')).toEqual([custom]);
    expect(model.all('ConfigMap')).toHaveLength(3);
  });

  test('knows the rendered core Namespaces with their labels and the name label, and the declared external ones', () => {
    const model = new AppModel([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml', labels: { team: 'a', bad: 5 } } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } },
      { apiVersion: 'v1', kind: 'Namespace' },
      { apiVersion: 'example.com/v1', kind: 'Namespace', metadata: { name: 'fake' } },
      cm('Namespace', 'ml'),
      cm('ext', 'ml', { metadata: { name: 'ext', namespace: 'ml', annotations: { 'ml.cdk8s.io/external': JSON.stringify([{ kind: 'Namespace', name: 'platform' }, { kind: 'Secret', name: 's' }, { kind: 'Secret', name: 's' }, { kind: 'ConfigMap', name: 'c', namespace: 'shared' }]) } } }),
    ]);
    expect(Object.fromEntries(model.namespaceLabels)).toEqual({
      ml: { team: 'a', 'kubernetes.io/metadata.name': 'ml' },
      plain: { 'kubernetes.io/metadata.name': 'plain' },
      '': { 'kubernetes.io/metadata.name': '' },
    });
    expect([model.knowsNamespace('ml'), model.knowsNamespace('platform'), model.knowsNamespace('fake'), model.knowsNamespace('other')]).toEqual([true, true, false, false]);
    expect(model.labelsOfNamespace('ml')).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'ml' });
    expect(model.labelsOfNamespace('elsewhere')).toEqual({ 'kubernetes.io/metadata.name': 'elsewhere' });
    expect([model.isExternal('Secret', 'ml', 's'), model.isExternal('Secret', 'other', 's'), model.isExternal('ConfigMap', 'shared', 'c'), model.isExternal('ConfigMap', 'ml', 'c')]).toEqual([true, false, true, false]);
    expect(model.problems).toEqual([]);
  });

  test('keeps the networking.k8s.io NetworkPolicies only', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'ml' }, spec: {} };
    const calico = { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'b', namespace: 'ml' }, spec: {} };
    const other = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'c', namespace: 'ml' }, spec: {} };
    expect(new AppModel([np, calico, other]).networkPolicies).toEqual([np]);
  });

  test('indexes HPAs and ScaledObjects by namespace and target name', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'ml' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } } };
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's', namespace: 'ml' }, spec: { scaleTargetRef: { name: 'web' } } };
    const other = { apiVersion: 'example.com/v1', kind: 'Scaler', metadata: { name: 'x', namespace: 'ml' }, spec: { scaleTargetRef: { name: 'web' } } };
    const noTarget = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'n', namespace: 'ml' }, spec: { scaleTargetRef: {} } };
    const noSpec = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'm', namespace: 'ml' } };
    const model = new AppModel([hpa, so, other, noTarget, noSpec]);
    expect(model.scalersOf('ml', 'web')).toEqual([hpa, so]);
    expect(model.scalersOf('other', 'web')).toEqual([]);
    expect(model.scalersOf('ml', 'undefined')).toEqual([]);
  });

  describe('podsRunningFor', () => {
    const template = { metadata: { labels: { role: 'node' } }, spec: { containers: [{ name: 'main', image: 'x' }] } };
    const runtime = (kind: string, name: string, namespace?: string) => ({
      apiVersion: 'trainer.kubeflow.org/v1alpha1', kind, metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: { template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template } } }] } } },
    });
    const trainJob = (name: string, runtimeRef: any, apiVersion = 'trainer.kubeflow.org/v1alpha1') => ({ apiVersion, kind: 'TrainJob', metadata: { name, namespace: 'ml' }, spec: { runtimeRef } });
    const run = (objects: any[], obj: any) => new AppModel(objects).podsRunningFor(obj).map((p) => [p.owner.metadata.name, p.namespace, p.labels['jobset.sigs.k8s.io/jobset-name'], p.labels.role]);

    test('a TrainJob runs the templates of its runtime (ClusterTrainingRuntime by default) in its namespace, labelled with its name', () => {
      const cluster = runtime('ClusterTrainingRuntime', 'torch');
      const tj = trainJob('tj', { name: 'torch' });
      expect(run([cluster, tj], tj)).toEqual([['torch', 'ml', 'tj', 'node']]);
      const local = runtime('TrainingRuntime', 'torch', 'ml');
      const tj2 = trainJob('tj2', { kind: 'TrainingRuntime', name: 'torch' });
      expect(run([runtime('TrainingRuntime', 'torch', 'other'), local, tj2], tj2)).toEqual([['torch', 'ml', 'tj2', 'node']]);
    });

    test('no pods for a runtime of another namespace, kind or group, an unknown or missing runtime, a TrainJob of another group', () => {
      const tj = trainJob('tj', { kind: 'TrainingRuntime', name: 'torch' });
      expect(run([runtime('TrainingRuntime', 'torch', 'other'), tj], tj)).toEqual([]);
      const tj2 = trainJob('tj2', { kind: 'ClusterTrainingRuntime', name: 'torch' });
      expect(run([runtime('TrainingRuntime', 'torch', 'ml'), tj2], tj2)).toEqual([]);
      const foreign = { ...runtime('ClusterTrainingRuntime', 'torch'), apiVersion: 'example.com/v1' };
      expect(run([foreign, tj2], tj2)).toEqual([]);
      const tj3 = trainJob('tj3', { kind: 'Runtime', name: 'torch' });
      expect(run([runtime('ClusterTrainingRuntime', 'torch'), tj3], tj3)).toEqual([]);
      const tj4 = trainJob('tj4', {});
      expect(run([runtime('ClusterTrainingRuntime', 'torch'), tj4], tj4)).toEqual([]);
      const tj5 = trainJob('tj5', undefined);
      expect(run([runtime('ClusterTrainingRuntime', 'torch'), tj5], tj5)).toEqual([]);
      const tj6 = trainJob('tj6', { name: 'other' });
      expect(run([runtime('ClusterTrainingRuntime', 'torch'), tj6], tj6)).toEqual([]);
      const tj7 = trainJob('tj7', { name: 'torch' }, 'example.com/v1');
      expect(run([runtime('ClusterTrainingRuntime', 'torch'), tj7], tj7)).toEqual([]);
      expect(run([null, runtime('ClusterTrainingRuntime', 'torch')], undefined)).toEqual([]);
    });

    test('a TrainJob without a name labels its pods with an empty JobSet name', () => {
      const cluster = runtime('ClusterTrainingRuntime', 'torch');
      const nameless = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { namespace: 'ml' }, spec: { runtimeRef: { name: 'torch' } } };
      expect(new AppModel([cluster, nameless]).podsRunningFor(nameless).map((p) => p.labels['jobset.sigs.k8s.io/jobset-name'])).toEqual(['']);
    });

    test('an object with pod templates runs its own', () => {
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template } };
      expect(run([job], job)).toEqual([['j', 'ml', undefined, 'node']]);
    });
  });
});
