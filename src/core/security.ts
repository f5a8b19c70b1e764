import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { sizeToQuantity } from './resources';

/** Non-root user and group ids of every pod cdk8s-ml renders. */
export interface PodSecurityOptions {
  /**
   * UID the containers run as (non-zero: many ML images default to root and are refused
   * by `runAsNonRoot` without an explicit UID).
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * GID the containers run as.
   * @default 1000
   */
  readonly runAsGroup?: number;
  /**
   * GID owning mounted volumes, so the non-root user can write them.
   * @default - the runAsGroup
   */
  readonly fsGroup?: number;
}

/** HOME of the non-root user; an emptyDir so the root filesystem stays read-only. */
export const ML_HOME = '/home/ml';
/** Cache directory under HOME (Hugging Face, torch, pip, XDG). */
export const ML_CACHE = `${ML_HOME}/.cache`;

/** Throws unless the ids are non-zero integers. */
export function validatePodSecurity(scope: IConstruct, options: PodSecurityOptions = {}): void {
  for (const key of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 2147483647)) {
      fail(scope, `security.${key} must be a non-zero integer id (the restricted Pod Security profile forbids root), got ${show(value)}`);
    }
  }
}

/** Pod-level security context of the Pod Security "restricted" profile. */
export function restrictedPodSecurityContext(options: PodSecurityOptions = {}): k8s.PodSecurityContext {
  const runAsUser = options.runAsUser ?? 1000;
  const runAsGroup = options.runAsGroup ?? 1000;
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    fsGroup: options.fsGroup ?? runAsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context of the "restricted" profile, read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Sizes of the writable scratch directories. */
export interface WritableDirsOptions {
  /**
   * Size limit of the `/tmp` emptyDir.
   * @default Size.gibibytes(4)
   */
  readonly tmpSize?: Size;
  /**
   * Size limit of the HOME emptyDir, which holds the caches (`HF_HOME`, `TORCH_HOME`, `XDG_CACHE_HOME`).
   * @default Size.gibibytes(16)
   */
  readonly homeSize?: Size;
}

/** Volumes, mounts and env that give a read-only-root container a writable /tmp and HOME. */
export interface WritableDirs {
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
  readonly env: k8s.EnvVar[];
}

/** Names of the volumes added by {@link writableDirs}; user volumes must not reuse them. */
export const RESERVED_VOLUME_NAMES = ['tmp', 'home', 'dshm'];

/** The writable `/tmp` and HOME (+ cache env) every ML container gets. */
export function writableDirs(options: WritableDirsOptions = {}): WritableDirs {
  return {
    volumes: [
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeToQuantity(options.tmpSize ?? Size.gibibytes(4))) } },
      { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeToQuantity(options.homeSize ?? Size.gibibytes(16))) } },
    ],
    mounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'home', mountPath: ML_HOME },
    ],
    env: [
      { name: 'HOME', value: ML_HOME },
      { name: 'XDG_CACHE_HOME', value: ML_CACHE },
      { name: 'HF_HOME', value: `${ML_CACHE}/huggingface` },
      { name: 'TORCH_HOME', value: `${ML_CACHE}/torch` },
      { name: 'TRITON_CACHE_DIR', value: `${ML_CACHE}/triton` },
      { name: 'PIP_CACHE_DIR', value: `${ML_CACHE}/pip` },
    ],
  };
}

/** A Memory-backed `/dev/shm` (PyTorch DataLoader workers and NCCL need more than the 64 MiB default). */
export function sharedMemory(size: Size): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return {
    volume: { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(sizeToQuantity(size)) } },
    mount: { name: 'dshm', mountPath: '/dev/shm' },
  };
}
