/**
 * validateManifests at its edges: name rules and their length limits, objects that are no
 * objects, each error translation, the enum overlays, inputs of every shape. Expected findings
 * are spelled out.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { describeObject, formatFindings, toManifests, validateManifests } from '../../src/validation/validate';
import { freshValidate } from './fresh';

const cm = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, ...extra });
const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] } });
const findings = (input: any, options = {}) => validateManifests(input, options).findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`);

describe('object names', () => {
  // the name patterns are module-level constants: each test loads the validator anew to check them
  const findings = (input: any) => freshValidate().validateManifests(input).findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`);
  const subdomainMessage = (name: string) => `name ${JSON.stringify(name)} is not a valid DNS-1123 subdomain (lowercase alphanumerics, "-" and ".", at most 253 characters)`;
  const labelMessage = (name: string) => `name ${JSON.stringify(name)} is not a valid DNS-1123 label (lowercase alphanumerics and "-", at most 63 characters)`;

  test('most kinds take a DNS-1123 subdomain of at most 253 characters (dots allowed)', () => {
    const max = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(max).toHaveLength(253);
    expect(findings([cm({ name: 'a.b-c' }), cm({ name: 'a.b' }), cm({ name: max }), cm({ name: '0' })])).toEqual([]);
    expect(findings(cm({ name: `${max}e` }))).toEqual([`ConfigMap/${max}e /metadata/name [invalid-name] ${subdomainMessage(`${max}e`)}`]);
    for (const bad of ['A', '-a', 'a-', 'a..b', 'a_b', '']) {
      expect(findings(cm({ name: bad }))).toEqual([`ConfigMap/${bad} /metadata/name [invalid-name] ${subdomainMessage(bad)}`]);
    }
  });

  test('Services and Namespaces take a DNS-1123 label: no dots, at most 63 characters', () => {
    expect(findings([svc('a'.repeat(63)), svc('a-0')])).toEqual([]);
    expect(findings(svc('a'.repeat(64)))).toEqual([`Service/${'a'.repeat(64)} /metadata/name [invalid-name] ${labelMessage('a'.repeat(64))}`]);
    expect(findings(svc('a.b'))).toEqual([`Service/a.b /metadata/name [invalid-name] ${labelMessage('a.b')}`]);
    expect(findings({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } })).toEqual([`Namespace/team.a /metadata/name [invalid-name] ${labelMessage('team.a')}`]);
  });

  test('generateName stands in for a name; a name that is no string is left to the schema', () => {
    expect(findings(cm({ generateName: 'run-' }))).toEqual([]);
    expect(findings(cm({}))).toEqual(['ConfigMap/<no name> /metadata/name [required-field] metadata.name is required']);
    expect(findings({ apiVersion: 'v1', kind: 'ConfigMap' })).toEqual(['ConfigMap/<no name> /metadata/name [required-field] metadata.name is required']);
    expect(findings(cm({ name: 5 }))).toEqual(['ConfigMap/5 /metadata/name [type] must be string, got 5']);
  });
});

describe('objects that cannot be checked', () => {
  test('without apiVersion or kind as strings', () => {
    expect(findings([{ kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 7, metadata: { name: 'b' } }])).toEqual([
      'ConfigMap/a / [required-field] apiVersion and kind must be strings',
      '7/b / [required-field] apiVersion and kind must be strings',
    ]);
  });

  test('an unknown kind is allowed by name or with true; the message names the version', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(findings(widget, { kubernetesVersion: '1.31' })).toEqual([
      'Widget/w / [unknown-kind] no schema for apiVersion "example.com/v1" kind "Widget" (not a Kubernetes 1.31 kind nor a vendored CRD)',
    ]);
    expect(findings(widget)).toEqual([
      'Widget/w / [unknown-kind] no schema for apiVersion "example.com/v1" kind "Widget" (not a Kubernetes 1.28 kind nor a vendored CRD)',
    ]);
    expect(findings(widget, { allowUnknownKinds: ['example.com/v1/Widget'] })).toEqual([]);
    expect(findings(widget, { allowUnknownKinds: ['example.com/v1/Gadget'] })).toHaveLength(1);
    expect(findings(widget, { allowUnknownKinds: true })).toEqual([]);
    expect(findings(widget, { allowUnknownKinds: false })).toHaveLength(1);
    // name checks still apply to an allowed kind
    expect(findings({ ...widget, metadata: { name: 'W' } }, { allowUnknownKinds: true })).toHaveLength(1);
  });
});

describe('custom resources', () => {
  test('the CRD\'s own required root fields stay required (an Argo CD Application needs spec), beside apiVersion and kind', () => {
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd' } };
    expect(validateManifests(app).findings).toEqual([
      { object: 'Application/argocd/a', path: '/spec', rule: 'required-field', message: 'missing required field "spec"' },
    ]);
  });
});

describe('schema errors are translated per keyword', () => {
  test('format (not a quantity), pattern and other keywords', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { key: 'not base64!' } };
    expect(findings(secret)).toEqual(['Secret/s /data/key [format] must be a valid byte, got "not base64!"']);
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { maxUnavailable: 1.5 } };
    expect(findings(pdb)).toEqual(['PodDisruptionBudget/p /spec/maxUnavailable [type] must be integer,string, got 1.5']);
  });

  test('a pattern the value does not match', () => {
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'a' },
      spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'Bad_Host' }] },
    };
    expect(findings(gw)).toEqual([
      'Gateway/a/g /spec/listeners/0/hostname [pattern] must match pattern "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", got "Bad_Host"',
    ]);
  });

  test('a type error on the object itself is reported at /', () => {
    expect(findings({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: [] })).toEqual(['ConfigMap/a /data [type] must be object, got []']);
  });

  test('the same finding reached twice is reported once', () => {
    // an int-or-string failing both branches reports one type finding, not one per branch plus the anyOf summary
    const svcBad = { ...svc('s'), spec: { ports: [{ port: 80, targetPort: true }] } };
    expect(findings(svcBad)).toEqual(['Service/s /spec/ports/0/targetPort [type] must be integer,string, got true']);
  });
});

describe('value-validation branches (oneOf / anyOf / not) of a CRD', () => {
  // Gateway API: spec.addresses[] is oneOf [{type: IPAddress, value: ipv4 | ipv6}, {type: not IPAddress}]
  const gateway = (addresses: unknown[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'a' },
    spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], addresses },
  });

  test('accept every field the outer schema declares, whichever branch matches', () => {
    expect(findings(gateway([{ type: 'Hostname', value: 'gw.example.com' }, { type: 'IPAddress', value: '10.0.0.1' }, { type: 'IPAddress', value: '::1' }]))).toEqual([]);
  });

  test('report what each branch found, without the anyOf / oneOf summaries; unknown fields still fail', () => {
    expect(findings(gateway([{ type: 'IPAddress', value: 'nope' }]))).toEqual([
      'Gateway/a/g /spec/addresses/0/value [format] must be a valid ipv4, got "nope"',
      'Gateway/a/g /spec/addresses/0/value [format] must be a valid ipv6, got "nope"',
      'Gateway/a/g /spec/addresses/0/type [schema] must NOT be valid, got "IPAddress"',
    ]);
    expect(findings(gateway([{ type: 'Hostname', value: 'gw.example.com', port: 1 }]))).toEqual(['Gateway/a/g /spec/addresses/0/port [unknown-field] unknown field "port"']);
    // a type error every branch repeats is reported once
    expect(findings(gateway([{ type: 5, value: 'x' }]))).toEqual(['Gateway/a/g /spec/addresses/0/type [type] must be string, got 5']);
  });
});

describe('enum overlays the OpenAPI does not declare', () => {
  test('on fields and on list items; the apimachinery definitions too', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'egress'] } };
    expect(findings(np)).toEqual(['NetworkPolicy/n /spec/policyTypes/1 [enum] must be one of ["Ingress","Egress"], got "egress"']);
    const selector = { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] };
    const np2 = { ...np, spec: { podSelector: selector } };
    expect(findings(np2)).toEqual(['NetworkPolicy/n /spec/podSelector/matchExpressions/0/operator [enum] must be one of ["In","NotIn","Exists","DoesNotExist"], got "in"']);
  });
});

describe('inputs', () => {
  test('List kinds are expanded; null, undefined, numbers, booleans and scalar YAML documents hold no objects', () => {
    const list = { apiVersion: 'v1', kind: 'ConfigMapList', items: [cm({ name: 'a' }), { kind: 'List', items: [cm({ name: 'b' })] }] };
    expect(toManifests([list, null as any, undefined as any, 42 as any, true as any]).map(describeObject)).toEqual(['ConfigMap/a', 'ConfigMap/b']);
    expect(toManifests('just a string\n---\n42\n---\nkind: ConfigMap\nmetadata: {name: c}\n').map(describeObject)).toEqual(['ConfigMap/c']);
    // a kind ending in List without items is an object like any other
    expect(toManifests({ kind: 'ConfigMapList', metadata: { name: 'x' } })).toHaveLength(1);
    expect(toManifests({ kind: 'Widget', items: [cm({ name: 'a' })] }).map(describeObject)).toEqual(['Widget/<no name>']);
  });

  test('an App contributes every chart, a Chart its objects; an object that only looks like an App is taken as an object', () => {
    const app = new App();
    new ApiObject(new Chart(app, 'one'), 'a', cm({ name: 'a' }));
    const two = new Chart(app, 'two');
    new ApiObject(two, 'b', cm({ name: 'b' }));
    new ApiObject(two, 'c', cm({ name: 'c' }));
    expect(toManifests(app).map(describeObject)).toEqual(['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/c']);
    expect(toManifests(two).map(describeObject)).toEqual(['ConfigMap/b', 'ConfigMap/c']);
    const fake = { charts: [], kind: 'Fake' };
    expect(toManifests(fake)).toEqual([fake]);
    const fakeWithSynth = { charts: 'none', synthYaml: () => '', kind: 'Fake' };
    expect(toManifests(fakeWithSynth)).toEqual([fakeWithSynth]);
  });

  test('labels: Kind/namespace/name, generateName when no name, placeholders for what is missing', () => {
    expect(describeObject({ kind: 'Job', metadata: { namespace: 'a', generateName: 'run-' } })).toBe('Job/a/run-');
    expect(describeObject({ metadata: { name: 'x', namespace: '' } })).toBe('<no kind>/x');
    expect(describeObject(null)).toBe('<no kind>/<no name>');
  });

  test('formatFindings: one line per finding', () => {
    expect(formatFindings([
      { object: 'A/a', path: '/x', rule: 'r', message: 'm' },
      { object: 'B/b', path: '/', rule: 's', message: 'n' },
    ])).toBe('A/a /x [r] m\nB/b / [s] n');
    expect(formatFindings([])).toBe('');
  });
});
