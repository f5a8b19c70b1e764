/**
 * The reference part of the whole-app check on small hand-written manifests, one kind of
 * reference at a time: what a pod template refers to (volumes, projected sources, envFrom,
 * env, pull secrets, service account, priority class, subdomain), env keys, Ingress/HTTPRoute
 * backends and their ports, RBAC, the Kueue chain, namespaces and selectors. Every expected
 * finding is spelled out.
 */
import { AppModel } from '../../../src/validation/app/model';
import { checkReferences, renderOrDeclare } from '../../../src/validation/app/references';

const NS = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml', labels: { team: 'a' } } };
const meta = (name: string, namespace = 'ml', extra: Record<string, any> = {}) => ({ name, namespace, ...extra });
const cm = (name: string, body: Record<string, any> = {}, namespace = 'ml') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, namespace), ...body });
const secret = (name: string, body: Record<string, any> = {}, namespace = 'ml') => ({ apiVersion: 'v1', kind: 'Secret', metadata: meta(name, namespace), ...body });
const service = (name: string, spec: Record<string, any>, namespace = 'ml', labels?: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: meta(name, namespace, labels ? { labels } : {}), spec });
const deployment = (podSpec: Record<string, any>, name = 'web', labels: Record<string, string> = { app: 'web' }) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name),
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
});
const main = (extra: Record<string, any> = {}) => ({ name: 'main', image: 'ghcr.io/acme/app:1.0.0', ...extra });

/** `[object, path, message]` of every finding. */
const check = (objects: any[]) => checkReferences(new AppModel([NS, ...objects])).map((f) => [f.object, f.path, f.message]);
/** The message of an unresolved reference (`namespace` null: a cluster-scoped kind). */
const missing = (via: string, kind: string, name: string, namespace: string | null = 'ml') =>
  `${via} refers to ${kind} "${name}", which the app does not render${namespace === null ? '' : ` in namespace "${namespace}"`} and nothing declares external`;

const T = '/spec/template/spec';

describe('pod template references', () => {
  const pod = {
    volumes: [
      { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'cfg', configMap: { name: 'settings' } },
      { name: 'optional-cfg', configMap: { name: 'maybe', optional: true } },
      { name: 'ca', configMap: { name: 'kube-root-ca.crt' } },
      { name: 'tls', secret: { secretName: 'certs' } },
      { name: 'optional-tls', secret: { secretName: 'maybe-certs', optional: true } },
      {
        name: 'bundle',
        projected: {
          sources: [
            { configMap: { name: 'bundle-cfg' } }, { configMap: { name: 'kube-root-ca.crt' } }, { configMap: { name: 'maybe', optional: true } },
            { secret: { name: 'bundle-key' } }, { secret: { name: 'maybe-key', optional: true } }, { serviceAccountToken: { path: 'token' } },
          ],
        },
      },
      { name: 'scratch', emptyDir: {} },
      { name: 'unnamed-claim', persistentVolumeClaim: { claimName: '' } },
    ],
    containers: [main({
      envFrom: [{ configMapRef: { name: 'env-cfg' } }, { secretRef: { name: 'env-secret' } }, { configMapRef: { name: 'o', optional: true } }, { secretRef: { name: 'o', optional: true } }, { prefix: 'X_' }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'key-cfg', key: 'a' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'key-secret', key: 'b' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'o', key: 'c', optional: true } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'o', key: 'd', optional: true } } },
        { name: 'E', value: 'plain' },
        { name: 'F', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    })],
    imagePullSecrets: [{ name: 'pull' }, {}],
    serviceAccountName: 'runner',
    priorityClassName: 'high',
    subdomain: 'peers',
  };

  test('every unresolved reference is a finding at its field, in template order, naming what refers', () => {
    expect(check([deployment(pod)])).toEqual([
      ['Deployment/ml/web', `${T}/volumes/0/persistentVolumeClaim/claimName`, missing('volume "claim"', 'PersistentVolumeClaim', 'data')],
      ['Deployment/ml/web', `${T}/volumes/1/configMap/name`, missing('volume "cfg"', 'ConfigMap', 'settings')],
      ['Deployment/ml/web', `${T}/volumes/4/secret/secretName`, missing('volume "tls"', 'Secret', 'certs')],
      ['Deployment/ml/web', `${T}/volumes/6/projected/sources/0/configMap/name`, missing('projected volume "bundle"', 'ConfigMap', 'bundle-cfg')],
      ['Deployment/ml/web', `${T}/volumes/6/projected/sources/3/secret/name`, missing('projected volume "bundle"', 'Secret', 'bundle-key')],
      ['Deployment/ml/web', `${T}/containers/0/envFrom/0/configMapRef/name`, missing('envFrom of container "main"', 'ConfigMap', 'env-cfg')],
      ['Deployment/ml/web', `${T}/containers/0/envFrom/1/secretRef/name`, missing('envFrom of container "main"', 'Secret', 'env-secret')],
      ['Deployment/ml/web', `${T}/containers/0/env/0/valueFrom/configMapKeyRef/name`, missing('env "A" of container "main"', 'ConfigMap', 'key-cfg')],
      ['Deployment/ml/web', `${T}/containers/0/env/1/valueFrom/secretKeyRef/name`, missing('env "B" of container "main"', 'Secret', 'key-secret')],
      ['Deployment/ml/web', `${T}/imagePullSecrets/0/name`, missing('imagePullSecrets', 'Secret', 'pull')],
      ['Deployment/ml/web', `${T}/serviceAccountName`, missing('the pod template', 'ServiceAccount', 'runner')],
      ['Deployment/ml/web', `${T}/priorityClassName`, missing('priorityClassName', 'PriorityClass', 'high', null)],
      ['Deployment/ml/web', `${T}/subdomain`, missing('the pod subdomain', 'Service', 'peers')],
    ]);
  });

  test('the fix says what to render or declare, with the hint of the reference', () => {
    const fixes = checkReferences(new AppModel([NS, deployment(pod)])).map((f) => f.fix);
    expect(fixes[0]).toBe('render PersistentVolumeClaim "data" in namespace "ml", or, when it lives outside the app on purpose, declare it with External '
      + '(annotation ml.cdk8s.io/external: [{"kind":"PersistentVolumeClaim","name":"data","namespace":"ml"}])');
    expect(fixes[11]).toBe('render PriorityClass "high", or, when it lives outside the app on purpose, declare it with External '
      + '(annotation ml.cdk8s.io/external: [{"kind":"PriorityClass","name":"high"}])');
    expect(fixes[12]).toBe('render Service "peers" in namespace "ml" (headless: clusterIP None, selecting these pods), or, when it lives outside the app on purpose, declare it with External '
      + '(annotation ml.cdk8s.io/external: [{"kind":"Service","name":"peers","namespace":"ml"}])');
    expect(renderOrDeclare('Secret', '', 's')).toBe('render Secret "s" in namespace "<unset>", or, when it lives outside the app on purpose, declare it with External '
      + '(annotation ml.cdk8s.io/external: [{"kind":"Secret","name":"s","namespace":""}])');
  });

  test('rendered or declared external in the pod namespace, they resolve; of another namespace, they do not', () => {
    const rendered = [
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data'), spec: {} },
      cm('settings'), secret('certs'), cm('bundle-cfg'), secret('bundle-key'), cm('env-cfg'), secret('env-secret'),
      cm('key-cfg', { data: { a: '1' } }), secret('key-secret', { data: { b: 'Yg==' } }), secret('pull'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('runner') },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
      service('peers', { clusterIP: 'None', selector: { app: 'web' } }),
    ];
    expect(check([deployment(pod), ...rendered])).toEqual([]);
    const elsewhere = rendered.filter((o) => o.kind === 'ConfigMap').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'other' } }));
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } };
    expect(check([other, deployment(pod), ...rendered.filter((o) => o.kind !== 'ConfigMap'), ...elsewhere]).map((f) => f[1])).toEqual([
      `${T}/volumes/1/configMap/name`, `${T}/volumes/6/projected/sources/0/configMap/name`, `${T}/containers/0/envFrom/0/configMapRef/name`,
      `${T}/containers/0/env/0/valueFrom/configMapKeyRef/name`,
    ]);
    const declared = { ...deployment(pod), metadata: meta('web', 'ml', { annotations: { 'ml.cdk8s.io/external': JSON.stringify([
      { kind: 'PersistentVolumeClaim', name: 'data' }, { kind: 'ConfigMap', name: 'settings' }, { kind: 'Secret', name: 'certs' }, { kind: 'ConfigMap', name: 'bundle-cfg' },
      { kind: 'Secret', name: 'bundle-key' }, { kind: 'ConfigMap', name: 'env-cfg' }, { kind: 'Secret', name: 'env-secret' }, { kind: 'ConfigMap', name: 'key-cfg' },
      { kind: 'Secret', name: 'key-secret' }, { kind: 'Secret', name: 'pull' }, { kind: 'ServiceAccount', name: 'runner' }, { kind: 'PriorityClass', name: 'high' },
      { kind: 'Service', name: 'peers' },
    ]) } }) };
    expect(check([declared])).toEqual([]);
  });

  test('the default service account, the built-in priority classes and empty names refer to nothing', () => {
    for (const priorityClassName of ['system-cluster-critical', 'system-node-critical', '']) {
      expect(check([deployment({ containers: [main()], serviceAccountName: 'default', priorityClassName, subdomain: '' })])).toEqual([]);
    }
    expect(check([deployment({ containers: [main()], serviceAccount: 'default' })])).toEqual([]);
  });

  test('the deprecated serviceAccount field is read when serviceAccountName is unset or empty, at its own path', () => {
    expect(check([deployment({ containers: [main()], serviceAccount: 'legacy' })])).toEqual([
      ['Deployment/ml/web', `${T}/serviceAccount`, missing('the pod template', 'ServiceAccount', 'legacy')],
    ]);
    expect(check([deployment({ containers: [main()], serviceAccountName: '', serviceAccount: 'legacy' })])).toEqual([
      ['Deployment/ml/web', `${T}/serviceAccount`, missing('the pod template', 'ServiceAccount', 'legacy')],
    ]);
    expect(check([deployment({ containers: [main()], serviceAccountName: 'runner', serviceAccount: 'legacy' })])).toEqual([
      ['Deployment/ml/web', `${T}/serviceAccountName`, missing('the pod template', 'ServiceAccount', 'runner')],
    ]);
  });

  test('malformed lists and entries are skipped, never thrown on', () => {
    const bad = { volumes: [null, { name: 'p', projected: { sources: 'x' } }, { name: 'q', projected: { sources: [null] } }], containers: [{ ...main(), envFrom: {}, env: [null, { name: 'X' }] }, null], imagePullSecrets: 'pull' };
    expect(check([deployment(bad)])).toEqual([]);
  });

  test('an unnamed volume or container is shown as undefined in the message', () => {
    const p = { volumes: [{ persistentVolumeClaim: { claimName: 'data' } }], containers: [{ image: 'x', envFrom: [{ configMapRef: { name: 'c' } }] }] };
    expect(check([deployment(p)]).map((f) => f[2])).toEqual([
      missing('volume undefined', 'PersistentVolumeClaim', 'data'), missing('envFrom of container undefined', 'ConfigMap', 'c'),
    ]);
  });

  test('a ClusterTrainingRuntime no TrainJob uses has no namespace to resolve in: skipped; a TrainJob resolves in its own', () => {
    const runtime = {
      apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'ClusterTrainingRuntime', metadata: { name: 'torch' },
      spec: { template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: { spec: { containers: [main({ envFrom: [{ secretRef: { name: 'hf' } }] })] } } } } }] } } },
    };
    expect(check([runtime])).toEqual([]);
    const trainJob = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: meta('tune'), spec: { runtimeRef: { name: 'torch' } } };
    expect(check([runtime, trainJob]).map((f) => f[2])).toEqual([missing('envFrom of container "main"', 'Secret', 'hf')]);
  });
});

describe('env keys', () => {
  const env = (field: 'configMapKeyRef' | 'secretKeyRef', name: string, key: string | undefined, optional?: boolean) =>
    ({ name: 'V', valueFrom: { [field]: { name, ...(key === undefined ? {} : { key }), ...(optional === undefined ? {} : { optional }) } } });
  const run = (objects: any[], entries: any[]) => checkReferences(new AppModel([NS, deployment({ containers: [main({ env: entries })] }), ...objects]))
    .map((f) => [f.path, f.message, f.fix, f.related]);

  test('a ConfigMap key is looked up in data and binaryData', () => {
    const config = cm('c', { data: { a: '1' }, binaryData: { b: 'AA==' } });
    expect(run([config], [env('configMapKeyRef', 'c', 'a'), env('configMapKeyRef', 'c', 'b')])).toEqual([]);
    expect(run([config], [env('configMapKeyRef', 'c', 'z')])).toEqual([[
      `${T}/containers/0/env/0/valueFrom/configMapKeyRef/key`,
      'env "V" of container "main" reads key "z" of ConfigMap "c", which has no such key (keys: ["a","b"])',
      'add key "z" to ConfigMap "c" or read one of its keys',
      ['ConfigMap/ml/c'],
    ]]);
  });

  test('a Secret key is looked up in data and stringData, not binaryData', () => {
    const s = secret('s', { data: { a: 'YQ==' }, stringData: { b: 'b' }, binaryData: { c: 'AA==' } });
    expect(run([s], [env('secretKeyRef', 's', 'a'), env('secretKeyRef', 's', 'b')])).toEqual([]);
    expect(run([s], [env('secretKeyRef', 's', 'c')]).map((f) => f[1])).toEqual(['env "V" of container "main" reads key "c" of Secret "s", which has no such key (keys: ["a","b"])']);
    expect(run([cm('c', { data: { a: '1' }, stringData: { s: 's' } })], [env('configMapKeyRef', 'c', 's')]).map((f) => f[1]))
      .toEqual(['env "V" of container "main" reads key "s" of ConfigMap "c", which has no such key (keys: ["a"])']);
  });

  test('an object without data holds no key; keys are listed sorted', () => {
    expect(run([secret('s')], [env('secretKeyRef', 's', 'k')]).map((f) => f[1])).toEqual(['env "V" of container "main" reads key "k" of Secret "s", which has no such key (keys: [])']);
    expect(run([cm('c', { data: { z: '1', a: '2', m: '3' } })], [env('configMapKeyRef', 'c', 'k')]).map((f) => f[1]))
      .toEqual(['env "V" of container "main" reads key "k" of ConfigMap "c", which has no such key (keys: ["a","m","z"])']);
    expect(run([cm('c', { data: 'x', binaryData: { b: 'AA==' } })], [env('configMapKeyRef', 'c', 'k')]).map((f) => f[1]))
      .toEqual(['env "V" of container "main" reads key "k" of ConfigMap "c", which has no such key (keys: ["b"])']);
  });

  test('optional refs, refs without a key and refs to objects of another namespace are not checked here', () => {
    const config = cm('c', { data: { a: '1' } });
    expect(run([config], [env('configMapKeyRef', 'c', 'z', true), env('configMapKeyRef', 'c', undefined), env('configMapKeyRef', 'c', '')])).toEqual([]);
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } };
    expect(run([other, cm('c', { data: { a: '1' } }, 'other')], [env('configMapKeyRef', 'c', 'z')]).map((f) => f[0]))
      .toEqual([`${T}/containers/0/env/0/valueFrom/configMapKeyRef/name`]);
  });
});

describe('headless subdomain Services', () => {
  const pod = { containers: [main()], subdomain: 'peers' };

  test('a Service that is not headless is a finding naming its clusterIP', () => {
    expect(check([deployment(pod), service('peers', { selector: { app: 'web' } })])).toEqual([[
      'Deployment/ml/web', `${T}/subdomain`,
      'subdomain "peers" names Service Service/ml/peers, which is not headless (clusterIP undefined): pods get no DNS records and peers cannot find each other',
    ]]);
    expect(check([deployment(pod), service('peers', { clusterIP: '10.0.0.1', selector: { app: 'web' } })]).map((f) => f[2]))
      .toEqual(['subdomain "peers" names Service Service/ml/peers, which is not headless (clusterIP "10.0.0.1"): pods get no DNS records and peers cannot find each other']);
  });

  test('a headless Service must select the pods with every label of its selector; without a selector it is accepted', () => {
    expect(check([deployment(pod), service('peers', { clusterIP: 'None', selector: { app: 'web', tier: 'x' } })]).map((f) => f[2])).toEqual([
      'subdomain "peers" names headless Service Service/ml/peers, whose selector {"app":"web","tier":"x"} does not select these pods (labels {"app":"web"}): they get no DNS records',
    ]);
    expect(check([deployment(pod), service('peers', { clusterIP: 'None', selector: { app: 'other' } })])).toHaveLength(1);
    expect(check([deployment(pod), service('peers', { clusterIP: 'None' })])).toEqual([]);
    expect(check([deployment(pod), service('peers', { clusterIP: 'None', selector: 'app=web' })])).toEqual([]);
    expect(check([deployment(pod), service('peers', { clusterIP: 'None', selector: null })])).toEqual([]);
  });

  test('the headless finding names the Service as related', () => {
    const [f] = checkReferences(new AppModel([NS, deployment(pod), service('peers', {})]));
    expect([f.fix, f.related]).toEqual(['set clusterIP: None on Service "peers"', ['Service/ml/peers']]);
  });
});

describe('Ingress, HTTPRoute and RBAC references', () => {
  const ingress = (spec: Record<string, any>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('in'), spec });
  const route = (backendRefs: any[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('rt'), spec: { rules: [{ backendRefs }] } });
  const web = service('web', { ports: [{ name: 'http', port: 80 }, { port: 9090 }] });

  test('TLS secrets and backends of an Ingress resolve; a missing one is a finding with its hint', () => {
    const spec = {
      tls: [{ secretName: 'tls' }, { hosts: ['a'] }],
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [{ http: { paths: [{ path: '/v1', backend: { service: { name: 'api', port: { number: 80 } } } }, { backend: { service: { name: 'root' } } }] } }, {}],
    };
    const found = checkReferences(new AppModel([NS, ingress(spec)]));
    expect(found.map((f) => [f.path, f.message])).toEqual([
      ['/spec/tls/0/secretName', missing('the Ingress TLS section', 'Secret', 'tls')],
      ['/spec/defaultBackend/service/name', missing('the Ingress default backend', 'Service', 'fallback')],
      ['/spec/rules/0/http/paths/0/backend/service/name', missing('the Ingress path "/v1"', 'Service', 'api')],
      ['/spec/rules/0/http/paths/1/backend/service/name', missing('the Ingress path "/"', 'Service', 'root')],
    ]);
    expect(found[0].fix).toContain('in namespace "ml" (or let cert-manager create it: annotate the Ingress with cert-manager.io/cluster-issuer and declare the Secret external), or,');
  });

  test('a backend port must be a port of the Service: by number, by name or as a bare number', () => {
    const paths = (ports: any[]) => ({ rules: [{ http: { paths: ports.map((port) => ({ path: '/', backend: { service: { name: 'web', port } } })) } }] });
    expect(check([web, ingress(paths([{ number: 80 }, { name: 'http' }, { number: 9090 }, 80, undefined]))])).toEqual([]);
    expect(check([web, ingress(paths([{ number: 81 }, { name: 'grpc' }, 81, { name: 'x', number: 80 }, { number: 80, name: 'nope' }]))])).toEqual([
      ['Ingress/ml/in', '/spec/rules/0/http/paths/0/backend/service/name', 'the Ingress path "/" targets port {"number":81} of Service "web", which has no such port (ports: ["http",9090])'],
      ['Ingress/ml/in', '/spec/rules/0/http/paths/1/backend/service/name', 'the Ingress path "/" targets port {"name":"grpc"} of Service "web", which has no such port (ports: ["http",9090])'],
      ['Ingress/ml/in', '/spec/rules/0/http/paths/2/backend/service/name', 'the Ingress path "/" targets port 81 of Service "web", which has no such port (ports: ["http",9090])'],
    ]);
    const [f] = checkReferences(new AppModel([NS, web, ingress({ defaultBackend: { service: { name: 'web', port: { number: 1 } } } })]));
    expect([f.fix, f.related]).toEqual(['use one of the Service\'s ports or add the port to Service "web"', ['Service/ml/web']]);
  });

  test('a declared-external backend Service is not looked into; a null port object is a bare value', () => {
    const external = { ...ingress({ defaultBackend: { service: { name: 'ext', port: { number: 1 } } } }), metadata: meta('in', 'ml', { annotations: { 'ml.cdk8s.io/external': '[{"kind":"Service","name":"ext"}]' } }) };
    expect(check([external])).toEqual([]);
    expect(check([web, ingress({ defaultBackend: { service: { name: 'web', port: null } } })]).map((f) => f[2]))
      .toEqual(['the Ingress default backend targets port null of Service "web", which has no such port (ports: ["http",9090])']);
  });

  test('Ingresses of another API group are not read', () => {
    expect(check([{ ...ingress({ tls: [{ secretName: 'tls' }] }), apiVersion: 'example.com/v1' }])).toEqual([]);
  });

  test('HTTPRoute backends: Services of the core group, in their own namespace when given, with their ports', () => {
    const other = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } };
    expect(check([route([{ name: 'api', port: 80 }, { name: 'x', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' }, { name: 'y', group: 'example.com' }, { name: 'z', kind: 'Backend' }, { port: 80 }])])).toEqual([
      ['HTTPRoute/ml/rt', '/spec/rules/0/backendRefs/0/name', missing('the HTTPRoute backend', 'Service', 'api')],
    ]);
    expect(check([other, route([{ name: 'web', namespace: 'other', port: 80 }]), web])).toEqual([
      ['HTTPRoute/ml/rt', '/spec/rules/0/backendRefs/0/name', missing('the HTTPRoute backend', 'Service', 'web', 'other')],
    ]);
    expect(check([route([{ name: 'web', kind: 'Service', group: '', port: 9090 }, { name: 'web', namespace: '', port: 80 }]), web])).toEqual([]);
    expect(check([route([{ name: 'web', port: 81 }]), web]).map((f) => f[2])).toEqual(['the HTTPRoute backend targets port 81 of Service "web", which has no such port (ports: ["http",9090])']);
    expect(check([{ ...route([{ name: 'api' }]), apiVersion: 'example.com/v1' }])).toEqual([]);
  });

  test('a RoleBinding to a missing Role, and ServiceAccount subjects, are findings; ClusterRoles and default are not', () => {
    const binding = (kind: string, roleRef: any, subjects: any[], apiVersion = 'rbac.authorization.k8s.io/v1') =>
      ({ apiVersion, kind, metadata: kind === 'ClusterRoleBinding' ? { name: 'b' } : meta('b'), roleRef, subjects });
    const subjects = [{ kind: 'ServiceAccount', name: 'runner' }, { kind: 'ServiceAccount', name: 'default' }, { kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'far', namespace: 'ops' }, { kind: 'ServiceAccount' }];
    const found = checkReferences(new AppModel([NS, binding('RoleBinding', { kind: 'Role', name: 'reader' }, subjects)]));
    expect(found.map((f) => [f.object, f.path, f.message])).toEqual([
      ['RoleBinding/ml/b', '/roleRef/name', 'the RoleBinding grants Role "reader", which the app does not render in namespace "ml"'],
      ['RoleBinding/ml/b', '/subjects/0/name', missing('subject 0 of the RoleBinding', 'ServiceAccount', 'runner')],
      ['RoleBinding/ml/b', '/subjects/3/name', missing('subject 3 of the RoleBinding', 'ServiceAccount', 'far', 'ops')],
    ]);
    expect(found[0].fix).toBe('render Role "reader" in namespace "ml" or bind an existing ClusterRole (roleRef.kind: ClusterRole)');
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('reader') };
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('runner') };
    expect(check([binding('RoleBinding', { kind: 'Role', name: 'reader' }, subjects.slice(0, 3)), role, sa])).toEqual([]);
    const declared = { ...binding('RoleBinding', { kind: 'Role', name: 'reader' }, []), metadata: meta('b', 'ml', { annotations: { 'ml.cdk8s.io/external': '[{"kind":"Role","name":"reader"}]' } }) };
    expect(check([declared])).toEqual([]);
    expect(check([binding('RoleBinding', { kind: 'ClusterRole', name: 'view' }, [])])).toEqual([]);
    expect(check([binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ml' }])])).toEqual([
      ['ClusterRoleBinding/b', '/subjects/0/name', missing('subject 0 of the ClusterRoleBinding', 'ServiceAccount', 'runner')],
    ]);
    expect(check([binding('RoleBinding', { kind: 'Role', name: 'reader' }, subjects, 'example.com/v1')])).toEqual([]);
    expect(check([binding('RoleBinding', { kind: 'Role', name: '' }, [])])).toEqual([]);
  });
});
