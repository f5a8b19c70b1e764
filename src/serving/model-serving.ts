import { ApiObject, Chart, Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { mergeContributions, PodContribution } from '../core/attach';
import { EnvMap, renderEnv } from '../core/env';
import { fail, show } from '../core/errors';
import { validateImage } from '../core/image';
import { fitName, toDnsLabel, validateDnsLabel, validateDnsSubdomain, validateLabels } from '../core/names';
import { selectorLabels, standardLabels } from '../core/labels';
import { buildMlPodSpec, PodSchedulingProps, PodSecurityProps } from '../core/pod';
import { Accelerator, ComputeResources } from '../core/resources';
import { KubernetesVersion, requireKubernetesVersion, targetKubernetesVersion } from '../core/version';
import { NetworkFlow, declareExternal, declareFlows } from '../core/app-model';
import { useContributedReferences } from '../core/attach';
import { declareUsedReferences } from '../core/refs';
import { Autoscaling } from './autoscaling';
import { ServingBackend } from './backend';
import { ServingClient } from './clients';
import { Drain } from './drain';
import { Expose } from './expose';
import { serverEgress, serverFlows, storageUriFlows } from './flows';
import { renderInferenceService } from './kserve';
import { LoadScope, renderLoadScaler, resolveLoadScaling } from './load-metrics';
import { LwsLayout, groupFlows, groupRules, leaderSelector, renderLeaderWorkerSet, resolveLwsLayout } from './lws';
import { Metrics } from './metrics';
import { ModelCache } from './model-cache';
import { checkModelPaths } from './model-path';
import { ModelInput, modelContribution, modelRoots } from './model-source';
import { ServingPort, ServingPortRole, ServingRuntime } from './runtime';
import { ServingTrack, intOrString, kserveSelector, namespacePeer, wholeSeconds } from './util';
import { AppCheck } from '../core/app-check';

/** A port added to the server container besides the runtime's. */
export interface ExtraServingPort {
  /** Port name (at most 15 characters, lowercase alphanumerics and "-"). */
  readonly name: string;
  /** Port number, 1-65535. */
  readonly port: number;
  /**
   * Put the port in the Service and admit the declared clients to it.
   * @default true
   */
  readonly service?: boolean;
}

/** A canary: a second Deployment + Service receiving `weight` percent of exposed traffic. */
export interface CanaryOptions {
  /**
   * Runtime of the canary.
   * @default - the main runtime with `image`
   */
  readonly runtime?: ServingRuntime;
  /**
   * Image of the canary (with the main runtime's args and ports).
   * @default - the image of `runtime`
   */
  readonly image?: string;
  /** Percent of exposed traffic sent to the canary, 0-100. */
  readonly weight: number;
  /**
   * Canary replicas (not autoscaled).
   * @default 1
   */
  readonly replicas?: number;
}

/** Rolling update of the Deployment. */
export interface RolloutOptions {
  /**
   * Pods created above the desired count during an update. Needs spare GPU capacity; set 0
   * (with `maxUnavailable: 1`) on clusters without it.
   * @default 1
   */
  readonly maxSurge?: number | string;
  /**
   * Pods below the desired count during an update.
   * @default 0
   */
  readonly maxUnavailable?: number | string;
}

/** Topology spread of the replicas. */
export interface SpreadOptions {
  /**
   * Also spread across zones (`topology.kubernetes.io/zone`).
   * @default false - across nodes only
   */
  readonly zones?: boolean;
  /**
   * `ScheduleAnyway` (prefer) or `DoNotSchedule` (require).
   * @default 'ScheduleAnyway' - scarce GPUs must not block scheduling
   */
  readonly whenUnsatisfiable?: 'ScheduleAnyway' | 'DoNotSchedule';
}

/** Options of the PodDisruptionBudget. */
export interface DisruptionBudgetOptions {
  /**
   * Pods that may be evicted at once (never 0: a budget that allows no eviction blocks node drains).
   * @default 1
   */
  readonly maxUnavailable?: number | string;
}

/** Props of {@link ModelServing}. */
export interface ModelServingProps extends PodSchedulingProps, PodSecurityProps {
  /** The model server. */
  readonly runtime: ServingRuntime;
  /**
   * The model weights: a pod contributor such as a DatasetInit (init container + volume) or
   * a {@link ModelSource}.
   * @default - none (the runtime fetches the model itself, e.g. from the Hugging Face hub)
   */
  readonly model?: ModelInput;
  /**
   * Where the replicas keep the weights a DatasetInit `model` fetches: one copy per pod in the
   * DatasetInit's emptyDir (sized from the model's declared size), or a shared ReadWriteMany
   * claim filled once, so scale-ups do not download the weights again.
   * @default ModelCache.perPod()
   */
  readonly modelCache?: ModelCache;
  /**
   * CPU and memory of the server container. `ephemeralStorage` is derived (every emptyDir on
   * node disk plus 512 MiB for logs) unless set; when set it must cover the emptyDirs.
   */
  readonly resources: ComputeResources;
  /**
   * GPUs per replica.
   * @default - none
   */
  readonly accelerator?: Accelerator;
  /**
   * Replica count or autoscaler.
   * @default Autoscaling.fixed(1)
   */
  readonly autoscaling?: Autoscaling;
  /**
   * Longest expected model load; the startup probe's budget (failureThreshold × period) covers it
   * and the Deployment's progress deadline exceeds it.
   * @default Duration.minutes(10)
   */
  readonly maxModelLoadTime?: Duration;
  /**
   * Exposure outside the namespace.
   * @default Expose.internal()
   */
  readonly expose?: Expose;
  /**
   * Metrics scraping.
   * @default Metrics.none()
   */
  readonly metrics?: Metrics;
  /**
   * Rendering backend.
   * @default ServingBackend.deployment()
   */
  readonly backend?: ServingBackend;
  /**
   * A weighted canary (needs `expose` ingress or HTTPRoute).
   * @default - none
   */
  readonly canary?: CanaryOptions;
  /**
   * Name of the Deployment, Service and companions (DNS-1123 label).
   * @default - derived from the construct id
   */
  readonly name?: string;
  /**
   * Env of the server container, after the runtime's (credentials by reference only).
   * @default - none
   */
  readonly env?: EnvMap;
  /**
   * More container ports (must not collide with the runtime's).
   * @default - none
   */
  readonly extraPorts?: ExtraServingPort[];
  /**
   * Clients admitted to the API ports by the NetworkPolicy (the ingress controller / gateway
   * and Prometheus are added from `expose` and `metrics`). Pass `[]` to admit only those.
   * @default [ServingClient.sameNamespace()]
   */
  readonly allowFrom?: ServingClient[];
  /**
   * preStop drain, so endpoints are removed before the server stops.
   * @default Drain.sleep(Duration.seconds(15))
   */
  readonly drain?: Drain;
  /**
   * Longest in-flight request; `terminationGracePeriodSeconds` = drain + this.
   * @default Duration.seconds(120)
   */
  readonly maxRequestDuration?: Duration;
  /**
   * Rolling update.
   * @default { maxSurge: 1, maxUnavailable: 0 }
   */
  readonly rollout?: RolloutOptions;
  /**
   * PodDisruptionBudget.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /**
   * Topology spread.
   * @default - across nodes, ScheduleAnyway
   */
  readonly spread?: SpreadOptions;
  /**
   * Size of the Memory-backed `/dev/shm` (NCCL, tensor parallelism).
   * @default - Size.gibibytes(1) with an accelerator, the runtime's 64 MiB otherwise
   */
  readonly shmSize?: Size;
  /**
   * Extra labels on every object and pod.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * `app.kubernetes.io/part-of`.
   * @default - none
   */
  readonly partOf?: string;
}

const DEFAULT_LOAD_TIME = Duration.minutes(10);
/** Readiness thresholds: out of rotation after 3 failures 5 s apart. @internal */
export const READINESS = { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 } as const;
/** Liveness thresholds: restarted after 6 failures 20 s apart (2 minutes), each with a 10 s timeout. @internal */
export const LIVENESS = { periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 } as const;
const STARTUP_PERIOD = 10;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Production inference for vLLM, Triton, TGI, TorchServe or a custom server.
 *
 * Default backend: Deployment (startup probe covering the model load, readiness = model
 * loaded, liveness distinct, preStop drain, surge-only rolling update, topology spread,
 * restricted Pod Security, GPUs and /dev/shm) + ClusterIP Service + HPA or KEDA
 * ScaledObject + PodDisruptionBudget that never blocks drains + NetworkPolicy admitting only
 * declared clients, optionally an Ingress or HTTPRoute (with a weighted canary) and a
 * ServiceMonitor. The KServe backend renders an InferenceService with the same semantics.
 */
export class ModelServing extends Construct {
  /** Name of the workload, Service and companions. */
  public readonly name: string;
  /** Name of the Service clients call (KServe: `<name>-predictor`). */
  public readonly serviceName: string;
  /** The API port number. */
  public readonly port: number;
  /** The primary object: the Deployment, or the InferenceService with the KServe backend. */
  public readonly resource: ApiObject;
  /** The network flows the server pods need (declared on each workload object as `ml.cdk8s.io/flows`). */
  public readonly flows: NetworkFlow[];

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id);
    AppCheck.register(this);
    const runtime = props.runtime;
    if (!(runtime instanceof ServingRuntime)) fail(this, `runtime must be a ServingRuntime (ServingRuntime.vllm(...) etc.), got ${show(runtime)}`);
    this.name = validateDnsLabel(this, 'name', props.name ?? toDnsLabel(this, id), 63 - '-canary'.length);
    const backend = props.backend ?? ServingBackend.deployment();
    const autoscaling = props.autoscaling ?? Autoscaling.fixed(1);
    const expose = props.expose ?? Expose.internal();
    const metrics = props.metrics ?? Metrics.none();

    validateAutoscaling(this, autoscaling);
    const cache = props.modelCache ?? ModelCache.perPod();
    if (!(cache instanceof ModelCache)) fail(this, `modelCache must be a ModelCache (ModelCache.perPod/sharedClaim), got ${show(cache)}`);
    if (cache.kind === 'sharedClaim' && props.model === undefined) {
      fail(this, 'modelCache sharedClaim needs a model to fill it: pass model: a DatasetInit of the weights (with a Hub id the server downloads into its own HOME)');
    }
    cache._checkClaim(this);
    const lws = backend.kind === 'leaderWorkerSet'
      ? resolveLwsLayout(this, this.name, backend.lwsOptions!, runtime, props.accelerator, props.canary !== undefined) : undefined;
    if (autoscaling.kind === 'load' && backend.kind === 'kserve') {
      fail(this, 'autoscaling onLoad is not supported with the kserve backend (KServe renders its own autoscaler); use Autoscaling.keda with a query, or the deployment backend');
    }
    const loadScope = scalingScope(this.name, lws);
    const load = autoscaling.kind === 'load' ? resolveLoadScaling(this, autoscaling, runtime, metrics, loadScope) : undefined;
    const loadSeconds = positiveSeconds(this, 'maxModelLoadTime', props.maxModelLoadTime ?? DEFAULT_LOAD_TIME);
    const requestSeconds = positiveSeconds(this, 'maxRequestDuration', props.maxRequestDuration ?? Duration.seconds(120));
    const drain = props.drain ?? Drain.sleep(Duration.seconds(15));
    const drainSeconds = Math.ceil(drain.duration.toMilliseconds() / 1000);
    const ports = containerPorts(this, runtime, props.extraPorts);
    const servicePorts = ports.filter((p) => p.role === ServingPortRole.API || (p.role === ServingPortRole.METRICS && metrics.kind !== 'none'));
    const apiPort = ports.find((p) => p.name === runtime.health.portName)!;
    this.port = apiPort.port;
    validateExpose(this, expose, servicePorts);
    validateLabels(this, 'labels', props.labels);
    if (props.canary) validateCanary(this, props.canary, expose, backend);
    if (backend.kind === 'kserve') validateKServe(this, props, expose, metrics);
    const rollout = validateRollout(this, props.rollout);
    const maxUnavailable = validateBudget(this, props.disruptionBudget);
    for (const c of props.allowFrom ?? []) {
      if (!(c instanceof ServingClient)) fail(this, `allowFrom entries must be ServingClient objects, got ${show(c)}`);
    }

    const common: TrackInput = {
      loadSeconds,
      drain,
      drainSeconds,
      graceSeconds: drainSeconds + requestSeconds,
      ports,
      metrics,
      spread: props.spread,
      kserve: backend.kind === 'kserve',
      cache,
      kserveStorage: backend.kind === 'kserve' && backend.kserveOptions?.model !== undefined,
    };
    const stable = this.buildTrack(this, this.name, runtime, props, common);
    const modelContrib = stable.contribution;
    const pods = autoscaling.max * (lws?.nodes ?? 1) + (props.canary ? props.canary.replicas ?? 1 : 0);
    useContributedReferences(this, modelContrib ? [modelContrib] : [], pods, `the server runs up to ${pods} replicas that may land on different nodes`);
    const storageFlows = backend.kind === 'kserve' ? storageUriFlows(backend.kserveOptions?.model?.storageUri, this.node.path) : [];
    const declared = serverFlows(this.node.path, runtime, [...(modelContrib?.flows ?? []), ...storageFlows], expose, metrics, servicePorts, apiPort, Chart.of(this).namespace);
    if (lws) declared.push(...groupFlows(this.node.path, lws));
    this.flows = declared;
    const egress = serverEgress(declared);
    if (lws) egress.push(groupRules(lws).egress);

    if (backend.kind === 'kserve') {
      this.serviceName = `${this.name}-predictor`;
      this.resource = renderInferenceService(this, {
        track: stable,
        autoscaling,
        options: backend.kserveOptions ?? {},
        rollout,
        maxUnavailable,
        allowFrom: props.allowFrom ?? [ServingClient.sameNamespace()],
        apiPorts: servicePorts.filter((p) => p.role === ServingPortRole.API),
        egress,
        metricsIngress: this.metricsIngress(runtime, metrics, servicePorts),
      });
      declareFlows(this.resource, declared);
      declareUsedReferences(this, this.resource);
      return;
    }

    this.serviceName = this.name;
    const tracks = [stable];
    const replicas = autoscaling.ownsReplicas ? undefined : autoscaling.min;
    this.resource = lws ? renderLeaderWorkerSet(this, stable, lws, replicas, stable.podAnnotations) : this.renderDeployment(this, stable, replicas, rollout, loadSeconds);
    declareFlows(this.resource, declared);
    declareUsedReferences(this, this.resource);
    // With a LeaderWorkerSet only the leaders serve the API.
    this.renderService(this, lws ? { ...stable, selector: leaderSelector(stable) } : stable, servicePorts);
    let canaryTrack: ServingTrack | undefined;
    if (props.canary) {
      const canaryScope = new Construct(this, 'Canary');
      const canaryRuntime = props.canary.runtime ?? runtime.withImage(props.canary.image!);
      canaryTrack = this.buildTrack(canaryScope, fitName(`${this.name}-canary`, 63), canaryRuntime, props, {
        ...common,
        ports: containerPorts(canaryScope, canaryRuntime, props.extraPorts),
      });
      const canaryDeployment = this.renderDeployment(canaryScope, canaryTrack, props.canary.replicas ?? 1, rollout, loadSeconds);
      declareFlows(canaryDeployment, declared);
      declareUsedReferences(this, canaryDeployment);
      this.renderService(canaryScope, canaryTrack, servicePorts);
      tracks.push(canaryTrack);
    }
    if (load) renderLoadScaler(this, stable.name, stable.labels, autoscaling, loadScope, load);
    else this.renderAutoscaler(stable, autoscaling, loadScope.scaleTargetRef);
    new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: this.name, labels: stable.labels },
      spec: {
        maxUnavailable: intOrString(maxUnavailable),
        selector: { matchLabels: stable.selector },
        // Beta and on by default since 1.27, GA in 1.31: every supported target (>= 1.28) has it.
        // Lets a drain evict pods that are not Ready (stuck loading) even when the budget is spent.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
    this.renderNetworkPolicy(tracks, servicePorts, expose, metrics, props.allowFrom ?? [ServingClient.sameNamespace()], apiPort, egress, lws ? [groupRules(lws).ingress] : []);
    if (expose.kind === 'ingress') this.renderIngress(expose, stable, canaryTrack, props.canary?.weight);
    if (expose.kind === 'httpRoute') this.renderHttpRoute(expose, servicePorts, stable, canaryTrack, props.canary?.weight);
    if (metrics.kind === 'serviceMonitor') this.renderServiceMonitor(metrics, tracks, runtime);
  }

  private buildTrack(scope: Construct, name: string, runtime: ServingRuntime, props: ModelServingProps, input: TrackInput): ServingTrack {
    validateImage(scope, 'runtime image', runtime.image);
    const instanceLabels = { name: this.name, instance: name, component: 'serving', partOf: props.partOf };
    const labels = { ...(props.labels ?? {}), ...standardLabels(instanceLabels) };
    const selector = input.kserve ? kserveSelector(this.name) : selectorLabels(instanceLabels);
    const cacheClaim = input.cache.kind === 'sharedClaim' ? input.cache.claim : undefined;
    const contribution: PodContribution | undefined = modelContribution(props.model, scope, cacheClaim ? { sharedVolume: cacheClaim } : undefined);
    const servedName = runtime.namesServedModel ? servedModelName(scope, runtime, contribution, this.name) : undefined;
    const args = runtime.renderArgs(Number.isInteger(props.accelerator?.count) ? props.accelerator!.count : 0, servedName);
    if (input.kserveStorage) {
      // KServe's storage initializer puts the storageUri's content at /mnt/models; the
      // cluster's ServingRuntime renders the model args, only the user's args are ours.
      checkModelPaths(scope, runtime.kind, runtime.userArgs, ['/mnt/models'], 'KServe mounts the storageUri at /mnt/models: point the args there');
    } else {
      checkModelPaths(scope, runtime.kind, args, modelRoots(props.model, contribution),
        'mount the weights at that path (DatasetInit mountPath, ModelSource.pvc(claim, { mountPath }), or ModelSource.inImage(path) for weights in the image), point the runtime at a path under a mounted model volume, or pass a Hugging Face repo id');
    }
    const merged = mergeContributions(contribution ? [contribution] : []);
    const env = [...renderEnv(scope, 'env', { ...runtime.env, ...(props.env ?? {}) })];
    for (const e of merged.env) {
      if (env.some((x) => x.name === e.name)) fail(scope, `env ${e.name} is set both by the model source and by env`);
      env.push(e);
    }
    const health = runtime.health;
    const port = k8s.IntOrString.fromNumber(input.ports.find((p) => p.name === health.portName)!.port);
    const { lifecycle, sleepSeconds } = preStop(scope, input.drain, input.drainSeconds, port);
    const spreadKeys = ['kubernetes.io/hostname', ...(input.spread?.zones ? ['topology.kubernetes.io/zone'] : [])];
    const podSpec = buildMlPodSpec(scope, {
      containers: [
        {
          name: 'server',
          image: runtime.image,
          command: runtime.command,
          // no `args: []` (the server drops an empty list; a re-apply would differ)
          args: nonEmpty(args),
          env,
          resources: props.resources,
          accelerator: props.accelerator,
          ports: input.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
          volumeMounts: merged.volumeMounts,
          workingDir: runtime.workingDir,
          // Startup: the model load. Budget = failureThreshold × period >= maxModelLoadTime.
          startupProbe: {
            httpGet: { path: health.readyPath, port },
            periodSeconds: STARTUP_PERIOD,
            timeoutSeconds: 5,
            failureThreshold: Math.max(1, Math.ceil(input.loadSeconds / STARTUP_PERIOD)),
          },
          // Readiness: "model loaded and serving"; fails fast (~15 s) so traffic moves away quickly.
          readinessProbe: { httpGet: { path: health.readyPath, port }, ...READINESS },
          // Liveness: an HTTP health check that sees a dead engine (vLLM's /health answers 503
          // after EngineDeadError; a TCP check would pass while the front end still listens).
          // It may share readiness' path; it differs in tolerance: a restart costs a full model
          // load, so only a failure sustained for ~2 minutes (a busy server answers slowly) restarts.
          livenessProbe: { httpGet: { path: health.livePath, port }, ...LIVENESS },
          lifecycle,
        },
      ],
      initContainers: merged.initContainers,
      volumes: merged.volumes,
      shmSize: props.shmSize ?? (props.accelerator ? Size.gibibytes(1) : undefined),
      security: props.security,
      writableDirs: props.writableDirs,
      serviceAccountName: props.serviceAccountName,
      priorityClass: props.priorityClass,
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations,
      terminationGracePeriodSeconds: input.graceSeconds,
      topologySpreadConstraints: spreadKeys.map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: input.spread?.whenUnsatisfiable ?? 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
        ...(input.kserve ? {} : { matchLabelKeys: ['pod-template-hash'] }),
      })),
    });
    const podAnnotations: Record<string, string> = {};
    if (input.metrics.kind === 'scrapeAnnotations') {
      const metricsPort = input.ports.find((p) => p.name === runtime.metrics.portName)!;
      podAnnotations['prometheus.io/scrape'] = 'true';
      podAnnotations['prometheus.io/port'] = String(metricsPort.port);
      podAnnotations['prometheus.io/path'] = runtime.metrics.path;
    }
    return { name, labels, selector, podAnnotations, podSpec, sleepSeconds, runtime, contribution };
  }

  private renderDeployment(scope: Construct, track: ServingTrack, replicas: number | undefined, rollout: Required<RolloutOptions>, loadSeconds: number): ApiObject {
    const spec = k8s.toJson_DeploymentSpec({
      replicas,
      selector: { matchLabels: track.selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: intOrString(rollout.maxSurge), maxUnavailable: intOrString(rollout.maxUnavailable) } },
      // A rollout that waits for a model load must not be reported as failed before it could finish.
      progressDeadlineSeconds: Math.max(600, loadSeconds + 300),
      template: {
        metadata: { labels: track.labels, annotations: Object.keys(track.podAnnotations).length > 0 ? track.podAnnotations : undefined },
        spec: track.podSpec,
      },
    })!;
    // The typed 1.28 bindings have no lifecycle sleep action: set it on the rendered JSON.
    if (track.sleepSeconds !== undefined) spec.template.spec.containers[0].lifecycle = { preStop: { sleep: { seconds: track.sleepSeconds } } };
    return new ApiObject(scope, 'Resource', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: track.name, labels: track.labels }, spec });
  }

  private renderService(scope: Construct, track: ServingTrack, ports: ServingPort[]): void {
    new k8s.KubeService(scope, 'Service', {
      metadata: { name: track.name, labels: track.labels },
      spec: {
        type: 'ClusterIP',
        selector: track.selector,
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
      },
    });
  }

  private renderAutoscaler(track: ServingTrack, autoscaling: Autoscaling, scaleTargetRef: LoadScope['scaleTargetRef']): void {
    if (autoscaling.kind === 'cpu') {
      const o = autoscaling.cpuOptions!;
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: track.name, labels: track.labels },
        spec: {
          scaleTargetRef,
          minReplicas: o.min,
          maxReplicas: o.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.targetUtilization } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: wholeSeconds(o.scaleDownStabilization ?? Duration.minutes(5)) } },
        },
      });
    } else if (autoscaling.kind === 'keda') {
      const o = autoscaling.kedaOptions!;
      const metadata: Record<string, string> = { serverAddress: o.serverAddress, query: o.query, threshold: String(o.threshold) };
      if (o.activationThreshold !== undefined) metadata.activationThreshold = String(o.activationThreshold);
      new ApiObject(this, 'Autoscaler', {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: track.name, labels: track.labels },
        spec: {
          scaleTargetRef,
          minReplicaCount: o.min,
          maxReplicaCount: o.max,
          pollingInterval: wholeSeconds(o.pollingInterval ?? Duration.seconds(30)),
          cooldownPeriod: wholeSeconds(o.cooldownPeriod ?? Duration.minutes(5)),
          triggers: [{ type: 'prometheus', metadata, ...(o.authenticationRef ? { authenticationRef: { name: o.authenticationRef } } : {}) }],
        },
      });
    }
  }

  /** The ingress rule letting Prometheus scrape the metrics port (the "metrics scrape" flow), when metrics are on. */
  private metricsIngress(runtime: ServingRuntime, metrics: Metrics, servicePorts: ServingPort[]): k8s.NetworkPolicyIngressRule[] {
    const metricsPort = metrics.kind === 'none' ? undefined : servicePorts.find((p) => p.name === runtime.metrics.portName);
    return metricsPort ? [{ from: [namespacePeer(metrics.prometheusNamespace)], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(metricsPort.port) }] }] : [];
  }

  private renderNetworkPolicy(
    tracks: ServingTrack[],
    servicePorts: ServingPort[],
    expose: Expose,
    metrics: Metrics,
    clients: ServingClient[],
    apiPort: ServingPort,
    egress: k8s.NetworkPolicyEgressRule[],
    extraIngress: k8s.NetworkPolicyIngressRule[],
  ): void {
    const rules: k8s.NetworkPolicyIngressRule[] = [...extraIngress];
    const tcp = (ports: ServingPort[]) => ports.map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p.port) }));
    const apiPorts = servicePorts.filter((p) => p.role === ServingPortRole.API);
    if (clients.length > 0) rules.push({ from: clients.map((c) => c.peer), ports: tcp(apiPorts) });
    const exposed = servicePorts.find((p) => p.name === expose.portName) ?? apiPort;
    if (expose.kind === 'ingress') {
      rules.push({ from: [namespacePeer(expose.ingressOptions?.controllerNamespace ?? 'ingress-nginx')], ports: tcp([exposed]) });
    } else if (expose.kind === 'httpRoute') {
      const o = expose.httpRouteOptions!;
      const ns = o.gatewayNamespace ?? o.gateway.namespace;
      rules.push({ from: [ns ? namespacePeer(ns) : { podSelector: {} }], ports: tcp([exposed]) });
    }
    if (metrics.kind !== 'none') {
      const metricsPort = servicePorts.find((p) => p.name === tracks[0].runtime.metrics.portName)!;
      rules.push({ from: [namespacePeer(metrics.prometheusNamespace)], ports: tcp([metricsPort]) });
    }
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, labels: tracks[0].labels },
      // Egress too: in a default-deny namespace the model fetch (init container) and a runtime
      // downloading from the Hub need it; DNS plus exactly the declared fetch ports.
      spec: { podSelector: this.allTracksSelector(tracks), policyTypes: ['Ingress', 'Egress'], ingress: rules, egress },
    });
  }

  private allTracksSelector(tracks: ServingTrack[]): k8s.LabelSelector {
    return {
      matchLabels: { 'app.kubernetes.io/name': this.name },
      matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: tracks.map((t) => t.name) }],
    };
  }

  private renderIngress(expose: Expose, stable: ServingTrack, canary: ServingTrack | undefined, weight: number | undefined): void {
    const o = expose.ingressOptions ?? {};
    const rule = (service: string): k8s.IngressRule => ({
      host: o.host,
      http: { paths: [{ path: o.path ?? '/', pathType: 'Prefix', backend: { service: { name: service, port: { name: expose.portName } } } }] },
    });
    const annotations = o.annotations && Object.keys(o.annotations).length > 0 ? { ...o.annotations } : undefined;
    const tlsSecret = o.tlsSecretName ?? `${this.name}-tls`;
    const ingress = new k8s.KubeIngress(this, 'Ingress', {
      metadata: { name: this.name, labels: stable.labels, annotations },
      spec: {
        ingressClassName: o.className,
        rules: [rule(stable.name)],
        tls: o.tls ? [{ hosts: [o.host!], secretName: tlsSecret }] : undefined,
      },
    });
    // The certificate Secret is issued outside the app (cert-manager, an operator): declared
    // external for the whole-app check.
    if (o.tls) declareExternal(ingress, [{ kind: 'Secret', name: tlsSecret }]);
    if (canary) {
      new k8s.KubeIngress(this, 'CanaryIngress', {
        metadata: {
          name: canary.name,
          labels: canary.labels,
          annotations: { ...(annotations ?? {}), 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': String(weight) },
        },
        spec: { ingressClassName: o.className, rules: [rule(canary.name)] },
      });
    }
  }

  private renderHttpRoute(expose: Expose, servicePorts: ServingPort[], stable: ServingTrack, canary: ServingTrack | undefined, weight: number | undefined): void {
    const o = expose.httpRouteOptions!;
    const port = servicePorts.find((p) => p.name === expose.portName)!.port;
    const parentRef: Record<string, string> = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: o.gateway.name };
    if (o.gateway.namespace) parentRef.namespace = o.gateway.namespace;
    if (o.gateway.sectionName) parentRef.sectionName = o.gateway.sectionName;
    // With the values the Gateway API CRD defaults (group "", kind Service, weight 1) spelled out:
    // `rules` is replaced whole by a client-side re-apply, so a defaulted field would differ.
    const ref = (name: string, w: number) => ({ group: '', kind: 'Service', name, port, weight: w });
    const backendRefs = canary ? [ref(stable.name, 100 - weight!), ref(canary.name, weight!)] : [ref(stable.name, 1)];
    new ApiObject(this, 'HttpRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: this.name, labels: stable.labels },
      spec: {
        parentRefs: [parentRef],
        hostnames: o.hostnames,
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: o.path ?? '/' } }], backendRefs }],
      },
    });
  }

  private renderServiceMonitor(metrics: Metrics, tracks: ServingTrack[], runtime: ServingRuntime): void {
    const o = metrics.serviceMonitorOptions ?? {};
    validateLabels(this, 'metrics labels', o.labels);
    new ApiObject(this, 'ServiceMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: this.name, labels: { ...tracks[0].labels, ...(o.labels ?? {}) } },
      spec: {
        selector: this.allTracksSelector(tracks),
        endpoints: [{ port: runtime.metrics.portName, path: runtime.metrics.path, interval: `${wholeSeconds(o.interval ?? Duration.seconds(30))}s` }],
      },
    });
  }
}

interface TrackInput {
  readonly loadSeconds: number;
  readonly drain: Drain;
  readonly drainSeconds: number;
  readonly graceSeconds: number;
  readonly ports: ServingPort[];
  readonly metrics: Metrics;
  readonly spread?: SpreadOptions;
  readonly kserve: boolean;
  readonly cache: ModelCache;
  /** KServe with `model.storageUri`: the cluster's ServingRuntime renders the model args. */
  readonly kserveStorage: boolean;
}

/**
 * The served model name: the runtime's explicit one, else the model's identity — the Hub repo
 * id when the runtime loads one, the repo id of the model source (a Hub DatasetInit), or the
 * ModelServing's name — never a container path clients would have to send.
 */
function servedModelName(scope: Construct, runtime: ServingRuntime, contribution: PodContribution | undefined, name: string): string {
  const explicit = runtime.servedModelName;
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || !/^\S+$/.test(explicit)) fail(scope, `servedModelName must be a non-empty name without spaces, got ${show(explicit)}`);
    return explicit;
  }
  const model = runtime.model;
  if (model !== undefined && !model.startsWith('/')) return model;
  return contribution?.identity ?? name;
}

/** What an autoscaler scales and where the pods serving the API are. */
function scalingScope(name: string, lws: LwsLayout | undefined): LoadScope {
  return lws
    ? { service: name, podPattern: `${lws.name}-[0-9]+`, scaleTargetRef: { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: lws.name } }
    : { service: name, podPattern: `${name}-[a-z0-9]+-[a-z0-9]+`, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } };
}

function positiveSeconds(scope: Construct, what: string, d: Duration): number {
  if (!(d instanceof Duration)) fail(scope, `${what} must be a cdk8s Duration, got ${show(d)}`);
  const ms = d.toMilliseconds();
  if (!(ms > 0)) fail(scope, `${what} must be positive, got ${ms / 1000} s`);
  return Math.ceil(ms / 1000);
}

function isWholeCount(n: unknown, min: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min;
}

function validateAutoscaling(scope: Construct, a: Autoscaling): void {
  if (!(a instanceof Autoscaling)) fail(scope, `autoscaling must be an Autoscaling (Autoscaling.fixed/cpu/keda/onLoad), got ${show(a)}`);
  if (a.kind === 'fixed') {
    if (!isWholeCount(a.min, 0)) fail(scope, `autoscaling: replicas must be a non-negative integer, got ${show(a.min)}`);
    return;
  }
  const min0 = a.kind === 'keda' || a.kind === 'load' ? 0 : 1;
  if (!isWholeCount(a.min, min0)) {
    fail(scope, `autoscaling: min must be an integer >= ${min0}${a.kind === 'cpu' ? ' (an HPA cannot scale to zero; use Autoscaling.keda)' : ''}, got ${show(a.min)}`);
  }
  if (!isWholeCount(a.max, 1)) fail(scope, `autoscaling: max must be a positive integer, got ${show(a.max)}`);
  if (a.min > a.max) fail(scope, `autoscaling: min ${a.min} is greater than max ${a.max}`);
  if (a.kind === 'load') return; // checked against the runtime by resolveLoadScaling
  if (a.kind === 'cpu') {
    const t = a.cpuOptions!.targetUtilization;
    if (!isWholeCount(t, 1) || t > 100) fail(scope, `autoscaling: targetUtilization must be an integer percentage 1-100, got ${show(t)}`);
  } else {
    const o = a.kedaOptions!;
    if (!/^https?:\/\/\S+$/.test(o.serverAddress ?? '')) fail(scope, `autoscaling: serverAddress must be an http(s) URL, got ${show(o.serverAddress)}`);
    if (!o.query || typeof o.query !== 'string') fail(scope, `autoscaling: query must be a non-empty PromQL expression, got ${show(o.query)}`);
    for (const [k, v] of [['threshold', o.threshold], ['activationThreshold', o.activationThreshold]] as const) {
      if (v === undefined && k === 'activationThreshold') continue;
      if (!/^\d+(\.\d+)?$/.test(String(v))) fail(scope, `autoscaling: ${k} must be a non-negative decimal number, got ${show(v)}`);
    }
  }
}

function containerPorts(scope: Construct, runtime: ServingRuntime, extra: ExtraServingPort[] | undefined): ServingPort[] {
  const ports = [...runtime.ports];
  for (const p of extra ?? []) {
    const clash = ports.find((q) => q.name === p.name || q.port === p.port);
    if (clash) fail(scope, `extra port ${p.name}:${p.port} collides with the ${runtime.kind} port ${clash.name}:${clash.port}`);
    ports.push({ name: p.name, port: p.port, role: p.service === false ? ServingPortRole.MANAGEMENT : ServingPortRole.API });
  }
  for (const p of ports) {
    if (!isWholeCount(p.port, 1) || p.port > 65535) fail(scope, `port ${p.name} must be an integer 1-65535, got ${show(p.port)}`);
    if (typeof p.name !== 'string' || p.name.length > 15 || !PORT_NAME.test(p.name) || !/[a-z]/.test(p.name)) {
      fail(scope, `port name must be at most 15 lowercase alphanumerics or "-" with a letter, got ${show(p.name)}`);
    }
  }
  return ports;
}

function validateExpose(scope: Construct, expose: Expose, servicePorts: ServingPort[]): void {
  if (!(expose instanceof Expose)) fail(scope, `expose must be an Expose (Expose.internal/ingress/httpRoute), got ${show(expose)}`);
  if (expose.kind === 'internal') return;
  const name = expose.portName!;
  const port = servicePorts.find((p) => p.name === name);
  if (!port || port.role !== ServingPortRole.API) {
    const api = servicePorts.filter((p) => p.role === ServingPortRole.API).map((p) => p.name);
    fail(scope, `expose: port ${show(name)} is not an API port of the Service (API ports: ${api.join(', ') || 'none'}); metrics and management ports are never exposed`);
  }
  const path = expose.kind === 'ingress' ? expose.ingressOptions?.path : expose.httpRouteOptions?.path;
  if (path !== undefined && !/^\/\S*$/.test(path)) fail(scope, `expose: path must start with "/", got ${show(path)}`);
  if (expose.kind === 'ingress') {
    const o = expose.ingressOptions ?? {};
    if (o.host !== undefined) validateHost(scope, o.host);
    if (o.tls && o.host === undefined) fail(scope, 'expose: tls needs a host (the certificate is issued for a host name), got tls: true with no host');
    if (o.tlsSecretName !== undefined) validateDnsSubdomain(scope, 'expose: tlsSecretName', o.tlsSecretName);
    if (o.controllerNamespace !== undefined) validateDnsLabel(scope, 'expose: controllerNamespace', o.controllerNamespace);
  } else {
    const o = expose.httpRouteOptions!;
    if (!o.gateway?.name) fail(scope, `expose: httpRoute needs a gateway name, got ${show(o.gateway)}`);
    for (const h of o.hostnames ?? []) validateHost(scope, h);
  }
}

function validateHost(scope: Construct, host: string): void {
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(bare) || host.length > 253) {
    fail(scope, `expose: host must be a DNS name such as "chat.example.com", got ${show(host)}`);
  }
}

function validateCanary(scope: Construct, canary: CanaryOptions, expose: Expose, backend: ServingBackend): void {
  if (backend.kind === 'kserve') {
    fail(scope, 'canary is not supported with the kserve backend: KServe splits revisions with canaryTrafficPercent in Serverless mode only; use the deployment backend or a second InferenceService');
  }
  if (!isWholeCount(canary.weight, 0) || canary.weight > 100) fail(scope, `canary: weight must be an integer percentage 0-100, got ${show(canary.weight)}`);
  if ((canary.runtime === undefined) === (canary.image === undefined)) {
    fail(scope, `canary: set exactly one of runtime or image, got ${canary.runtime === undefined ? 'neither' : 'both'}`);
  }
  if (canary.replicas !== undefined && !isWholeCount(canary.replicas, 1)) fail(scope, `canary: replicas must be a positive integer, got ${show(canary.replicas)}`);
  if (expose.kind === 'internal') {
    fail(scope, 'canary: traffic is split by weight at the Ingress or HTTPRoute; set expose to Expose.ingress(...) or Expose.httpRoute(...)');
  }
  const cls = expose.ingressOptions?.className;
  if (expose.kind === 'ingress' && cls !== undefined && !cls.includes('nginx')) {
    fail(scope, `canary: an Ingress canary uses ingress-nginx canary annotations, but the ingress class is ${show(cls)}; use Expose.httpRoute for other controllers`);
  }
}

function validateKServe(scope: Construct, props: ModelServingProps, expose: Expose, metrics: Metrics): void {
  if (expose.kind !== 'internal') {
    fail(scope, `expose ${expose.kind} is not supported with the kserve backend: KServe creates the Ingress/HTTPRoute from its own ingress configuration`);
  }
  if (metrics.kind === 'serviceMonitor') {
    fail(scope, 'metrics serviceMonitor is not supported with the kserve backend (KServe owns the Service); use Metrics.scrapeAnnotations()');
  }
  if ((props.extraPorts ?? []).length > 0) {
    fail(scope, `extraPorts ${show(props.extraPorts!.map((p) => p.name))} are not supported with the kserve backend: an InferenceService serves one container port`);
  }
  const o = props.backend?.kserveOptions ?? {};
  const serverless = o.deploymentMode === 'Serverless';
  if (serverless && props.autoscaling?.kind === 'keda') fail(scope, 'autoscaling keda is not supported with KServe Serverless mode (Knative scales the pods); use RawDeployment');
  if (serverless && props.rollout !== undefined) fail(scope, `rollout ${show(props.rollout)} is not supported with KServe Serverless mode (Knative rolls out revisions)`);
  if (o.model && props.model !== undefined) {
    fail(scope, `model and backend kserve model.storageUri ${show(o.model.storageUri)} both provide the weights; use one`);
  }
}

function validateRollout(scope: Construct, rollout: RolloutOptions | undefined): Required<RolloutOptions> {
  const out = { maxSurge: rollout?.maxSurge ?? 1, maxUnavailable: rollout?.maxUnavailable ?? 0 };
  for (const [k, v] of Object.entries(out)) {
    if (!(isWholeCount(v, 0) || (typeof v === 'string' && /^\d+%$/.test(v)))) fail(scope, `rollout: ${k} must be a non-negative integer or a percentage, got ${show(v)}`);
  }
  if (isZero(out.maxSurge) && isZero(out.maxUnavailable)) fail(scope, 'rollout: maxSurge and maxUnavailable cannot both be 0 (the rollout could never progress)');
  return out;
}

function validateBudget(scope: Construct, budget: DisruptionBudgetOptions | undefined): number | string {
  const v = budget?.maxUnavailable ?? 1;
  if (!(isWholeCount(v, 0) || (typeof v === 'string' && /^\d+%$/.test(v)))) fail(scope, `disruptionBudget: maxUnavailable must be a positive integer or percentage, got ${show(v)}`);
  if (isZero(v)) fail(scope, `disruptionBudget: maxUnavailable ${show(v)} would block every node drain; at least one pod must always be evictable`);
  return v;
}

function isZero(v: number | string): boolean {
  return v === 0 || (typeof v === 'string' && /^0+%$/.test(v));
}

/** The preStop hook; the sleep action is returned apart because the 1.28 bindings lack it. */
function preStop(scope: Construct, drain: Drain, seconds: number, port: k8s.IntOrString): { lifecycle?: k8s.Lifecycle; sleepSeconds?: number } {
  if (!(drain instanceof Drain)) fail(scope, `drain must be a Drain (Drain.sleep/sleepAction/execSleep/httpGet/none), got ${show(drain)}`);
  if (drain.kind === 'none') return {};
  if (seconds < 1) fail(scope, `drain: duration must be at least 1 second, got ${drain.duration.toMilliseconds() / 1000} s (use Drain.none() for no drain)`);
  let kind = drain.kind;
  if (kind === 'auto') kind = targetKubernetesVersion(scope).isAtLeast(KubernetesVersion.V1_30) ? 'sleepAction' : 'exec';
  switch (kind) {
    case 'sleepAction':
      requireKubernetesVersion(scope, 'drain: the lifecycle.preStop.sleep action (beta, on by default)', KubernetesVersion.V1_30);
      return { sleepSeconds: seconds };
    case 'exec':
      return { lifecycle: { preStop: { exec: { command: [drain.sleepBinary ?? '/bin/sleep', String(seconds)] } } } };
    default:
      if (!/^\/\S*$/.test(drain.path ?? '')) fail(scope, `drain: path must start with "/", got ${show(drain.path)}`);
      return { lifecycle: { preStop: { httpGet: { path: drain.path!, port } } } };
  }
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
