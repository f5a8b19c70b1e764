import { EnvMap } from '../core/env';
import { ML_HOME } from '../core/security';

/** What a port of a serving container is for. */
export enum ServingPortRole {
  /** The inference API (HTTP or gRPC): in the Service, reachable by declared clients. */
  API = 'api',
  /** Prometheus metrics: in the Service only when metrics are scraped, reachable by Prometheus only. */
  METRICS = 'metrics',
  /** Model management (TorchServe): a container port only, never in the Service unless asked. */
  MANAGEMENT = 'management',
}

/** A named container port of a serving runtime. */
export interface ServingPort {
  /** Port name (IANA_SVC_NAME: at most 15 characters, lowercase alphanumerics and "-"). */
  readonly name: string;
  /** Port number, 1-65535. */
  readonly port: number;
  /** What the port is for. */
  readonly role: ServingPortRole;
}

/** HTTP probe paths of a runtime. */
export interface RuntimeHealth {
  /** Path that answers 2xx once the model is loaded and servable (startup + readiness probes). */
  readonly readyPath: string;
  /**
   * Path that answers 2xx while the server and its engine are healthy (liveness probe, always
   * an HTTP GET: a TCP check passes while the HTTP front end listens over a dead engine). It
   * may equal `readyPath`; the probes then differ in their thresholds (liveness tolerates a
   * longer failure than readiness).
   */
  readonly livePath: string;
  /** Name of the port the probes call. */
  readonly portName: string;
}

/** Where a runtime publishes Prometheus metrics. */
export interface RuntimeMetrics {
  /** Name of the port serving metrics (may be the API port). */
  readonly portName: string;
  /** HTTP path. */
  readonly path: string;
}

/** Options shared by every runtime. */
export interface ServingRuntimeOptions {
  /** Server image, pinned to a tag or digest (never `latest`). */
  readonly image: string;
  /**
   * Extra arguments, appended after the ones the runtime renders (ports, model path).
   * @default - none
   */
  readonly args?: string[];
  /**
   * Extra env of the server container (credentials by reference only).
   * @default - none
   */
  readonly env?: EnvMap;
}

/** Options of {@link ServingRuntime.vllm}. */
export interface VllmRuntimeOptions extends ServingRuntimeOptions {
  /** Model path inside the container (e.g. `/models/llama`) or a Hugging Face model id. */
  readonly model: string;
  /**
   * Name clients pass as `model` in OpenAI-style requests (`--served-model-name`).
   * @default - the model's identity: the Hugging Face repo id when `model` is one, else the
   * repo id of the model source (a DatasetInit of `DataSource.huggingFace`), else the
   * ModelServing's name — never a container path
   */
  readonly servedModelName?: string;
  /**
   * Add `--tensor-parallel-size <GPU count>` when the pod has more than one GPU and the args do not set it.
   * @default true
   */
  readonly autoTensorParallel?: boolean;
}

/** Options of {@link ServingRuntime.triton}. */
export interface TritonRuntimeOptions extends ServingRuntimeOptions {
  /** Model repository path inside the container (`--model-repository`), e.g. `/models`. */
  readonly modelRepository: string;
}

/** Options of {@link ServingRuntime.tgi}. */
export interface TgiRuntimeOptions extends ServingRuntimeOptions {
  /** Model path inside the container or a Hugging Face model id (`--model-id`). */
  readonly model: string;
  /**
   * HTTP port. The image's default is 80 (`ENV PORT=80`), which a non-root container without
   * `NET_BIND_SERVICE` cannot bind under the restricted profile, so `--port` is always passed.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Add `--num-shard <GPU count>` when the pod has more than one GPU and the args do not set it.
   * @default true
   */
  readonly autoShard?: boolean;
}

/** Options of {@link ServingRuntime.torchServe}. */
export interface TorchServeRuntimeOptions extends ServingRuntimeOptions {
  /** Model store path inside the container (`--model-store`), holding `.mar` archives. */
  readonly modelStore: string;
  /**
   * Models to load at start (`--models`).
   * @default 'all'
   */
  readonly models?: string;
  /**
   * TorchServe config file (`--ts-config`); the official image's binds all three APIs to 0.0.0.0.
   * @default '/home/model-server/config.properties'
   */
  readonly configFile?: string;
  /**
   * Put the management API (8081) in the Service and admit declared clients to it.
   * @default false - management stays reachable from inside the pod only
   */
  readonly exposeManagement?: boolean;
}

/** Options of {@link ServingRuntime.custom}. */
export interface CustomRuntimeOptions extends ServingRuntimeOptions {
  /** HTTP API port. */
  readonly port: number;
  /** Liveness path: answers 2xx while the process is healthy. */
  readonly healthPath: string;
  /**
   * Readiness path: answers 2xx once the model is loaded (also used by the startup probe).
   * @default - the healthPath
   */
  readonly readyPath?: string;
  /** Entrypoint. @default - the image's */
  readonly command?: string[];
  /**
   * Metrics port; the API port when equal to `port`.
   * @default - metrics on the API port
   */
  readonly metricsPort?: number;
  /**
   * Metrics path.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
}

/** Internal shape of a runtime. */
interface RuntimeSpec {
  readonly kind: string;
  readonly image: string;
  readonly command?: string[];
  readonly baseArgs: string[];
  readonly userArgs: string[];
  readonly env: EnvMap;
  readonly ports: ServingPort[];
  readonly health: RuntimeHealth;
  readonly metrics: RuntimeMetrics;
  readonly workingDir?: string;
  readonly gpuArg?: { readonly flag: string };
  readonly model?: string;
  /** The flag naming the served model, and its explicit value (undefined: the model's identity). */
  readonly servedName?: { readonly flag: string; readonly value?: string };
}

/** Model server of a {@link ModelServing}: image, args, ports, probes and metrics endpoint. */
export class ServingRuntime {
  /**
   * vLLM OpenAI-compatible server (`vllm/vllm-openai`): API, `/health` and `/metrics` on 8000.
   * The server only listens once the model is loaded, so `/health` means "model loaded"; it
   * answers 503 once the engine died (`EngineDeadError`), so liveness uses it too
   * (https://docs.vllm.ai/en/latest/api/vllm/entrypoints/serve/instrumentator/health/).
   * `--served-model-name` defaults to the model's identity (see `servedModelName`).
   */
  public static vllm(options: VllmRuntimeOptions): ServingRuntime {
    const base = ['--model', options.model, '--host', '0.0.0.0', '--port', '8000'];
    return new ServingRuntime({
      kind: 'vllm',
      image: options.image,
      baseArgs: base,
      userArgs: options.args ?? [],
      env: options.env ?? {},
      ports: [{ name: 'http', port: 8000, role: ServingPortRole.API }],
      health: { readyPath: '/health', livePath: '/health', portName: 'http' },
      metrics: { portName: 'http', path: '/metrics' },
      gpuArg: options.autoTensorParallel === false ? undefined : { flag: '--tensor-parallel-size' },
      model: options.model,
      servedName: { flag: '--served-model-name', value: options.servedModelName },
    });
  }

  /**
   * NVIDIA Triton Inference Server: HTTP 8000 (`/v2/health/ready` once every model is loaded,
   * `/v2/health/live` while the server can receive and process requests), gRPC 8001, metrics
   * 8002 (https://kserve.github.io/website/docs/reference/oip/get-v-2-health-ready, the
   * Open Inference Protocol health API Triton implements).
   */
  public static triton(options: TritonRuntimeOptions): ServingRuntime {
    return new ServingRuntime({
      kind: 'triton',
      image: options.image,
      command: ['tritonserver'],
      baseArgs: [`--model-repository=${options.modelRepository}`, '--http-port=8000', '--grpc-port=8001', '--metrics-port=8002'],
      userArgs: options.args ?? [],
      env: options.env ?? {},
      ports: [
        { name: 'http', port: 8000, role: ServingPortRole.API },
        { name: 'grpc', port: 8001, role: ServingPortRole.API },
        { name: 'metrics', port: 8002, role: ServingPortRole.METRICS },
      ],
      health: { readyPath: '/v2/health/ready', livePath: '/v2/health/live', portName: 'http' },
      metrics: { portName: 'metrics', path: '/metrics' },
      model: options.modelRepository,
    });
  }

  /**
   * Hugging Face Text Generation Inference: `/health` and `/metrics` on the API port, which
   * is 8080 (`--port`), not the image's 80. The hub cache moves to the writable HOME.
   * `/health` answers 503 when the model shards are down
   * (https://huggingface.github.io/text-generation-inference/ — the router's OpenAPI: "GET
   * /health: 200 everything is working fine, 503 text generation inference is down"), so
   * readiness and liveness both call it, with different thresholds. TGI's OpenAI-style
   * Messages API does not route by the request's `model`, so no served model name is set.
   */
  public static tgi(options: TgiRuntimeOptions): ServingRuntime {
    const port = options.port ?? 8080;
    return new ServingRuntime({
      kind: 'tgi',
      image: options.image,
      baseArgs: ['--model-id', options.model, '--hostname', '0.0.0.0', '--port', String(port)],
      userArgs: options.args ?? [],
      // The image sets HUGGINGFACE_HUB_CACHE=/data, which the read-only root cannot write.
      env: { HUGGINGFACE_HUB_CACHE: `${ML_HOME}/.cache/huggingface/hub`, ...(options.env ?? {}) },
      ports: [{ name: 'http', port, role: ServingPortRole.API }],
      health: { readyPath: '/health', livePath: '/health', portName: 'http' },
      metrics: { portName: 'http', path: '/metrics' },
      gpuArg: options.autoShard === false ? undefined : { flag: '--num-shard' },
      model: options.model,
    });
  }

  /**
   * TorchServe in the foreground: inference 8080 (`/ping` answers "Healthy" once every model
   * has its workers and 500 "Unhealthy" when a model's workers stay dead past
   * `maxRetryTimeoutInSec`, https://pytorch.org/serve/inference_api.html#health-check-api),
   * management 8081 (not in the Service by default), metrics 8082. Logs go to /tmp and the
   * working directory is the writable HOME (read-only root filesystem).
   */
  public static torchServe(options: TorchServeRuntimeOptions): ServingRuntime {
    return new ServingRuntime({
      kind: 'torchserve',
      image: options.image,
      command: ['torchserve'],
      baseArgs: [
        '--start',
        '--foreground',
        '--ts-config',
        options.configFile ?? '/home/model-server/config.properties',
        '--model-store',
        options.modelStore,
        '--models',
        options.models ?? 'all',
        '--ncs',
      ],
      userArgs: options.args ?? [],
      env: { LOG_LOCATION: '/tmp/logs', METRICS_LOCATION: '/tmp/logs', ...(options.env ?? {}) },
      ports: [
        { name: 'http', port: 8080, role: ServingPortRole.API },
        { name: 'management', port: 8081, role: options.exposeManagement ? ServingPortRole.API : ServingPortRole.MANAGEMENT },
        { name: 'metrics', port: 8082, role: ServingPortRole.METRICS },
      ],
      health: { readyPath: '/ping', livePath: '/ping', portName: 'http' },
      metrics: { portName: 'metrics', path: '/metrics' },
      workingDir: ML_HOME,
      model: options.modelStore,
    });
  }

  /** Any HTTP model server: one API port, a liveness and a readiness path. */
  public static custom(options: CustomRuntimeOptions): ServingRuntime {
    const ports: ServingPort[] = [{ name: 'http', port: options.port, role: ServingPortRole.API }];
    const separateMetrics = options.metricsPort !== undefined && options.metricsPort !== options.port;
    if (separateMetrics) ports.push({ name: 'metrics', port: options.metricsPort!, role: ServingPortRole.METRICS });
    return new ServingRuntime({
      kind: 'custom',
      image: options.image,
      command: options.command,
      baseArgs: [],
      userArgs: options.args ?? [],
      env: options.env ?? {},
      ports,
      health: { readyPath: options.readyPath ?? options.healthPath, livePath: options.healthPath, portName: 'http' },
      metrics: { portName: separateMetrics ? 'metrics' : 'http', path: options.metricsPath ?? '/metrics' },
    });
  }

  private constructor(private readonly spec: RuntimeSpec) {}

  /** Runtime kind: `vllm`, `triton`, `tgi`, `torchserve` or `custom`. */
  public get kind(): string {
    return this.spec.kind;
  }

  /** The server image. */
  public get image(): string {
    return this.spec.image;
  }

  /** Entrypoint override, if any. */
  public get command(): string[] | undefined {
    return this.spec.command ? [...this.spec.command] : undefined;
  }

  /** Env of the server container, before the ModelServing's own env. */
  public get env(): EnvMap {
    return { ...this.spec.env };
  }

  /** Container ports. */
  public get ports(): ServingPort[] {
    return [...this.spec.ports];
  }

  /** Probe paths. */
  public get health(): RuntimeHealth {
    return this.spec.health;
  }

  /** Metrics endpoint. */
  public get metrics(): RuntimeMetrics {
    return this.spec.metrics;
  }

  /** Working directory override, if any. */
  public get workingDir(): string | undefined {
    return this.spec.workingDir;
  }

  /** The arguments the user passed (without the ones the runtime renders). */
  public get userArgs(): string[] {
    return [...this.spec.userArgs];
  }

  /** The model path / id / repository the runtime serves, if it names one. */
  public get model(): string | undefined {
    return this.spec.model;
  }

  /**
   * The explicit served model name (`servedModelName`), if the runtime has one and it was set.
   */
  public get servedModelName(): string | undefined {
    return this.spec.servedName?.value;
  }

  /** Whether the runtime takes a served model name (vLLM's `--served-model-name`). */
  public get namesServedModel(): boolean {
    return this.spec.servedName !== undefined;
  }

  /** The port named `name`. */
  public port(name: string): ServingPort | undefined {
    return this.spec.ports.find((p) => p.name === name);
  }

  /**
   * The container arguments for a pod with `gpuCount` GPUs; `servedName` is the served model
   * name to render when the runtime takes one and the user args do not set it.
   */
  public renderArgs(gpuCount: number, servedName?: string): string[] {
    const args = [...this.spec.baseArgs];
    const setByUser = (flag: string) => this.spec.userArgs.some((a) => a === flag || a.startsWith(`${flag}=`));
    const named = this.spec.servedName;
    const name = named?.value ?? servedName;
    if (named && name !== undefined && !setByUser(named.flag)) args.push(named.flag, name);
    const flag = this.spec.gpuArg?.flag;
    if (flag && gpuCount > 1 && !setByUser(flag)) {
      args.push(flag, String(gpuCount));
    }
    return [...args, ...this.spec.userArgs];
  }

  /** The same runtime with another image (e.g. a canary build). */
  public withImage(image: string): ServingRuntime {
    return new ServingRuntime({ ...this.spec, image });
  }
}
