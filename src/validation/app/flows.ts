/**
 * Network flows: every flow a construct declares (`ml.cdk8s.io/flows`) and the implicit DNS
 * flow of every egress-isolated pod are checked against the app's NetworkPolicies with
 * real NetworkPolicy semantics (`netpol.ts`).
 *
 * Peers outside the app: a `namespace` peer is a pod with the declared namespace and pod
 * labels (its own namespace's policies are the app's if the app renders them, else none);
 * an `external` host has no known address: its flow is allowed when egress allows every
 * public IPv4 address (a rule without `to`, or an ipBlock `0.0.0.0/0` whose excepts are
 * private/link-local only). A narrower ipBlock on the flow's ports may or may not contain
 * the host: a *warning* (`strict` fails on it), since the check cannot prove it either way.
 */
import { FlowPort, NetworkFlow } from '../../core/app-model';
import { show } from '../../core/errors';
import { PodView } from '../policies/pods';
import { AddressEndpoint, Endpoint, NamedPort, PodEndpoint, PortRange, egressToPublicHost, isIsolated, parseCidr, publicInternet, selectingPolicies, trafficAllowed } from './netpol';
import { AppModel, finding, label } from './model';
import { AppFinding } from './rules';

/** The endpoint of a pod template. */
export function podEndpoint(model: AppModel, pod: PodView): PodEndpoint {
  const ports: NamedPort[] = [];
  for (const c of pod.containers) {
    const declared: unknown = c.container?.ports;
    if (!Array.isArray(declared)) continue;
    for (const p of declared) {
      if (typeof p?.name === 'string' && typeof p.containerPort === 'number') ports.push({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' });
    }
  }
  return { kind: 'pod', namespace: pod.namespace, labels: pod.labels, namespaceLabels: model.labelsOfNamespace(pod.namespace), ports };
}

const KUBE_DNS: PodEndpoint = {
  kind: 'pod',
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kube-dns' },
  namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
  ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
};

const range = (p: FlowPort): PortRange => ({ protocol: p.protocol ?? 'TCP', from: p.port, to: p.endPort ?? p.port });
const showPort = (p: PortRange) => `${p.protocol} ${p.from}${p.to !== p.from ? `-${p.to}` : ''}`;

/** Policies that isolate `pod` for a direction (for messages). */
function blockers(model: AppModel, pod: PodEndpoint, direction: 'Ingress' | 'Egress'): any[] {
  return selectingPolicies(model.networkPolicies, pod, direction);
}

function whoBlocks(model: AppModel, src: Endpoint, dst: Endpoint): { side: string; policies: any[] } {
  const egress = src.kind === 'pod' ? blockers(model, src, 'Egress') : [];
  const ingress = dst.kind === 'pod' ? blockers(model, dst, 'Ingress') : [];
  const parts = [
    egress.length > 0 ? `egress of the source (policies ${show(egress.map((p) => p.metadata?.name))})` : '',
    ingress.length > 0 ? `ingress of the destination (policies ${show(ingress.map((p) => p.metadata?.name))})` : '',
  ].filter(Boolean);
  return { side: parts.join(' and/or '), policies: [...egress, ...ingress] };
}

/** Checks one declared flow of one pod template. */
function checkFlow(model: AppModel, obj: any, pod: PodView, flow: NetworkFlow, index: number): AppFinding[] {
  const self = podEndpoint(model, pod);
  const path = `/metadata/annotations/ml.cdk8s.io~1flows`;
  const construct = flow.construct ? ` of ${flow.construct}` : '';
  const what = `flow ${show(flow.purpose)}${construct} (${flow.direction} ${describePeer(flow)} on ${flow.ports.map((p) => showPort(range(p))).join(', ')})`;
  const out: AppFinding[] = [];
  const peer = flow.peer;
  let peers: Array<{ endpoint: Endpoint; objects: any[]; name: string }> = [];
  if (peer.kind === 'pods') {
    const ns = peer.namespace ?? pod.namespace;
    const matched = model.pods.filter((p) => p.namespace === ns && Object.entries(peer.podLabels).every(([k, v]) => p.labels[k] === v));
    if (matched.length === 0) {
      return [finding(obj, 'app-flow', 'error', path, `${what}: no pod template of the app in namespace ${show(ns)} carries labels ${show(peer.podLabels)}`,
        'render the peer workload, or fix the labels the flow names')];
    }
    peers = matched.map((p) => ({ endpoint: podEndpoint(model, p), objects: [p.owner], name: label(p.owner) }));
  } else if (peer.kind === 'namespace') {
    const ns = peer.namespaceLabels['kubernetes.io/metadata.name'] ?? '<outside the app>';
    peers = [{
      endpoint: { kind: 'pod', namespace: ns, labels: peer.podLabels ?? {}, namespaceLabels: { ...peer.namespaceLabels }, ports: [] },
      objects: [],
      name: `pods ${show(peer.podLabels ?? {})} in namespaces ${show(peer.namespaceLabels)}`,
    }];
  } else if (peer.kind === 'cidr') {
    const r = parseCidr(peer.cidr);
    if (!r) {
      return [finding(obj, 'app-declaration', 'error', path, `${what}: cidr ${show(peer.cidr)} is no IPv4 CIDR the check can evaluate`, 'declare an IPv4 CIDR such as 203.0.113.0/24')];
    }
    peers = [{ endpoint: { kind: 'addresses', ranges: [r] }, objects: [], name: `addresses ${peer.cidr}` }];
  } else if (flow.direction === 'egress') {
    // An external host (the declarations are validated: no other peer kind is left).
    for (const p of flow.ports) {
      const verdict = egressToPublicHost(model.networkPolicies, self, range(p));
      if (verdict === 'allowed') continue;
      const egress = blockers(model, self, 'Egress');
      out.push(finding(obj, 'app-flow', verdict === 'denied' ? 'error' : 'warning', path,
        verdict === 'denied'
          ? `${what} is blocked: ${label(obj)} is egress-isolated by NetworkPolicies ${show(egress.map((e) => e.metadata?.name))} and none allows ${showPort(range(p))} to public addresses`
          : `${what} cannot be proven: NetworkPolicies ${show(egress.map((e) => e.metadata?.name))} allow ${showPort(range(p))} only to some ipBlocks, which may or may not contain ${show(peer.host)}`,
        `allow egress to ${peer.host} on ${showPort(range(p))}: a NetworkPolicy selecting the pods with policyTypes [Egress] and a rule with ports [{port: ${p.port}, protocol: ${p.protocol ?? 'TCP'}}] to ipBlock 0.0.0.0/0 except private ranges (cdk8s-ml constructs render it when they declare the flow)`,
        egress));
    }
    return out;
  } else {
    peers = [{ endpoint: { kind: 'addresses', ranges: publicInternet() } as AddressEndpoint, objects: [], name: `public addresses (${peer.host})` }];
  }
  for (const other of peers) {
    const [src, dst] = flow.direction === 'egress' ? [self, other.endpoint] : [other.endpoint, self];
    for (const p of flow.ports) {
      if (trafficAllowed(model.networkPolicies, src, dst, range(p))) continue;
      const blocked = whoBlocks(model, src, dst);
      const [from, to] = flow.direction === 'egress' ? [label(obj), other.name] : [other.name, label(obj)];
      out.push(finding(obj, 'app-flow', 'error', path,
        `${what} is blocked from ${from} to ${to} on ${showPort(range(p))} by the ${blocked.side}`,
        `add a NetworkPolicy rule allowing ${showPort(range(p))} from ${from} to ${to}: in the source's egress and the destination's ingress wherever either is isolated (flow #${index})`,
        [...other.objects, ...blocked.policies]));
    }
  }
  return out;
}

function describePeer(flow: NetworkFlow): string {
  const p = flow.peer;
  switch (p.kind) {
    case 'pods': return `pods ${show(p.podLabels)}${p.namespace ? ` in ${show(p.namespace)}` : ''}`;
    case 'namespace': return `namespace ${show(p.namespaceLabels)}${p.podLabels ? ` pods ${show(p.podLabels)}` : ''}`;
    case 'external': return `host ${p.host}`;
    case 'cidr': return `cidr ${p.cidr}`;
    default: return show(p);
  }
}

/** Every declared flow, and DNS for every egress-isolated pod. */
export function checkFlows(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  for (const [obj, flows] of model.flows) {
    const pods = model.podsRunningFor(obj);
    if (pods.length === 0) {
      out.push(finding(obj, 'app-declaration', 'warning', '/metadata/annotations/ml.cdk8s.io~1flows',
        `${flows.length} flow(s) are declared on an object without pod templates, so no pods are known to need them: ${show(flows.map((f) => f.purpose))}`,
        'declare flows on the workload object whose pods open or accept the connections (Job, Deployment, CronJob, JobSet, ...)'));
    }
    for (const pod of pods) flows.forEach((f, i) => out.push(...checkFlow(model, obj, pod, f, i)));
  }
  for (const pod of model.pods) {
    if (pod.spec.hostNetwork === true || pod.spec.dnsPolicy === 'None') continue;
    const self = podEndpoint(model, pod);
    if (!isIsolated(model.networkPolicies, self, 'Egress')) continue;
    const missing = (['UDP', 'TCP'] as const).filter((protocol) => !trafficAllowed(model.networkPolicies, self, KUBE_DNS, { protocol, from: 53, to: 53 }));
    if (missing.length === 0) continue;
    const egress = blockers(model, self, 'Egress');
    out.push(finding(pod.owner, 'app-dns', 'error', pod.metadataPath,
      `the pods of the template at ${pod.path} are egress-isolated by NetworkPolicies ${show(egress.map((e) => e.metadata?.name))} and cannot reach kube-dns on ${missing.join(' and ')} 53: every name lookup fails`,
      'allow egress to namespace kube-system (kubernetes.io/metadata.name: kube-system), pods k8s-app: kube-dns, on UDP 53 and TCP 53 (MlNamespace renders this rule)',
      egress));
  }
  return out;
}
