/**
 * The whole app as the app-level check sees it: every rendered object indexed by kind,
 * namespace and name, every pod template, the namespaces and their labels, and what the
 * objects declare (external references, network flows). Built from rendered YAML only.
 */
import { EXTERNAL_ANNOTATION, ExternalReference, FLOWS_ANNOTATION, NetworkFlow } from '../../core/app-model';
import { show } from '../../core/errors';
import { embeddedObjects } from '../policies';
import { PodView, isObject, namespaceOf, podViews } from '../policies/pods';
import { describeObject } from '../validate';
import { AppFinding } from './rules';

/** Kinds without a namespace (the ones the app check resolves). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterQueue', 'ResourceFlavor', 'WorkloadPriorityClass', 'PriorityClass', 'ClusterRole',
  'ClusterRoleBinding', 'CustomResourceDefinition', 'ClusterTrainingRuntime', 'ClusterWorkflowTemplate', 'PersistentVolume', 'StorageClass',
  'IngressClass', 'GatewayClass', 'ClusterServingRuntime', 'ClusterIssuer', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'RuntimeClass', 'PriorityLevelConfiguration', 'FlowSchema', 'Topology',
  'AdmissionCheck', 'MultiKueueConfig', 'MultiKueueCluster', 'Cohort', 'ClusterTriggerAuthentication']);

/** True when objects of `kind` live outside namespaces. */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** The API group of an object (`''` for the core group). */
export function groupOf(obj: any): string {
  const v: unknown = obj?.apiVersion;
  return typeof v === 'string' && v.includes('/') ? v.split('/')[0] : '';
}

/** Which API group each resolvable kind belongs to (a `LocalQueue` of another group is not Kueue's). */
const KIND_GROUPS: Record<string, string> = {
  LocalQueue: 'kueue.x-k8s.io',
  ClusterQueue: 'kueue.x-k8s.io',
  ResourceFlavor: 'kueue.x-k8s.io',
  WorkloadPriorityClass: 'kueue.x-k8s.io',
  PriorityClass: 'scheduling.k8s.io',
  PersistentVolumeClaim: '',
  ConfigMap: '',
  Secret: '',
  ServiceAccount: '',
  Service: '',
  Namespace: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  ReplicaSet: 'apps',
  Role: 'rbac.authorization.k8s.io',
  ClusterRole: 'rbac.authorization.k8s.io',
  NetworkPolicy: 'networking.k8s.io',
  ResourceQuota: '',
};

/** A declaration annotation that could not be read. */
export interface DeclarationProblem {
  readonly object: any;
  readonly annotation: string;
  readonly message: string;
}

/** The app, indexed. */
export class AppModel {
  /** Every object, in input order. */
  public readonly manifests: readonly any[];
  /** Every pod template. */
  public readonly pods: readonly PodView[];
  /** Labels of each rendered Namespace (with `kubernetes.io/metadata.name`). */
  public readonly namespaceLabels = new Map<string, Record<string, string>>();
  /** Malformed declaration annotations. */
  public readonly problems: DeclarationProblem[] = [];
  /** Flows declared by each object. */
  public readonly flows = new Map<any, NetworkFlow[]>();
  /** Every NetworkPolicy. */
  public readonly networkPolicies: readonly any[];
  private readonly index = new Map<string, any[]>();
  private readonly externals = new Set<string>();
  private readonly podIndex = new Map<any, PodView[]>();
  private readonly scalerIndex = new Map<string, any[]>();

  constructor(manifests: readonly any[]) {
    const top = manifests.filter(isObject);
    // Objects Argo Workflows resource templates create at run time belong to the app too
    // (in the workflow's namespace unless they name one); findings land on the template.
    const embedded: any[] = [];
    for (const [obj, e] of embeddedObjects(top)) {
      const copy = obj.metadata?.namespace !== undefined || !e.owner.metadata?.namespace ? obj
        : { ...obj, metadata: { ...(obj.metadata ?? {}), namespace: e.owner.metadata.namespace } };
      EMBEDDED.set(copy, e);
      embedded.push(copy);
    }
    this.manifests = [...top, ...embedded];
    for (const obj of this.manifests) {
      const kind = String(obj.kind);
      const key = this.key(kind, isClusterScoped(kind) ? '' : namespaceOf(obj), String(obj.metadata?.name ?? ''));
      const list = this.index.get(key);
      if (list) list.push(obj);
      else this.index.set(key, [obj]);
      if (kind === 'Namespace' && groupOf(obj) === '') {
        const name = String(obj.metadata?.name ?? '');
        this.namespaceLabels.set(name, { ...stringMap(obj.metadata?.labels), 'kubernetes.io/metadata.name': name });
      }
      for (const ref of this.readArray<ExternalReference>(obj, EXTERNAL_ANNOTATION, validExternal)) {
        const ns = isClusterScoped(ref.kind) ? '' : ref.namespace ?? namespaceOf(obj);
        this.externals.add(this.key(ref.kind, ns, ref.name));
      }
      const flows = this.readArray<NetworkFlow>(obj, FLOWS_ANNOTATION, validFlow);
      if (flows.length > 0) this.flows.set(obj, flows);
    }
    this.pods = podViews(this.manifests);
    for (const p of this.pods) {
      const list = this.podIndex.get(p.owner);
      if (list) list.push(p);
      else this.podIndex.set(p.owner, [p]);
    }
    // HPAs and ScaledObjects by namespace and target name.
    for (const s of this.manifests) {
      if (s.kind !== 'HorizontalPodAutoscaler' && s.kind !== 'ScaledObject') continue;
      const target = s.spec?.scaleTargetRef?.name;
      if (typeof target !== 'string') continue;
      const k = `${namespaceOf(s)}\u0000${target}`;
      const list = this.scalerIndex.get(k);
      if (list) list.push(s);
      else this.scalerIndex.set(k, [s]);
    }
    this.networkPolicies = this.manifests.filter((o) => o.kind === 'NetworkPolicy' && groupOf(o) === 'networking.k8s.io');
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}\u0000${namespace}\u0000${name}`;
  }

  /** The rendered objects of `kind` named `name` (in `namespace` for namespaced kinds). */
  public find(kind: string, namespace: string, name: string): any[] {
    const found = this.index.get(this.key(kind, isClusterScoped(kind) ? '' : namespace, name)) ?? [];
    const group = KIND_GROUPS[kind];
    return group === undefined ? found : found.filter((o) => groupOf(o) === group);
  }

  /** Every rendered object of `kind` (of its known API group). */
  public all(kind: string): any[] {
    const group = KIND_GROUPS[kind];
    return this.manifests.filter((o) => o.kind === kind && (group === undefined || groupOf(o) === group));
  }

  /** True when some object of the app declares `kind/namespace/name` external. */
  public isExternal(kind: string, namespace: string, name: string): boolean {
    return this.externals.has(this.key(kind, isClusterScoped(kind) ? '' : namespace, name));
  }

  /** True when the namespace is rendered by the app or declared external. */
  public knowsNamespace(name: string): boolean {
    // Stryker disable next-line StringLiteral: Namespace is cluster-scoped, isExternal ignores the namespace argument
    return this.namespaceLabels.has(name) || this.isExternal('Namespace', '', name);
  }

  /** Labels of a namespace for `namespaceSelector`s (only the name label for namespaces not rendered). */
  public labelsOfNamespace(name: string): Record<string, string> {
    return this.namespaceLabels.get(name) ?? { 'kubernetes.io/metadata.name': name };
  }

  /** Pod templates of one object. */
  public podsOf(obj: any): PodView[] {
    return this.podIndex.get(obj) ?? [];
  }

  /**
   * The pods that run for `obj`: its own pod templates, or for a Kubeflow Trainer TrainJob
   * (which has none) the templates of the TrainingRuntime/ClusterTrainingRuntime its
   * `runtimeRef` names, as this TrainJob's JobSet runs them: in its namespace, labelled with
   * its JobSet name.
   */
  public podsRunningFor(obj: any): PodView[] {
    // A TrainJob has no pod template of its own; of the trainer.kubeflow.org kinds only the
    // runtimes have pod templates, so a runtimeRef of another kind finds none.
    if (obj?.kind !== 'TrainJob' || groupOf(obj) !== 'trainer.kubeflow.org') return this.podsOf(obj);
    const ref = obj.spec?.runtimeRef;
    const kind = ref?.kind ?? 'ClusterTrainingRuntime';
    if (typeof ref?.name !== 'string') return [];
    const ns = namespaceOf(obj);
    const runtime = this.manifests.find((o) => o.kind === kind && groupOf(o) === 'trainer.kubeflow.org' && o.metadata?.name === ref.name
      && (kind === 'ClusterTrainingRuntime' || namespaceOf(o) === ns));
    const jobSet = String(obj.metadata?.name ?? '');
    // (podsOf(undefined) is [] when no runtime matches)
    return this.podsOf(runtime).map((v) => ({ ...v, namespace: ns, labels: { ...v.labels, 'jobset.sigs.k8s.io/jobset-name': jobSet } }));
  }

  /** HPAs and ScaledObjects of a namespace by target name. */
  public scalersOf(namespace: string, name: string): any[] {
    return this.scalerIndex.get(`${namespace}\u0000${name}`) ?? [];
  }

  private readArray<T>(obj: any, annotation: string, valid: (x: any) => string | undefined): T[] {
    const text = obj.metadata?.annotations?.[annotation];
    if (text === undefined) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(text));
    } catch (e) {
      // JSON.parse throws a SyntaxError, never anything else
      this.problems.push({ object: obj, annotation, message: `annotation ${annotation} is not JSON: ${(e as SyntaxError).message}` });
      return [];
    }
    if (!Array.isArray(parsed)) {
      this.problems.push({ object: obj, annotation, message: `annotation ${annotation} must hold a JSON array, got ${show(parsed)}` });
      return [];
    }
    const out: T[] = [];
    parsed.forEach((item, i) => {
      const problem = valid(item);
      if (problem) this.problems.push({ object: obj, annotation, message: `annotation ${annotation} item ${i}: ${problem}, got ${show(item)}` });
      else out.push(item as T);
    });
    return out;
  }
}

const REFERENCE_KINDS = ['LocalQueue', 'ClusterQueue', 'ResourceFlavor', 'WorkloadPriorityClass', 'PriorityClass', 'PersistentVolumeClaim', 'ConfigMap',
  'Secret', 'ServiceAccount', 'Service', 'Namespace'];

const isStringMap = (x: unknown) => isObject(x) && Object.values(x).every((v) => typeof v === 'string');

function validExternal(x: any): string | undefined {
  if (!isObject(x)) return 'must be an object {kind, name, namespace?}';
  // Kinds beyond core's ReferenceKind list are accepted (a newer construct may declare more).
  if (typeof x.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(x.kind)) return `kind must be a Kubernetes kind such as ${REFERENCE_KINDS.join(', ')}`;
  if (typeof x.name !== 'string' || x.name === '') return 'name must be a non-empty string';
  if (x.namespace !== undefined && typeof x.namespace !== 'string') return 'namespace must be a string';
  return undefined;
}

function validFlow(x: any): string | undefined {
  if (!isObject(x)) return 'must be an object {purpose, direction, peer, ports, construct}';
  if (typeof x.purpose !== 'string') return 'purpose must be a string';
  if (x.direction !== 'egress' && x.direction !== 'ingress') return 'direction must be "egress" or "ingress"';
  if (x.construct !== undefined && typeof x.construct !== 'string') return 'construct must be a string';
  const p = x.peer;
  if (!isObject(p)) return 'peer must be an object';
  switch (p.kind) {
    case 'pods':
      if (!isStringMap(p.podLabels) || Object.keys(p.podLabels).length === 0) return 'peer.podLabels must be a non-empty map of strings';
      if (p.namespace !== undefined && typeof p.namespace !== 'string') return 'peer.namespace must be a string';
      break;
    case 'namespace':
      if (!isStringMap(p.namespaceLabels)) return 'peer.namespaceLabels must be a map of strings';
      if (p.podLabels !== undefined && !isStringMap(p.podLabels)) return 'peer.podLabels must be a map of strings';
      break;
    case 'external':
      if (typeof p.host !== 'string' || p.host === '') return 'peer.host must be a non-empty string';
      break;
    case 'cidr':
      if (typeof p.cidr !== 'string') return 'peer.cidr must be a string';
      break;
    default:
      return 'peer.kind must be one of pods, namespace, external, cidr';
  }
  if (!Array.isArray(x.ports) || x.ports.length === 0) return 'ports must be a non-empty array';
  for (const port of x.ports) {
    if (!isObject(port) || !Number.isInteger(port.port) || port.port < 1 || port.port > 65535) return 'every port needs an integer port 1-65535';
    if (port.endPort !== undefined && (!Number.isInteger(port.endPort) || port.endPort < port.port || port.endPort > 65535)) return 'endPort must be an integer ≥ port and ≤ 65535';
    if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) return 'protocol must be TCP, UDP or SCTP';
  }
  return undefined;
}

function stringMap(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** `Kind/namespace/name` of an object. */
export const label = (obj: any): string => describeObject(obj);

/** Embedded objects (Argo resource templates) → where they sit in Git. */
const EMBEDDED = new WeakMap<any, { owner: any; at: string; template: string }>();

/** The object in Git: `obj` itself, or the Argo template object that creates it at run time. */
export function gitOwner(obj: any): any {
  return EMBEDDED.get(obj)?.owner ?? obj;
}

/** `Kind/namespace/name` of an object, or of the object in Git that creates it. */
const gitLabel = (obj: any): string => label(EMBEDDED.get(obj)?.owner ?? obj);

/** Builds a finding on `obj` (on its Argo template when the object is created by one). */
export function finding(obj: any, rule: string, severity: 'error' | 'warning', path: string, message: string, fix: string, related: readonly any[] = []): AppFinding {
  const others = [...new Set(related.filter((r) => r !== obj).map(gitLabel))];
  const e = EMBEDDED.get(obj);
  const where = e
    ? { object: label(e.owner), path: `${e.at}#${path}`, message: `${label(obj)} (created by template ${show(e.template)}): ${message}` }
    : { object: label(obj), path, message };
  return { ...where, rule, severity, fix, ...(others.length > 0 ? { related: others } : {}) };
}
