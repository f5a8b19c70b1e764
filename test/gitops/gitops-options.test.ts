/**
 * GitOps options and the branches of its pass (src/gitops/gitops.ts) not covered by
 * gitops.test.ts: bad options, hooks and allowJobTtl, what KUBECTL mode keeps. Values spelled out.
 */
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import { ARGOCD_ANNOTATION_PREFIX, ARGOCD_HOOK_ANNOTATION, DeliveryMode, GitOps } from '../../src/gitops/gitops';

const TEMPLATE = { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'x:1' }] } };

function job(chart: Chart, id: string, annotations?: Record<string, string>, spec: Record<string, unknown> = {}): ApiObject {
  return new ApiObject(chart, id, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: id, annotations }, spec: { ...spec, template: TEMPLATE } } as any);
}

test('the Argo CD annotation names', () => {
  expect(ARGOCD_ANNOTATION_PREFIX).toBe('argocd.argoproj.io/');
  expect(ARGOCD_HOOK_ANNOTATION).toBe('argocd.argoproj.io/hook');
  expect(Object.values(DeliveryMode)).toEqual(['gitops', 'kubectl']);
});

test('fails on a mode that is not a DeliveryMode', () => {
  expect(() => GitOps.apply(Testing.app(), { mode: 'helm' as DeliveryMode })).toThrow(/^: mode must be a DeliveryMode, got "helm"$/);
});

test('fails on a sync wave override that is not an integer', () => {
  expect(() => GitOps.apply(Testing.app(), { syncWaves: { ConfigMap: 1.5 } })).toThrow(/^: syncWaves\.ConfigMap must be an integer, got 1\.5$/);
});

test('fails on a jobTtl that is not a whole number of seconds (kubectl mode)', () => {
  expect(() => GitOps.apply(Testing.app(), { mode: DeliveryMode.KUBECTL, jobTtl: Duration.millis(1500) })).toThrow(/^: jobTtl must be a whole number of seconds, got 1\.5$/);
  expect(() => GitOps.apply(Testing.app(), { jobTtl: Duration.millis(1500) })).toThrow(/^: jobTtl \(1\.5 s\) is refused in GitOps mode/);
  expect(() => GitOps.apply(Testing.app(), { mode: DeliveryMode.KUBECTL, jobTtl: Duration.seconds(0) })).not.toThrow();
});

test('a Job with ttlSecondsAfterFinished is accepted as an Argo CD hook or with allowJobTtl', () => {
  const hooked = Testing.app();
  GitOps.apply(hooked);
  const c1 = new Chart(hooked, 'c', { namespace: 'a' });
  job(c1, 'j', { [ARGOCD_HOOK_ANNOTATION]: 'PostSync' }, { ttlSecondsAfterFinished: 60 });
  const [hookJob] = Testing.synth(c1);
  // a hook gets no sync wave either
  expect(hookJob.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PostSync' });

  const allowed = Testing.app();
  GitOps.apply(allowed, { allowJobTtl: true });
  const c2 = new Chart(allowed, 'c', { namespace: 'a' });
  job(c2, 'j', undefined, { ttlSecondsAfterFinished: 60 });
  expect(Testing.synth(c2)[0].spec.ttlSecondsAfterFinished).toBe(60);
});

test('a negative integer wave set by the user is kept', () => {
  const app = Testing.app();
  GitOps.apply(app);
  const c = new Chart(app, 'c', { namespace: 'a' });
  job(c, 'j', { 'argocd.argoproj.io/sync-wave': '-3' });
  expect(Testing.synth(c)[0].metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-3' });
});

test('KUBECTL mode: only the Argo CD annotations go; a Job\'s own TTL is kept; other kinds get none', () => {
  const app = Testing.app();
  GitOps.apply(app, { mode: DeliveryMode.KUBECTL, jobTtl: Duration.hours(1) });
  const c = new Chart(app, 'c', { namespace: 'a' });
  job(c, 'mixed', { 'argocd.argoproj.io/sync-wave': '1', 'team': 'a', 'argocd.argoproj.io/hook': 'Sync' });
  job(c, 'own', undefined, { ttlSecondsAfterFinished: 5 });
  new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { team: 'a' } } });
  const byName = (name: string) => Testing.synth(c).find((m) => m.metadata.name === name);
  const [mixed, own, cm] = [byName('mixed'), byName('own'), byName('cm')];
  expect(mixed.metadata.annotations).toEqual({ team: 'a' });
  expect(mixed.spec.ttlSecondsAfterFinished).toBe(3600);
  expect(own.spec.ttlSecondsAfterFinished).toBe(5);
  expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a', annotations: { team: 'a' } } });
});

test('KUBECTL mode orders each chart\'s objects by wave, whatever the order they were added in', () => {
  const app = Testing.app();
  GitOps.apply(app, { mode: DeliveryMode.KUBECTL });
  const c = new Chart(app, 'c');
  job(c, 'j');
  new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  expect(Testing.synth(c).map((m) => m.kind)).toEqual(['Namespace', 'ConfigMap', 'Job']);
});

test('GitOps.of finds the nearest setting; modeOf is undefined without one', () => {
  const app = Testing.app();
  const appLevel = GitOps.apply(app);
  const c = new Chart(app, 'c');
  const inner = new Chart(app, 'inner');
  const chartLevel = GitOps.apply(inner, { mode: DeliveryMode.KUBECTL });
  expect(GitOps.of(c)).toBe(appLevel);
  expect(GitOps.of(inner)).toBe(chartLevel);
  expect(GitOps.modeOf(inner)).toBe('kubectl');
  expect(GitOps.modeOf(new Chart(Testing.app(), 'x'))).toBeUndefined();
  expect(appLevel.syncWave('v1', 'ConfigMap')).toBe(-1);
});
