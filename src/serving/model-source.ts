import { IConstruct } from 'constructs';
import { IPodContributor, PodContribution } from '../core/attach';

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
  /** An existing PersistentVolumeClaim (e.g. a shared model cache), mounted read-only. */
  public static pvc(claimName: string, options: PvcModelSourceOptions = {}): ModelSource {
    return new ModelSource(claimName, options.mountPath ?? '/models', options.subPath);
  }

  private constructor(
    /** The claim name. */
    public readonly claimName: string,
    /** Mount path. */
    public readonly mountPath: string,
    /** Sub-path. */
    public readonly subPath?: string,
  ) {}

  /** The volume and read-only mount this source adds to a pod. */
  public contribution(): PodContribution {
    return {
      initContainers: [],
      volumes: [{ name: 'model', persistentVolumeClaim: { claimName: this.claimName, readOnly: true } }],
      volumeMounts: [{ name: 'model', mountPath: this.mountPath, subPath: this.subPath, readOnly: true }],
      env: [],
      permanentExitCodes: [],
      containerNames: [],
    };
  }
}

/** The model of a ModelServing: a pod contributor (e.g. a DatasetInit) or a {@link ModelSource}. */
export type ModelInput = IPodContributor | ModelSource;

/** The contribution of `model` to the pod of `consumer`. */
export function modelContribution(model: ModelInput | undefined, consumer: IConstruct): PodContribution | undefined {
  if (model === undefined) return undefined;
  if (model instanceof ModelSource) return model.contribution();
  return model.contributeTo(consumer);
}
