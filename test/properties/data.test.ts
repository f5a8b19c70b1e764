/**
 * DatasetInit, every source and volume kind, attached to a cdk8s-plus Job (the way users
 * attach it to their own workloads): random valid props render compliant manifests; random
 * invalid props throw a construct error.
 */
import { External } from '../../src/core';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  DataSource,
  DatasetAccessMode,
  DatasetInit,
  DatasetInitProps,
  DatasetVolume,
  Extract,
  GcsCredentials,
  HuggingFaceRepoType,
  S3Credentials,
  SecretKey,
} from '../../src/data';
import { SupportedKubernetesVersion } from '../../src/validation/schemas';
import { kplusMain } from '../fixtures/data.fixture';
import { VERSIONS, chartFor, expectCompliant, expectConstructError, params } from './support';

const SHA = 'ab'.repeat(32);
const extract = fc.constantFrom(Extract.NONE, Extract.TAR, Extract.TAR_GZ, Extract.ZIP);
/** Expected sizes stay well below the generated volume sizes (≥ 200 GiB; extraction needs room too). */
const integrity = fc.record({
  expectedSize: fc.option(fc.integer({ min: 1, max: 50 }).map((g) => Size.gibibytes(g)), { nil: undefined }),
});

/** DataSource.pvc mounts a claim as is: no volume, image, resources or tuning (refused by design). */
const pvcSources = new WeakSet<DataSource>();
const PVC_SOURCE = (subPath?: string): DataSource => {
  const s = DataSource.pvc(External.claim('curated'), { subPath });
  pvcSources.add(s);
  return s;
};

const source: fc.Arbitrary<DataSource> = fc.oneof(
  fc.tuple(integrity, fc.option(fc.constant(SHA), { nil: undefined }), extract, fc.boolean())
    .map(([i, sha256, x, headers]) => DataSource.http('https://data.example.com/set/train.tar', {
      ...i, sha256, extract: x, headersFromSecret: headers ? SecretKey.of('http-auth', 'headers') : undefined,
    })),
  fc.tuple(integrity, extract, fc.constantFrom(
    S3Credentials.fromSecret({ accessKeyId: SecretKey.of('s3', 'id'), secretAccessKey: SecretKey.of('s3', 'key') }),
    S3Credentials.fromEnvironment(),
    S3Credentials.anonymous(),
  )).map(([i, x, credentials]) => DataSource.s3('s3://bucket/path/data.zip', { ...i, extract: x, credentials, region: 'us-east-1' })),
  fc.tuple(integrity, fc.constantFrom(GcsCredentials.fromSecret(SecretKey.of('gcs', 'key.json')), GcsCredentials.anonymous()))
    .map(([i, credentials]) => DataSource.gcs('gs://bucket/shard/', { ...i, credentials, sha256Manifest: 'SHA256SUMS' })),
  fc.tuple(integrity, fc.boolean(), fc.constantFrom(HuggingFaceRepoType.MODEL, HuggingFaceRepoType.DATASET))
    .map(([i, token, repoType]) => DataSource.huggingFace('Qwen/Qwen2.5-0.5B-Instruct', {
      ...i, revision: '7ae557604adf67be50417f59c2c2f167def9a775', repoType, token: token ? SecretKey.of('hf', 'token') : undefined,
    })),
  fc.option(fc.constant('v3'), { nil: undefined }).map((subPath) => PVC_SOURCE(subPath)),
);

const volume: fc.Arbitrary<DatasetVolume | undefined> = fc.option(fc.oneof(
  // An emptyDir needs a known size (issue 16: an unsized emptyDir is refused; tested in test/data/ephemeral-storage.test.ts).
  fc.integer({ min: 200, max: 400 }).map((g) => DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(g) })),
  fc.constant(DatasetVolume.pvc(External.claim('dataset-cache'))),
  fc.tuple(fc.integer({ min: 200, max: 1000 }), fc.constantFrom(DatasetAccessMode.READ_WRITE_ONCE, DatasetAccessMode.READ_WRITE_MANY))
    .map(([g, accessMode]) => DatasetVolume.newPvc({ storage: Size.gibibytes(g), accessMode })),
), { nil: undefined });

interface Case {
  readonly version: SupportedKubernetesVersion;
  readonly props: DatasetInitProps;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  version: fc.constantFrom(...VERSIONS),
  props: fc.record({
    source,
    volume,
    mountPath: fc.option(fc.constantFrom('/data', '/data/set-a', '/mnt/x'), { nil: undefined }),
    resources: fc.option(fc.constant({ cpu: '500m', memory: '512Mi' }), { nil: undefined }),
    tuning: fc.option(fc.record({
      retries: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      stallTimeout: fc.option(fc.integer({ min: 10, max: 600 }).map((s) => Duration.seconds(s)), { nil: undefined }),
    }), { nil: undefined }),
    security: fc.option(fc.record({ runAsUser: fc.integer({ min: 1, max: 65535 }) }), { nil: undefined }),
  }),
}).map((c) => (pvcSources.has(c.props.source)
  ? { ...c, props: { ...c.props, volume: undefined, resources: undefined, tuning: undefined } }
  : { ...c, props: { ...c.props, volume: c.props.volume ?? DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(300) }) } }));

/** DatasetInit attached to a restricted cdk8s-plus Job, plus the namespace's default-deny NetworkPolicy. */
function render(c: Case, override: Partial<DatasetInitProps> = {}): any[] {
  const chart = chartFor(c.version);
  const data = new DatasetInit(chart, 'data', { ...c.props, ...override });
  const job = new kplus.Job(chart, 'consumer', {
    securityContext: { user: 1000, group: 1000, fsGroup: 1000 },
    automountServiceAccountToken: false,
    containers: [kplusMain('main')],
  });
  data.attachTo(job);
  new k8s.KubeNetworkPolicy(chart, 'deny', { metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
  return chart.toJson();
}

describe('DatasetInit properties', () => {
  // 100 runs: ~4 objects each (ConfigMap, Job, NetworkPolicy, maybe a PVC), a few ms per case.
  test('random valid props (every source × volume × version) render compliant manifests', () => {
    fc.assert(fc.property(caseArb, (c) => expectCompliant(render(c), c.version)), params(100));
  });

  test('fails random invalid props with a construct error naming the path', () => {
    const invalid = fc.oneof(
      fc.constantFrom('relative/path', '/', '').map((mountPath) => ({ mountPath })),
      fc.constantFrom('Data', 'x'.repeat(80), 'a_b').map((name) => ({ name })),
      fc.constantFrom('busybox', 'curlimages/curl:latest').map((image) => ({ image })),
      fc.constantFrom({ cpu: 'x', memory: '1Gi' }, { cpu: '1', memory: '-1' }).map((resources) => ({ resources })),
      fc.constantFrom(
        DataSource.http('ftp://data.example.com/x'),
        DataSource.http('https://data.example.com/x', { sha256: 'nothex' }),
        DataSource.s3('https://not-s3/x', { credentials: S3Credentials.anonymous() }),
        DataSource.gcs('s3://wrong-scheme/x', { credentials: GcsCredentials.anonymous() }),
        DataSource.huggingFace('not a repo', { revision: 'main' }),
        DataSource.pvc(External.claim('Bad_Claim')),
      ).map((s) => ({ source: s })),
      fc.constantFrom(0, -3).map((runAsUser) => ({ security: { runAsUser } })),
    );
    fc.assert(fc.property(caseArb, invalid, (c, bad) => {
      expectConstructError(() => render(c, bad as Partial<DatasetInitProps>), 'p/data');
    }), params(60));
  });
});
