/**
 * cdk8s-plus interop: every API of cdk8s-ml that takes a cdk8s-plus object accepts the objects
 * of cdk8s-plus-28 through cdk8s-plus-33, installed side by side as devDependencies. `npm test`
 * type-checks this file first (tsc -p tsconfig.test.json), so each `attachTo(job)` below is
 * also a compile test against that version's typings.
 */
import { Chart, Size, Testing } from 'cdk8s';
import * as p28 from 'cdk8s-plus-28';
import * as p29 from 'cdk8s-plus-29';
import * as p30 from 'cdk8s-plus-30';
import * as p31 from 'cdk8s-plus-31';
import * as p32 from 'cdk8s-plus-32';
import * as p33 from 'cdk8s-plus-33';
import { DataSource, DatasetInit, DatasetVolume, IPlusWorkload, SecretKey } from '../../src';
import { expectValidManifests } from '../../src/testing';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What a test needs of one cdk8s-plus module; every version's classes are used as that version declares them. */
interface PlusVersion {
  readonly job: (c: Chart, id: string) => IPlusWorkload;
  readonly deployment: (c: Chart, id: string) => IPlusWorkload;
  readonly secret: (c: Chart, id: string, data: Record<string, string>) => { readonly name: string };
  readonly claim: (c: Chart, id: string) => { readonly name: string };
}

const POD = { securityContext: { user: 1000, group: 1000, fsGroup: 1000 } };
const MAIN = {
  name: 'main',
  image: 'ghcr.io/example/train:1.0',
  securityContext: { user: 1000, group: 1000, readOnlyRootFilesystem: true },
  resources: {},
};

// One entry per installed version. The bodies are identical on purpose: each line compiles
// against a different version's typings.
const VERSIONS: Array<[string, PlusVersion]> = [
  ['cdk8s-plus-28', {
    job: (c, id) => new p28.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p28.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p28.Secret(c, id, { stringData }),
    claim: (c, id) => p28.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
  ['cdk8s-plus-29', {
    job: (c, id) => new p29.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p29.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p29.Secret(c, id, { stringData }),
    claim: (c, id) => p29.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
  ['cdk8s-plus-30', {
    job: (c, id) => new p30.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p30.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p30.Secret(c, id, { stringData }),
    claim: (c, id) => p30.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
  ['cdk8s-plus-31', {
    job: (c, id) => new p31.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p31.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p31.Secret(c, id, { stringData }),
    claim: (c, id) => p31.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
  ['cdk8s-plus-32', {
    job: (c, id) => new p32.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p32.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p32.Secret(c, id, { stringData }),
    claim: (c, id) => p32.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
  ['cdk8s-plus-33', {
    job: (c, id) => new p33.Job(c, id, { ...POD, containers: [MAIN] }),
    deployment: (c, id) => new p33.Deployment(c, id, { ...POD, containers: [MAIN] }),
    secret: (c, id, stringData) => new p33.Secret(c, id, { stringData }),
    claim: (c, id) => p33.PersistentVolumeClaim.fromClaimName(c, id, 'cache'),
  }],
];

function chart(): Chart {
  return new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
}

function podSpecOf(manifests: any[], kind: string): any {
  const o = manifests.find((m) => m.kind === kind);
  if (!o) throw new Error(`no ${kind} in ${manifests.map((m) => m.kind).join(', ')}`);
  return o.spec.template.spec;
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

test('the devDependencies hold six different cdk8s-plus majors', () => {
  const versions = VERSIONS.map(([name]) => `${name}@${require(`${name}/package.json`).version}`);
  expect(new Set(versions).size).toBe(6);
  expect(VERSIONS.map(([name]) => require(`${name}/package.json`).name)).toEqual(VERSIONS.map(([name]) => name));
});

describe.each(VERSIONS)('%s', (_name, plus) => {
  test('DatasetInit.attachTo a Job and a Deployment: fetch init container, read-only data mount, path env', () => {
    const c = chart();
    const token = SecretKey.fromSecret(plus.secret(c, 'hf', { token: 'x' }), 'token');
    const model = new DatasetInit(c, 'model', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.huggingFace('org/m', { revision: 'v1.0', token }) });
    const data = new DatasetInit(c, 'data', {
      source: DataSource.http('https://data.example.com/d.tar.gz', { sha256: SHA }),
      volume: DatasetVolume.pvc(plus.claim(c, 'cache')),
    });
    const job = plus.job(c, 'train');
    const dep = plus.deployment(c, 'serve');
    data.attachTo(job);
    model.attachTo(dep);
    const m = Testing.synth(c);

    const jobSpec = podSpecOf(m, 'Job');
    expect(jobSpec.initContainers.map((i: any) => i.name)).toEqual(['fetch-data']);
    expect(jobSpec.initContainers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The fetcher writes the cache PVC (readOnly false is dropped, as the API server stores it); the main containers mount it read-only (below).
    expect(jobSpec.volumes.find((v: any) => v.name === 'ds-data')).toEqual({ name: 'ds-data', persistentVolumeClaim: { claimName: 'cache' } });
    expect(jobSpec.containers[0].volumeMounts).toContainEqual({ name: 'ds-data', mountPath: '/data/data', subPath: 'data/data', readOnly: true });
    expect(envOf(jobSpec.containers[0]).DATASET_DATA_DIR).toBe('/data/data');

    const depSpec = podSpecOf(m, 'Deployment');
    expect(envOf(depSpec.initContainers[0]).HF_TOKEN).toEqual({ secretKeyRef: { name: m.find((o) => o.kind === 'Secret').metadata.name, key: 'token' } });
    expect(depSpec.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ name: 'ds-model', mountPath: '/data/model', readOnly: true }));
    expectValidManifests(m, { kubernetesVersion: '1.33' });
  });

  test('fails when a Secret of this version lacks the key', () => {
    const c = chart();
    const token = SecretKey.fromSecret(plus.secret(c, 'hf', { other: 'x' }), 'token');
    expect(() => new DatasetInit(c, 'model', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.huggingFace('org/m', { revision: 'v1.0', token }) })).toThrow(/has no key "token" \(it has other\)/);
  });

  test('fails attaching a dataset twice to the same workload', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'data', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('https://data.example.com/d.bin', { sha256: SHA }) });
    const job = plus.job(c, 'train');
    ds.attachTo(job);
    expect(() => ds.attachTo(job)).toThrow('ml/data: already attached to ml/train');
  });
});

test('fails attachTo with something that is not a cdk8s-plus workload', () => {
  const c = chart();
  const ds = new DatasetInit(c, 'data', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('https://data.example.com/d.bin', { sha256: SHA }) });
  expect(() => ds.attachTo({ node: c.node } as unknown as IPlusWorkload)).toThrow(/^ml\/data: attachTo needs a cdk8s-plus workload/);
});
