/** KServe deployment modes (the `serving.kserve.io/deploymentMode` annotation). */
export enum KServeDeploymentMode {
  /** Plain Deployment + HPA, no Knative. Understood by every KServe release (renamed "Standard" in 0.16+, still accepted). */
  RAW_DEPLOYMENT = 'RawDeployment',
  /** The 0.16+ name of RawDeployment. */
  STANDARD = 'Standard',
  /** Knative Serving (scale to zero by the Knative autoscaler). */
  SERVERLESS = 'Serverless',
}

/** A KServe ServingRuntime model spec, used instead of a custom container. */
export interface KServeModelSpec {
  /** Model format name matched against the cluster's ServingRuntimes, e.g. `triton`, `huggingface`. */
  readonly format: string;
  /** Where KServe's storage initializer fetches the model, e.g. `s3://models/llama` or `pvc://model-cache/llama`. */
  readonly storageUri: string;
  /** ServingRuntime name. @default - KServe picks one supporting the format */
  readonly runtime?: string;
  /** Protocol. @default - the runtime's */
  readonly protocolVersion?: 'v1' | 'v2' | 'grpc-v2';
}

/** Options of {@link ServingBackend.kserve}. */
export interface KServeBackendOptions {
  /**
   * Deployment mode.
   * @default KServeDeploymentMode.RAW_DEPLOYMENT
   */
  readonly deploymentMode?: KServeDeploymentMode;
  /**
   * Serve through a KServe ServingRuntime (`predictor.model`) instead of the runtime's image as a custom container.
   * @default - custom container (`predictor.containers`)
   */
  readonly model?: KServeModelSpec;
}

/** What renders the serving workload. */
export class ServingBackend {
  /** Deployment + Service + HPA/ScaledObject + PDB + NetworkPolicy (plain Kubernetes). */
  public static deployment(): ServingBackend {
    return new ServingBackend('deployment');
  }

  /** A KServe InferenceService (`serving.kserve.io/v1beta1`). */
  public static kserve(options: KServeBackendOptions = {}): ServingBackend {
    return new ServingBackend('kserve', options);
  }

  private constructor(
    /** `deployment` or `kserve`. */
    public readonly kind: 'deployment' | 'kserve',
    /** KServe options. */
    public readonly kserveOptions?: KServeBackendOptions,
  ) {}
}
