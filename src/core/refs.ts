/**
 * Typed references between constructs (CDK style: pass the construct, not its name), and
 * {@link External} references to things another repository manages.
 *
 * A workload that needs a LocalQueue, a priority class or a claim takes an object: a
 * construct of the app that renders it (`MlNamespace`, `TeamQueue`, `WorkloadPriorityClass`,
 * `VolumeClaim`, a cdk8s-plus `PersistentVolumeClaim`) or an `External.*` declaration. A name
 * that is neither does not compile, so "I forgot to render it" and "it lives elsewhere" stay
 * distinguishable: every external reference is rendered in the `ml.cdk8s.io/external`
 * annotation of the referring object, for the whole-app check.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ExternalReference, ReferenceKind, declareExternal } from './app-model';
import { fail, show } from './errors';
import { isDnsLabel, isDnsSubdomain, validateDnsLabel } from './names';
import { enrollInAppDefaults, registerAppDefault } from './app-defaults';

/** Access modes of a PersistentVolumeClaim. */
export type ClaimAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
const ACCESS_MODES: readonly ClaimAccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** What a reference resolves to for one consumer. */
export interface ResolvedReference {
  /** Kind of the referenced object. */
  readonly kind: ReferenceKind;
  /** Its name. */
  readonly name: string;
  /**
   * Its namespace (namespaced kinds), when known.
   * @default - the consumer's namespace
   */
  readonly namespace?: string;
  /** True when the object lives outside the app (declared with {@link External}). */
  readonly external: boolean;
  /**
   * Path of the construct that renders it (for messages).
   * @default - none (external)
   */
  readonly path?: string;
  /**
   * Access modes of a claim, when known.
   * @default - unknown
   */
  readonly accessModes?: readonly ClaimAccessMode[];
}

/** A Kueue LocalQueue workloads can be submitted to (`MlNamespace`, `TeamQueue` or `External.localQueue`). */
export interface ILocalQueue {
  /** The queue as `consumer` refers to it; errors name `consumer`. */
  localQueueRef(consumer: IConstruct): ResolvedReference;
}

/** A Kueue WorkloadPriorityClass (`WorkloadPriorityClass` or `External.workloadPriorityClass`). */
export interface IWorkloadPriorityClass {
  /** The class as `consumer` refers to it. */
  workloadPriorityClassRef(consumer: IConstruct): ResolvedReference;
}

/** A pod PriorityClass (`PriorityClass` or `External.priorityClass`). */
export interface IPriorityClass {
  /** The class as `consumer` refers to it. */
  priorityClassRef(consumer: IConstruct): ResolvedReference;
}

/** A PersistentVolumeClaim (`VolumeClaim`, a cdk8s-plus `PersistentVolumeClaim` via `claimOf`, or `External.claim`). */
export interface IClaim {
  /** The claim as `consumer` refers to it. */
  claimRef(consumer: IConstruct): ResolvedReference;
}

/** A Secret that lives outside the app (`External.secret`). */
export interface ISecretRef {
  /** The Secret as `consumer` refers to it. */
  secretRef(consumer: IConstruct): ResolvedReference;
}

/** A ConfigMap that lives outside the app (`External.configMap`). */
export interface IConfigMapRef {
  /** The ConfigMap as `consumer` refers to it. */
  configMapRef(consumer: IConstruct): ResolvedReference;
}

/** A ServiceAccount that lives outside the app (`External.serviceAccount`). */
export interface IServiceAccountRef {
  /** The ServiceAccount as `consumer` refers to it. */
  serviceAccountRef(consumer: IConstruct): ResolvedReference;
}

/** Options of the namespaced {@link External} factories. */
export interface ExternalNamespacedOptions {
  /**
   * Namespace of the object.
   * @default - the referring workload's namespace
   */
  readonly namespace?: string;
}

/** Options of {@link External.claim}. */
export interface ExternalClaimOptions extends ExternalNamespacedOptions {
  /**
   * Access modes of the claim, when known (at least one): a `ReadWriteOnce` claim is then
   * refused for workloads whose pods can land on several nodes.
   * @default - unknown (not checked)
   */
  readonly accessModes?: ClaimAccessMode[];
}

class ExternalRef implements ILocalQueue, IWorkloadPriorityClass, IPriorityClass, IClaim, ISecretRef, IConfigMapRef, IServiceAccountRef {
  constructor(
    private readonly kind: ReferenceKind,
    private readonly name: string,
    private readonly namespace: string | undefined,
    private readonly accessModes?: readonly ClaimAccessMode[],
  ) {}

  private resolve(consumer: IConstruct, kind: ReferenceKind): ResolvedReference {
    if (kind !== this.kind) fail(consumer, `expected a ${kind} reference, got External ${this.kind} ${show(this.name)}`);
    const subdomain = kind !== 'LocalQueue' && kind !== 'WorkloadPriorityClass' && kind !== 'PriorityClass';
    const ok = subdomain ? isDnsSubdomain(this.name) : isDnsSubdomain(this.name) && this.name.length <= 63;
    if (!ok) fail(consumer, `External.${lowerFirst(kind)} name must be a DNS-1123 ${subdomain ? 'subdomain' : 'name of at most 63 characters'}, got ${show(this.name)}`);
    if (this.namespace !== undefined && !isDnsLabel(this.namespace)) fail(consumer, `External.${lowerFirst(kind)} namespace must be a DNS-1123 label, got ${show(this.namespace)}`);
    if (this.accessModes?.length === 0) fail(consumer, `External.claim accessModes must list at least one of ${ACCESS_MODES.join(', ')} (or be left out when unknown), got []`);
    for (const m of this.accessModes ?? []) {
      if (!ACCESS_MODES.includes(m)) fail(consumer, `External.claim accessModes must be ${ACCESS_MODES.join(', ')}, got ${show(m)}`);
    }
    return { kind, name: this.name, namespace: this.namespace, external: true, accessModes: this.accessModes };
  }

  public localQueueRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'LocalQueue'); }
  public workloadPriorityClassRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'WorkloadPriorityClass'); }
  public priorityClassRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'PriorityClass'); }
  public claimRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'PersistentVolumeClaim'); }
  public secretRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'Secret'); }
  public configMapRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'ConfigMap'); }
  public serviceAccountRef(consumer: IConstruct): ResolvedReference { return this.resolve(consumer, 'ServiceAccount'); }
}

function lowerFirst(kind: ReferenceKind): string {
  return kind === 'PersistentVolumeClaim' ? 'claim' : kind[0].toLowerCase() + kind.slice(1);
}

/**
 * Objects that live outside the app on purpose (another repository or the platform team
 * manages them). The referring object declares them in its `ml.cdk8s.io/external`
 * annotation, so the whole-app check accepts them; every other reference must resolve to
 * an object the app renders.
 */
export class External {
  /** A Kueue LocalQueue (by default in the workload's namespace). */
  public static localQueue(name: string, options: ExternalNamespacedOptions = {}): ILocalQueue {
    return new ExternalRef('LocalQueue', name, options.namespace);
  }

  /** A Kueue WorkloadPriorityClass (cluster-scoped). */
  public static workloadPriorityClass(name: string): IWorkloadPriorityClass {
    return new ExternalRef('WorkloadPriorityClass', name, undefined);
  }

  /** A pod PriorityClass (`scheduling.k8s.io`, cluster-scoped). */
  public static priorityClass(name: string): IPriorityClass {
    return new ExternalRef('PriorityClass', name, undefined);
  }

  /** A PersistentVolumeClaim (by default in the workload's namespace). */
  public static claim(name: string, options: ExternalClaimOptions = {}): IClaim {
    return new ExternalRef('PersistentVolumeClaim', name, options.namespace, options.accessModes ? [...options.accessModes] : undefined);
  }

  /** A Secret in the workload's namespace. */
  public static secret(name: string): ISecretRef {
    return new ExternalRef('Secret', name, undefined);
  }

  /** A ConfigMap in the workload's namespace. */
  public static configMap(name: string): IConfigMapRef {
    return new ExternalRef('ConfigMap', name, undefined);
  }

  /** A ServiceAccount in the workload's namespace. */
  public static serviceAccount(name: string): IServiceAccountRef {
    return new ExternalRef('ServiceAccount', name, undefined);
  }

  /**
   * Declares that namespace `name` exists outside the app (created by the platform team or
   * another repository), for every object rendered under `scope` (usually a Chart). At app
   * synth each of those objects carries the declaration in its `ml.cdk8s.io/external`
   * annotation, so the whole-app check (and `cdk8s-ml validate` on the output) accepts
   * objects in that namespace. Without it, an app must render the namespace (`MlNamespace`).
   */
  public static namespace(scope: IConstruct, name: string): void {
    validateDnsLabel(scope, 'External.namespace name', name);
    enrollInAppDefaults(scope);
    // a name declared twice is rendered once (declareExternal keeps distinct declarations)
    EXTERNAL_NAMESPACES.set(scope, [...(EXTERNAL_NAMESPACES.get(scope) ?? []), name]);
    // Stryker disable next-line StringLiteral: the key only has to be the same on every call (registering again replaces the default)
    registerAppDefault('cdk8s-ml:external-namespaces', (app) => {
      for (const [declaring, names] of EXTERNAL_NAMESPACES) {
        if (declaring.node.root !== app) continue;
        for (const o of declaring.node.findAll()) {
          if (o instanceof ApiObject) declareExternal(o, names.map((n) => ({ kind: 'Namespace' as const, name: n })));
        }
      }
    });
  }

  private constructor() {}
}

/** The namespace objects of `scope` render into (its chart's), when set. */
export function namespaceOf(scope: IConstruct): string | undefined {
  return Chart.of(scope).namespace;
}

const USED = new WeakMap<IConstruct, ResolvedReference[]>();

/**
 * Records a reference `consumer` makes (declared on its objects by {@link declareUsedReferences})
 * and checks it: a namespaced object of the app must live in the consumer's namespace.
 * `what` names the prop in messages (e.g. `queue`).
 */
export function useReference(consumer: IConstruct, what: string, ref: ResolvedReference, consumerNamespace: string | undefined = namespaceOf(consumer)): ResolvedReference {
  if (ref.namespace !== undefined && ref.namespace !== consumerNamespace) {
    const owner = ref.external ? 'External' : ref.path ?? 'the app';
    fail(consumer, `${what}: ${ref.kind} ${show(ref.name)} (${owner}) lives in namespace ${show(ref.namespace)} but the workload is in ${consumerNamespace === undefined ? 'no namespace' : `namespace ${show(consumerNamespace)}`}; a workload can only use a ${ref.kind} of its own namespace`);
  }
  const list = USED.get(consumer) ?? [];
  list.push(ref);
  USED.set(consumer, list);
  return ref;
}

/** The references recorded on `consumer` by {@link useReference}. */
export function usedReferences(consumer: IConstruct): readonly ResolvedReference[] {
  return USED.get(consumer) ?? [];
}

/** Declares the external references recorded on `consumer` (and `extra`) on `obj`. */
export function declareUsedReferences(consumer: IConstruct, obj: ApiObject, extra: readonly ResolvedReference[] = []): void {
  const refs: ExternalReference[] = [...usedReferences(consumer), ...extra]
    .filter((r) => r.external)
    .map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace }));
  // Stryker disable next-line ConditionalExpression,EqualityOperator: same output without it, but every workload would get a render transform on toJson for nothing
  if (refs.length > 0) declareExternal(obj, refs);
}

/** Validates a claim's access modes (constructs that render claims). */
export function validateAccessModes(scope: IConstruct, modes: readonly ClaimAccessMode[]): ClaimAccessMode[] {
  if (!Array.isArray(modes) || modes.length === 0) fail(scope, `accessModes must list at least one of ${ACCESS_MODES.join(', ')}, got ${show(modes)}`);
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m)) fail(scope, `accessModes must be ${ACCESS_MODES.join(', ')}, got ${show(m)}`);
  }
  return [...modes];
}

/**
 * Refuses a claim that cannot be attached by every pod of a workload whose `pods` pods can
 * land on several nodes: `ReadWriteOnce` attaches to one node, `ReadWriteOncePod` to one pod.
 * A claim whose only access mode is `ReadOnlyMany` is refused for writing whatever the pod count.
 */
export function checkClaimSharing(consumer: IConstruct, what: string, ref: ResolvedReference, readOnly: boolean, pods: number, reason: string): void {
  const modes = ref.accessModes;
  if (!modes) return;
  // modes is never empty (validateAccessModes, External.claim)
  if (!readOnly && modes.every((m) => m === 'ReadOnlyMany')) {
    fail(consumer, `${what}: claim ${show(ref.name)}${ref.path ? ` (${ref.path})` : ''} is ReadOnlyMany only but is written here; the volume mounts read-only — use a ReadWriteOnce or ReadWriteMany claim`);
  }
  if (pods <= 1) return;
  if (modes.includes('ReadWriteMany') || (readOnly && modes.includes('ReadOnlyMany'))) return;
  // what is left holds ReadWriteOnce or ReadWriteOncePod (ReadOnlyMany alone is refused above for writing)
  const mode = modes.includes('ReadWriteOncePod') ? 'ReadWriteOncePod' : 'ReadWriteOnce';
  fail(consumer, `${what}: claim ${show(ref.name)}${ref.path ? ` (${ref.path})` : ''} is ${mode} but ${reason}; the second pod could never attach it — use a ReadWriteMany claim`);
}

/** Scopes that declared external namespaces, with the names, in declaration order (held through their App's lifetime in practice). */
const EXTERNAL_NAMESPACES = new Map<IConstruct, string[]>();
