import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Autoscaling } from './autoscaling';
import { KServeBackendOptions, KServeDeploymentMode } from './backend';
import { ServingClient } from './clients';
import type { RolloutOptions } from './model-serving';
import { ServingTrack, intOrString } from './util';
import { ServingPort } from './runtime';

/** Inputs of {@link renderInferenceService}. @internal */
export interface InferenceServiceInput {
  readonly track: ServingTrack;
  readonly autoscaling: Autoscaling;
  readonly options: KServeBackendOptions;
  readonly rollout: Required<RolloutOptions>;
  readonly maxUnavailable: number | string;
  readonly allowFrom: ServingClient[];
  /** Egress rules of the predictor pods (DNS, the declared fetches). */
  readonly egress: k8s.NetworkPolicyEgressRule[];
  readonly apiPorts: ServingPort[];
  /** Ingress rules beyond the clients': Prometheus scraping the metrics port. */
  readonly metricsIngress: k8s.NetworkPolicyIngressRule[];
}

/**
 * Renders a KServe InferenceService (`serving.kserve.io/v1beta1`) with the pod of a ModelServing
 * track, plus (in RawDeployment/Standard mode) a PodDisruptionBudget and a NetworkPolicy.
 * @internal
 */
export function renderInferenceService(scope: Construct, input: InferenceServiceInput): ApiObject {
  const { track, autoscaling, options } = input;
  const mode = options.deploymentMode ?? KServeDeploymentMode.RAW_DEPLOYMENT;
  const raw = mode !== KServeDeploymentMode.SERVERLESS;
  const pod = k8s.toJson_PodSpec(track.podSpec)!;
  const server = { ...pod.containers[0] };
  if (track.sleepSeconds !== undefined) server.lifecycle = { preStop: { sleep: { seconds: track.sleepSeconds } } };
  // An InferenceService serves one container port: the primary API port.
  server.ports = (server.ports as any[]).filter((p) => p.name === input.apiPorts[0].name);

  const annotations: Record<string, string> = { 'serving.kserve.io/deploymentMode': mode };
  const predictor: Record<string, any> = { ...pod };
  delete predictor.containers;
  if (options.model) {
    // A ServingRuntime of the cluster provides image, command, ports and probes.
    const model: Record<string, any> = {
      modelFormat: { name: options.model.format },
      storageUri: options.model.storageUri,
      runtime: options.model.runtime,
      protocolVersion: options.model.protocolVersion,
      args: track.runtime.userArgs.length > 0 ? track.runtime.userArgs : undefined,
      env: server.env,
      resources: server.resources,
      volumeMounts: server.volumeMounts,
      securityContext: server.securityContext,
      lifecycle: server.lifecycle,
    };
    predictor.model = dropUndefined(model);
  } else {
    predictor.containers = [{ ...server, name: 'kserve-container' }];
  }
  predictor.minReplicas = autoscaling.min;
  predictor.maxReplicas = autoscaling.max;
  if (autoscaling.kind === 'cpu') {
    if (raw) annotations['serving.kserve.io/autoscalerClass'] = 'hpa';
    predictor.scaleMetric = 'cpu';
    predictor.scaleMetricType = 'Utilization';
    predictor.scaleTarget = autoscaling.cpuOptions!.targetUtilization;
  } else if (autoscaling.kind === 'keda') {
    const o = autoscaling.kedaOptions!;
    annotations['serving.kserve.io/autoscalerClass'] = 'keda';
    predictor.autoScaling = {
      metrics: [{
        type: 'External',
        external: {
          metric: { backend: 'prometheus', serverAddress: o.serverAddress, query: o.query },
          target: { type: 'Value', value: String(o.threshold) },
        },
      }],
    };
  } else if (raw) {
    annotations['serving.kserve.io/autoscalerClass'] = 'none';
  }
  if (raw) {
    predictor.deploymentStrategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: input.rollout.maxSurge, maxUnavailable: input.rollout.maxUnavailable },
    };
  }
  if (Object.keys(track.podAnnotations).length > 0) predictor.annotations = { ...track.podAnnotations };
  predictor.labels = { ...track.labels };

  const isvc = new ApiObject(scope, 'Resource', {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: track.name, labels: track.labels, annotations },
    spec: { predictor: dropUndefined(predictor) },
  });

  if (raw) {
    new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
      metadata: { name: track.name, labels: track.labels },
      spec: { maxUnavailable: intOrString(input.maxUnavailable), selector: { matchLabels: track.selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    const port = input.apiPorts[0].port;
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
      metadata: { name: track.name, labels: track.labels },
      spec: {
        podSelector: { matchLabels: track.selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ...(input.allowFrom.length > 0
            ? [{ from: input.allowFrom.map((c) => c.peer), ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(options.model ? 8080 : port) }] }]
            : []),
          ...input.metricsIngress,
        ],
        egress: input.egress,
      },
    });
  }
  return isvc;
}

function dropUndefined(obj: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}
