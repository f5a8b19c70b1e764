/**
 * DataSource (src/data/source.ts) at its edges, through a DatasetInit `ml/d`, with spelled-out
 * expected values: the fetcher env of every source kind and credential, the endpoint each one
 * connects to, the fingerprint's inputs, and every validation error with its exact message.
 */
import { createHash } from 'crypto';
import { Chart, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { External } from '../../src/core';
import {
  DataSource,
  DatasetInit,
  DatasetInitProps,
  DatasetVolume,
  Extract,
  GcsCredentials,
  HuggingFaceRepoType,
  S3Credentials,
  SecretKey,
} from '../../src/data';
import { constructErrorOf } from '../support/errors';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function chart(): Chart {
  return new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
}

function dataset(source: DataSource, extra: Partial<DatasetInitProps> = {}): DatasetInit {
  return new DatasetInit(chart(), 'd', { source, volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(100) }), ...extra });
}

/** The init container's env (values, or the valueFrom object), minus HOME and the XDG cache. */
function env(source: DataSource): Record<string, unknown> {
  const ds = dataset(source);
  const init = ds.contributeTo(new Construct(Chart.of(ds), 'o')).initContainers[0];
  const out: Record<string, unknown> = Object.fromEntries((init.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
  for (const k of ['HOME', 'XDG_CACHE_HOME', 'HF_HOME', 'FETCH_ROOT', 'FETCH_FINGERPRINT', 'FETCH_POD_ID']) delete out[k];
  return out;
}

function errorOf(source: DataSource): string {
  return constructErrorOf(() => dataset(source)).message;
}

const secretRef = (name: string, key: string) => ({ secretKeyRef: { name, key } });

/** The fingerprint of an identity given as its JSON text (keys sorted, with "v":1): a second implementation. */
const sha16 = (json: string) => createHash('sha256').update(json, 'utf8').digest('hex').slice(0, 16);

test('the default fetcher image of each source kind, and the kind of each credential', () => {
  const image = (source: DataSource) => dataset(source).contributeTo(new Construct(chart(), 'o')).initContainers[0].image;
  expect(image(DataSource.http('https://x.example.com/a'))).toBe('curlimages/curl:8.11.1');
  expect(image(DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous() }))).toBe('rclone/rclone:1.68.2');
  expect(image(DataSource.gcs('gs://bucket-a/k', { credentials: GcsCredentials.anonymous() }))).toBe('rclone/rclone:1.68.2');
  expect(image(DataSource.huggingFace('org/m', { revision: 'v1' }))).toBe('kserve/storage-initializer:v0.15.2');
  const s3 = S3Credentials.fromSecret({ accessKeyId: SecretKey.of('s3', 'id'), secretAccessKey: SecretKey.of('s3', 'secret') });
  expect([s3.kind, S3Credentials.fromEnvironment().kind, S3Credentials.anonymous().kind]).toEqual(['secret', 'environment', 'anonymous']);
  expect(Object.keys(s3.keys)).toEqual(['RCLONE_S3_ACCESS_KEY_ID', 'RCLONE_S3_SECRET_ACCESS_KEY']);
  const gcs = GcsCredentials.fromSecret(SecretKey.of('sa', 'key.json'));
  expect([gcs.kind, GcsCredentials.fromEnvironment().kind, GcsCredentials.anonymous().kind]).toEqual(['secret', 'environment', 'anonymous']);
  expect(String(gcs.serviceAccountKey)).toBe('sa/key.json');
  expect([Extract.NONE.value, Extract.TAR.value, Extract.TAR_GZ.value, Extract.ZIP.value]).toEqual(['none', 'tar', 'tar.gz', 'zip']);
  expect([HuggingFaceRepoType.MODEL, HuggingFaceRepoType.DATASET, HuggingFaceRepoType.SPACE]).toEqual(['model', 'dataset', 'space']);
});

test('bind: the kind of each source', () => {
  const scope = chart();
  expect([
    DataSource.http('https://x.example.com/a'),
    DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous() }),
    DataSource.gcs('gs://bucket-a/k', { credentials: GcsCredentials.anonymous() }),
    DataSource.huggingFace('org/m', { revision: 'v1' }),
    DataSource.pvc(External.claim('c')),
  ].map((s) => s.bind(scope).kind)).toEqual(['http', 's3', 'gcs', 'hf', 'pvc']);
});

describe('http', () => {
  test('every option in the env: lowercased sha256, extraction, size, manifest, file name, headers file', () => {
    expect(env(DataSource.http('https://data.example.com/a.zip', {
      sha256: SHA.toUpperCase(), extract: Extract.ZIP, expectedSize: Size.kibibytes(3), sha256Manifest: 'sums/SHA256SUMS', filename: 'a.zip', headersFromSecret: SecretKey.of('auth', 'h'),
    }))).toEqual({
      FETCH_SOURCE: 'http',
      FETCH_URL: 'https://data.example.com/a.zip',
      FETCH_SHA256: SHA,
      FETCH_EXTRACT: 'zip',
      FETCH_EXPECTED_BYTES: '3072',
      FETCH_SHA256_MANIFEST: 'sums/SHA256SUMS',
      FETCH_FILENAME: 'a.zip',
      FETCH_HEADERS_FILE: '/var/run/cdk8s-ml/headers/headers',
    });
    expect(env(DataSource.http('http://data.example.com/b.bin'))).toEqual({ FETCH_SOURCE: 'http', FETCH_URL: 'http://data.example.com/b.bin' });
  });

  test('the endpoint: explicit port, the scheme\'s default, an IPv6 address without brackets', () => {
    const flow = (url: string) => dataset(DataSource.http(url)).flows().map((f) => [f.peer, f.ports]);
    expect(flow('https://data.example.com/a')).toEqual([[{ kind: 'external', host: 'data.example.com' }, [{ port: 443, protocol: 'TCP' }]]]);
    expect(flow('http://data.example.com/a')).toEqual([[{ kind: 'external', host: 'data.example.com' }, [{ port: 80, protocol: 'TCP' }]]]);
    expect(flow('https://data.example.com:8443/a')).toEqual([[{ kind: 'external', host: 'data.example.com' }, [{ port: 8443, protocol: 'TCP' }]]]);
    expect(flow('http://[fd00::1]:8080/a')).toEqual([[{ kind: 'external', host: 'fd00::1' }, [{ port: 8080, protocol: 'TCP' }]]]);
  });

  test('the fingerprint: the URL counts without a sha256; file name and manifest always count', () => {
    const fp = (url: string, o: object = {}) => dataset(DataSource.http(url, o)).fingerprint;
    expect(fp('https://a.example.com/x')).not.toBe(fp('https://b.example.com/x'));
    expect(fp('https://a.example.com/x', { sha256: SHA })).toBe(fp('https://b.example.com/x', { sha256: SHA.toUpperCase() }));
    expect(fp('https://a.example.com/x', { sha256: SHA, filename: 'x.bin' })).not.toBe(fp('https://a.example.com/x', { sha256: SHA }));
    expect(fp('https://a.example.com/x', { sha256: SHA, sha256Manifest: 'SUMS' })).not.toBe(fp('https://a.example.com/x', { sha256: SHA }));
    expect(fp('https://a.example.com/x', { filename: 'x.bin' })).not.toBe(fp('https://a.example.com/x'));
    expect(fp('https://a.example.com/x', { sha256Manifest: 'SUMS' })).not.toBe(fp('https://a.example.com/x'));
    expect(fp('https://a.example.com/x', { extract: Extract.TAR })).not.toBe(fp('https://a.example.com/x'));
  });

  test('the fingerprint, spelled out: without a sha256 the URL, file name and manifest (null when unset)', () => {
    const fp = (o: object = {}) => dataset(DataSource.http('https://a.example.com/x', o)).fingerprint;
    expect(fp()).toBe(sha16('{"extract":"none","filename":null,"manifest":null,"source":"http","url":"https://a.example.com/x","v":1}'));
    expect(fp({ filename: 'x.bin', sha256Manifest: 'SUMS', extract: Extract.TAR })).toBe(
      sha16('{"extract":"tar","filename":"x.bin","manifest":"SUMS","source":"http","url":"https://a.example.com/x","v":1}'),
    );
    expect(fp({ sha256: SHA, filename: 'x.bin', sha256Manifest: 'SUMS' })).toBe(
      sha16(`{"extract":"none","filename":"x.bin","manifest":"SUMS","sha256":"${SHA}","source":"http","v":1}`),
    );
  });

  const bad: Array<[string, () => DataSource, string]> = [
    ['an unparsable URL', () => DataSource.http('not a url'), 'source url is not a valid URL, got "not a url"'],
    ['whitespace in the URL', () => DataSource.http('https://data.example.com/a b'), 'source url must not contain whitespace, got "https://data.example.com/a b"'],
    ['a user name without password in the URL', () => DataSource.http('https://user@data.example.com/a'), 'source url must not carry credentials; pass them with headersFromSecret, got "https://***@data.example.com/a"'],
    ['a password without user name in the URL', () => DataSource.http('https://:pw@data.example.com/a'), 'source url must not carry credentials; pass them with headersFromSecret, got "https://***@data.example.com/a"'],
    ['a sha256 of 63 characters', () => DataSource.http('https://x.example.com/a', { sha256: SHA.slice(1) }), `source sha256 must be 64 hex characters, got "${SHA.slice(1)}" (63 characters)`],
    ['a sha256 with a non-hex character', () => DataSource.http('https://x.example.com/a', { sha256: `g${SHA.slice(1)}` }), `source sha256 must be 64 hex characters, got "g${SHA.slice(1)}" (64 characters)`],
    // an array whose text is a valid sha256: refused by the type check, not by the pattern
    ['a sha256 that is an array of one valid sha256', () => DataSource.http('https://x.example.com/a', { sha256: [SHA] as unknown as string }), `source sha256 must be 64 hex characters, got ["${SHA}"]`],
    ['a sha256 with a trailing newline', () => DataSource.http('https://x.example.com/a', { sha256: `${SHA}\n` }), `source sha256 must be 64 hex characters, got "${SHA}\\n" (65 characters)`],
    ['a sha256 that is not a string', () => DataSource.http('https://x.example.com/a', { sha256: 42 as unknown as string }), 'source sha256 must be 64 hex characters, got 42'],
    ['an extract that is not an Extract', () => DataSource.http('https://x.example.com/a', { extract: 'tar' as unknown as Extract }), 'source extract must be one of Extract.NONE/TAR/TAR_GZ/ZIP, got "tar"'],
    ['an expectedSize of 0', () => DataSource.http('https://x.example.com/a', { expectedSize: Size.kibibytes(0) }), 'source expectedSize must be positive, got 0 bytes'],
    ['an expectedSize that is not a Size', () => DataSource.http('https://x.example.com/a', { expectedSize: { gib: 1 } as unknown as Size }), 'source expectedSize must be a whole number of bytes, got {"gib":1}'],
    ['an expectedSize of a third of a MiB', () => DataSource.http('https://x.example.com/a', { expectedSize: Size.mebibytes(1 / 3) }), `source expectedSize must be a whole number of bytes, got {"amount":${1 / 3},"unit":{"label":"mebibytes","inKibiBytes":1024,"abbr":"Mi"}}`],
    ['an expectedSize beyond 2^53 bytes', () => DataSource.http('https://x.example.com/a', { expectedSize: Size.tebibytes(2 ** 14) }), 'source expectedSize must be a whole number of bytes, got {"amount":16384,"unit":{"label":"tebibytes","inKibiBytes":1073741824,"abbr":"Ti"}}'],
    ['an empty manifest path', () => DataSource.http('https://x.example.com/a', { sha256Manifest: '' }), 'source sha256Manifest must be a relative path inside the data (no "..", no spaces), got ""'],
    ['an absolute manifest path', () => DataSource.http('https://x.example.com/a', { sha256Manifest: '/SUMS' }), 'source sha256Manifest must be a relative path inside the data (no "..", no spaces), got "/SUMS"'],
    ['a manifest path that climbs out', () => DataSource.http('https://x.example.com/a', { sha256Manifest: 'a/../../SUMS' }), 'source sha256Manifest must be a relative path inside the data (no "..", no spaces), got "a/../../SUMS"'],
    ['a manifest path with a space', () => DataSource.http('https://x.example.com/a', { sha256Manifest: 'my SUMS' }), 'source sha256Manifest must be a relative path inside the data (no "..", no spaces), got "my SUMS"'],
    ['a manifest path that is not a string', () => DataSource.http('https://x.example.com/a', { sha256Manifest: 7 as unknown as string }), 'source sha256Manifest must be a relative path inside the data (no "..", no spaces), got 7'],
    ['a file name with a slash', () => DataSource.http('https://x.example.com/a', { filename: 'a/b' }), 'source filename must use only letters, digits, ".", "_" and "-", got "a/b"'],
    ['the file name "."', () => DataSource.http('https://x.example.com/a', { filename: '.' }), 'source filename must use only letters, digits, ".", "_" and "-", got "."'],
    ['the file name ".."', () => DataSource.http('https://x.example.com/a', { filename: '..' }), 'source filename must use only letters, digits, ".", "_" and "-", got ".."'],
    ['an empty file name', () => DataSource.http('https://x.example.com/a', { filename: '' }), 'source filename must use only letters, digits, ".", "_" and "-", got ""'],
  ];
  test.each(bad)('fails on %s', (_title, source, message) => {
    expect(errorOf(source())).toBe(`ml/d: ${message}`);
  });

  test('a size of half a KiB is a whole number of bytes', () => {
    expect(env(DataSource.http('https://x.example.com/a', { expectedSize: Size.kibibytes(0.5) })).FETCH_EXPECTED_BYTES).toBe('512');
  });

  test('file names and manifests at the edge of the rules are accepted', () => {
    expect(env(DataSource.http('https://x.example.com/a', { filename: '..a', sha256Manifest: 'a..b/SUMS' }))).toMatchObject({ FETCH_FILENAME: '..a', FETCH_SHA256_MANIFEST: 'a..b/SUMS' });
  });
});

describe('s3 and gcs', () => {
  const keys = () => S3Credentials.fromSecret({ accessKeyId: SecretKey.of('s3', 'id'), secretAccessKey: SecretKey.of('s3', 'secret') });

  test('s3 env: keys by reference, no session token unless given; provider and region', () => {
    expect(env(DataSource.s3('s3://bucket-a/obj.tar', { credentials: keys(), sha256: SHA, extract: Extract.TAR, expectedSize: Size.mebibytes(1), sha256Manifest: 'SUMS' }))).toEqual({
      FETCH_SOURCE: 's3',
      FETCH_URL: 's3://bucket-a/obj.tar',
      FETCH_SHA256: SHA,
      FETCH_EXTRACT: 'tar',
      FETCH_EXPECTED_BYTES: '1048576',
      FETCH_SHA256_MANIFEST: 'SUMS',
      RCLONE_S3_ACCESS_KEY_ID: secretRef('s3', 'id'),
      RCLONE_S3_SECRET_ACCESS_KEY: secretRef('s3', 'secret'),
      RCLONE_S3_ENV_AUTH: 'false',
      RCLONE_S3_PROVIDER: 'AWS',
    });
    expect(env(DataSource.s3('s3://bucket-a', { credentials: S3Credentials.anonymous(), provider: 'Ceph', endpoint: 'http://ceph.internal:7480', region: 'zone-1' }))).toEqual({
      FETCH_SOURCE: 's3',
      FETCH_URL: 's3://bucket-a',
      RCLONE_S3_ENV_AUTH: 'false',
      RCLONE_S3_ENDPOINT: 'http://ceph.internal:7480',
      RCLONE_S3_REGION: 'zone-1',
      RCLONE_S3_PROVIDER: 'Ceph',
    });
  });

  test('s3 endpoint: AWS virtual-host style with and without region, or the given endpoint', () => {
    const flow = (o: object) => dataset(DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), ...o })).flows().map((f) => [f.peer, f.ports]);
    expect(flow({})).toEqual([[{ kind: 'external', host: 'bucket-a.s3.amazonaws.com' }, [{ port: 443, protocol: 'TCP' }]]]);
    expect(flow({ region: 'eu-west-1' })).toEqual([[{ kind: 'external', host: 'bucket-a.s3.eu-west-1.amazonaws.com' }, [{ port: 443, protocol: 'TCP' }]]]);
    expect(flow({ endpoint: 'http://minio.internal:9000' })).toEqual([[{ kind: 'external', host: 'minio.internal' }, [{ port: 9000, protocol: 'TCP' }]]]);
  });

  test('gcs env per credential kind, and its endpoint', () => {
    expect(env(DataSource.gcs('gs://bucket_b/o.tgz', { credentials: GcsCredentials.fromSecret(SecretKey.of('sa', 'key.json')), extract: Extract.TAR_GZ }))).toEqual({
      FETCH_SOURCE: 'gcs',
      FETCH_URL: 'gs://bucket_b/o.tgz',
      FETCH_EXTRACT: 'tar.gz',
      RCLONE_GCS_SERVICE_ACCOUNT_FILE: '/var/run/cdk8s-ml/gcs/key.json',
      RCLONE_GCS_ENV_AUTH: 'false',
    });
    expect(env(DataSource.gcs('gs://bucket_b', { credentials: GcsCredentials.fromEnvironment() }))).toEqual({ FETCH_SOURCE: 'gcs', FETCH_URL: 'gs://bucket_b', RCLONE_GCS_ENV_AUTH: 'true' });
    expect(env(DataSource.gcs('gs://bucket_b', { credentials: GcsCredentials.anonymous() }))).toEqual({ FETCH_SOURCE: 'gcs', FETCH_URL: 'gs://bucket_b', RCLONE_GCS_ENV_AUTH: 'false', RCLONE_GCS_ANONYMOUS: 'true' });
    expect(dataset(DataSource.gcs('gs://bucket_b', { credentials: GcsCredentials.anonymous() })).flows().map((f) => [f.peer, f.ports])).toEqual([
      [{ kind: 'external', host: 'storage.googleapis.com' }, [{ port: 443, protocol: 'TCP' }]],
    ]);
  });

  test('the fingerprint: kind, uri, sha256, extraction, manifest and the s3 endpoint count', () => {
    const s3 = (uri: string, o: object = {}) => dataset(DataSource.s3(uri, { credentials: S3Credentials.anonymous(), ...o })).fingerprint;
    const gcs = (uri: string, o: object = {}) => dataset(DataSource.gcs(uri, { credentials: GcsCredentials.anonymous(), ...o })).fingerprint;
    const base = s3('s3://bucket-a/k');
    expect(gcs('gs://bucket-a/k')).not.toBe(base);
    expect(s3('s3://bucket-a/j')).not.toBe(base);
    expect(s3('s3://bucket-a/k', { sha256: SHA })).not.toBe(base);
    expect(s3('s3://bucket-a/k', { extract: Extract.ZIP })).not.toBe(base);
    expect(s3('s3://bucket-a/k', { sha256Manifest: 'SUMS' })).not.toBe(base);
    expect(s3('s3://bucket-a/k', { endpoint: 'https://minio.example.com' })).not.toBe(base);
    expect(s3('s3://bucket-a/k', { region: 'eu-west-1' })).toBe(base);
  });

  test('the fingerprint, spelled out: sha256, manifest and s3 endpoint are null when unset', () => {
    const s3 = (o: object = {}) => dataset(DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), ...o })).fingerprint;
    expect(s3()).toBe(sha16('{"endpoint":null,"extract":"none","manifest":null,"sha256":null,"source":"s3","uri":"s3://bucket-a/k","v":1}'));
    expect(s3({ sha256: SHA, sha256Manifest: 'SUMS', endpoint: 'https://minio.example.com' })).toBe(
      sha16(`{"endpoint":"https://minio.example.com","extract":"none","manifest":"SUMS","sha256":"${SHA}","source":"s3","uri":"s3://bucket-a/k","v":1}`),
    );
    expect(dataset(DataSource.gcs('gs://bucket-a/k', { credentials: GcsCredentials.anonymous(), extract: Extract.ZIP })).fingerprint).toBe(
      sha16('{"extract":"zip","manifest":null,"sha256":null,"source":"gcs","uri":"gs://bucket-a/k","v":1}'),
    );
  });

  const bad: Array<[string, () => DataSource, string]> = [
    ['an s3 uri that is not a string', () => DataSource.s3(5 as unknown as string, { credentials: S3Credentials.anonymous() }), 'source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got 5'],
    // an array whose text is a valid uri: refused by the type check, not by the pattern
    ['an s3 uri that is an array of one valid uri', () => DataSource.s3(['s3://bucket-a/k'] as unknown as string, { credentials: S3Credentials.anonymous() }), 'source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got ["s3://bucket-a/k"]'],
    ['an s3 uri with whitespace in the key', () => DataSource.s3('s3://bucket-a/a b', { credentials: S3Credentials.anonymous() }), 'source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got "s3://bucket-a/a b"'],
    ['an s3 uri with text before the scheme', () => DataSource.s3('xs3://bucket-a/k', { credentials: S3Credentials.anonymous() }), 'source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got "xs3://bucket-a/k"'],
    ['a gcs uri with a bucket of 2 characters', () => DataSource.gcs('gs://ab/k', { credentials: GcsCredentials.anonymous() }), 'source uri must be gs://<bucket>[/<key or prefix>] with a valid bucket name, got "gs://ab/k"'],
    ['extract for a whole bucket', () => DataSource.s3('s3://bucket-a', { credentials: S3Credentials.anonymous(), extract: Extract.TAR }), 'source sha256 and extract need a single object, not a bucket or prefix, got "s3://bucket-a"'],
    ['sha256 for a gcs prefix', () => DataSource.gcs('gs://bucket-a/dir/', { credentials: GcsCredentials.anonymous(), sha256: SHA }), 'source sha256 and extract need a single object, not a bucket or prefix, got "gs://bucket-a/dir/"'],
    ['an s3 endpoint with credentials', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), endpoint: 'https://u:p@minio.example.com' }), 'source endpoint must be an http(s) URL without credentials, got "https://u:p@minio.example.com"'],
    ['an s3 endpoint with a user name only', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), endpoint: 'https://u@minio.example.com' }), 'source endpoint must be an http(s) URL without credentials, got "https://u@minio.example.com"'],
    ['an s3 endpoint with a password only', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), endpoint: 'https://:p@minio.example.com' }), 'source endpoint must be an http(s) URL without credentials, got "https://:p@minio.example.com"'],
    ['an s3 endpoint that is not a URL', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), endpoint: 'minio.example.com' }), 'source endpoint must be an http(s) URL without credentials, got "minio.example.com"'],
    ['an s3 endpoint of another scheme', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), endpoint: 'ftp://minio.example.com' }), 'source endpoint must be an http(s) URL without credentials, got "ftp://minio.example.com"'],
    ['an s3 region with capitals', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), region: 'EU-west-1' }), 'source region must be lowercase letters, digits and "-", got "EU-west-1"'],
    ['an s3 region with a trailing space', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), region: 'eu-west-1 ' }), 'source region must be lowercase letters, digits and "-", got "eu-west-1 "'],
    ['an s3 provider with a dash', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), provider: 'My-Store' }), 'source provider must be an rclone S3 provider name, got "My-Store"'],
    ['an s3 provider with a leading space', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.anonymous(), provider: ' Minio' }), 'source provider must be an rclone S3 provider name, got " Minio"'],
    ['s3 credentials that are not S3Credentials', () => DataSource.s3('s3://bucket-a/k', { credentials: GcsCredentials.anonymous() as unknown as S3Credentials }), 'source credentials must be S3Credentials.fromSecret/fromEnvironment/anonymous, got {"kind":"anonymous"}'],
    ['gcs credentials that are not GcsCredentials', () => DataSource.gcs('gs://bucket-a/k', { credentials: S3Credentials.anonymous() as unknown as GcsCredentials }), 'source credentials must be GcsCredentials.fromSecret/fromEnvironment/anonymous, got {"kind":"anonymous","keys":{}}'],
    ['a bad s3 secret key', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.fromSecret({ accessKeyId: SecretKey.of('s3', 'id'), secretAccessKey: SecretKey.of('s3', 'a b') }) }), 'source credentials RCLONE_S3_SECRET_ACCESS_KEY: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got "a b"'],
    ['a bad gcs secret name', () => DataSource.gcs('gs://bucket-a/k', { credentials: GcsCredentials.fromSecret(SecretKey.of('SA', 'key.json')) }), 'source credentials: secret name must be a DNS-1123 subdomain, got "SA"'],
  ];
  test.each(bad)('fails on %s', (_title, source, message) => {
    expect(errorOf(source())).toBe(`ml/d: ${message}`);
  });
});

describe('hugging face', () => {
  test('env: the hf:// prefix is dropped, repo type and include, telemetry off, size and manifest', () => {
    expect(env(DataSource.huggingFace('hf://org/data-set', { revision: 'refs/pr/1', repoType: HuggingFaceRepoType.DATASET, include: ['a/*.parquet', 'README.md'], expectedSize: Size.kibibytes(2), sha256Manifest: 'SUMS' }))).toEqual({
      FETCH_SOURCE: 'hf',
      FETCH_URL: 'org/data-set',
      FETCH_REVISION: 'refs/pr/1',
      FETCH_HF_REPO_TYPE: 'dataset',
      FETCH_EXPECTED_BYTES: '2048',
      FETCH_SHA256_MANIFEST: 'SUMS',
      HF_HUB_DISABLE_TELEMETRY: '1',
      FETCH_INCLUDE: 'a/*.parquet\nREADME.md',
    });
    expect(env(DataSource.huggingFace('gpt2', { revision: 'main' }))).toEqual({
      FETCH_SOURCE: 'hf', FETCH_URL: 'gpt2', FETCH_REVISION: 'main', FETCH_HF_REPO_TYPE: 'model', HF_HUB_DISABLE_TELEMETRY: '1',
    });
    expect(dataset(DataSource.huggingFace('gpt2', { revision: 'main' })).flows().map((f) => [f.peer, f.ports])).toEqual([
      [{ kind: 'external', host: 'huggingface.co' }, [{ port: 443, protocol: 'TCP' }]],
    ]);
  });

  test('the fingerprint: repo (with or without hf://), revision, repo type, manifest; include as a set', () => {
    const fp = (repo: string, o: object = {}) => dataset(DataSource.huggingFace(repo, { revision: 'v1', ...o })).fingerprint;
    const base = fp('org/m');
    expect(fp('hf://org/m')).toBe(base);
    expect(fp('org/n')).not.toBe(base);
    expect(fp('org/m', { revision: 'v2' })).not.toBe(base);
    expect(fp('org/m', { repoType: HuggingFaceRepoType.SPACE })).not.toBe(base);
    expect(fp('org/m', { sha256Manifest: 'SUMS' })).not.toBe(base);
    expect(fp('org/m', { include: ['b', 'a', 'b'] })).toBe(fp('org/m', { include: ['a', 'b'] }));
    expect(fp('org/m', { include: ['a'] })).not.toBe(fp('org/m', { include: ['a', 'b'] }));
  });

  test('a repo id of 96 characters and an include pattern of 256 are accepted', () => {
    const repo = `org/${'m'.repeat(92)}`;
    expect(env(DataSource.huggingFace(repo, { revision: 'v1', include: ['p'.repeat(256)] }))).toMatchObject({ FETCH_URL: repo, FETCH_INCLUDE: 'p'.repeat(256) });
    const include = Array.from({ length: 64 }, (_, i) => `f${i}`);
    expect(env(DataSource.huggingFace('org/m', { revision: 'v1', include })).FETCH_INCLUDE).toBe(include.join('\n'));
  });

  const bad: Array<[string, () => DataSource, string]> = [
    ['a repo id of 97 characters', () => DataSource.huggingFace(`org/${'m'.repeat(93)}`, { revision: 'v1' }), `source repo must be a Hugging Face repo id like "org/name", got "org/${'m'.repeat(93)}"`],
    ['a repo id with ".."', () => DataSource.huggingFace('org/m..x', { revision: 'v1' }), 'source repo must be a Hugging Face repo id like "org/name", got "org/m..x"'],
    ['a repo id that is not a string', () => DataSource.huggingFace(3 as unknown as string, { revision: 'v1' }), 'source repo must be a Hugging Face repo id like "org/name", got 3'],
    ['a repo id with hf:// inside', () => DataSource.huggingFace('org/hf://m', { revision: 'v1' }), 'source repo must be a Hugging Face repo id like "org/name", got "org/hf://m"'],
    ['a repo id with a trailing slash', () => DataSource.huggingFace('org/', { revision: 'v1' }), 'source repo must be a Hugging Face repo id like "org/name", got "org/"'],
    ['no revision', () => DataSource.huggingFace('org/m', {} as never), 'source revision is required for Hugging Face repo "org/m": pin a commit sha (or a tag/branch), got undefined'],
    ['no options', () => DataSource.huggingFace('org/m', undefined as never), 'source revision is required for Hugging Face repo "org/m": pin a commit sha (or a tag/branch), got undefined'],
    ['a revision with ".."', () => DataSource.huggingFace('org/m', { revision: 'v1..v2' }), 'source revision must be a commit sha, tag or branch name, got "v1..v2"'],
    ['a revision with a space', () => DataSource.huggingFace('org/m', { revision: 'v 1' }), 'source revision must be a commit sha, tag or branch name, got "v 1"'],
    ['a revision that is not a string', () => DataSource.huggingFace('org/m', { revision: 1 as unknown as string }), 'source revision must be a commit sha, tag or branch name, got 1'],
    ['an unknown repo type', () => DataSource.huggingFace('org/m', { revision: 'v1', repoType: 'models' as HuggingFaceRepoType }), 'source repoType must be model, dataset or space, got "models"'],
    ['an include that is not a list', () => DataSource.huggingFace('org/m', { revision: 'v1', include: '*.json' as unknown as string[] }), 'source include must be a non-empty list of glob patterns (omit it to download every file), got "*.json"'],
    ['an include pattern of 257 characters', () => DataSource.huggingFace('org/m', { revision: 'v1', include: ['p'.repeat(257)] }), `source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "${'p'.repeat(257)}"`],
    ['a blank include pattern', () => DataSource.huggingFace('org/m', { revision: 'v1', include: [' \t'] }), 'source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got " \\t"'],
    ['an include pattern of spaces only', () => DataSource.huggingFace('org/m', { revision: 'v1', include: ['   '] }), 'source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "   "'],
    ['an include pattern with DEL', () => DataSource.huggingFace('org/m', { revision: 'v1', include: ['a\u007f'] }), 'source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "a\u007f"'],
    ['an include pattern with NUL', () => DataSource.huggingFace('org/m', { revision: 'v1', include: ['a\u0000'] }), 'source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "a\\u0000"'],
    ['an include pattern that is not a string', () => DataSource.huggingFace('org/m', { revision: 'v1', include: [7 as unknown as string] }), 'source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got 7'],
    ['a bad token key', () => DataSource.huggingFace('org/m', { revision: 'v1', token: SecretKey.of('hf', '') }), 'source token: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got ""'],
  ];
  test.each(bad)('fails on %s', (_title, source, message) => {
    expect(errorOf(source())).toBe(`ml/d: ${message}`);
  });
});

describe('External secrets of a source are recorded on the consumer', () => {
  test.each([
    ['http headers', () => DataSource.http('https://x.example.com/a', { headersFromSecret: SecretKey.of(External.secret('hdr'), 'h') })],
    ['s3 keys', () => DataSource.s3('s3://bucket-a/k', { credentials: S3Credentials.fromSecret({ accessKeyId: SecretKey.of('plain', 'id'), secretAccessKey: SecretKey.of(External.secret('hdr'), 's') }) })],
    ['a gcs key', () => DataSource.gcs('gs://bucket-a/k', { credentials: GcsCredentials.fromSecret(SecretKey.of(External.secret('hdr'), 'key.json')) })],
    ['a hugging face token', () => DataSource.huggingFace('org/m', { revision: 'v1', token: SecretKey.of(External.secret('hdr'), 't') })],
  ])('%s', (_title, source) => {
    const ds = dataset(source());
    const refs = ds.contributeTo(new Construct(Chart.of(ds), 'o')).references ?? [];
    expect(refs.map((r) => [r.ref.kind, r.ref.name, r.ref.external, r.readOnly, r.what])).toEqual([['Secret', 'hdr', true, true, 'dataset d secret']]);
  });
});

describe('pvc', () => {
  test('subPath given or not; the claim name is the fingerprint\'s input', () => {
    const ds = (o?: object) => new DatasetInit(chart(), 'd', { source: DataSource.pvc(External.claim('curated'), o) });
    expect(ds({ subPath: 'a/b' }).contributeTo(new Construct(chart(), 'o')).volumeMounts).toEqual([{ name: 'ds-d', mountPath: '/data/d', subPath: 'a/b', readOnly: true }]);
    expect(ds().contributeTo(new Construct(chart(), 'o')).volumeMounts).toEqual([{ name: 'ds-d', mountPath: '/data/d', readOnly: true }]);
    expect(ds().fingerprint).toBe('');
  });

  test('bind: a read-only claim mount and nothing to fetch, spelled out (options may be null)', () => {
    const scope = chart();
    const claim = External.claim('curated');
    const config = DataSource.pvc(claim, { subPath: 'a/b' }).bind(scope);
    expect({ ...config, extract: config.extract.value, claim: { ...config.claim, ref: undefined } }).toEqual({
      kind: 'pvc',
      env: {},
      identity: { source: 'pvc', claimName: 'curated', subPath: 'a/b' },
      extract: 'none',
      secretFiles: [],
      defaultImage: '',
      claim: { claimName: 'curated', subPath: 'a/b', ref: undefined },
    });
    expect(config.claim!.ref.name).toBe('curated');
    const bare = DataSource.pvc(claim, null as never).bind(scope);
    expect([bare.identity, bare.claim!.claimName, bare.claim!.subPath]).toEqual([{ source: 'pvc', claimName: 'curated', subPath: null }, 'curated', undefined]);
  });

  const bad: Array<[string, () => DataSource, string]> = [
    ['an empty subPath', () => DataSource.pvc(External.claim('c'), { subPath: '' }), 'source subPath must be a relative path without "..", got ""'],
    ['an absolute subPath', () => DataSource.pvc(External.claim('c'), { subPath: '/a' }), 'source subPath must be a relative path without "..", got "/a"'],
    ['a subPath that climbs out', () => DataSource.pvc(External.claim('c'), { subPath: 'a/..' }), 'source subPath must be a relative path without "..", got "a/.."'],
    ['a subPath that is not a string', () => DataSource.pvc(External.claim('c'), { subPath: 1 as unknown as string }), 'source subPath must be a relative path without "..", got 1'],
    ['a claim that is neither an IClaim nor a named resource', () => DataSource.pvc(5 as never), 'claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got 5'],
    ['a claim name that is not a DNS subdomain', () => DataSource.pvc({ name: 'Cache_1' }), 'source claim name must be a DNS-1123 subdomain (lowercase letters, digits, "-" and "."), got "Cache_1"'],
  ];
  test.each(bad)('fails on %s', (_title, source, message) => {
    expect(constructErrorOf(() => new DatasetInit(chart(), 'd', { source: source() })).message).toBe(`ml/d: ${message}`);
  });
});
