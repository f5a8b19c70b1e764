import { IConstruct } from 'constructs';
import { fail } from './errors';

/** Context key holding the target Kubernetes version (`major.minor`). */
export const KUBERNETES_VERSION_CONTEXT = 'cdk8s-ml:kubernetesVersion';

/** A Kubernetes minor version that output is rendered for. */
export class KubernetesVersion {
  /** Kubernetes 1.28, the default target (the version of cdk8s-plus-28). */
  public static readonly V1_28 = new KubernetesVersion(1, 28);
  /** Kubernetes 1.29: backoffLimitPerIndex, sidecar init containers. */
  public static readonly V1_29 = new KubernetesVersion(1, 29);
  /** Kubernetes 1.30. */
  public static readonly V1_30 = new KubernetesVersion(1, 30);
  /** Kubernetes 1.31: podFailurePolicy GA, Job successPolicy. */
  public static readonly V1_31 = new KubernetesVersion(1, 31);
  /** Kubernetes 1.32. */
  public static readonly V1_32 = new KubernetesVersion(1, 32);
  /** Kubernetes 1.33. */
  public static readonly V1_33 = new KubernetesVersion(1, 33);

  /** Parses `"1.29"` (a patch part is ignored). */
  public static of(version: string): KubernetesVersion {
    const m = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(String(version));
    if (!m) throw new Error(`invalid Kubernetes version ${JSON.stringify(version)}; expected "1.28" style`);
    return new KubernetesVersion(Number(m[1]), Number(m[2]));
  }

  private constructor(public readonly major: number, public readonly minor: number) {}

  /** True when this version is the same as or newer than `other`. */
  public isAtLeast(other: KubernetesVersion): boolean {
    return this.major > other.major || (this.major === other.major && this.minor >= other.minor);
  }

  /** `"1.28"`. */
  public toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

/**
 * Sets the Kubernetes version that constructs under `scope` (an App or Chart) render for.
 * Fields newer than it are refused with a clear error.
 */
export function setTargetKubernetesVersion(scope: IConstruct, version: KubernetesVersion): void {
  scope.node.setContext(KUBERNETES_VERSION_CONTEXT, version.toString());
}

/** The target Kubernetes version in force at `scope`. @default 1.28 */
export function targetKubernetesVersion(scope: IConstruct): KubernetesVersion {
  const value = scope.node.tryGetContext(KUBERNETES_VERSION_CONTEXT);
  if (value === undefined) return KubernetesVersion.V1_28;
  try {
    return KubernetesVersion.of(String(value));
  } catch (e) {
    return fail(scope, `context ${KUBERNETES_VERSION_CONTEXT}: ${(e as Error).message}`);
  }
}

/**
 * Throws unless the target version at `scope` is at least `minimum` (for `feature`).
 * `reason`, when given, says why older versions cannot run it, and the error then names the
 * exact `setTargetKubernetesVersion` call that fixes it.
 */
export function requireKubernetesVersion(scope: IConstruct, feature: string, minimum: KubernetesVersion, reason?: string): void {
  const target = targetKubernetesVersion(scope);
  if (target.isAtLeast(minimum)) return;
  if (reason === undefined) {
    fail(scope, `${feature} needs Kubernetes ${minimum} or newer, but the target version is ${target} (set it with setTargetKubernetesVersion)`);
  }
  fail(scope, `${feature} needs Kubernetes ${minimum} or newer, but the target version is ${target}: ${reason}; `
    + `set setTargetKubernetesVersion(app, KubernetesVersion.V${minimum.major}_${minimum.minor})`);
}
