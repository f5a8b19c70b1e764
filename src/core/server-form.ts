import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { canonicalQuantity } from './quantity';
import { setRenderTransform } from './render';

/**
 * Built-in API groups: their objects are decoded into Go structs and stored as protobuf, so a
 * field the struct marks `omitempty` comes back absent when empty or zero. Custom resources are
 * stored as the JSON that was sent (after pruning and defaulting).
 */
const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'scheduling.k8s.io', 'storage.k8s.io', 'node.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'certificates.k8s.io', 'events.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'resource.k8s.io', 'apiregistration.k8s.io',
]);

/**
 * Scalar fields of k8s.io/api that are plain (not pointer) Go `bool`/`int32` with `omitempty`
 * wherever they occur (k8s.io/api v0.28 types.go): the server drops `false` / `0`, and their
 * absence means exactly that value. `readOnly` is one too, except in `csi` and `azureDisk`
 * volume sources, where it is a `*bool` (kept).
 */
const ZERO_DROPPED = new Set([
  'hostNetwork', 'hostPID', 'hostIPC', 'hostPort', 'nodePort', 'healthCheckNodePort', 'minReadySeconds',
  'publishNotReadyAddresses', 'stdin', 'stdinOnce', 'tty', 'paused', 'globalDefault', 'readOnly',
  'initialDelaySeconds',
]);
const READONLY_POINTER_PARENTS = new Set(['csi', 'azureDisk']);

/** Keys whose value is a map of resource name → quantity. */
const QUANTITY_MAPS = new Set(['requests', 'limits']);
/** Keys whose value is one quantity, wherever they occur. */
const QUANTITY_SCALARS = new Set(['sizeLimit', 'divisor', 'nominalQuota', 'borrowingLimit', 'lendingLimit']);

/**
 * `manifest` in the form the API server stores it, so that re-applying it (kubectl, server-side
 * apply, Argo CD) changes nothing:
 * - every quantity canonical and a string (`4096Mi` → `"4Gi"`, `2000m` → `"2"`, `8` → `"8"`), in
 *   built-in objects and custom resources alike (a Go webhook or controller that decodes a
 *   custom resource writes quantities back in this form);
 * - `fieldRef` with its defaulted `apiVersion: v1` explicit;
 * - in built-in objects: no empty list (stored as absent) and none of the plain `omitempty`
 *   scalars at their zero value (`hostNetwork: false`, `minReadySeconds: 0`, ...).
 *
 * Returns `manifest` itself when nothing changes, else a copy sharing the unchanged parts.
 */
export function serverForm(manifest: Record<string, any>): Record<string, any> {
  // (a string or number, a caller's mistake, comes back unchanged from the loop below: no rule matches its keys)
  if (!manifest) return manifest;
  // without a slash (`v1`, or no apiVersion at all): the core group
  const apiVersion = String(manifest.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const builtin = BUILTIN_GROUPS.has(group);
  const kind = manifest.kind;
  let out: Record<string, any> = manifest;
  for (const key of Object.keys(manifest)) {
    // metadata keys are user data (a label may be named `sizeLimit`), status is not sent; apiVersion
    // and kind are walked too: strings under names no rule matches, they come back unchanged
    if (key === 'metadata' || key === 'status') continue;
    const value = manifest[key];
    // Stryker disable next-line StringLiteral: no rule matches a parent key at the top level, this one or any other
    const next = walk(value, key, '', builtin, kind);
    if (next !== value) {
      if (out === manifest) out = { ...manifest };
      if (next === undefined) delete out[key];
      else out[key] = next;
    }
  }
  return out;
}

function walk(value: unknown, key: string, parentKey: string, builtin: boolean, kind: string): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return builtin ? undefined : value;
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = walk(item, key, parentKey, builtin, kind);
      if (next !== item) {
        out ??= value.slice();
        out[i] = next;
      }
    });
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') {
    if (QUANTITY_SCALARS.has(key) || (kind === 'HorizontalPodAutoscaler' && parentKey === 'target' && (key === 'averageValue' || key === 'value'))) {
      return quantity(value);
    }
    // (readOnly is the only ZERO_DROPPED field of a csi or azureDisk volume source)
    if (builtin && ZERO_DROPPED.has(key) && (value === false || value === 0) && !READONLY_POINTER_PARENTS.has(parentKey)) {
      return undefined;
    }
    return value;
  }
  const obj = value as Record<string, unknown>;
  const quantityMap =
    (QUANTITY_MAPS.has(key) && parentKey === 'resources') ||
    (key === 'overhead') ||
    (kind === 'ResourceQuota' &&
      // Stryker disable next-line ConditionalExpression: a ResourceQuota's other maps (scopeSelector's expressions) hold only operators and scope names, none a quantity
      key === 'hard') ||
    (kind === 'LimitRange' && ['default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio'].includes(key));
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    // (a quantity map holds quantities only; quantity() returns anything else unchanged)
    const next = quantityMap ? quantity(v) : walk(v, k, key, builtin, kind);
    if (next !== v) {
      out ??= { ...obj };
      if (next === undefined) delete out[k];
      else out[k] = next;
    }
  }
  // the API server defaults an ObjectFieldSelector's apiVersion whatever else it holds
  if (key === 'fieldRef' && obj.apiVersion === undefined) {
    out = { apiVersion: 'v1', ...(out ?? obj) };
  }
  return out ?? value;
}

function quantity(value: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  return canonicalQuantity(value) ?? value;
}

/**
 * Renders the `ApiObject`s of `objects()` (e.g. cdk8s-plus workloads a construct attaches to,
 * with their children) and, when `own`, every `ApiObject` under `scope`, in {@link serverForm}.
 * Registered at synth (a construct validation), so objects added later are included. Our
 * constructs render their own objects in that form at the source (a walk per object at every
 * synth costs ~8% of a DistributedTrainingJob synth); test/fixtures.test.ts checks that every
 * fixture is a fixed point of serverForm, the cluster tier that the server agrees.
 * @internal
 */
export function renderInServerForm(scope: IConstruct, objects: () => Iterable<IConstruct> = () => [], own = true): void {
  scope.node.addValidation({
    validate: () => {
      for (const c of [...(own ? scope.node.findAll() : []), ...objects()]) {
        // Stryker disable next-line StringLiteral: the key only tells this transform from the object's others (gitops, job name, declarations), whose keys all differ from it and from ""
        for (const o of c.node.findAll()) if (o instanceof ApiObject) setRenderTransform(o, 'cdk8s-ml:server-form', serverForm);
      }
      return [];
    },
  });
}
