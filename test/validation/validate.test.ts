import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { validateManifests, formatFindings, ValidationFinding } from '../../src/validation/validate';
import { createHash } from 'crypto';
import { crdSchemaIndex } from '../../src/validation/schemas';
import { expectValidManifests } from '../../src/testing';

const DIST = path.join(__dirname, '..', '..', 'dist');

function job(): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train', namespace: 'team-a' },
    spec: {
      backoffLimit: 3,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0', resources: { limits: { cpu: '2', memory: '4Gi' } } }],
        },
      },
    },
  };
}

function localQueue(): any {
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta1',
    kind: 'LocalQueue',
    metadata: { name: 'team-a', namespace: 'team-a' },
    spec: { clusterQueue: 'cluster-queue' },
  };
}

function only(findings: ValidationFinding[]): ValidationFinding {
  expect(findings).toHaveLength(1);
  return findings[0];
}

describe('validateManifests accepts', () => {
  test('a valid Job and a valid custom resource', () => {
    const result = validateManifests([job(), localQueue()]);
    expect(formatFindings(result.findings)).toBe('');
    expect(result).toMatchObject({ valid: true, objectCount: 2 });
  });

  test('every object in the committed dist/', () => {
    const files = fs.readdirSync(DIST).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    let objects = 0;
    for (const f of files) {
      const result = validateManifests(fs.readFileSync(path.join(DIST, f), 'utf8'));
      expect(formatFindings(result.findings)).toBe('');
      objects += result.objectCount;
    }
    expect(objects).toBeGreaterThan(0);
  });

  test('charts, apps and YAML text', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: 'b' } });
    expect(validateManifests(chart).objectCount).toBe(1);
    expect(validateManifests(app).objectCount).toBe(1);
    expect(validateManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n').objectCount).toBe(1);
    expect(expectValidManifests(chart)).toBe(1);
  });

  test('quantities as numbers and strings, int-or-string ports', () => {
    const j = job();
    j.spec.template.spec.containers[0].resources.limits = { cpu: 2, memory: '1.5Gi', 'nvidia.com/gpu': 1 };
    const svc = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8080 }] },
    };
    expect(validateManifests([j, svc]).findings).toEqual([]);
  });

  test('a podFailurePolicy rule without onPodConditions on 1.28 (required in its OpenAPI; the server drops an empty list)', () => {
    const j = job();
    j.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [20] } }] };
    j.spec.template.spec.restartPolicy = 'Never';
    for (const kubernetesVersion of ['1.28', '1.31', '1.33'] as const) {
      expect(validateManifests(j, { kubernetesVersion }).findings).toEqual([]);
    }
    // the exception is that one field: a rule still needs its action
    delete j.spec.podFailurePolicy.rules[0].action;
    expect(only(validateManifests(j, { kubernetesVersion: '1.28' }).findings)).toMatchObject({ path: '/spec/podFailurePolicy/rules/0/action', rule: 'required-field' });
  });

  test('x-kubernetes-preserve-unknown-fields lets any field through', () => {
    // Argo CD Application: spec.source.helm.valuesObject preserves unknown fields.
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a', namespace: 'argocd' },
      spec: {
        project: 'default',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
        source: { repoURL: 'https://git.example.com/r.git', path: 'dist', helm: { valuesObject: { any: { thing: [1] } } } },
      },
    };
    expect(formatFindings(validateManifests(app).findings)).toBe('');
  });

  test('unknown kinds when explicitly allowed', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { x: 1 } };
    expect(validateManifests(widget, { allowUnknownKinds: ['example.com/v1/Widget'] }).valid).toBe(true);
    expect(validateManifests(widget, { allowUnknownKinds: true }).valid).toBe(true);
  });
});

describe('validateManifests rejects (mutation tests)', () => {
  test('an unknown field at the top level', () => {
    const j = job();
    j.extra = 1;
    expect(only(validateManifests(j).findings)).toEqual({
      object: 'Job/team-a/train', path: '/extra', rule: 'unknown-field', message: 'unknown field "extra"',
    });
  });

  test('an unknown field in a pod spec', () => {
    const j = job();
    j.spec.template.spec.restartpolicy = 'Never';
    expect(only(validateManifests(j).findings)).toMatchObject({ path: '/spec/template/spec/restartpolicy', rule: 'unknown-field' });
  });

  test('an unknown field in a container', () => {
    const j = job();
    j.spec.template.spec.containers[0].gpus = 1;
    expect(only(validateManifests(j).findings)).toMatchObject({ path: '/spec/template/spec/containers/0/gpus', rule: 'unknown-field' });
  });

  test('an unknown field inside a custom resource, at depth', () => {
    const q = localQueue();
    q.spec.clusterQueues = 'typo';
    expect(only(validateManifests(q).findings)).toMatchObject({ object: 'LocalQueue/team-a/team-a', path: '/spec/clusterQueues', rule: 'unknown-field' });
  });

  test('an unknown field in custom-resource metadata', () => {
    const q = localQueue();
    q.metadata.label = { a: 'b' };
    expect(only(validateManifests(q).findings)).toMatchObject({ path: '/metadata/label', rule: 'unknown-field' });
  });

  test('a string where an integer belongs', () => {
    const j = job();
    j.spec.backoffLimit = '3';
    expect(only(validateManifests(j).findings)).toEqual({
      object: 'Job/team-a/train', path: '/spec/backoffLimit', rule: 'type', message: 'must be integer, got "3"',
    });
  });

  test('a missing required field', () => {
    const j = job();
    delete j.spec.template.spec.containers[0].name;
    expect(only(validateManifests(j).findings)).toMatchObject({ path: '/spec/template/spec/containers/0/name', rule: 'required-field' });
  });

  test('a missing required field in a custom resource', () => {
    const cq = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'a100' }, spec: { tolerations: [{ key: 'gpu' }], topologyName: 't' } };
    const ok = validateManifests(cq);
    expect(ok.findings).toEqual([]);
    const js = { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'j' }, spec: { replicatedJobs: [{ template: {} }] } };
    expect(only(validateManifests(js).findings)).toMatchObject({ path: '/spec/replicatedJobs/0/name', rule: 'required-field' });
  });

  test('a bad enum value', () => {
    const j = job();
    j.spec.template.spec.restartPolicy = 'never';
    expect(only(validateManifests(j).findings)).toMatchObject({ path: '/spec/template/spec/restartPolicy', rule: 'enum' });
  });

  test('a bad enum value in a custom resource', () => {
    const q = localQueue();
    q.spec.stopPolicy = 'Sometimes';
    expect(only(validateManifests(q).findings)).toMatchObject({ path: '/spec/stopPolicy', rule: 'enum' });
  });

  test('a malformed quantity', () => {
    const j = job();
    j.spec.template.spec.containers[0].resources.limits.memory = '4GB';
    expect(only(validateManifests(j).findings)).toEqual({
      object: 'Job/team-a/train',
      path: '/spec/template/spec/containers/0/resources/limits/memory',
      rule: 'quantity',
      message: 'malformed quantity "4GB"',
    });
  });

  test('an unknown kind and an unknown apiVersion of a known kind', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const oldJob = { ...job(), apiVersion: 'batch/v2' };
    const findings = validateManifests([widget, oldJob]).findings;
    expect(findings.map((f) => [f.object, f.rule])).toEqual([['Widget/w', 'unknown-kind'], ['Job/team-a/train', 'unknown-kind']]);
  });

  test('a missing or invalid object name', () => {
    const noName = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
    const badName = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a.b' }, spec: {} };
    expect(validateManifests([noName, badName]).findings.map((f) => f.rule)).toEqual(['required-field', 'invalid-name']);
  });

  test('a field that only a newer Kubernetes version has', () => {
    const j = job();
    j.spec.managedBy = 'kueue.x-k8s.io/multikueue';
    expect(only(validateManifests(j).findings)).toMatchObject({ path: '/spec/managedBy', rule: 'unknown-field' });
    expect(validateManifests(j, { kubernetesVersion: '1.31' }).findings).toEqual([]);
    expect(validateManifests(j, { kubernetesVersion: '1.33' }).findings).toEqual([]);
  });

  test('several findings at once, each naming object, path and rule', () => {
    const j = job();
    j.spec.foo = 1;
    j.spec.parallelism = 'two';
    const text = formatFindings(validateManifests(j).findings);
    expect(text.split('\n').sort()).toEqual([
      'Job/team-a/train /spec/foo [unknown-field] unknown field "foo"',
      'Job/team-a/train /spec/parallelism [type] must be integer, got "two"',
    ]);
  });

  test('fails expectValidManifests with the findings in the message', () => {
    const j = job();
    j.spec.foo = 1;
    expect(() => expectValidManifests(j)).toThrow(/Job\/team-a\/train \/spec\/foo \[unknown-field\]/);
    expect(() => expectValidManifests([])).toThrow(/no objects/);
  });

  test('fails on an unsupported Kubernetes version and on invalid YAML', () => {
    expect(() => validateManifests(job(), { kubernetesVersion: '1.27' as any })).toThrow('validateManifests: unsupported kubernetesVersion "1.27"; supported: 1.28, 1.31, 1.33');
    expect(() => validateManifests('a: [')).toThrow(/invalid YAML/);
  });
});

describe('vendored CRDs', () => {
  test('the compiled CRD schemas are up to date with schemas/crds (else: npm run compile-schemas)', () => {
    const crds = path.join(__dirname, '..', '..', 'schemas', 'crds');
    const files = fs.readdirSync(crds).flatMap((p) => fs.readdirSync(path.join(crds, p)).map((f) => `${p}/${f}`)).sort();
    const index = crdSchemaIndex();
    expect(Object.keys(index.sources).sort()).toEqual(files);
    for (const f of files) {
      const sha = createHash('sha256').update(fs.readFileSync(path.join(crds, f))).digest('hex');
      expect(`${f} ${index.sources[f]}`).toBe(`${f} ${sha}`);
    }
    expect(Object.keys(index.kinds)).toEqual(expect.arrayContaining([
      'kueue.x-k8s.io/v1beta1/LocalQueue', 'jobset.x-k8s.io/v1alpha2/JobSet', 'trainer.kubeflow.org/v1alpha1/TrainJob',
      'kubeflow.org/v1/PyTorchJob', 'serving.kserve.io/v1beta1/InferenceService', 'monitoring.coreos.com/v1/ServiceMonitor',
      'keda.sh/v1alpha1/ScaledObject', 'argoproj.io/v1alpha1/Application', 'argoproj.io/v1alpha1/WorkflowTemplate',
      'gateway.networking.k8s.io/v1/HTTPRoute',
    ]));
  });
});
