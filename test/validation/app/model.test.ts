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
    const noRef = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'r', namespace: 'ml' }, spec: {} };
    const model = new AppModel([hpa, so, other, noTarget, noSpec, noRef]);
    expect(model.scalersOf('ml', 'web')).toEqual([hpa, so]);
    expect(model.scalersOf('other', 'web')).toEqual([]);
    expect(model.scalersOf('ml', 'undefined')).toEqual([]);
  });

  describe('declarations', () => {
    const problems = (annotation: string, value: unknown) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return new AppModel([cm('c', 'ml', { metadata: { name: 'c', namespace: 'ml', annotations: { [annotation]: text } } })]).problems.map((p) => [p.annotation, p.message]);
    };
    const EXT = 'ml.cdk8s.io/external';
    const FLOWS = 'ml.cdk8s.io/flows';
    const flow = (over: Record<string, any>) => ({ purpose: 'p', direction: 'egress', peer: { kind: 'external', host: 'h' }, ports: [{ port: 443 }], construct: 'app/x', ...over });

    test('text that is no JSON, or JSON that is no array, is one problem', () => {
      expect(problems(EXT, '[')).toEqual([[EXT, `annotation ${EXT} is not JSON: ${(() => { try { JSON.parse('['); } catch (e) { return (e as Error).message; } return ''; })()}`]]);
      expect(problems(FLOWS, '{"a":1}')).toEqual([[FLOWS, `annotation ${FLOWS} must hold a JSON array, got {"a":1}`]]);
      expect(problems(FLOWS, '[]')).toEqual([]);
    });

    test('each bad external item is a problem naming its index, the rule and the item', () => {
      const kinds = 'LocalQueue, ClusterQueue, ResourceFlavor, WorkloadPriorityClass, PriorityClass, PersistentVolumeClaim, ConfigMap, Secret, ServiceAccount, Service, Namespace';
      const cases: Array<[unknown, string | undefined]> = [
        ['x', 'must be an object {kind, name, namespace?}'],
        [null, 'must be an object {kind, name, namespace?}'],
        [[], 'must be an object {kind, name, namespace?}'],
        [{ kind: 5, name: 'a' }, `kind must be a Kubernetes kind such as ${kinds}`],
        [{ kind: 'configMap', name: 'a' }, `kind must be a Kubernetes kind such as ${kinds}`],
        [{ kind: 'Config-Map', name: 'a' }, `kind must be a Kubernetes kind such as ${kinds}`],
        [{ kind: ['Secret'], name: 'a' }, `kind must be a Kubernetes kind such as ${kinds}`],
        [{ kind: 'Secret' }, 'name must be a non-empty string'],
        [{ kind: 'Secret', name: '' }, 'name must be a non-empty string'],
        [{ kind: 'Secret', name: 's', namespace: 5 }, 'namespace must be a string'],
        [{ kind: 'Secret', name: 's', namespace: 'ns' }, undefined],
        [{ kind: 'InferenceService2', name: 's' }, undefined],
      ];
      for (const [item, message] of cases) {
        expect(problems(EXT, [{ kind: 'Secret', name: 'ok' }, item])).toEqual(message === undefined ? [] : [[EXT, `annotation ${EXT} item 1: ${message}, got ${JSON.stringify(item)}`]]);
      }
    });

    test('each bad flow is a problem naming its index, the rule and the item', () => {
      const cases: Array<[unknown, string | undefined]> = [
        [7, 'must be an object {purpose, direction, peer, ports, construct}'],
        [flow({ purpose: 1 }), 'purpose must be a string'],
        [flow({ direction: 'both' }), 'direction must be "egress" or "ingress"'],
        [flow({ direction: 'ingress' }), undefined],
        [flow({ construct: 1 }), 'construct must be a string'],
        [flow({ construct: undefined }), undefined],
        [flow({ peer: 'x' }), 'peer must be an object'],
        [flow({ peer: { kind: 'pods', podLabels: {} } }), 'peer.podLabels must be a non-empty map of strings'],
        [flow({ peer: { kind: 'pods', podLabels: { a: 1 } } }), 'peer.podLabels must be a non-empty map of strings'],
        [flow({ peer: { kind: 'pods', podLabels: ['a'] } }), 'peer.podLabels must be a non-empty map of strings'],
        [flow({ peer: { kind: 'pods', podLabels: { a: 'b' }, namespace: 3 } }), 'peer.namespace must be a string'],
        [flow({ peer: { kind: 'pods', podLabels: { a: 'b', c: 'd' }, namespace: 'ns' } }), undefined],
        [flow({ peer: { kind: 'namespace', namespaceLabels: null } }), 'peer.namespaceLabels must be a map of strings'],
        [flow({ peer: { kind: 'namespace', namespaceLabels: { a: 'b', c: 2 } } }), 'peer.namespaceLabels must be a map of strings'],
        [flow({ peer: { kind: 'namespace', namespaceLabels: {}, podLabels: { a: 1 } } }), 'peer.podLabels must be a map of strings'],
        [flow({ peer: { kind: 'namespace', namespaceLabels: {}, podLabels: {} } }), undefined],
        [flow({ peer: { kind: 'external', host: '' } }), 'peer.host must be a non-empty string'],
        [flow({ peer: { kind: 'external' } }), 'peer.host must be a non-empty string'],
        [flow({ peer: { kind: 'cidr', cidr: 10 } }), 'peer.cidr must be a string'],
        [flow({ peer: { kind: 'cidr', cidr: '10.0.0.0/8' } }), undefined],
        [flow({ peer: { kind: 'service' } }), 'peer.kind must be one of pods, namespace, external, cidr'],
        [flow({ ports: [] }), 'ports must be a non-empty array'],
        [flow({ ports: { port: 1 } }), 'ports must be a non-empty array'],
        [flow({ ports: [null] }), 'every port needs an integer port 1-65535'],
        [flow({ ports: [{ port: 1.5 }] }), 'every port needs an integer port 1-65535'],
        [flow({ ports: [{ port: 0 }] }), 'every port needs an integer port 1-65535'],
        [flow({ ports: [{ port: 65536 }] }), 'every port needs an integer port 1-65535'],
        [flow({ ports: [{ port: 1 }, { port: 65535, endPort: 65535 }] }), undefined],
        [flow({ ports: [{ port: 80, endPort: 79 }] }), 'endPort must be an integer ≥ port and ≤ 65535'],
        [flow({ ports: [{ port: 80, endPort: 80.5 }] }), 'endPort must be an integer ≥ port and ≤ 65535'],
        [flow({ ports: [{ port: 80, endPort: 65536 }] }), 'endPort must be an integer ≥ port and ≤ 65535'],
        [flow({ ports: [{ port: 80, protocol: 'HTTP' }] }), 'protocol must be TCP, UDP or SCTP'],
        [flow({ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 9, protocol: 'SCTP' }] }), undefined],
      ];
      for (const [item, message] of cases) {
        expect(problems(FLOWS, [item])).toEqual(message === undefined ? [] : [[FLOWS, `annotation ${FLOWS} item 0: ${message}, got ${JSON.stringify(item)}`]]);
      }
    });

    test('good items are kept beside bad ones: the flows of an object and its declared externals', () => {
      const obj = cm('c', 'ml', { metadata: { name: 'c', namespace: 'ml', annotations: { [FLOWS]: JSON.stringify([flow({}), 5]), [EXT]: JSON.stringify([{ kind: 'Secret', name: 's' }, 'x']) } } });
      const model = new AppModel([obj]);
      expect(model.flows.get(obj)).toEqual([flow({})]);
      expect(model.isExternal('Secret', 'ml', 's')).toBe(true);
      expect(model.problems.map((p) => p.message)).toEqual([`annotation ${EXT} item 1: must be an object {kind, name, namespace?}, got "x"`, `annotation ${FLOWS} item 1: must be an object {purpose, direction, peer, ports, construct}, got 5`]);
    });
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
      const noMetadata = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', spec: { runtimeRef: { name: 'torch' } } };
      expect(new AppModel([cluster, noMetadata]).podsRunningFor(noMetadata).map((p) => [p.namespace, p.labels['jobset.sigs.k8s.io/jobset-name']])).toEqual([['', '']]);
    });

    test('a runtime runs its own templates; a TrainJob without spec, or naming no runtime when a runtime has no name, runs none', () => {
      const cluster = runtime('ClusterTrainingRuntime', 'torch');
      expect(run([cluster], cluster)).toEqual([['torch', '', undefined, 'node']]);
      const bare = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { name: 'bare', namespace: 'ml' } };
      expect(run([cluster, bare], bare)).toEqual([]);
      const nameless = { ...runtime('ClusterTrainingRuntime', 'x'), metadata: {} };
      const unnamed = trainJob('tj', { kind: 'ClusterTrainingRuntime' });
      expect(run([nameless, unnamed], unnamed)).toEqual([]);
    });

    test('the runtime is found past objects without metadata and runtimes of another group of the same name', () => {
      const foreign = { ...runtime('ClusterTrainingRuntime', 'torch'), apiVersion: 'example.com/v1' };
      const tj = trainJob('tj', { name: 'torch' });
      expect(run([{ apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'ClusterTrainingRuntime' }, foreign, runtime('ClusterTrainingRuntime', 'torch'), tj], tj)).toEqual([['torch', 'ml', 'tj', 'node']]);
    });

    test('an object with pod templates runs its own', () => {
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template } };
      expect(run([job], job)).toEqual([['j', 'ml', undefined, 'node']]);
    });
  });
});
