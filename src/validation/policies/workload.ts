/**
 * Rules on single pod templates and objects: resources, pinned images, probes, GPU
 * tolerations, literal credentials, the service account token.
 */
import { Construct } from 'constructs';
import { looksLikeSecret } from '../../core/env';
import { MlValidationError, show } from '../../core/errors';
import { stableStringify } from '../../core/hash';
import { validateImage } from '../../core/image';
import { parseQuantity } from '../../core/quantity';
import { escape, isObject } from './pods';
import { PodViolation, containerLabel, containerRule, objectRule, podRule } from './rule';
import { PolicyRule } from './types';

const resources = containerRule({
  id: 'resources',
  severity: 'error',
  description: 'Every container and init container sets CPU and memory requests and limits (no scheduler guesses, no noisy neighbours, no OOM surprises).',
  fix: 'Set resources.requests and resources.limits for cpu and memory (cdk8s-ml: the `resources` prop, limits default to the requests).',
}, (c) => {
  const missing: string[] = [];
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      if (c.container?.resources?.[kind]?.[resource] === undefined) missing.push(`${kind}.${resource}`);
    }
  }
  return missing.length === 0 ? [] : [{ path: `${c.path}/resources`, message: `${containerLabel(c)} does not set resources ${missing.join(', ')}` }];
}, ['container', 'initContainer']);

/** A scope for reusing the construct-level image check outside a construct tree. */
// Stryker disable next-line StringLiteral: the scope's id only reaches the error's message; the rule reports e.problem
const IMAGE_SCOPE = new Construct(undefined as any, '');

const imageTag = containerRule({
  id: 'image-tag',
  severity: 'error',
  description: 'Images are pinned to a tag other than latest, or to a digest, so a re-sync never pulls different code.',
  fix: 'Pin the image to a version tag (e.g. ghcr.io/acme/trainer:1.4.2) or a digest (@sha256:...).',
}, (c) => {
  const image = c.container?.image;
  if (typeof image !== 'string') return [];
  try {
    validateImage(IMAGE_SCOPE, `image of ${containerLabel(c)}`, image);
    return [];
  } catch (e) {
    if (e instanceof MlValidationError) return [{ path: `${c.path}/image`, message: e.problem }];
    throw e;
  }
});

const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

const deploymentProbes = podRule({
  id: 'deployment-probes',
  severity: 'error',
  description: 'Deployment containers have a readiness probe (traffic only to loaded replicas) and a liveness probe (restart hung ones); when both run the same check, liveness tolerates a longer failure than readiness.',
  fix: 'Add readinessProbe and livenessProbe; with one health endpoint (vLLM, TGI /health) give liveness a longer failureThreshold × periodSeconds than readiness, so a slow replica leaves rotation before it is restarted; add a startupProbe for slow model loads.',
}, (pod) => {
  if (pod.owner.kind !== 'Deployment' ||
    // Stryker disable next-line ConditionalExpression: podViews gives a Deployment a pod view only in apps/v1 (WORKLOAD_KINDS); the check keeps the rule right if that list grows
    pod.owner.apiVersion !== 'apps/v1') return [];
  const out: PodViolation[] = [];
  for (const c of pod.containers.filter((x) => x.type === 'container')) {
    // a probe that is no object (null in YAML) is none; schema validation reports its type
    const { readinessProbe, livenessProbe } = c.container ?? {};
    if (!isObject(readinessProbe)) out.push({ path: `${c.path}/readinessProbe`, message: `${containerLabel(c)} has no readinessProbe` });
    if (!isObject(livenessProbe)) out.push({ path: `${c.path}/livenessProbe`, message: `${containerLabel(c)} has no livenessProbe` });
    if (isObject(readinessProbe) && isObject(livenessProbe)) {
      // the handler fields only (JSON leaves out the ones not set)
      const handler = (p: Record<string, any>) => stableStringify(Object.fromEntries(PROBE_HANDLERS.map((h) => [h, p[h]])));
      // Kubernetes defaults: periodSeconds 10, failureThreshold 3.
      const tolerance = (p: Record<string, any>) => (Number(p.periodSeconds ?? 10) || 10) * (Number(p.failureThreshold ?? 3) || 3);
      if (handler(readinessProbe) === handler(livenessProbe) && tolerance(livenessProbe) <= tolerance(readinessProbe)) {
        out.push({
          path: `${c.path}/livenessProbe`,
          message: `${containerLabel(c)} uses the same check for readiness and liveness (${handler(livenessProbe)}) with no more tolerance (${tolerance(livenessProbe)} s vs ${tolerance(readinessProbe)} s): a slow or overloaded replica is restarted instead of taken out of rotation`,
        });
      }
    }
  }
  return out;
});

/** The taint key a GPU resource's nodes carry, or undefined for non-GPU resources. */
function gpuTaintKey(resource: string): string | undefined {
  if (resource.startsWith('nvidia.com/mig-')) return 'nvidia.com/gpu';
  return /\/gpu$/.test(resource) ? resource : undefined;
}

const gpuToleration = podRule({
  id: 'gpu-toleration',
  severity: 'error',
  description: 'A pod requesting GPUs tolerates the GPU nodes\' taint, otherwise it stays Pending on tainted GPU pools.',
  fix: 'Add a toleration { key: "<gpu resource, e.g. nvidia.com/gpu>", operator: "Exists", effect: "NoSchedule" } (cdk8s-ml: use Accelerator.nvidiaGpu).',
}, (pod) => {
  const keys = new Set<string>();
  for (const c of pod.containers) {
    for (const kind of ['limits', 'requests']) {
      for (const [resource, value] of Object.entries(c.container?.resources?.[kind] ?? {})) {
        const key = gpuTaintKey(resource);
        if (key && (parseQuantity(value as string) ?? 0) > 0) keys.add(key);
      }
    }
  }
  // Stryker disable next-line ArrayDeclaration: an entry that is no toleration object (a string) tolerates nothing either
  const tolerations: any[] = (Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : []).filter(isObject);
  return [...keys].sort()
    .filter((key) => !tolerations.some((t) => (t.key === key || (t.operator === 'Exists' && !t.key)) && (!t.effect || t.effect === 'NoSchedule')))
    .map((key) => ({ path: pod.fieldPath('tolerations'), message: `the pod requests ${key} but has no toleration for the ${show(key)} NoSchedule taint` }));
});

/** `NAME=value` / `name: value` lines of config files and scripts. */
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][-A-Za-z0-9_.]*)\s*[=:]\s*(.*?)\s*$/;

/** Whether a literal looks like a credential (the same test renderEnv applies: shape, or a secret-like name with a non-numeric value). */
export function isSecretLiteral(name: string, value: string): boolean {
  return looksLikeSecret(name, value.trim());
}

/** Why a text value (one line or many) looks like it holds a credential, or undefined. */
export function secretInText(key: string, text: string): string | undefined {
  if (isSecretLiteral(key, text)) return `key ${show(key)} holds a literal that looks like a credential`;
  // line by line, a single line too (`Authorization: Bearer <token>`, `DB_PASSWORD=...`)
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = ASSIGNMENT.exec(lines[i]);
    if (m) {
      const value = m[2].replace(/^["']|["']$/g, '');
      // (an empty value is never secret-looking; `$` marks an expansion, not a literal)
      if (!value.includes('$') && isSecretLiteral(m[1], value)) {
        return `key ${show(key)} line ${i + 1} assigns ${m[1]} a literal that looks like a credential`;
      }
    }
    // Stryker disable next-line Regex,StringLiteral: without the + the split also yields empty words, which looksLikeSecret never accepts; the '' name is for its by-name check, which no non-credential name passes (only the word's shape counts)
    const token = lines[i].split(/[\s"'=:,;`]+/).find((w) => looksLikeSecret('', w));
    if (token) return `key ${show(key)} line ${i + 1} contains a token-shaped literal ${show(`${token.slice(0, 6)}…`)}`;
  }
  return undefined;
}

const envSecrets = containerRule({
  id: 'literal-secret',
  severity: 'error',
  description: 'No literal that looks like a credential in container env or ConfigMaps: manifests live in Git.',
  fix: 'Store the value in a Secret (created outside Git, e.g. by External Secrets) and reference it with env[].valueFrom.secretKeyRef or envFrom (cdk8s-ml: EnvSource.fromSecret).',
}, (c) => {
  const env = c.container?.env;
  if (!Array.isArray(env)) return [];
  return env
    .map((e: any, i: number) => ({ e, i }))
    .filter(({ e }: any) => typeof e?.value === 'string' && typeof e.name === 'string' && isSecretLiteral(e.name, e.value))
    .map(({ e, i }: any) => ({ path: `${c.path}/env/${i}/value`, message: `${containerLabel(c)} sets ${e.name} to a literal that looks like a credential` }));
});

const configMapSecrets = objectRule({
  id: 'literal-secret',
  severity: 'error',
  description: envSecrets.description,
  fix: envSecrets.fix,
}, (obj) => {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'ConfigMap' || !isObject(obj.data)) return [];
  const out: PodViolation[] = [];
  for (const [key, value] of Object.entries(obj.data)) {
    const why = typeof value === 'string' ? secretInText(key, value) : undefined;
    if (why) out.push({ path: `/data/${escape(key)}`, message: why });
  }
  return out;
});

const literalSecret: PolicyRule = {
  ...envSecrets,
  check: (context) => [...envSecrets.check(context), ...configMapSecrets.check(context)],
};

const serviceAccountToken = podRule({
  id: 'service-account-token',
  severity: 'warning',
  description: 'Pods do not mount a service account token unless they call the Kubernetes API (a stolen token is a foothold).',
  fix: 'Set automountServiceAccountToken: false in the pod spec; if the pod needs the API, disable this rule on the object with the annotation cdk8s-ml.io/disable-policy.service-account-token: "<why>".',
}, (pod) => pod.spec.automountServiceAccountToken === false
  ? []
  : [{ path: pod.fieldPath('automountServiceAccountToken'), message: `the pod mounts a service account token (automountServiceAccountToken: ${show(pod.spec.automountServiceAccountToken)})` }]);

/** Rules on pod templates and single objects. */
export const WORKLOAD_RULES: readonly PolicyRule[] = [resources, imageTag, deploymentProbes, gpuToleration, literalSecret, serviceAccountToken];
