import { IConstruct } from 'constructs';
import { claimOf, isClaim } from '../core/claim';
import { fail, show } from '../core/errors';
import { IClaim, ResolvedReference } from '../core/refs';
import { IPlusNamedResource } from '../core/plus-workload';

/**
 * Where a {@link ModelServing}'s replicas keep the model weights a DatasetInit fetches.
 *
 * - `perPod()` (default): the DatasetInit's own volume — an emptyDir sized from the model's
 *   declared size (`expectedSize` or `sizeLimit`) and requested as `ephemeral-storage`; every
 *   new replica downloads the weights again.
 * - `sharedClaim(claim)`: one ReadWriteMany claim for every replica, filled once: the first pod
 *   downloads under the fetch lock (see docs/FETCH.md), the others wait for it, and later
 *   scale-ups and restarts find the completion marker and start at once.
 */
export class ModelCache {
  /** One copy of the weights per pod, in the DatasetInit's emptyDir. */
  public static perPod(): ModelCache {
    return new ModelCache('perPod');
  }

  /**
   * A shared ReadWriteMany claim (`VolumeClaim`, cdk8s-plus `PersistentVolumeClaim` or
   * `External.claim(name)`), filled once through the DatasetInit lock. Each model lives in its
   * own directory (the DatasetInit's `root`), so one claim can cache several models.
   */
  public static sharedClaim(claim: IClaim | IPlusNamedResource): ModelCache {
    return new ModelCache('sharedClaim', isClaim(claim) ? claim : claimOf(claim as IPlusNamedResource));
  }

  private constructor(
    /** `perPod` or `sharedClaim`. */
    public readonly kind: 'perPod' | 'sharedClaim',
    /** The shared claim. */
    public readonly claim?: IClaim,
  ) {}

  /**
   * Checks the shared claim for `consumer`: the fetcher writes it from every node a replica
   * lands on, so a claim whose access modes are known must be ReadWriteMany.
   * @internal
   */
  public _checkClaim(consumer: IConstruct): ResolvedReference | undefined {
    if (this.kind !== 'sharedClaim') return undefined;
    if (!isClaim(this.claim)) fail(consumer, `modelCache claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got ${show(this.claim)}`);
    const ref = this.claim.claimRef(consumer);
    const modes = ref.accessModes;
    if (modes && !modes.includes('ReadWriteMany')) {
      const fix = modes.includes('ReadOnlyMany')
        ? 'a ReadOnlyMany claim cannot be filled by the fetcher; if it already holds the model, serve it with model: ModelSource.pvc(claim)'
        : 'replicas on other nodes could never attach it; use a ReadWriteMany claim (NFS, CephFS, EFS, Filestore…)';
      fail(consumer, `modelCache: claim ${show(ref.name)}${ref.path ? ` (${ref.path})` : ''} is ${modes.join(', ')}, but a shared model cache is written by the first replica and read by all: ${fix}`);
    }
    return ref;
  }
}
