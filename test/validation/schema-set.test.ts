/**
 * The compiled schema set is built once per Kubernetes version and kept for the process, so
 * in the other suites only the first test of a file builds it. Each test here loads the
 * validator afresh (jest.isolateModules) and so checks what building the set decides: the ajv
 * options, the formats, the Quantity and IntOrString overrides, the enum overlays and how a
 * CRD's schema is completed. Expected findings are spelled out.
 */
import type * as Validate from '../../src/validation/validate';

function fresh(): typeof Validate {
  let mod: typeof Validate | undefined;
  jest.isolateModules(() => {
    mod = require('../../src/validation/validate');
  });
  return mod!;
}

const findings = (input: any, options: Validate.ValidateOptions = {}) =>
  fresh().validateManifests(input, options).findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`);

const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...metadata },
  spec: { containers: [{ name: 'c', image: 'img', ...container }], ...spec },
});

describe('a freshly built schema set', () => {
  test('reports every error of an object, each with the value at fault (formats int32 and date-time checked)', () => {
    const bad = pod(
      { imagePullPolicy: 'Sometimes', ports: [{ containerPort: 2147483648 }] },
      { restartPolicy: 'never' },
      { creationTimestamp: 'yesterday' },
    );
    expect(findings(bad)).toEqual([
      'Pod/p /metadata/creationTimestamp [format] must be a valid date-time, got "yesterday"',
      'Pod/p /spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "Sometimes"',
      'Pod/p /spec/containers/0/ports/0/containerPort [format] must be a valid int32, got 2147483648',
      'Pod/p /spec/restartPolicy [enum] must be one of ["Always","OnFailure","Never"], got "never"',
    ]);
    expect(findings(pod({ ports: [{ containerPort: 2147483647 }] }, { restartPolicy: 'Never' }, { creationTimestamp: '2026-12-03T10:00:00Z' }))).toEqual([]);
  });

  test('a quantity is a string in the quantity grammar or a number', () => {
    const resources = (limits: Record<string, unknown>) => pod({ resources: { limits } });
    expect(findings(resources({ cpu: 2, memory: '1.5Gi', 'nvidia.com/gpu': '1' }))).toEqual([]);
    expect(findings(resources({ cpu: 'lots', memory: true }))).toEqual([
      'Pod/p /spec/containers/0/resources/limits/cpu [quantity] malformed quantity "lots"',
      'Pod/p /spec/containers/0/resources/limits/memory [type] must be string,number, got true',
    ]);
  });

  test('an int-or-string is an integer or a string, nothing else', () => {
    const svc = (targetPort: unknown) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] },
    });
    expect(findings([svc(8080), svc('http')])).toEqual([]);
    expect(findings([svc(true), svc(1.5)])).toEqual([
      'Service/s /spec/ports/0/targetPort [type] must be integer,string, got true',
      'Service/s /spec/ports/0/targetPort [type] must be integer,string, got 1.5',
    ]);
  });

  test('enum overlays apply to io.k8s.api and apimachinery definitions, on fields and on list items', () => {
    const np = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'n' },
      spec: { podSelector: { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, policyTypes: ['egress'] },
    };
    expect(findings(np)).toEqual([
      'NetworkPolicy/n /spec/podSelector/matchExpressions/0/operator [enum] must be one of ["In","NotIn","Exists","DoesNotExist"], got "in"',
      'NetworkPolicy/n /spec/policyTypes/0 [enum] must be one of ["Ingress","Egress"], got "egress"',
    ]);
  });

  test('the enum overlays hold in every supported Kubernetes version', () => {
    for (const kubernetesVersion of ['1.28', '1.31', '1.33'] as const) {
      expect(findings(pod({ imagePullPolicy: 'sometimes' }), { kubernetesVersion })).toEqual([
        'Pod/p /spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "sometimes"',
      ]);
    }
  });

  test("a CRD's object keeps its required root fields and gets Kubernetes metadata", () => {
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', labelz: { x: 'y' } } };
    expect(findings(app)).toEqual([
      'Application/a /spec [required-field] missing required field "spec"',
      'Application/a /metadata/labelz [unknown-field] unknown field "labelz"',
    ]);
  });

  test('a Job pod-failure rule with onExitCodes alone is valid (the API server accepts it)', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'img' }] } },
      },
    };
    expect(findings(job)).toEqual([]);
  });
});
