import { ApiObject, Chart, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AppCheck } from './app-check';
import { fail, show } from './errors';
import { IPlusNamedResource } from './plus-workload';
import { standardLabels } from './labels';
import { toDnsLabel, validateDnsSubdomain } from './names';
import { sizeToQuantity } from './resources';
import { ClaimAccessMode, IClaim, ResolvedReference, validateAccessModes } from './refs';

/** Props of {@link VolumeClaim}. */
export interface VolumeClaimProps {
  /**
   * Claim name (DNS-1123 subdomain).
   * @default - the construct id as a DNS label
   */
  readonly name?: string;
  /** Requested storage, e.g. `Size.gibibytes(500)`. */
  readonly storage: Size;
  /**
   * Access modes. Workloads whose pods can land on several nodes (multi-node training,
   * several replicas) need `ReadWriteMany`; a `ReadWriteOnce` claim is refused for them.
   * @default ['ReadWriteOnce']
   */
  readonly accessModes?: ClaimAccessMode[];
  /**
   * StorageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/**
 * A PersistentVolumeClaim rendered by the app (child id `Resource`), passed as an
 * {@link IClaim} to checkpoints, datasets, model sources and pipeline workspaces. Workloads
 * using it must render into the claim's namespace (its chart's).
 */
export class VolumeClaim extends Construct implements IClaim {
  /** The claim name. */
  public readonly name: string;
  /** The namespace (the chart's), when set. */
  public readonly namespace?: string;
  /** Access modes. */
  public readonly accessModes: readonly ClaimAccessMode[];
  /** The rendered claim. */
  public readonly resource: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: VolumeClaimProps) {
    super(scope, id);
    AppCheck.register(this);
    this.name = validateDnsSubdomain(this, 'name', props.name ?? toDnsLabel(this, id));
    this.accessModes = validateAccessModes(this, props.accessModes ?? ['ReadWriteOnce']);
    const storage = storageQuantity(this, props.storage);
    if (props.storageClassName !== undefined) validateDnsSubdomain(this, 'storageClassName', props.storageClassName);
    this.namespace = Chart.of(this).namespace;
    this.resource = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: { name: this.name, labels: standardLabels({ name: this.name, component: 'storage' }) },
      spec: {
        accessModes: [...this.accessModes],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
      },
    });
  }

  public claimRef(_consumer: IConstruct): ResolvedReference {
    return { kind: 'PersistentVolumeClaim', name: this.name, namespace: this.namespace, external: false, path: this.node.path, accessModes: this.accessModes };
  }
}

/** The claim size as a quantity; fails unless it is a positive whole number of KiB. */
function storageQuantity(scope: IConstruct, size: Size): string {
  try {
    return sizeToQuantity(size);
  } catch {
    return fail(scope, `storage must be a positive whole number of KiB, got ${show(size)}`);
  }
}

/**
 * A cdk8s-plus `PersistentVolumeClaim` (any version 28–33), as an {@link IClaim}. One the app
 * renders carries its access modes (checked against multi-node use) and namespace; one
 * imported by name (`PersistentVolumeClaim.fromClaimName`) must still resolve to a claim of
 * the app — declare claims managed elsewhere with `External.claim(name)` instead.
 */
export function claimOf(claim: IPlusNamedResource): IClaim {
  return {
    claimRef: (consumer) => {
      if (typeof claim?.name !== 'string') fail(consumer, `claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got ${show(claim)}`);
      const c = claim as IPlusNamedResource & { readonly node?: { readonly path: string; tryFindChild(id: string): unknown }; readonly accessModes?: readonly string[] };
      const rendered = c.node !== undefined && c.node.tryFindChild('Resource') instanceof ApiObject;
      const modes = c.accessModes && c.accessModes.length > 0 ? c.accessModes.map((m) => String(m) as ClaimAccessMode) : undefined;
      return {
        kind: 'PersistentVolumeClaim',
        name: claim.name,
        namespace: rendered ? Chart.of(claim as unknown as IConstruct).namespace : undefined,
        external: false,
        path: rendered ? c.node!.path : undefined,
        accessModes: rendered ? modes : undefined,
      };
    },
  };
}

/** True when `value` is an {@link IClaim}. */
export function isClaim(value: unknown): value is IClaim {
  return typeof (value as IClaim | undefined)?.claimRef === 'function';
}
