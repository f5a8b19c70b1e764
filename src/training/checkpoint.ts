import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { IClaim, IPlusNamedResource, ResolvedReference, checkClaimSharing, claimOf, fail, isClaim, namespaceOf, show, useReference } from '../core';

/** Options of the {@link CheckpointVolume} factories. */
export interface CheckpointVolumeOptions {
  /**
   * Where the volume is mounted (read-write) in the trainer; exported as `CHECKPOINT_DIR`.
   * @default '/checkpoints'
   */
  readonly mountPath?: string;
  /**
   * Sub-path of the volume to mount (e.g. one folder per workload). Two workloads of the app
   * mounting the same claim need disjoint sub-paths (neither inside the other), or they
   * would overwrite each other's checkpoints. A `ScheduledTraining` adds one folder per run
   * below it (`subPathExpr: <subPath>/$(JOB_NAME)`).
   * @default - the volume root (a ScheduledTraining: a folder named after the CronJob)
   */
  readonly subPath?: string;
}

/** How a workload mounts its checkpoints. @internal */
export interface CheckpointMountOptions {
  /** Pods of the workload running at once (a single-node-attachable claim is refused above 1). */
  readonly pods: number;
  /** Why the pods may land on several nodes (for the message). */
  readonly spread: string;
  /**
   * One folder per run: the env var holding the run's (Job's) name; the mount then uses
   * `subPathExpr: <subPath or runBase>/$(<env>)`.
   * @default - a fixed subPath
   */
  readonly perRunEnv?: string;
  /** Base folder of the per-run folders when `subPath` is unset. @default - required with perRunEnv */
  readonly runBase?: string;
  /** Namespace of the workload. @default - its chart's */
  readonly namespace?: string;
}

/** A checkpoint volume bound to one workload. @internal */
export interface BoundCheckpoints {
  readonly volume: k8s.Volume;
  readonly mount: k8s.VolumeMount;
  readonly claim?: ResolvedReference;
}

/** Checkpoint claims mounted so far, per app: claim key → (workload path, sub-path). */
const SHARED = new WeakMap<IConstruct, Map<string, Array<{ readonly workload: string; readonly subPath: string }>>>();

function within(a: string, b: string): boolean {
  return a === '' || b === '' || a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
}

/** Where checkpoints are written (every node mounts it; a claim must be ReadWriteMany for > 1 node). */
export class CheckpointVolume {
  /**
   * A PersistentVolumeClaim: a `VolumeClaim` of the app, a cdk8s-plus `PersistentVolumeClaim`
   * rendered by the app, or `External.claim(name)` for a claim managed elsewhere.
   */
  public static claim(claim: IClaim | IPlusNamedResource, options: CheckpointVolumeOptions = {}): CheckpointVolume {
    const ref = isClaim(claim) ? claim : claimOf(claim);
    return new CheckpointVolume(undefined, ref, options);
  }

  /** Any volume source (NFS, CSI...); the volume is renamed `checkpoints`. */
  public static fromVolume(volume: k8s.Volume, options: CheckpointVolumeOptions = {}): CheckpointVolume {
    return new CheckpointVolume({ ...volume, name: 'checkpoints' }, undefined, options);
  }

  private constructor(
    private readonly source: k8s.Volume | undefined,
    private readonly claimSource: IClaim | undefined,
    private readonly options: CheckpointVolumeOptions,
  ) {}

  /** Mount path. */
  public get mountPath(): string {
    return this.options.mountPath ?? '/checkpoints';
  }

  /**
   * Validates and binds the volume to `scope`: records the claim reference, refuses a
   * ReadWriteOnce claim for pods on several nodes and a claim another workload of the app
   * already mounts at an overlapping sub-path. @internal
   */
  public bind(scope: IConstruct, options: CheckpointMountOptions): BoundCheckpoints {
    if (!this.mountPath.startsWith('/') || this.mountPath === '/') fail(scope, `checkpoint mountPath must be an absolute path other than "/", got ${show(this.mountPath)}`);
    const subPath = this.options.subPath;
    if (subPath !== undefined && (typeof subPath !== 'string' || subPath === '' || subPath.startsWith('/') || subPath.split('/').includes('..') || subPath.includes('$('))) {
      fail(scope, `checkpoint subPath must be a relative path without ".." or "$(", got ${show(subPath)}`);
    }
    const base = subPath ?? (options.perRunEnv ? options.runBase : undefined);
    const mount: k8s.VolumeMount = options.perRunEnv
      ? { name: 'checkpoints', mountPath: this.mountPath, subPathExpr: `${base}/$(${options.perRunEnv})` }
      : { name: 'checkpoints', mountPath: this.mountPath, subPath };
    // a claim's source is always an IClaim: claim() wraps anything else with claimOf, whose
    // claimRef refuses what is not a claim
    if (!this.claimSource) return { volume: this.source!, mount };
    const namespace = options.namespace ?? namespaceOf(scope);
    const ref = useReference(scope, 'checkpoints', this.claimSource.claimRef(scope), namespace);
    checkClaimSharing(scope, 'checkpoints', ref, false, options.pods, options.spread);
    // namespace and name; no namespace (a chart without one) serializes as null
    const key = JSON.stringify([ref.namespace ?? namespace, ref.name]);
    const app = scope.node.root;
    const byClaim = SHARED.get(app) ?? new Map();
    SHARED.set(app, byClaim);
    const users = byClaim.get(key) ?? [];
    const mine = base ?? '';
    const clash = users.find((u: { workload: string; subPath: string }) => u.workload !== scope.node.path && within(u.subPath, mine));
    if (clash) {
      const describe = (p: string) => (p === '' ? 'the claim root' : `sub-path ${show(p)}`);
      fail(scope, `checkpoints: claim ${show(ref.name)} is also mounted by ${clash.workload} at ${describe(clash.subPath)}, overlapping ${describe(mine)} here; runs would overwrite each other's checkpoints — give each workload its own CheckpointVolume subPath`);
    }
    users.push({ workload: scope.node.path, subPath: mine });
    byClaim.set(key, users);
    return { volume: { name: 'checkpoints', persistentVolumeClaim: { claimName: ref.name } }, mount, claim: ref };
  }
}
