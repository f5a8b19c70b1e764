/**
 * Helpers for the network flows constructs declare (see `app-model.ts`): the common flows
 * (DNS) and the NetworkPolicy rules that allow a set of declared flows.
 */
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { FlowPort, NetworkFlow } from './app-model';
import { fail, show } from './errors';

/** Host of the Hugging Face Hub (HTTPS): dataset fetches and model servers download from it. */
export const HUGGING_FACE_HUB_HOST = 'huggingface.co';

/** Labels of the kube-system namespace (`kubernetes.io/metadata.name` is set by the API server). */
export const KUBE_SYSTEM_NAMESPACE_LABELS: Readonly<Record<string, string>> = { 'kubernetes.io/metadata.name': 'kube-system' };
/** Labels of the cluster DNS pods (CoreDNS keeps the kube-dns label). */
export const KUBE_DNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

/** Namespace labels selecting namespace `name` (`kubernetes.io/metadata.name`). */
export function namespaceLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name };
}

/** The DNS lookups every pod makes: egress to kube-dns in kube-system, UDP and TCP 53. */
export function dnsFlow(construct: string): NetworkFlow {
  return {
    purpose: 'dns',
    direction: 'egress',
    peer: { kind: 'namespace', namespaceLabels: { ...KUBE_SYSTEM_NAMESPACE_LABELS }, podLabels: { ...KUBE_DNS_POD_LABELS } },
    ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    construct,
  };
}

/** The NetworkPolicy port of a flow port. */
export function policyPort(p: FlowPort): k8s.NetworkPolicyPort {
  return { protocol: p.protocol ?? 'TCP', port: k8s.IntOrString.fromNumber(p.port), endPort: p.endPort };
}

/**
 * One egress rule allowing every `external` flow of `flows`: to any address (`0.0.0.0/0`;
 * a NetworkPolicy cannot select by host name) on the flows' ports, deduplicated and sorted.
 * Undefined when there are none.
 */
export function externalEgressRule(flows: readonly NetworkFlow[]): k8s.NetworkPolicyEgressRule | undefined {
  const ports = new Map<string, FlowPort>();
  for (const f of flows) {
    if (f.direction !== 'egress' || f.peer.kind !== 'external') continue;
    for (const p of f.ports) ports.set(`${p.protocol ?? 'TCP'}/${String(p.port).padStart(5, '0')}/${p.endPort ?? ''}`, p);
  }
  if (ports.size === 0) return undefined;
  // ordered by key (UTF-16 code units, as `<` compares): protocol, zero-padded port, end port
  const sorted = [...ports.keys()].sort().map((k) => policyPort(ports.get(k)!));
  return { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: sorted };
}

/** A host outside the cluster a workload's pods connect to (experiment tracking, a package mirror...). */
export interface ExternalEndpoint {
  /** DNS name of the host, e.g. `api.wandb.ai`. */
  readonly host: string;
  /**
   * TCP port.
   * @default 443
   */
  readonly port?: number;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The egress flows to `endpoints` (validated: host names, ports 1..65535). */
export function endpointFlows(scope: IConstruct, what: string, endpoints: readonly ExternalEndpoint[] | undefined): NetworkFlow[] {
  return (endpoints ?? []).map((e) => {
    if (typeof e?.host !== 'string' || !HOST.test(e.host)) fail(scope, `${what} host must be a DNS name, got ${show(e?.host)}`);
    const port = e.port ?? 443;
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(scope, `${what} port must be an integer 1..65535, got ${show(port)}`);
    return { purpose: `egress to ${e.host}`, direction: 'egress' as const, peer: { kind: 'external' as const, host: e.host }, ports: [{ port, protocol: 'TCP' as const }], construct: scope.node.path };
  });
}
