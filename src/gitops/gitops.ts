import { ApiObject, App, Chart, ChartProps, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { registerAppDefault } from '../core/app-defaults';
import { fail, show } from '../core/errors';
import { finishedTtlPath } from '../core/finished-ttl';
import { setRenderTransform, withAnnotation } from '../core/render';
import { SYNC_WAVE_ANNOTATION, kindKey, syncWaveOf } from './sync-wave';

/** Prefix of the annotations Argo CD reads (sync waves, hooks, sync options, compare options). */
export const ARGOCD_ANNOTATION_PREFIX = 'argocd.argoproj.io/';
/** Argo CD hook annotation: a hook resource is created at a sync phase, not diffed or pruned. */
export const ARGOCD_HOOK_ANNOTATION = 'argocd.argoproj.io/hook';

/** How the rendered folder reaches the cluster; the right defaults differ. */
export enum DeliveryMode {
  /**
   * Argo CD syncs the folder: sync-wave annotations by kind; Jobs without
   * `ttlSecondsAfterFinished` (the TTL controller would delete them and Argo CD recreate
   * them, so the training would run again); `generateName` only on hooks.
   */
  GITOPS = 'gitops',
  /**
   * `kubectl apply -f` of the folder: no Argo CD annotations (they are removed); objects
   * ordered by wave inside each file (namespace first); `ttlSecondsAfterFinished` allowed
   * (see `jobTtl`); `generateName` refused (kubectl apply needs a name).
   */
  KUBECTL = 'kubectl',
}

/** Options of {@link GitOps.apply}. */
export interface GitOpsOptions {
  /**
   * Delivery mode.
   * @default DeliveryMode.GITOPS
   */
  readonly mode?: DeliveryMode;
  /**
   * Sync waves by kind (`group/Kind`, or `Kind` for the core group), overriding
   * `DEFAULT_SYNC_WAVES`. An object that already has the annotation keeps it.
   * @default - DEFAULT_SYNC_WAVES
   */
  readonly syncWaves?: Record<string, number>;
  /**
   * KUBECTL mode only: `ttlSecondsAfterFinished` set on every Job that has none, so finished
   * Jobs are garbage-collected (kubectl apply does not recreate them). Refused in GITOPS mode.
   * @default - none: finished Jobs stay until deleted
   */
  readonly jobTtl?: Duration;
  /**
   * GITOPS mode: accept Argo-managed (non-hook) Jobs, JobSets and Kubeflow training jobs
   * (`spec.runPolicy`) that set `ttlSecondsAfterFinished`.
   * Only for apps whose Application does not self-heal or prune those Jobs.
   * @default false - such a Job is an error
   */
  readonly allowJobTtl?: boolean;
}

const SETTINGS = new WeakMap<IConstruct, GitOps>();
/** Apps whose settings were applied automatically (the default), not by GitOps.apply. */
const AUTOMATIC = new WeakSet<IConstruct>();
/** Apps that opted out of the automatic default (GitOps.disableDefaults). */
const DEFAULTS_OFF = new WeakSet<IConstruct>();

/**
 * The GitOps rules applied at synth to every API object under a scope (an App or a Chart),
 * whichever construct made it (cdk8s-ml, cdk8s-plus, raw `k8s.*`, imported CRDs). A setting
 * on a Chart overrides the App's for the objects of that Chart.
 *
 * **Default**: an App that holds at least one cdk8s-ml construct gets the rules of
 * `GitOps.apply(app)` (GITOPS mode, default sync waves, the Job TTL and `generateName` rules)
 * automatically when the whole app is rendered — `app.synth()`, which `cdk8s synth` runs, and
 * `app.synthYaml()` — without any call. Call `GitOps.apply(app, options)` to choose a mode or
 * options (the automatic default then does nothing, so calling it as well is harmless), or
 * `GitOps.disableDefaults(app)` to opt out. Rendering a single chart (`Testing.synth(chart)`)
 * applies only explicit settings: call `GitOps.apply(app)` in tests that check waves that way.
 *
 * ```ts
 * const app = new App();
 * GitOps.apply(app, { mode: DeliveryMode.KUBECTL }); // or nothing: GITOPS mode by default
 * ```
 */
export class GitOps {
  /** Applies the rules to every object under `scope` at synth. Returns the settings. */
  public static apply(scope: App | Chart, options: GitOpsOptions = {}): GitOps {
    if (SETTINGS.has(scope) && !AUTOMATIC.has(scope)) fail(scope, 'GitOps.apply was already called on this scope');
    AUTOMATIC.delete(scope);
    const gitops = new GitOps(scope, options);
    SETTINGS.set(scope, gitops);
    scope.node.addValidation({ validate: () => { gitops.run(); return []; } });
    return gitops;
  }

  /**
   * Opts `app` out of the automatic default: unless `GitOps.apply` is called, no GitOps rule
   * runs at synth (no sync-wave annotations added, no Job TTL or `generateName` checks).
   * cdk8s-ml's own constructs still annotate the waves they set themselves and still name
   * their Jobs by content hash.
   */
  public static disableDefaults(app: App): void {
    if (AUTOMATIC.has(app)) {
      fail(app, 'GitOps.disableDefaults must be called before the first synth of the app');
    }
    DEFAULTS_OFF.add(app);
  }

  /** True when `app` gets the GitOps rules automatically at synth (see {@link GitOps}). */
  public static defaultsApplyTo(app: App): boolean {
    return !DEFAULTS_OFF.has(app) && (!SETTINGS.has(app) || AUTOMATIC.has(app));
  }

  /** The automatic default, run at synth for Apps holding cdk8s-ml constructs. @internal */
  public static runDefault(app: App): void {
    if (!GitOps.defaultsApplyTo(app)) return;
    let gitops = SETTINGS.get(app);
    if (!gitops) {
      gitops = new GitOps(app, {});
      SETTINGS.set(app, gitops);
      AUTOMATIC.add(app);
    }
    gitops.run();
  }

  /** The settings in force at `scope` (the nearest App or Chart they were applied to), if any. */
  public static of(scope: IConstruct): GitOps | undefined {
    for (const s of [...scope.node.scopes].reverse()) {
      const found = SETTINGS.get(s);
      if (found) return found;
    }
    return undefined;
  }

  /** The delivery mode at `scope`; undefined when no GitOps settings apply. */
  public static modeOf(scope: IConstruct): DeliveryMode | undefined {
    return GitOps.of(scope)?.mode;
  }

  /** The delivery mode. */
  public readonly mode: DeliveryMode;
  private readonly waves: Readonly<Record<string, number>>;

  private constructor(private readonly scope: App | Chart, private readonly options: GitOpsOptions) {
    this.mode = options.mode ?? DeliveryMode.GITOPS;
    if (!Object.values(DeliveryMode).includes(this.mode)) fail(scope, `mode must be a DeliveryMode, got ${show(this.mode)}`);
    for (const [key, wave] of Object.entries(options.syncWaves ?? {})) {
      if (!Number.isInteger(wave)) fail(scope, `syncWaves.${key} must be an integer, got ${show(wave)}`);
    }
    this.waves = options.syncWaves ?? {};
    // integral: false — Duration.toSeconds() throws a plain Error on a fractional number of seconds
    const ttlSeconds = options.jobTtl?.toSeconds({ integral: false });
    if (ttlSeconds !== undefined && this.mode === DeliveryMode.GITOPS) {
      fail(scope, `jobTtl (${ttlSeconds} s) is refused in GitOps mode: the TTL controller deletes finished Jobs, Argo CD recreates them and the training runs again; use history limits, pruning, or an Argo CD hook with a hook-delete-policy`);
    }
    // a Duration is never negative (cdk8s' constructor refuses it): only a fraction is left to refuse
    if (ttlSeconds !== undefined && !Number.isInteger(ttlSeconds)) {
      fail(scope, `jobTtl must be a whole number of seconds, got ${show(ttlSeconds)}`);
    }
  }

  /** The sync wave this scope assigns to an apiVersion/kind; undefined when unknown. */
  public syncWave(apiVersion: string, kind: string): number | undefined {
    return syncWaveOf(apiVersion, kind, this.waves);
  }

  /** Checks and registers the rendering rules of every object this scope governs. Idempotent. */
  private run(): void {
    const objects = this.scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && GitOps.of(c) === this);
    for (const obj of objects) {
      this.check(obj, obj.toJson());
      setRenderTransform(obj, 'cdk8s-ml:gitops', (m) => this.transform(m));
    }
    if (this.mode === DeliveryMode.KUBECTL) this.orderByWave(objects);
  }

  private check(obj: ApiObject, manifest: Record<string, any>): void {
    const annotations: Record<string, string> = manifest.metadata?.annotations ?? {};
    const hook = annotations[ARGOCD_HOOK_ANNOTATION] !== undefined;
    if (manifest.metadata?.generateName !== undefined && (this.mode === DeliveryMode.KUBECTL || !hook)) {
      fail(obj, this.mode === DeliveryMode.KUBECTL
        ? `metadata.generateName ${show(manifest.metadata.generateName)} cannot be used with kubectl apply (it needs a fixed name); use a content-addressed name (hashJobName)`
        : `metadata.generateName ${show(manifest.metadata.generateName)} is only supported by Argo CD on hook resources (${ARGOCD_HOOK_ANNOTATION}); use a content-addressed name (hashJobName)`);
    }
    const wave = annotations[SYNC_WAVE_ANNOTATION];
    if (wave !== undefined && !/^-?\d+$/.test(wave)) fail(obj, `annotation ${SYNC_WAVE_ANNOTATION} must be an integer, got ${show(wave)}`);
    const ttlPath = this.mode === DeliveryMode.GITOPS ? finishedTtlPath(manifest.apiVersion, manifest.kind) : undefined;
    if (ttlPath !== undefined) {
      const ttl = ttlPath.reduce<any>((v, k) => v?.[k], manifest);
      if (ttl !== undefined && !hook && !this.options.allowJobTtl) {
        const kind = manifest.kind;
        fail(obj, `${ttlPath.slice(1).join('.')} (${show(ttl)}) on a ${kind} that Argo CD manages makes it run again: the TTL controller deletes the finished ${kind} and Argo CD recreates it; remove it, make the ${kind} an Argo CD hook with a hook-delete-policy, or set allowJobTtl`);
      }
    }
  }

  private transform(manifest: Record<string, any>): Record<string, any> {
    if (this.mode === DeliveryMode.KUBECTL) {
      let out = manifest;
      const annotations: Record<string, string> | undefined = manifest.metadata?.annotations;
      if (annotations && Object.keys(annotations).some((k) => k.startsWith(ARGOCD_ANNOTATION_PREFIX))) {
        const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !k.startsWith(ARGOCD_ANNOTATION_PREFIX)));
        const metadata = { ...manifest.metadata, annotations: kept };
        if (Object.keys(kept).length === 0) delete metadata.annotations;
        out = { ...manifest, metadata };
      }
      const ttl = this.options.jobTtl;
      if (ttl !== undefined && kindKey(out.apiVersion, out.kind) === 'batch/Job' && out.spec?.ttlSecondsAfterFinished === undefined) {
        out = { ...out, spec: { ...out.spec, ttlSecondsAfterFinished: ttl.toSeconds() } };
      }
      return out;
    }
    if (manifest.metadata?.annotations?.[SYNC_WAVE_ANNOTATION] !== undefined) return manifest;
    if (manifest.metadata?.annotations?.[ARGOCD_HOOK_ANNOTATION] !== undefined) return manifest;
    const wave = this.syncWave(manifest.apiVersion, manifest.kind);
    return wave === undefined ? manifest : withAnnotation(manifest, SYNC_WAVE_ANNOTATION, String(wave));
  }

  /** kubectl applies documents in file order: inside each chart, lower waves first (stable). */
  private orderByWave(objects: ApiObject[]): void {
    const byChart = new Map<Chart, ApiObject[]>();
    for (const obj of objects) {
      const chart = Chart.of(obj);
      byChart.set(chart, [...(byChart.get(chart) ?? []), obj]);
    }
    for (const list of byChart.values()) {
      const waved = list.map((o) => ({ o, wave: this.syncWave(o.apiVersion, o.kind) ?? 0 }));
      for (const a of waved) {
        for (const b of waved) {
          if (b.wave < a.wave) a.o.node.addDependency(b.o);
        }
      }
    }
  }
}

/** Props of {@link GitOpsChart}. */
export interface GitOpsChartProps extends ChartProps {
  /**
   * GitOps rules for this chart's objects.
   * @default - GITOPS mode with the default sync waves
   */
  readonly gitops?: GitOpsOptions;
}

/** A Chart with {@link GitOps} rules applied to its objects (chart-level mode switch). */
export class GitOpsChart extends Chart {
  /** The rules in force. */
  public readonly gitops: GitOps;

  constructor(scope: Construct, id: string, props: GitOpsChartProps = {}) {
    super(scope, id, props);
    this.gitops = GitOps.apply(this, props.gitops);
  }
}

registerAppDefault('cdk8s-ml:gitops', (app) => GitOps.runDefault(app));
