import { IConstruct } from 'constructs';
import { IPodContributor, PodContribution } from '../core/attach';
import { claimOf, isClaim } from '../core/claim';
import { fail, show } from '../core/errors';
import { IClaim } from '../core/refs';
import { IPlusNamedResource } from '../core/plus-workload';

/** Options of {@link ModelSource.pvc}. */
export interface PvcModelSourceOptions {
  /**
   * Where the claim is mounted (read-only) in the server container.
   * @default '/models'
   */
  readonly mountPath?: string;
  /**
   * Sub-path of the volume to mount.
   * @default - the volume root
   */
  readonly subPath?: string;
}

/** Where the model weights come from, when not from a DatasetInit. */
export class ModelSource {
  /**
   * A claim holding the model (e.g. a shared model cache), mounted read-only: a
   * `VolumeClaim` or cdk8s-plus `PersistentVolumeClaim` of the app, or `External.claim(name)`.
   */
  public static pvc(claim: IClaim | IPlusNamedResource, options: PvcModelSourceOptions = {}): ModelSource {
    return new ModelSource(isClaim(claim) ? claim : claimOf(claim), options.mountPath ?? '/models', options.subPath);
  }

  private constructor(
    /** The claim. */
    public readonly claim: IClaim,
    /** Mount path. */
    public readonly mountPath: string,
    /** Sub-path. */
    public readonly subPath?: string,
  ) {}

  /** The volume and read-only mount this source adds to the pod of `consumer`. */
  public contribution(consumer: IConstruct): PodContribution {
    if (!isClaim(this.claim)) fail(consumer, `model claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got ${show(this.claim)}`);
    const ref = this.claim.claimRef(consumer);
    return {
      initContainers: [],
      volumes: [{ name: 'model', persistentVolumeClaim: { claimName: ref.name, readOnly: true } }],
      volumeMounts: [{ name: 'model', mountPath: this.mountPath, subPath: this.subPath, readOnly: true }],
      env: [],
      permanentExitCodes: [],
      containerNames: [],
      references: [{ ref, readOnly: true, what: 'model' }],
    };
  }
}

/** The model of a ModelServing: a pod contributor (e.g. a DatasetInit) or a {@link ModelSource}. */
export type ModelInput = IPodContributor | ModelSource;

/** The contribution of `model` to the pod of `consumer`. */
export function modelContribution(model: ModelInput | undefined, consumer: IConstruct): PodContribution | undefined {
  if (model === undefined) return undefined;
  if (model instanceof ModelSource) return model.contribution(consumer);
  return model.contributeTo(consumer);
}
