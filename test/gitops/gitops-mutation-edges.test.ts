/**
 * Edges of the GitOps pass (src/gitops/gitops.ts, sync-wave.ts) that mutation testing found
 * unguarded: which settings govern which objects, the default's bookkeeping, generateName on hooks,
 * the wave annotation's syntax, and objects without metadata or spec. Expected values spelled out.
 */
import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import { hasRenderTransform } from '../../src/core/render';
import { DeliveryMode, GitOps, GitOpsChart, kindKey, syncWaveOf } from '../../src/gitops';
import { MlNamespace } from '../../src/platform';

const WAVE = 'argocd.argoproj.io/sync-wave';
const HOOK = 'argocd.argoproj.io/hook';
const TEMPLATE = { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'x:1' }] } };

function appWith(options?: Parameters<typeof GitOps.apply>[1]): { app: App; chart: Chart } {
  const app = Testing.app();
  GitOps.apply(app, options);
  return { app, chart: new Chart(app, 'c', { namespace: 'team-a' }) };
}

describe('which settings run', () => {
  test('defaultsApplyTo: true for a fresh app and after the automatic default ran, false once GitOps.apply chose', () => {
    const fresh = Testing.app();
    expect(GitOps.defaultsApplyTo(fresh)).toBe(true);

    const automatic = Testing.app();
    new MlNamespace(new Chart(automatic, 'team'), 'team-a', { name: 'team-a' });
    automatic.synthYaml();
    expect(GitOps.modeOf(automatic)).toBe('gitops');
    expect(GitOps.defaultsApplyTo(automatic)).toBe(true);

    const explicit = Testing.app();
    GitOps.apply(explicit);
    expect(GitOps.defaultsApplyTo(explicit)).toBe(false);
    const kubectl = Testing.app();
    GitOps.apply(kubectl, { mode: DeliveryMode.KUBECTL });
    expect(GitOps.defaultsApplyTo(kubectl)).toBe(false);
  });

  test('the automatic settings are made once: a second synth keeps the same settings object', () => {
    const app = Testing.app();
    new MlNamespace(new Chart(app, 'team'), 'team-a', { name: 'team-a' });
    expect(GitOps.of(app)).toBeUndefined();
    app.synthYaml();
    const first = GitOps.of(app);
    expect(first).toBeInstanceOf(GitOps);
    app.synthYaml();
    expect(GitOps.of(app)).toBe(first);
  });

  test('the app\'s settings leave a GitOpsChart\'s objects to the chart: a KUBECTL chart\'s Job keeps its TTL under a GITOPS app', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const chart = new GitOpsChart(app, 'batch', { namespace: 'team-a', gitops: { mode: DeliveryMode.KUBECTL } });
    new ApiObject(chart, 'j', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { ttlSecondsAfterFinished: 30, template: TEMPLATE } } as any);
    expect(app.synthYaml()).toBe([
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: j',
      '  namespace: team-a',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - image: x:1',
      '          name: m',
      '      restartPolicy: Never',
      '  ttlSecondsAfterFinished: 30',
      '',
    ].join('\n'));
  });

  test('every governed object carries the pass under the key "cdk8s-ml:gitops"', () => {
    const { app, chart } = appWith();
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    expect(hasRenderTransform(cm, 'cdk8s-ml:gitops')).toBe(false);
    app.synthYaml();
    expect(hasRenderTransform(cm, 'cdk8s-ml:gitops')).toBe(true);
  });
});

describe('generateName', () => {
  test('GITOPS mode accepts generateName on a hook (Argo CD creates hooks, it does not diff them)', () => {
    const { chart } = appWith();
    const pod = new ApiObject(chart, 'smoke', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { generateName: 'smoke-', annotations: { [HOOK]: 'PostSync' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'x:1' }] },
    } as any);
    pod.addJsonPatch(JsonPatch.remove('/metadata/name'));
    expect(Testing.synth(chart)[0].metadata).toEqual({ generateName: 'smoke-', namespace: 'team-a', annotations: { [HOOK]: 'PostSync' } });
  });

  test('fails on generateName with kubectl apply even on an object annotated as a hook', () => {
    const { chart } = appWith({ mode: DeliveryMode.KUBECTL });
    new ApiObject(chart, 'smoke', { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'smoke-', annotations: { [HOOK]: 'PostSync' } } } as any);
    expect(() => Testing.synth(chart)).toThrow('c/smoke: metadata.generateName "smoke-" cannot be used with kubectl apply (it needs a fixed name); use a content-addressed name (hashJobName)');
  });
});

describe('the sync-wave annotation', () => {
  test('multi-digit waves, positive and negative, are kept as written', () => {
    const { chart } = appWith();
    new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: { [WAVE]: '10' } } });
    new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', annotations: { [WAVE]: '-12' } } });
    expect(Testing.synth(chart).map((m) => m.metadata.annotations[WAVE])).toEqual(['10', '-12']);
  });

  test('fails on a wave with text before or after the digits', () => {
    for (const wave of ['5a', 'a5', '1 ', ' -1', '--1']) {
      const { chart } = appWith();
      new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { [WAVE]: wave } } });
      expect(() => Testing.synth(chart)).toThrow(`c/cm: annotation argocd.argoproj.io/sync-wave must be an integer, got ${JSON.stringify(wave)}`);
    }
  });
});

describe('ttlSecondsAfterFinished', () => {
  test('GITOPS mode checks batch Jobs only: another kind\'s spec.ttlSecondsAfterFinished passes untouched', () => {
    const { chart } = appWith();
    new ApiObject(chart, 'x', { apiVersion: 'example.com/v1', kind: 'Cleanup', metadata: { name: 'x' }, spec: { ttlSecondsAfterFinished: 30 } } as any);
    expect(Testing.synth(chart)).toEqual([{ apiVersion: 'example.com/v1', kind: 'Cleanup', metadata: { name: 'x', namespace: 'team-a' }, spec: { ttlSecondsAfterFinished: 30 } }]);
  });
});

describe('objects without metadata or spec (JSON patches can remove them)', () => {
  test('GITOPS mode: a Job without spec gets its wave; an object without metadata gets metadata with its wave', () => {
    const { chart } = appWith();
    new ApiObject(chart, 'j', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } });
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    cm.addJsonPatch(JsonPatch.remove('/metadata'));
    expect(Testing.synth(chart)).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'team-a', annotations: { [WAVE]: '0' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: { [WAVE]: '-1' } } },
    ]);
  });

  test('KUBECTL mode: a Job without spec gets a spec with jobTtl; an object without metadata is left as it is', () => {
    const { chart } = appWith({ mode: DeliveryMode.KUBECTL, jobTtl: Duration.minutes(10) });
    new ApiObject(chart, 'j', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } });
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    cm.addJsonPatch(JsonPatch.remove('/metadata'));
    expect(Testing.synth(chart)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'team-a' }, spec: { ttlSecondsAfterFinished: 600 } },
    ]);
  });
});

describe('kindKey', () => {
  test('an apiVersion with an empty group before the slash is not taken for the core group', () => {
    expect(kindKey('/v1', 'Namespace')).toBe('/Namespace');
    expect(syncWaveOf('/v1', 'Namespace')).toBeUndefined();
    expect(kindKey('v1', 'Namespace')).toBe('Namespace');
    expect(syncWaveOf('v1', 'Namespace')).toBe(-2);
  });
});
