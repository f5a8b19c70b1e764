import { ILocalQueue } from '../core/refs';

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

/** Options of {@link ServingBackend.leaderWorkerSet}. */
export interface LeaderWorkerSetBackendOptions {
  /** Pods (nodes) per model instance: one leader and `nodes - 1` workers (at least 2). */
  readonly nodes: number;
  /**
   * GPUs of each pod.
   * @default - the ModelServing's accelerator count
   */
  readonly gpusPerNode?: number;
  /**
   * vLLM `--tensor-parallel-size`.
   * @default - gpusPerNode (tensor parallelism inside a node, pipeline parallelism across nodes: vLLM's recommendation)
   */
  readonly tensorParallelSize?: number;
  /**
   * vLLM `--pipeline-parallel-size`.
   * @default - nodes
   */
  readonly pipelineParallelSize?: number;
  /**
   * Kueue LocalQueue admitting each group (label `kueue.x-k8s.io/queue-name` on the
   * LeaderWorkerSet; Kueue's `leaderworkerset.x-k8s.io/leaderworkerset` integration).
   * @default - no queue
   */
  readonly queue?: ILocalQueue;
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

  /**
   * A LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`) for a model larger than one node:
   * each replica is a group of one leader and `nodes - 1` workers running vLLM's native
   * multi-node mode (`--nnodes`, `--node-rank`, `--master-addr` from the LWS env, workers
   * `--headless`), with tensor × pipeline parallelism covering every GPU of the group.
   * One Service to the leaders, probes on the leaders only, a PDB and a NetworkPolicy for
   * the group. Needs the LWS controller (kubernetes-sigs/lws) and vLLM with multi-node
   * multiprocessing support.
   */
  public static leaderWorkerSet(options: LeaderWorkerSetBackendOptions): ServingBackend {
    return new ServingBackend('leaderWorkerSet', undefined, options);
  }

  private constructor(
    /** `deployment`, `kserve` or `leaderWorkerSet`. */
    public readonly kind: 'deployment' | 'kserve' | 'leaderWorkerSet',
    /** KServe options. */
    public readonly kserveOptions?: KServeBackendOptions,
    /** LeaderWorkerSet options. */
    public readonly lwsOptions?: LeaderWorkerSetBackendOptions,
  ) {}
}
