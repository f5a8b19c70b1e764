import { Construct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../../imports/application-crd';
import { fail, show } from '../core/errors';
import { standardLabels } from '../core/labels';
import { toDnsLabel, validateDnsLabel, validateDnsSubdomain } from '../core/names';
import { declareExternal } from '../core/app-model';
import { AppCheck } from '../core/app-check';

/** Where the Application deploys. */
export interface ArgoCdDestination {
  /**
   * API server URL of the target cluster.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in), unless `name` is set
   */
  readonly server?: string;
  /** Cluster name as registered in Argo CD (instead of `server`). @default - use `server` */
  readonly name?: string;
  /**
   * Namespace for namespaced objects that have none (cdk8s-ml gives every object one).
   * @default - none
   */
  readonly namespace?: string;
}

/** Options of {@link ArgoSyncPolicy.automated}. */
export interface AutomatedSyncOptions {
  /**
   * Delete live objects that Git no longer declares: old content-addressed Jobs, removed
   * workloads. Without it they stay (Argo CD lists them as "requires pruning").
   * @default false
   */
  readonly prune?: boolean;
  /**
   * Revert live changes made outside Git (kubectl edit, scale).
   * @default false
   */
  readonly selfHeal?: boolean;
  /**
   * Allow a sync that would leave the Application with no resources.
   * @default false
   */
  readonly allowEmpty?: boolean;
}

/** When Argo CD syncs: by hand or automatically on each Git change. */
export class ArgoSyncPolicy {
  /** Sync only when someone clicks Sync / runs `argocd app sync`. */
  public static manual(): ArgoSyncPolicy {
    return new ArgoSyncPolicy(undefined);
  }

  /** Sync automatically when the target revision changes; prune and self-heal are opt-in. */
  public static automated(options: AutomatedSyncOptions = {}): ArgoSyncPolicy {
    return new ArgoSyncPolicy({ prune: options.prune ?? false, selfHeal: options.selfHeal ?? false, allowEmpty: options.allowEmpty });
  }

  private constructor(
    /** The rendered `automated` block; undefined for manual sync. */
    public readonly automated: { prune: boolean; selfHeal: boolean; allowEmpty?: boolean } | undefined,
  ) {}
}

/**
 * Sync options cdk8s-ml sets by default (see the README section on ArgoCdApplication):
 * - `ServerSideApply=true`: no 256 KiB `last-applied-configuration` limit (large ConfigMaps
 *   with scripts, CRs), field ownership shared cleanly with controllers (HPA, Kueue);
 * - `PruneLast=true`: old objects (a previous content-addressed Job) are pruned after the new
 *   ones are applied and healthy;
 * - `PrunePropagationPolicy=foreground`: a pruned Job is gone only once its pods are (GPUs
 *   freed before the object disappears);
 * - `FailOnSharedResource=true`: refuse to take over objects another Application manages
 *   (two teams rendering the same ResourceFlavor);
 * - `RespectIgnoreDifferences=true`: fields Kueue mutates (see ignoreDifferences) are not
 *   written back at sync.
 * `CreateNamespace` is not set: the namespace is rendered (MlNamespace) with its Pod Security
 * labels, quota and policies, in the first sync wave.
 */
export const DEFAULT_SYNC_OPTIONS: readonly string[] = Object.freeze([
  'ServerSideApply=true',
  'PruneLast=true',
  'PrunePropagationPolicy=foreground',
  'FailOnSharedResource=true',
  'RespectIgnoreDifferences=true',
]);

/**
 * Fields Kueue changes in admitted workloads that we also render: on admission it injects the
 * ResourceFlavor's node labels and tolerations into the pod templates (`tolerations` is an
 * atomic list: the whole list differs). `suspend` is not listed: queued workloads are rendered
 * without it (Kueue's webhook suspends them on create and Kueue alone owns the field), so Argo
 * CD sees no difference there and never writes it; with RespectIgnoreDifferences a sync keeps
 * the live values of the fields listed here.
 */
export const KUEUE_IGNORE_DIFFERENCES: readonly ApplicationSpecIgnoreDifferences[] = Object.freeze([
  { group: 'batch', kind: 'Job', jsonPointers: ['/spec/template/spec/nodeSelector', '/spec/template/spec/tolerations'] },
  {
    group: 'jobset.x-k8s.io',
    kind: 'JobSet',
    jqPathExpressions: ['.spec.replicatedJobs[].template.spec.template.spec.nodeSelector', '.spec.replicatedJobs[].template.spec.template.spec.tolerations'],
  },
]);

/** Props of {@link ArgoCdApplication}. */
export interface ArgoCdApplicationProps {
  /** Git repository URL, e.g. `https://github.com/acme/ml-platform.git`. */
  readonly repoURL: string;
  /** Folder in the repository holding the rendered YAML, e.g. `dist`. */
  readonly path: string;
  /** Branch, tag or commit to deploy (pin a tag or commit for production). */
  readonly targetRevision: string;
  /** Target cluster (and default namespace). */
  readonly destination: ArgoCdDestination;
  /**
   * When to sync.
   * @default ArgoSyncPolicy.manual()
   */
  readonly syncPolicy?: ArgoSyncPolicy;
  /**
   * Sync options.
   * @default DEFAULT_SYNC_OPTIONS
   */
  readonly syncOptions?: string[];
  /**
   * Application name.
   * @default - the construct id as a DNS label
   */
  readonly name?: string;
  /**
   * Namespace of the Application object (where Argo CD runs).
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * Recurse into sub-folders of `path`.
   * @default false
   */
  readonly recurse?: boolean;
  /**
   * Glob of files in `path` that are not part of the Application, e.g. the file holding this
   * Application itself (`{argocd.k8s.yaml}`), so that it does not manage itself. The files
   * `cdk8s synth` writes that are not manifests are excluded as well unless
   * `excludeSynthMetadata` is false: the rendered glob is then `{<your globs>,construct-metadata.json}`.
   * @default - only the synth metadata files (SYNTH_METADATA_FILES)
   */
  readonly exclude?: string;
  /**
   * Exclude the files `cdk8s synth` writes beside the manifests that are not Kubernetes
   * objects (SYNTH_METADATA_FILES: `construct-metadata.json`, written when a validation plugin
   * such as `CdkMlValidation` is configured in `cdk8s.yaml`), so Argo CD does not try to sync them.
   * @default true
   */
  readonly excludeSynthMetadata?: boolean;
  /**
   * Ignore the fields Kueue mutates on admitted Jobs and JobSets (KUEUE_IGNORE_DIFFERENCES).
   * @default true
   */
  readonly kueueManaged?: boolean;
  /**
   * Deleting the Application deletes its resources (the `resources-finalizer.argocd.argoproj.io`
   * finalizer). Off by default: deleting an Application then leaves PVCs and namespaces alone.
   * @default false
   */
  readonly cascadeDelete?: boolean;
  /**
   * Retry a failed sync (e.g. a CRD not yet established) with exponential backoff.
   * @default 5 attempts, 5 s doubling up to 3 min
   */
  readonly retryLimit?: number;
}

const SYNC_OPTION = /^[A-Za-z]+=[-A-Za-z0-9_.]+$/;

/**
 * Files `cdk8s synth` writes into the output folder that are not Kubernetes manifests:
 * `construct-metadata.json` (with a validation plugin in `cdk8s.yaml`).
 */
export const SYNTH_METADATA_FILES: readonly string[] = Object.freeze(['construct-metadata.json']);

/** The directory `exclude` glob: the user's glob and the synth metadata files as one `{a,b}` alternation. */
function excludeGlob(user: string | undefined, metadata: boolean): string | undefined {
  const extra = metadata ? [...SYNTH_METADATA_FILES] : [];
  if (extra.length === 0) return user;
  // No user glob (undefined or ""): the extra names alone. A plain `{a,b}` alternation takes the
  // extra names inside; anything else becomes one alternative.
  let alternatives: string[] = [];
  if (user) {
    const inner = /^\{([^{}]*)\}$/.exec(user)?.[1];
    alternatives = inner !== undefined ? inner.split(',') : [user];
  }
  return `{${[...alternatives, ...extra.filter((e) => !alternatives.includes(e))].join(',')}}`;
}

/** An Argo CD `Application` syncing the rendered folder of this repository into a cluster. */
export class ArgoCdApplication extends Construct {
  /** The Application name. */
  public readonly name: string;
  /** The rendered Application. */
  public readonly resource: Application;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    AppCheck.register(this);
    if (typeof props.repoURL !== 'string' || !/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/.test(props.repoURL)) {
      fail(this, `repoURL must be an https://, ssh:// or git@ repository URL, got ${show(props.repoURL)}`);
    }
    if (typeof props.path !== 'string' || props.path.startsWith('/') || props.path.split('/').includes('..') || props.path === '') {
      fail(this, `path must be a folder relative to the repository root (no leading "/", no ".."), got ${show(props.path)}`);
    }
    if (typeof props.targetRevision !== 'string' || props.targetRevision === '' || /\s/.test(props.targetRevision)) {
      fail(this, `targetRevision must be a branch, tag or commit, got ${show(props.targetRevision)}`);
    }
    const destination = props.destination ?? {};
    if (destination.server !== undefined && destination.name !== undefined) {
      fail(this, `destination takes server or name, not both, got ${show(destination)}`);
    }
    if (destination.server !== undefined && !/^https:\/\/[^\s]+$/.test(destination.server)) {
      fail(this, `destination.server must be an https:// API server URL, got ${show(destination.server)}`);
    }
    if (destination.namespace !== undefined) validateDnsLabel(this, 'destination.namespace', destination.namespace);
    this.name = props.name ?? toDnsLabel(this, id);
    validateDnsSubdomain(this, 'name', this.name);
    const namespace = validateDnsLabel(this, 'namespace', props.namespace ?? 'argocd');
    const project = props.project ?? 'default';
    validateDnsSubdomain(this, 'project', project);
    const syncOptions = props.syncOptions ?? [...DEFAULT_SYNC_OPTIONS];
    for (const o of syncOptions) {
      if (!SYNC_OPTION.test(o)) fail(this, `sync option must look like "Name=value", got ${show(o)}`);
    }
    const retryLimit = props.retryLimit ?? 5;
    if (!Number.isInteger(retryLimit) || retryLimit < 0) fail(this, `retryLimit must be a non-negative integer, got ${show(retryLimit)}`);
    const automated = (props.syncPolicy ?? ArgoSyncPolicy.manual()).automated;
    if (props.exclude !== undefined && (typeof props.exclude !== 'string' || /[\s]/.test(props.exclude))) fail(this, `exclude must be a glob without spaces, got ${show(props.exclude)}`);
    const exclude = excludeGlob(props.exclude, props.excludeSynthMetadata ?? true);

    this.resource = new Application(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace,
        labels: standardLabels({ name: this.name, component: 'gitops' }),
        finalizers: props.cascadeDelete ? ['resources-finalizer.argocd.argoproj.io'] : undefined,
      },
      spec: {
        project,
        source: {
          repoUrl: props.repoURL,
          path: props.path,
          targetRevision: props.targetRevision,
          directory: props.recurse || exclude !== undefined ? { recurse: props.recurse ?? false, exclude } : undefined,
        },
        destination: {
          server: destination.name === undefined ? destination.server ?? 'https://kubernetes.default.svc' : undefined,
          name: destination.name,
          namespace: destination.namespace,
        },
        syncPolicy: {
          automated,
          syncOptions: syncOptions.length > 0 ? syncOptions : undefined,
          retry: retryLimit > 0 ? { limit: retryLimit, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } : undefined,
        },
        ignoreDifferences: props.kueueManaged ?? true ? KUEUE_IGNORE_DIFFERENCES.map((d) => ({ ...d })) : undefined,
      },
    });
    // Argo CD's own namespace is installed with Argo CD, never by the app it syncs.
    declareExternal(this.resource, [{ kind: 'Namespace', name: namespace }]);
  }
}
