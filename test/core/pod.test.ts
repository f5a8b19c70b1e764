/**
 * core/pod helpers beyond the rendered pod (test/core/core.test.ts): the structural errors of
 * buildMlPodSpec, and how priority classes and service accounts are resolved and recorded.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { buildMlPodSpec, diskEmptyDirs, resolvePriorityClass, resolveServiceAccount } from '../../src/core/pod';
import { External, IPriorityClass, IServiceAccountRef, usedReferences } from '../../src/core/refs';
import { constructErrorOf } from '../support/errors';

const scope = () => new Construct(new Chart(new App(), 'ml', { namespace: 'team' }), 'w');
const main = { name: 'main', image: 'a/b:1', resources: { cpu: '1', memory: '1Gi' } };

describe('buildMlPodSpec', () => {
  test('fails without a container', () => {
    expect(constructErrorOf(() => buildMlPodSpec(scope(), { containers: [] })).message).toBe('ml/w: a pod needs at least one container');
  });

  test('fails on two volumes of one name', () => {
    const volumes = [{ name: 'data', emptyDir: {} }, { name: 'data', configMap: { name: 'cm' } }];
    expect(constructErrorOf(() => buildMlPodSpec(scope(), { containers: [main], volumes })).message).toBe('ml/w: duplicate volume name "data"');
  });
});

describe('ephemeral-storage of init containers', () => {
  const init = (resources: k8s.ResourceRequirements | undefined): k8s.Container => ({ name: 'fetch', image: 'a/fetch:1', resources });
  const rendered = (resources: k8s.ResourceRequirements | undefined) =>
    k8s.toJson_ResourceRequirements(buildMlPodSpec(scope(), { containers: [main], initContainers: [init(resources)] }).initContainers![0].resources!);

  test('a limit alone is kept as given (the API server defaults the request to it); a request alone too', () => {
    const twoGi = k8s.Quantity.fromString('2Gi');
    expect(rendered({ limits: { 'ephemeral-storage': twoGi } })).toEqual({ limits: { 'ephemeral-storage': '2Gi' }, requests: {} });
    expect(rendered({ requests: { 'ephemeral-storage': twoGi } })).toEqual({ limits: {}, requests: { 'ephemeral-storage': '2Gi' } });
  });

  test('none given: the pod\'s allowance, requested and limited', () => {
    expect(rendered(undefined)).toEqual({ limits: { 'ephemeral-storage': '512Mi' }, requests: { 'ephemeral-storage': '512Mi' } });
  });
});

describe('resolvePriorityClass', () => {
  test('none: undefined, nothing recorded', () => {
    const s = scope();
    expect(resolvePriorityClass(s, undefined)).toBeUndefined();
    expect(usedReferences(s)).toEqual([]);
  });

  test('each distinct class is recorded once', () => {
    const s = scope();
    expect(resolvePriorityClass(s, External.priorityClass('high'))).toBe('high');
    expect(resolvePriorityClass(s, External.priorityClass('high'))).toBe('high');
    expect(resolvePriorityClass(s, External.priorityClass('low'))).toBe('low');
    expect(usedReferences(s).map((r) => `${r.kind}/${r.name}`)).toEqual(['PriorityClass/high', 'PriorityClass/low']);
  });

  test('fails on something that is no priority class', () => {
    const bad = { name: 'high' } as unknown as IPriorityClass;
    expect(constructErrorOf(() => resolvePriorityClass(scope(), bad)).message).toBe('ml/w: priorityClass must be a PriorityClass or External.priorityClass(name), got {"name":"high"}');
  });
});

describe('resolveServiceAccount', () => {
  test('a name or none is used as is, nothing recorded', () => {
    const s = scope();
    expect(resolveServiceAccount(s, undefined)).toBeUndefined();
    expect(resolveServiceAccount(s, 'trainer')).toBe('trainer');
    expect(usedReferences(s)).toEqual([]);
  });

  test('each distinct External service account is recorded once', () => {
    const s = scope();
    expect(resolveServiceAccount(s, External.serviceAccount('a'))).toBe('a');
    expect(resolveServiceAccount(s, External.serviceAccount('a'))).toBe('a');
    expect(resolveServiceAccount(s, External.serviceAccount('b'))).toBe('b');
    expect(usedReferences(s).map((r) => `${r.kind}/${r.name}`)).toEqual(['ServiceAccount/a', 'ServiceAccount/b']);
  });

  test('fails on something that is neither a name nor a service account reference', () => {
    const bad = { name: 'a' } as unknown as IServiceAccountRef;
    expect(constructErrorOf(() => resolveServiceAccount(scope(), bad)).message).toBe('ml/w: serviceAccountName must be a name or External.serviceAccount(name), got {"name":"a"}');
  });
});

describe('diskEmptyDirs', () => {
  test('the emptyDirs on node disk with their size in bytes; memory-backed ones and other volumes are left out', () => {
    expect(diskEmptyDirs(scope(), [
      { name: 'cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Ki') } },
      { name: 'shm', emptyDir: { medium: 'Memory' } },
      { name: 'conf', configMap: { name: 'c' } },
      { name: 'tiny', emptyDir: { medium: '', sizeLimit: k8s.Quantity.fromString('1') } },
    ])).toEqual([{ name: 'cache', bytes: 1024 }, { name: 'tiny', bytes: 1 }]);
  });

  test('fails on a node-disk emptyDir without a positive size limit, naming the volume', () => {
    for (const emptyDir of [{}, { sizeLimit: k8s.Quantity.fromString('0') }, { sizeLimit: k8s.Quantity.fromString('lots') }]) {
      expect(() => diskEmptyDirs(scope(), [{ name: 'cache', emptyDir }])).toThrow(
        'ml/w: emptyDir volume "cache" has no sizeLimit, so the pod cannot request the node disk it fills (ephemeral-storage); give it a sizeLimit (a DatasetInit: the source\'s expectedSize or DatasetVolume.emptyDir({ sizeLimit }))',
      );
    }
  });
});
