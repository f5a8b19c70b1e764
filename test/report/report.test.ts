import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkApp } from '../../src/validation/app';
import { readRendered, RenderedInputError } from '../../src/report/input';
import { reportMarkdown } from '../../src/report/report';
import { mermaidBlock, parseMermaid } from './mermaid';

const DIST = path.join(__dirname, '..', '..', 'dist');
const report = reportMarkdown(readRendered(DIST)).replace(/^# cdk8s-ml report: .*$/m, '# cdk8s-ml report: `dist`');
const lines = report.split('\n');

/** The lines of a `### title` section of the team-a namespace. */
function section(title: string, text = report): string[] {
  const all = text.split('\n');
  const start = all.indexOf(`### ${title}`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = all.findIndex((l, i) => i > start && /^#{2,3} /.test(l));
  return all.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}

describe('cdk8s-ml report on the example app (dist/)', () => {
  test('lists the namespaces and counts objects and files', () => {
    expect(lines[2]).toBe('44 object(s) in 7 file(s); namespaces: `argocd`, `team-a`.');
    expect(lines).toContain('## Namespace `team-a`');
    expect(lines).toContain('## Cluster-scoped');
  });

  test('queues with the ClusterQueue nominal quotas (32 GPUs, 512 CPUs, 4Ti memory in dist/team-a.k8s.yaml)', () => {
    expect(section('Queues')).toEqual([
      '| LocalQueue | ClusterQueue | GPU | CPU | memory | cohort |',
      '| --- | --- | --- | --- | --- | --- |',
      '| default | team-a | 32 | 512 | 4096Gi | — |',
    ]);
  });

  test('training at nodes × GPUs, serving at max replicas plus surge', () => {
    const rows = section('Workloads at peak');
    // example/training-distributed.ts: 2 nodes × 8 GPUs, 32 CPU and 512Gi per node, queued on "default"
    expect(rows).toContain('| training-distributed/llama-ft | Job llama-ft-1444e6b7 | training | 2 (parallelism 2) | 16 | 64 | 1024Gi | default |');
    // example/serving.ts: 1 GPU, 8 CPU, 32Gi per replica, HPA max 8, maxSurge 1
    expect(rows).toContain('| serving/chat | Deployment chat | serving | 9 (maxReplicas 8 of HorizontalPodAutoscaler/team-a/chat + rolling-update surge 1) | 9 | 72 | 288Gi | un-queued |');
    expect(rows).toContain('| retraining/ranker-nightly | CronJob ranker-nightly | training | 1 (parallelism 1 per run) | 2 | 16 | 128Gi | default |');
  });

  test('the quota table adds Kueue nominal quotas and un-queued peaks against the ResourceQuota', () => {
    const rows = section('Quota `ml-quota`');
    // GPUs: 32 nominal + un-queued 4 (resnet-train) + 9 (chat) + 2 (chat-canary) + 8 (pipeline train step, 2 × 4) = 55 of 64
    expect(rows).toContain('| nvidia.com/gpu | 64 | 32 | 23 | 55 | yes |');
    expect(rows).toContain('- `serving/chat` Deployment chat: 72 cpu, 288Gi memory, 9 nvidia.com/gpu (maxReplicas 8 of HorizontalPodAutoscaler/team-a/chat + rolling-update surge 1)');
  });

  test('datasets and models with source, revision, size and volume', () => {
    const rows = section('Datasets and models');
    expect(rows).toContain('| serving/qwen-weights | qwen-weights (model) | hf Qwen/Qwen2.5-0.5B-Instruct @ 7ae557604adf67be50417f59c2c2f167def9a775 | not declared | claim "model-cache" | /models/qwen | Deployment chat, Deployment chat-canary |');
    expect(rows).toContain('| data/imagenet | imagenet | http https://data.example.com/imagenet/ilsvrc2012-train.tar.gz | 140Gi | claim "imagenet-data" | /data/imagenet | Job resnet-train-e5ea8319 |');
  });

  test('schedules in plain words with their time zone', () => {
    expect(section('Schedules')).toEqual([
      '| construct | object | schedule | runs |',
      '| --- | --- | --- | --- |',
      '| pipeline/nightly | CronWorkflow nightly | `0 3 * * *` | every day at 03:00, Europe/Berlin |',
      '| retraining/ranker-nightly | CronJob ranker-nightly | `0 2 * * *` | every day at 02:00, Europe/Berlin |',
    ]);
  });

  test('declared flows name the construct that needs each', () => {
    const rows = section('Network flows');
    expect(rows).toContain('| serving/qwen-weights | Deployment chat | egress | host huggingface.co | TCP 443 | fetch qwen-weights |');
    expect(rows).toContain('| training-distributed/llama-ft | Job llama-ft-1444e6b7 | egress | pods batch.kubernetes.io/job-name=llama-ft-1444e6b7 | TCP 29500 | rendezvous |');
    expect(rows).toContain('| serving/chat | Deployment chat | ingress | namespace ingress-nginx | TCP 8000 | ingress controller |');
  });

  test('external references the app expects', () => {
    const rows = section('Expected to exist outside the app');
    expect(rows).toContain('| Secret | wandb | retraining/ranker-nightly (CronJob ranker-nightly) |');
    expect(rows).toContain('| PersistentVolumeClaim | shared-nfs | pipeline/nightly (WorkflowTemplate nightly) |');
    expect(section('Expected to exist outside the app', report.slice(report.indexOf('## Cluster-scoped')))).toContain('| Namespace | argocd | argocd/ml-platform (Application ml-platform) |');
  });

  test('is byte-identical across runs', () => {
    expect(reportMarkdown(readRendered(DIST)).replace(/^# .*$/m, '')).toBe(report.replace(/^# .*$/m, ''));
  });

  test('the Mermaid diagram parses with the mermaid parser; a broken one does not (the parser is live)', () => {
    const diagram = mermaidBlock(report);
    expect(diagram.split('\n')[0]).toBe('flowchart LR');
    expect(diagram).toContain('[["training-distributed/llama-ft"]]');
    const hf = /(p\d+)\(\["host huggingface\.co"\]\)/.exec(diagram)![1];
    const chat = /(o\d+)\["Deployment team-a\/chat"\]/.exec(diagram)![1];
    expect(diagram).toContain(`  ${chat} -.->|"fetch qwen-weights: TCP 443"| ${hf}`);
    const broken = diagram.replace('flowchart LR', 'flowchart LR\n  x[["unclosed" -->');
    const [ok, bad] = parseMermaid([diagram, broken]);
    expect(ok).toEqual({ ok: true, type: 'flowchart-v2' });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/Parse error/);
  });
});

describe('capacity figures equal the app check', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-report-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('with the quota lowered below the demand, report and app-quota finding give the same figures', () => {
    for (const f of fs.readdirSync(DIST)) {
      const text = fs.readFileSync(path.join(DIST, f), 'utf8');
      fs.writeFileSync(path.join(dir, f), f === 'team-a.k8s.yaml' ? text.replace('requests.nvidia.com/gpu: "64"', 'requests.nvidia.com/gpu: "40"').replace('requests.cpu: "768"', 'requests.cpu: "600"') : text);
    }
    const app = readRendered(dir);
    const findings = checkApp(app.objects.map((o) => o.object)).findings.filter((f) => f.rule === 'app-quota');
    const figures = findings.map((f) => /can demand (\S+) (\S+) but ResourceQuota "ml-quota" allows (\S+):/.exec(f.message)!.slice(1));
    expect(figures).toEqual([['684', 'cpu', '600'], ['55', 'nvidia.com/gpu', '40']]);
    const rows = section('Quota `ml-quota`', reportMarkdown(app));
    for (const [need, resource, limit] of figures) expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^\\| ${resource.replace('.', '\\.')} \\| ${limit} \\| .* \\| ${need} \\| \\*\\*no\\*\\* \\|$`)));
    expect(rows).toContain('| memory | 6144Gi | 4096Gi | 936Gi | 5032Gi | yes |');
  });
});

describe('reading folders', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-report-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('skips files without Kubernetes objects (construct-metadata.json) and non-manifest extensions', () => {
    fs.writeFileSync(path.join(dir, 'construct-metadata.json'), '{"version":"1.0.0","resources":{}}');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not yaml');
    fs.writeFileSync(path.join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n');
    const app = readRendered(dir);
    expect(app.files).toEqual(['ns.yaml']);
    expect(app.skipped).toEqual([{ file: 'construct-metadata.json', reason: 'not a Kubernetes manifest (no document has apiVersion or kind)' }]);
    expect(reportMarkdown(app).split('\n')[2]).toBe('1 object(s) in 1 file(s) (1 skipped: construct-metadata.json); namespaces: none.');
  });

  test('fails on a missing folder, a file instead of a folder, and broken YAML, naming the path', () => {
    expect(() => readRendered(path.join(dir, 'nope'))).toThrow(new RenderedInputError(`folder "${path.join(dir, 'nope')}" does not exist`));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: [');
    expect(() => readRendered(path.join(dir, 'a.yaml'))).toThrow(`"${path.join(dir, 'a.yaml')}" is not a folder of rendered manifests`);
    expect(() => readRendered(dir)).toThrow(new RegExp(`^${path.join(dir, 'a.yaml').replace(/[.]/g, '\\.')}: invalid YAML: `));
  });
});
