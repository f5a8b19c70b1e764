/**
 * The whole-app check at synth: registered on the App by cdk8s-ml constructs, run by cdk8s
 * before anything is written, errors naming construct paths; opt-outs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { APP_CHECK_ENV, AppCheck } from '../../../src/core/app-check';
import { MlNamespace } from '../../../src/platform/ml-namespace';
// AppCheck.run requires the whole-app check lazily; loading it here runs its module-level code
// (and that of the core modules it imports first) at import, as in every other suite, not inside
// the first test: Stryker's per-test coverage would credit that one test with those lines and run
// only it for their mutants.
import '../../../src/validation/app';

/** An app with an MlNamespace (queue `default`) and a queued Job naming `queue`. */
function build(queue: string, app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-appcheck-')) })): App {
  const platform = new Chart(app, 'platform');
  new MlNamespace(platform, 'team-a', {
    name: 'team-a',
    gpuQuota: 16,
    cpuQuota: '256',
    memoryQuota: '1Ti',
    queue: { flavors: [{ name: 'h100', cpu: '128', memory: '512Gi', gpu: 8 }] },
  });
  const training = new Chart(app, 'training', { namespace: 'team-a' });
  new ApiObject(training, 'vision', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'vision', labels: { 'kueue.x-k8s.io/queue-name': queue } },
    spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'ghcr.io/acme/train:1.0.0', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } } },
  });
  return app;
}

const localQueueOf = (app: App): string => app.charts.flatMap((c) => c.toJson()).find((o: any) => o.kind === 'LocalQueue').metadata.name;

describe('synth-time app check', () => {
  test('a whole app synthesizes', () => {
    const probe = build('x');
    const app = build(localQueueOf(probe));
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('fails the synth of a queue label naming a LocalQueue nothing renders, naming the construct path, the reference and the fix', () => {
    const app = build('vision');
    let message = '';
    try {
      app.synth();
    } catch (e: any) {
      message = String(e.message);
    }
    expect(message).toMatch(/training\/vision \(Job\/team-a\/vision\) \/metadata\/labels\/kueue\.x-k8s\.io~1queue-name: label kueue\.x-k8s\.io\/queue-name refers to LocalQueue "vision", which the app does not render in namespace "team-a"/);
    expect(message).toMatch(/Fix: render LocalQueue "vision" in namespace "team-a", or, when it lives outside the app on purpose, declare it with External/);
    expect(message).toMatch(/opt out: AppCheck\.disable\(app\)/);
    // nothing is written when the check fails
    expect(fs.readdirSync(app.outdir)).toEqual([]);
  });

  test('AppCheck.disable(app), the context key and the environment variable turn it off', () => {
    const disabled = build('vision');
    AppCheck.disable(disabled);
    expect(() => disabled.synthYaml()).not.toThrow();

    const withContext = new App();
    withContext.node.setContext('cdk8s-ml:appCheck', false);
    expect(() => build('vision', withContext).synthYaml()).not.toThrow();

    const before = process.env[APP_CHECK_ENV];
    process.env[APP_CHECK_ENV] = 'off';
    try {
      expect(() => build('vision').synthYaml()).not.toThrow();
    } finally {
      if (before === undefined) delete process.env[APP_CHECK_ENV];
      else process.env[APP_CHECK_ENV] = before;
    }
  });

  test('apps without cdk8s-ml constructs are not checked at synth', () => {
    const app = new App();
    const chart = new Chart(app, 'plain', { namespace: 'elsewhere' });
    new ApiObject(chart, 'job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', labels: { 'kueue.x-k8s.io/queue-name': 'nope' } }, spec: {} });
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('registering is idempotent, and it runs once per app synth, not per chart', () => {
    const app = build('vision');
    AppCheck.register(app);
    AppCheck.register(app.charts[0]);
    let message = '';
    try {
      app.synthYaml();
    } catch (e: any) {
      message = String(e.message);
    }
    expect(message.match(/refers to LocalQueue "vision"/g)).toHaveLength(1);
  });

  test('rendering one chart (Testing.synth, chart.toJson) does not run it: a chart alone is not a whole app', () => {
    const app = build('vision');
    expect(() => app.charts[1].toJson()).not.toThrow();
  });
});
