import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { ExternalEndpoint, NetworkFlow, PlainApiObject, dnsFlow, endpointFlows, externalEgressRule, fail, l1Json, show } from '../core';
import { FrameworkPort } from './framework';

/** A TCP port range. */
export interface PortRange {
  /** First port. */
  readonly from: number;
  /** Last port (inclusive). */
  readonly to: number;
}

/** Network isolation of the training pods. */
export interface TrainingNetworkOptions {
  /**
   * Render the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * TCP ports the nodes may also use among themselves besides the framework ports: NCCL,
   * Gloo and MPI open ephemeral ports for collectives, so a policy limited to the
   * rendezvous port breaks multi-node training on CNIs that enforce it. `false` allows only
   * the framework ports (e.g. with RDMA networks that bypass the pod network).
   * @default { from: 1024, to: 65535 }
   */
  readonly collectivePorts?: PortRange | false;
  /**
   * Extra egress rules (object storage, experiment tracking, package mirrors).
   * @default - none
   */
  readonly extraEgress?: k8s.NetworkPolicyEgressRule[];
  /**
   * Hosts outside the cluster the trainer connects to (experiment tracking, package
   * mirrors): declared as flows and allowed (any address on their ports).
   * @default - none
   */
  readonly egressTo?: ExternalEndpoint[];
  /**
   * Egress to any address for the datasets' fetches: `undefined` allows exactly the ports
   * of the declared fetch flows (443 for HTTPS, object storage and the Hugging Face Hub; the
   * URL's port for `http(s)://host:port` sources); `true` also allows TCP 443; `false`
   * allows none (the fetches then need `extraEgress`).
   * @default - the ports of the datasets' fetch flows
   */
  readonly allowHttpsEgress?: boolean;
}

/** Validates a port range. */
export function validatePortRange(scope: Construct, range: PortRange): void {
  for (const p of [range.from, range.to]) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) fail(scope, `network.collectivePorts must be integers 1..65535, got ${show(range)}`);
  }
  if (range.from > range.to) fail(scope, `network.collectivePorts.from must not exceed .to, got ${show(range)}`);
}

/** Inputs of {@link renderPeerNetworkPolicy}. */
export interface PeerNetworkPolicyOptions {
  /** Policy name. */
  readonly name: string;
  /** Labels of the policy object. */
  readonly labels: Record<string, string>;
  /** Labels selecting exactly the job's pods. */
  readonly podSelector: Record<string, string>;
  /** Framework ports. */
  readonly ports: FrameworkPort[];
  /** Network options. */
  readonly network?: TrainingNetworkOptions;
  /** Flows of the attached datasets (their fetch egress is allowed). */
  readonly datasetFlows: readonly NetworkFlow[];
}

/**
 * A NetworkPolicy for the job's pods: ingress only from each other (framework ports, plus
 * the collective port range), egress to each other on the same ports, DNS (kube-dns in
 * kube-system, UDP/TCP 53), HTTPS when datasets fetch, and `extraEgress`.
 */
export function renderPeerNetworkPolicy(scope: Construct, id: string, options: PeerNetworkPolicyOptions): ApiObject | undefined {
  const network = options.network ?? {};
  if (network.enabled === false) return undefined;
  const collective = network.collectivePorts === undefined ? { from: 1024, to: 65535 } : network.collectivePorts;
  if (collective !== false) validatePortRange(scope, collective);
  const peerPorts: k8s.NetworkPolicyPort[] = options.ports.map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p.port) }));
  if (collective !== false) {
    peerPorts.push({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(collective.from), endPort: collective.to > collective.from ? collective.to : undefined });
  }
  const peers: k8s.NetworkPolicyPeer[] = [{ podSelector: { matchLabels: options.podSelector } }];
  const egress: k8s.NetworkPolicyEgressRule[] = [
    { to: peers, ports: peerPorts },
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [
        { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
        { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
      ],
    },
  ];
  // Stryker disable next-line StringLiteral: these flows only feed externalEgressRule, which reads direction, peer kind and ports, never purpose or host
  const httpsFlow: NetworkFlow = { purpose: 'https', direction: 'egress', peer: { kind: 'external', host: '*' }, ports: [{ port: 443, protocol: 'TCP' }], construct: scope.node.path };
  const https: NetworkFlow[] = network.allowHttpsEgress === true ? [httpsFlow] : [];
  const fetches = network.allowHttpsEgress === false ? [] : options.datasetFlows;
  const rule = externalEgressRule([...fetches, ...https, ...endpointFlows(scope, 'network.egressTo', network.egressTo)]);
  if (rule) egress.push(rule);
  egress.push(...(network.extraEgress ?? []));
  const spec: k8s.NetworkPolicySpec = {
    podSelector: { matchLabels: options.podSelector },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: peers, ports: peerPorts }],
    egress,
  };
  const l1 = l1Json(spec, k8s.toJson_NetworkPolicySpec);
  const body = {
    apiVersion: k8s.KubeNetworkPolicy.GVK.apiVersion,
    kind: k8s.KubeNetworkPolicy.GVK.kind,
    metadata: { name: options.name, labels: options.labels },
    spec: l1.json,
  };
  // Stryker disable next-line ObjectLiteral: `canonical` only skips re-sorting an already canonical body (a fast path); the YAML is the same without it (test/core plain-api-object tests)
  return new PlainApiObject(scope, id, body, { canonical: l1.canonical });
}

/** Inputs of {@link renderRendezvousService}. */
export interface RendezvousServiceOptions {
  /** Service name (the pods' `subdomain`). */
  readonly name: string;
  /** Labels of the Service object. */
  readonly labels: Record<string, string>;
  /** Selector matching exactly the job's pods. */
  readonly selector: Record<string, string>;
  /** Framework ports. */
  readonly ports: FrameworkPort[];
}

/**
 * The headless Service giving each pod of an Indexed Job a DNS name
 * `<hostname>.<service>`: `clusterIP: None`, `publishNotReadyAddresses: true` (peers resolve
 * each other before any is Ready, which a rendezvous needs).
 */
export function renderRendezvousService(scope: Construct, id: string, options: RendezvousServiceOptions): ApiObject {
  return new PlainApiObject(scope, id, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: options.name, labels: options.labels },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: options.selector,
      ports: options.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })),
    },
  });
}

/** Inputs of {@link trainingFlows}. */
export interface TrainingFlowsOptions {
  /** Labels selecting exactly the job's pods. */
  readonly podSelector: Record<string, string>;
  /** Framework ports (rendezvous). */
  readonly ports: FrameworkPort[];
  /** Number of nodes (no peer flows for one node). */
  readonly nodes: number;
  /** Network options (the collective port range). */
  readonly network?: TrainingNetworkOptions;
  /** Flows of the attached datasets. */
  readonly datasetFlows: readonly NetworkFlow[];
}

/**
 * The flows the pods of a training job need: DNS, the datasets' fetches and, with more than
 * one node, the rendezvous (framework ports) and collectives (the collective port range)
 * between the job's own pods, in both directions.
 */
export function trainingFlows(scope: Construct, options: TrainingFlowsOptions): NetworkFlow[] {
  const construct = scope.node.path;
  const flows: NetworkFlow[] = [dnsFlow(construct), ...options.datasetFlows, ...endpointFlows(scope, 'network.egressTo', options.network?.egressTo)];
  if (options.nodes > 1) {
    const peer = { kind: 'pods' as const, podLabels: { ...options.podSelector } };
    const rendezvous = options.ports.map((p) => ({ port: p.port, protocol: 'TCP' as const }));
    const collective = options.network?.collectivePorts === undefined ? { from: 1024, to: 65535 } : options.network.collectivePorts;
    for (const direction of ['egress', 'ingress'] as const) {
      if (rendezvous.length > 0) flows.push({ purpose: 'rendezvous', direction, peer, ports: rendezvous, construct });
      if (collective !== false) {
        flows.push({
          purpose: 'collectives',
          direction,
          peer,
          ports: [{ port: collective.from, ...(collective.to > collective.from ? { endPort: collective.to } : {}), protocol: 'TCP' }],
          construct,
        });
      }
    }
  }
  return flows;
}
