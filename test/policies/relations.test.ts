import { checkPolicies, selectorMatches } from '../../src/validation/policies';
import { APP_LABELS, NS, container, deployment, findings, hpa, job, networkPolicy, pdb, service, servingStack, specOf } from './manifests';

/** The helpers' Deployment without spec.replicas (one replica, or an autoscaler's choice). */
function withoutReplicas(): any {
  const d = deployment();
  delete d.spec.replicas;
  return d;
}

describe('a compliant serving stack', () => {
  test('passes every rule', () => {
    expect(checkPolicies(servingStack()).findings).toEqual([]);
  });

  test('with an HPA and no replicas passes every rule', () => {
    const d = withoutReplicas();
    expect(checkPolicies([d, service(), pdb(), networkPolicy(), hpa()]).findings).toEqual([]);
  });
});

describe('pdb-required', () => {
  test('passes a single-replica Deployment without a PDB', () => {
    expect(findings([deployment({ replicas: 1 }), networkPolicy()], 'pdb-required')).toEqual([]);
  });

  test('a Deployment without template metadata or without spec has no labels to select: no PDB selects it', () => {
    const noMeta = deployment();
    delete noMeta.spec.template.metadata;
    expect(findings([noMeta, pdb(), networkPolicy()], 'pdb-required').map((f) => f.object)).toEqual(['Deployment/team-a/llm']);
    const noSpec = { ...deployment(), spec: undefined };
    expect(findings([noSpec, pdb(), networkPolicy()], 'pdb-required')).toEqual([]);
    const noTemplate = deployment();
    delete noTemplate.spec.template;
    expect(findings([noTemplate, pdb(), networkPolicy()], 'pdb-required').map((f) => f.object)).toEqual(['Deployment/team-a/llm']);
  });

  test('a Deployment without replicas runs one: no PDB needed', () => {
    const d = withoutReplicas();
    expect(findings([d, networkPolicy()], 'pdb-required')).toEqual([]);
  });

  test('reads Deployments of apps/v1 only: a StatefulSet, or a Deployment of another API version, is not checked', () => {
    const sts = { ...deployment(), kind: 'StatefulSet' };
    const old = { ...deployment(), apiVersion: 'extensions/v1beta1' };
    expect(findings([sts, old, networkPolicy()], 'pdb-required')).toEqual([]);
  });

  test('fails a multi-replica Deployment without a PDB', () => {
    expect(findings([deployment(), networkPolicy()], 'pdb-required').map((f) => [f.object, f.path, f.message])).toEqual([
      ['Deployment/team-a/llm', '/spec/template/metadata/labels', 'the Deployment has 2 replicas but no PodDisruptionBudget in its namespace selects its pods'],
    ]);
  });

  test('names every autoscaler of the Deployment', () => {
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'so', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' } } };
    expect(findings([withoutReplicas(), hpa(), so], 'pdb-required').map((f) => f.message)).toEqual([
      'the Deployment is scaled by HorizontalPodAutoscaler/llm, ScaledObject/so but no PodDisruptionBudget in its namespace selects its pods',
    ]);
    expect(findings([deployment(), hpa(), so], 'hpa-replicas').map((f) => [f.path, f.message])).toEqual([
      ['/spec/replicas', 'the Deployment sets replicas 2 but is scaled by HorizontalPodAutoscaler/llm, ScaledObject/so'],
    ]);
  });

  test('fails an HPA-managed Deployment whose PDB selects other pods or lives elsewhere', () => {
    const d = withoutReplicas();
    const otherPods = pdb();
    otherPods.spec.selector = { matchLabels: { app: 'other' } };
    const otherNs = pdb();
    otherNs.metadata.namespace = 'team-b';
    const found = findings([d, hpa({ minReplicas: 1 }), otherPods, otherNs], 'pdb-required');
    expect(found.map((f) => f.message)).toEqual(['the Deployment is scaled by HorizontalPodAutoscaler/llm but no PodDisruptionBudget in its namespace selects its pods']);
  });
});

describe('pdb-blocks-drain', () => {
  test('passes maxUnavailable 1, a percentage, and minAvailable below the replicas', () => {
    expect(findings([deployment(), pdb({ maxUnavailable: '10%' })], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment({ replicas: 3 }), pdb({ minAvailable: 2 })], 'pdb-blocks-drain')).toEqual([]);
  });

  test('fails maxUnavailable 0', () => {
    expect(findings([deployment(), pdb({ maxUnavailable: 0 })], 'pdb-blocks-drain').map((f) => [f.object, f.path, f.message])).toEqual([
      ['PodDisruptionBudget/team-a/llm', '/spec/maxUnavailable', 'maxUnavailable 0 allows no voluntary disruption of Deployment/llm at 2 replica(s): node drains would block'],
    ]);
  });

  test('fails minAvailable equal to the replicas, or to the HPA floor, or 100%', () => {
    expect(findings([deployment(), pdb({ minAvailable: 2 })], 'pdb-blocks-drain')).toHaveLength(1);
    expect(findings([deployment(), pdb({ minAvailable: '100%' })], 'pdb-blocks-drain')).toHaveLength(1);
    const d = withoutReplicas();
    expect(findings([d, hpa({ minReplicas: 1 }), pdb({ minAvailable: 1 })], 'pdb-blocks-drain')[0].message).toMatch(/at 1 replica\(s\)/);
  });

  test('several autoscalers: the lowest floor, never below 1; a Deployment without replicas counts 1; a PDB without spec selects nothing', () => {
    const d = withoutReplicas();
    const so = (min: number) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'so', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' }, minReplicaCount: min } });
    const drain = (...objs: any[]) => findings([d, ...objs], 'pdb-blocks-drain').map((f) => f.message);
    expect(drain(hpa({ minReplicas: 3 }), so(2), pdb({ minAvailable: 2 }))).toEqual([
      'minAvailable 2 allows no voluntary disruption of Deployment/llm at 2 replica(s): node drains would block',
    ]);
    expect(drain(hpa({ minReplicas: 3 }), so(0), pdb({ minAvailable: 1 }))).toEqual([
      'minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block',
    ]);
    expect(drain(pdb({ minAvailable: 1 }))).toEqual(['minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block']);
    const noSpec = { ...pdb({ minAvailable: 1 }), spec: undefined };
    expect(findings([deployment(), noSpec], 'pdb-blocks-drain')).toEqual([]);
    // a percentage is of the replicas, rounded up: 50 % of 3 is 2, which leaves one to disrupt
    expect(findings([deployment({ replicas: 3 }), pdb({ minAvailable: '50%' })], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment({ replicas: 3 }), pdb({ minAvailable: '67%' })], 'pdb-blocks-drain')).toHaveLength(1);
    // a percentage must be the whole value
    expect(findings([deployment(), pdb({ minAvailable: 'x100%' })], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment(), pdb({ maxUnavailable: '0%x' })], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment(), pdb({ maxUnavailable: '0%' })], 'pdb-blocks-drain')).toHaveLength(1);
  });

  test('a ScaledObject without minReplicaCount scales to zero (KEDA default): the budget is reckoned at 1 replica', () => {
    const noMin = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'so', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' } } };
    expect(findings([withoutReplicas(), noMin, pdb({ minAvailable: 1 })], 'pdb-blocks-drain').map((f) => f.message)).toEqual([
      'minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block',
    ]);
  });

  test('only policy/v1 PodDisruptionBudgets, and only the Deployments of their namespace, are reckoned', () => {
    const lookalike = { ...pdb({ maxUnavailable: 0 }), apiVersion: 'example.com/v1', kind: 'Budget' };
    expect(findings([deployment(), lookalike], 'pdb-blocks-drain')).toEqual([]);
    const elsewhere = deployment();
    elsewhere.metadata.namespace = 'team-b';
    expect(findings([elsewhere, pdb({ minAvailable: 2 })], 'pdb-blocks-drain')).toEqual([]);
    // (the rule reckons Deployments: a StatefulSet with the same labels is not counted)
    const sts = { ...deployment(), kind: 'StatefulSet' };
    expect(findings([sts, pdb({ minAvailable: 2 })], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment(), pdb({ minAvailable: 2 })], 'pdb-blocks-drain')).toHaveLength(1);
  });

  test('a PDB with neither field, or one that is no int-or-percent, reports nothing', () => {
    const neither = { ...pdb({}), spec: { selector: { matchLabels: APP_LABELS } } };
    expect(findings([deployment(), neither], 'pdb-blocks-drain')).toEqual([]);
    expect(findings([deployment(), pdb({ minAvailable: true })], 'pdb-blocks-drain')).toEqual([]);
  });

  test('a Deployment without spec is matched by an empty selector only, and counts 1 replica', () => {
    const noSpec = { ...deployment(), spec: undefined };
    expect(findings([noSpec, pdb({ minAvailable: 1 })], 'pdb-blocks-drain')).toEqual([]);
    const everything = { ...pdb({ minAvailable: 1 }), spec: { selector: {}, minAvailable: 1 } };
    expect(findings([noSpec, everything], 'pdb-blocks-drain').map((f) => f.message)).toEqual([
      'minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block',
    ]);
  });

  test('the HPA floor: minReplicas, 1 when unset or no number; a ScaledObject\'s minReplicaCount, 0 when unset', () => {
    const d = withoutReplicas();
    const floor = (scaler: any) => findings([d, scaler, pdb({ minAvailable: 1 })], 'pdb-blocks-drain').map((f) => f.message);
    const noMin = hpa();
    delete noMin.spec.minReplicas;
    expect(floor(noMin)).toEqual(['minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block']);
    expect(floor(hpa({ minReplicas: '3' }))).toHaveLength(1);
    expect(floor(hpa({ minReplicas: 3 }))).toEqual([]);
    const so = (spec: any) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'so', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' }, ...spec } });
    expect(floor(so({ minReplicaCount: 3 }))).toEqual([]);
    expect(floor(so({ minReplicaCount: 1 }))).toHaveLength(1);
    // a ScaledObject without scaleTargetRef targets nothing: the Deployment's own count (1) holds
    const { scaleTargetRef: _ref, ...noRef } = so({ minReplicaCount: 3 }).spec;
    expect(floor({ ...so({}), spec: noRef })).toEqual(['minAvailable 1 allows no voluntary disruption of Deployment/llm at 1 replica(s): node drains would block']);
  });
});

describe('hpa-replicas', () => {
  test('passes an autoscaled Deployment without replicas', () => {
    const d = withoutReplicas();
    expect(findings([d, hpa()], 'hpa-replicas')).toEqual([]);
  });

  test('an HPA counts when it is autoscaling/v1 or v2 and targets this Deployment by kind and name', () => {
    const v1 = { ...hpa(), apiVersion: 'autoscaling/v1' };
    expect(findings([deployment(), v1], 'hpa-replicas').map((f) => f.message)).toEqual(['the Deployment sets replicas 2 but is scaled by HorizontalPodAutoscaler/llm']);
    const other = [
      { ...hpa(), apiVersion: 'example.com/v1' },
      hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'llm' } }),
      hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'other' } }),
      { ...hpa(), spec: undefined },
    ];
    for (const h of other) expect(findings([deployment(), h], 'hpa-replicas')).toEqual([]);
    // a KEDA ScaledObject counts when it targets this Deployment (kind omitted or Deployment), of keda.sh only
    const scaled = (extra: any) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'so', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' } }, ...extra });
    expect(findings([deployment(), scaled({})], 'hpa-replicas')).toHaveLength(1);
    for (const so of [scaled({ apiVersion: 'example.com/v1' }), scaled({ kind: 'TriggerAuthentication' }), scaled({ spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'llm' } } }), scaled({ spec: { scaleTargetRef: { name: 'other' } } })]) {
      expect(findings([deployment(), so], 'hpa-replicas')).toEqual([]);
    }
    // an HPA of another namespace does not scale this Deployment
    const elsewhere = hpa();
    elsewhere.metadata.namespace = 'team-b';
    expect(findings([deployment(), elsewhere], 'hpa-replicas')).toEqual([]);
  });

  test('fails an autoscaled Deployment that sets replicas (HPA or KEDA)', () => {
    expect(findings([deployment(), hpa()], 'hpa-replicas').map((f) => [f.path, f.message])).toEqual([
      ['/spec/replicas', 'the Deployment sets replicas 2 but is scaled by HorizontalPodAutoscaler/llm'],
    ]);
    const keda = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'llm-queue', namespace: NS }, spec: { scaleTargetRef: { name: 'llm' }, triggers: [] } };
    expect(findings([deployment(), keda], 'hpa-replicas')[0].message).toMatch(/scaled by ScaledObject\/llm-queue/);
  });
});

describe('network-policy', () => {
  test('passes pods selected by a NetworkPolicy (by labels, or by the Job name label)', () => {
    expect(findings([job(), networkPolicy({ matchLabels: { app: 'train' } })], 'network-policy')).toEqual([]);
    expect(findings([job(), networkPolicy({ matchLabels: { 'batch.kubernetes.io/job-name': 'train-1a2b3c4d' } })], 'network-policy')).toEqual([]);
  });

  test('fails pods no NetworkPolicy of their namespace selects', () => {
    const elsewhere = networkPolicy();
    elsewhere.metadata.namespace = 'team-b';
    const found = findings([job(), networkPolicy({ matchLabels: { app: 'serve' } }), elsewhere], 'network-policy');
    expect(found.map((f) => [f.object, f.path, f.message])).toEqual([
      ['Job/team-a/train-1a2b3c4d', '/spec/template/metadata', 'the pods of the template at /spec/template/spec are selected by no NetworkPolicy in namespace "team-a"'],
    ]);
  });

  test('a NetworkPolicy without spec selects no pod; a bare Pod is named as one', () => {
    const noSpec = { ...networkPolicy(), spec: undefined };
    expect(findings([job(), noSpec], 'network-policy').map((f) => f.object)).toEqual(['Job/team-a/train-1a2b3c4d']);
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS }, spec: { containers: [container()] } };
    expect(findings([bare], 'network-policy').map((f) => f.message)).toEqual(['the pod is selected by no NetworkPolicy in namespace "team-a"']);
  });

  test('label selectors: matchExpressions operators', () => {
    const labels = { app: 'a', tier: 'gpu' };
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gpu'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches(undefined, labels)).toBe(false);
  });
});

describe('service-selector', () => {
  test('passes a Service selecting the Deployment pods', () => {
    expect(findings(servingStack(), 'service-selector')).toEqual([]);
  });

  test('fails a selector with a typo, and one matching pods of another namespace', () => {
    const typo = service();
    typo.spec.selector = { ...APP_LABELS, 'app.kubernetes.io/name': 'lm' };
    expect(findings([deployment(), typo], 'service-selector').map((f) => [f.path, f.message])).toEqual([
      ['/spec/selector', 'selector {"app.kubernetes.io/name":"lm","app.kubernetes.io/instance":"llm"} matches no pod template in namespace "team-a"'],
    ]);
    const other = service();
    other.metadata.namespace = 'team-b';
    expect(findings([deployment(), other], 'service-selector')).toHaveLength(1);
  });

  test('ignores Services without a selector and ExternalName Services', () => {
    expect(findings([service({ selector: undefined }), service({ type: 'ExternalName', externalName: 'x.example.com' })], 'service-selector')).toEqual([]);
  });
});

describe('objects without namespace, native sidecars, malformed ports', () => {
  test('a pod or Service without namespace is reported in namespace <unset>', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [container()] } };
    expect(findings([bare], 'network-policy').map((f) => f.message)).toEqual(['the pod is selected by no NetworkPolicy in namespace "<unset>"']);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } };
    expect(findings([svc], 'service-selector').map((f) => f.message)).toEqual(['selector {"app":"x"} matches no pod template in namespace "<unset>"']);
  });

  test('a target port declared by a native sidecar counts, by a plain init container not; malformed port lists are skipped', () => {
    const target = (init: any) => {
      const d = deployment();
      specOf(d).containers[0].ports = [null, { containerPort: 8000 }];
      specOf(d).initContainers = [init];
      const labels = d.spec.template.metadata.labels;
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy', namespace: d.metadata.namespace }, spec: { selector: labels, ports: [{ name: 'p', port: 9000, targetPort: 'proxy' }] } };
      return findings([d, svc, networkPolicy()], 'service-target-port').map((f) => f.message);
    };
    expect(target(container('proxy', { restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 9000 }] }))).toEqual([]);
    expect(target(container('proxy', { ports: [{ name: 'proxy', containerPort: 9000 }] }))).toEqual([
      'port "p" targets the port name "proxy", which no selected container declares (declared: ["undefined","8000"])',
    ]);
    // a null entry in a container list (schema validation reports it) declares nothing
    expect(target(null)).toEqual([
      'port "p" targets the port name "proxy", which no selected container declares (declared: ["undefined","8000"])',
    ]);
    const nullContainer = deployment();
    specOf(nullContainer).containers.push(null);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'llm', namespace: NS }, spec: { selector: nullContainer.spec.template.metadata.labels, ports: [{ port: 80, targetPort: 'http' }] } };
    expect(findings([nullContainer, svc, networkPolicy()], 'service-target-port')).toEqual([]);
    expect(target(container('proxy', { restartPolicy: 'Always', ports: 'proxy' }))).toEqual([
      'port "p" targets the port name "proxy", which no selected container declares (declared: ["undefined","8000"])',
    ]);
  });
});

describe('service-target-port', () => {
  test('passes named and numbered targets the pods declare (default targetPort = port)', () => {
    const byNumber = service({ ports: [{ port: 8000 }, { port: 80, targetPort: 8000 }] });
    expect(findings([deployment(), byNumber], 'service-target-port')).toEqual([]);
  });

  test('fails a named target and a number no container declares', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9090 }] });
    expect(findings([deployment(), svc], 'service-target-port').map((f) => [f.path, f.message])).toEqual([
      ['/spec/ports/0/targetPort', 'port "http" targets the port name "web", which no selected container declares (declared: ["http:8000"])'],
      ['/spec/ports/1/port', 'port "metrics" targets port 9090, which no selected container declares (declared: ["http:8000"])'],
    ]);
  });

  test('a Service without a ports list has no port to check; containers without ports declare none', () => {
    const noPorts = service({});
    delete noPorts.spec.ports;
    expect(findings([deployment(), noPorts], 'service-target-port')).toEqual([]);
    const d = deployment();
    delete specOf(d).containers[0].ports;
    expect(findings([d, service({ ports: [{ name: 'http', port: 80, targetPort: 8000 }] })], 'service-target-port').map((f) => f.message))
      .toEqual(['port "http" targets port 8000, which no selected container declares (declared: [])']);
  });

  test('a Service without spec, with a null or empty selector, or selecting no pod: nothing to check here', () => {
    const noSpec = { ...service(), spec: undefined };
    const nullSelector = service({ selector: null, ports: [{ port: 1 }] });
    const emptySelector = service({ selector: {}, ports: [{ port: 1 }] });
    const noPods = service({ selector: { app: 'nothing' }, ports: [{ port: 1 }] });
    for (const svc of [noSpec, nullSelector, emptySelector, noPods]) expect(findings([deployment(), svc], 'service-target-port')).toEqual([]);
    // an empty or null selector is no selector: the service-selector rule does not ask for pods either
    expect(findings([deployment(), nullSelector, emptySelector], 'service-selector')).toEqual([]);
  });

  test('native sidecars (init containers with restartPolicy Always) declare ports; other init containers and null entries do not', () => {
    const d = deployment();
    specOf(d).initContainers = [null, { name: 'proxy', image: 'p:1', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15000 }] },
      { name: 'fetch', image: 'f:1', ports: [{ name: 'fetch', containerPort: 9000 }] }];
    specOf(d).containers[0].ports = [null, { name: 'http', containerPort: 8000 }];
    expect(findings([d, service({ ports: [{ name: 'p', port: 80, targetPort: 'proxy' }, { name: 'h', port: 81, targetPort: 8000 }] })], 'service-target-port')).toEqual([]);
    expect(findings([d, service({ ports: [{ name: 'f', port: 80, targetPort: 9000 }] })], 'service-target-port').map((f) => f.message)).toEqual([
      'port "f" targets port 9000, which no selected container declares (declared: ["undefined","http:8000","proxy:15000"])',
    ]);
  });

  test('a port entry that is no object is reported, never thrown on', () => {
    expect(findings([deployment(), service({ ports: [null] })], 'service-target-port').map((f) => [f.path, f.message])).toEqual([
      ['/spec/ports/0/port', 'port undefined targets port undefined, which no selected container declares (declared: ["http:8000"])'],
    ]);
  });

  test('the headless Service of an Indexed Job must target a declared port', () => {
    const j = job();
    specOf(j).containers[0].ports = [{ name: 'rdzv', containerPort: 29500 }];
    const headless = service({ clusterIP: 'None', selector: { 'batch.kubernetes.io/job-name': 'train-1a2b3c4d' }, ports: [{ name: 'rdzv', port: 29500 }] });
    expect(findings([j, headless], 'service-target-port')).toEqual([]);
    specOf(j).containers[0].ports = [];
    expect(findings([j, headless], 'service-target-port')).toHaveLength(1);
  });
});
