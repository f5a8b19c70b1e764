import { Queue } from '../../src/training';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { gitopsExample } from '../../src/example/gitops';
import {
  DeliveryMode,
  GitOps,
  GitOpsChart,
  SYNC_WAVE_ANNOTATION,
  SyncWave,
  contentAddressedJobName,
  hashJobName,
  maxJobNameLength,
  syncWaveOf,
} from '../../src/gitops';
import { expectValidManifests } from '../../src/testing';
import { Accelerator } from '../../src/core';
import { MlNamespace, ScheduledTraining, TrainingTemplate } from '../../src/platform';
import { parseAllDocuments } from 'yaml';
import { createHash } from 'crypto';

const ROOT = path.join(__dirname, '..', '..');
/** The first `n` hex characters of the SHA-256 of `text`: the name hash computed without the code under test. */
const sha = (text: string, n: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, n);

function job(scope: Chart, id: string, image = 'ghcr.io/acme/t:1.0.0', extra: Partial<k8s.JobSpec> = {}, name = 'train'): k8s.KubeJob {
  return new k8s.KubeJob(scope, id, {
    metadata: { name },
    spec: {
      ...extra,
      template: {
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'main',
            image,
            resources: { limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          }],
        },
      },
    },
  });
}

function byKey(manifests: any[]): Map<string, string> {
  return new Map(manifests.map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, JSON.stringify(m)]));
}

function renderExample(mode = DeliveryMode.GITOPS): { app: App; manifests: any[] } {
  const app = Testing.app();
  gitopsExample(app, mode);
  return { app, manifests: app.charts.flatMap((c) => c.toJson()) };
}

describe('GitOps pass', () => {
  test('annotates sync waves by kind: namespace, quotas and queues first, config next, workloads last', () => {
    const { app, manifests } = renderExample();
    const wave = (kind: string) => manifests.find((m) => m.kind === kind).metadata.annotations[SYNC_WAVE_ANNOTATION];
    expect(['Namespace', 'ResourceQuota', 'LimitRange', 'ResourceFlavor', 'ClusterQueue', 'LocalQueue'].map(wave)).toEqual(Array(6).fill('-2'));
    expect(wave('NetworkPolicy')).toBe('-1');
    expect(wave('CronJob')).toBe('0');
    // the Application itself gets no wave (only the declaration that Argo CD's namespace is external)
    expect(manifests.find((m) => m.kind === 'Application').metadata.annotations).toEqual({ 'ml.cdk8s.io/external': '[{"kind":"Namespace","name":"argocd"}]' });
    const waves = manifests.map((m) => Number(m.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0));
    expect(Math.max(...waves)).toBe(SyncWave.WORKLOAD);
    expect(syncWaveOf('v1', 'ConfigMap')).toBe(SyncWave.CONFIG);
    expect(syncWaveOf('v1', 'PersistentVolumeClaim')).toBe(SyncWave.CONFIG);
    expect(syncWaveOf('v1', 'ServiceAccount')).toBe(SyncWave.CONFIG);
    expect(syncWaveOf('example.com/v1', 'Widget')).toBeUndefined();
    // Autoscalers go with the workloads they scale: an HPA (or KEDA ScaledObject) applied a
    // wave before its Deployment is Degraded ("unable to get the target's current scale"),
    // and a real Argo CD fails that wave and never creates the Deployment (test/e2e/argocd.test.ts).
    expect(syncWaveOf('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(syncWaveOf('apps/v1', 'Deployment'));
    expect(syncWaveOf('keda.sh/v1alpha1', 'ScaledObject')).toBe(syncWaveOf('apps/v1', 'Deployment'));
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(app, { kubernetesVersion: v });
    expect(app.synthYaml()).toMatchSnapshot();
  });

  test('keeps a wave set by the user, leaves hooks alone, applies overrides, and works on cdk8s-plus objects', () => {
    const app = Testing.app();
    GitOps.apply(app, { syncWaves: { ConfigMap: -5 } });
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: 'b' } });
    new k8s.KubeSecret(chart, 'pinned', { metadata: { name: 'pinned', annotations: { [SYNC_WAVE_ANNOTATION]: '7' } } });
    job(chart, 'hook', undefined, { ttlSecondsAfterFinished: 600 }).metadata.addAnnotation('argocd.argoproj.io/hook', 'PostSync');
    new kplus.ServiceAccount(chart, 'sa');
    const out = Testing.synth(chart);
    expect(out.map((m) => m.metadata.annotations?.[SYNC_WAVE_ANNOTATION])).toEqual(['-5', '7', undefined, '-1']);
    // synthesizing twice is idempotent
    expect(Testing.synth(chart)).toEqual(out);
  });

  test('KUBECTL mode: no Argo CD annotations, namespace first in each file, jobTtl added where missing', () => {
    const { app, manifests } = renderExample(DeliveryMode.KUBECTL);
    expect(manifests.some((m) => Object.keys(m.metadata.annotations ?? {}).some((k) => k.startsWith('argocd.argoproj.io/')))).toBe(false);
    expect(manifests[0].kind).toBe('Namespace');
    expectValidManifests(app);

    const app2 = Testing.app();
    GitOps.apply(app2, { mode: DeliveryMode.KUBECTL, jobTtl: Duration.days(1) });
    const chart = new Chart(app2, 'c', { namespace: 'team-a' });
    job(chart, 'a', undefined, {}, 'a');
    job(chart, 'b', undefined, { ttlSecondsAfterFinished: 60 }, 'b').metadata.addAnnotation(SYNC_WAVE_ANNOTATION, '3');
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'team-a' } });
    const out = Testing.synth(chart);
    expect(out.map((m) => m.kind)).toEqual(['Namespace', 'Job', 'Job']);
    expect(out.filter((m) => m.kind === 'Job').map((m) => m.spec.ttlSecondsAfterFinished)).toEqual([86400, 60]);
    expect(out[2].metadata.annotations).toBeUndefined();
  });

  test('a chart-level setting overrides the app-level one', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const plain = new GitOpsChart(app, 'plain', { namespace: 'team-a', gitops: { mode: DeliveryMode.KUBECTL } });
    const argo = new Chart(app, 'argo', { namespace: 'team-a' });
    new k8s.KubeConfigMap(plain, 'cm', { metadata: { name: 'cm' } });
    new k8s.KubeConfigMap(argo, 'cm', { metadata: { name: 'cm' } });
    expect(GitOps.modeOf(plain)).toBe(DeliveryMode.KUBECTL);
    expect(GitOps.modeOf(argo)).toBe(DeliveryMode.GITOPS);
    expect(Testing.synth(plain)[0].metadata.annotations).toBeUndefined();
    expect(Testing.synth(argo)[0].metadata.annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '-1' });
  });

  // renders in child processes, which never see a mutant: not defined in mutation runs (a skipped
  // test misleads Stryker's per-test coverage, see test/cli/plugin.test.ts)
  if (process.env.CDK8S_ML_MUTATION_RUN !== '1') test('determinism: byte-identical output across processes with different TZ and LANG', async () => {
    const render = (env: Record<string, string>) => new Promise<Buffer>((resolve, reject) => {
      execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/gitops/render-example.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: 'buffer',
        maxBuffer: 16 * 1024 * 1024,
      }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    // two child processes in parallel, plus this one (whatever its TZ / LANG)
    const [a, b] = await Promise.all([
      render({ TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }),
      render({ TZ: 'America/St_Johns', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' }),
    ]);
    expect(a.length).toBeGreaterThan(1000);
    expect(b.equals(a)).toBe(true);
    const { app } = renderExample();
    expect(Buffer.from(app.synthYaml()).equals(a)).toBe(true);
  }, 60_000);

  test('change locality: changing one prop of one construct changes only that construct\'s objects', () => {
    const render = (o: { schedule?: string; gpuQuota?: number; image?: string } = {}) => {
      const app = Testing.app();
      GitOps.apply(app);
      const platform = new Chart(app, 'platform');
      const ns = new MlNamespace(platform, 'team-a', { name: 'team-a', gpuQuota: o.gpuQuota ?? 8, cpuQuota: '64', memoryQuota: '512Gi', queue: { flavors: [{ name: 'h100', cpu: '64', memory: '512Gi', gpu: 8 }] } });
      const chart = new Chart(app, 'work', { namespace: 'team-a' });
      const template = (image: string) => TrainingTemplate.singleNode({ image, resources: { cpu: '4', memory: '16Gi' }, accelerator: Accelerator.nvidiaGpu({ count: 1 }) });
      new ScheduledTraining(chart, 'nightly', { schedule: o.schedule ?? '0 2 * * *', queue: Queue.kueue(ns), job: template('ghcr.io/acme/t:1.0.0') });
      new ScheduledTraining(chart, 'weekly', { schedule: '0 3 * * 0', job: template(o.image ?? 'ghcr.io/acme/t:1.0.0') });
      hashJobName(job(chart, 'adhoc', o.image ?? 'ghcr.io/acme/t:1.0.0'));
      return byKey(app.charts.flatMap((c) => c.toJson()));
    };
    const diff = (a: Map<string, string>, b: Map<string, string>) =>
      [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
    const base = render();
    expect(base.size).toBe(11);
    expect(diff(base, render())).toEqual([]);
    expect(diff(base, render({ schedule: '30 3 * * *' }))).toEqual(['CronJob/team-a/nightly']);
    expect(diff(base, render({ gpuQuota: 16 }))).toEqual(['ResourceQuota/team-a/ml-quota']);
    // a new image: the weekly CronJob changes in place; the ad-hoc Job is replaced by a new name
    const changed = diff(base, render({ image: 'ghcr.io/acme/t:2.0.0' }));
    expect(changed).toHaveLength(3);
    expect(changed[0]).toBe('CronJob/team-a/weekly');
    expect(changed.slice(1).every((k) => k.startsWith('Job/team-a/train-'))).toBe(true);
  });
});

describe('content-addressed Job names', () => {
  test('a raw KubeJob is renamed on template change and keeps its name otherwise', () => {
    const render = (image: string, parallelism?: number) => {
      const app = Testing.app();
      GitOps.apply(app);
      const chart = new Chart(app, 'c', { namespace: 'team-a' });
      hashJobName(job(chart, 'j', image, parallelism ? { parallelism } : {}));
      return Testing.synth(chart)[0].metadata.name as string;
    };
    const a = render('ghcr.io/acme/t:1.0.0');
    expect(a).toMatch(/^train-[0-9a-f]{8}$/);
    expect(render('ghcr.io/acme/t:1.0.0')).toBe(a);
    expect(render('ghcr.io/acme/t:1.0.0', 2)).toBe(a); // Job spec outside the template: same name
    expect(render('ghcr.io/acme/t:1.0.1')).not.toBe(a);
  });

  test('a cdk8s-plus Job, and Indexed Jobs keep pod hostnames within 63 characters', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    const pj = new kplus.Job(chart, 'pj', { containers: [{ image: 'ghcr.io/acme/t:1.0.0' }] });
    hashJobName(pj);
    const long = job(chart, 'long', undefined, { completionMode: 'Indexed', completions: 128, parallelism: 128 }, 'x'.repeat(70));
    hashJobName(long);
    const [plus, indexed] = Testing.synth(chart);
    expect(plus.metadata.name).toMatch(/^c-pj-c8[0-9a-f]+-[0-9a-f]{8}$/);
    // 128 completions: hostnames end in "-127", so the name has 63 - 4 = 59 characters: the 70-character
    // base cut to 59 - 9 - 7 = 43 characters plus its own 6-character hash, then the template hash
    expect(indexed.metadata.name).toMatch(new RegExp(`^x{43}-${sha('x'.repeat(70), 6)}-[0-9a-f]{8}$`));
    expect(indexed.metadata.name).toHaveLength(59);
    expect(`${indexed.metadata.name}-127`).toHaveLength(63);
    expect(maxJobNameLength(128)).toBe(59);
    expect(contentAddressedJobName('train', { b: [1, 2], a: 1 })).toBe(`train-${sha('{"a":1,"b":[1,2]}', 8)}`);
  });

  test('fails on an object that is not a Job', () => {
    const chart = new Chart(Testing.app(), 'c');
    const cm = new k8s.KubeConfigMap(chart, 'cm', {});
    expect(() => hashJobName(cm)).toThrow('c/cm: hashJobName needs a batch Job, got "v1/ConfigMap"');
  });
});

describe('GitOps pass fails', () => {
  test('fails on ttlSecondsAfterFinished on an Argo-managed Job', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    job(chart, 'j', undefined, { ttlSecondsAfterFinished: 3600 });
    expect(() => app.synthYaml()).toThrow('c/j: ttlSecondsAfterFinished (3600) on a Job that Argo CD manages makes it run again');
  });

  test('fails on a finished-object TTL of a JobSet or a Kubeflow training job; accepts it on other kinds, on hooks, and with allowJobTtl', () => {
    const build = (opts: { allowJobTtl?: boolean; hook?: boolean } = {}) => {
      const app = Testing.app();
      GitOps.apply(app, { allowJobTtl: opts.allowJobTtl });
      const chart = new Chart(app, 'c', { namespace: 'team-a' });
      const annotations = opts.hook ? { 'argocd.argoproj.io/hook': 'PostSync' } : undefined;
      new ApiObject(chart, 'js', { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'run', annotations }, spec: { ttlSecondsAfterFinished: 600 } });
      return app;
    };
    expect(() => build().synthYaml()).toThrow('c/js: ttlSecondsAfterFinished (600) on a JobSet that Argo CD manages makes it run again: the TTL controller deletes the finished JobSet and Argo CD recreates it; remove it, make the JobSet an Argo CD hook with a hook-delete-policy, or set allowJobTtl');
    expect(build({ allowJobTtl: true }).synthYaml()).toContain('ttlSecondsAfterFinished: 600');
    expect(build({ hook: true }).synthYaml()).toContain('ttlSecondsAfterFinished: 600');

    const kubeflow = (apiVersion: string, kind: string, spec: Record<string, unknown>) => {
      const app = Testing.app();
      GitOps.apply(app);
      const chart = new Chart(app, 'c', { namespace: 'team-a' });
      new ApiObject(chart, 'kf', { apiVersion, kind, metadata: { name: 'run' }, spec });
      return app;
    };
    expect(() => kubeflow('kubeflow.org/v1', 'PyTorchJob', { runPolicy: { ttlSecondsAfterFinished: 60 } }).synthYaml()).toThrow('c/kf: runPolicy.ttlSecondsAfterFinished (60) on a PyTorchJob that Argo CD manages makes it run again');
    expect(() => kubeflow('kubeflow.org/v1', 'MPIJob', { runPolicy: { ttlSecondsAfterFinished: 0 } }).synthYaml()).toThrow('c/kf: runPolicy.ttlSecondsAfterFinished (0) on a MPIJob that Argo CD manages');
    // the field sits under runPolicy on Kubeflow kinds; elsewhere it is not a finished-object TTL
    expect(kubeflow('kubeflow.org/v1', 'PyTorchJob', { ttlSecondsAfterFinished: 60 }).synthYaml()).toContain('ttlSecondsAfterFinished: 60');
    expect(kubeflow('example.com/v1', 'Job', { runPolicy: { ttlSecondsAfterFinished: 60 } }).synthYaml()).toContain('ttlSecondsAfterFinished: 60');
  });

  test('fails on jobTtl in GitOps mode', () => {
    expect(() => GitOps.apply(Testing.app(), { jobTtl: Duration.hours(1) })).toThrow(/^: jobTtl \(3600 s\) is refused in GitOps mode/);
  });

  test('fails on generateName with kubectl apply', () => {
    const app = Testing.app();
    GitOps.apply(app, { mode: DeliveryMode.KUBECTL });
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    new k8s.KubePod(chart, 'p', { metadata: { generateName: 'run-' }, spec: { containers: [{ name: 'm', image: 'x:1' }] } });
    expect(() => Testing.synth(chart)).toThrow('c/p: metadata.generateName "run-" cannot be used with kubectl apply');
  });

  test('fails on generateName outside a hook in GitOps mode', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    new k8s.KubePod(chart, 'p', { metadata: { generateName: 'run-' }, spec: { containers: [{ name: 'm', image: 'x:1' }] } });
    expect(() => Testing.synth(chart)).toThrow('c/p: metadata.generateName "run-" is only supported by Argo CD on hook resources');
  });

  test('fails on a non-integer sync wave', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const chart = new Chart(app, 'c');
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { annotations: { [SYNC_WAVE_ANNOTATION]: 'first' } } });
    expect(() => Testing.synth(chart)).toThrow('c/cm: annotation argocd.argoproj.io/sync-wave must be an integer, got "first"');
    expect(() => GitOps.apply(Testing.app(), { syncWaves: { ConfigMap: 1.5 } })).toThrow(': syncWaves.ConfigMap must be an integer, got 1.5');
  });

  test('fails when applied twice to the same scope', () => {
    const app = Testing.app();
    GitOps.apply(app);
    expect(() => GitOps.apply(app)).toThrow('GitOps.apply was already called on this scope');
  });
});

describe('GitOps default: apps holding cdk8s-ml constructs get the rules at synth without GitOps.apply', () => {
  /** An app with one cdk8s-ml construct (MlNamespace) and plain cdk8s-plus / L1 objects beside it. */
  function platform(setup: (app: App) => void = () => undefined, extra: (chart: Chart) => void = () => undefined): App {
    const app = Testing.app();
    setup(app);
    const chart = new Chart(app, 'team', { namespace: 'team-a' });
    new MlNamespace(chart, 'team-a', { name: 'team-a' });
    new kplus.ConfigMap(chart, 'settings', { metadata: { name: 'settings' }, data: { a: '1' } });
    new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, containers: [{ image: 'ghcr.io/acme/web:1.0.0' }] });
    extra(chart);
    return app;
  }
  const waveIn = (yaml: string, kind: string) => parseAllDocuments(yaml).map((d) => d.toJSON()).find((m) => m.kind === kind)?.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];

  test('sync waves by kind on every object, the same bytes as with an explicit GitOps.apply(app)', () => {
    const yaml = platform().synthYaml();
    expect(waveIn(yaml, 'Namespace')).toBe('-2');
    expect(waveIn(yaml, 'ConfigMap')).toBe('-1');
    expect(waveIn(yaml, 'Deployment')).toBe('0');
    expect(yaml).toBe(platform((app) => GitOps.apply(app)).synthYaml());
    expect(GitOps.defaultsApplyTo(platform())).toBe(true);
  });

  test('app.synth() (what cdk8s synth runs) applies it too, and a second synth renders the same', () => {
    const app = platform();
    app.synth();
    const files = fs.readdirSync(app.outdir);
    expect(files).toEqual(['team.k8s.yaml']);
    const first = fs.readFileSync(path.join(app.outdir, 'team.k8s.yaml'), 'utf8');
    expect(waveIn(first, 'Deployment')).toBe('0');
    expect(GitOps.modeOf(app)).toBe(DeliveryMode.GITOPS);
    app.synth();
    expect(fs.readFileSync(path.join(app.outdir, 'team.k8s.yaml'), 'utf8')).toBe(first);
    expect(app.synthYaml()).toBe(first);
  });

  test('an explicit GitOps.apply chooses the mode; the default then does nothing', () => {
    const yaml = platform((app) => GitOps.apply(app, { mode: DeliveryMode.KUBECTL })).synthYaml();
    expect(waveIn(yaml, 'Deployment')).toBeUndefined();
    expect(waveIn(yaml, 'ConfigMap')).toBeUndefined();
  });

  test('GitOps.disableDefaults opts out: no waves on objects cdk8s-ml did not make, no Job TTL rule', () => {
    const ttlJob = (chart: Chart) => job(chart, 'cleanup', undefined, { ttlSecondsAfterFinished: 600 }, 'cleanup');
    const app = platform((a) => GitOps.disableDefaults(a), ttlJob);
    expect(GitOps.defaultsApplyTo(app)).toBe(false);
    const yaml = app.synthYaml();
    expect(waveIn(yaml, 'Deployment')).toBeUndefined();
    expect(parseAllDocuments(yaml).map((d) => d.toJSON()).find((m) => m.kind === 'Job').spec.ttlSecondsAfterFinished).toBe(600);
  });

  test('an app without cdk8s-ml constructs is left alone', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'plain');
    new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, containers: [{ image: 'ghcr.io/acme/web:1.0.0' }] });
    expect(waveIn(app.synthYaml(), 'Deployment')).toBeUndefined();
  });

  test('rendering one chart (Testing.synth) applies only explicit settings', () => {
    const app = platform();
    expect(Testing.synth(app.charts[0]).find((m) => m.kind === 'Deployment').metadata.annotations).toBeUndefined();
  });

  test('fails the synth of a default app holding an Argo-managed Job with ttlSecondsAfterFinished', () => {
    const app = platform(undefined, (chart) => job(chart, 'cleanup', undefined, { ttlSecondsAfterFinished: 600 }, 'cleanup'));
    expect(() => app.synthYaml()).toThrow('team/cleanup: ttlSecondsAfterFinished (600) on a Job that Argo CD manages makes it run again');
  });

  test('fails GitOps.disableDefaults after the default was applied by a synth', () => {
    const app = platform();
    app.synthYaml();
    expect(() => GitOps.disableDefaults(app)).toThrow('GitOps.disableDefaults must be called before the first synth of the app');
  });
});
