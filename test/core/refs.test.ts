/**
 * The reference helpers of core/refs, unit by unit: External references checked when a
 * consumer resolves them, useReference's namespace rule, access modes, claim sharing.
 * Messages are spelled out in full.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ClaimAccessMode, External, ResolvedReference, checkClaimSharing, usedReferences, useReference, validateAccessModes,
} from '../../src/core/refs';
import { constructErrorOf } from '../support/errors';

const MODES = 'ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod';
const consumer = () => new Construct(new Chart(new App(), 'ml', { namespace: 'team' }), 'w');
const consumerWithoutNamespace = () => new Construct(new Chart(new App(), 'ml'), 'w');
const problem = (render: () => unknown) => constructErrorOf(render).message;

describe('External references', () => {
  test('resolve to their kind, name and namespace, marked external', () => {
    const c = consumer();
    expect(External.localQueue('q', { namespace: 'team' }).localQueueRef(c)).toEqual({ kind: 'LocalQueue', name: 'q', namespace: 'team', external: true, accessModes: undefined });
    expect(External.claim('data', { accessModes: ['ReadOnlyMany'] }).claimRef(c)).toEqual({ kind: 'PersistentVolumeClaim', name: 'data', namespace: undefined, external: true, accessModes: ['ReadOnlyMany'] });
    expect(External.priorityClass('p'.repeat(63)).priorityClassRef(c).name).toBe('p'.repeat(63));
    expect(External.secret('a.b-c').secretRef(c).name).toBe('a.b-c');
  });

  test('fails on a name that is no DNS-1123 subdomain (claims, secrets, config maps, service accounts)', () => {
    const c = consumer();
    expect(problem(() => External.claim('Data').claimRef(c))).toBe('ml/w: External.claim name must be a DNS-1123 subdomain, got "Data"');
    expect(problem(() => External.secret('a_b').secretRef(c))).toBe('ml/w: External.secret name must be a DNS-1123 subdomain, got "a_b"');
    expect(problem(() => External.configMap('').configMapRef(c))).toBe('ml/w: External.configMap name must be a DNS-1123 subdomain, got ""');
    expect(problem(() => External.serviceAccount('-sa').serviceAccountRef(c))).toBe('ml/w: External.serviceAccount name must be a DNS-1123 subdomain, got "-sa"');
  });

  test('fails on a queue or priority class name longer than 63 characters', () => {
    const c = consumer();
    const long = 'q'.repeat(64);
    expect(problem(() => External.localQueue(long).localQueueRef(c))).toBe(`ml/w: External.localQueue name must be a DNS-1123 name of at most 63 characters, got "${long}"`);
    expect(problem(() => External.workloadPriorityClass(long).workloadPriorityClassRef(c))).toBe(`ml/w: External.workloadPriorityClass name must be a DNS-1123 name of at most 63 characters, got "${long}"`);
    expect(problem(() => External.priorityClass(long).priorityClassRef(c))).toBe(`ml/w: External.priorityClass name must be a DNS-1123 name of at most 63 characters, got "${long}"`);
  });

  test('fails on a namespace that is no DNS-1123 label', () => {
    const c = consumer();
    expect(problem(() => External.localQueue('q', { namespace: 'Team' }).localQueueRef(c))).toBe('ml/w: External.localQueue namespace must be a DNS-1123 label, got "Team"');
    expect(problem(() => External.claim('data', { namespace: 'a.b' }).claimRef(c))).toBe('ml/w: External.claim namespace must be a DNS-1123 label, got "a.b"');
  });

  test('fails on an unknown access mode', () => {
    const modes = ['ReadWriteOnce', 'ReadWriteAll'] as ClaimAccessMode[];
    expect(problem(() => External.claim('data', { accessModes: modes }).claimRef(consumer()))).toBe(`ml/w: External.claim accessModes must be ${MODES}, got "ReadWriteAll"`);
  });

  test('fails on an empty access-mode list (leave accessModes out when unknown)', () => {
    expect(problem(() => External.claim('data', { accessModes: [] }).claimRef(consumer()))).toBe(
      `ml/w: External.claim accessModes must list at least one of ${MODES} (or be left out when unknown), got []`);
  });

  test('fails on a name that is not a string, even one that prints as a valid name', () => {
    const name = { toString: () => 'data' } as unknown as string;
    expect(problem(() => External.configMap(name).configMapRef(consumer()))).toBe('ml/w: External.configMap name must be a DNS-1123 subdomain, got {}');
    expect(problem(() => External.localQueue(7 as unknown as string).localQueueRef(consumer()))).toBe('ml/w: External.localQueue name must be a DNS-1123 name of at most 63 characters, got 7');
  });

  test('fails when used as another kind', () => {
    const secret = External.secret('s') as unknown as { configMapRef(c: Construct): ResolvedReference };
    expect(problem(() => secret.configMapRef(consumer()))).toBe('ml/w: expected a ConfigMap reference, got External Secret "s"');
  });
});

describe('useReference', () => {
  const ref = (namespace: string | undefined, external: boolean, path?: string): ResolvedReference => ({ kind: 'Secret', name: 's', namespace, external, path });

  test('records references of the consumer namespace, or of none', () => {
    const c = consumer();
    useReference(c, 'env', ref('team', true));
    useReference(c, 'env', ref(undefined, false, 'ml/s'));
    expect(usedReferences(c)).toEqual([ref('team', true), ref(undefined, false, 'ml/s')]);
    expect(usedReferences(consumer())).toEqual([]);
  });

  test('fails on a reference to another namespace, naming its owner and the workload namespace', () => {
    const c = consumer();
    const rest = 'a workload can only use a Secret of its own namespace';
    expect(problem(() => useReference(c, 'env', ref('other', true)))).toBe(`ml/w: env: Secret "s" (External) lives in namespace "other" but the workload is in namespace "team"; ${rest}`);
    expect(problem(() => useReference(c, 'env', ref('other', false, 'ml/secret')))).toBe(`ml/w: env: Secret "s" (ml/secret) lives in namespace "other" but the workload is in namespace "team"; ${rest}`);
    expect(problem(() => useReference(c, 'env', ref('other', false)))).toBe(`ml/w: env: Secret "s" (the app) lives in namespace "other" but the workload is in namespace "team"; ${rest}`);
    expect(problem(() => useReference(consumerWithoutNamespace(), 'env', ref('other', true)))).toBe(`ml/w: env: Secret "s" (External) lives in namespace "other" but the workload is in no namespace; ${rest}`);
    expect(usedReferences(c)).toEqual([]);
  });
});

describe('validateAccessModes', () => {
  test('returns a copy of valid modes', () => {
    const modes: ClaimAccessMode[] = ['ReadWriteMany', 'ReadOnlyMany'];
    const out = validateAccessModes(consumer(), modes);
    expect(out).toEqual(['ReadWriteMany', 'ReadOnlyMany']);
    expect(out).not.toBe(modes);
  });

  test('fails on no mode, a non-list and an unknown mode', () => {
    const c = consumer();
    expect(problem(() => validateAccessModes(c, []))).toBe(`ml/w: accessModes must list at least one of ${MODES}, got []`);
    expect(problem(() => validateAccessModes(c, 'ReadWriteOnce' as unknown as ClaimAccessMode[]))).toBe(`ml/w: accessModes must list at least one of ${MODES}, got "ReadWriteOnce"`);
    expect(problem(() => validateAccessModes(c, ['ReadWriteOnce', 'RWX' as ClaimAccessMode]))).toBe(`ml/w: accessModes must be ${MODES}, got "RWX"`);
  });
});

describe('checkClaimSharing', () => {
  const claim = (accessModes: ClaimAccessMode[] | undefined, path?: string): ResolvedReference => ({ kind: 'PersistentVolumeClaim', name: 'data', external: path === undefined, path, accessModes });
  const check = (ref: ResolvedReference, readOnly: boolean, pods: number) => () => checkClaimSharing(consumer(), 'volumes', ref, readOnly, pods, 'the job runs 2 pods');

  test('accepts what every pod can attach', () => {
    expect(check(claim(undefined), false, 4)).not.toThrow();
    expect(check(claim(['ReadWriteOnce']), false, 1)).not.toThrow();
    expect(check(claim(['ReadWriteOncePod']), false, 1)).not.toThrow();
    expect(check(claim(['ReadWriteOnce', 'ReadWriteMany']), false, 4)).not.toThrow();
    expect(check(claim(['ReadOnlyMany']), true, 4)).not.toThrow();
    expect(check(claim(['ReadWriteOnce', 'ReadOnlyMany']), true, 4)).not.toThrow();
    // ReadOnlyMany beside a writable mode: written by one pod
    expect(check(claim(['ReadOnlyMany', 'ReadWriteOnce']), false, 1)).not.toThrow();
  });

  test('fails on a ReadOnlyMany-only claim written, with or without the claim path', () => {
    const rest = 'is ReadOnlyMany only but is written here; the volume mounts read-only — use a ReadWriteOnce or ReadWriteMany claim';
    expect(problem(check(claim(['ReadOnlyMany'], 'ml/claim'), false, 1))).toBe(`ml/w: volumes: claim "data" (ml/claim) ${rest}`);
    expect(problem(check(claim(['ReadOnlyMany']), false, 1))).toBe(`ml/w: volumes: claim "data" ${rest}`);
  });

  test('fails on a single-node or single-pod claim for several pods, naming the mode', () => {
    const rest = 'but the job runs 2 pods; the second pod could never attach it — use a ReadWriteMany claim';
    expect(problem(check(claim(['ReadWriteOnce'], 'ml/claim'), false, 2))).toBe(`ml/w: volumes: claim "data" (ml/claim) is ReadWriteOnce ${rest}`);
    expect(problem(check(claim(['ReadWriteOnce', 'ReadWriteOncePod']), true, 2))).toBe(`ml/w: volumes: claim "data" is ReadWriteOncePod ${rest}`);
  });
});
