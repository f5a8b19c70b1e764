/**
 * Rules relating objects to each other: disruption budgets and autoscalers of Deployments,
 * NetworkPolicy coverage of pods, Services and the pods/ports they target.
 */
import { show } from '../../core/errors';
import { labelSelectorMatches } from '../app/netpol';
import { PodView, namespaceOf } from './pods';
import { PodViolation, kindName, objectRule, podRule } from './rule';
import { PolicyContext, PolicyRule } from './types';

/** True when a `LabelSelector` (matchLabels + matchExpressions) selects `labels`; `{}` selects everything, a malformed one nothing. */
export const selectorMatches: (selector: any, labels: Readonly<Record<string, string>>) => boolean = labelSelectorMatches;

/** True when a Service-style equality selector (a plain map) selects `labels`. */
export function mapSelects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

// (every caller passes a manifest object: toManifests keeps objects only)
const is = (obj: any, apiVersions: readonly string[], kind: string) => apiVersions.includes(obj.apiVersion) && obj.kind === kind;
const isDeployment = (obj: any) => is(obj, ['apps/v1'], 'Deployment');
const isPdb = (obj: any) => is(obj, ['policy/v1'], 'PodDisruptionBudget');

/** An HPA or KEDA ScaledObject targeting a Deployment. */
interface Autoscaler {
  readonly obj: any;
  /** Replicas it never scales below (at least 1 for budget arithmetic). */
  readonly minReplicas: number;
}

function autoscalersOf(deployment: any, context: PolicyContext): Autoscaler[] {
  const ns = namespaceOf(deployment);
  const name = deployment.metadata?.name;
  const out: Autoscaler[] = [];
  for (const obj of context.manifests) {
    if (namespaceOf(obj) !== ns) continue;
    const ref = obj.spec?.scaleTargetRef; // obj: an object (checkPolicies filters the input)
    if (is(obj, ['autoscaling/v2', 'autoscaling/v1'], 'HorizontalPodAutoscaler') && ref?.kind === 'Deployment' && ref.name === name) {
      out.push({ obj, minReplicas: typeof obj.spec.minReplicas === 'number' ? obj.spec.minReplicas : 1 });
    } else if (is(obj, ['keda.sh/v1alpha1'], 'ScaledObject') && (ref?.kind ?? 'Deployment') === 'Deployment' && ref?.name === name) {
      out.push({ obj, minReplicas: typeof obj.spec.minReplicaCount === 'number' ? obj.spec.minReplicaCount : 0 });
    }
  }
  return out;
}

const templateLabels = (deployment: any): Record<string, string> => deployment.spec?.template?.metadata?.labels ?? {};

function pdbsOf(deployment: any, context: PolicyContext): any[] {
  const ns = namespaceOf(deployment);
  return context.manifests.filter((o) => isPdb(o) && namespaceOf(o) === ns && selectorMatches(o.spec?.selector, templateLabels(deployment)));
}

/** What a Deployment's budget must keep room for: its replicas, or the autoscaler's floor. */
function expectedReplicas(deployment: any, scalers: readonly Autoscaler[]): number {
  if (scalers.length > 0) return Math.max(1, Math.min(...scalers.map((s) => s.minReplicas)));
  return typeof deployment.spec?.replicas === 'number' ? deployment.spec.replicas : 1;
}

/** A PDB int-or-percent scaled to `replicas`, rounded up as the disruption controller does. */
function scaled(value: unknown, replicas: number): number | undefined {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  return m ? Math.ceil((Number(m[1]) * replicas) / 100) : undefined;
}

const pdbRequired = objectRule({
  id: 'pdb-required',
  severity: 'error',
  description: 'A Deployment with more than one replica, or managed by an autoscaler, has a PodDisruptionBudget so node drains keep it serving.',
  fix: 'Add a PodDisruptionBudget in the same namespace selecting the pod template labels, with maxUnavailable: 1 (cdk8s-ml ModelServing renders one).',
}, (obj, context) => {
  if (!isDeployment(obj)) return [];
  const scalers = autoscalersOf(obj, context);
  const replicas = typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1;
  if (scalers.length === 0 && replicas <= 1) return [];
  if (pdbsOf(obj, context).length > 0) return [];
  const why = scalers.length > 0 ? `is scaled by ${scalers.map((s) => kindName(s.obj)).join(', ')}` : `has ${replicas} replicas`;
  return [{ path: '/spec/template/metadata/labels', message: `the Deployment ${why} but no PodDisruptionBudget in its namespace selects its pods` }];
});

const pdbBlocksDrain = objectRule({
  id: 'pdb-blocks-drain',
  severity: 'error',
  description: 'A PodDisruptionBudget leaves room for at least one voluntary disruption, otherwise node drains and cluster upgrades hang.',
  fix: 'Use maxUnavailable: 1 (or a percentage) instead of minAvailable equal to the replica count.',
}, (obj, context) => {
  if (!isPdb(obj)) return [];
  const out: PodViolation[] = [];
  for (const d of context.manifests.filter((o) => isDeployment(o) && namespaceOf(o) === namespaceOf(obj) && selectorMatches(obj.spec?.selector, templateLabels(o)))) {
    const replicas = expectedReplicas(d, autoscalersOf(d, context));
    const { maxUnavailable, minAvailable } = obj.spec ?? {};
    let allowed: number | undefined;
    // Stryker disable next-line StringLiteral: field is read only once allowed is set, and set with it
    let field = '';
    if (maxUnavailable !== undefined) {
      allowed = scaled(maxUnavailable, replicas);
      field = 'maxUnavailable';
    } else {
      // (without either field scaled() gives undefined: nothing to report)
      const min = scaled(minAvailable, replicas);
      allowed = min === undefined ? undefined : replicas - min;
      field = 'minAvailable';
    }
    if (allowed !== undefined && allowed <= 0) {
      out.push({
        path: `/spec/${field}`,
        message: `${field} ${show(obj.spec[field])} allows no voluntary disruption of ${kindName(d)} at ${replicas} replica(s): node drains would block`,
      });
    }
  }
  return out;
});

const hpaReplicas = objectRule({
  id: 'hpa-replicas',
  severity: 'error',
  description: 'An autoscaled Deployment does not set spec.replicas: Argo CD would reset the replica count on every sync and fight the autoscaler.',
  fix: 'Remove spec.replicas from the Deployment; the HorizontalPodAutoscaler\'s minReplicas sets the floor.',
}, (obj, context) => {
  if (!isDeployment(obj) || obj.spec?.replicas === undefined) return [];
  const scalers = autoscalersOf(obj, context);
  return scalers.length === 0 ? [] : [{
    path: '/spec/replicas',
    message: `the Deployment sets replicas ${show(obj.spec.replicas)} but is scaled by ${scalers.map((s) => kindName(s.obj)).join(', ')}`,
  }];
});

const networkPolicy = podRule({
  id: 'network-policy',
  severity: 'error',
  description: 'Every pod is selected by a NetworkPolicy in its namespace, so it only talks to what it needs.',
  fix: 'Add a NetworkPolicy selecting the pod labels that allows exactly the traffic the workload needs (cdk8s-ml constructs render one each; MlNamespace adds a default deny).',
}, (pod, context) => {
  const covered = context.manifests.some((o) =>
    is(o, ['networking.k8s.io/v1'], 'NetworkPolicy') && namespaceOf(o) === pod.namespace && selectorMatches(o.spec?.podSelector, pod.labels));
  return covered ? [] : [{
    path: pod.metadataPath,
    message: `${pod.owner.kind === 'Pod' ? 'the pod is' : `the pods of the template at ${pod.path} are`} selected by no NetworkPolicy in namespace ${show(pod.namespace || '<unset>')}`,
  }];
});

/** Pod templates a Service selects. */
function selectedPods(service: any, context: PolicyContext): PodView[] {
  const selector = service.spec.selector; // callers check hasSelector first
  return context.pods.filter((p) => p.namespace === namespaceOf(service) && mapSelects(selector, p.labels));
}

const hasSelector = (svc: any) => is(svc, ['v1'], 'Service') && svc.spec?.type !== 'ExternalName'
  && typeof svc.spec?.selector === 'object' && svc.spec.selector !== null && Object.keys(svc.spec.selector).length > 0;

const serviceSelector = objectRule({
  id: 'service-selector',
  severity: 'error',
  description: 'A Service\'s selector matches pods rendered alongside it (a typo leaves it without endpoints).',
  fix: 'Make spec.selector a subset of the target pod template\'s labels (same namespace).',
}, (obj, context) => {
  if (!hasSelector(obj) || selectedPods(obj, context).length > 0) return [];
  return [{ path: '/spec/selector', message: `selector ${show(obj.spec.selector)} matches no pod template in namespace ${show(namespaceOf(obj) || '<unset>')}` }];
});

const serviceTargetPort = objectRule({
  id: 'service-target-port',
  severity: 'error',
  description: 'Every Service port targets a port the selected pods declare (by number or by name).',
  fix: 'Declare the port in the container\'s ports (with a name for named targetPorts), or fix targetPort.',
}, (obj, context) => {
  if (!hasSelector(obj)) return [];
  const pods = selectedPods(obj, context);
  if (pods.length === 0) return [];
  const declared: any[] = pods.flatMap((p) => p.containers.filter((c) => c.type === 'container' || c.container?.restartPolicy === 'Always'))
    .flatMap((c) => (Array.isArray(c.container?.ports) ? c.container.ports : []));
  const out: PodViolation[] = [];
  (Array.isArray(obj.spec.ports) ? obj.spec.ports : []).forEach((port: any, i: number) => {
    const target = port?.targetPort ?? port?.port;
    const ok = typeof target === 'string' ? declared.some((p) => p?.name === target) : declared.some((p) => p?.containerPort === target);
    if (!ok) {
      out.push({
        path: `/spec/ports/${i}/${port?.targetPort !== undefined ? 'targetPort' : 'port'}`,
        message: `port ${show(port?.name ?? port?.port)} targets ${typeof target === 'string' ? 'the port name' : 'port'} ${show(target)}, which no selected container declares (declared: ${show(declared.map((p) => (p?.name ? `${p.name}:${p.containerPort}` : String(p?.containerPort))))})`,
      });
    }
  });
  return out;
});

/** Rules relating objects to each other. */
export const RELATION_RULES: readonly PolicyRule[] = [pdbRequired, pdbBlocksDrain, hpaReplicas, networkPolicy, serviceSelector, serviceTargetPort];
