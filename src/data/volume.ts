import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { fail, show } from '../core/errors';
import { standardLabels } from '../core/labels';
import { fitName, isDnsSubdomain, validateDnsSubdomain } from '../core/names';
import { IPlusNamedResource } from '../core/plus-workload';
import { sizeToBytes, sizeToQuantity } from '../core/resources';
import { ClaimAccessMode, IClaim, ResolvedReference } from '../core/refs';
import { claimOf, isClaim } from '../core/claim';

/** Argo CD sync wave of the config and volumes a dataset renders (before workloads, after namespaces). */
export const DATASET_SYNC_WAVE = '-1';

/** Access mode of a PVC created by {@link DatasetVolume.newPvc}. */
export enum DatasetAccessMode {
  /** One node mounts it read-write (pods on that node share it). */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Many nodes mount it read-write (NFS, CephFS, EFS, Filestore…): multi-node training shares one copy. */
  READ_WRITE_MANY = 'ReadWriteMany',
  /** One pod mounts it read-write. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** Options of {@link DatasetVolume.emptyDir}. */
export interface EmptyDirDatasetOptions {
  /**
   * Size limit of the emptyDir (the pod is evicted beyond it), also requested as
   * `ephemeral-storage` by the consuming pod. Must hold the expected size (×2 while
   * extracting an archive).
   * @default - the source's expectedSize (×2 while extracting); an emptyDir whose source
   * declares no size is refused when attached
   */
  readonly sizeLimit?: Size;
}

/** Options of {@link DatasetVolume.newPvc}. */
export interface NewPvcDatasetOptions {
  /** Requested capacity. */
  readonly storage: Size;
  /**
   * StorageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode; use READ_WRITE_MANY when pods on several nodes share the data.
   * @default DatasetAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: DatasetAccessMode;
  /**
   * Name of the PVC (stable: changing it loses the cached data).
   * @default - `<dataset name>-data`
   */
  readonly claimName?: string;
}

/** A pod volume of a dataset, in a form that renders to both L1 specs and cdk8s-plus volumes. */
export type VolumeSpec =
  | { readonly name: string; readonly kind: 'emptyDir'; readonly sizeLimit?: Size }
  | { readonly name: string; readonly kind: 'configMap'; readonly configMapName: string }
  | { readonly name: string; readonly kind: 'secret'; readonly secretName: string; readonly key: string; readonly path: string }
  | { readonly name: string; readonly kind: 'pvc'; readonly claimName: string; readonly readOnly: boolean };

/** Renders a {@link VolumeSpec} as a Kubernetes volume. */
export function renderVolume(spec: VolumeSpec): k8s.Volume {
  switch (spec.kind) {
    case 'emptyDir':
      // every emptyDir a DatasetInit renders is sized (its sizeLimit or expectedSize, else a synth-time error)
      return { name: spec.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeToQuantity(spec.sizeLimit!)) } };
    case 'configMap':
      return { name: spec.name, configMap: { name: spec.configMapName, defaultMode: 0o444 } };
    case 'secret':
      // 0444: the fetcher's uid need not match the file owner; the file stays inside this container.
      return { name: spec.name, secret: { secretName: spec.secretName, items: [{ key: spec.key, path: spec.path }], defaultMode: 0o444 } };
    case 'pvc':
      return { name: spec.name, persistentVolumeClaim: { claimName: spec.claimName, readOnly: spec.readOnly || undefined } };
  }
}

/** Creates the cdk8s-plus volume of a {@link VolumeSpec} under `scope`. */
export function kplusVolume(scope: Construct, spec: VolumeSpec): kplus.Volume {
  const id = `Volume-${spec.name}`;
  switch (spec.kind) {
    case 'emptyDir':
      return kplus.Volume.fromEmptyDir(scope, id, spec.name, { sizeLimit: spec.sizeLimit });
    case 'configMap':
      return kplus.Volume.fromConfigMap(scope, id, kplus.ConfigMap.fromConfigMapName(scope, `${id}-ref`, spec.configMapName), {
        name: spec.name,
        defaultMode: 0o444,
      });
    case 'secret':
      return kplus.Volume.fromSecret(scope, id, kplus.Secret.fromSecretName(scope, `${id}-ref`, spec.secretName), {
        name: spec.name,
        defaultMode: 0o444,
        items: { [spec.key]: { path: spec.path } },
      });
    case 'pvc':
      return kplus.Volume.fromPersistentVolumeClaim(scope, id, kplus.PersistentVolumeClaim.fromClaimName(scope, `${id}-ref`, spec.claimName), {
        name: spec.name,
        readOnly: spec.readOnly || undefined,
      });
  }
}

/** A bound dataset volume. */
export interface DatasetVolumeConfig {
  /** `emptyDir`, `pvc` or `newPvc`. */
  readonly kind: string;
  /** The pod volume, under the given name. */
  readonly spec: (name: string) => VolumeSpec;
  /** Capacity in bytes, when known (emptyDir sizeLimit, new PVC storage). */
  readonly capacityBytes?: number;
  /** Name of the claim (pvc, newPvc). */
  readonly claimName?: string;
  /** The rendered PVC (newPvc). */
  readonly claim?: k8s.KubePersistentVolumeClaim;
  /** The claim as a reference (pvc, newPvc). */
  readonly ref?: ResolvedReference;
}

/** The volume a dataset is fetched into. */
export abstract class DatasetVolume {
  /** Per-pod scratch storage on node disk: every pod downloads its own copy; gone with the pod. */
  public static emptyDir(options: EmptyDirDatasetOptions = {}): DatasetVolume {
    return new EmptyDirVolume(options);
  }

  /**
   * A claim used as a cache: the first pod downloads, later pods (and restarts) find the
   * completion marker and start at once. A `VolumeClaim` or cdk8s-plus
   * `PersistentVolumeClaim` (any version 28–33) of the app, or `External.claim(name)` for one managed elsewhere.
   */
  public static pvc(claim: IClaim | IPlusNamedResource): DatasetVolume {
    return new ExistingPvcVolume(isClaim(claim) ? claim : claimOf(claim));
  }

  /** A PVC rendered by the dataset (sync wave -1, stable name) and used as a cache. */
  public static newPvc(options: NewPvcDatasetOptions): DatasetVolume {
    return new NewPvcVolume(options);
  }

  /** Validates the options (errors name `scope`) and renders what the volume needs. */
  public abstract bind(scope: Construct, datasetName: string): DatasetVolumeConfig;
}

function sizeBytes(scope: Construct, what: string, size: Size): number {
  try {
    // sizeToQuantity throws unless the size is a positive whole number of KiB
    sizeToQuantity(size);
    return sizeToBytes(size);
  } catch {
    return fail(scope, `${what} must be a positive whole number of KiB, got ${show(size)}`);
  }
}

class EmptyDirVolume extends DatasetVolume {
  constructor(private readonly options: EmptyDirDatasetOptions) {
    super();
  }

  public bind(scope: Construct): DatasetVolumeConfig {
    const limit = this.options.sizeLimit;
    const capacityBytes = limit === undefined ? undefined : sizeBytes(scope, 'volume sizeLimit', limit);
    return { kind: 'emptyDir', capacityBytes, spec: (name) => ({ name, kind: 'emptyDir', sizeLimit: limit }) };
  }
}

class ExistingPvcVolume extends DatasetVolume {
  constructor(private readonly claimSource: IClaim) {
    super();
  }

  public bind(scope: Construct): DatasetVolumeConfig {
    // DatasetVolume.pvc made claimSource an IClaim (claimOf wraps anything else and checks it in claimRef).
    const ref = this.claimSource.claimRef(scope);
    const claimName = ref.name;
    if (!isDnsSubdomain(claimName)) {
      fail(scope, `volume claim name must be a DNS-1123 subdomain (lowercase letters, digits, "-" and "."), got ${show(claimName)}`);
    }
    return { kind: 'pvc', claimName, ref, spec: (name) => ({ name, kind: 'pvc', claimName, readOnly: false }) };
  }
}

class NewPvcVolume extends DatasetVolume {
  constructor(private readonly options: NewPvcDatasetOptions) {
    super();
  }

  public bind(scope: Construct, datasetName: string): DatasetVolumeConfig {
    const o = this.options;
    const capacityBytes = sizeBytes(scope, 'volume storage', o.storage);
    const claimName = o.claimName ?? fitName(`${datasetName}-data`, 253);
    validateDnsSubdomain(scope, 'volume claim name', claimName);
    if (o.storageClassName !== undefined) validateDnsSubdomain(scope, 'volume storageClassName', o.storageClassName);
    const accessMode = o.accessMode ?? DatasetAccessMode.READ_WRITE_ONCE;
    if (!Object.values(DatasetAccessMode).includes(accessMode)) {
      fail(scope, `volume accessMode must be ReadWriteOnce, ReadWriteMany or ReadWriteOncePod (the fetcher writes), got ${show(accessMode)}`);
    }
    const claim = new k8s.KubePersistentVolumeClaim(scope, 'Volume', {
      metadata: {
        name: claimName,
        labels: standardLabels({ name: datasetName, component: 'dataset' }),
        annotations: { 'argocd.argoproj.io/sync-wave': DATASET_SYNC_WAVE },
      },
      spec: {
        accessModes: [accessMode],
        storageClassName: o.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(sizeToQuantity(o.storage)) } },
      },
    });
    const ref: ResolvedReference = { kind: 'PersistentVolumeClaim', name: claimName, namespace: Chart.of(scope).namespace, external: false, path: claim.node.path, accessModes: [accessMode as string as ClaimAccessMode] };
    return { kind: 'newPvc', capacityBytes, claimName, claim, ref, spec: (name) => ({ name, kind: 'pvc', claimName, readOnly: false }) };
  }
}
