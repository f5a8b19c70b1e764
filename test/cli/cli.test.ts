import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { POLICY_RULES } from '../../src/validation/policies';
import { APP_RULES } from '../../src/validation/app';
import { deployment, job, namespace, networkPolicy, pdb, service, specOf } from '../policies/manifests';
import { useTempDir } from './temp-dir';

const temp = useTempDir('cdk8s-ml-cli-');
const write = temp.write;

function run(...args: string[]): { code: number; out: string } {
  let out = '';
  const code = runCli(args, (s) => { out += s; });
  return { code, out };
}

const tokenJob = () => {
  const j = job();
  delete specOf(j).automountServiceAccountToken;
  return j;
};

describe('cdk8s-ml validate', () => {
  test('passes a compliant folder; cross-object rules see every file', () => {
    write('serving/deployment.yaml', [deployment()]);
    write('serving/service.yaml', [service(), pdb()]);
    write('platform.yaml', [namespace(), networkPolicy()]);
    const { code, out } = run('validate', temp.dir());
    expect(out).toBe('OK: 3 file(s), 5 object(s), 0 error(s), 0 warning(s) [schema + policies + app, Kubernetes 1.28]\n');
    expect(code).toBe(0);
  });

  test('fails with a report grouped by file and object, fix hints once per rule', () => {
    const d = deployment();
    specOf(d).containers[0].image = 'vllm/vllm-openai:latest';
    specOf(d).containers[0].imagePullPolicy = 'sometimes';
    const file = write('app.yaml', [d, service(), pdb(), networkPolicy(), namespace()]);
    const { code, out } = run('validate', file);
    expect(code).toBe(1);
    expect(out.split('\n')).toEqual([
      `${file}: Deployment/team-a/llm`,
      '  error   /spec/template/spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "sometimes"',
      '  error   /spec/template/spec/containers/0/image [image-tag] image of container "server" must not use the "latest" tag (pin a version or digest), got "vllm/vllm-openai:latest"',
      '',
      'How to fix:',
      `  [image-tag] ${POLICY_RULES.find((r) => r.id === 'image-tag')!.fix}`,
      'FAILED: 1 file(s), 5 object(s), 2 error(s), 0 warning(s) [schema + policies + app, Kubernetes 1.28]',
      '',
    ]);
  });

  test('--json prints every finding with its file, source and severity', () => {
    const file = write('job.yaml', [tokenJob(), networkPolicy(), namespace()]);
    const { code, out } = run('validate', '--json', file);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ files: 1, objects: 3, valid: true, errors: 0, warnings: 1 });
    expect(json.findings).toEqual([expect.objectContaining({
      file, object: 'Job/team-a/train-1a2b3c4d', rule: 'service-account-token', severity: 'warning', source: 'policy',
    })]);
  });

  test('--strict makes warnings fail', () => {
    const file = write('job.yaml', [tokenJob(), networkPolicy(), namespace()]);
    expect(run('validate', file).code).toBe(0);
    const { code, out } = run('validate', '--strict', file);
    expect(code).toBe(1);
    expect(out).toMatch(/FAILED: .* 0 error\(s\), 1 warning\(s\) \[schema \+ policies \+ app, Kubernetes 1.28, strict\]/);
  });

  test('--no-policies runs the schema only, --policies-only the policies only', () => {
    const j = job();
    specOf(j).containers[0].image = 'app:latest';
    specOf(j).containers[0].bogus = true;
    const file = write('job.yaml', [j, networkPolicy(), namespace()]);
    const schemaOnly = run('validate', '--no-policies', '--json', file);
    expect(JSON.parse(schemaOnly.out).findings.map((f: any) => f.rule)).toEqual(['unknown-field']);
    const policiesOnly = run('validate', '--policies-only', '--json', file);
    expect(JSON.parse(policiesOnly.out).findings.map((f: any) => f.rule)).toEqual(['image-tag']);
    expect(run('validate', '--policies-only', '--no-policies', file)).toEqual({ code: 2, out: 'cdk8s-ml: --policies-only and --no-policies exclude each other\n' });
  });

  test('--kubernetes-version, --gitops and --rule reach the checks', () => {
    const j = job({}, { ttlSecondsAfterFinished: 600 });
    specOf(j).securityContext.sysctls = [{ name: 'net.ipv4.tcp_fin_timeout', value: '30' }];
    const file = write('job.yaml', [j, networkPolicy(), namespace()]);
    const rules = (...args: string[]) => JSON.parse(run('validate', '--json', '--policies-only', ...args, file).out).findings.map((f: any) => f.rule);
    expect(rules()).toEqual(['pss-sysctls']);
    expect(rules('--kubernetes-version', '1.31')).toEqual([]);
    expect(rules('--kubernetes-version', '1.31', '--gitops')).toEqual(['argocd-job-ttl']);
    expect(rules('--rule', 'pss-sysctls=off')).toEqual([]);
    expect(run('validate', '--kubernetes-version', '1.20', file).code).toBe(2);
    expect(run('validate', '--rule', 'pss-sysctls', file)).toEqual({ code: 2, out: 'cdk8s-ml: --rule must look like <rule-id>=off|warning|error, got "pss-sysctls"\n' });
      // a misspelt rule is an error even when its check is switched off
    const typo = run('validate', '--no-policies', '--rule', 'pss-sysctl=off', file);
    expect(typo.code).toBe(2);
    expect(typo.out).toMatch(/^cdk8s-ml: checkManifests: unknown rule id "pss-sysctl" in options.rules; known: pss-host-process, /);
  });

  test('skips files that are not Kubernetes manifests and says so (construct-metadata.json)', () => {
    write('training.k8s.yaml', [namespace(), job(), networkPolicy()]);
    const meta = path.join(temp.dir(), 'construct-metadata.json');
    // What cdk8s synth writes beside the manifests when a validation plugin is configured.
    fs.writeFileSync(meta, JSON.stringify({ version: '1.0.0', resources: { 'train-1a2b3c4d': { path: 'training/o0' } } }));
    const { code, out } = run('validate', temp.dir());
    expect(out).toBe([
      `skipped ${meta}: not a Kubernetes manifest (no document has apiVersion or kind)`,
      'OK: 1 file(s), 1 skipped, 3 object(s), 0 error(s), 0 warning(s) [schema + policies + app, Kubernetes 1.28]',
      '',
    ].join('\n'));
    expect(code).toBe(0);
    const json = JSON.parse(run('validate', '--json', temp.dir()).out);
    expect(json).toMatchObject({ files: 1, skipped: [{ file: meta, reason: 'not a Kubernetes manifest (no document has apiVersion or kind)' }], objects: 3, valid: true });
  });

  test('fails a manifest file in which one document lacks kind (only files without any apiVersion or kind are skipped)', () => {
    const noKind = job();
    delete noKind.kind;
    write('mixed.yaml', [noKind, networkPolicy()]);
    const { code, out } = run('validate', temp.dir());
    expect(code).toBe(1);
    expect(out).not.toMatch(/skipped/);
    expect(out).toMatch(/FAILED: 1 file\(s\), 2 object\(s\)/);
  });

  test('runs the whole-app check across every file; --no-app skips it; app rules take --rule', () => {
    const queued = job();
    queued.metadata.labels = { ...(queued.metadata.labels ?? {}), 'kueue.x-k8s.io/queue-name': 'vision' };
    const file = write('training.yaml', [queued]);
    write('platform.yaml', [namespace(), networkPolicy()]);
    const { code, out } = run('validate', temp.dir());
    expect(code).toBe(1);
    expect(out).toContain(`${file}: Job/team-a/train-1a2b3c4d\n  error   /metadata/labels/kueue.x-k8s.io~1queue-name [app-reference] label kueue.x-k8s.io/queue-name refers to LocalQueue "vision", which the app does not render in namespace "team-a" and nothing declares external`);
    expect(out).toMatch(/\[app-reference\] Job\/team-a\/train-1a2b3c4d: render LocalQueue "vision" in namespace "team-a", or, when it lives outside the app on purpose, declare it with External/);
    expect(out).toMatch(/FAILED: 2 file\(s\), 3 object\(s\), 1 error\(s\), 0 warning\(s\) \[schema \+ policies \+ app, Kubernetes 1.28\]/);
    expect(run('validate', '--no-app', temp.dir()).out).toMatch(/^OK: .*\[schema \+ policies, Kubernetes 1.28\]/);
    expect(run('validate', '--rule', 'app-reference=off', temp.dir()).code).toBe(0);
  });

  test('fails a file that is not valid YAML', () => {
    fs.writeFileSync(path.join(temp.dir(), 'broken.yaml'), 'kind: [unclosed\n');
    const { code, out } = run('validate', temp.dir());
    expect(code).toBe(1);
    expect(out).toMatch(/broken\.yaml: .*broken\.yaml\n {2}error {3}\/ \[yaml\] validateManifests: invalid YAML/);
  });
});

describe('cdk8s-ml rules', () => {
  test('lists every rule with its severity', () => {
    const { code, out } = run('rules');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(POLICY_RULES.length + APP_RULES.length);
    expect(out).toMatch(/^pss-host-process +error +Pod Security baseline/m);
    expect(out).toMatch(/^app-flow +error +Every declared network flow/m);
    expect(JSON.parse(run('rules', '--json').out).map((r: any) => r.id)).toEqual([...POLICY_RULES.map((r) => r.id), ...APP_RULES.map((r) => r.id)]);
  });
});
