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

/** Options of {@link Autoscaling.onLoad}. */
export interface LoadAutoscalingOptions {
  /** Minimum replicas (groups with the LeaderWorkerSet backend); 0 needs `scaleFromZero`. */
  readonly min: number;
  /** Maximum replicas. */
  readonly max: number;
  /** Prometheus URL KEDA queries, e.g. `http://prometheus.monitoring:9090`. */
  readonly serverAddress: string;
  /**
   * The load metric, by its Prometheus name: one the runtime exports (vLLM
   * `vllm:num_requests_waiting` / `vllm:kv_cache_usage_perc` / `vllm:num_requests_running`,
   * TGI `tgi_queue_size` / `tgi_batch_current_size`, Triton `nv_inference_queue_duration_us`,
   * TorchServe `ts_queue_latency_microseconds`). Any other name is a synth-time error.
   * @default - the runtime's queue: `vllm:num_requests_waiting`, `tgi_queue_size`, `nv_inference_queue_duration_us` (per request), `ts_queue_latency_microseconds` (per request)
   */
  readonly metric?: string;
  /**
   * Target: waiting/running requests per replica for queue gauges, the 0..1 fraction for
   * `vllm:kv_cache_usage_perc`, average microseconds queued per request for Triton/TorchServe.
   * @default - 5 waiting requests per replica; 0.8 KV-cache usage; 32 running requests; 50000 µs queue time
   */
  readonly target?: number;
  /**
   * Value of the load metric above which the scaler counts as active (KEDA `activationThreshold`).
   * @default - KEDA's default (0)
   */
  readonly activationTarget?: number;
  /**
   * With `min: 0`, the query that wakes the server up: a metric that exists while no server
   * pod runs (the load metric vanishes with the last pod), such as the ingress controller's
   * or gateway's request rate for this host. Required with `min: 0`.
   * @default - none (min must be at least 1)
   */
  readonly scaleFromZero?: ScaleFromZeroOptions;
  /**
   * Rate window of the per-request queue time (Triton, TorchServe).
   * @default Duration.minutes(2)
   */
  readonly window?: Duration;
  /**
   * How often KEDA evaluates the query.
   * @default Duration.seconds(15)
   */
  readonly pollingInterval?: Duration;
  /**
   * How long after the last activity KEDA scales to zero (only with `min: 0`).
   * @default Duration.minutes(5)
   */
  readonly cooldownPeriod?: Duration;
  /**
   * Scale-down stabilization window of the HPA KEDA manages (a model load is expensive).
   * @default Duration.minutes(5)
   */
  readonly scaleDownStabilization?: Duration;
  /**
   * Name of a KEDA TriggerAuthentication holding the Prometheus credentials.
   * @default - no authentication
   */
  readonly authenticationRef?: string;
}

/** The query that scales a load-scaled server up from zero. */
export interface ScaleFromZeroOptions {
  /** PromQL returning one number that is above 0 when requests arrive, e.g. `sum(rate(nginx_ingress_controller_requests{host="chat.example.com"}[1m]))`. */
  readonly query: string;
  /**
   * Target value of that query per replica (KEDA `AverageValue`): e.g. 5 requests per second
   * per replica. It keeps scaling too, with the load metric: the HPA takes the larger count.
   */
  readonly threshold: number;
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

  /**
   * Scale on load the server itself reports — the recommended policy for GPU runtimes: a
   * KEDA ScaledObject on the runtime's queue metric (vLLM waiting requests or KV-cache usage,
   * TGI queue size, Triton/TorchServe queue time per request), queried from Prometheus for
   * this serving's pods only. CPU use says nothing about the load of a GPU server. Needs
   * `metrics` (ServiceMonitor or scrape annotations) and a namespaced chart.
   */
  public static onLoad(options: LoadAutoscalingOptions): Autoscaling {
    return new Autoscaling('load', options.min, options.max, undefined, undefined, options);
  }

  private constructor(
    /** `fixed`, `cpu`, `keda` or `load`. */
    public readonly kind: 'fixed' | 'cpu' | 'keda' | 'load',
    /** Minimum replicas. */
    public readonly min: number,
    /** Maximum replicas. */
    public readonly max: number,
    /** CPU options, for `cpu`. */
    public readonly cpuOptions?: CpuAutoscalingOptions,
    /** KEDA options, for `keda`. */
    public readonly kedaOptions?: KedaAutoscalingOptions,
    /** Load options, for `load`. */
    public readonly loadOptions?: LoadAutoscalingOptions,
  ) {}

  /** True when an autoscaler (HPA or KEDA) owns the replica count. */
  public get ownsReplicas(): boolean {
    return this.kind !== 'fixed';
  }
}
