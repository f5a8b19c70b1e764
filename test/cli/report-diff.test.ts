import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { CHANGE_KINDS } from '../../src/report/diff';
import { useTempDir } from './temp-dir';

const temp = useTempDir('cdk8s-ml-cli-diff-');

function run(...args: string[]): { code: number; out: string } {
  let out = '';
  const code = runCli(args, (s) => { out += s; });
  return { code, out };
}

const quota = (gpu: string) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'lab' }, spec: { hard: { 'requests.nvidia.com/gpu': gpu } } });
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'lab' }, data: { a: '1' } });

function pair(): { old: string; new: string } {
  temp.write('old/lab.k8s.yaml', [quota('8'), cm('gone')]);
  temp.write('new/lab.k8s.yaml', [quota('16')]);
  return { old: path.join(temp.dir(), 'old'), new: path.join(temp.dir(), 'new') };
}

describe('cdk8s-ml diff', () => {
  test('markdown by default, exit 0', () => {
    const p = pair();
    const { code, out } = run('diff', p.old, p.new);
    expect(code).toBe(0);
    expect(out).toBe([
      `# cdk8s-ml diff: \`${p.old}\` → \`${p.new}\``,
      '',
      '2 change(s): 1 quota, 1 prune.',
      '',
      '- **quota** `lab/q`: ResourceQuota q in lab: requests.nvidia.com/gpu "8" → "16"',
      '- **prune** `lab/gone`: Argo CD deletes ConfigMap gone',
      '',
    ].join('\n'));
  });

  test('--format json', () => {
    const p = pair();
    const { code, out } = run('diff', '--format', 'json', p.old, p.new);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      old: p.old,
      new: p.new,
      changes: [
        { kind: 'quota', construct: 'lab/q', object: 'ResourceQuota/lab/q', message: 'ResourceQuota q in lab: requests.nvidia.com/gpu "8" → "16"', details: { fields: [{ path: 'spec.hard.requests.nvidia.com/gpu', before: '8', after: '16' }] } },
        { kind: 'prune', construct: 'lab/gone', object: 'ConfigMap/lab/gone', message: 'Argo CD deletes ConfigMap gone', details: {} },
      ],
    });
  });

  test('--fail-on exits 2 when a change of those kinds is present, 0 otherwise', () => {
    const p = pair();
    const gated = run('diff', '--fail-on', 'prune,new-run', p.old, p.new);
    expect(gated.code).toBe(2);
    expect(gated.out.endsWith('FAILED: 1 change(s) of --fail-on kinds prune\n')).toBe(true);
    expect(run('diff', '--fail-on', 'new-run', '--fail-on', 'refused', p.old, p.new).code).toBe(0);
    expect(run('diff', '--fail-on', 'any', '--format', 'json', p.old, p.new).code).toBe(2);
    expect(run('diff', '--fail-on', 'quota', p.new, p.new).code).toBe(0);
  });

  test('fails with exit 2 on an unknown --fail-on kind, an unknown option, a bad format, missing arguments', () => {
    const p = pair();
    expect(run('diff', '--fail-on', 'prune,bogus', p.old, p.new)).toEqual({ code: 2, out: `cdk8s-ml: --fail-on takes change kinds (${CHANGE_KINDS.join(', ')}) or any, got "bogus"\n` });
    expect(run('diff', '--colour', p.old, p.new)).toEqual({ code: 2, out: "error: unknown option '--colour'\n" });
    expect(run('diff', '--format', 'html', p.old, p.new)).toEqual({ code: 2, out: "error: option '--format <format>' argument 'html' is invalid. Allowed choices are markdown, json.\n" });
    expect(run('diff', p.old)).toEqual({ code: 2, out: "error: missing required argument 'new-dir'\n" });
    expect(run('diff', p.old, p.new, 'extra')).toEqual({ code: 2, out: "error: too many arguments for 'diff'. Expected 2 arguments but got 3.\n" });
  });

  test('fails with exit 1 when a folder cannot be read', () => {
    const p = pair();
    const missing = path.join(temp.dir(), 'missing');
    expect(run('diff', p.old, missing)).toEqual({ code: 1, out: `cdk8s-ml: folder "${missing}" does not exist\n` });
    fs.writeFileSync(path.join(p.new, 'broken.yaml'), 'a: [');
    const broken = run('diff', p.old, p.new);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(new RegExp(`^cdk8s-ml: ${path.join(p.new, 'broken.yaml').replace(/\./g, '\\.')}: invalid YAML: `));
  });
});

describe('cdk8s-ml report', () => {
  test('prints the Markdown report, exit 0', () => {
    const p = pair();
    const { code, out } = run('report', p.new);
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 13)).toEqual([
      `# cdk8s-ml report: \`${p.new}\``,
      '',
      '1 object(s) in 1 file(s); namespaces: `lab`.',
      '',
      '## Namespace `lab`',
      '',
      '### Quota `q`',
      '',
      'Kueue admits up to the nominal quotas of the ClusterQueues this namespace feeds; un-queued workloads count at their largest. The sum must fit the ResourceQuota (the `app-quota` rule of `cdk8s-ml validate` checks the same figures).',
      '',
      '| resource | ResourceQuota | Kueue nominal quotas | un-queued at peak | total | fits |',
      '| --- | --- | --- | --- | --- | --- |',
      '| nvidia.com/gpu | 16 | 0 | 0 | 0 | yes |',
    ]);
  });

  test('fails with exit 2 on a missing argument or unknown option, 1 on a missing folder', () => {
    expect(run('report')).toEqual({ code: 2, out: "error: missing required argument 'dir'\n" });
    expect(run('report', '--json', temp.dir()).code).toBe(2);
    expect(run('report', temp.dir(), temp.dir())).toEqual({ code: 2, out: "error: too many arguments for 'report'. Expected 1 argument but got 2.\n" });
    expect(run('report', path.join(temp.dir(), 'nope')).code).toBe(1);
  });
});
