/**
 * Compliant manifests for the policy tests: each test breaks one thing and expects exactly
 * the matching rule to fire. Plain JSON, namespace team-a.
 */
import { PolicyFinding, PolicyOptions, checkPolicies } from '../../src/validation/policies';

export const NS = 'team-a';

/** A container that passes every rule. */
export function container(name = 'main', extra: Record<string, any> = {}): any {
  return {
    name,
    image: 'ghcr.io/acme/app:1.2.3',
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    },
    ...extra,
  };
}

/** A pod spec that passes every rule. */
export function podSpec(extra: Record<string, any> = {}): any {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container()],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    ...extra,
  };
}

export const APP_LABELS = { 'app.kubernetes.io/name': 'llm', 'app.kubernetes.io/instance': 'llm' };

/** A serving container: port 8000 named http, distinct readiness and liveness probes. */
export function servingContainer(extra: Record<string, any> = {}): any {
  return container('server', {
    ports: [{ name: 'http', containerPort: 8000 }],
    readinessProbe: { httpGet: { path: '/v1/models', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
    ...extra,
  });
}

export function deployment(extra: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'llm', namespace: NS, labels: APP_LABELS },
    spec: {
      replicas: 2,
      selector: { matchLabels: APP_LABELS },
      template: { metadata: { labels: APP_LABELS }, spec: podSpec({ containers: [servingContainer()] }) },
      ...extra,
    },
  };
}

export function service(extra: Record<string, any> = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'llm', namespace: NS },
    spec: { selector: APP_LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...extra },
  };
}

export function pdb(extra: Record<string, any> = { maxUnavailable: 1 }): any {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'llm', namespace: NS },
    spec: { selector: { matchLabels: APP_LABELS }, ...extra },
  };
}

export function hpa(extra: Record<string, any> = {}): any {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'llm', namespace: NS },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' }, minReplicas: 2, maxReplicas: 8, ...extra },
  };
}

/** The Namespace the other helpers' objects live in (the whole-app check wants it rendered). */
export function namespace(): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
}

/** A NetworkPolicy selecting every pod of the namespace (default deny ingress). */
export function networkPolicy(podSelector: any = {}): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace: NS },
    spec: { podSelector, policyTypes: ['Ingress'] },
  };
}

export function job(extra: Record<string, any> = {}, spec: Record<string, any> = {}): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train-1a2b3c4d', namespace: NS, ...extra },
    spec: { backoffLimit: 3, template: { metadata: { labels: { app: 'train' } }, spec: podSpec({ restartPolicy: 'Never' }) }, ...spec },
  };
}

export function configMap(data: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data };
}

/** A complete, compliant serving stack: Deployment + Service + PDB + NetworkPolicy. */
export function servingStack(): any[] {
  return [deployment(), service(), pdb(), networkPolicy()];
}

/** Findings of one rule (all rules run). */
export function findings(manifests: any[], rule: string, options: PolicyOptions = {}): PolicyFinding[] {
  return checkPolicies(manifests, options).findings.filter((f) => f.rule === rule);
}

/** Deep copy, so each test mutates its own objects. */
export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x));
}

/** The pod spec of the first Deployment/Job in a stack. */
export function specOf(obj: any): any {
  return obj.kind === 'Pod' ? obj.spec : obj.spec.template.spec;
}
