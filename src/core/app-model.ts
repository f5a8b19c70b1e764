/**
 * What a construct declares about the app around it, carried in the rendered YAML so that
 * the whole-app check (`validation/app`) can read it from `dist/` like any other field:
 *
 * - **network flows** the workload's pods need (`ml.cdk8s.io/flows`): a dataset fetch to
 *   its source host, rendezvous between training peers, an ingress controller or Prometheus
 *   reaching a server. Wherever a namespace default-denies, the app's NetworkPolicies must
 *   allow each one.
 * - **external references** (`ml.cdk8s.io/external`): names the object refers to that live
 *   outside the app on purpose (a Secret another repository manages, a shared LocalQueue, a
 *   priority class of the platform team). Every other reference must resolve inside the app.
 *
 * Both are annotations on the object's own `metadata` (never on a pod template: a Job's
 * name carries a hash of its template, and the declarations must not rename Jobs). Their
 * values are compact JSON with sorted keys, so output stays byte-identical.
 */
import { ApiObject } from 'cdk8s';
import { setRenderTransform, withAnnotation } from './render';
import { keysInOrder, stableStringify } from './hash';

/** Annotation with the network flows a workload's pods need (JSON array of {@link NetworkFlow}). */
export const FLOWS_ANNOTATION = 'ml.cdk8s.io/flows';
/** Annotation with the references an object makes to things outside the app (JSON array of {@link ExternalReference}). */
export const EXTERNAL_ANNOTATION = 'ml.cdk8s.io/external';

/** Transport protocol of a flow (as in NetworkPolicy ports). */
export type FlowProtocol = 'TCP' | 'UDP' | 'SCTP';

/** One port (or port range, `port`..`endPort`) of a flow. */
export interface FlowPort {
  /** Port number. */
  readonly port: number;
  /** Last port of a range (inclusive). @default - a single port */
  readonly endPort?: number;
  /** @default 'TCP' */
  readonly protocol?: FlowProtocol;
}

/**
 * The other end of a flow.
 * - `pods`: pods of the app selected by `podLabels` in `namespace` (the workload's own
 *   namespace when unset) — e.g. training peers, a model server.
 * - `namespace`: pods outside the app in namespaces with `namespaceLabels` (optionally only
 *   those with `podLabels`) — e.g. kube-dns, the ingress controller, Prometheus.
 * - `external`: a host outside the cluster by DNS name (a dataset or model source), reached
 *   on public addresses.
 * - `cidr`: an address block.
 */
export type FlowPeer =
  | { readonly kind: 'pods'; readonly podLabels: Readonly<Record<string, string>>; readonly namespace?: string }
  | { readonly kind: 'namespace'; readonly namespaceLabels: Readonly<Record<string, string>>; readonly podLabels?: Readonly<Record<string, string>> }
  | { readonly kind: 'external'; readonly host: string }
  | { readonly kind: 'cidr'; readonly cidr: string };

/** A network flow the pods of a workload need. */
export interface NetworkFlow {
  /** What the flow is for, e.g. `fetch imagenet`, `rendezvous`, `ingress controller`, `metrics scrape`. */
  readonly purpose: string;
  /** `egress`: this workload's pods open the connection; `ingress`: the peer does. */
  readonly direction: 'egress' | 'ingress';
  /** The other end. */
  readonly peer: FlowPeer;
  /** Destination ports (at least one). */
  readonly ports: readonly FlowPort[];
  /** Path of the construct that needs the flow (for messages), e.g. `training-distributed/imagenet`. */
  readonly construct: string;
}

/** Kinds of object the app check resolves references to. */
export type ReferenceKind =
  | 'LocalQueue'
  | 'ClusterQueue'
  | 'ResourceFlavor'
  | 'WorkloadPriorityClass'
  | 'PriorityClass'
  | 'PersistentVolumeClaim'
  | 'ConfigMap'
  | 'Secret'
  | 'ServiceAccount'
  | 'Service'
  | 'Namespace';

/** A reference to an object that lives outside the app on purpose. */
export interface ExternalReference {
  /** Kind of the referenced object. */
  readonly kind: ReferenceKind;
  /** Its name. */
  readonly name: string;
  /** Its namespace (namespaced kinds); the referring object's when unset. @default - the referring object's namespace */
  readonly namespace?: string;
}

/** Reads a JSON-array annotation; undefined when absent, throws a plain Error when malformed. */
function readArray(obj: any, key: string): unknown[] | undefined {
  const text = obj?.metadata?.annotations?.[key];
  if (text === undefined) return undefined;
  const parsed = JSON.parse(String(text));
  if (!Array.isArray(parsed)) throw new Error(`annotation ${key} must hold a JSON array`);
  return parsed;
}

/** The flows declared on a rendered object (empty when none). */
export function declaredFlows(manifest: any): NetworkFlow[] {
  return (readArray(manifest, FLOWS_ANNOTATION) ?? []) as NetworkFlow[];
}

/** The external references declared on a rendered object (empty when none). */
export function declaredExternals(manifest: any): ExternalReference[] {
  return (readArray(manifest, EXTERNAL_ANNOTATION) ?? []) as ExternalReference[];
}

const FLOWS = new WeakMap<ApiObject, NetworkFlow[]>();
const EXTERNALS = new WeakMap<ApiObject, ExternalReference[]>();

function keyOf(value: unknown): string {
  return stableStringify(value);
}

function addDeclarations<T>(store: WeakMap<ApiObject, T[]>, obj: ApiObject, key: string, items: readonly T[]): void {
  let list = store.get(obj);
  if (!list) {
    list = [];
    store.set(obj, list);
    const declared = list;
    setRenderTransform(obj, key, (m) => {
      if (declared.length === 0) return m;
      // distinct declarations in the order of their sorted JSON (UTF-16 code units, as `<` compares)
      const sorted = [...new Set(declared.map(keyOf))].sort().map((k) => JSON.parse(k));
      return keepMetadataSorted(m, withAnnotation(m, key, JSON.stringify(sorted)));
    });
  }
  list.push(...items);
}

/** Declares network flows the pods of `obj` need (rendered as the {@link FLOWS_ANNOTATION}). */
export function declareFlows(obj: ApiObject, flows: readonly NetworkFlow[]): void {
  addDeclarations(FLOWS, obj, FLOWS_ANNOTATION, flows);
}

/** Declares references of `obj` that live outside the app (rendered as the {@link EXTERNAL_ANNOTATION}). */
export function declareExternal(obj: ApiObject, refs: readonly ExternalReference[]): void {
  addDeclarations(EXTERNALS, obj, EXTERNAL_ANNOTATION, refs);
}

/** `next` with `metadata` keys sorted when they were sorted in `before` (canonical objects stay canonical). */
function keepMetadataSorted(before: Record<string, any>, next: Record<string, any>): Record<string, any> {
  const keys = Object.keys(before.metadata ?? {});
  if (keys.length < 2 || !keysInOrder(keys)) return next;
  const metadata = next.metadata;
  return { ...next, metadata: Object.fromEntries(Object.keys(metadata).sort().map((k) => [k, metadata[k]])) };
}
