/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), evaluated offline on rendered
 * objects. Pure functions, no knowledge of cdk8s-ml: the flow check (`flows.ts`) asks
 * "may this traffic pass?", this module answers with the API's documented rules:
 *
 * - A pod is *isolated* for a direction iff some policy in its namespace selects it
 *   (`podSelector`, `{}` = every pod) and lists that direction in `policyTypes`. Without
 *   `policyTypes`, a policy is `[Ingress]`, plus `Egress` when it has egress rules (the API
 *   server's defaulting: `egress: []` alone does not make it an egress policy).
 * - A non-isolated pod allows everything in that direction. An isolated pod allows the
 *   union of the rules of every policy that selects it with that type; `ingress: []` (or
 *   no `ingress`) under `Ingress` allows nothing.
 * - A rule with `from`/`to` absent or empty matches every peer; with `ports` absent or empty
 *   every port. A peer is a `podSelector` (pods in the policy's namespace), a
 *   `namespaceSelector` (every pod in the selected namespaces), both (AND: selected pods in
 *   selected namespaces), or an `ipBlock` (cidr minus `except`).
 * - A port is a number, a range (`port`..`endPort`), a name (resolved against the
 *   *destination* pod's container ports of that protocol), or absent (every port of the
 *   protocol); the protocol defaults to TCP.
 *
 * Two choices where the API leaves behaviour to the network plugin:
 * - `ipBlock` never matches pods of the app: pod IPs are unknown offline, and plugins
 *   differ (Cilium treats `0.0.0.0/0` as "outside the cluster"). Allow pods by selector.
 * - A named port in a rule towards an address (not a pod) matches nothing.
 *
 * Traffic to an address range is allowed only when every address of the range is allowed
 * for every port of the flow (interval arithmetic; IPv4 only, an IPv6 `ipBlock` never
 * matches an IPv4 range).
 */

/** A label map. */
export type Labels = Readonly<Record<string, string>>;

/** A container port of a pod (for named ports). */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: string;
}

/** A pod (template) of the app. */
export interface PodEndpoint {
  readonly kind: 'pod';
  readonly namespace: string;
  readonly labels: Labels;
  /** Labels of its namespace (for `namespaceSelector`); `kubernetes.io/metadata.name` is added. */
  readonly namespaceLabels: Labels;
  /** Named container ports (for named ports in policies). */
  readonly ports: readonly NamedPort[];
}

/** Addresses outside the app: a set of IPv4 ranges. */
export interface AddressEndpoint {
  readonly kind: 'addresses';
  /** Inclusive IPv4 ranges as numbers (see {@link parseCidr}). */
  readonly ranges: readonly Range[];
}

/** Either end of a connection. */
export type Endpoint = PodEndpoint | AddressEndpoint;

/** An inclusive numeric range. */
export interface Range {
  readonly from: number;
  readonly to: number;
}

/** Ports a connection uses: `from`..`to` of one protocol. */
export interface PortRange extends Range {
  readonly protocol: string;
}

/** A NetworkPolicy object (as rendered). */
export type NetworkPolicyObject = any;

const METADATA_NAME = 'kubernetes.io/metadata.name';

/** Namespace of an object, `''` when unset. */
function namespaceOf(obj: any): string {
  return typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : '';
}

const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);

/** True when a `LabelSelector` selects `labels` (`{}` selects everything; malformed selects nothing). */
export function labelSelectorMatches(selector: unknown, labels: Labels): boolean {
  if (!selector || typeof selector !== 'object' || Array.isArray(selector)) return false;
  const s = selector as any;
  if (s.matchLabels !== undefined && (typeof s.matchLabels !== 'object' || s.matchLabels === null)) return false;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  if (s.matchExpressions !== undefined && !Array.isArray(s.matchExpressions)) return false;
  for (const e of list(s.matchExpressions)) {
    const has = typeof e?.key === 'string' && Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: unknown[] = list(e?.values);
    switch (e?.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** The policy types of a policy, with the API's defaulting. */
export function policyTypes(policy: NetworkPolicyObject): Array<'Ingress' | 'Egress'> {
  const spec = policy?.spec ?? {};
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) {
    return spec.policyTypes.filter((t: unknown): t is 'Ingress' | 'Egress' => t === 'Ingress' || t === 'Egress');
  }
  // The API server's defaulting: Egress only when the policy has egress rules (`egress: []` does not count).
  return Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Direction of traffic relative to a selected pod. */
export type Direction = 'Ingress' | 'Egress';

/** The policies that select `pod` with `direction` among their types. */
export function selectingPolicies(policies: readonly NetworkPolicyObject[], pod: PodEndpoint, direction: Direction): NetworkPolicyObject[] {
  return candidatePolicies(policies, pod).filter((p) => policyTypes(p).includes(direction) && labelSelectorMatches(p.spec?.podSelector, pod.labels));
}

/**
 * The policies of `pod`'s namespace that may select it, in list order: a policy whose
 * `podSelector.matchLabels` requires a label `k=v` can only select pods carrying it, so policies
 * are indexed by their first required pair and a pod looks up its own labels (plus the policies
 * with no required pair). An app with a thousand policies in a namespace then checks a few per
 * pod instead of all of them; `labelSelectorMatches` still decides.
 */
function candidatePolicies(policies: readonly NetworkPolicyObject[], pod: PodEndpoint): NetworkPolicyObject[] {
  let byNamespace = BY_LABEL.get(policies);
  // Stryker disable next-line ConditionalExpression: a cache; rebuilding it on every call gives the same policies (only slower)
  if (!byNamespace) {
    byNamespace = new Map();
    BY_LABEL.set(policies, byNamespace);
  }
  let index = byNamespace.get(pod.namespace);
  // Stryker disable next-line ConditionalExpression: a cache, as above
  if (!index) {
    // Stryker disable next-line ArrayDeclaration: an extra non-policy entry is filtered out by selectingPolicies (no podSelector selects nothing)
    index = { byPair: new Map(), unanchored: [], order: new Map() };
    inNamespace(policies, pod.namespace).forEach((p, i) => {
      index!.order.set(p, i);
      const first = requiredLabel(p.spec?.podSelector);
      if (first === undefined) {
        index!.unanchored.push(p);
        return;
      }
      const key = JSON.stringify(first);
      const bucket = index!.byPair.get(key);
      if (bucket) bucket.push(p);
      else index!.byPair.set(key, [p]);
    });
    byNamespace.set(pod.namespace, index);
  }
  // Stryker disable next-line ArrayDeclaration: an extra non-policy entry is filtered out by selectingPolicies
  const found = [...index.unanchored];
  // Stryker disable next-line ArrayDeclaration: an extra non-policy entry is filtered out by selectingPolicies
  for (const pair of Object.entries(pod.labels)) found.push(...(index.byPair.get(JSON.stringify(pair)) ?? []));
  // Stryker disable next-line ConditionalExpression: a fast path; sorting zero or one policy changes nothing
  if (found.length < 2) return found;
  return found.sort((a, b) => index!.order.get(a)! - index!.order.get(b)!);
}

/**
 * A `[key, value]` every label set the selector selects must carry (its first string
 * `matchLabels` pair), for label indexes; undefined when it requires none.
 */
export function requiredLabel(selector: any): [string, string] | undefined {
  const ml = selector?.matchLabels;
  if (!ml || typeof ml !== 'object' || Array.isArray(ml)) return undefined;
  return Object.entries(ml).find((e): e is [string, string] => typeof e[1] === 'string');
}

interface PolicyIndex {
  /** Policies by the JSON of their first required `[key, value]` pair. */
  readonly byPair: Map<string, NetworkPolicyObject[]>;
  /** Policies without a required pair (empty, expression-only or malformed selectors). */
  readonly unanchored: NetworkPolicyObject[];
  /** Position of each policy in the namespace's list. */
  readonly order: Map<NetworkPolicyObject, number>;
}

/** Per policy list and namespace: the label index of {@link candidatePolicies}. */
const BY_LABEL = new WeakMap<readonly NetworkPolicyObject[], Map<string, PolicyIndex>>();

/** Policies by namespace, computed once per policy list (a list is not mutated while checked). */
const BY_NAMESPACE = new WeakMap<readonly NetworkPolicyObject[], Map<string, NetworkPolicyObject[]>>();

function inNamespace(policies: readonly NetworkPolicyObject[], namespace: string): NetworkPolicyObject[] {
  let index = BY_NAMESPACE.get(policies);
  // Stryker disable next-line ConditionalExpression: a cache; rebuilding it on every call gives the same lists (only slower)
  if (!index) {
    index = new Map();
    for (const p of policies) {
      if (p?.kind !== 'NetworkPolicy') continue;
      const ns = namespaceOf(p);
      const list = index.get(ns);
      if (list) list.push(p);
      else index.set(ns, [p]);
    }
    BY_NAMESPACE.set(policies, index);
  }
  // Stryker disable next-line ArrayDeclaration: an extra non-policy entry selects nothing (selectingPolicies)
  return index.get(namespace) ?? [];
}

/** True when `pod` is isolated for `direction`. */
export function isIsolated(policies: readonly NetworkPolicyObject[], pod: PodEndpoint, direction: Direction): boolean {
  return selectingPolicies(policies, pod, direction).length > 0;
}

/** Parses an IPv4 CIDR into an inclusive range; undefined for IPv6 or malformed input. */
export function parseCidr(cidr: unknown): Range | undefined {
  const m = typeof cidr === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim()) : null;
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
  const size = 2 ** (32 - bits);
  const from = Math.floor(ip / size) * size;
  return { from, to: from + size - 1 };
}

/** Private, shared, loopback and link-local IPv4 blocks: what "the public internet" excludes. */
export const NON_PUBLIC_CIDRS: readonly string[] = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];

/** Every IPv4 range minus `remove` (both sorted or not), as sorted disjoint ranges. */
export function subtractRanges(base: readonly Range[], remove: readonly Range[]): Range[] {
  let out = mergeRanges(base);
  for (const r of remove) {
    const next: Range[] = [];
    for (const b of out) {
      if (r.to < b.from || r.from > b.to) {
        next.push(b);
        continue;
      }
      if (r.from > b.from) next.push({ from: b.from, to: r.from - 1 });
      if (r.to < b.to) next.push({ from: r.to + 1, to: b.to });
    }
    out = next;
  }
  return out;
}

/** Sorted, merged copy of `ranges`. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) out[out.length - 1] = { from: last.from, to: Math.max(last.to, r.to) };
    else out.push({ ...r });
  }
  return out;
}

/** The public IPv4 internet: every address but {@link NON_PUBLIC_CIDRS}. */
export function publicInternet(): Range[] {
  return subtractRanges([{ from: 0, to: 2 ** 32 - 1 }], NON_PUBLIC_CIDRS.map((c) => parseCidr(c)!));
}

/** Addresses an `ipBlock` matches (empty for IPv6 or malformed blocks). */
function ipBlockRanges(block: any): Range[] {
  const base = parseCidr(block.cidr); // block: a truthy ipBlock (peerSet filters)
  if (!base) return [];
  const except = list(block.except).map(parseCidr).filter((r): r is Range => r !== undefined);
  return subtractRanges([base], except);
}

/**
 * What a rule's peer list allows: `all` (absent/empty list), or the pods it selects
 * (a predicate) and the addresses it covers.
 */
interface PeerSet {
  readonly all: boolean;
  pods(pod: PodEndpoint): boolean;
  readonly addresses: Range[];
}

function peerSet(peers: unknown, policyNamespace: string): PeerSet {
  const items = list(peers);
  // absent, null, [] (or malformed): every peer
  if (items.length === 0) return { all: true, pods: () => true, addresses: [] };
  const podPeers = items.filter((p) => p && !p.ipBlock && (p.podSelector !== undefined || p.namespaceSelector !== undefined));
  const addresses = mergeRanges(items.filter((p) => p?.ipBlock).flatMap((p) => ipBlockRanges(p.ipBlock)));
  return {
    all: false,
    addresses,
    pods: (pod) => podPeers.some((p) => {
      if (p.namespaceSelector !== undefined) {
        if (!labelSelectorMatches(p.namespaceSelector, { ...pod.namespaceLabels, [METADATA_NAME]: pod.namespace })) return false;
      } else if (pod.namespace !== policyNamespace) {
        return false;
      }
      return p.podSelector === undefined || labelSelectorMatches(p.podSelector, pod.labels);
    }),
  };
}

/** The port ranges a rule's `ports` allow towards `destination` (undefined: every port). */
function rulePorts(ports: unknown, destination: Endpoint): PortRange[] | undefined {
  const items = list(ports);
  if (items.length === 0) return undefined; // absent, null or []: every port
  const out: PortRange[] = [];
  for (const p of items) {
    const protocol = typeof p?.protocol === 'string' ? p.protocol : 'TCP';
    if (p?.port === undefined || p.port === null) {
      out.push({ protocol, from: 0, to: 65535 });
    } else if (typeof p.port === 'number') {
      const to = typeof p.endPort === 'number' ? Math.max(p.port, p.endPort) : p.port;
      out.push({ protocol, from: p.port, to });
    } else if (typeof p.port === 'string') {
      if (/^\d+$/.test(p.port)) out.push({ protocol, from: Number(p.port), to: Number(p.port) });
      else if (destination.kind === 'pod') {
        for (const np of destination.ports) {
          if (np.name === p.port && (np.protocol ?? 'TCP') === protocol) out.push({ protocol, from: np.port, to: np.port });
        }
      }
    }
  }
  return out;
}

/** One allowance of a rule: which peers, which ports (undefined = all). */
interface Allowance {
  readonly peers: PeerSet;
  readonly ports: PortRange[] | undefined;
}

/** The allowances for traffic of `pod` in `direction` (undefined: not isolated, everything passes). */
function allowances(policies: readonly NetworkPolicyObject[], pod: PodEndpoint, direction: Direction, destination: Endpoint): Allowance[] | undefined {
  const selecting = selectingPolicies(policies, pod, direction);
  if (selecting.length === 0) return undefined;
  const out: Allowance[] = [];
  for (const p of selecting) {
    const rules = list(direction === 'Ingress' ? p.spec.ingress : p.spec.egress); // selected: it has a spec
    for (const r of rules) {
      if (!r || typeof r !== 'object') continue;
      out.push({ peers: peerSet(direction === 'Ingress' ? r.from : r.to, namespaceOf(p)), ports: rulePorts(r.ports, destination) });
    }
  }
  return out;
}

/** True when the ranges cover every address of `target`. */
function covers(ranges: readonly Range[], target: readonly Range[]): boolean {
  return subtractRanges(target, ranges).length === 0;
}

const portAllowed = (ports: PortRange[] | undefined, protocol: string, port: number) =>
  ports === undefined || ports.some((r) => r.protocol === protocol && r.from <= port && port <= r.to);

/** Points inside `wanted` where a port can stop being allowed (plus its first port). */
function breakpoints(all: ReadonlyArray<Allowance[] | undefined>, wanted: PortRange): number[] {
  const points = new Set<number>([wanted.from]);
  for (const a of all) {
    for (const al of a ?? []) {
      for (const r of al.ports ?? []) {
        // Only where a range ends can a port stop being allowed (where one starts, the allowed
        // set grows): every port of `wanted` passes iff each segment's first port does.
        if (r.to + 1 <= wanted.to &&
          // Stryker disable next-line EqualityOperator: at r.to + 1 === wanted.from the point is wanted.from, already in the set
          r.to + 1 > wanted.from) points.add(r.to + 1);
      }
    }
  }
  return [...points]; // callers test every (or some) point: order does not matter
}

/** Whether one side (egress of the source or ingress of the destination) lets one port through. */
function sideAllows(side: Allowance[] | undefined, peer: Endpoint, protocol: string, port: number): boolean {
  if (side === undefined) return true;
  if (peer.kind === 'pod') return side.some((a) => a.peers.pods(peer) && portAllowed(a.ports, protocol, port));
  const matching = side.filter((a) => portAllowed(a.ports, protocol, port));
  if (matching.some((a) => a.peers.all)) return true;
  return covers(matching.flatMap((a) => a.peers.addresses), peer.ranges);
}

/**
 * True when every connection from `source` to `destination` on every port of `ports` is
 * allowed: the source's egress (when the source is a pod of the app) and the destination's
 * ingress (when it is a pod of the app) both let it through.
 */
export function trafficAllowed(policies: readonly NetworkPolicyObject[], source: Endpoint, destination: Endpoint, ports: PortRange): boolean {
  const egress = source.kind === 'pod' ? allowances(policies, source, 'Egress', destination) : undefined;
  const ingress = destination.kind === 'pod' ? allowances(policies, destination, 'Ingress', destination) : undefined;
  return breakpoints([egress, ingress], ports).every((port) =>
    sideAllows(egress, destination, ports.protocol, port) && sideAllows(ingress, source, ports.protocol, port));
}

/**
 * Egress of `source` towards a host known only by name, on public addresses: `allowed` when
 * every public address is allowed on every port of `ports`; `unprovable` when only some public
 * addresses are (the host may or may not be one of them), whichever rules allow which ports;
 * `denied` when no public address is allowed on every port.
 */
export function egressToPublicHost(policies: readonly NetworkPolicyObject[], source: PodEndpoint, ports: PortRange): 'allowed' | 'unprovable' | 'denied' {
  const internet: AddressEndpoint = { kind: 'addresses', ranges: publicInternet() };
  if (trafficAllowed(policies, source, internet, ports)) return 'allowed';
  const egress = allowances(policies, source, 'Egress', internet) ?? [];
  // The public addresses allowed on every port so far (each segment between breakpoints
  // is allowed as its first port is).
  let open = internet.ranges;
  for (const port of breakpoints([egress], ports)) {
    const matching = egress.filter((a) => portAllowed(a.ports, ports.protocol, port));
    if (matching.some((a) => a.peers.all)) continue;
    open = subtractRanges(open, subtractRanges(open, matching.flatMap((a) => a.peers.addresses)));
  }
  return open.length > 0 ? 'unprovable' : 'denied';
}
