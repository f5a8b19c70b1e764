/**
 * VolumeClaim's storage check and claimOf on cdk8s-plus claims: what each resolves to and the
 * errors, spelled out.
 */
import { App, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { VolumeClaim, claimOf, isClaim } from '../../src/core/claim';
import { External } from '../../src/core/refs';
import { IPlusNamedResource } from '../../src/core/plus-workload';
import { constructErrorOf } from '../support/errors';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team' });

describe('VolumeClaim storage', () => {
  test('renders whole KiB sizes in canonical form', () => {
    const c = chart();
    new VolumeClaim(c, 'a', { storage: Size.gibibytes(1.5) });
    new VolumeClaim(c, 'b', { storage: Size.gibibytes(100) });
    expect(Testing.synth(c).map((o) => o.spec.resources.requests.storage)).toEqual(['1536Mi', '100Gi']);
  });

  test('the claim carries the standard labels, as storage', () => {
    const c = chart();
    new VolumeClaim(c, 'ckpt', { storage: Size.gibibytes(10) });
    expect(Testing.synth(c)[0].metadata.labels).toEqual({
      'app.kubernetes.io/name': 'ckpt',
      'app.kubernetes.io/instance': 'ckpt',
      'app.kubernetes.io/component': 'storage',
      'app.kubernetes.io/managed-by': 'cdk8s-ml',
    });
  });

  test.each<[string, Size, string]>([
    ['0', Size.gibibytes(0), '{"amount":0,"unit":{"label":"gibibytes","inKibiBytes":1048576,"abbr":"Gi"}}'],
    ['half a KiB', Size.kibibytes(0.5), '{"amount":0.5,"unit":{"label":"kibibytes","inKibiBytes":1,"abbr":"Ki"}}'],
    ['not a Size', '10Gi' as unknown as Size, '"10Gi"'],
  ])('fails on a storage of %s', (_what, storage, shown) => {
    expect(constructErrorOf(() => new VolumeClaim(chart(), 'ckpt', { storage })).message).toBe(`ml/ckpt: storage must be a positive whole number of KiB, got ${shown}`);
  });
});

describe('claimOf', () => {
  const consumer = () => new Construct(chart(), 'w');

  test('a claim the app renders: its namespace, path and access modes', () => {
    const c = chart();
    const pvc = new kplus.PersistentVolumeClaim(c, 'pvc', { metadata: { name: 'data' }, accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE, kplus.PersistentVolumeAccessMode.READ_ONLY_MANY] });
    expect(claimOf(pvc).claimRef(consumer())).toEqual({
      kind: 'PersistentVolumeClaim', name: 'data', namespace: 'team', external: false, path: 'ml/pvc', accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
    });
  });

  test('a rendered claim without access modes, or with an empty list: modes unknown', () => {
    const c = chart();
    const none = new kplus.PersistentVolumeClaim(c, 'none', { metadata: { name: 'data' } });
    const empty = new kplus.PersistentVolumeClaim(c, 'empty', { metadata: { name: 'data' }, accessModes: [] });
    expect(claimOf(none).claimRef(consumer()).accessModes).toBeUndefined();
    expect(claimOf(empty).claimRef(consumer()).accessModes).toBeUndefined();
  });

  test('a claim imported by name: no namespace, path or modes', () => {
    const pvc = kplus.PersistentVolumeClaim.fromClaimName(chart(), 'imported', 'data');
    expect(claimOf(pvc).claimRef(consumer())).toEqual({ kind: 'PersistentVolumeClaim', name: 'data', namespace: undefined, external: false, path: undefined, accessModes: undefined });
  });

  test('fails on something without a name', () => {
    const bad = { claimName: 'data' } as unknown as IPlusNamedResource;
    expect(constructErrorOf(() => claimOf(bad).claimRef(consumer())).message).toBe(
      'ml/w: claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got {"claimName":"data"}',
    );
  });
});

describe('isClaim', () => {
  test('VolumeClaim, External.claim and claimOf results are; names and plus claims are not', () => {
    const c = chart();
    expect(isClaim(new VolumeClaim(c, 'v', { storage: Size.gibibytes(1) }))).toBe(true);
    expect(isClaim(External.claim('data'))).toBe(true);
    expect(isClaim(claimOf({ name: 'data' }))).toBe(true);
    expect(isClaim('data')).toBe(false);
    expect(isClaim(undefined)).toBe(false);
    expect(isClaim(new kplus.PersistentVolumeClaim(c, 'p', {}))).toBe(false);
  });
});

describe('VolumeClaim and claimOf refusals name the field', () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  test('a bad name, a bad storage class name', () => {
    expect(messageOf(() => new VolumeClaim(chart(), 'a', { name: 'Bad_Name', storage: Size.gibibytes(1) }))).toMatch(/^ml\/a: name must be /);
    expect(messageOf(() => new VolumeClaim(chart(), 'a', { storage: Size.gibibytes(1), storageClassName: 'Fast_SSD' }))).toMatch(/^ml\/a: storageClassName must be /);
  });

  test('claimOf something that is no claim at all fails when resolved, naming the consumer', () => {
    const consumer = new Construct(chart(), 'job');
    expect(messageOf(() => claimOf(undefined as unknown as IPlusNamedResource).claimRef(consumer)))
      .toBe('ml/job: claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got undefined');
  });
});
