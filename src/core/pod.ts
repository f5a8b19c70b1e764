import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { validateImage } from './image';
import { validateDnsLabel } from './names';
import { IPriorityClass, IServiceAccountRef, useReference, usedReferences } from './refs';
import { canonicalQuantityOf, parseQuantity } from './quantity';
import { Accelerator, ComputeResources, renderResources } from './resources';
import {
  PodSecurityOptions,
  RESERVED_VOLUME_NAMES,
  WritableDirsOptions,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  sharedMemory,
  validatePodSecurity,
  writableDirs,
} from './security';

/** The main container of an ML pod. */
export interface MlContainerOptions {
  /** Container name (DNS-1123 label). */
  readonly name: string;
  /** Image, pinned to a tag or digest. */
  readonly image: string;
  /** Entrypoint. @default - the image's */
  readonly command?: string[];
  /** Arguments. @default - none */
  readonly args?: string[];
  /** Env vars, already rendered (see renderEnv); the writable-dir env is added after them. @default - none */
  readonly env?: k8s.EnvVar[];
  /** Env from ConfigMaps/Secrets. @default - none */
  readonly envFrom?: k8s.EnvFromSource[];
  /** CPU and memory. */
  readonly resources: ComputeResources;
  /** GPUs. @default - none */
  readonly accelerator?: Accelerator;
  /** Ports. @default - none */
  readonly ports?: k8s.ContainerPort[];
  /** Extra mounts (datasets, config, checkpoints). @default - none */
  readonly volumeMounts?: k8s.VolumeMount[];
  /** Probes and lifecycle. @default - none */
  readonly startupProbe?: k8s.Probe;
  /** @default - none */
  readonly readinessProbe?: k8s.Probe;
  /** @default - none */
  readonly livenessProbe?: k8s.Probe;
  /** @default - none */
  readonly lifecycle?: k8s.Lifecycle;
  /** Working directory. @default - the image's */
  readonly workingDir?: string;
}

/**
 * Where a pod may run: placement props shared by the constructs' props. An accelerator's
 * GPU product selector and toleration are always added to these.
 */
export interface PodSchedulingProps {
  /** Extra node selector, merged with the accelerator's GPU product selector. @default - none (the accelerator's selector only) */
  readonly nodeSelector?: Record<string, string>;
  /** Extra tolerations, added to the accelerator's GPU toleration. @default - none (the accelerator's toleration only) */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Pod priority class: a `PriorityClass` construct of the app or
   * `External.priorityClass(name)`.
   * @default - none (the cluster's default priority)
   */
  readonly priorityClass?: IPriorityClass;
}

/** Who a pod runs as: identity and security props shared by the constructs' props. */
export interface PodSecurityProps {
  /** Non-root ids. @default - uid/gid 1000 */
  readonly security?: PodSecurityOptions;
  /** Sizes of the writable scratch dirs /tmp and HOME. @default - /tmp 4Gi, HOME 16Gi */
  readonly writableDirs?: WritableDirsOptions;
  /**
   * Service account: the name of one the app renders, or `External.serviceAccount(name)` for
   * one managed elsewhere (declared in the workload's `ml.cdk8s.io/external` annotation).
   * @default - the namespace's default service account, without a mounted token
   */
  readonly serviceAccountName?: string | IServiceAccountRef;
}

/** Options of {@link buildMlPodSpec}. */
export interface MlPodSpecOptions extends PodSchedulingProps, PodSecurityProps {
  /** The main container(s); the first one gets the accelerator. */
  readonly containers: MlContainerOptions[];
  /** Init containers (e.g. DatasetInit fetchers), rendered as given. @default - none */
  readonly initContainers?: k8s.Container[];
  /** Extra volumes. @default - none */
  readonly volumes?: k8s.Volume[];
  /** Size of the Memory-backed `/dev/shm`; `undefined` leaves the runtime's 64 MiB default. @default - none */
  readonly shmSize?: Size;
  /** @default - Kubernetes default (Always) */
  readonly restartPolicy?: string;
  /** @default - none */
  readonly subdomain?: string;
  /** @default - none */
  readonly affinity?: k8s.Affinity;
  /** @default - none */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** Mount the service account token. @default false */
  readonly automountServiceAccountToken?: boolean;
  /** @default - Kubernetes default (30 s) */
  readonly terminationGracePeriodSeconds?: number;
  /** @default - the default scheduler */
  readonly schedulerName?: string;
}

/**
 * Ephemeral storage each container requests beyond the emptyDirs: its logs (the kubelet keeps
 * at most 5 × 10 MiB per container by default) and its writable layer (near nothing under a
 * read-only root filesystem). 512 MiB leaves a wide margin.
 */
export const CONTAINER_EPHEMERAL_ALLOWANCE = '512Mi';

/** One emptyDir volume on node disk and its size limit in bytes. */
export interface DiskEmptyDir {
  readonly name: string;
  readonly bytes: number;
}

/**
 * The emptyDir volumes of `volumes` that live on node disk (not `medium: Memory`, which counts
 * against memory) with their size limits; fails on one without a size limit, which no
 * ephemeral-storage request could cover.
 */
export function diskEmptyDirs(scope: IConstruct, volumes: readonly k8s.Volume[]): DiskEmptyDir[] {
  const out: DiskEmptyDir[] = [];
  for (const v of volumes) {
    if (!v.emptyDir || v.emptyDir.medium === 'Memory') continue;
    const bytes = v.emptyDir.sizeLimit === undefined ? undefined : parseQuantity(v.emptyDir.sizeLimit.value as string | number);
    if (bytes === undefined || !(bytes > 0)) {
      fail(scope, `emptyDir volume ${show(v.name)} has no sizeLimit, so the pod cannot request the node disk it fills (ephemeral-storage); give it a sizeLimit (a DatasetInit: the source's expectedSize or DatasetVolume.emptyDir({ sizeLimit }))`);
    }
    out.push({ name: v.name, bytes });
  }
  return out;
}

/** Bytes as a canonical quantity of whole MiB, rounded up. */
function mib(bytes: number): string {
  return canonicalQuantityOf(`${Math.ceil(bytes / 2 ** 20)}Mi`);
}

/** The disk a container must request at least, and why (for the message). */
interface EphemeralStorageFloor {
  readonly scope: IConstruct;
  /** The container, as the message names it. */
  readonly what: string;
  readonly bytes: number;
  readonly why: string;
}

/**
 * Resources with `ephemeral-storage` requested and limited: `bytes` for a container without it;
 * one that sets it must cover the `floor` when there is one.
 */
function withEphemeralStorage(r: k8s.ResourceRequirements | undefined, bytes: number, floor?: EphemeralStorageFloor): k8s.ResourceRequirements {
  const requests = { ...(r?.requests ?? {}) };
  const limits = { ...(r?.limits ?? {}) };
  const set = requests['ephemeral-storage'] ?? limits['ephemeral-storage'];
  if (set !== undefined) {
    const n = parseQuantity(set.value as string | number) ?? 0;
    if (floor !== undefined && n < floor.bytes) {
      fail(floor.scope, `${floor.what} requests ${show(set.value)} of ephemeral-storage, below the ${mib(floor.bytes)} ${floor.why}; raise resources.ephemeralStorage or leave it unset (derived)`);
    }
    return { requests, limits };
  }
  const q = k8s.Quantity.fromString(mib(bytes));
  return { requests: { ...requests, 'ephemeral-storage': q }, limits: { ...limits, 'ephemeral-storage': q } };
}

/**
 * Builds a pod spec with cdk8s-ml's defaults: restricted Pod Security (non-root ids,
 * read-only root, no privilege escalation, all capabilities dropped, RuntimeDefault
 * seccomp), writable /tmp and HOME with cache env, optional /dev/shm, GPU limits with
 * the matching toleration and node selector, no service account token.
 */
export function buildMlPodSpec(scope: IConstruct, options: MlPodSpecOptions): k8s.PodSpec {
  validatePodSecurity(scope, options.security);
  if (options.containers.length === 0) fail(scope, 'a pod needs at least one container');
  const scratch = writableDirs(options.writableDirs);
  const volumes: k8s.Volume[] = [...scratch.volumes];
  const commonMounts: k8s.VolumeMount[] = [...scratch.mounts];
  if (options.shmSize !== undefined) {
    const shm = sharedMemory(options.shmSize);
    volumes.push(shm.volume);
    commonMounts.push(shm.mount);
  }
  for (const v of options.volumes ?? []) {
    if (RESERVED_VOLUME_NAMES.includes(v.name)) fail(scope, `volume name ${show(v.name)} is reserved by cdk8s-ml`);
    if (volumes.some((x) => x.name === v.name)) fail(scope, `duplicate volume name ${show(v.name)}`);
    volumes.push(v);
  }
  const accelerator = options.containers[0].accelerator;
  // Ephemeral storage: the first container requests (and is limited to) every disk emptyDir of
  // the pod plus its own allowance, so the scheduler reserves the disk the pod fills; the
  // others request their allowance. A pod's request is max(init, sum of containers), so the
  // init containers (which write into the same volumes) need only their own allowance.
  const allowance = parseQuantity(CONTAINER_EPHEMERAL_ALLOWANCE)!;
  const disk = diskEmptyDirs(scope, volumes);
  const diskBytes = disk.reduce((a, d) => a + d.bytes, 0);
  const diskWhy = `the pod's emptyDir volumes on node disk hold (${disk.map((d) => `${d.name} ${mib(d.bytes)}`).join(', ')})`;
  const containers = options.containers.map((c, i) => {
    validateDnsLabel(scope, 'container name', c.name);
    validateImage(scope, `image of container ${c.name}`, c.image);
    const mounts = [...commonMounts, ...(c.volumeMounts ?? [])];
    const paths = new Set<string>();
    for (const m of mounts) {
      if (paths.has(m.mountPath)) fail(scope, `two volumes are mounted at ${show(m.mountPath)} in container ${c.name}`);
      paths.add(m.mountPath);
      if (!volumes.some((v) => v.name === m.name)) fail(scope, `container ${c.name} mounts unknown volume ${show(m.name)}`);
    }
    const container: k8s.Container = {
      name: c.name,
      image: c.image,
      command: c.command,
      args: c.args,
      workingDir: c.workingDir,
      env: [...(c.env ?? []), ...scratch.env.filter((e) => !(c.env ?? []).some((u) => u.name === e.name))],
      envFrom: c.envFrom,
      ports: c.ports,
      resources: withEphemeralStorage(
        renderResources(scope, c.resources, i === 0 ? accelerator : undefined),
        i === 0 ? diskBytes + allowance : allowance,
        i === 0 ? { scope, what: `container ${c.name}`, bytes: diskBytes, why: diskWhy } : undefined,
      ),
      volumeMounts: mounts,
      startupProbe: c.startupProbe,
      readinessProbe: c.readinessProbe,
      livenessProbe: c.livenessProbe,
      lifecycle: c.lifecycle,
      securityContext: restrictedContainerSecurityContext(),
    };
    return container;
  });
  const initContainers = (options.initContainers ?? []).map((c) => ({
    ...c,
    resources: withEphemeralStorage(c.resources, allowance),
    volumeMounts: [...commonMounts.filter((m) => m.name !== 'dshm'), ...(c.volumeMounts ?? [])],
    securityContext: c.securityContext ?? restrictedContainerSecurityContext(),
  }));
  const nodeSelector = { ...(accelerator?.nodeSelector ?? {}), ...(options.nodeSelector ?? {}) };
  const tolerations = [...(accelerator ? accelerator.tolerations() : []), ...(options.tolerations ?? [])];
  return {
    automountServiceAccountToken: options.automountServiceAccountToken ?? false,
    serviceAccountName: resolveServiceAccount(scope, options.serviceAccountName),
    securityContext: restrictedPodSecurityContext(options.security),
    restartPolicy: options.restartPolicy,
    subdomain: options.subdomain,
    schedulerName: options.schedulerName,
    priorityClassName: resolvePriorityClass(scope, options.priorityClass),
    terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
    nodeSelector: Object.keys(nodeSelector).length > 0 ? nodeSelector : undefined,
    tolerations: tolerations.length > 0 ? tolerations : undefined,
    affinity: options.affinity,
    topologySpreadConstraints: options.topologySpreadConstraints,
    initContainers: initContainers.length > 0 ? initContainers : undefined,
    containers,
    volumes,
  };
}

/**
 * The name of `priorityClass` for the pod of `scope` (recording the reference, see
 * `useReference`); undefined when unset.
 */
export function resolvePriorityClass(scope: IConstruct, priorityClass: IPriorityClass | undefined): string | undefined {
  if (priorityClass === undefined) return undefined;
  if (typeof priorityClass?.priorityClassRef !== 'function') {
    fail(scope, `priorityClass must be a PriorityClass or External.priorityClass(name), got ${show(priorityClass)}`);
  }
  const ref = priorityClass.priorityClassRef(scope);
  if (usedReferences(scope).some((r) => r.kind === 'PriorityClass' && r.name === ref.name)) return ref.name;
  // Stryker disable next-line StringLiteral: names the field only in useReference's namespace-mismatch error, and a PriorityClass is cluster-scoped (no namespace)
  return useReference(scope, 'priorityClass', ref).name;
}

/** The name of `serviceAccount` for the pod of `scope` (an External one is recorded, see `useReference`). */
export function resolveServiceAccount(scope: IConstruct, serviceAccount: string | IServiceAccountRef | undefined): string | undefined {
  if (serviceAccount === undefined || typeof serviceAccount === 'string') return serviceAccount;
  if (typeof serviceAccount?.serviceAccountRef !== 'function') fail(scope, `serviceAccountName must be a name or External.serviceAccount(name), got ${show(serviceAccount)}`);
  const ref = serviceAccount.serviceAccountRef(scope);
  if (usedReferences(scope).some((r) => r.kind === 'ServiceAccount' && r.name === ref.name)) return ref.name;
  // Stryker disable next-line StringLiteral: names the field only in useReference's namespace-mismatch error, and External.serviceAccount takes no namespace (always the workload's)
  return useReference(scope, 'serviceAccountName', ref).name;
}
