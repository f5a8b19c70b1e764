/**
 * AppCheck: when the synth-time whole-app check runs, and how `run` names the objects of its
 * findings (construct path, then Kind/namespace/name as the YAML has it). The apps are plain
 * ApiObjects, so every rendered field and every expected message is spelled out here.
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { APP_CHECK_CONTEXT, APP_CHECK_ENV, AppCheck } from '../../src/core/app-check';
// AppCheck.run requires the whole-app check lazily; loading it here runs its module-level code
// (and that of the core modules it imports first) at import, as in every other suite, not inside
// the first test: Stryker's per-test coverage would credit that one test with those lines and run
// only it for their mutants.
import '../../src/validation/app';

const OPT_OUT = `opt out: AppCheck.disable(app) or ${APP_CHECK_ENV}=off`;
const missingNamespace = (ns: string, users = 1) =>
  `/metadata/namespace: namespace "${ns}" (used by ${users} object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace. ` +
  `Fix: render Namespace "${ns}" (cdk8s-ml: MlNamespace), or, when it lives outside the app on purpose, declare it with External ` +
  `(annotation ml.cdk8s.io/external: [{"kind":"Namespace","name":"${ns}"}]) [app-namespace; ${OPT_OUT}]`;

describe('AppCheck.isEnabled', () => {
  const saved = process.env[APP_CHECK_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[APP_CHECK_ENV];
    else process.env[APP_CHECK_ENV] = saved;
  });

  test('on by default', () => {
    delete process.env[APP_CHECK_ENV];
    expect(AppCheck.isEnabled(new App())).toBe(true);
  });

  test('off for a disabled app, from any construct of it', () => {
    delete process.env[APP_CHECK_ENV];
    const app = new App();
    const chart = new Chart(app, 'c');
    AppCheck.disable(chart);
    expect(AppCheck.isEnabled(app)).toBe(false);
    expect(AppCheck.isEnabled(chart)).toBe(false);
    expect(AppCheck.isEnabled(new App())).toBe(true);
  });

  test.each<[unknown, boolean]>([[false, false], ['false', false], [true, true], ['off', true], [0, true]])('context %p: enabled %p', (value, enabled) => {
    delete process.env[APP_CHECK_ENV];
    const app = new App();
    app.node.setContext(APP_CHECK_CONTEXT, value);
    expect(AppCheck.isEnabled(new Chart(app, 'c'))).toBe(enabled);
  });

  test.each<[string, boolean]>([
    ['off', false], ['OFF', false], ['false', false], ['False', false], ['0', false],
    ['on', true], ['1', true], ['', true], ['no', true],
  ])('%s=%p: enabled %p', (value, enabled) => {
    process.env[APP_CHECK_ENV] = value;
    expect(AppCheck.isEnabled(new App())).toBe(enabled);
  });
});

/** A custom ApiObject that renders nothing at all: the check skips it. */
class RendersNothing extends ApiObject {
  public toJson(): any {
    return undefined;
  }
}

describe('AppCheck.run', () => {
  /** An app whose every problem is known: a wrong Service port, missing namespaces, a missing ResourceFlavor. */
  const app = () => {
    const a = new App();
    const chart = new Chart(a, 'c');
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });
    new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ml' }, spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'w' } } });
    new ApiObject(chart, 'ing', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ml' }, spec: { defaultBackend: { service: { name: 'web', port: { number: 81 } } } } });
    new ApiObject(chart, 'other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'elsewhere' } });
    const generated = new ApiObject(chart, 'gen', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'gen-ns' } });
    generated.addJsonPatch(JsonPatch.remove('/metadata/name'), JsonPatch.add('/metadata/generateName', 'cm-'));
    const anonymous = new ApiObject(chart, 'anon', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'anon-ns' } });
    anonymous.addJsonPatch(JsonPatch.remove('/metadata/name'), JsonPatch.remove('/kind'));
    for (const name of ['metrics-a', 'metrics-b']) {
      new ApiObject(chart, name, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ml', labels: { role: 'metrics' } }, spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'w' } } });
    }
    new ApiObject(chart, 'sm', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'sm', namespace: 'ml' }, spec: { selector: { matchLabels: { role: 'metrics' } }, endpoints: [{ port: 'metrics' }] } });
    // same Kind/namespace/name as c/other: messages name the first construct
    new ApiObject(chart, 'other-again', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'elsewhere' } });
    // flows declared on an object without pods: a warning, not in the messages
    new ApiObject(chart, 'flows', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flows', namespace: 'ml', annotations: { 'ml.cdk8s.io/flows': '[{"construct":"c/flows","direction":"egress","peer":{"host":"example.com","kind":"external"},"ports":[{"port":443}],"purpose":"fetch"}]' } } });
    new RendersNothing(chart, 'nothing', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nothing', namespace: 'nowhere' } });
    const clusterQueue = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', spec: { namespaceSelector: {}, resourceGroups: [{ coveredResources: ['cpu'], flavors: [{ name: 'missing', resources: [{ name: 'cpu', nominalQuota: 1 }] }] }] } };
    new ApiObject(chart, 'cq', { ...clusterQueue, metadata: { name: 'cq' } });
    new ApiObject(chart, 'bare', { ...clusterQueue, metadata: { name: 'bare' } }).addJsonPatch(JsonPatch.remove('/metadata'));
    return { app: a, chart };
  };
  const missingFlavor = '/spec/resourceGroups/0/flavors/0/name: the ClusterQueue refers to ResourceFlavor "missing", which the app does not render and nothing declares external. ' +
    'Fix: render ResourceFlavor "missing", or, when it lives outside the app on purpose, declare it with External ' +
    `(annotation ml.cdk8s.io/external: [{"kind":"ResourceFlavor","name":"missing"}]) [app-reference; ${OPT_OUT}]`;
  const expected = [
    'c/ing (Ingress/ml/web) /spec/defaultBackend/service/name: the Ingress default backend targets port {"number":81} of Service "web", which has no such port (ports: ["http"]); ' +
      `involves c/svc (Service/ml/web). Fix: use one of the Service's ports or add the port to Service "web" [app-reference; ${OPT_OUT}]`,
    `c/other (ConfigMap/elsewhere/x) ${missingNamespace('elsewhere', 2)}`,
    `c/gen (ConfigMap/gen-ns/cm-) ${missingNamespace('gen-ns')}`,
    `c/anon (<no kind>/anon-ns/<no name>) ${missingNamespace('anon-ns')}`,
    'c/sm (ServiceMonitor/ml/sm) /spec/endpoints/0/port: endpoint port "metrics" is no named port of the selected Service(s) ["Service/ml/metrics-a","Service/ml/metrics-b"]; ' +
      `involves c/metrics-a (Service/ml/metrics-a), c/metrics-b (Service/ml/metrics-b). Fix: use the name of a Service port [app-selector; ${OPT_OUT}]`,
    `c/cq (ClusterQueue/cq) ${missingFlavor}`,
    `c/bare (ClusterQueue/<no name>) ${missingFlavor}`,
  ];

  test('names each object by construct path and Kind/namespace/name (generateName, or placeholders when missing), related objects too; an object rendering nothing is skipped', () => {
    expect(AppCheck.run(app().app)).toEqual(expected);
  });

  test('a chart given as the root is checked on its own', () => {
    expect(AppCheck.run(app().chart)).toEqual(expected);
  });

  test('a whole app gives no message', () => {
    const a = new App();
    const chart = new Chart(a, 'c');
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ml' } });
    expect(AppCheck.run(a)).toEqual([]);
  });
});
