import { Duration } from 'cdk8s';

/** Options of {@link Autoscaling.cpu}. */
export interface CpuAutoscalingOptions {
  /** Minimum replicas (at least 1: an HPA cannot scale to zero). */
  readonly min: number;
  /** Maximum replicas. */
  readonly max: number;
  /** Target average CPU utilization, percent of the CPU request (1-100). */
  readonly targetUtilization: number;
  /**
   * How long the HPA waits before scaling down (model loads make flapping expensive).
   * @default Duration.minutes(5)
   */
  readonly scaleDownStabilization?: Duration;
}

/** Options of {@link Autoscaling.keda}. */
export interface KedaAutoscalingOptions {
  /** Minimum replicas; 0 scales to zero when the query reads below `activationThreshold`. */
  readonly min: number;
  /** Maximum replicas. */
  readonly max: number;
  /** Prometheus URL, e.g. `http://prometheus.monitoring:9090`. */
  readonly serverAddress: string;
  /** PromQL returning one number, e.g. `sum(vllm:num_requests_waiting{namespace="team-a"})`. */
  readonly query: string;
  /** Target value per replica (a decimal number as a string or number). */
  readonly threshold: string | number;
  /**
   * Value above which the target is activated from zero replicas.
   * @default - KEDA's default (0)
   */
  readonly activationThreshold?: string | number;
  /**
   * How often KEDA evaluates the query.
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;
  /**
   * How long after the last activity KEDA scales to zero (only with `min: 0`).
   * @default Duration.minutes(5)
   */
  readonly cooldownPeriod?: Duration;
  /**
   * Name of a KEDA TriggerAuthentication holding the Prometheus credentials.
   * @default - no authentication
   */
  readonly authenticationRef?: string;
}

/** How many replicas a {@link ModelServing} runs. */
export class Autoscaling {
  /** A fixed number of replicas (the Deployment's `replicas`; no autoscaler). */
  public static fixed(replicas: number): Autoscaling {
    return new Autoscaling('fixed', replicas, replicas);
  }

  /** A HorizontalPodAutoscaler (`autoscaling/v2`) on CPU utilization; the Deployment renders no `replicas`. */
  public static cpu(options: CpuAutoscalingOptions): Autoscaling {
    return new Autoscaling('cpu', options.min, options.max, options);
  }

  /** A KEDA ScaledObject with a Prometheus trigger (scale to zero allowed); the Deployment renders no `replicas`. */
  public static keda(options: KedaAutoscalingOptions): Autoscaling {
    return new Autoscaling('keda', options.min, options.max, undefined, options);
  }

  private constructor(
    /** `fixed`, `cpu` or `keda`. */
    public readonly kind: 'fixed' | 'cpu' | 'keda',
    /** Minimum replicas. */
    public readonly min: number,
    /** Maximum replicas. */
    public readonly max: number,
    /** CPU options, for `cpu`. */
    public readonly cpuOptions?: CpuAutoscalingOptions,
    /** KEDA options, for `keda`. */
    public readonly kedaOptions?: KedaAutoscalingOptions,
  ) {}

  /** True when an autoscaler (HPA or KEDA) owns the replica count. */
  public get ownsReplicas(): boolean {
    return this.kind !== 'fixed';
  }
}
