import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { EXTERNAL_ANNOTATION, External } from '../../src/core';
import { ServingRuntime, ModelServing } from '../../src/serving';

function servingApp(declare: boolean): App {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'ext-ns-')) });
  const chart = new Chart(app, 'serving', { namespace: 'team-b' });
  if (declare) External.namespace(chart, 'team-b');
  new ModelServing(chart, 'echo', { runtime: ServingRuntime.custom({ image: 'ghcr.io/acme/echo:1.0.0', port: 8080, healthPath: '/healthz' }), resources: { cpu: '1', memory: '1Gi' } });
  return app;
}

describe('External.namespace', () => {
  test('every object of the scope declares the namespace external at app synth, and the whole-app check accepts it', () => {
    const app = servingApp(true);
    app.synth();
    const docs = fs.readdirSync(app.outdir).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(app.outdir, f), 'utf8')).map((d) => d.toJS()));
    expect(docs.length).toBeGreaterThan(2);
    for (const d of docs) expect(JSON.parse(d.metadata.annotations[EXTERNAL_ANNOTATION])).toEqual([{ kind: 'Namespace', name: 'team-b' }]);
  });

  test('a name declared twice is declared once; a second name joins it', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'team-b' });
    External.namespace(chart, 'team-b');
    External.namespace(chart, 'team-b');
    External.namespace(chart, 'shared');
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    app.synthYaml();
    expect(JSON.parse(chart.toJson()[0].metadata.annotations[EXTERNAL_ANNOTATION])).toEqual([
      { kind: 'Namespace', name: 'shared' },
      { kind: 'Namespace', name: 'team-b' },
    ]);
  });

  test('a declaration in one app never touches the objects of another', () => {
    const declaring = new Chart(new App(), 'a', { namespace: 'team-b' });
    External.namespace(declaring, 'team-b');
    new ApiObject(declaring, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    const other = new App();
    const chart = new Chart(other, 'b', { namespace: 'team-c' });
    External.namespace(chart, 'team-c');
    other.synthYaml();
    // the declaring app was never synthesized: its objects carry no declaration yet
    expect(declaring.toJson()[0].metadata.annotations).toBeUndefined();
  });

  test('fails at synth without it: the namespace is neither rendered nor declared', () => {
    expect(() => servingApp(false).synth()).toThrow(/namespace "team-b" \(used by \d+ object\(s\)\) is neither rendered by the app nor declared external/);
  });

  test('fails for a name that is not a DNS label', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => External.namespace(chart, 'Team_B')).toThrow(/c: External.namespace name must be a DNS-1123 label/);
  });
});
