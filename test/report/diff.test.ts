import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { Change, diffApps, diffLine, diffMarkdown } from '../../src/report/diff';
import { readRendered } from '../../src/report/input';
import { Knobs, renderApp } from './apps';

/** Objects of a rendered folder, read with the yaml library only (not the code under test). */
function objectsIn(dir: string): any[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJSON()));
}
const jobName = (dir: string) => objectsIn(dir).find((o) => o.kind === 'Job').metadata.name as string;
const fetchEnv = (dir: string, name: string) => objectsIn(dir).find((o) => o.kind === 'Job').spec.template.spec.initContainers[0].env.find((e: any) => e.name === name).value as string;

const dirs: string[] = [];
function render(knobs: Knobs = {}): string {
  const d = renderApp(knobs);
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

let base = '';
beforeAll(() => {
  base = render();
});

const diff = (a: string, b: string) => diffApps(readRendered(a), readRendered(b)).changes;
const only = (changes: readonly Change[], kind: string) => changes.filter((c) => c.kind === kind);

describe('cdk8s-ml diff on pairs of renders', () => {
  test('an unchanged render has no change', () => {
    const again = render();
    expect(diff(base, again)).toEqual([]);
    expect(diffMarkdown(diffApps(readRendered(base), readRendered(again))).split('\n').slice(2)).toEqual(['No change.', '']);
  });

  test('new training run: the Job renamed by its spec hash, with what changed in its spec', () => {
    const next = render({ lr: 0.002 });
    const [oldJob, newJob] = [jobName(base), jobName(next)];
    expect(oldJob).not.toBe(newJob);
    const oldConfig = objectsIn(base).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('llama-config-')).metadata.name;
    const newConfig = objectsIn(next).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('llama-config-')).metadata.name;
    const changes = diff(base, next);
    const run = only(changes, 'new-run');
    expect(run.map(diffLine)).toEqual([
      `- **new-run** \`training/llama\`: Job ${oldJob} becomes ${newJob}: a new training run starts from the beginning (the Job name carries its spec hash); changed: volumes[training-config].configMap.name "${oldConfig}" → "${newConfig}"`,
    ]);
    expect(run[0]).toEqual({
      kind: 'new-run', construct: 'training/llama', object: `Job/team-a/${newJob}`, message: expect.any(String),
      details: { oldJob: `Job/team-a/${oldJob}`, newJob: `Job/team-a/${newJob}`, spec: [{ path: 'volumes[training-config].configMap.name', before: oldConfig, after: newConfig }] },
    });
    // The old Job and ConfigMap are pruned; the Service and NetworkPolicy follow the new name.
    expect(only(changes, 'prune').map(diffLine)).toEqual([
      `- **prune** \`training/llama\`: Argo CD deletes ConfigMap ${oldConfig} (replaced by ${newConfig})`,
      `- **prune** \`training/llama\`: Argo CD deletes Job ${oldJob} (replaced by ${newJob}; a run still in progress is stopped)`,
    ]);
    expect(only(changes, 'changed').map(diffLine)).toEqual([
      `- **changed** \`training/llama\`: NetworkPolicy llama follows the rename of ${oldJob} → ${newJob} (3 field(s))`,
      `- **changed** \`training/llama\`: Service llama follows the rename of ${oldJob} → ${newJob} (1 field(s))`,
    ]);
  });

  test('serving rollout: the image, with the surge/unavailable budget', () => {
    const changes = diff(base, render({ servingImage: 'vllm/vllm-openai:v0.6.4' }));
    expect(changes.map(diffLine)).toEqual([
      '- **rollout** `serving/chat`: Deployment chat rolls out new pods (rolling update with maxSurge 1 and maxUnavailable 0 (no server stops before its replacement is ready)): image of server "vllm/vllm-openai:v0.6.3" → "vllm/vllm-openai:v0.6.4"',
    ]);
    expect(changes[0]).toMatchObject({
      kind: 'rollout', construct: 'serving/chat', object: 'Deployment/team-a/chat',
      details: { images: [{ container: 'server', before: 'vllm/vllm-openai:v0.6.3', after: 'vllm/vllm-openai:v0.6.4' }], strategy: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 },
    });
  });

  test('scaled serving: the autoscaler maximum', () => {
    const changes = diff(base, render({ maxReplicas: 4 }));
    expect(changes.map(diffLine)).toEqual(['- **scale** `serving/chat`: HorizontalPodAutoscaler chat maxReplicas 2 → 4 (target Deployment chat)']);
    expect(changes[0].details).toEqual({ fields: [{ path: 'spec.maxReplicas', before: 2, after: 4 }] });
  });

  test('scaled quota: the namespace GPU quota', () => {
    const changes = diff(base, render({ gpuQuota: 80 }));
    expect(changes.map(diffLine)).toEqual(['- **quota** `platform/team-a`: ResourceQuota ml-quota in team-a: requests.nvidia.com/gpu "64" → "80"']);
    expect(changes[0]).toMatchObject({ kind: 'quota', object: 'ResourceQuota/team-a/ml-quota', details: { fields: [{ path: 'spec.hard.requests.nvidia.com/gpu', before: '64', after: '80' }] } });
  });

  test('dataset with a new fingerprint: its pods download it again', () => {
    const next = render({ datasetUrl: 'https://data.example.com/shards-v2.tar.gz', datasetSha256: 'c'.repeat(64) });
    const [before, after] = [fetchEnv(base, 'FETCH_FINGERPRINT'), fetchEnv(next, 'FETCH_FINGERPRINT')];
    expect(before).not.toBe(after);
    const changes = only(diff(base, next), 'dataset');
    expect(changes.map(diffLine)).toEqual([
      `- **dataset** \`training/shards\`: dataset shards changes (fingerprint ${before} → ${after}; url "https://data.example.com/shards-v1.tar.gz" → "https://data.example.com/shards-v2.tar.gz", sha256 "${'a'.repeat(64)}" → "${'c'.repeat(64)}"): the pods of Job ${jobName(next)} download it again`,
    ]);
    expect(changes[0].details).toMatchObject({ dataset: 'shards', before, after, usedBy: [`Job/team-a/${jobName(next)}`] });
  });

  test('the same content at another URL keeps the fingerprint: no re-download line', () => {
    const changes = diff(base, render({ datasetUrl: 'https://mirror.example.com/shards-v1.tar.gz' }));
    expect(only(changes, 'dataset')).toEqual([]);
    expect(only(changes, 'new-run')).toHaveLength(1);
  });

  test('flows opened and closed: a second dataset from another host', () => {
    const next = render({ secondDataset: true });
    const opened = only(diff(base, next), 'flow-opened');
    expect(opened.map(diffLine)).toEqual([`- **flow-opened** \`training/extra\`: Job ${jobName(next)} needs egress to host mirror.example.org on TCP 443 (fetch extra)`]);
    expect(opened[0].details).toEqual({ flow: { construct: 'training/extra', direction: 'egress', peer: { host: 'mirror.example.org', kind: 'external' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'fetch extra' } });
    const closed = only(diff(next, base), 'flow-closed');
    expect(closed.map(diffLine)).toEqual([`- **flow-closed** \`training/extra\`: Job ${jobName(next)} no longer needs egress to host mirror.example.org on TCP 443 (fetch extra)`]);
  });

  test('objects Argo CD prunes: a removed model server', () => {
    const changes = diff(base, render({ serving: false }));
    expect(only(changes, 'prune').map(diffLine)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']
      .map((k) => `- **prune** \`serving/chat\`: Argo CD deletes ${k} chat`));
    expect(only(changes, 'flow-closed').map((c) => c.message)).toEqual(['Deployment chat (removed) no longer needs egress to namespace kube-system pods k8s-app=kube-dns on UDP 53, TCP 53 (dns)']);
  });

  test('a change the cluster refuses: the storage class of a claim', () => {
    const changes = diff(base, render({ storageClassName: 'fast-rwx' }));
    expect(changes.map(diffLine)).toEqual([
      '- **refused** `training/ckpt`: the API server refuses to change spec.storageClassName "shared-rwx" → "fast-rwx" of PersistentVolumeClaim ckpt (immutable): the Argo CD sync fails until the object is replaced (delete it first, or the sync option Replace=true)',
    ]);
    expect(changes[0].details).toEqual({ fields: [{ path: 'spec.storageClassName', before: 'shared-rwx', after: 'fast-rwx' }] });
  });
});

describe('cdk8s-ml diff on hand-edited YAML', () => {
  let root = '';
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-diff-hand-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (side: 'old' | 'new', objects: any[]) => {
    fs.mkdirSync(path.join(root, side), { recursive: true });
    fs.writeFileSync(path.join(root, side, 'app.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    return path.join(root, side);
  };
  const meta = (kind: string, name: string, extra: any = {}) => ({ kind, metadata: { name, namespace: 'lab', ...extra } });
  const pod = (image: string) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'main', image }] } });

  test.each([
    ['a Job template under the same name', { apiVersion: 'batch/v1', ...meta('Job', 'train'), spec: { template: pod('a:1') } }, { apiVersion: 'batch/v1', ...meta('Job', 'train'), spec: { template: pod('a:2') } },
      'spec.template.spec.containers[main].image "a:1" → "a:2" of Job train'],
    ['a headless Service made ClusterIP', { apiVersion: 'v1', ...meta('Service', 'peers'), spec: { clusterIP: 'None', selector: { app: 'x' } } }, { apiVersion: 'v1', ...meta('Service', 'peers'), spec: { selector: { app: 'x' } } },
      'spec.clusterIP "None" → (none) of Service peers'],
    ['a Deployment selector', { apiVersion: 'apps/v1', ...meta('Deployment', 'web'), spec: { selector: { matchLabels: { app: 'x' } }, template: pod('a:1') } },
      { apiVersion: 'apps/v1', ...meta('Deployment', 'web'), spec: { selector: { matchLabels: { app: 'y' } }, template: pod('a:1') } },
      'spec.selector.matchLabels.app "x" → "y" of Deployment web'],
    ['StatefulSet volumeClaimTemplates', { apiVersion: 'apps/v1', ...meta('StatefulSet', 'db'), spec: { serviceName: 'db', selector: {}, template: pod('a:1'), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }] } },
      { apiVersion: 'apps/v1', ...meta('StatefulSet', 'db'), spec: { serviceName: 'db', selector: {}, template: pod('a:1'), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '2Gi' } } } }] } },
      'spec.volumeClaimTemplates[0].spec.resources.requests.storage "1Gi" → "2Gi" of StatefulSet db'],
    ['PVC accessModes and a smaller size', { apiVersion: 'v1', ...meta('PersistentVolumeClaim', 'c'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } },
      { apiVersion: 'v1', ...meta('PersistentVolumeClaim', 'c'), spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } } },
      'spec.accessModes ["ReadWriteOnce"] → ["ReadWriteMany"]; spec.resources.requests.storage "10Gi" → "5Gi" of PersistentVolumeClaim c'],
    ['the data of an immutable ConfigMap', { apiVersion: 'v1', ...meta('ConfigMap', 'cfg'), immutable: true, data: { a: '1' } }, { apiVersion: 'v1', ...meta('ConfigMap', 'cfg'), immutable: true, data: { a: '2' } },
      'data.a "1" → "2" of ConfigMap cfg'],
  ])('refused: %s', (_what, before, after, words) => {
    const changes = diff(write('old', [before]), write('new', [after]));
    expect(changes.map((c) => [c.kind, c.message])).toEqual([['refused',
      `the API server refuses to change ${words} (immutable): the Argo CD sync fails until the object is replaced (delete it first, or the sync option Replace=true)`]]);
  });

  test('a StatefulSet template change is a rollout, one pod at a time; Recreate Deployments say they stop first', () => {
    const sts = (image: string) => ({ apiVersion: 'apps/v1', ...meta('StatefulSet', 'db'), spec: { serviceName: 'db', selector: {}, template: pod(image) } });
    const dep = (image: string) => ({ apiVersion: 'apps/v1', ...meta('Deployment', 'web'), spec: { strategy: { type: 'Recreate' }, selector: {}, template: pod(image) } });
    const changes = diff(write('old', [sts('a:1'), dep('w:1')]), write('new', [sts('a:2'), dep('w:2')]));
    expect(changes.map((c) => c.message)).toEqual([
      'StatefulSet db rolls out new pods (rolling update with maxUnavailable 1): image of main "a:1" → "a:2"',
      'Deployment web rolls out new pods (Recreate: every old pod stops before the new ones start (the model is unavailable meanwhile)): image of main "w:1" → "w:2"',
    ]);
    expect(changes.map((c) => c.construct)).toEqual(['app/db', 'app/web']);
  });

  test('a model revision and server args in a rollout; default budget 25%/25%', () => {
    const dep = (rev: string, len: string) => ({
      apiVersion: 'apps/v1', ...meta('Deployment', 'llm', { labels: { 'app.kubernetes.io/instance': 'llm' } }),
      spec: { selector: {}, template: { spec: {
        initContainers: [{ name: 'fetch-weights', image: 'f:1', env: [{ name: 'FETCH_SOURCE', value: 'hf' }, { name: 'FETCH_URL', value: 'Qwen/Qwen2.5' }, { name: 'FETCH_REVISION', value: rev }, { name: 'FETCH_FINGERPRINT', value: `fp-${rev}` }, { name: 'FETCH_ROOT', value: '/v/weights' }], volumeMounts: [{ name: 'ds-weights', mountPath: '/v' }] }],
        containers: [{ name: 'server', image: 'vllm:1', args: ['--model', '/models/q', '--max-model-len', len] }],
        volumes: [{ name: 'ds-weights', emptyDir: {} }] } } },
    });
    const changes = diff(write('old', [dep('aaa', '8192')]), write('new', [dep('bbb', '16384')]));
    expect(changes.map((c) => [c.kind, c.construct, c.message])).toEqual([
      ['rollout', 'app/llm', 'Deployment llm rolls out new pods (rolling update with maxSurge 25% and maxUnavailable 25%): model weights revision "aaa" → "bbb"; args of server: --max-model-len "8192" → "16384"'],
      ['dataset', 'app/llm', 'dataset weights changes (fingerprint fp-aaa → fp-bbb; revision "aaa" → "bbb"): the pods of Deployment llm download it again'],
    ]);
  });

  test('a removed object marked Prune=false stays (kept), others are pruned; a new one is added', () => {
    const keep = { apiVersion: 'v1', ...meta('PersistentVolumeClaim', 'data', { annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } }), spec: {} };
    const gone = { apiVersion: 'v1', ...meta('ConfigMap', 'old-cfg'), data: {} };
    const fresh = { apiVersion: 'v1', ...meta('ConfigMap', 'new-cfg'), data: {} };
    const changes = diff(write('old', [keep, gone]), write('new', [fresh]));
    expect(changes.map((c) => [c.kind, c.construct, c.message])).toEqual([
      ['prune', 'app/old-cfg', 'Argo CD deletes ConfigMap old-cfg'],
      ['kept', 'app/data', 'PersistentVolumeClaim data is no longer rendered but stays in the cluster (sync option Prune=false), unmanaged'],
      ['added', 'app/new-cfg', 'ConfigMap new-cfg is created'],
    ]);
  });

  test('a ClusterQueue nominal quota', () => {
    const cq = (gpu: string) => ({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'team' },
      spec: { resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'h100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: gpu }] }] }] } });
    const changes = diff(write('old', [cq('32')]), write('new', [cq('48')]));
    expect(changes.map((c) => [c.kind, c.object, c.message])).toEqual([['quota', 'ClusterQueue/team', 'ClusterQueue team nominal quota nvidia.com/gpu (flavor h100) "32" → "48"']]);
  });
});
