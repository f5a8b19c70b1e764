import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvMap, EnvSource } from '../core/env';
import { fail, show } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { sizeToBytes } from '../core/resources';
import { SecretKey } from './secret-key';
import { IClaim, ResolvedReference } from '../core/refs';
import { IPlusNamedResource } from '../core/plus-workload';
import { claimOf, isClaim } from '../core/claim';
import { HUGGING_FACE_HUB_HOST } from '../core/flows';

/**
 * Default fetcher images, pinned. Each runs as an arbitrary non-root uid with a read-only
 * root filesystem (the fetch script writes only to the dataset volume, /tmp and HOME).
 * Override with `DatasetInitProps.image` (e.g. a mirror in your registry, or a digest).
 */
export const DEFAULT_FETCH_IMAGES = {
  /** curl on Alpine (busybox tar/unzip/sha256sum): HTTP(S) sources. */
  http: 'curlimages/curl:8.11.1',
  /** rclone on Alpine (busybox tools): S3 and GCS sources. */
  objectStore: 'rclone/rclone:1.68.2',
  /**
   * KServe's storage initializer (Debian slim, Python venv on PATH with huggingface_hub and
   * its `huggingface-cli`): Hugging Face Hub sources. Hugging Face publishes no maintained
   * CLI-only image; any image with `sh`, coreutils and `hf` or `huggingface-cli` works.
   */
  huggingFace: 'kserve/storage-initializer:v0.15.2',
} as const;

/** How a downloaded archive is unpacked into the data directory. */
export class Extract {
  /** Keep the downloaded object as is (`data/<file name>`). */
  public static readonly NONE = new Extract('none');
  /** An uncompressed tar archive. */
  public static readonly TAR = new Extract('tar');
  /** A gzip-compressed tar archive (`.tar.gz`, `.tgz`). */
  public static readonly TAR_GZ = new Extract('tar.gz');
  /** A zip archive. */
  public static readonly ZIP = new Extract('zip');

  private constructor(
    /** The `FETCH_EXTRACT` value. */
    public readonly value: string,
  ) {}
}

/** Options shared by sources that download a single object (or a tree). */
export interface SourceIntegrityOptions {
  /**
   * Expected download size: checked against the volume's size at synth time (×2 when
   * extracting) and against free space before the download starts.
   * @default - unknown; no space checks
   */
  readonly expectedSize?: Size;
  /**
   * A `sha256sum -c` manifest checked against the final tree: a path relative to the
   * data directory (e.g. `SHA256SUMS` shipped inside the archive).
   * @default - none
   */
  readonly sha256Manifest?: string;
}

/** Options of {@link DataSource.http}. */
export interface HttpSourceOptions extends SourceIntegrityOptions {
  /**
   * SHA-256 of the downloaded file (64 hex characters), verified before extraction. Strongly
   * recommended: it also makes the dataset identity independent of the URL (mirrors and
   * rotating presigned URLs do not cause a refetch).
   * @default - no checksum; the download is only checked against the announced size
   */
  readonly sha256?: string;
  /**
   * How to unpack the download.
   * @default Extract.NONE
   */
  readonly extract?: Extract;
  /**
   * Extra request headers from a Secret key holding `Name: value` lines (e.g.
   * `Authorization: Bearer …`), mounted as a file; never rendered into the manifest.
   * @default - none
   */
  readonly headersFromSecret?: SecretKey;
  /**
   * File name under the data directory when not extracting.
   * @default - the last path segment of the URL
   */
  readonly filename?: string;
}

/** Credentials of an S3 (or S3-compatible) source, used through rclone. */
export class S3Credentials {
  /**
   * Access keys from a Secret (env `RCLONE_S3_ACCESS_KEY_ID` / `RCLONE_S3_SECRET_ACCESS_KEY`
   * / `RCLONE_S3_SESSION_TOKEN` by `secretKeyRef`).
   */
  public static fromSecret(options: {
    /** Key holding the access key id. */
    readonly accessKeyId: SecretKey;
    /** Key holding the secret access key. */
    readonly secretAccessKey: SecretKey;
    /** Key holding a session token. @default - none */
    readonly sessionToken?: SecretKey;
  }): S3Credentials {
    const keys: Record<string, SecretKey> = {
      RCLONE_S3_ACCESS_KEY_ID: options.accessKeyId,
      RCLONE_S3_SECRET_ACCESS_KEY: options.secretAccessKey,
    };
    if (options.sessionToken) keys.RCLONE_S3_SESSION_TOKEN = options.sessionToken;
    return new S3Credentials('secret', keys);
  }

  /** The AWS SDK chain of the pod (IRSA, EKS Pod Identity, instance profile, env). */
  public static fromEnvironment(): S3Credentials {
    return new S3Credentials('environment', {});
  }

  /** Anonymous access to a public bucket. */
  public static anonymous(): S3Credentials {
    return new S3Credentials('anonymous', {});
  }

  private constructor(
    /** `secret`, `environment` or `anonymous`. */
    public readonly kind: string,
    /** Env var name → Secret key. */
    public readonly keys: Record<string, SecretKey>,
  ) {}
}

/** Credentials of a Google Cloud Storage source, used through rclone. */
export class GcsCredentials {
  /** A service-account JSON key in a Secret, mounted as a file (`RCLONE_GCS_SERVICE_ACCOUNT_FILE`). */
  public static fromSecret(serviceAccountKey: SecretKey): GcsCredentials {
    return new GcsCredentials('secret', serviceAccountKey);
  }

  /** The pod's environment (GKE Workload Identity, metadata server). */
  public static fromEnvironment(): GcsCredentials {
    return new GcsCredentials('environment', undefined);
  }

  /** Anonymous access to a public bucket. */
  public static anonymous(): GcsCredentials {
    return new GcsCredentials('anonymous', undefined);
  }

  private constructor(
    /** `secret`, `environment` or `anonymous`. */
    public readonly kind: string,
    /** The service-account key, for `secret`. */
    public readonly serviceAccountKey: SecretKey | undefined,
  ) {}
}

/** Options of {@link DataSource.s3}. */
export interface S3SourceOptions extends SourceIntegrityOptions {
  /** How rclone authenticates. */
  readonly credentials: S3Credentials;
  /**
   * Endpoint of an S3-compatible store (MinIO, Ceph, R2…), an `http(s)://` URL.
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Region of the bucket.
   * @default - rclone's default (us-east-1), or the endpoint's
   */
  readonly region?: string;
  /**
   * rclone S3 provider (`AWS`, `Minio`, `Ceph`, `Cloudflare`, `Other`…).
   * @default - `AWS`, or `Other` when an endpoint is set
   */
  readonly provider?: string;
  /** SHA-256 of the single object. @default - none */
  readonly sha256?: string;
  /** Unpack the single object. @default Extract.NONE */
  readonly extract?: Extract;
}

/** Options of {@link DataSource.gcs}. */
export interface GcsSourceOptions extends SourceIntegrityOptions {
  /** How rclone authenticates. */
  readonly credentials: GcsCredentials;
  /** SHA-256 of the single object. @default - none */
  readonly sha256?: string;
  /** Unpack the single object. @default Extract.NONE */
  readonly extract?: Extract;
}

/** Kind of a Hugging Face Hub repository. */
export enum HuggingFaceRepoType {
  /** A model repository. */
  MODEL = 'model',
  /** A dataset repository. */
  DATASET = 'dataset',
  /** A Space. */
  SPACE = 'space',
}

/** Options of {@link DataSource.huggingFace}. */
export interface HuggingFaceSourceOptions extends SourceIntegrityOptions {
  /**
   * Revision to download: a commit sha (best: immutable), a tag, or a branch name (the
   * content behind a branch changes while the fingerprint does not, so pods keep the
   * first download they made).
   */
  readonly revision: string;
  /** Hub token from a Secret (`HF_TOKEN`), for gated or private repositories. @default - anonymous */
  readonly token?: SecretKey;
  /** @default HuggingFaceRepoType.MODEL */
  readonly repoType?: HuggingFaceRepoType;
  /**
   * Glob patterns limiting which files of the repo are downloaded, e.g.
   * `['*.safetensors', 'config.json']` (huggingface_hub `allow_patterns` semantics).
   * At most 64 non-empty patterns, each a single line not starting with `-`. The
   * patterns are part of the fingerprint: changing them refetches the data.
   * @default - every file of the repo
   */
  readonly include?: string[];
}

/** Options of {@link DataSource.pvc}. */
export interface PvcSourceOptions {
  /**
   * Directory inside the volume to mount.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/** A file a source needs in the fetcher, from a Secret key. */
export interface SecretFile {
  /** Suffix of the pod volume name (`<dataset>-<suffix>`). */
  readonly volumeSuffix: string;
  /** The Secret key. */
  readonly secret: SecretKey;
  /** Directory it is mounted at in the fetcher. */
  readonly mountDir: string;
  /** File name inside `mountDir`. */
  readonly fileName: string;
}

/** What a source contributes to the fetcher, resolved at synth time. */
export interface DataSourceConfig {
  /** `http`, `s3`, `gcs`, `hf` or `pvc`. */
  readonly kind: string;
  /** Env of the fetcher (FETCH_* and tool settings; secrets by reference). Empty for `pvc`. */
  readonly env: EnvMap;
  /** Everything that defines the content, hashed into `FETCH_FINGERPRINT`. */
  readonly identity: Record<string, unknown>;
  /** Archive handling. */
  readonly extract: Extract;
  /** Expected download size in bytes. */
  readonly expectedBytes?: number;
  /** Secret files to mount into the fetcher. */
  readonly secretFiles: SecretFile[];
  /** Default fetcher image. Empty for `pvc`. */
  readonly defaultImage: string;
  /** For `pvc`: the existing claim and subPath mounted read-only, without fetching. */
  readonly claim?: { readonly claimName: string; readonly subPath?: string; readonly ref: ResolvedReference };
  /**
   * Where the fetcher connects (the network flow it needs); none for `pvc`.
   * @default - none
   */
  readonly endpoint?: SourceEndpoint;
  /**
   * Secrets the fetcher uses that are declared `External` (recorded on each consumer).
   * @default - none
   */
  readonly externalSecrets?: ResolvedReference[];
}

/** The External references among `keys` (after their `validate`). */
function externalSecrets(keys: ReadonlyArray<SecretKey | undefined>): ResolvedReference[] {
  return keys.flatMap((k) => (k?.externalRef ? [k.externalRef] : []));
}

/** A host and TCP port a fetcher connects to. */
export interface SourceEndpoint {
  /** DNS name (or address) of the host. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** Host and port of an http(s) URL. */
function urlEndpoint(u: URL): SourceEndpoint {
  // an IPv6 address is the only hostname in brackets
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

const SHA256 = /^[0-9a-fA-F]{64}$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s]*)?$/;
const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(\/[^\s]*)?$/;
const HF_REPO = /^([A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HF_REVISION = /^[A-Za-z0-9._/-]+$/;
const FILE_NAME = /^[A-Za-z0-9._-]+$/;
const MAX_INCLUDE_PATTERNS = 64;
const MAX_INCLUDE_PATTERN_LENGTH = 256;
const SECRET_DIR = '/var/run/cdk8s-ml';

/**
 * Where a dataset comes from. Use the static factories; `DatasetInit` validates the
 * options (errors name the DatasetInit's path).
 */
export abstract class DataSource {
  /** An `http(s)://` URL, fetched with curl (resume, retries, sha256, extraction). */
  public static http(url: string, options: HttpSourceOptions = {}): DataSource {
    return new HttpSource(url, options);
  }

  /** An `s3://bucket/key` object or prefix, copied with rclone. */
  public static s3(uri: string, options: S3SourceOptions): DataSource {
    return new ObjectStoreSource('s3', uri, options);
  }

  /** A `gs://bucket/key` object or prefix, copied with rclone. */
  public static gcs(uri: string, options: GcsSourceOptions): DataSource {
    return new ObjectStoreSource('gcs', uri, options);
  }

  /** A Hugging Face Hub repository (`org/name`) at a pinned revision, via the huggingface_hub CLI. */
  public static huggingFace(repo: string, options: HuggingFaceSourceOptions): DataSource {
    return new HuggingFaceSource(repo, options);
  }

  /**
   * A claim that already holds the data: mounted read-only, no copy, no init container. A
   * `VolumeClaim` or cdk8s-plus `PersistentVolumeClaim` of the app, or `External.claim(name)`
   * for one managed elsewhere.
   */
  public static pvc(claim: IClaim | IPlusNamedResource, options: PvcSourceOptions = {}): DataSource {
    return new PvcSource(isClaim(claim) ? claim : claimOf(claim), options);
  }

  /** Validates the options (errors name `scope`) and resolves the fetcher config. */
  public abstract bind(scope: IConstruct): DataSourceConfig;
}

function checkSha256(scope: IConstruct, sha256: string | undefined): string | undefined {
  if (sha256 === undefined) return undefined;
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    fail(scope, `source sha256 must be 64 hex characters, got ${show(sha256)}${typeof sha256 === 'string' ? ` (${sha256.length} characters)` : ''}`);
  }
  return sha256.toLowerCase();
}

function checkExtract(scope: IConstruct, extract: Extract | undefined): Extract {
  if (extract === undefined) return Extract.NONE;
  if (!(extract instanceof Extract)) fail(scope, `source extract must be one of Extract.NONE/TAR/TAR_GZ/ZIP, got ${show(extract)}`);
  return extract;
}

function checkSize(scope: IConstruct, size: Size | undefined): number | undefined {
  if (size === undefined) return undefined;
  let bytes = NaN;
  try {
    bytes = sizeToBytes(size);
  } catch {
    // not a Size: reported below
  }
  if (!Number.isSafeInteger(bytes)) fail(scope, `source expectedSize must be a whole number of bytes, got ${show(size)}`);
  if (bytes <= 0) fail(scope, `source expectedSize must be positive, got ${bytes} bytes`);
  return bytes;
}

function checkManifest(scope: IConstruct, manifest: string | undefined): string | undefined {
  if (manifest === undefined) return undefined;
  if (typeof manifest !== 'string' || manifest === '' || manifest.startsWith('/') || manifest.split('/').includes('..') || /\s/.test(manifest)) {
    fail(scope, `source sha256Manifest must be a relative path inside the data (no "..", no spaces), got ${show(manifest)}`);
  }
  return manifest;
}

function integrityEnv(sha256: string | undefined, extract: Extract, expectedBytes: number | undefined, manifest: string | undefined): EnvMap {
  const env: EnvMap = {};
  if (sha256) env.FETCH_SHA256 = sha256;
  if (extract !== Extract.NONE) env.FETCH_EXTRACT = extract.value;
  if (expectedBytes !== undefined) env.FETCH_EXPECTED_BYTES = String(expectedBytes);
  if (manifest) env.FETCH_SHA256_MANIFEST = manifest;
  return env;
}

class HttpSource extends DataSource {
  constructor(private readonly url: string, private readonly options: HttpSourceOptions) {
    super();
  }

  public bind(scope: IConstruct): DataSourceConfig {
    const o = this.options;
    let parsed: URL;
    try {
      parsed = new URL(this.url);
    } catch {
      return fail(scope, `source url is not a valid URL, got ${show(this.url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      fail(scope, `source url must use http or https (DataSource.s3/gcs/huggingFace cover the others), got ${show(this.url)}`);
    }
    if (parsed.username || parsed.password) {
      fail(scope, `source url must not carry credentials; pass them with headersFromSecret, got ${show(`${parsed.protocol}//***@${parsed.host}${parsed.pathname}`)}`);
    }
    if (/\s/.test(this.url)) fail(scope, `source url must not contain whitespace, got ${show(this.url)}`);
    const sha256 = checkSha256(scope, o.sha256);
    const extract = checkExtract(scope, o.extract);
    const expectedBytes = checkSize(scope, o.expectedSize);
    const manifest = checkManifest(scope, o.sha256Manifest);
    if (o.filename !== undefined && (!FILE_NAME.test(o.filename) || o.filename === '.' || o.filename === '..')) {
      fail(scope, `source filename must use only letters, digits, ".", "_" and "-", got ${show(o.filename)}`);
    }
    const env: EnvMap = { FETCH_SOURCE: 'http', FETCH_URL: this.url, ...integrityEnv(sha256, extract, expectedBytes, manifest) };
    if (o.filename) env.FETCH_FILENAME = o.filename;
    const secretFiles: SecretFile[] = [];
    if (o.headersFromSecret) {
      o.headersFromSecret.validate(scope, 'source headersFromSecret');
      const file: SecretFile = { volumeSuffix: 'headers', secret: o.headersFromSecret, mountDir: `${SECRET_DIR}/headers`, fileName: 'headers' };
      secretFiles.push(file);
      env.FETCH_HEADERS_FILE = `${file.mountDir}/${file.fileName}`;
    }
    // With a sha256 the URL does not define the content (mirrors, rotating presigned URLs).
    const identity = sha256
      ? { source: 'http', sha256, extract: extract.value, filename: o.filename ?? null, manifest: manifest ?? null }
      : { source: 'http', url: this.url, extract: extract.value, filename: o.filename ?? null, manifest: manifest ?? null };
    return {
      kind: 'http', env, identity, extract, expectedBytes, secretFiles, defaultImage: DEFAULT_FETCH_IMAGES.http, endpoint: urlEndpoint(parsed),
      externalSecrets: externalSecrets([o.headersFromSecret]),
    };
  }
}

class ObjectStoreSource extends DataSource {
  constructor(
    private readonly kind: 's3' | 'gcs',
    private readonly uri: string,
    private readonly options: S3SourceOptions | GcsSourceOptions,
  ) {
    super();
  }

  public bind(scope: IConstruct): DataSourceConfig {
    const o = this.options;
    const pattern = this.kind === 's3' ? S3_URI : GCS_URI;
    const m = typeof this.uri === 'string' ? pattern.exec(this.uri) : null;
    if (!m) {
      fail(scope, `source uri must be ${this.kind === 's3' ? 's3' : 'gs'}://<bucket>[/<key or prefix>] with a valid bucket name, got ${show(this.uri)}`);
    }
    const sha256 = checkSha256(scope, o.sha256);
    const extract = checkExtract(scope, o.extract);
    if ((sha256 || extract !== Extract.NONE) && (m[2] === undefined || m[2].endsWith('/'))) {
      fail(scope, `source sha256 and extract need a single object, not a bucket or prefix, got ${show(this.uri)}`);
    }
    const expectedBytes = checkSize(scope, o.expectedSize);
    const manifest = checkManifest(scope, o.sha256Manifest);
    const env: EnvMap = { FETCH_SOURCE: this.kind, FETCH_URL: this.uri, ...integrityEnv(sha256, extract, expectedBytes, manifest) };
    const secretFiles: SecretFile[] = [];
    const identity: Record<string, unknown> = { source: this.kind, uri: this.uri, sha256: sha256 ?? null, extract: extract.value, manifest: manifest ?? null };
    if (this.kind === 's3') {
      const s3 = o as S3SourceOptions;
      if (!(s3.credentials instanceof S3Credentials)) {
        fail(scope, `source credentials must be S3Credentials.fromSecret/fromEnvironment/anonymous, got ${show(s3.credentials)}`);
      }
      for (const [name, key] of Object.entries(s3.credentials.keys)) {
        key.validate(scope, `source credentials ${name}`);
        env[name] = EnvSource.fromSecret(key.secretName, key.key);
      }
      env.RCLONE_S3_ENV_AUTH = s3.credentials.kind === 'environment' ? 'true' : 'false';
      if (s3.endpoint !== undefined) {
        let ok = false;
        try {
          const u = new URL(s3.endpoint);
          ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
        } catch {
          // not a URL: ok stays false
        }
        if (!ok) fail(scope, `source endpoint must be an http(s) URL without credentials, got ${show(s3.endpoint)}`);
        env.RCLONE_S3_ENDPOINT = s3.endpoint;
      }
      if (s3.region !== undefined) {
        if (!/^[a-z0-9-]+$/.test(s3.region)) fail(scope, `source region must be lowercase letters, digits and "-", got ${show(s3.region)}`);
        env.RCLONE_S3_REGION = s3.region;
      }
      const provider = s3.provider ?? (s3.endpoint ? 'Other' : 'AWS');
      if (!/^[A-Za-z0-9]+$/.test(provider)) fail(scope, `source provider must be an rclone S3 provider name, got ${show(provider)}`);
      env.RCLONE_S3_PROVIDER = provider;
      identity.endpoint = s3.endpoint ?? null;
    } else {
      const gcs = o as GcsSourceOptions;
      if (!(gcs.credentials instanceof GcsCredentials)) {
        fail(scope, `source credentials must be GcsCredentials.fromSecret/fromEnvironment/anonymous, got ${show(gcs.credentials)}`);
      }
      if (gcs.credentials.serviceAccountKey) {
        gcs.credentials.serviceAccountKey.validate(scope, 'source credentials');
        const file: SecretFile = { volumeSuffix: 'gcs', secret: gcs.credentials.serviceAccountKey, mountDir: `${SECRET_DIR}/gcs`, fileName: 'key.json' };
        secretFiles.push(file);
        env.RCLONE_GCS_SERVICE_ACCOUNT_FILE = `${file.mountDir}/${file.fileName}`;
      }
      env.RCLONE_GCS_ENV_AUTH = gcs.credentials.kind === 'environment' ? 'true' : 'false';
      if (gcs.credentials.kind === 'anonymous') env.RCLONE_GCS_ANONYMOUS = 'true';
    }
    let endpoint: SourceEndpoint;
    if (this.kind === 'gcs') {
      endpoint = { host: 'storage.googleapis.com', port: 443 };
    } else {
      const s3 = o as S3SourceOptions;
      // rclone addresses AWS buckets virtual-host style: <bucket>.s3[.<region>].amazonaws.com
      endpoint = s3.endpoint !== undefined
        ? urlEndpoint(new URL(s3.endpoint))
        : { host: `${m[1]}.s3${s3.region ? `.${s3.region}` : ''}.amazonaws.com`, port: 443 };
    }
    const keys = this.kind === 's3' ? Object.values((o as S3SourceOptions).credentials.keys) : [(o as GcsSourceOptions).credentials.serviceAccountKey];
    return { kind: this.kind, env, identity, extract, expectedBytes, secretFiles, defaultImage: DEFAULT_FETCH_IMAGES.objectStore, endpoint, externalSecrets: externalSecrets(keys) };
  }
}

function checkInclude(scope: IConstruct, include: string[] | undefined): string[] | undefined {
  if (include === undefined) return undefined;
  if (!Array.isArray(include) || include.length === 0) {
    fail(scope, `source include must be a non-empty list of glob patterns (omit it to download every file), got ${show(include)}`);
  }
  if (include.length > MAX_INCLUDE_PATTERNS) fail(scope, `source include must have at most ${MAX_INCLUDE_PATTERNS} patterns, got ${include.length}`);
  for (const pattern of include) {
    if (typeof pattern !== 'string' || pattern.trim() === '' || pattern.length > MAX_INCLUDE_PATTERN_LENGTH || /[\u0000-\u001f\u007f]/.test(pattern) || pattern.startsWith('-')) {
      fail(
        scope,
        `source include patterns must be non-empty single-line glob patterns of at most ${MAX_INCLUDE_PATTERN_LENGTH} characters, not starting with "-", got ${show(pattern)}`,
      );
    }
  }
  return include;
}

class HuggingFaceSource extends DataSource {
  constructor(private readonly repo: string, private readonly options: HuggingFaceSourceOptions) {
    super();
  }

  public bind(scope: IConstruct): DataSourceConfig {
    const o = this.options ?? ({} as HuggingFaceSourceOptions);
    const repo = typeof this.repo === 'string' ? this.repo.replace(/^hf:\/\//, '') : this.repo;
    if (typeof repo !== 'string' || !HF_REPO.test(repo) || repo.includes('..') || repo.length > 96) {
      fail(scope, `source repo must be a Hugging Face repo id like "org/name", got ${show(this.repo)}`);
    }
    if (o.revision === undefined || o.revision === '') {
      fail(scope, `source revision is required for Hugging Face repo ${show(repo)}: pin a commit sha (or a tag/branch), got ${show(o.revision)}`);
    }
    if (typeof o.revision !== 'string' || !HF_REVISION.test(o.revision) || o.revision.includes('..')) {
      fail(scope, `source revision must be a commit sha, tag or branch name, got ${show(o.revision)}`);
    }
    const repoType = o.repoType ?? HuggingFaceRepoType.MODEL;
    if (!Object.values(HuggingFaceRepoType).includes(repoType)) fail(scope, `source repoType must be model, dataset or space, got ${show(repoType)}`);
    const expectedBytes = checkSize(scope, o.expectedSize);
    const manifest = checkManifest(scope, o.sha256Manifest);
    const include = checkInclude(scope, o.include);
    const env: EnvMap = {
      FETCH_SOURCE: 'hf',
      FETCH_URL: repo,
      FETCH_REVISION: o.revision,
      FETCH_HF_REPO_TYPE: repoType,
      ...integrityEnv(undefined, Extract.NONE, expectedBytes, manifest),
      HF_HUB_DISABLE_TELEMETRY: '1',
    };
    if (include) env.FETCH_INCLUDE = include.join('\n');
    if (o.token) {
      o.token.validate(scope, 'source token');
      env.HF_TOKEN = EnvSource.fromSecret(o.token.secretName, o.token.key);
    }
    const identity: Record<string, unknown> = { source: 'hf', repo, revision: o.revision, repoType, manifest: manifest ?? null };
    // Only when set, so fingerprints of sources without include stay as they were;
    // sorted and deduplicated: the order of the patterns does not change the content.
    if (include) identity.include = [...new Set(include)].sort();
    return {
      kind: 'hf', env, identity, extract: Extract.NONE, expectedBytes, secretFiles: [], defaultImage: DEFAULT_FETCH_IMAGES.huggingFace,
      endpoint: { host: HUGGING_FACE_HUB_HOST, port: 443 },
      externalSecrets: externalSecrets([o.token]),
    };
  }
}

class PvcSource extends DataSource {
  constructor(private readonly claimSource: IClaim, private readonly options: PvcSourceOptions) {
    super();
  }

  public bind(scope: IConstruct): DataSourceConfig {
    // DataSource.pvc made claimSource an IClaim (claimOf wraps anything else and checks it in claimRef).
    const ref = this.claimSource.claimRef(scope);
    const claimName = ref.name;
    if (!isDnsSubdomain(claimName)) {
      fail(scope, `source claim name must be a DNS-1123 subdomain (lowercase letters, digits, "-" and "."), got ${show(claimName)}`);
    }
    const subPath = this.options?.subPath;
    if (subPath !== undefined && (typeof subPath !== 'string' || subPath === '' || subPath.startsWith('/') || subPath.split('/').includes('..'))) {
      fail(scope, `source subPath must be a relative path without "..", got ${show(subPath)}`);
    }
    return {
      kind: 'pvc',
      env: {},
      identity: { source: 'pvc', claimName, subPath: subPath ?? null },
      extract: Extract.NONE,
      secretFiles: [],
      defaultImage: '',
      claim: { claimName, subPath, ref },
    };
  }
}
