// The network flows of a ModelServing's pods and the egress rules allowing them (internal).
import { k8s } from 'cdk8s-plus-28';
import { NetworkFlow } from '../core/app-model';
import { HUGGING_FACE_HUB_HOST, KUBE_DNS_POD_LABELS, KUBE_SYSTEM_NAMESPACE_LABELS, dnsFlow, externalEgressRule, namespaceLabels } from '../core/flows';
import { Expose } from './expose';
import { Metrics } from './metrics';
import { ServingPort, ServingRuntime } from './runtime';

/**
 * The flows of the server pods: DNS, the model fetch (init container), the runtime's own
 * download of a Hugging Face model id, the ingress controller or gateway reaching the
 * exposed port, and Prometheus reaching the metrics port.
 */
export function serverFlows(
  construct: string, runtime: ServingRuntime, modelFlows: NetworkFlow[], expose: Expose, metrics: Metrics, servicePorts: ServingPort[], apiPort: ServingPort,
  namespace: string | undefined,
): NetworkFlow[] {
  const flows: NetworkFlow[] = [dnsFlow(construct), ...modelFlows];
  const model = runtime.model;
  if ((runtime.kind === 'vllm' || runtime.kind === 'tgi') && model !== undefined && !model.startsWith('/') && !model.startsWith('.')) {
    flows.push({ purpose: `download model ${model}`, direction: 'egress', peer: { kind: 'external', host: HUGGING_FACE_HUB_HOST }, ports: [{ port: 443, protocol: 'TCP' }], construct });
  }
  const exposed = servicePorts.find((p) => p.name === expose.portName) ?? apiPort;
  if (expose.kind === 'ingress') {
    const ns = expose.ingressOptions?.controllerNamespace ?? 'ingress-nginx';
    flows.push({ purpose: 'ingress controller', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: namespaceLabels(ns) }, ports: [{ port: exposed.port, protocol: 'TCP' }], construct });
  } else if (expose.kind === 'httpRoute') {
    const o = expose.httpRouteOptions!;
    // The Gateway's data-plane pods are no pods of the app: a namespace peer, by default the
    // serving namespace (the NetworkPolicy admits its pods). Unknown without a namespace.
    const ns = o.gatewayNamespace ?? o.gateway.namespace ?? namespace;
    if (ns) flows.push({ purpose: 'gateway', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: namespaceLabels(ns) }, ports: [{ port: exposed.port, protocol: 'TCP' }], construct });
  }
  if (metrics.kind !== 'none') {
    const metricsPort = servicePorts.find((p) => p.name === runtime.metrics.portName);
    if (metricsPort) {
      flows.push({ purpose: 'metrics scrape', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: namespaceLabels(metrics.prometheusNamespace) }, ports: [{ port: metricsPort.port, protocol: 'TCP' }], construct });
    }
  }
  return flows;
}

/** Egress of the server pods: DNS, and any address on the ports of the declared external flows. */
export function serverEgress(flows: readonly NetworkFlow[]): k8s.NetworkPolicyEgressRule[] {
  const rules: k8s.NetworkPolicyEgressRule[] = [{
    to: [{ namespaceSelector: { matchLabels: { ...KUBE_SYSTEM_NAMESPACE_LABELS } }, podSelector: { matchLabels: { ...KUBE_DNS_POD_LABELS } } }],
    ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
  }];
  const external = externalEgressRule(flows);
  if (external) rules.push(external);
  return rules;
}

/** The fetch of KServe's storage initializer for `storageUri` (none for `pvc://` or unknown schemes). */
export function storageUriFlows(storageUri: string | undefined, construct: string): NetworkFlow[] {
  if (storageUri === undefined) return [];
  const flow = (host: string, port: number): NetworkFlow[] => [{
    purpose: 'fetch model (storage initializer)', direction: 'egress', peer: { kind: 'external', host }, ports: [{ port, protocol: 'TCP' }], construct,
  }];
  const m = /^([a-z0-9]+):\/\/([^/]*)/.exec(storageUri);
  if (!m) return [];
  switch (m[1]) {
    case 's3': return flow(`${m[2]}.s3.amazonaws.com`, 443);
    case 'gs': return flow('storage.googleapis.com', 443);
    case 'hf': return flow(HUGGING_FACE_HUB_HOST, 443);
    case 'http':
    case 'https': {
      try {
        const u = new URL(storageUri);
        return flow(u.hostname, u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);
      } catch {
        return [];
      }
    }
    default: return [];
  }
}
