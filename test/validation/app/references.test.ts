/**
 * The reference part of the whole-app check on small hand-written manifests, one kind of
 * reference at a time: what a pod template refers to (volumes, projected sources, envFrom,
 * env, pull secrets, service account, priority class, subdomain), env keys, Ingress/HTTPRoute
 * backends and their ports, RBAC, the Kueue chain, namespaces and selectors. Every expected
 * finding is spelled out.
 */
import { AppModel } from '../../../src/validation/app/model';
import { PRIORITY_LABEL, QUEUE_LABEL, checkReferences, renderOrDeclare } from '../../../src/validation/app/references';

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
    expect(check([deployment({ containers: [{ ...main(), envFrom: [null, {}], env: [{ name: 'Y', valueFrom: null }] }], imagePullSecrets: [null, {}] })])).toEqual([]);
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

  test('the headless-selector finding: its fix and the Service as related; a pod without subdomain looks up no Service', () => {
    const [f] = checkReferences(new AppModel([NS, deployment(pod), service('peers', { clusterIP: 'None', selector: { app: 'other' } })]));
    expect([f.object, f.path, f.rule, f.fix, f.related]).toEqual(['Deployment/ml/web', `${T}/subdomain`, 'app-reference', 'make the Service\'s selector match the pod template labels', ['Service/ml/peers']]);
    expect(check([deployment({ containers: [main()] }), service('undefined', {})])).toEqual([]);
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

describe('the Kueue chain', () => {
  const Q = 'kueue.x-k8s.io~1queue-name';
  const P = 'kueue.x-k8s.io~1priority-class';
  const kueue = (kind: string, name: string, spec: Record<string, any> = {}, namespace?: string, labels?: Record<string, string>) =>
    ({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, spec });
  const job = (labels: Record<string, string>, templateLabels: Record<string, string> = {}, namespace = 'ml') => ({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', namespace, labels },
    spec: { template: { metadata: { labels: templateLabels }, spec: { restartPolicy: 'Never', containers: [main()] } } },
  });
  const cronJob = (jobTemplate: Record<string, any>) => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('nightly'),
    spec: { schedule: '0 3 * * *', jobTemplate: { ...jobTemplate, spec: { template: { spec: { restartPolicy: 'Never', containers: [main()] } } } } },
  });
  const queueMissing = (name: string, existing: string) =>
    `${missing('label kueue.x-k8s.io/queue-name', 'LocalQueue', name)}: Kueue keeps the workload suspended forever (LocalQueues in the namespace: ${existing})`;
  const lq = (name: string, namespace = 'ml', clusterQueue: unknown = 'cluster') => kueue('LocalQueue', name, { clusterQueue }, namespace);
  const cq = (spec: Record<string, any> = {}) => kueue('ClusterQueue', 'cluster', spec);

  test('a queue label naming no LocalQueue of its namespace: suspended forever, the namespace\'s LocalQueues listed', () => {
    const found = checkReferences(new AppModel([NS, { ...NS, metadata: { name: 'other' } }, job({ [QUEUE_LABEL]: 'gpu' }), lq('team'), lq('gpu', 'other'), cq()]));
    expect(found.map((f) => [f.object, f.path, f.message])).toEqual([['Job/ml/train', `/metadata/labels/${Q}`, queueMissing('gpu', '["team"]')]]);
    expect(found[0].fix).toBe(`${renderOrDeclare('LocalQueue', 'ml', 'gpu')}; with cdk8s-ml, take the queue from the namespace (MlNamespace/TeamQueue) instead of a name`);
    expect(check([job({ [QUEUE_LABEL]: 'team' }), lq('team'), cq()])).toEqual([]);
    expect(check([job({ [QUEUE_LABEL]: 'gpu' })]).map((f) => f[2])).toEqual([queueMissing('gpu', '[]')]);
  });

  test('the label is read on the object, its CronJob job template and its pod templates, each name once', () => {
    expect(check([job({}, { [QUEUE_LABEL]: 'a' })])).toEqual([['Job/ml/train', `/spec/template/metadata/labels/${Q}`, queueMissing('a', '[]')]]);
    expect(check([cronJob({ metadata: { labels: { [QUEUE_LABEL]: 'b' } } })])).toEqual([['CronJob/ml/nightly', `/spec/jobTemplate/metadata/labels/${Q}`, queueMissing('b', '[]')]]);
    // a job template with metadata but no labels, or no metadata, has no queue label
    expect(check([cronJob({ metadata: {} })])).toEqual([]);
    expect(check([cronJob({})])).toEqual([]);
    // the same name on the object and its template: one finding, at the first path
    expect(check([job({ [QUEUE_LABEL]: 'c' }, { [QUEUE_LABEL]: 'c' })])).toEqual([['Job/ml/train', `/metadata/labels/${Q}`, queueMissing('c', '[]')]]);
    // an empty value is no queue
    expect(check([job({ [QUEUE_LABEL]: '' })])).toEqual([]);
  });

  test('a priority label naming no WorkloadPriorityClass: no Workload, never runs', () => {
    const wpc = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'WorkloadPriorityClass', metadata: { name: 'high' }, value: 1000 };
    expect(check([job({ [PRIORITY_LABEL]: 'high' })])).toEqual([
      ['Job/ml/train', `/metadata/labels/${P}`, `${missing('label kueue.x-k8s.io/priority-class', 'WorkloadPriorityClass', 'high', null)}: Kueue creates no Workload for it, so it never runs`],
    ]);
    expect(check([job({ [PRIORITY_LABEL]: 'high' }), wpc])).toEqual([]);
  });

  test('a core-group workload (a bare Pod) is read like any other; a LocalQueue without metadata is listed as null', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { [QUEUE_LABEL]: 'x' } }, spec: { containers: [main()] } };
    const anonymous = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', spec: { clusterQueue: 'cluster' } };
    expect(check([bare, anonymous, cq()])).toEqual([[
      'Pod/p', `/metadata/labels/${Q}`,
      `${missing('label kueue.x-k8s.io/queue-name', 'LocalQueue', 'x', '<unset>')}: Kueue keeps the workload suspended forever (LocalQueues in the namespace: [null])`,
    ]]);
  });

  test('Kueue\'s own objects are not workloads: their labels are not queue references', () => {
    expect(check([kueue('LocalQueue', 'team', { clusterQueue: 'cluster' }, 'ml', { [QUEUE_LABEL]: 'nowhere' }), cq()])).toEqual([]);
  });

  test('a LocalQueue\'s ClusterQueue must be rendered (cluster-scoped) and admit the namespace', () => {
    expect(check([lq('team')])).toEqual([['LocalQueue/ml/team', '/spec/clusterQueue', missing('the LocalQueue', 'ClusterQueue', 'cluster', null)]]);
    for (const spec of [{ clusterQueue: '' }, { clusterQueue: 5 }, {}]) expect(check([kueue('LocalQueue', 'team', spec, 'ml')])).toEqual([]);
    expect(check([lq('team'), cq()])).toEqual([]);
    expect(check([lq('team'), cq({ namespaceSelector: {} })])).toEqual([]);
    expect(check([lq('team'), cq({ namespaceSelector: null })])).toEqual([]);
    expect(check([lq('team'), cq({ namespaceSelector: { matchLabels: { team: 'a' } } })])).toEqual([]);
    const other = cq({ namespaceSelector: { matchLabels: { team: 'b' } } });
    const found = checkReferences(new AppModel([NS, lq('team'), other]));
    expect(found.map((f) => [f.object, f.path, f.message, f.fix])).toEqual([[
      'LocalQueue/ml/team', '/spec/clusterQueue',
      'ClusterQueue "cluster" does not admit workloads from namespace "ml": its namespaceSelector {"matchLabels":{"team":"b"}} does not select the namespace labels {"team":"a","kubernetes.io/metadata.name":"ml"}',
      'widen the ClusterQueue\'s namespaceSelector or label the namespace to match it',
    ]]);
    expect(found[0].related).toEqual(['ClusterQueue/cluster']);
  });

  test('a ClusterQueue\'s flavors must be rendered; unnamed flavors and malformed groups are skipped', () => {
    const flavor = (name: string) => ({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name }, spec: {} });
    const groups = [{ flavors: 'x' }, null, { flavors: [{ name: 'cpu' }, null, { name: '' }, { name: 'h100' }] }];
    expect(check([cq({ resourceGroups: groups }), flavor('cpu')])).toEqual([
      ['ClusterQueue/cluster', '/spec/resourceGroups/2/flavors/3/name', missing('the ClusterQueue', 'ResourceFlavor', 'h100', null)],
    ]);
    expect(check([cq({ resourceGroups: groups }), flavor('cpu'), flavor('h100')])).toEqual([]);
    expect(check([cq({ resourceGroups: 'x' })])).toEqual([]);
  });
});

test('a namespaced reference of an object without namespace names the namespace as <unset>', () => {
  const d = deployment({ containers: [main({ envFrom: [{ configMapRef: { name: 'cfg' } }] })] });
  const bare = { ...d, metadata: { name: 'web' } };
  expect(check([bare]).map((f) => f[2])).toEqual([
    'envFrom of container "main" refers to ConfigMap "cfg", which the app does not render in namespace "<unset>" and nothing declares external',
  ]);
});

describe('namespaces', () => {
  const inNs = (kind: string, name: string, namespace?: string, apiVersion = 'v1') => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

  test('a namespace neither rendered nor declared: one finding at its first object, counting its users', () => {
    const found = checkReferences(new AppModel([NS, cm('a', {}, 'ghost'), cm('b', {}, 'ghost'), cm('c', {}, 'ml'), { apiVersion: 'v1', kind: 'ConfigMap' }]));
    expect(found.map((f) => [f.object, f.path, f.message, f.fix])).toEqual([[
      'ConfigMap/ghost/a', '/metadata/namespace',
      'namespace "ghost" (used by 2 object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace',
      'render Namespace "ghost" (cdk8s-ml: MlNamespace), or, when it lives outside the app on purpose, declare it with External '
        + '(annotation ml.cdk8s.io/external: [{"kind":"Namespace","name":"ghost"}])',
    ]]);
    expect(found[0].rule).toBe('app-namespace');
  });

  test('cluster-scoped objects, objects without namespace and declared namespaces are fine', () => {
    expect(check([inNs('ClusterRole', 'r', 'ghost', 'rbac.authorization.k8s.io/v1'), inNs('ConfigMap', 'bare')])).toEqual([]);
    const declaring = { ...cm('x'), metadata: meta('x', 'ml', { annotations: { 'ml.cdk8s.io/external': '[{"kind":"Namespace","name":"ghost"}]' } }) };
    expect(check([declaring, cm('a', {}, 'ghost')])).toEqual([]);
  });
});

describe('selectors', () => {
  const web = deployment({ containers: [main()] });
  const pdb = (spec: any, apiVersion = 'policy/v1', namespace = 'ml') => ({ apiVersion, kind: 'PodDisruptionBudget', metadata: meta('budget', namespace), ...(spec === undefined ? {} : { spec }) });
  const netpol = (podSelector: unknown) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('np'), spec: { podSelector } });
  const OTHER = { ...NS, metadata: { name: 'other' } };

  test('a PodDisruptionBudget must select a pod template of its namespace', () => {
    expect(check([web, pdb({ selector: { matchLabels: { app: 'web' } } })])).toEqual([]);
    const budget = (sel: string, ns = 'ml') => `selector ${sel} selects no pod template of the app in namespace "${ns}": the budget protects nothing`;
    expect(check([web, pdb({ selector: { matchLabels: { app: 'api' } } })])).toEqual([['PodDisruptionBudget/ml/budget', '/spec/selector', budget('{"matchLabels":{"app":"api"}}')]]);
    expect(check([web, OTHER, pdb({ selector: { matchLabels: { app: 'web' } } }, 'policy/v1', 'other')])).toEqual([
      ['PodDisruptionBudget/other/budget', '/spec/selector', budget('{"matchLabels":{"app":"web"}}', 'other')],
    ]);
    expect(check([web, pdb(undefined)])).toEqual([['PodDisruptionBudget/ml/budget', '/spec/selector', budget('undefined')]]);
    // another API group's PodDisruptionBudget, or the policy group's other kinds, are not read
    expect(check([web, pdb({ selector: { matchLabels: { app: 'api' } } }, 'example.com/v1')])).toEqual([]);
    expect(check([web, { ...pdb({ selector: { matchLabels: { app: 'api' } } }), kind: 'Eviction' }])).toEqual([]);
  });

  test('a NetworkPolicy podSelector must select a pod template, unless it is empty (every pod)', () => {
    const policy = (sel: string) => `podSelector ${sel} selects no pod template of the app in namespace "ml": the policy applies to nothing (a typo leaves the workload's traffic unallowed)`;
    expect(check([web, netpol({ matchLabels: { app: 'web' } })])).toEqual([]);
    for (const empty of [{}, { matchLabels: {} }, { matchExpressions: [] }, { matchLabels: null, matchExpressions: null }]) expect(check([netpol(empty)])).toEqual([]);
    expect(check([web, netpol({ matchLabels: { app: 'api' } })])).toEqual([['NetworkPolicy/ml/np', '/spec/podSelector', policy('{"matchLabels":{"app":"api"}}')]]);
    expect(check([netpol({ matchExpressions: [{ key: 'app', operator: 'Exists' }] })]).map((f) => f[1])).toEqual(['/spec/podSelector']);
    expect(check([web, netpol({ matchExpressions: [{ key: 'app', operator: 'Exists' }] })])).toEqual([]);
    for (const [bad, text] of [[null, 'null'], ['app=web', '"app=web"'], [undefined, 'undefined']] as const) {
      expect(check([web, netpol(bad)])).toEqual([['NetworkPolicy/ml/np', '/spec/podSelector', policy(text)]]);
    }
    expect(check([web, { ...netpol({ matchLabels: { app: 'api' } }), apiVersion: 'example.com/v1' }])).toEqual([]);
    expect(check([web, { ...netpol({ matchLabels: { app: 'api' } }), kind: 'Ingress' }])).toEqual([]);
  });

  test('an autoscaler (HPA or KEDA ScaledObject) must target a rendered Deployment, StatefulSet or ReplicaSet', () => {
    const hpa = (scaleTargetRef: unknown, kind = 'HorizontalPodAutoscaler', apiVersion = 'autoscaling/v2') =>
      ({ apiVersion, kind, metadata: meta('scaler'), spec: { scaleTargetRef, minReplicas: 1, maxReplicas: 2 } });
    const target = (kind: string, name: string) => `scaleTargetRef names ${kind} "${name}", which the app does not render in namespace "ml"`;
    expect(check([web, hpa({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })])).toEqual([]);
    const found = checkReferences(new AppModel([NS, web, hpa({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' })]));
    expect(found.map((f) => [f.object, f.path, f.message, f.fix, f.rule])).toEqual([
      ['HorizontalPodAutoscaler/ml/scaler', '/spec/scaleTargetRef/name', target('Deployment', 'api'), 'point scaleTargetRef at the workload\'s name (["web"])', 'app-selector'],
    ]);
    const elsewhere = { ...deployment({ containers: [main()] }, 'far'), metadata: meta('far', 'other') };
    expect(checkReferences(new AppModel([NS, OTHER, web, elsewhere, hpa({ name: 'api' })])).map((f) => f.fix)).toEqual(['point scaleTargetRef at the workload\'s name (["web"])']);
    expect(check([web, hpa({ kind: 'StatefulSet', name: 'web' })]).map((f) => f[2])).toEqual([target('StatefulSet', 'web')]);
    expect(check([web, hpa({ kind: 'ReplicaSet', name: 'web' })]).map((f) => f[2])).toEqual([target('ReplicaSet', 'web')]);
    // without a kind, a Deployment is meant; other kinds (Argo Rollouts) and unnamed targets are not checked
    expect(check([web, hpa({ name: 'api' })]).map((f) => f[2])).toEqual([target('Deployment', 'api')]);
    expect(check([web, hpa({ kind: 5, name: 'api' })]).map((f) => f[2])).toEqual([target('Deployment', 'api')]);
    expect(check([web, hpa({ kind: 'Rollout', name: 'api' })])).toEqual([]);
    for (const ref of [{ kind: 'Deployment' }, { name: '' }, null, undefined]) expect(check([web, hpa(ref)])).toEqual([]);
    expect(check([web, hpa({ name: 'api' }, 'ScaledObject', 'keda.sh/v1alpha1')]).map((f) => [f[0], f[2]])).toEqual([['ScaledObject/ml/scaler', target('Deployment', 'api')]]);
    // the kinds only in their own API groups
    expect(check([web, hpa({ name: 'api' }, 'HorizontalPodAutoscaler', 'example.com/v1')])).toEqual([]);
    expect(check([web, hpa({ name: 'api' }, 'ScaledObject', 'autoscaling/v2')])).toEqual([]);
    expect(check([web, hpa({ name: 'api' }, 'Widget', 'keda.sh/v1alpha1')])).toEqual([]);
    expect(check([web, hpa({ name: 'api' }, 'Widget', 'autoscaling/v2')])).toEqual([]);
    // objects without metadata (schema validation reports them) sit in no namespace and have no name
    const bare = { apiVersion: 'apps/v1', kind: 'Deployment', spec: {} };
    const unplaced = { ...hpa({ name: 'api' }), metadata: { name: 'scaler' } };
    expect(checkReferences(new AppModel([NS, bare, unplaced])).filter((f) => f.rule === 'app-selector').map((f) => f.fix)).toEqual(['point scaleTargetRef at the workload\'s name ([null])']);
  });

  test('a ServiceMonitor must select a Service (by Service labels, in the namespaces it names) with its endpoint ports', () => {
    const svc = (namespace = 'ml') => service('web', { selector: { app: 'web' }, ports: [{ name: 'metrics', port: 9090 }, { port: 80 }] }, namespace, { app: 'web' });
    const monitor = (spec: Record<string, any>, apiVersion = 'monitoring.coreos.com/v1') => ({ apiVersion, kind: 'ServiceMonitor', metadata: meta('sm'), spec });
    const sel = { matchLabels: { app: 'web' } };
    const none = (s: string) => `selector ${s} selects no Service of the app (Service labels, not pod labels): Prometheus scrapes nothing`;
    expect(check([svc(), monitor({ selector: sel, endpoints: [{ port: 'metrics' }, { targetPort: 9090 }, null] })])).toEqual([]);
    const found = checkReferences(new AppModel([NS, svc(), monitor({ selector: sel, endpoints: [{ port: 'metrics' }, { port: 'http' }] })]));
    expect(found.map((f) => [f.object, f.path, f.message, f.fix, f.related, f.rule, f.severity])).toEqual([[
      'ServiceMonitor/ml/sm', '/spec/endpoints/1/port', 'endpoint port "http" is no named port of the selected Service(s) ["Service/ml/web"]', 'use the name of a Service port', ['Service/ml/web'],
      'app-selector', 'error',
    ]]);
    expect(check([svc(), monitor({ selector: { matchLabels: { app: 'api' } } })])).toEqual([['ServiceMonitor/ml/sm', '/spec/selector', none('{"matchLabels":{"app":"api"}}')]]);
    expect(check([svc(), monitor({})])).toEqual([['ServiceMonitor/ml/sm', '/spec/selector', none('undefined')]]);
    // namespaces: its own by default, the listed ones, or any
    expect(check([OTHER, svc('other'), monitor({ selector: sel })]).map((f) => f[1])).toEqual(['/spec/selector']);
    expect(check([OTHER, svc('other'), monitor({ selector: sel, namespaceSelector: { matchNames: ['other'] } })])).toEqual([]);
    expect(check([OTHER, svc(), monitor({ selector: sel, namespaceSelector: { matchNames: ['other'] } })]).map((f) => f[1])).toEqual(['/spec/selector']);
    expect(check([OTHER, svc('other'), monitor({ selector: sel, namespaceSelector: { any: true } })])).toEqual([]);
    expect(check([OTHER, svc('other'), monitor({ selector: sel, namespaceSelector: { any: 'true', matchNames: [] } })]).map((f) => f[1])).toEqual(['/spec/selector']);
    expect(check([svc(), monitor({ selector: { matchLabels: { app: 'api' } } }, 'example.com/v1')])).toEqual([]);
    // a Service without metadata has no labels: an empty selector over any namespace still selects it
    expect(check([{ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ name: 'metrics', port: 9090 }] } }, monitor({ selector: {}, namespaceSelector: { any: true }, endpoints: [{ port: 'metrics' }] })])).toEqual([]);
    // a port named by any of the selected Services will do; Services without spec or with malformed ports have none
    const bareSvc = { apiVersion: 'v1', kind: 'Service', metadata: meta('bare', 'ml', { labels: { app: 'web' } }) };
    const odd = service('odd', { ports: [null, { port: 8080 }, { name: 'metrics', port: 9090 }] }, 'ml', { app: 'web' });
    expect(check([bareSvc, odd, monitor({ selector: sel, endpoints: [{ port: 'metrics' }] })])).toEqual([]);
    expect(check([bareSvc, monitor({ selector: sel, endpoints: [{ port: 'metrics' }, { port: 9090 }, { port: '' }] })]).map((f) => f[1])).toEqual(['/spec/endpoints/0/port']);
  });
});

test('malformed Ingresses, HTTPRoutes, bindings and pod subdomains are skipped, never thrown on', () => {
  const objs = [
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('no-spec') },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('bad'), spec: { tls: [null, {}], defaultBackend: {}, rules: [null, {}, { http: { paths: [null, {}, { backend: {} }, { backend: { service: {} } }] } }] } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('no-spec') },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('bad'), spec: { rules: [null, {}, { backendRefs: [null, {}] }] } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('no-role'), subjects: [null, {}] },
    deployment({ subdomain: 'workers', containers: [main()] }),
    service('workers', undefined as any),
    // objects without spec, Services without ports or with malformed ones, a pod template without spec
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'cluster' } },
    { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: meta('team'), spec: { clusterQueue: 'cluster' } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('hpa') },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('sm'), spec: { selector: {}, endpoints: [{ port: 'workers' }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('in'), spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'workers', port: { number: 80 } } } }, { backend: { service: { name: 'odd', port: { name: 'http' } } } }, { backend: { service: { name: 'odd', port: 81 } } }, { path: '/v2', backend: { service: { name: 'odd', port: { number: 82 } } } }] } }] } },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('no-spec') },
    service('odd', { ports: [null, { name: 'http', port: 80 }, { port: 81 }] }),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('no-pod-spec'), spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } } } } },
    // other kinds of those API groups are not read as Ingresses, routes or bindings
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { tls: [{ secretName: 'x' }], defaultBackend: { service: { name: 'x' } } } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: meta('gw'), spec: { rules: [{ backendRefs: [{ name: 'x' }] }] } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('r'), roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }] },
  ];
  expect(check(objs).map((f) => f[2])).toEqual([
    'subdomain "workers" names Service Service/ml/workers, which is not headless (clusterIP undefined): pods get no DNS records and peers cannot find each other',
    'the Ingress path "/" targets port {"number":80} of Service "workers", which has no such port (ports: [])',
    'the Ingress path "/v2" targets port {"number":82} of Service "odd", which has no such port (ports: [null,"http",81])',
    'endpoint port "workers" is no named port of the selected Service(s) ["Service/ml/workers","Service/ml/odd"]',
    'selector undefined selects no Service of the app (Service labels, not pod labels): Prometheus scrapes nothing',
  ]);
  // a NetworkPolicy without spec selects nothing, a PodMonitor selects pods, not Services: not read as a ServiceMonitor
  expect(check([{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('np') }]).map((f) => f[1])).toEqual(['/spec/podSelector']);
  expect(check([{ apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: meta('pm'), spec: { selector: { matchLabels: { app: 'web' } } } }])).toEqual([]);
});
