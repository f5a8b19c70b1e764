/**
 * DatasetVolume (src/data/volume.ts) at its edges, through a DatasetInit `ml/d`, with spelled-out
 * expected values: every volume kind rendered for a cdk8s-ml consumer (L1) and for a cdk8s-plus
 * workload, the claim a newPvc renders, and every validation error with its exact message.
 */
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { External } from '../../src/core';
import { DataSource, DatasetAccessMode, DatasetInit, DatasetInitProps, DatasetVolume, SecretKey } from '../../src/data';
import { kplusMain } from '../fixtures/data.fixture';
import { constructErrorOf } from '../support/errors';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SCRIPT_CM = /^cdk8s-ml-fetch-[0-9a-f]{10}$/;

function chart(): Chart {
  return new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
}

const http = (headers = false) => DataSource.http('https://data.example.com/d.bin', { sha256: SHA, headersFromSecret: headers ? SecretKey.of('auth', 'h') : undefined });

function errorOf(p: DatasetInitProps): string {
  return constructErrorOf(() => new DatasetInit(chart(), 'd', p)).message;
}

/** The pod volumes of a restricted cdk8s-plus Job the dataset is attached to, by name. */
function attachedVolumes(p: DatasetInitProps): Record<string, any> {
  const c = chart();
  const job = new kplus.Job(c, 'j', { securityContext: { user: 1000, group: 1000, fsGroup: 1000 }, containers: [kplusMain('a')] });
  new DatasetInit(c, 'd', p).attachTo(job);
  const spec = Testing.synth(c).find((o) => o.kind === 'Job').spec.template.spec;
  return Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
}

describe('cdk8s-ml consumer (L1 volumes)', () => {
  test('emptyDir with its size, the script ConfigMap read-only, a secret file', () => {
    const ds = new DatasetInit(chart(), 'd', { source: http(true), volume: DatasetVolume.emptyDir({ sizeLimit: Size.mebibytes(1536) }) });
    const volumes = ds.contributeTo(new Construct(Chart.of(ds), 'o')).volumes;
    expect(volumes.map((v) => v.name)).toEqual(['ds-d', 'ds-d-fetch', 'ds-d-headers']);
    expect(volumes[0]).toEqual({ name: 'ds-d', emptyDir: { sizeLimit: { value: '1536Mi' } } });
    expect(volumes[1]).toEqual({ name: 'ds-d-fetch', configMap: { name: expect.stringMatching(SCRIPT_CM), defaultMode: 0o444 } });
    expect(volumes[2]).toEqual({ name: 'ds-d-headers', secret: { secretName: 'auth', items: [{ key: 'h', path: 'headers' }], defaultMode: 0o444 } });
  });

  test('an existing claim is written by the fetcher (not read-only); a DataSource.pvc claim is read-only', () => {
    const cached = new DatasetInit(chart(), 'd', { source: http(), volume: DatasetVolume.pvc(External.claim('cache')) });
    const contribution = cached.contributeTo(new Construct(Chart.of(cached), 'o'));
    expect(contribution.volumes[0]).toEqual({ name: 'ds-d', persistentVolumeClaim: { claimName: 'cache' } });
    expect(contribution.references).toEqual([{ ref: { kind: 'PersistentVolumeClaim', name: 'cache', external: true }, readOnly: false, what: 'dataset d volume' }]);
    const curated = new DatasetInit(chart(), 'd', { source: DataSource.pvc(External.claim('curated')) });
    expect(curated.contributeTo(new Construct(Chart.of(curated), 'o')).volumes).toEqual([{ name: 'ds-d', persistentVolumeClaim: { claimName: 'curated', readOnly: true } }]);
  });
});

describe('cdk8s-plus workload', () => {
  test('emptyDir, ConfigMap, secret file and the fetcher\'s scratch dirs', () => {
    expect(attachedVolumes({ source: http(true), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(3) }) })).toEqual({
      'ds-d': { name: 'ds-d', emptyDir: { sizeLimit: '3Gi' } },
      'ds-d-fetch': { name: 'ds-d-fetch', configMap: { name: expect.stringMatching(SCRIPT_CM), defaultMode: 0o444 } },
      'ds-d-headers': { name: 'ds-d-headers', secret: { secretName: 'auth', items: [{ key: 'h', path: 'headers' }], defaultMode: 0o444 } },
      'ds-d-tmp': { name: 'ds-d-tmp', emptyDir: { sizeLimit: '1Gi' } },
      'ds-d-home': { name: 'ds-d-home', emptyDir: { sizeLimit: '1Gi' } },
    });
  });

  test('a cache claim is writable; a DataSource.pvc claim is read-only', () => {
    expect(attachedVolumes({ source: http(), volume: DatasetVolume.pvc(External.claim('cache')) })['ds-d']).toEqual({ name: 'ds-d', persistentVolumeClaim: { claimName: 'cache' } });
    expect(attachedVolumes({ source: DataSource.pvc(External.claim('curated')) })).toEqual({
      'ds-d': { name: 'ds-d', persistentVolumeClaim: { claimName: 'curated', readOnly: true } },
    });
  });
});

test('bound volumes name their kind', () => {
  const c = chart();
  expect([
    DatasetVolume.emptyDir().bind(c, 'a').kind,
    DatasetVolume.pvc(External.claim('cache')).bind(c, 'b').kind,
    DatasetVolume.newPvc({ storage: Size.gibibytes(1) }).bind(new Construct(c, 'n'), 'c').kind,
  ]).toEqual(['emptyDir', 'pvc', 'newPvc']);
});

describe('newPvc', () => {
  test('the claim: default name, labels, sync wave, access mode, storage', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', { source: http(), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(20) }) });
    expect(ds.claim).toBeDefined();
    const pvc = Testing.synth(c).find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pvc).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'imagenet-data',
        namespace: 'team-a',
        labels: { 'app.kubernetes.io/name': 'imagenet', 'app.kubernetes.io/instance': 'imagenet', 'app.kubernetes.io/component': 'dataset', 'app.kubernetes.io/managed-by': 'cdk8s-ml' },
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
    });
  });

  test('the claim is a reference of the consumer, with its access mode', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', { source: http(), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(2), claimName: 'my.claim', accessMode: DatasetAccessMode.READ_WRITE_ONCE_POD }) });
    const refs = ds.contributeTo(new Construct(c, 'o')).references ?? [];
    expect(refs).toEqual([
      { ref: { kind: 'PersistentVolumeClaim', name: 'my.claim', namespace: 'team-a', external: false, path: 'ml/d/Volume', accessModes: ['ReadWriteOncePod'] }, readOnly: false, what: 'dataset d volume' },
    ]);
  });

  test('a long dataset name gives a claim name of at most 253 characters', () => {
    // dataset names are DNS labels of at most 50 characters: "<name>-data" always fits
    const name = 'n'.repeat(50);
    const c = chart();
    new DatasetInit(c, 'd', { name, source: http(), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(2) }) });
    expect(Testing.synth(c).find((o) => o.kind === 'PersistentVolumeClaim').metadata.name).toBe(`${name}-data`);
  });

  const bad: Array<[string, () => DatasetVolume, string]> = [
    ['a storage of 0', () => DatasetVolume.newPvc({ storage: Size.gibibytes(0) }), 'volume storage must be a positive whole number of KiB, got {"amount":0,"unit":{"label":"gibibytes","inKibiBytes":1048576,"abbr":"Gi"}}'],
    ['a storage of half a KiB', () => DatasetVolume.newPvc({ storage: Size.kibibytes(0.5) }), 'volume storage must be a positive whole number of KiB, got {"amount":0.5,"unit":{"label":"kibibytes","inKibiBytes":1,"abbr":"Ki"}}'],
    ['a storage that is not a Size', () => DatasetVolume.newPvc({ storage: '10Gi' as unknown as Size }), 'volume storage must be a positive whole number of KiB, got "10Gi"'],
    ['a bad claim name', () => DatasetVolume.newPvc({ storage: Size.gibibytes(1), claimName: 'My_Claim' }), 'volume claim name must be a DNS-1123 subdomain'],
    ['a bad storage class', () => DatasetVolume.newPvc({ storage: Size.gibibytes(1), storageClassName: 'Fast SSD' }), 'volume storageClassName must be a DNS-1123 subdomain'],
    ['a read-only access mode', () => DatasetVolume.newPvc({ storage: Size.gibibytes(1), accessMode: 'ReadOnlyMany' as DatasetAccessMode }), 'volume accessMode must be ReadWriteOnce, ReadWriteMany or ReadWriteOncePod (the fetcher writes), got "ReadOnlyMany"'],
    ['an emptyDir sizeLimit of 0', () => DatasetVolume.emptyDir({ sizeLimit: Size.mebibytes(0) }), 'volume sizeLimit must be a positive whole number of KiB, got {"amount":0,"unit":{"label":"mebibytes","inKibiBytes":1024,"abbr":"Mi"}}'],
    ['an existing claim whose name is not a DNS subdomain', () => DatasetVolume.pvc({ name: 'Cache_1' }), 'volume claim name must be a DNS-1123 subdomain (lowercase letters, digits, "-" and "."), got "Cache_1"'],
  ];
  test.each(bad)('fails on %s', (_title, volume, message) => {
    expect(errorOf({ source: http(), volume: volume() })).toMatch(new RegExp(`^ml/d: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
