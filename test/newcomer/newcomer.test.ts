/**
 * A newcomer's first hour, automated: a new cdk8s app (as `cdk8s init typescript-app` lays it
 * out, with cdk8s-plus-33), the packed cdk8s-ml tarball installed, the README quick start
 * (test/newcomer/quick-start.ts) as main.ts, `cdk8s synth` with the validation plugin in
 * cdk8s.yaml, then `cdk8s-ml validate` on the output. The app uses the fast-synth setup of
 * docs/FAST-SYNTH.md (`app: node -r ts-node/register/transpile-only main.ts`, types checked
 * by `tsc --noEmit`); bench/newcomer.bench.js times it against compiled JS.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFreshApp, packLibrary } = require('./fresh-app');

/** The transpile-only setup documented in docs/FAST-SYNTH.md. */
const FAST_APP = 'node -r ts-node/register/transpile-only main.ts';

let work = '';
let app = '';

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 180_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function objects(): any[] {
  const dist = path.join(app, 'dist');
  return fs.readdirSync(dist).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJSON()));
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-newcomer-'));
  app = createFreshApp({ dir: path.join(work, 'app'), tarball: packLibrary(work), app: FAST_APP });
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the app has cdk8s-plus-33 as cdk8s init gives it, and cdk8s-ml with its peers from the tarball', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['cdk8s', 'cdk8s-ml', 'cdk8s-plus-33', 'constructs']);
  const installed = (name: string) => JSON.parse(fs.readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8'));
  expect(installed('cdk8s-plus-33').name).toBe('cdk8s-plus-33');
  expect(installed('cdk8s-plus-28').name).toBe('cdk8s-plus-28'); // cdk8s-ml's peer, installed by npm
  expect(fs.existsSync(path.join(app, 'node_modules', 'cdk8s-ml', 'imports'))).toBe(false);
  expect(fs.existsSync(path.join(app, 'node_modules', 'cdk8s-ml', 'docs', 'DESIGN.md'))).toBe(true);
  expect(fs.readFileSync(path.join(app, 'cdk8s.yaml'), 'utf8')).toMatch(new RegExp(`^app: ${FAST_APP}$`, 'm'));
});

test('the quick start type-checks against the installed typings (tsc, the template tsconfig)', () => {
  const { status, out } = run('npx', ['tsc', '--noEmit']);
  expect(out).toBe('');
  expect(status).toBe(0);
}, 120_000);

test('cdk8s synth with the validation plugin passes; cdk8s-ml validate agrees and skips construct-metadata.json', () => {
  const synth = run('npx', ['cdk8s', 'synth', '--no-check-upgrade']);
  expect(synth.out).toMatch(/Status\s+│ success/);
  expect(synth.status).toBe(0);
  expect(fs.readdirSync(path.join(app, 'dist')).sort()).toEqual(['argocd.k8s.yaml', 'construct-metadata.json', 'platform.k8s.yaml', 'serving.k8s.yaml', 'training.k8s.yaml']);

  const validate = run('npx', ['cdk8s-ml', 'validate', '--gitops', 'dist']);
  expect(validate.out).toMatch(/^skipped dist\/construct-metadata\.json: not a Kubernetes manifest/m);
  expect(validate.out).toMatch(/^OK: 4 file\(s\), 1 skipped, \d+ object\(s\), 0 error\(s\), 0 warning\(s\)/m);
  expect(validate.status).toBe(0);

  const all = objects();
  const find = (kind: string, name?: RegExp) => all.filter((o) => o.kind === kind && (!name || name.test(o.metadata.name)));
  // GitOps defaults without GitOps.apply: sync waves on every namespaced object cdk8s-ml or cdk8s-plus made.
  const wave = (o: any) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
  expect(wave(find('Namespace')[0])).toBe('-2');
  expect(find('Job').map(wave)).toEqual(['0', '0']);
  expect(find('Deployment').map(wave)).toEqual(['0']);
  // Content-addressed training Job; the cdk8s-plus-33 Job got the dataset.
  expect(find('Job', /^finetune-[0-9a-f]{8}$/)).toHaveLength(1);
  const evaluate = find('Job', /evaluate/)[0];
  expect(evaluate.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['fetch-corpus']);
  // Argo CD does not try to sync the plugin's metadata file.
  expect(find('Application')[0].spec.source.directory.exclude).toBe('{argocd.k8s.yaml,construct-metadata.json}');
}, 180_000);
