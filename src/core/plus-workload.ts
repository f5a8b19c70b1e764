import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';

/*
 * Structural views of cdk8s-plus objects, by exactly the members cdk8s-ml uses, so that
 * workloads, Secrets and claims of any cdk8s-plus-28 … cdk8s-plus-33 are accepted. The
 * cdk8s-plus classes have private members, which makes them nominal in TypeScript: a
 * cdk8s-plus-33 `Job` is not assignable to a cdk8s-plus-28 `AbstractPod`. These interfaces
 * name no cdk8s-plus class; every cdk8s-plus version's objects satisfy them.
 */

/** A volume of a cdk8s-plus workload (any cdk8s-plus version), by name. */
export interface IPlusVolumeRef {
  /** The volume's name in the pod spec. */
  readonly name: string;
}

/** Something a cdk8s-plus container can mount (a cdk8s-plus `Volume` or `IStorage`). */
export interface IPlusStorage {
  /** The volume to mount. */
  asVolume(): IPlusVolumeRef;
}

/** An env value of cdk8s-plus (`EnvValue` of any cdk8s-plus version). */
export interface IPlusEnvValue {
  /** Literal value. */
  readonly value?: unknown;
  /** Reference (`secretKeyRef`, `fieldRef`, …). */
  readonly valueFrom?: unknown;
}

/** Mount options cdk8s-ml passes to a cdk8s-plus container. */
export interface PlusMountOptions {
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Path inside the volume.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/** A container of a cdk8s-plus workload (any cdk8s-plus version). */
export interface IPlusContainer {
  /** Container name. */
  readonly name: string;
  /** The container's volume mounts. */
  readonly mounts: ReadonlyArray<{ readonly path: string }>;
  /** The container's environment. */
  readonly env: { addVariable(name: string, value: IPlusEnvValue): void };
  /** Mounts `storage` at `path`. */
  mount(path: string, storage: IPlusStorage, options?: PlusMountOptions): void;
}

/** CPU amount of cdk8s-plus (`Cpu` of any cdk8s-plus version). */
export interface IPlusCpu {
  /** Quantity, e.g. `500m`. */
  readonly amount: string;
}

/** The container-level security settings cdk8s-ml gives containers it adds to a cdk8s-plus workload. */
export interface PlusContainerSecurityContext {
  /** @default - the pod's */
  readonly user?: number;
  /** @default - the pod's */
  readonly group?: number;
  /** @default - cdk8s-plus' default */
  readonly ensureNonRoot?: boolean;
  /** @default - cdk8s-plus' default */
  readonly privileged?: boolean;
  /** @default - cdk8s-plus' default */
  readonly readOnlyRootFilesystem?: boolean;
  /** @default - cdk8s-plus' default */
  readonly allowPrivilegeEscalation?: boolean;
  /** @default - none */
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  /** @default - none */
  readonly seccompProfile?: { readonly type: string; readonly localhostProfile?: string };
}

/** An init container cdk8s-ml adds to a cdk8s-plus workload (the fields of cdk8s-plus `ContainerProps` it sets). */
export interface PlusInitContainerProps {
  /** @default - cdk8s-plus generates one */
  readonly name?: string;
  /** Container image. */
  readonly image: string;
  /** @default - cdk8s-plus' default */
  readonly imagePullPolicy?: string;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - none */
  readonly envVariables?: { readonly [name: string]: IPlusEnvValue };
  /** @default - none */
  readonly resources?: {
    readonly cpu?: { readonly request?: IPlusCpu; readonly limit?: IPlusCpu };
    readonly memory?: { readonly request?: Size; readonly limit?: Size };
    readonly ephemeralStorage?: { readonly request?: Size; readonly limit?: Size };
  };
  /** @default - cdk8s-plus' default */
  readonly securityContext?: PlusContainerSecurityContext;
  /** @default - none */
  readonly volumeMounts?: ReadonlyArray<PlusMountOptions & { readonly path: string; readonly volume: IPlusStorage & IPlusVolumeRef }>;
}

/**
 * A cdk8s-plus pod workload — `Pod`, `Job`, `Deployment`, `StatefulSet`, `DaemonSet` of any
 * cdk8s-plus version from cdk8s-plus-28 to cdk8s-plus-33 — by the members cdk8s-ml uses.
 */
export interface IPlusWorkload extends IConstruct {
  /** The workload's main containers. */
  readonly containers: readonly IPlusContainer[];
  /** The workload's volumes. */
  readonly volumes: readonly IPlusVolumeRef[];
  /** The pod-level security context. */
  readonly securityContext: { readonly user?: number; readonly group?: number; readonly fsGroup?: number };
  /** Adds a volume to the pod. */
  addVolume(volume: IPlusVolumeRef): void;
  /** Adds an init container to the pod. */
  addInitContainer(container: PlusInitContainerProps): unknown;
}

/** A named object of any cdk8s-plus version (an `ISecret`, `IPersistentVolumeClaim`, `IConfigMap`…). */
export interface IPlusNamedResource {
  /** The Kubernetes name of the object. */
  readonly name: string;
}

/** True when `x` has the members of an {@link IPlusWorkload} (any cdk8s-plus version's pod workload). */
export function isPlusWorkload(x: unknown): x is IPlusWorkload {
  if (typeof x !== 'object' || x === null) return false;
  const w = x as Partial<Record<keyof IPlusWorkload, unknown>>;
  return (
    typeof w.node === 'object' &&
    w.node !== null &&
    Array.isArray(w.containers) &&
    Array.isArray(w.volumes) &&
    typeof w.securityContext === 'object' &&
    w.securityContext !== null &&
    typeof w.addVolume === 'function' &&
    typeof w.addInitContainer === 'function'
  );
}
