import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ValidationContext } from 'cdk8s-cli/plugins';
import * as ts from 'typescript';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main';
import * as flows from '../../src/validation/app/flows';
import { CdkMlValidation } from '../../src/validation/plugin';
import { job, namespace, networkPolicy, specOf } from '../policies/manifests';
import { useTempDir } from './temp-dir';

const ROOT = path.join(__dirname, '..', '..');
const manifest = useTempDir('cdk8s-ml-plugin-').write;

function badJob(): any {
  const j = job();
  specOf(j).containers[0].image = 'app:latest';
  specOf(j).containers[0].bogus = 1;
  delete specOf(j).automountServiceAccountToken;
  return j;
}

describe('CdkMlValidation (in process, through the cdk8s-cli report API)', () => {
  test('passes compliant manifests', async () => {
    const context = new ValidationContext([manifest('ok.yaml', [job(), networkPolicy(), namespace()])], 'cdk8s-ml', '0.1.0', {}, false);
    await new CdkMlValidation().validate(context);
    expect(context.report.success).toBe(true);
    expect(context.report.toJson()).toMatchObject({ violations: [], summary: { status: 'success', metadata: { objects: '3', errors: '0', warnings: '0', kubernetesVersion: '1.28' } } });
  });

  test('fails with one violation per rule, located by object and path, mapped to construct paths', async () => {
    const file = manifest('bad.yaml', [badJob(), networkPolicy(), namespace()]);
    const context = new ValidationContext([file], 'cdk8s-ml', '0.1.0', { 'train-1a2b3c4d': { path: 'app/training/Resource' } }, false);
    await new CdkMlValidation({ kubernetesVersion: '1.31' }).validate(context);
    expect(context.report.success).toBe(false);
    const json = context.report.toJson();
    expect(json.summary.metadata).toEqual({ kubernetesVersion: '1.31', objects: '3', errors: '2', warnings: '1' });
    expect(json.violations.map((v: { ruleName: string }) => v.ruleName)).toEqual(['schema/unknown-field (error)', 'image-tag (error)', 'service-account-token (warning)']);
    expect(json.violations[1]).toEqual({
      ruleName: 'image-tag (error)',
      recommendation: expect.stringMatching(/^Images are pinned/),
      fix: expect.stringMatching(/^Pin the image/),
      violatingConstructs: [{
        resourceName: 'train-1a2b3c4d',
        constructPath: 'app/training/Resource',
        manifestPath: file,
        locations: ['Job/team-a/train-1a2b3c4d /spec/template/spec/containers/0/image: image of container "main" must not use the "latest" tag (pin a version or digest), got "app:latest"'],
      }],
    });
  });

  test('warnings fail only with strict; rules can be turned off', async () => {
    const j = job();
    delete specOf(j).automountServiceAccountToken;
    const file = manifest('warn.yaml', [j, networkPolicy(), namespace()]);
    const run = async (props: any) => {
      const context = new ValidationContext([file], 'cdk8s-ml', '0.1.0', {}, false);
      await new CdkMlValidation(props).validate(context);
      return context.report;
    };
    expect((await run({})).success).toBe(true);
    expect((await run({ strict: true })).success).toBe(false);
    expect((await run({ strict: true, rules: { 'service-account-token': 'off' } })).success).toBe(true);
  });

  test('runs the whole-app check over every manifest (fix in each location); app: false skips it', async () => {
    const queued = job();
    queued.metadata.labels = { ...(queued.metadata.labels ?? {}), 'kueue.x-k8s.io/queue-name': 'vision' };
    const file = manifest('queued.yaml', [queued, networkPolicy(), namespace()]);
    const run = async (props: any) => {
      const context = new ValidationContext([file], 'cdk8s-ml', '0.1.0', { 'train-1a2b3c4d': { path: 'app/training/Resource' } }, false);
      await new CdkMlValidation(props).validate(context);
      return context.report;
    };
    const report = await run({});
    expect(report.success).toBe(false);
    const violation: any = report.toJson().violations.find((v: { ruleName: string }) => v.ruleName === 'app-reference (error)');
    expect(violation.recommendation).toMatch(/^Every reference/);
    expect(violation.violatingConstructs[0].constructPath).toBe('app/training/Resource');
    expect(violation.violatingConstructs[0].locations[0]).toMatch(/refers to LocalQueue "vision".*\(fix: render LocalQueue "vision" in namespace "team-a"/);
    expect((await run({ app: false })).success).toBe(true);
  });

  test('skips files that are no manifests (counted in skippedFiles); a YAML error is one violation naming the file, and fails', async () => {
    const ok = manifest('ok.yaml', [job(), networkPolicy(), namespace()]);
    const meta = manifest('construct-metadata.json', [{ version: '1.0.0', resources: {} }]);
    const run = async (files: string[]) => {
      const context = new ValidationContext(files, 'cdk8s-ml', '0.1.0', {}, false);
      await new CdkMlValidation().validate(context);
      return context.report;
    };
    const skipped = await run([ok, meta]);
    expect(skipped.success).toBe(true);
    expect(skipped.toJson().summary.metadata).toEqual({ kubernetesVersion: '1.28', objects: '3', errors: '0', warnings: '0', skippedFiles: '1' });

    const broken = path.join(path.dirname(ok), 'broken.yaml');
    fs.writeFileSync(broken, 'kind: [unclosed\n');
    const report = await run([ok, broken]);
    expect(report.success).toBe(false);
    const json = report.toJson();
    expect(json.summary.metadata).toEqual({ kubernetesVersion: '1.28', objects: '3', errors: '1', warnings: '0' });
    expect(json.violations).toHaveLength(1);
    expect(json.violations[0]).toMatchObject({ ruleName: 'yaml (error)', recommendation: 'Manifests must be valid YAML.', fix: 'Fix the YAML syntax.' });
    const [resource] = json.violations[0].violatingConstructs;
    expect([resource.resourceName, resource.manifestPath]).toEqual([broken, broken]);
    expect(resource.locations).toHaveLength(1);
    expect(resource.locations[0]).toMatch(/^validateManifests: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \] at line 2, column 1/);
  });

  test('a disable annotation naming no rule gets its own recommendation; an object without metadata is named by its label', async () => {
    const typo = job();
    typo.metadata.annotations = { 'cdk8s-ml.io/disable-policy.image-tags': 'typo' };
    const file = manifest('annotated.yaml', [typo, networkPolicy(), namespace(), { apiVersion: 'v1', kind: 'ConfigMap', data: { password: 'hunter2' } }]);
    const context = new ValidationContext([file], 'cdk8s-ml', '0.1.0', {}, false);
    await new CdkMlValidation({ schema: false }).validate(context);
    const violations = context.report.toJson().violations;
    const annotation: any = violations.find((v: any) => v.ruleName === 'policy-annotation (warning)');
    expect(annotation.recommendation).toBe('Disable annotations name a known rule and give a reason.');
    const secret: any = violations.find((v: any) => v.ruleName === 'literal-secret (error)');
    expect(secret.violatingConstructs.map((c: any) => [c.resourceName, c.manifestPath])).toEqual([['ConfigMap/<no name>', file]]);
  });

  test('a finding on no input object (the app check skipping a part) is reported under its label, in file <unknown>', async () => {
    const spy = jest.spyOn(flows, 'checkFlows').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const context = new ValidationContext([manifest('ok.yaml', [job(), networkPolicy(), namespace()])], 'cdk8s-ml', '0.1.0', {}, false);
      await new CdkMlValidation().validate(context);
      const json = context.report.toJson();
      expect(json.violations.map((v: any) => v.ruleName)).toEqual(['app-declaration (warning)']);
      expect(json.violations[0].violatingConstructs.map((c: any) => [c.resourceName, c.manifestPath, c.locations])).toEqual([
        ['<app>', '<unknown>', ['<app> /: the app check skipped a part on unexpected input: "boom" (fix: report this as a cdk8s-ml bug with the manifests)']],
      ]);
      expect(json.violations[0].fix).toBe('Each location ends with its fix.');
    } finally {
      spy.mockRestore();
    }
  });

  test('one violation per rule: two objects are two resources, two findings of one object are two locations of one resource', async () => {
    const a = job();
    specOf(a).containers[0].image = 'app:latest';
    specOf(a).containers[0].bogus = 1;
    specOf(a).containers[0].other = 2;
    const b = job();
    b.metadata.name = 'train-2';
    specOf(b).containers[0].image = 'app:latest';
    const file = manifest('two.yaml', [a, b, networkPolicy(), namespace()]);
    const context = new ValidationContext([file], 'cdk8s-ml', '0.1.0', {}, false);
    await new CdkMlValidation().validate(context);
    const violations = context.report.toJson().violations;
    const byRule = (rule: string): any => violations.find((v: { ruleName: string }) => v.ruleName === rule);
    expect(byRule('image-tag (error)').violatingConstructs.map((r: { resourceName: string }) => r.resourceName)).toEqual([a.metadata.name, 'train-2']);
    const schema = byRule('schema/unknown-field (error)');
    expect(schema.recommendation).toBe('Objects must match the Kubernetes 1.28 API definitions or the CRD schema exactly (unknown fields are errors).');
    expect(schema.fix).toBe('Fix or remove the field named in each location.');
    expect(schema.violatingConstructs).toHaveLength(1);
    expect(schema.violatingConstructs[0].locations).toHaveLength(2);
  });

  test('an object found in two files is located in the first', async () => {
    const first = manifest('first.yaml', [badJob(), networkPolicy(), namespace()]);
    const second = manifest('second.yaml', [badJob()]);
    const context = new ValidationContext([first, second], 'cdk8s-ml', '0.1.0', {}, false);
    await new CdkMlValidation().validate(context);
    const schema: any = context.report.toJson().violations.find((v: { ruleName: string }) => v.ruleName === 'schema/unknown-field (error)');
    expect(schema.violatingConstructs.map((r: { manifestPath: string }) => r.manifestPath)).toEqual([first]);
    expect(schema.violatingConstructs[0].locations).toEqual([
      'Job/team-a/train-1a2b3c4d /spec/template/spec/containers/0/bogus: unknown field "bogus"',
      'Job/team-a/train-1a2b3c4d /spec/template/spec/containers/0/bogus: unknown field "bogus"',
    ]);
  });

  test('fails bad properties early', () => {
    expect(() => new CdkMlValidation({ kubernetesVersion: 1.3 as any })).toThrow(
      'CdkMlValidation: kubernetesVersion must be one of 1.28, 1.31, 1.33, got 1.3 (quote it in YAML: \'1.28\')',
    );
    expect(() => new CdkMlValidation({ strictness: true } as any)).toThrow(
      'CdkMlValidation: unknown property "strictness"; known: kubernetesVersion, rules, allowUnknownKinds, schema, policies, app, strict, gitops',
    );
    expect(() => new CdkMlValidation({ gitops: 'yes' as any })).toThrow('CdkMlValidation: gitops must be true or false, got "yes"');
  });
});

// The synths run in child processes, which never load a mutation run's instrumented code: not
// even defined in a mutation run. (A skipped test would do harm there: jest-circus sends
// test_start but no test_done for it, Stryker's per-test coverage keeps its name as the current
// test, and the next suite's module-level code counted as covered by that skipped test alone, so
// its mutants ran with no test and were reported as survivors.)
if (process.env.CDK8S_ML_MUTATION_RUN !== '1') describe('cdk8s synth with the plugin in cdk8s.yaml', () => {
  // The plugin is loaded by local path, as users load it from node_modules. Its sources are
  // transpiled (no type check, milliseconds) into .cache/ inside the repo, where the package
  // root and its schemas/ are found as from lib/. Both synths run in parallel: the cdk8s CLI
  // takes seconds to start.
  interface SynthResult { readonly status: number | null; readonly stdout: string; readonly stderr: string; readonly project: string }
  const results: Record<string, SynthResult> = {};
  const projects: string[] = [];
  const compiled = path.join(ROOT, '.cache', `plugin-test-${process.pid}`);

  /** Transpiles src/core and src/validation (the plugin's closure) to CommonJS under `compiled`. */
  function transpilePlugin(): void {
    const visit = (rel: string) => {
      for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
        const child = path.join(rel, entry.name);
        if (entry.isDirectory()) {
          visit(child);
        } else if (entry.name.endsWith('.ts')) {
          const { outputText } = ts.transpileModule(fs.readFileSync(path.join(ROOT, child), 'utf8'), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
          });
          fs.mkdirSync(path.join(compiled, rel), { recursive: true });
          fs.writeFileSync(path.join(compiled, child.replace(/\.ts$/, '.js')), outputText);
        }
      }
    };
    visit(path.join('src', 'core'));
    visit(path.join('src', 'validation'));
  }

  function synth(bad: boolean): Promise<SynthResult> {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-synth-'));
    projects.push(project);
    fs.writeFileSync(path.join(project, 'app.js'), [
      `const { App, Chart, ApiObject } = require(${JSON.stringify(require.resolve('cdk8s'))});`,
      `const objects = ${JSON.stringify(bad ? [badJob(), networkPolicy(), namespace()] : [job(), networkPolicy(), namespace()])};`,
      'const app = new App();',
      "const chart = new Chart(app, 'training');",
      'objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));',
      'app.synth();',
    ].join('\n'));
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), stringify({
      language: 'typescript',
      app: 'node app.js',
      output: 'dist',
      validations: [{
        package: path.join(compiled, 'src', 'validation', 'plugin.js'),
        version: '0.1.0',
        class: 'CdkMlValidation',
        properties: { kubernetesVersion: '1.28', gitops: true },
      }],
    }));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade'], {
        cwd: project,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr, project }));
    });
  }

  beforeAll(async () => {
    transpilePlugin();
    const [good, bad] = await Promise.all([synth(false), synth(true)]);
    results.good = good;
    results.bad = bad;
  }, 120_000);

  afterAll(() => {
    for (const p of [...projects, compiled]) fs.rmSync(p, { recursive: true, force: true });
  });

  test('a compliant app synthesizes and the report passes', () => {
    const { status, stdout, stderr } = results.good;
    expect(stderr).not.toMatch(/Validation failed/);
    expect(stdout).toMatch(/Status\s+│ success/);
    expect(stdout).toMatch(/Validations ended succesfully/);
    expect(status).toBe(0);
  });

  test('the CLI agrees on the same output: it skips the construct-metadata.json synth wrote, and says so', () => {
    const dist = path.join(results.good.project, 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(['construct-metadata.json', 'training.k8s.yaml']);
    let out = '';
    const code = runCli(['validate', '--gitops', dist], (s) => { out += s; });
    expect(out).toBe([
      `skipped ${path.join(dist, 'construct-metadata.json')}: not a Kubernetes manifest (no document has apiVersion or kind)`,
      'OK: 1 file(s), 1 skipped, 3 object(s), 0 error(s), 0 warning(s) [schema + policies + app, Kubernetes 1.28]',
      '',
    ].join('\n'));
    expect(code).toBe(0);
  });

  test('fails the synth of an app with violations, naming rule, construct and location', () => {
    const { status, stdout, stderr } = results.bad;
    expect(stdout).toMatch(/Status\s+│ failure/);
    expect(stdout).toMatch(/image-tag \(error\) \(1 occurrences\)/);
    expect(stdout).toMatch(/Construct Path: training\/o0/);
    expect(stdout).toMatch(/> Job\/team-a\/train-1a2b3c4d \/spec\/template\/spec\/containers\/0\/bogus: unknown field "bogus"/);
    expect(stderr).toMatch(/Validation failed/);
    expect(status).toBe(2);
  });
});
