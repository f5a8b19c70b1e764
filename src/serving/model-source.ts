import { IConstruct } from 'constructs';
import { IPodContributor, PodContribution, PodContributionOptions } from '../core/attach';
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

  /**
   * Weights baked into the server image at `path` (no volume): declares the path so the
   * model path check accepts a runtime loading from it.
   */
  public static inImage(path: string): ModelSource {
    return new ModelSource(undefined, path);
  }

  private constructor(
    /** The claim; undefined for weights in the image. */
    public readonly claim: IClaim | undefined,
    /** Mount path. */
    public readonly mountPath: string,
    /** Sub-path. */
    public readonly subPath?: string,
  ) {}

  /** The volume and read-only mount this source adds to the pod of `consumer`. */
  public contribution(consumer: IConstruct): PodContribution {
    if (this.claim === undefined) {
      if (typeof this.mountPath !== 'string' || !/^\/\S*$/.test(this.mountPath)) fail(consumer, `model inImage path must be an absolute path, got ${show(this.mountPath)}`);
      return { initContainers: [], volumes: [], volumeMounts: [], env: [], permanentExitCodes: [], containerNames: [] };
    }
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
export function modelContribution(model: ModelInput | undefined, consumer: IConstruct, options?: PodContributionOptions): PodContribution | undefined {
  if (model === undefined) return undefined;
  if (model instanceof ModelSource) {
    if (options?.sharedVolume !== undefined) {
      fail(consumer, 'modelCache sharedClaim fills a claim through a DatasetInit; a ModelSource is mounted as is (ModelSource.pvc is already shared): drop modelCache or pass a DatasetInit as model');
    }
    return model.contribution(consumer);
  }
  if (typeof (model as IPodContributor)?.contributeTo !== 'function') fail(consumer, `model must be a DatasetInit (or another pod contributor) or a ModelSource, got ${show(model)}`);
  return model.contributeTo(consumer, options);
}

/** The paths under which `model` provides the weights in the server container. */
export function modelRoots(model: ModelInput | undefined, contribution: PodContribution | undefined): string[] {
  if (model instanceof ModelSource && model.claim === undefined) return [model.mountPath];
  return (contribution?.volumeMounts ?? []).map((m) => m.mountPath);
}
