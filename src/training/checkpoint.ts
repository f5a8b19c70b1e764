import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, isDnsSubdomain, show } from '../core';

/** Options of the {@link CheckpointVolume} factories. */
export interface CheckpointVolumeOptions {
  /**
   * Where the volume is mounted (read-write) in the trainer; exported as `CHECKPOINT_DIR`.
   * @default '/checkpoints'
   */
  readonly mountPath?: string;
  /**
   * Sub-path of the volume to mount (e.g. one folder per run).
   * @default - the volume root
   */
  readonly subPath?: string;
}

/** Where checkpoints are written (every node mounts it; a PVC must be ReadWriteMany for > 1 node). */
export class CheckpointVolume {
  /** An existing PersistentVolumeClaim by name. */
  public static pvc(claimName: string, options: CheckpointVolumeOptions = {}): CheckpointVolume {
    return new CheckpointVolume({ name: 'checkpoints', persistentVolumeClaim: { claimName } }, claimName, options);
  }

  /** A cdk8s-plus PersistentVolumeClaim (or anything with a `name`). */
  public static fromClaim(claim: { readonly name: string }, options: CheckpointVolumeOptions = {}): CheckpointVolume {
    return CheckpointVolume.pvc(claim.name, options);
  }

  /** Any volume source (NFS, CSI...); the volume is renamed `checkpoints`. */
  public static fromVolume(volume: k8s.Volume, options: CheckpointVolumeOptions = {}): CheckpointVolume {
    return new CheckpointVolume({ ...volume, name: 'checkpoints' }, undefined, options);
  }

  private constructor(
    /** The pod volume. */
    public readonly volume: k8s.Volume,
    private readonly claimName: string | undefined,
    private readonly options: CheckpointVolumeOptions,
  ) {}

  /** Mount path. */
  public get mountPath(): string {
    return this.options.mountPath ?? '/checkpoints';
  }

  /** Validates and returns the mount. @internal */
  public mount(scope: IConstruct): k8s.VolumeMount {
    if (this.claimName !== undefined && !isDnsSubdomain(this.claimName)) fail(scope, `checkpoint claim name must be a DNS-1123 subdomain, got ${show(this.claimName)}`);
    if (!this.mountPath.startsWith('/') || this.mountPath === '/') fail(scope, `checkpoint mountPath must be an absolute path other than "/", got ${show(this.mountPath)}`);
    const subPath = this.options.subPath;
    if (subPath !== undefined && (subPath.startsWith('/') || subPath.split('/').includes('..'))) fail(scope, `checkpoint subPath must be relative without "..", got ${show(subPath)}`);
    return { name: 'checkpoints', mountPath: this.mountPath, subPath };
  }
}
