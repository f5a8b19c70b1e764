/**
 * checkApp itself (src/validation/app/index.ts): which inputs count as objects, a part that
 * throws on an unforeseen shape, the order of findings, rule lookups.
 */
import { APP_RULES, appRuleDescription, checkApp, isAppRule } from '../../../src/validation/app';
import { checkManifests } from '../../../src/validation/check';
import * as capacity from '../../../src/validation/app/capacity';
import * as flows from '../../../src/validation/app/flows';
import * as references from '../../../src/validation/app/references';

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
/** A Deployment in namespace `namespace` (a missing namespace is an app-namespace finding on it). */
const deployment = (name: string, namespace: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
  spec: { replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'x' }] } } },
});

afterEach(() => jest.restoreAllMocks());

test('objectCount counts objects only: null, numbers and scalar YAML are left out, arrays flattened', () => {
  expect(checkApp([null, 3, 'x', [], ns('a'), {}] as any[]).objectCount).toBe(2);
  expect(checkApp([ns('a'), deployment('d', 'a')]).objectCount).toBe(2);
});

describe('a part that throws', () => {
  const BUG_FIX = 'report this as a cdk8s-ml bug with the manifests';

  test('becomes a warning on <app> with the error message, first, and the other parts still run', () => {
    jest.spyOn(flows, 'checkFlows').mockImplementation(() => {
      throw new Error('boom');
    });
    // Findings on the first and the third object (missing namespaces), none on the second.
    const result = checkApp([deployment('first', 'x'), ns('a'), deployment('third', 'y')]);
    expect(result.findings.map((f) => [f.object, f.rule, f.severity, f.message])).toEqual([
      ['<app>', 'app-declaration', 'warning', 'the app check skipped a part on unexpected input: "boom"'],
      ['Deployment/x/first', 'app-namespace', 'error', 'namespace "x" (used by 1 object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace'],
      ['Deployment/y/third', 'app-namespace', 'error', 'namespace "y" (used by 1 object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace'],
    ]);
    expect(result.findings[0]).toEqual({ object: '<app>', path: '/', rule: 'app-declaration', severity: 'warning', message: 'the app check skipped a part on unexpected input: "boom"', fix: BUG_FIX });
    expect([result.valid, result.errorCount, result.warningCount]).toEqual([false, 2, 1]);
  });

  test('a thrown value that is no Error is shown as itself', () => {
    const messages = (thrown: unknown) => {
      jest.spyOn(capacity, 'checkCapacity').mockImplementation(() => {
        throw thrown;
      });
      return checkApp([ns('a')]).findings.map((f) => f.message);
    };
    expect(messages('bad shape')).toEqual(['the app check skipped a part on unexpected input: "bad shape"']);
    expect(messages(null)).toEqual(['the app check skipped a part on unexpected input: "null"']);
    expect(messages({ message: '' })).toEqual(['the app check skipped a part on unexpected input: ""']);
    expect(messages(7)).toEqual(['the app check skipped a part on unexpected input: "7"']);
  });

  test('its warning comes before the findings on the first object, whichever part found them first', () => {
    jest.spyOn(references, 'checkReferences').mockImplementation(() => {
      throw new Error('early');
    });
    const onFirst = { object: 'Deployment/x/first', path: '/spec', rule: 'app-flow', severity: 'error' as const, message: 'm', fix: 'f' };
    jest.spyOn(flows, 'checkFlows').mockReturnValue([onFirst]);
    expect(checkApp([deployment('first', 'x'), ns('a')]).findings.map((f) => f.object)).toEqual(['<app>', 'Deployment/x/first']);
  });

  test('checkManifests puts that warning (on no input object) before the schema and policy findings of the first object', () => {
    jest.spyOn(flows, 'checkFlows').mockImplementation(() => {
      throw new Error('boom');
    });
    const found = checkManifests([deployment('first', 'x'), ns('a'), deployment('third', 'y')], { kubernetesVersion: '1.28' }).findings;
    const firstOther = found.findIndex((f) => f.object !== '<app>');
    expect(found.slice(0, firstOther).map((f) => `${f.source} ${f.message}`)).toEqual(['app the app check skipped a part on unexpected input: "boom"']);
    // then every finding on the first object (schema, policy, app), then the third's
    const objects = found.slice(firstOther).map((f) => f.object);
    expect(objects.indexOf('Deployment/y/third')).toBeGreaterThan(objects.lastIndexOf('Deployment/x/first'));
    expect(new Set(found.filter((f) => f.object === 'Deployment/x/first').map((f) => f.source))).toEqual(new Set(['policy', 'app']));
  });

  test('two parts throwing the same error give one warning', () => {
    jest.spyOn(flows, 'checkFlows').mockImplementation(() => {
      throw new Error('same');
    });
    jest.spyOn(capacity, 'checkCapacity').mockImplementation(() => {
      throw new Error('same');
    });
    expect(checkApp([ns('a')]).findings).toHaveLength(1);
  });
});

describe('rules and disable annotations', () => {
  const missingNs = (annotations?: Record<string, string>) => ({ ...deployment('d', 'x'), metadata: { name: 'd', namespace: 'x', ...(annotations ? { annotations } : {}) } });

  test('a rule set to error or warning changes the severity of its findings, whatever their own', () => {
    jest.spyOn(flows, 'checkFlows').mockImplementation(() => {
      throw new Error('boom');
    });
    const result = checkApp([missingNs()], { rules: { 'app-declaration': 'error', 'app-namespace': 'warning', 'image-tag': 'off' } });
    expect(result.findings.map((f) => [f.object, f.rule, f.severity])).toEqual([['<app>', 'app-declaration', 'error'], ['Deployment/x/d', 'app-namespace', 'warning']]);
    expect([result.valid, result.errorCount, result.warningCount]).toEqual([false, 1, 1]);
  });

  test('the disable annotation needs a reason: empty or blank, it disables nothing', () => {
    const key = 'cdk8s-ml.io/disable-policy.app-namespace';
    expect(checkApp([missingNs({ [key]: 'the namespace is made by the platform team' })]).findings).toEqual([]);
    expect(checkApp([missingNs({ [key]: '' })]).findings.map((f) => f.rule)).toEqual(['app-namespace']);
    expect(checkApp([missingNs({ [key]: '  ' })]).findings.map((f) => f.rule)).toEqual(['app-namespace']);
    expect(checkApp([missingNs({ 'cdk8s-ml.io/disable-policy.app-flow': 'not this rule' })]).findings.map((f) => f.rule)).toEqual(['app-namespace']);
  });

  test('of two objects with the same kind, namespace and name, the first one\'s annotations decide', () => {
    const key = 'cdk8s-ml.io/disable-policy.app-namespace';
    expect(checkApp([missingNs({ [key]: 'made elsewhere' }), missingNs()]).findings).toEqual([]);
    expect(checkApp([missingNs(), missingNs({ [key]: 'made elsewhere' })]).findings.map((f) => f.rule)).toEqual(['app-namespace']);
  });

  test('a malformed declaration is an app-declaration finding at its annotation', () => {
    const bad = missingNs({ 'ml.cdk8s.io/flows': '{}' });
    const found = checkApp([{ ...ns('x') }, bad]).findings;
    expect(found.map((f) => [f.object, f.path, f.rule])).toEqual([['Deployment/x/d', '/metadata/annotations/ml.cdk8s.io~1flows', 'app-declaration']]);
    expect(found[0].fix).toBe('write the annotation as the cdk8s-ml core helpers do (declareFlows / declareExternal): a JSON array of well-formed items');
  });
});

test('a finding on an object an Argo template creates lands on the Workflow, at the template\'s manifest', () => {
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'wf', namespace: 'a' },
    spec: { entrypoint: 'make', templates: [{ name: 'make', resource: { action: 'create', manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made\n  namespace: elsewhere\n' } }] },
  };
  expect(checkApp([ns('a'), wf]).findings.map((f) => [f.object, f.path, f.message])).toEqual([[
    'Workflow/a/wf',
    '/spec/templates/0/resource/manifest#/metadata/namespace',
    'ConfigMap/elsewhere/made (created by template "make"): namespace "elsewhere" (used by 1 object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace',
  ]]);
});

test('findings follow the order of the objects they are on, whatever order the parts found them in', () => {
  // The namespace part reports in object order; a LocalQueue's ClusterQueue is checked after
  // every namespace, yet its finding comes first (first object).
  const lq = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'q', namespace: 'a' }, spec: { clusterQueue: 'missing' } };
  const result = checkApp([lq, ns('a'), deployment('d', 'x')]);
  expect(result.findings.map((f) => [f.object, f.rule])).toEqual([['LocalQueue/a/q', 'app-reference'], ['Deployment/x/d', 'app-namespace']]);
});

test('rule lookups', () => {
  expect(APP_RULES.map((r) => r.id)).toEqual([
    'app-declaration', 'app-reference', 'app-namespace', 'app-selector', 'app-flow', 'app-dns', 'app-quota', 'app-queue-capacity', 'app-rwo-claim', 'app-shared-claim',
  ]);
  expect([isAppRule('app-flow'), isAppRule('app-flows'), isAppRule('image-tag'), isAppRule('')]).toEqual([true, false, false, false]);
  expect(appRuleDescription('app-dns')).toBe('Every egress-isolated pod may reach kube-dns on UDP and TCP 53.');
  expect(appRuleDescription('app-rwo-claim')).toBe('A ReadWriteOnce/ReadWriteOncePod claim is mounted by at most one pod at a time.');
  expect(appRuleDescription('image-tag')).toBeUndefined();
  // every rule is an error by default and is described by a full sentence (reports print it)
  for (const r of APP_RULES) {
    expect(r.severity).toBe('error');
    expect(r.description).toMatch(/^[A-Z][^\n]{30,}\.$/);
  }
});
