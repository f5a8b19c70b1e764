/**
 * Every complete program in README.md (a ```ts block that creates an App and synthesizes
 * it) type-checks against the library, runs, and renders manifests that pass strict
 * validation.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { manifestFiles } from '../src/validation/files';
import { formatFindings, validateManifests } from '../src/validation/validate';

const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const programs = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => /new App\(/.test(code) && /app\.synth\(\)/.test(code));
// Inside the checkout (git-ignored), so the programs resolve cdk8s from its node_modules.
fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
const work = fs.mkdtempSync(path.join(ROOT, '.cache', 'readme-'));
const library = path.join(ROOT, 'src', 'index');

const files = programs.map((code, i) => {
  const dir = path.join(work, `example-${i}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'main.ts');
  // The README imports the package by name; here it resolves to this checkout's sources.
  fs.writeFileSync(file, code.replace(/from 'cdk8s-ml'/g, `from ${JSON.stringify(library)}`));
  return file;
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the README has a complete example per construct', () => {
  expect(programs.length).toBeGreaterThanOrEqual(7);
  for (const name of ['DatasetInit', 'DistributedTrainingJob', 'ModelServing', 'MlNamespace', 'ScheduledTraining', 'ArgoCdApplication', 'TrainingPipeline']) {
    expect(`${name}: ${programs.some((p) => p.includes(`new ${name}(`))}`).toBe(`${name}: true`);
  }
});

test('every README program type-checks', () => {
  const tsconfig = path.join(work, 'tsconfig.json');
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  fs.writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: { ...base.compilerOptions, noEmit: true, rootDir: ROOT, noUnusedLocals: false, typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
    files,
  }));
  let output = '';
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { cwd: ROOT, stdio: 'pipe' });
  } catch (e: any) {
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  expect(output).toBe('');
});

/** Runs every program in ONE child process (ts-node transpile-only), each into its own outdir. */
function runPrograms(): Record<string, string> {
  const driver = path.join(work, 'driver.js');
  fs.writeFileSync(driver, `
    require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))} });
    const errors = {};
    for (const file of ${JSON.stringify(files)}) {
      process.env.CDK8S_OUTDIR = require('path').join(require('path').dirname(file), 'dist');
      try { require(file); } catch (e) { errors[file] = String(e && e.stack || e); }
    }
    require('fs').writeFileSync(${JSON.stringify(path.join(work, 'errors.json'))}, JSON.stringify(errors));
  `);
  execFileSync(process.execPath, [driver], { cwd: work, stdio: 'pipe' });
  return JSON.parse(fs.readFileSync(path.join(work, 'errors.json'), 'utf8'));
}

let errors: Record<string, string> = {};
beforeAll(() => {
  errors = runPrograms();
});

test.each(files.map((f, i) => [i, f] as const))('README program %i runs and renders strictly valid manifests', (_i, file) => {
  expect(errors[file] ?? '').toBe('');
  const outputs = manifestFiles([path.join(path.dirname(file), 'dist')]);
  expect(outputs.length).toBeGreaterThan(0);
  const result = validateManifests(outputs.map((f) => fs.readFileSync(f, 'utf8')).join('\n---\n'));
  expect(result.objectCount).toBeGreaterThan(0);
  expect(formatFindings(result.findings)).toBe('');
});
