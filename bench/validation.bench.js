// Output checks: policy rules alone, and schema + policies (checkManifests), on N compliant
// serving stacks (Deployment + Service + PDB + HPA + NetworkPolicy = 5 objects each, one
// namespace, so the cross-object rules see every object). Schemas are compiled before timing.
'use strict';
const { checkPolicies } = require('../lib/src/validation/policies');
const { checkManifests } = require('../lib/src/validation/check');

const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true };

function stack(i) {
  const labels = { 'app.kubernetes.io/name': `m${i}`, 'app.kubernetes.io/instance': `m${i}` };
  const meta = (name) => ({ name, namespace: 'team-a', labels });
  return [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(`m${i}`),
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{
              name: 'server', image: 'vllm/vllm-openai:v0.6.3', securityContext: sc,
              ports: [{ name: 'http', containerPort: 8000 }],
              resources: { requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': 1 }, limits: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': 1 } },
              env: [{ name: 'MODEL', value: '/models/m' }],
              readinessProbe: { httpGet: { path: '/v1/models', port: 'http' } },
              livenessProbe: { httpGet: { path: '/health', port: 'http' } },
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(`m${i}`), spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(`m${i}`), spec: { selector: { matchLabels: labels }, maxUnavailable: 1 } },
    {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(`m${i}`),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `m${i}` }, minReplicas: 2, maxReplicas: 8 },
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(`m${i}`), spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'] } },
  ];
}

module.exports = {
  name: 'output checks: policies and schema + policies on N serving stacks (5 objects each)',
  async run(h) {
    const rows = [];
    const manifests = (n) => Array.from({ length: n }, (_, i) => stack(i)).flat();
    const warm = checkManifests(manifests(1));
    if (!warm.valid) throw new Error(`bench stack is not compliant: ${JSON.stringify(warm.findings)}`);
    for (const n of [10, 100, 500]) {
      const m = manifests(n);
      const runs = n === 500 ? 5 : 9;
      rows.push(await h.measure(`checkPolicies: ${n * 5} objects`, () => checkPolicies(m), { warmup: 2, runs }));
      rows.push(await h.measure(`checkManifests (schema + policies): ${n * 5} objects`, () => checkManifests(m), { warmup: 2, runs }));
    }
    return rows;
  },
};
