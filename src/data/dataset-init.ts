import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { IPodContributor, PodContribution, PodContributionOptions } from '../core/attach';
import { isClaim } from '../core/claim';
import { ResolvedReference } from '../core/refs';
import { renderInServerForm } from '../core/server-form';
import { declareFlows, declareExternal, NetworkFlow } from '../core/app-model';
import { kplusRestrictedSecurityContext } from '../core/kplus-security';
import { IPlusWorkload, isPlusWorkload } from '../core/plus-workload';
import { EnvMap, EnvSource, renderEnv } from '../core/env';
import { fail, show } from '../core/errors';
import { shortHash } from '../core/hash';
import { validateImage } from '../core/image';
import { standardLabels } from '../core/labels';
import { fitName, toDnsLabel, validateDnsLabel } from '../core/names';
import { packageRoot } from '../core/package-root';
import { parseQuantity } from '../core/quantity';
import { ComputeResources, renderResources } from '../core/resources';
import { CONTAINER_EPHEMERAL_ALLOWANCE } from '../core/pod';
import { ML_HOME, PodSecurityOptions, restrictedContainerSecurityContext, validatePodSecurity, writableDirs } from '../core/security';
import { PERMANENT_FETCH_EXIT_CODES } from './exit-codes';
import { DataSource, DataSourceConfig, Extract } from './source';
import { DATASET_SYNC_WAVE, DatasetVolume, DatasetVolumeConfig, VolumeSpec, kplusVolume, renderVolume } from './volume';
import { AppCheck } from '../core/app-check';

/** Where the fetch script is mounted in the init container (run as `sh <dir>/fetch.sh`). */
export const FETCH_SCRIPT_DIR = '/opt/cdk8s-ml';
/** Where the dataset volume is mounted in the init container. */
export const FETCH_VOLUME_DIR = '/var/lib/cdk8s-ml/volume';
/** Key of the script in the fetch ConfigMap. */
export const FETCH_SCRIPT_KEY = 'fetch.sh';

/** Default requests/limits of the fetch init container. */
export const DEFAULT_FETCH_RESOURCES: ComputeResources = { cpu: '250m', memory: '256Mi', cpuLimit: '2', memoryLimit: '1Gi' };

const RESERVED_PATHS = ['/tmp', ML_HOME, '/dev/shm', FETCH_SCRIPT_DIR, FETCH_VOLUME_DIR, '/var/run/cdk8s-ml'];

let scriptText: string | undefined;
let scriptHash: string | undefined;

/** The text of the fetch program shipped with the package (`src/data/fetch.sh`). */
export function fetchScript(): string {
  scriptText ??= fs.readFileSync(path.join(packageRoot(), 'src', 'data', 'fetch.sh'), 'utf8');
  return scriptText;
}

/** Content hash of the fetch script (computed once per process). */
function fetchScriptHash(): string {
  scriptHash ??= shortHash(fetchScript(), 10);
  return scriptHash;
}

/** Name of the ConfigMap holding the fetch script: carries a hash of it, so a new script rolls pods. */
export function fetchScriptConfigMapName(): string {
  return `cdk8s-ml-fetch-${fetchScriptHash()}`;
}

/** Retry and timing settings of the fetcher (see FETCH.md). */
export interface FetchTuning {
  /** Consecutive failed attempts without progress tolerated. @default 5 */
  readonly retries?: number;
  /** Bound on all attempts. @default 100 */
  readonly maxAttempts?: number;
  /** First backoff delay, doubled after each failure. @default Duration.seconds(2) */
  readonly backoff?: Duration;
  /** Cap of the backoff delay. @default Duration.seconds(60) */
  readonly maxBackoff?: Duration;
  /** No byte received for this long is a stall (retryable). @default Duration.seconds(60) */
  readonly stallTimeout?: Duration;
  /** Connect timeout per attempt. @default Duration.seconds(30) */
  readonly connectTimeout?: Duration;
  /** Lease of the download lock shared by pods on one volume. @default Duration.seconds(120) */
  readonly lockLease?: Duration;
  /** Give up waiting for another pod's live download after this long. @default - wait while it heartbeats */
  readonly lockWait?: Duration;
  /** Interval of progress log lines (0 disables). @default Duration.seconds(10) */
  readonly progressInterval?: Duration;
}

/** Props of {@link DatasetInit}. */
export interface DatasetInitProps {
  /** Where the data comes from. */
  readonly source: DataSource;
  /**
   * The volume the data is fetched into. Not allowed with `DataSource.pvc` (mounted as is).
   * An emptyDir lives on node disk: its `sizeLimit` (or, unset, the source's `expectedSize`,
   * doubled while extracting an archive) is rendered and requested as `ephemeral-storage` by
   * the consuming pod; an emptyDir whose size is unknown is refused when it is attached.
   * @default DatasetVolume.emptyDir() - one copy per pod, sized from the source's expectedSize
   */
  readonly volume?: DatasetVolume;
  /**
   * Absolute path where main containers see the data (read-only).
   * @default `/data/<name>`
   */
  readonly mountPath?: string;
  /**
   * Dataset name (DNS-1123 label): names the init container, pod volumes and the new PVC.
   * @default - derived from the construct id
   */
  readonly name?: string;
  /**
   * Directory of this dataset on the volume (`FETCH_ROOT`), so several datasets can share
   * a PVC. Main containers mount `<root>/data`.
   * @default - the dataset name
   */
  readonly root?: string;
  /**
   * Fetcher image (needs `sh`, coreutils/busybox and the source's tool).
   * @default - DEFAULT_FETCH_IMAGES for the source kind
   */
  readonly image?: string;
  /** Requests/limits of the init container. @default DEFAULT_FETCH_RESOURCES (250m/256Mi requests, 2/1Gi limits) */
  readonly resources?: ComputeResources;
  /** Retry and timing settings. @default - the fetch script's defaults */
  readonly tuning?: FetchTuning;
  /**
   * Env var set to the mount path in every main container; `false` for none.
   * @default `DATASET_<NAME>_DIR`
   */
  readonly pathEnv?: string | false;
  /**
   * User and group of the fetcher when attached to a cdk8s-plus workload whose pod does
   * not set them (the default images do not declare a numeric non-root user). Pods built
   * by cdk8s-ml always set them, and the fetcher inherits the pod's ids.
   * @default - uid/gid 1000
   */
  readonly security?: PodSecurityOptions;
}

/** Per-consumer record of the mount paths datasets took, for collision checks. */
const mountsByConsumer = new WeakMap<IConstruct, Array<{ readonly path: string; readonly owner: string }>>();

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

function durationSeconds(scope: IConstruct, what: string, d: Duration | undefined, min = 0): string | undefined {
  if (d === undefined) return undefined;
  const s = d.toMilliseconds() / 1000;
  if (!Number.isInteger(s) || s < min) fail(scope, `tuning.${what} must be a whole number of seconds ≥ ${min}, got ${show(s)}`);
  return String(s);
}

function count(scope: IConstruct, what: string, n: number | undefined, min: number): string | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min) fail(scope, `tuning.${what} must be an integer ≥ ${min}, got ${show(n)}`);
  return String(n);
}

/** What one init container needs, before rendering for L1 pod specs or cdk8s-plus. */
interface FetcherSpec {
  readonly name: string;
  readonly image: string;
  readonly command: string[];
  readonly env: EnvMap;
  readonly resources: ComputeResources;
  /** `env` rendered (and checked) once. */
  readonly renderedEnv: k8s.EnvVar[];
  /** `resources` rendered (and checked) once. */
  readonly renderedResources: k8s.ResourceRequirements;
  /** [volume name, mount path, read-only]. */
  readonly mounts: Array<{ readonly volume: string; readonly path: string; readonly readOnly: boolean }>;
}

/** Whether a writable-dir env var (HOME, caches) goes to the fetch container of a source kind. */
function fetcherEnv(name: string, sourceKind: string): boolean {
  return name === 'HOME' || name === 'XDG_CACHE_HOME' || (name === 'HF_HOME' && sourceKind === 'hf');
}

/**
 * Fetches a dataset or model into a volume before a pod's main containers start, with an
 * init container that runs cdk8s-ml's fetch script (staged download, resume, retries,
 * sha256, extraction, atomic publish, completion marker, lock shared by pods on one
 * volume). Main containers see the data read-only at `mountPath`.
 *
 * Attach it to cdk8s-plus workloads with `attachTo`; cdk8s-ml workloads call
 * `contributeTo` themselves.
 */
export class DatasetInit extends Construct implements IPodContributor {
  /** Dataset name (DNS-1123 label). */
  public readonly name: string;
  /** Where main containers see the data. */
  public readonly mountPath: string;
  /** Content fingerprint (`FETCH_FINGERPRINT`); empty for `DataSource.pvc`. */
  public readonly fingerprint: string;
  /** Name of the init container; undefined for `DataSource.pvc`. */
  public readonly initContainerName?: string;
  /** Name of the pod volume holding the data. */
  public readonly volumeName: string;
  /** The PVC rendered by `DatasetVolume.newPvc`, if any. */
  public readonly claim?: k8s.KubePersistentVolumeClaim;
  /** Exit codes of the init container that retrying cannot fix (map to FailJob). */
  public readonly permanentExitCodes: number[];

  private readonly source: DataSourceConfig;
  private readonly volume?: DatasetVolumeConfig;
  /** Size of the emptyDir volume: its sizeLimit, else the declared expected size (×2 extracting). */
  private readonly emptyDirSize?: Size;
  private readonly root: string;
  private readonly pathEnv?: string;
  private readonly fetcher?: FetcherSpec;
  private readonly security: PodSecurityOptions;
  private readonly contributions = new WeakMap<IConstruct, PodContribution>();
  /** cdk8s-plus workloads attached to (rendered in server form too). */
  private readonly attached: IPlusWorkload[] = [];

  constructor(scope: Construct, id: string, props: DatasetInitProps) {
    super(scope, id);
    AppCheck.register(this);
    // The cdk8s-plus workloads it attaches to are rendered as the API server stores them
    // (cdk8s-plus writes `4096Mi`, `2000m`, `hostNetwork: false`, `minReadySeconds: 0`, ...);
    // our own objects are in that form at the source.
    // Stryker disable next-line BooleanLiteral: its only own object, the newPvc claim, is in server form at the source (canonical storage quantity); walking it too costs synth time and changes no byte
    renderInServerForm(this, () => this.attached, false);
    if (!props || !(props.source instanceof DataSource)) fail(this, `source must be a DataSource (DataSource.http/s3/gcs/huggingFace/pvc), got ${show(props?.source)}`);
    this.name = props.name !== undefined ? validateDnsLabel(this, 'name', props.name, 50) : fitName(toDnsLabel(this, id), 50);
    this.mountPath = this.validateMountPath(props.mountPath ?? `/data/${this.name}`);
    this.source = props.source.bind(this);
    validatePodSecurity(this, props.security);
    this.security = props.security ?? {};
    this.root = props.root ?? this.name;
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(this.root) || this.root.split('/').some((s) => s === '.' || s === '..')) {
      fail(this, `root must be a relative directory of letters, digits, ".", "_" and "-" (no ".."), got ${show(props.root)}`);
    }
    this.pathEnv = props.pathEnv === false ? undefined : props.pathEnv ?? `DATASET_${this.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DIR`;
    if (this.pathEnv !== undefined) renderEnv(this, 'pathEnv', { [this.pathEnv]: this.mountPath });
    this.volumeName = fitName(`ds-${this.name}`, 54);

    if (this.source.claim) {
      if (props.volume !== undefined) fail(this, 'volume must not be set with DataSource.pvc: the claim is mounted read-only as is, nothing is fetched');
      for (const key of ['image', 'resources', 'tuning'] as const) {
        if (props[key] !== undefined) fail(this, `${key} has no effect with DataSource.pvc (no init container), got ${show(props[key])}`);
      }
      this.fingerprint = '';
      this.permanentExitCodes = [];
      return;
    }

    this.volume = (props.volume ?? DatasetVolume.emptyDir()).bind(this, this.name);
    this.claim = this.volume.claim;
    const own = this.volume.spec(this.volumeName);
    if (own.kind === 'emptyDir') {
      const expected = this.source.expectedBytes;
      const factor = this.source.extract !== Extract.NONE ? 2 : 1;
      // Declared sizeLimit, else the expected size (whole MiB, rounded up).
      this.emptyDirSize = own.sizeLimit ?? (expected === undefined ? undefined : Size.mebibytes(Math.ceil((expected * factor) / 2 ** 20)));
    }
    this.checkCapacity();
    const image = validateImage(this, 'image', props.image ?? this.source.defaultImage);
    const resources = props.resources ?? DEFAULT_FETCH_RESOURCES;
    const renderedResources = renderResources(this, resources);
    this.fingerprint = shortHash({ v: 1, ...this.source.identity }, 16);
    this.initContainerName = fitName(`fetch-${this.name}`, 63);
    this.permanentExitCodes = [...PERMANENT_FETCH_EXIT_CODES];

    const env: EnvMap = {
      // HOME and the XDG cache (curl, rclone and the Hub client keep config and caches there);
      // the ML framework caches (torch, triton, pip) mean nothing to a fetcher.
      ...Object.fromEntries(writableDirs().env.filter((e) => fetcherEnv(e.name, this.source.kind)).map((e) => [e.name, e.value!])),
      ...this.source.env,
      ...this.tuningEnv(props.tuning ?? {}),
      FETCH_ROOT: `${FETCH_VOLUME_DIR}/${this.root}`,
      FETCH_FINGERPRINT: this.fingerprint,
      FETCH_POD_ID: EnvSource.fromField('metadata.uid'),
    };
    const renderedEnv = renderEnv(this, 'init container env', env);
    this.fetcher = {
      name: this.initContainerName,
      image,
      command: ['sh', `${FETCH_SCRIPT_DIR}/${FETCH_SCRIPT_KEY}`],
      env,
      resources,
      renderedEnv,
      renderedResources,
      mounts: [
        { volume: `${this.volumeName}-fetch`, path: FETCH_SCRIPT_DIR, readOnly: true },
        { volume: this.volumeName, path: FETCH_VOLUME_DIR, readOnly: false },
        ...this.source.secretFiles.map((f) => ({ volume: `${this.volumeName}-${f.volumeSuffix}`, path: f.mountDir, readOnly: true })),
      ],
    };
  }

  /**
   * What a consuming pod needs: the init container (first), the volumes, the read-only
   * data mount and the path env var for its main containers, and the permanent exit codes.
   * Renders the fetch-script ConfigMap in the consumer's chart. Fails when another dataset
   * already took an overlapping mount path on this consumer.
   */
  public contributeTo(consumer: IConstruct, options: PodContributionOptions = {}): PodContribution {
    const cached = this.contributions.get(consumer);
    if (cached) return cached;
    const shared = this.sharedVolume(consumer, options);
    const taken = mountsByConsumer.get(consumer) ?? [];
    const clash = taken.find((t) => overlaps(t.path, this.mountPath));
    if (clash) {
      fail(this, `mountPath ${show(this.mountPath)} collides with ${show(clash.path)} of dataset ${clash.owner} on ${consumer.node.path}`);
    }
    if (this.volume?.claimName !== undefined || this.source.claim || shared) {
      const mine = Chart.of(this).namespace;
      const theirs = Chart.of(consumer).namespace;
      if (mine !== theirs) {
        fail(this, `the claim lives in namespace ${show(mine)} but consumer ${consumer.node.path} is in ${show(theirs)}; a pod can only mount claims of its own namespace`);
      }
    }
    mountsByConsumer.set(consumer, [...taken, { path: this.mountPath, owner: this.node.path }]);

    const contribution: PodContribution = {
      initContainers: this.fetcher ? [this.renderFetcher()] : [],
      volumes: this.volumeSpecs(consumer, shared).map(renderVolume),
      volumeMounts: [this.dataMount()],
      env: this.pathEnv ? [{ name: this.pathEnv, value: this.mountPath }] : [],
      permanentExitCodes: [...this.permanentExitCodes],
      containerNames: this.initContainerName ? [this.initContainerName] : [],
      flows: this.flows(),
      identity: this.source.kind === 'hf' ? String(this.source.identity.repo) : undefined,
      references: [
        ...(shared ? [{ ref: shared, readOnly: false, what: `dataset ${this.name} shared cache` }] : []),
        // (a shared cache only replaces an emptyDir, which has no reference)
        ...(this.volume?.ref ? [{ ref: this.volume.ref, readOnly: false, what: `dataset ${this.name} volume` }] : []),
        ...(this.source.claim ? [{ ref: this.source.claim.ref, readOnly: true, what: `dataset ${this.name}` }] : []),
        ...(this.source.externalSecrets ?? []).map((ref) => ({ ref, readOnly: true, what: `dataset ${this.name} secret` })),
      ],
    };
    this.contributions.set(consumer, contribution);
    return contribution;
  }

  /** The network flows a consuming pod needs for this dataset: the fetch to the source host. */
  public flows(): NetworkFlow[] {
    // only fetching sources have an endpoint (DataSource.pvc has none)
    const endpoint = this.source.endpoint;
    if (!endpoint) return [];
    return [{
      purpose: `fetch ${this.name}`,
      direction: 'egress',
      peer: { kind: 'external', host: endpoint.host },
      ports: [{ port: endpoint.port, protocol: 'TCP' }],
      construct: this.node.path,
    }];
  }

  /**
   * Adds the dataset to a cdk8s-plus workload (Pod, Job, Deployment, StatefulSet…): volumes,
   * the fetch init container (restricted security context, writable /tmp and HOME) and a
   * read-only mount plus path env var in every main container. Add the main containers first.
   *
   * Any cdk8s-plus version from cdk8s-plus-28 to cdk8s-plus-33 works: the parameter is the
   * structural {@link IPlusWorkload}, which every version's `Pod`, `Job`, `Deployment`,
   * `StatefulSet` and `DaemonSet` satisfy.
   */
  public attachTo(workload: IPlusWorkload): void {
    if (!isPlusWorkload(workload)) fail(this, `attachTo needs a cdk8s-plus workload (Pod, Job, Deployment, StatefulSet…), got ${show(workload)}`);
    const scopeId = `Attach-${shortHash(workload.node.path)}`;
    if (this.node.tryFindChild(scopeId)) fail(this, `already attached to ${workload.node.path}`);
    if (workload.containers.length === 0) fail(this, `attach datasets after adding containers: ${workload.node.path} has none to mount the data into`);
    for (const c of workload.containers) {
      for (const m of c.mounts) {
        if (overlaps(m.path, this.mountPath)) {
          fail(this, `mountPath ${show(this.mountPath)} collides with mount ${show(m.path)} of container ${c.name} in ${workload.node.path}`);
        }
      }
    }
    // a fetcher writing a claim (DataSource.pvc has no volume: nothing writes its claim)
    if (this.volume?.claimName !== undefined && workload.securityContext.fsGroup === undefined) {
      fail(this, `${workload.node.path} must set securityContext.fsGroup so the non-root fetcher can write PVC ${show(this.volume!.claimName)}`);
    }
    const specs = this.volumeSpecs(workload);
    const existing = new Set(workload.volumes.map((v) => v.name));
    const names = specs.map((s) => s.name);
    if (this.fetcher) names.push(`${this.volumeName}-tmp`, `${this.volumeName}-home`);
    for (const n of names) if (existing.has(n)) fail(this, `${workload.node.path} already has a volume named ${show(n)}`);

    const contribution = this.contributeTo(workload);
    // declarations for the whole-app check, on the workload's own object
    declareFlows(ApiObject.of(workload), contribution.flows ?? []);
    const externals = (contribution.references ?? []).filter((r) => r.ref.external).map((r) => ({ kind: r.ref.kind, name: r.ref.name }));
    declareExternal(ApiObject.of(workload), externals); // none declared: no annotation
    this.attached.push(workload);
    const scope = new Construct(this, scopeId);
    const volumes = new Map<string, kplus.Volume>();
    for (const s of specs) {
      const v = kplusVolume(scope, s);
      volumes.set(s.name, v);
      workload.addVolume(v);
    }
    if (this.fetcher) {
      // Separate emptyDirs (not subPaths of one: kubelet creates missing subPath dirs as root).
      const tmp = kplusVolume(scope, { name: `${this.volumeName}-tmp`, kind: 'emptyDir', sizeLimit: Size.gibibytes(1) });
      const home = kplusVolume(scope, { name: `${this.volumeName}-home`, kind: 'emptyDir', sizeLimit: Size.gibibytes(1) });
      workload.addVolume(tmp);
      workload.addVolume(home);
      const f = this.fetcher;
      const envVariables: Record<string, kplus.EnvValue> = {};
      for (const e of f.renderedEnv) envVariables[e.name] = this.kplusEnvValue(scope, e);
      const cpu = parseQuantity(f.resources.cpu)!;
      const cpuLimit = parseQuantity(f.resources.cpuLimit ?? f.resources.cpu)!;
      const mem = (q: string) => Size.mebibytes(Math.ceil(parseQuantity(q)! / 2 ** 20));
      const podUser = workload.securityContext.user;
      const podGroup = workload.securityContext.group;
      workload.addInitContainer({
        name: f.name,
        image: f.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: f.command,
        envVariables,
        resources: {
          cpu: { request: kplus.Cpu.millis(Math.round(cpu * 1000)), limit: kplus.Cpu.millis(Math.round(cpuLimit * 1000)) },
          memory: { request: mem(f.resources.memory), limit: mem(f.resources.memoryLimit ?? f.resources.memory) },
          // The pod's request is at least its largest init container's: requesting the disk this
          // dataset fills (its emptyDirs + logs) here reserves it for any cdk8s-plus workload. No
          // limit: it would become the whole pod's limit when the user's containers set none.
          // cdk8s-plus renders it in whole GiB: rounded up.
          ephemeralStorage: { request: Size.gibibytes(Math.ceil(this.attachedDiskMebibytes(specs) / 1024)) },
        },
        securityContext: kplusRestrictedSecurityContext({
          user: podUser === undefined ? this.security.runAsUser ?? 1000 : undefined,
          group: podGroup === undefined ? this.security.runAsGroup ?? 1000 : undefined,
        }),
        volumeMounts: [
          ...f.mounts.map((m) => ({ path: m.path, volume: volumes.get(m.volume)!, readOnly: m.readOnly || undefined })),
          { path: '/tmp', volume: tmp },
          { path: ML_HOME, volume: home },
        ],
      });
    }
    const data = this.dataMount();
    for (const c of workload.containers) {
      c.mount(data.mountPath, volumes.get(data.name)!, { readOnly: true, subPath: data.subPath });
      if (this.pathEnv) c.env.addVariable(this.pathEnv, kplus.EnvValue.fromValue(this.mountPath));
    }
  }

  private validateMountPath(p: string): string {
    const normal = typeof p === 'string' && p.startsWith('/') && !p.endsWith('/') && !p.split('/').slice(1).some((s) => s === '' || s === '.' || s === '..');
    if (!normal || /[\s:]/.test(p)) {
      fail(this, `mountPath must be an absolute, normalized path (no "..", "//", trailing "/", ":" or spaces), got ${show(p)}`);
    }
    const reserved = RESERVED_PATHS.find((r) => overlaps(r, p));
    if (reserved) fail(this, `mountPath ${show(p)} overlaps ${show(reserved)}, which cdk8s-ml reserves`);
    return p;
  }

  private checkCapacity(): void {
    const capacity = this.volume?.capacityBytes;
    const expected = this.source.expectedBytes;
    if (capacity === undefined || expected === undefined) return;
    const extracting = this.source.extract !== Extract.NONE;
    const need = extracting ? expected * 2 : expected;
    if (capacity < need) {
      fail(
        this,
        `volume size ${capacity} bytes is below the ${extracting ? 'space needed while extracting (2 × expectedSize)' : 'expected size'} of ${need} bytes`,
      );
    }
  }

  private tuningEnv(t: FetchTuning): EnvMap {
    const entries: Array<[string, string | undefined]> = [
      ['FETCH_RETRIES', count(this, 'retries', t.retries, 0)],
      ['FETCH_MAX_ATTEMPTS', count(this, 'maxAttempts', t.maxAttempts, 1)],
      ['FETCH_BACKOFF_SECONDS', durationSeconds(this, 'backoff', t.backoff)],
      ['FETCH_BACKOFF_MAX_SECONDS', durationSeconds(this, 'maxBackoff', t.maxBackoff)],
      ['FETCH_STALL_SECONDS', durationSeconds(this, 'stallTimeout', t.stallTimeout, 1)],
      ['FETCH_CONNECT_TIMEOUT_SECONDS', durationSeconds(this, 'connectTimeout', t.connectTimeout, 1)],
      ['FETCH_LOCK_STALE_SECONDS', durationSeconds(this, 'lockLease', t.lockLease, 4)],
      ['FETCH_LOCK_WAIT_SECONDS', durationSeconds(this, 'lockWait', t.lockWait, 1)],
      ['FETCH_PROGRESS_SECONDS', durationSeconds(this, 'progressInterval', t.progressInterval)],
    ];
    return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** The fetch-script ConfigMap in the consumer's chart (one per chart, content-named). */
  private ensureScriptConfigMap(consumer: IConstruct): string {
    const chart = Chart.of(consumer);
    const id = 'cdk8s-ml-fetch-script';
    const name = fetchScriptConfigMapName();
    if (!chart.node.tryFindChild(id)) {
      new k8s.KubeConfigMap(chart, id, {
        metadata: {
          name,
          labels: standardLabels({ name: 'cdk8s-ml-fetch', component: 'dataset', version: fetchScriptHash() }),
          annotations: { 'argocd.argoproj.io/sync-wave': DATASET_SYNC_WAVE },
        },
        immutable: true,
        data: { [FETCH_SCRIPT_KEY]: fetchScript() },
      });
    }
    return name;
  }

  /** MiB of node disk the dataset fills in an attached pod: its emptyDirs, the fetcher's /tmp and HOME, logs. */
  private attachedDiskMebibytes(specs: VolumeSpec[]): number {
    const emptyDirs = specs.reduce((a, v) => a + (v.kind === 'emptyDir' && v.sizeLimit ? v.sizeLimit.toMebibytes() : 0), 0);
    return emptyDirs + 2 * 1024 + parseQuantity(CONTAINER_EPHEMERAL_ALLOWANCE)! / 2 ** 20;
  }

  /** The claim of `options.sharedVolume`, resolved and checked, if set. */
  private sharedVolume(consumer: IConstruct, options: PodContributionOptions): ResolvedReference | undefined {
    const claim = options.sharedVolume;
    if (claim === undefined) return undefined;
    if (!isClaim(claim)) fail(this, `shared volume must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got ${show(claim)}`);
    if (this.source.claim) {
      fail(this, `a shared cache claim has nothing to fill: DataSource.pvc ${show(this.source.claim.claimName)} is mounted as is; serve it with ModelSource.pvc(...) instead`);
    }
    if (this.volume?.kind !== 'emptyDir') {
      fail(this, `a shared cache claim replaces the per-pod emptyDir, but this dataset already fetches into claim ${show(this.volume?.claimName)}; drop the shared cache or the dataset's volume`);
    }
    return claim.claimRef(consumer);
  }

  /** The size of the emptyDir volume, or a synth-time error saying how to declare it. */
  private requireEmptyDirSize(consumer: IConstruct): Size {
    if (this.emptyDirSize === undefined) {
      fail(this, `the emptyDir of dataset ${show(this.name)} (attached to ${consumer.node.path}) has no size, so its pods cannot request the node disk they fill (ephemeral-storage); set the source's expectedSize, or volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(N) })`);
    }
    return this.emptyDirSize;
  }

  private volumeSpecs(consumer: IConstruct, shared?: ResolvedReference): VolumeSpec[] {
    if (this.source.claim) {
      return [{ name: this.volumeName, kind: 'pvc', claimName: this.source.claim.claimName, readOnly: true }];
    }
    const own = this.volume!.spec(this.volumeName);
    const data: VolumeSpec = shared
      ? { name: this.volumeName, kind: 'pvc', claimName: shared.name, readOnly: false }
      : own.kind === 'emptyDir' ? { ...own, sizeLimit: this.requireEmptyDirSize(consumer) } : own;
    return [
      data,
      { name: `${this.volumeName}-fetch`, kind: 'configMap', configMapName: this.ensureScriptConfigMap(consumer) },
      ...this.source.secretFiles.map(
        (f): VolumeSpec => ({ name: `${this.volumeName}-${f.volumeSuffix}`, kind: 'secret', secretName: f.secret.secretName, key: f.secret.key, path: f.fileName }),
      ),
    ];
  }

  private dataMount(): k8s.VolumeMount {
    const subPath = this.source.claim ? this.source.claim.subPath : `${this.root}/data`;
    return { name: this.volumeName, mountPath: this.mountPath, subPath, readOnly: true };
  }

  private renderFetcher(): k8s.Container {
    const f = this.fetcher!;
    const securityContext: k8s.SecurityContext = {
      ...restrictedContainerSecurityContext(),
      runAsUser: this.security.runAsUser,
      runAsGroup: this.security.runAsGroup,
    };
    return {
      name: f.name,
      image: f.image,
      imagePullPolicy: 'IfNotPresent',
      command: f.command,
      env: [...f.renderedEnv],
      resources: f.renderedResources,
      volumeMounts: f.mounts.map((m) => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly || undefined })),
      securityContext,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
  }

  private kplusEnvValue(scope: Construct, e: k8s.EnvVar): kplus.EnvValue {
    if (e.value !== undefined) return kplus.EnvValue.fromValue(e.value);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const id = `Secret-${e.name}`;
      return kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, id, ref.name!), key: ref.key });
    }
    // the fetcher's env holds values, Secret keys and the pod uid (FETCH_POD_ID, a fieldRef), nothing else
    return kplus.EnvValue.fromFieldRef(e.valueFrom!.fieldRef!.fieldPath as kplus.EnvFieldPaths);
  }
}
