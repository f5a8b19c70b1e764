import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { CheckFinding, checkManifests, formatCheckReport } from '../../src/validation/check';
import { POLICY_RULES, checkPolicies, disablePolicyAnnotation, embeddedObjects } from '../../src/validation/policies';
import { APP_RULES } from '../../src/validation/app';
import { kindName } from '../../src/validation/policies/rule';
import { deployment, findings, job, namespace, networkPolicy, pdb, service, specOf } from './manifests';

describe('argocd-job-ttl', () => {
  const ttl = { ttlSecondsAfterFinished: 3600 };

  test('passes a TTL on a Job Argo CD does not manage, and an Argo-managed Job without TTL', () => {
    expect(findings([job({}, ttl)], 'argocd-job-ttl')).toEqual([]);
    expect(findings([job({ annotations: { 'argocd.argoproj.io/sync-wave': '2' } })], 'argocd-job-ttl')).toEqual([]);
  });

  test('fails a TTL on a Job with argocd annotations', () => {
    const found = findings([job({ annotations: { 'argocd.argoproj.io/sync-wave': '2' } }, ttl)], 'argocd-job-ttl');
    expect(found.map((f) => [f.path, f.message])).toEqual([
      ['/spec/ttlSecondsAfterFinished', 'ttlSecondsAfterFinished 3600 on a Job managed by Argo CD (it carries argocd.argoproj.io/* annotations) makes it run again after the TTL deletes it'],
    ]);
  });

  test('fails a TTL on any Job, JobSet or PyTorchJob with gitops: true', () => {
    const jobset = { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'js' }, spec: { ttlSecondsAfterFinished: 60, replicatedJobs: [] } };
    const pytorch = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'pt' }, spec: { runPolicy: { ttlSecondsAfterFinished: 60 }, pytorchReplicaSpecs: {} } };
    const found = findings([job({}, ttl), jobset, pytorch], 'argocd-job-ttl', { gitops: true });
    expect(found.map((f) => [f.object, f.path])).toEqual([
      ['Job/team-a/train-1a2b3c4d', '/spec/ttlSecondsAfterFinished'],
      ['JobSet/js', '/spec/ttlSecondsAfterFinished'],
      ['PyTorchJob/pt', '/spec/runPolicy/ttlSecondsAfterFinished'],
    ]);
  });
});

test('input entries that are no object (null, strings, numbers, booleans) are left out, never thrown on', () => {
  const objects = [deployment(), networkPolicy()];
  const plain = checkPolicies(objects).findings;
  expect(checkPolicies([null, 'kind: Job', 5, true, ...objects] as any[]).findings).toEqual(plain);
});

describe('argocd-job-ttl edges', () => {
  test('only argocd.argoproj.io/* annotations make a Job Argo-managed', () => {
    expect(findings([job({ annotations: { 'example.com/owner': 'ml' } }, { ttlSecondsAfterFinished: 60 })], 'argocd-job-ttl')).toEqual([]);
  });

  test('objects without apiVersion or metadata are skipped, never thrown on', () => {
    const bare = { kind: 'Job', metadata: { name: 'j' }, spec: { ttlSecondsAfterFinished: 60 } };
    expect(findings([bare], 'argocd-job-ttl', { gitops: true })).toEqual([]);
    const anonymous = { apiVersion: 'batch/v1', kind: 'Job', spec: { ttlSecondsAfterFinished: 60 } };
    expect(findings([anonymous], 'argocd-job-ttl')).toEqual([]);
  });

  test('the rule as listed: id, severity, description and fix', () => {
    const rule = POLICY_RULES.find((r) => r.id === 'argocd-job-ttl')!;
    expect([rule.severity, rule.description, rule.fix]).toEqual([
      'error',
      'A Job synced by Argo CD has no ttlSecondsAfterFinished: the TTL controller deletes the finished Job, Argo CD sees it missing and recreates it, and the training runs again.',
      'Remove ttlSecondsAfterFinished; let Argo CD prune Jobs that Git no longer declares (cdk8s-ml names Jobs by a hash of their template, so a changed spec is a new Job).',
    ]);
  });
});

describe('disable annotations', () => {
  test('an annotation with a reason disables the rule on that object only', () => {
    const j = job({ annotations: { [disablePolicyAnnotation('service-account-token')]: 'lists pods of its job through the API' } });
    delete specOf(j).automountServiceAccountToken;
    const other = job();
    other.metadata.name = 'other';
    delete specOf(other).automountServiceAccountToken;
    expect(findings([j, other], 'service-account-token').map((f) => f.object)).toEqual(['Job/team-a/other']);
  });

  test('fails an annotation without a reason, and the rule still applies', () => {
    const j = job({ annotations: { [disablePolicyAnnotation('image-tag')]: ' ' } });
    specOf(j).containers[0].image = 'app:latest';
    const result = checkPolicies([j, networkPolicy()]);
    expect(result.findings.map((f) => [f.rule, f.severity, f.path])).toEqual([
      ['policy-annotation', 'error', '/metadata/annotations/cdk8s-ml.io~1disable-policy.image-tag'],
      ['image-tag', 'error', '/spec/template/spec/containers/0/image'],
    ]);
    expect(result.findings[0].message).toBe('annotation cdk8s-ml.io/disable-policy.image-tag disables rule image-tag without a reason: a reason is required, so the rule still applies');
  });

  test('a disable annotation with a reason is no finding itself; each annotation finding carries its fix', () => {
    const ok = job({ annotations: { [disablePolicyAnnotation('image-tag')]: 'pinned by CI' } });
    expect(findings([ok, networkPolicy()], 'policy-annotation')).toEqual([]);
    const typo = job({ annotations: { [disablePolicyAnnotation('image-tags')]: 'typo' } });
    expect(findings([typo, networkPolicy()], 'policy-annotation')[0].fix).toMatch(/^Use one of: pss-host-process, pss-host-namespaces, /);
    // app rules are disabled by the same annotation: their ids are offered too
    expect(findings([typo, networkPolicy()], 'policy-annotation')[0].fix).toMatch(/, argocd-job-ttl, app-declaration, app-reference, .*, app-shared-claim\.$/);
    const counted = checkPolicies([typo, networkPolicy()]);
    expect([counted.errorCount, counted.warningCount, counted.valid, counted.objectCount]).toEqual([0, 1, true, 2]);
    specOf(typo).containers[0].image = 'app:latest';
    const both = checkPolicies([typo, networkPolicy()]);
    expect([both.errorCount, both.warningCount, both.valid]).toEqual([1, 1, false]);
    const empty = job({ annotations: { [disablePolicyAnnotation('image-tag')]: '' } });
    expect(findings([empty, networkPolicy()], 'policy-annotation').map((f) => [f.path, f.fix])).toEqual([[
      '/metadata/annotations/cdk8s-ml.io~1disable-policy.image-tag',
      'Say why the rule does not apply, e.g. cdk8s-ml.io/disable-policy.image-tag: "needs the Kubernetes API to list pods"',
    ]]);
    // a reason that is no string counts as none
    const numeric = job({ annotations: { [disablePolicyAnnotation('image-tag')]: 5 as any } });
    expect(findings([numeric, networkPolicy()], 'policy-annotation').map((f) => f.severity)).toEqual(['error']);
  });

  test('an object without metadata is checked, never thrown on', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'main', image: 'app:latest' }] } };
    expect(findings([bare, networkPolicy()], 'image-tag').map((f) => f.path)).toEqual(['/spec/containers/0/image']);
    // a Deployment without metadata, scaled by an HPA in the default namespace whose target has no name either
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 3, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [] } } } };
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment' }, minReplicas: 2 } };
    expect(checkPolicies([deployment, hpa]).findings.filter((f) => f.rule === 'pdb-required' || f.rule === 'hpa-replicas').map((f) => `${f.object} ${f.rule} ${f.message}`)).toEqual([
      'Deployment/<no name> pdb-required the Deployment is scaled by HorizontalPodAutoscaler/h but no PodDisruptionBudget in its namespace selects its pods',
      'Deployment/<no name> hpa-replicas the Deployment sets replicas 3 but is scaled by HorizontalPodAutoscaler/h',
    ]);
  });

  test('argocd-job-ttl: an Argo-managed Job without spec, or a PyTorchJob without runPolicy, has no TTL to report', () => {
    const noSpec = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'a' } };
    const noRunPolicy = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'p', namespace: 'a' }, spec: { pytorchReplicaSpecs: {} } };
    expect(checkPolicies([noSpec, noRunPolicy], { gitops: true }).findings.filter((f) => f.rule === 'argocd-job-ttl')).toEqual([]);
    const withTtl = { ...noRunPolicy, spec: { pytorchReplicaSpecs: {}, runPolicy: { ttlSecondsAfterFinished: 60 } } };
    expect(checkPolicies([withTtl], { gitops: true }).findings.filter((f) => f.rule === 'argocd-job-ttl').map((f) => [f.path, f.message])).toEqual([[
      '/spec/runPolicy/ttlSecondsAfterFinished',
      'ttlSecondsAfterFinished 60 on a PyTorchJob managed by Argo CD (the check runs with gitops: true) makes it run again after the TTL deletes it',
    ]]);
    // an explicit null is no TTL
    const nullTtl = { ...noRunPolicy, spec: { pytorchReplicaSpecs: {}, runPolicy: { ttlSecondsAfterFinished: null } } };
    expect(checkPolicies([nullTtl], { gitops: true }).findings.filter((f) => f.rule === 'argocd-job-ttl')).toEqual([]);
  });

  test('kindName names what is missing', () => {
    expect(kindName({ kind: 'Job', metadata: { name: 'j' } })).toBe('Job/j');
    expect(kindName({})).toBe('<no kind>/<no name>');
    expect(kindName(undefined)).toBe('<no kind>/<no name>');
  });

  test('warns about an annotation naming an unknown rule', () => {
    const j = job({ annotations: { [disablePolicyAnnotation('image-tags')]: 'typo' } });
    expect(findings([j, networkPolicy()], 'policy-annotation')).toEqual([
      expect.objectContaining({ severity: 'warning', message: 'annotation cdk8s-ml.io/disable-policy.image-tags names no known rule "image-tags"' }),
    ]);
  });
});

describe('options', () => {
  test('rules: off skips a rule, a severity overrides it', () => {
    const d = deployment();
    delete specOf(d).containers[0].livenessProbe;
    const stack = [d, service(), pdb(), networkPolicy()];
    expect(checkPolicies(stack).valid).toBe(false);
    expect(checkPolicies(stack, { rules: { 'deployment-probes': 'off' } }).findings).toEqual([]);
    const downgraded = checkPolicies(stack, { rules: { 'deployment-probes': 'warning' } });
    expect(downgraded).toMatchObject({ valid: true, errorCount: 0, warningCount: 1 });
  });

  test('each setting is accepted: error and warning set the severity, off drops the rule', () => {
    const j = job();
    delete specOf(j).containers[0].resources;
    const severities = (setting: any) => checkPolicies([j, networkPolicy()], { rules: { resources: setting } }).findings.filter((f) => f.rule === 'resources').map((f) => f.severity);
    expect([severities('error'), severities('warning'), severities('off')]).toEqual([['error'], ['warning'], []]);
  });

  test('the unknown-id error lists the known ids separated by commas', () => {
    expect(() => checkPolicies([], { rules: { 'no-such-rule': 'off' } })).toThrow('; known: pss-host-process, pss-host-namespaces, pss-privileged, ');
  });

  test('findings come in input order of their objects, then in rule order', () => {
    const noResources = job();
    noResources.metadata.name = 'first';
    delete specOf(noResources).containers[0].resources;
    specOf(noResources).containers[0].image = 'app:latest';
    const latest = job();
    latest.metadata.name = 'second';
    specOf(latest).containers[0].image = 'app:latest';
    const found = checkPolicies([latest, noResources, networkPolicy()]).findings.map((f) => `${f.object} ${f.rule}`);
    expect(found).toEqual(['Job/team-a/second image-tag', 'Job/team-a/first resources', 'Job/team-a/first image-tag']);
  });

  test('fails an unknown rule id or setting', () => {
    expect(() => checkPolicies([], { rules: { 'no-such-rule': 'off' } })).toThrow(/unknown rule id "no-such-rule" in options.rules; known: pss-host-process/);
    expect(() => checkPolicies([], { rules: { resources: 'ignore' as any } })).toThrow(/rule resources must be set to "error", "warning" or "off", got "ignore"/);
    // checkPolicies alone knows only policy rules; checkManifests knows both
    expect(() => checkPolicies([], { rules: { 'app-flow': 'off' } })).toThrow('checkPolicies: unknown rule id "app-flow" in options.rules');
  });

  test('checkManifests checks every rule setting, policy and app, even of a check that is off', () => {
    const known = [...POLICY_RULES.map((r) => r.id), ...APP_RULES.map((r) => r.id)].join(', ');
    expect(() => checkManifests([], { rules: { 'no-such-rule': 'off' } })).toThrow(`checkManifests: unknown rule id "no-such-rule" in options.rules; known: ${known}`);
    expect(() => checkManifests([], { policies: false, app: false, rules: { 'no-such-rule': 'off' } })).toThrow('checkManifests: unknown rule id "no-such-rule"');
    expect(() => checkManifests([], { policies: false, rules: { 'app-flow': 'ignore' as any } }))
      .toThrow('checkManifests: rule app-flow must be set to "error", "warning" or "off", got "ignore"');
    expect(() => checkManifests([], { app: false, rules: { resources: 'ignore' as any } }))
      .toThrow('checkManifests: rule resources must be set to "error", "warning" or "off", got "ignore"');
  });

  test('checkManifests passes policy settings to the policy rules and app settings to the app check, both in one call', () => {
    const j = job();
    delete specOf(j).automountServiceAccountToken;
    specOf(j).containers[0].image = 'app:latest';
    specOf(j).serviceAccountName = 'missing';
    const rulesOf = (r: ReturnType<typeof checkManifests>) => r.findings.map((f) => `${f.source} ${f.rule} ${f.severity}`);
    const objects = [j, networkPolicy(), namespace()];
    expect(rulesOf(checkManifests(objects, { schema: false }))).toEqual([
      'policy image-tag error', 'policy service-account-token warning', 'app app-reference error',
    ]);
    expect(rulesOf(checkManifests(objects, { schema: false, rules: { 'image-tag': 'warning', 'app-reference': 'off' } }))).toEqual([
      'policy image-tag warning', 'policy service-account-token warning',
    ]);
    expect(rulesOf(checkManifests(objects, { schema: false, rules: { 'service-account-token': 'off', 'app-reference': 'warning' } }))).toEqual([
      'policy image-tag error', 'app app-reference warning',
    ]);
  });

  test('every rule has a unique id, a description and a fix', () => {
    const ids = POLICY_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of POLICY_RULES) {
      expect(r.id).toMatch(/^[a-z0-9-]+$/);
      expect(r.description.length).toBeGreaterThan(20);
      expect(r.fix.length).toBeGreaterThan(20);
    }
  });
});

describe('checkManifests', () => {
  const badJob = () => {
    const j = job();
    specOf(j).containers[0].image = 'app:latest';
    specOf(j).containers[0].imagePullPolicy = 'always';
    return j;
  };

  test('combines schema and policy findings, grouped by object', () => {
    const result = checkManifests([networkPolicy(), badJob(), namespace()]);
    expect(result.findings.map((f: CheckFinding) => [f.object, f.source, f.rule, f.severity])).toEqual([
      ['Job/team-a/train-1a2b3c4d', 'schema', 'enum', 'error'],
      ['Job/team-a/train-1a2b3c4d', 'policy', 'image-tag', 'error'],
    ]);
    expect(result).toMatchObject({ valid: false, objectCount: 3, errorCount: 2, warningCount: 0 });
  });

  test('groups every source by object in input order; an object given twice is placed at its first appearance', () => {
    const second = badJob();
    second.metadata.name = 'second';
    const first = badJob();
    first.metadata.name = 'first';
    const order = (objects: any[]) => checkManifests(objects).findings.map((f: CheckFinding) => `${f.object} ${f.source} ${f.rule}`);
    expect(order([second, networkPolicy(), first, namespace()])).toEqual([
      'Job/team-a/second schema enum', 'Job/team-a/second policy image-tag',
      'Job/team-a/first schema enum', 'Job/team-a/first policy image-tag',
    ]);
    // `second` again after `first`: its findings (twice, one per copy) stay before those of `first`
    expect(order([second, networkPolicy(), first, second, namespace()])).toEqual([
      'Job/team-a/second schema enum', 'Job/team-a/second schema enum', 'Job/team-a/second policy image-tag', 'Job/team-a/second policy image-tag',
      'Job/team-a/first schema enum', 'Job/team-a/first policy image-tag',
    ]);
  });

  test('accepts YAML, charts and apps; runs one side only on request', () => {
    const yaml = [networkPolicy(), badJob(), namespace()].map((o) => stringify(o)).join('---\n');
    expect(checkManifests(yaml, { policies: false }).findings.map((f) => f.rule)).toEqual(['enum']);
    expect(checkManifests(yaml, { schema: false }).findings.map((f) => f.rule)).toEqual(['image-tag']);
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'team-a' });
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { password: 'hunter2' } });
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'team-a' } });
    expect(checkManifests(chart).findings.map((f) => f.rule)).toEqual(['literal-secret']);
    expect(checkManifests(app).objectCount).toBe(2);
  });

  test('strict: warnings fail', () => {
    const j = job();
    delete specOf(j).automountServiceAccountToken;
    expect(checkManifests([j, networkPolicy(), namespace()]).valid).toBe(true);
    expect(checkManifests([j, networkPolicy(), namespace()], { strict: true }).valid).toBe(false);
  });

  test('formats a readable report', () => {
    const report = formatCheckReport(checkManifests([badJob(), networkPolicy(), namespace()]).findings, { fixes: true });
    const lines = report.split('\n');
    expect(lines[0]).toMatch(/^Job\/team-a\/train-[0-9a-f]{8}$/);
    expect(lines.slice(1)).toEqual([
      '  error   /spec/template/spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "always"',
      '  error   /spec/template/spec/containers/0/image [image-tag] image of container "main" must not use the "latest" tag (pin a version or digest), got "app:latest"',
      '          fix: Pin the image to a version tag (e.g. ghcr.io/acme/trainer:1.4.2) or a digest (@sha256:...).',
    ]);
    expect(report).toMatchSnapshot();
  });

  test('formats findings grouped by object in order of first appearance, with involved objects and fixes only when asked', () => {
    const f = (object: string, severity: 'error' | 'warning', rule: string, extra: Partial<CheckFinding> = {}): CheckFinding =>
      ({ object, path: '/spec', rule, message: `${rule} message`, severity, source: 'policy', ...extra } as CheckFinding);
    const list = [
      f('Job/a/j', 'error', 'r1', { fix: 'do x' }),
      f('Service/a/s', 'warning', 'r2', { related: ['Job/a/j', 'Pod/a/p'] }),
      f('Job/a/j', 'warning', 'r3', { related: [] }),
    ];
    expect(formatCheckReport(list)).toBe([
      'Job/a/j',
      '  error   /spec [r1] r1 message',
      '  warning /spec [r3] r3 message',
      'Service/a/s',
      '  warning /spec [r2] r2 message',
      '          involves: Job/a/j, Pod/a/p',
    ].join('\n'));
    expect(formatCheckReport(list, { fixes: true }).split('\n')[2]).toBe('          fix: do x');
    expect(formatCheckReport([])).toBe('');
  });
});

describe('objects created by Argo Workflows resource templates', () => {
  const workflowTemplate = (annotations: Record<string, string> = {}) => {
    const inner = job();
    inner.metadata.name = '{{workflow.name}}-train';
    specOf(inner).containers[0].image = 'app:latest';
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: 'nightly', namespace: 'team-a', annotations },
      spec: { templates: [{ name: 'train', resource: { action: 'create', manifest: JSON.stringify(inner, null, 2) } }] },
    };
  };

  test('fails a bad pod template inside the manifest string, reported on the WorkflowTemplate', () => {
    expect(findings([workflowTemplate(), networkPolicy()], 'image-tag').map((f) => [f.object, f.path, f.message])).toEqual([[
      'WorkflowTemplate/team-a/nightly',
      '/spec/templates/0/resource/manifest#/spec/template/spec/containers/0/image',
      'Job/team-a/{{workflow.name}}-train (created by template "train"): image of container "main" must not use the "latest" tag (pin a version or digest), got "app:latest"',
    ]]);
  });

  test('a CronWorkflow\'s templates sit under spec.workflowSpec', () => {
    const wt = workflowTemplate();
    const cron = { ...wt, kind: 'CronWorkflow', metadata: { ...wt.metadata, name: 'cron' }, spec: { schedule: '0 3 * * *', workflowSpec: wt.spec } };
    expect(findings([cron, networkPolicy()], 'image-tag').map((f) => [f.object, f.path])).toEqual([
      ['CronWorkflow/team-a/cron', '/spec/workflowSpec/templates/0/resource/manifest#/spec/template/spec/containers/0/image'],
    ]);
    // a CronWorkflow without workflowSpec, or without spec, creates nothing; nor do templates that are no list
    expect(findings([{ ...cron, spec: { schedule: '0 3 * * *' } }, networkPolicy()], 'image-tag')).toEqual([]);
    expect(embeddedObjects([{ ...cron, spec: undefined }]).size).toBe(0);
    expect(embeddedObjects([{ ...wt, spec: { templates: { train: wt.spec.templates[0] } } }]).size).toBe(0);
  });

  test('templates without a manifest string, and manifests that are no object or not valid YAML, create nothing', () => {
    const wt = workflowTemplate();
    const inner = JSON.parse(wt.spec.templates[0].resource.manifest);
    const broken = `${JSON.stringify(inner, null, 2)}\nextra: [\n`;
    const templates = [null, { name: 'steps', steps: [] }, { name: 'n', resource: { manifest: 5 } },
      { name: 'list', resource: { manifest: '- a\n- b' } }, { name: 'word', resource: { manifest: 'hello' } }, { name: 'empty', resource: { manifest: '' } },
      { name: 'broken', resource: { manifest: broken } }];
    const result = checkPolicies([{ ...wt, spec: { templates } }, networkPolicy()]);
    expect(result.findings.filter((f) => f.path.includes('#'))).toEqual([]);
    expect([...embeddedObjects([{ ...wt, spec: { templates } }]).values()]).toEqual([]);
    expect([...embeddedObjects([wt]).values()].map((e) => [e.at, e.template])).toEqual([['/spec/templates/0/resource/manifest', 'train']]);
  });

  test('only Argo Workflows kinds of argoproj.io are read for resource templates', () => {
    const wt = workflowTemplate();
    expect(findings([{ ...wt, apiVersion: 'example.com/v1' }, networkPolicy()], 'image-tag')).toEqual([]);
    expect(findings([{ ...wt, kind: 'Application' }, networkPolicy()], 'image-tag')).toEqual([]);
  });

  test('passes when the WorkflowTemplate disables the rule with a reason', () => {
    const wt = workflowTemplate({ [disablePolicyAnnotation('image-tag')]: 'nightly build tag, pinned by the CI run' });
    expect(findings([wt, networkPolicy()], 'image-tag')).toEqual([]);
  });
});
