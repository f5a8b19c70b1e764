/** Which controller runs the training pods. */
export enum TrainingBackendKind {
  INDEXED_JOB = 'indexedJob',
  JOBSET = 'jobSet',
  KUBEFLOW_TRAINJOB = 'kubeflowTrainJob',
  PYTORCHJOB = 'pytorchJob',
}

/** Options of {@link TrainingBackend.jobSet}. */
export interface JobSetBackendOptions {
  /**
   * Name of the replicated job (part of every pod hostname `<jobset>-<rjob>-0-<i>`).
   * @default 'node'
   */
  readonly replicatedJobName?: string;
}

/** The controller that runs a {@link DistributedTrainingJob}; the same props render for each. */
export class TrainingBackend {
  /**
   * A plain Kubernetes Indexed Job + headless Service (no operator needed). The default.
   */
  public static indexedJob(): TrainingBackend {
    return new TrainingBackend(TrainingBackendKind.INDEXED_JOB, 'node');
  }

  /**
   * A JobSet (`jobset.x-k8s.io/v1alpha2`) with one replicated job; JobSet creates the headless
   * Service (`network.enableDNSHostnames`) named after the JobSet.
   *
   * Needs a target of Kubernetes 1.33 or newer (`setTargetKubernetesVersion`): the vendored
   * JobSet CRD has CEL rules that read `metadata.namespace` of embedded templates, which
   * Kubernetes < 1.33 cannot compile, so the CRD cannot be installed there.
   */
  public static jobSet(options: JobSetBackendOptions = {}): TrainingBackend {
    return new TrainingBackend(TrainingBackendKind.JOBSET, options.replicatedJobName ?? 'node');
  }

  /**
   * A Kubeflow Trainer v2 TrainJob (`trainer.kubeflow.org/v1alpha1`) with its own namespaced
   * TrainingRuntime holding the pod template. The trainer's torch/jax plugins inject the
   * rendezvous env; other frameworks get ours.
   *
   * Needs a target of Kubernetes 1.33 or newer (`setTargetKubernetesVersion`): the vendored
   * Kubeflow Trainer TrainingRuntime CRDs have CEL rules that Kubernetes < 1.33 cannot compile.
   */
  public static kubeflowTrainJob(): TrainingBackend {
    return new TrainingBackend(TrainingBackendKind.KUBEFLOW_TRAINJOB, 'node');
  }

  /**
   * A Kubeflow Training Operator v1 PyTorchJob (`kubeflow.org/v1`, Master + Workers). The
   * operator injects `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `RANK` and the `PET_*` env.
   */
  public static pytorchJob(): TrainingBackend {
    return new TrainingBackend(TrainingBackendKind.PYTORCHJOB, 'master');
  }

  private constructor(
    /** Which controller. */
    public readonly kind: TrainingBackendKind,
    /** JobSet replicated-job name (JobSet backend). */
    public readonly replicatedJobName: string,
  ) {}
}
