/**
 * The whole-app check on rendered YAML: the failures of issue 13 and more cross-object
 * mistakes, each one change to a whole app (app-fixtures.ts), each with its correct
 * counterpart that checks clean.
 */
import { checkApp } from '../../../src/validation/app';
import { AppFinding } from '../../../src/validation/app/rules';
import { checkManifests } from '../../../src/validation/check';
import { NS, WholeApp, nightly, objectsOf, podSpecOf, setExternal, setFlows, wholeApp } from './app-fixtures';

interface Mistake {
  /** What goes wrong. */
  readonly name: string;
  /** Renders the mistake. */
  readonly broken: (app: WholeApp) => any[];
  /** Renders the correct counterpart. */
  readonly fixed: (app: WholeApp) => any[];
  readonly rule: string;
  readonly object: string;
  readonly message: RegExp;
  readonly fix?: RegExp;
  readonly severity?: 'error' | 'warning';
}

const apply = (change: (app: WholeApp) => void, extra: (app: WholeApp) => any[] = () => []) => (app: WholeApp) => {
  change(app);
  return [...objectsOf(app), ...extra(app)];
};
const same = (app: WholeApp) => objectsOf(app);

/**
 * A Kubeflow Trainer TrainJob whose flows declare a fetch, the TrainingRuntime of the same
 * name holding its pods, and (when `allowed`) a NetworkPolicy allowing the fetch to the pods
 * of its JobSet (label `jobset.sigs.k8s.io/jobset-name: tune`).
 */
function trainJobWithRuntime(_app: WholeApp, allowed: boolean): any[] {
  const container = { name: 'node', image: 'ghcr.io/acme/trainer:1.0.0', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } };
  const runtime = {
    apiVersion: 'trainer.kubeflow.org/v1alpha1',
    kind: 'TrainingRuntime',
    metadata: { name: 'tune', namespace: NS },
    spec: { template: { spec: { replicatedJobs: [{ name: 'node', replicas: 1, template: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } }] } } },
  };
  const trainJob = { apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { name: 'tune', namespace: NS }, spec: { runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: 'tune' } } };
  setFlows(trainJob, [{ purpose: 'fetch corpus', direction: 'egress', peer: { kind: 'external', host: 'data.example.com' }, ports: [{ port: 443, protocol: 'TCP' }], construct: 'app/tune' }]);
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'tune-fetch', namespace: NS },
    spec: { podSelector: { matchLabels: { 'jobset.sigs.k8s.io/jobset-name': 'tune' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }] },
  };
  return allowed ? [runtime, trainJob, policy] : [runtime, trainJob];
}

const MISTAKES: Mistake[] = [
  // ----- the failures of issue 13 -----
  {
    name: 'a queue label naming a LocalQueue the app does not render (issue: team-a vs default)',
    broken: apply((a) => { a.train.metadata.labels['kueue.x-k8s.io/queue-name'] = 'team-a'; }),
    fixed: apply((a) => { a.train.metadata.labels['kueue.x-k8s.io/queue-name'] = 'team-a'; setExternal(a.train, [{ kind: 'LocalQueue', name: 'team-a' }]); }),
    rule: 'app-reference',
    object: 'Job/team-a/train',
    message: /label kueue\.x-k8s\.io\/queue-name refers to LocalQueue "team-a", which the app does not render in namespace "team-a".*suspended forever \(LocalQueues in the namespace: \["default"\]\)/,
    fix: /render LocalQueue "team-a" in namespace "team-a", or, when it lives outside the app on purpose, declare it with External/,
  },
  {
    name: 'a model fetch to the Hub blocked by a server policy with policyTypes [Ingress] only under a default deny egress (issue)',
    broken: apply((a) => { a.serverPolicy.spec.policyTypes = ['Ingress']; delete a.serverPolicy.spec.egress; }),
    fixed: same,
    rule: 'app-flow',
    object: 'Deployment/team-a/server',
    message: /flow "fetch model from the Hugging Face Hub" of app\/server \(egress host huggingface\.co on TCP 443\) is blocked: Deployment\/team-a\/server is egress-isolated by NetworkPolicies \["default-deny"\] and none allows TCP 443 to public addresses/,
    fix: /allow egress to huggingface\.co on TCP 443/,
  },
  {
    name: 'a ResourceQuota smaller than the ClusterQueue nominal quota plus un-queued serving at max replicas (issue)',
    broken: apply((a) => { a.quota.spec.hard['requests.nvidia.com/gpu'] = '8'; }),
    fixed: same,
    rule: 'app-quota',
    object: 'ResourceQuota/team-a/ml-quota',
    message: /namespace "team-a" can demand 11 nvidia\.com\/gpu but ResourceQuota "ml-quota" allows 8: 8 nominal quota of ClusterQueue "team-a" \+ 3 un-queued for Deployment\/team-a\/server \(maxReplicas 2 of HorizontalPodAutoscaler\/team-a\/server \+ rolling-update surge 1\)/,
    fix: /raise the ResourceQuota's requests\.nvidia\.com\/gpu to at least 11/,
  },
  {
    name: 'a checkpoint claim written by a job and its nightly schedule at the same path without subPath (issue)',
    broken: apply((a) => { delete podSpecOf(a.train).containers[0].volumeMounts[1].subPath; }, () => [nightly({})]),
    fixed: apply(() => undefined, () => [nightly()]),
    rule: 'app-shared-claim',
    object: 'Job/team-a/train',
    message: /claim "checkpoints" is written by 2 workloads \(Job\/team-a\/train, CronJob\/team-a\/nightly\) at the same root \(no subPath\): their runs overwrite each other's checkpoints/,
    fix: /subPath per workload/,
  },
  {
    name: 'a schedule writing a shared checkpoint claim at a fixed subPath: every run overwrites the last',
    broken: apply(() => undefined, () => [nightly({ subPath: 'nightly' })]),
    fixed: apply(() => undefined, () => [nightly({ subPathExpr: '$(JOB_NAME)' })]),
    rule: 'app-shared-claim',
    object: 'CronJob/team-a/nightly',
    message: /claim "checkpoints" is shared with 1 other workload\(s\) and the schedule writes it at a fixed subPath "nightly"/,
    fix: /per-run subPathExpr/,
  },
  {
    name: 'a 2-pod job mounting a ReadWriteOnce claim (issue)',
    broken: apply((a) => { podSpecOf(a.train).volumes[1].persistentVolumeClaim.claimName = 'data'; }),
    fixed: apply((a) => { podSpecOf(a.train).volumes[1].persistentVolumeClaim.claimName = 'data'; a.data.spec.accessModes = ['ReadWriteMany']; }),
    rule: 'app-rwo-claim',
    object: 'Job/team-a/train',
    message: /claim "data" is ReadWriteOnce but up to 2 pods mount it at once \(Job\/team-a\/train: parallelism 2\): pods on another node can never attach the volume/,
  },
  {
    name: 'a WorkloadPriorityClass nothing renders (issue)',
    broken: apply((a) => { delete (a as any).workloadPriority; }),
    fixed: apply((a) => { delete (a as any).workloadPriority; setExternal(a.train, [{ kind: 'WorkloadPriorityClass', name: 'high' }]); }),
    rule: 'app-reference',
    object: 'Job/team-a/train',
    message: /label kueue\.x-k8s\.io\/priority-class refers to WorkloadPriorityClass "high", which the app does not render and nothing declares external: Kueue creates no Workload/,
  },
  // ----- more cross-object mistakes -----
  {
    name: 'a LocalQueue feeding a ClusterQueue the app does not render',
    broken: apply((a) => { a.localQueue.spec.clusterQueue = 'team-b'; }),
    fixed: apply((a) => { a.localQueue.spec.clusterQueue = 'team-b'; setExternal(a.localQueue, [{ kind: 'ClusterQueue', name: 'team-b' }]); }),
    rule: 'app-reference', object: 'LocalQueue/team-a/default', message: /the LocalQueue refers to ClusterQueue "team-b", which the app does not render/,
  },
  {
    name: 'a ClusterQueue whose namespaceSelector excludes the LocalQueue\'s namespace',
    broken: apply((a) => { a.clusterQueue.spec.namespaceSelector = { matchLabels: { team: 'b' } }; }),
    fixed: apply((a) => { a.clusterQueue.spec.namespaceSelector = { matchLabels: { team: 'a' } }; }),
    rule: 'app-reference', object: 'LocalQueue/team-a/default', message: /ClusterQueue "team-a" does not admit workloads from namespace "team-a"/,
  },
  {
    name: 'a ClusterQueue flavor naming no ResourceFlavor',
    broken: apply((a) => { a.flavor.metadata.name = 'gpu-h100'; }),
    fixed: same,
    rule: 'app-reference', object: 'ClusterQueue/team-a', message: /the ClusterQueue refers to ResourceFlavor "gpu-a100", which the app does not render/,
  },
  {
    name: 'a priorityClassName naming no PriorityClass (built-in ones are fine)',
    broken: apply((a) => { podSpecOf(a.train).priorityClassName = 'ml-urgent'; }),
    fixed: apply((a) => { podSpecOf(a.train).priorityClassName = 'system-cluster-critical'; }),
    rule: 'app-reference', object: 'Job/team-a/train', message: /priorityClassName refers to PriorityClass "ml-urgent"/,
  },
  {
    name: 'a volume naming a claim the app does not render',
    broken: apply((a) => { delete (a as any).checkpoints; }),
    fixed: apply((a) => { delete (a as any).checkpoints; setExternal(a.train, [{ kind: 'PersistentVolumeClaim', name: 'checkpoints', namespace: NS }]); }),
    rule: 'app-reference', object: 'Job/team-a/train', message: /volume "checkpoints" refers to PersistentVolumeClaim "checkpoints", which the app does not render in namespace "team-a"/,
  },
  {
    name: 'a ConfigMap volume with a typo (kube-root-ca.crt is built in)',
    broken: apply((a) => { podSpecOf(a.train).volumes[0].configMap.name = 'train-cofnig'; }),
    fixed: apply((a) => { podSpecOf(a.train).volumes.push({ name: 'ca', configMap: { name: 'kube-root-ca.crt' } }); }),
    rule: 'app-reference', object: 'Job/team-a/train', message: /volume "config" refers to ConfigMap "train-cofnig"/,
  },
  {
    name: 'a configMapKeyRef reading a key the ConfigMap does not hold',
    broken: apply((a) => { podSpecOf(a.train).containers[0].env[0].valueFrom.configMapKeyRef.key = 'EPOCH'; }),
    fixed: same,
    rule: 'app-reference', object: 'Job/team-a/train', message: /reads key "EPOCH" of ConfigMap "train-config", which has no such key \(keys: \["EPOCHS","config.yaml"\]\)/,
  },
  {
    name: 'a secretKeyRef naming a Secret the app does not render',
    broken: apply((a) => { delete (a as any).secret; }),
    fixed: apply((a) => { delete (a as any).secret; setExternal(a.train, [{ kind: 'Secret', name: 'hf-token' }]); setExternal(a.server, [{ kind: 'Secret', name: 'hf-token' }]); }),
    rule: 'app-reference', object: 'Deployment/team-a/server', message: /env "HF_TOKEN" of container "fetch" refers to Secret "hf-token"/,
  },
  {
    name: 'an envFrom secretRef with a typo (optional refs are fine)',
    broken: apply((a) => { podSpecOf(a.server).containers[0].envFrom = [{ secretRef: { name: 'hf-tokn' } }]; }),
    fixed: apply((a) => { podSpecOf(a.server).containers[0].envFrom = [{ secretRef: { name: 'hf-tokn', optional: true } }]; }),
    rule: 'app-reference', object: 'Deployment/team-a/server', message: /envFrom of container "server" refers to Secret "hf-tokn"/,
  },
  {
    name: 'an imagePullSecret nothing renders',
    broken: apply((a) => { podSpecOf(a.server).imagePullSecrets = [{ name: 'registry' }]; }),
    fixed: apply((a) => { podSpecOf(a.server).imagePullSecrets = [{ name: 'registry' }]; setExternal(a.server, [{ kind: 'Secret', name: 'registry' }]); }),
    rule: 'app-reference', object: 'Deployment/team-a/server', message: /imagePullSecrets refers to Secret "registry"/,
  },
  {
    name: 'a ServiceAccount nothing renders (default is built in)',
    broken: apply((a) => { delete (a as any).serviceAccount; delete (a as any).roleBinding; }),
    fixed: apply((a) => { delete (a as any).serviceAccount; delete (a as any).roleBinding; podSpecOf(a.train).serviceAccountName = 'default'; }),
    rule: 'app-reference', object: 'Job/team-a/train', message: /the pod template refers to ServiceAccount "trainer"/,
  },
  {
    name: 'a pod subdomain with no Service of that name',
    broken: apply((a) => { a.trainService.metadata.name = 'train-headless'; }),
    fixed: apply((a) => { a.trainService.metadata.name = 'train-headless'; podSpecOf(a.train).subdomain = 'train-headless'; }),
    rule: 'app-reference', object: 'Job/team-a/train', message: /the pod subdomain refers to Service "train"/, fix: /headless: clusterIP None/,
  },
  {
    name: 'a pod subdomain naming a Service that is not headless',
    broken: apply((a) => { delete a.trainService.spec.clusterIP; }),
    fixed: same,
    rule: 'app-reference', object: 'Job/team-a/train', message: /subdomain "train" names Service Service\/team-a\/train, which is not headless/,
  },
  {
    name: 'a PodDisruptionBudget selecting no pod template',
    broken: apply((a) => { a.serverPdb.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'srever' } }; }),
    fixed: same,
    rule: 'app-selector', object: 'PodDisruptionBudget/team-a/server', message: /selects no pod template of the app in namespace "team-a": the budget protects nothing/,
  },
  {
    name: 'an HPA targeting a Deployment that does not exist',
    broken: apply((a) => { a.serverHpa.spec.scaleTargetRef.name = 'server-v2'; }),
    fixed: same,
    rule: 'app-selector', object: 'HorizontalPodAutoscaler/team-a/server', message: /scaleTargetRef names Deployment "server-v2", which the app does not render in namespace "team-a"/,
  },
  {
    name: 'a KEDA ScaledObject targeting a Deployment that does not exist',
    broken: apply(() => undefined, () => [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'server', namespace: NS }, spec: { scaleTargetRef: { name: 'sever' }, maxReplicaCount: 2 } }]),
    fixed: apply((a) => { delete (a as any).serverHpa; }, () => [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'server', namespace: NS }, spec: { scaleTargetRef: { name: 'server' }, maxReplicaCount: 2 } }]),
    rule: 'app-selector', object: 'ScaledObject/team-a/server', message: /scaleTargetRef names Deployment "sever"/,
  },
  {
    name: 'a NetworkPolicy whose podSelector selects no pod template',
    broken: apply((a) => { a.trainPolicy.spec.podSelector = { matchLabels: { 'job-name': 'trian' } }; }),
    fixed: apply((a) => { a.trainPolicy.spec.podSelector = { matchLabels: { 'job-name': 'train' } }; }),
    rule: 'app-selector', object: 'NetworkPolicy/team-a/train-peers', message: /podSelector .* selects no pod template of the app in namespace "team-a"/,
  },
  {
    name: 'objects in a namespace the app neither renders nor declares external',
    broken: apply((a) => { delete (a as any).namespace; }),
    fixed: apply((a) => { delete (a as any).namespace; setExternal(a.quota, [{ kind: 'Namespace', name: NS }]); delete a.clusterQueue.spec.namespaceSelector; }),
    rule: 'app-namespace', object: 'LocalQueue/team-a/default', message: /namespace "team-a" \(used by \d+ object\(s\)\) is neither rendered by the app nor declared external/,
  },
  {
    name: 'an Ingress TLS secret nothing renders',
    broken: apply((a) => { delete (a as any).tls; }),
    fixed: apply((a) => { delete (a as any).tls; setExternal(a.ingress, [{ kind: 'Secret', name: 'chat-tls' }]); }),
    rule: 'app-reference', object: 'Ingress/team-a/server', message: /the Ingress TLS section refers to Secret "chat-tls"/, fix: /cert-manager/,
  },
  {
    name: 'an Ingress backend port the Service does not have',
    broken: apply((a) => { a.ingress.spec.rules[0].http.paths[0].backend.service.port = { number: 8080 }; }),
    fixed: apply((a) => { a.ingress.spec.rules[0].http.paths[0].backend.service.port = { number: 80 }; }),
    rule: 'app-reference', object: 'Ingress/team-a/server', message: /the Ingress path "\/" targets port \{"number":8080\} of Service "server", which has no such port/,
  },
  {
    name: 'a RoleBinding granting a Role nothing renders',
    broken: apply((a) => { delete (a as any).role; }),
    fixed: same,
    rule: 'app-reference', object: 'RoleBinding/team-a/trainer', message: /the RoleBinding grants Role "trainer", which the app does not render/,
  },
  {
    name: 'a ServiceMonitor selecting pod labels no Service carries',
    broken: apply((a) => { delete a.serverService.metadata.labels; }),
    fixed: same,
    rule: 'app-selector', object: 'ServiceMonitor/team-a/server', message: /selects no Service of the app \(Service labels, not pod labels\)/,
  },
  {
    name: 'a rendezvous between training peers blocked by the default deny (no peer policy)',
    broken: apply((a) => { delete (a as any).trainPolicy; }),
    fixed: same,
    rule: 'app-flow', object: 'Job/team-a/train', message: /flow "rendezvous" of app\/train \(ingress pods .* on TCP 29500\) is blocked from Job\/team-a\/train to Job\/team-a\/train on TCP 29500 by the egress of the source \(policies \["default-deny"\]\) and\/or ingress of the destination \(policies \["default-deny"\]\)/,
  },
  {
    name: 'a peer policy allowing the wrong port (29501) for the rendezvous',
    broken: apply((a) => { a.trainPolicy.spec.ingress[0].ports = [{ port: 29501 }]; }),
    fixed: apply((a) => { a.trainPolicy.spec.ingress[0].ports = [{ port: 29400, endPort: 29600 }]; }),
    rule: 'app-flow', object: 'Job/team-a/train', message: /flow "rendezvous".*is blocked .* on TCP 29500/,
  },
  {
    name: 'an ingress controller flow blocked: the server admits a named port the container does not declare',
    broken: apply((a) => { a.serverPolicy.spec.ingress[0].ports = [{ port: 'metrics' }]; }),
    fixed: same,
    rule: 'app-flow', object: 'Deployment/team-a/server', message: /flow "ingress controller" of app\/server .* is blocked from pods \{\} in namespaces \{"kubernetes.io\/metadata.name":"ingress-nginx"\} to Deployment\/team-a\/server on TCP 8000/,
  },
  {
    name: 'a flow naming peer pods the app does not render',
    broken: apply((a) => { setFlows(a.server, [{ purpose: 'call the ranker', direction: 'egress', peer: { kind: 'pods', podLabels: { app: 'ranker' } }, ports: [{ port: 80 }], construct: 'app/server' }]); }),
    fixed: apply((a) => { setFlows(a.server, []); }),
    rule: 'app-flow', object: 'Deployment/team-a/server', message: /flow "call the ranker" of app\/server .*: no pod template of the app in namespace "team-a" carries labels \{"app":"ranker"\}/,
  },
  {
    name: 'DNS blocked for egress-isolated pods (no kube-dns rule)',
    broken: apply((a) => { a.defaultDeny.spec.egress = []; }),
    fixed: same,
    rule: 'app-dns', object: 'Job/team-a/train', message: /egress-isolated by NetworkPolicies \["default-deny","train-peers"\] and cannot reach kube-dns on UDP and TCP 53/,
  },
  {
    name: 'DNS over UDP only (TCP 53 is needed for large answers)',
    broken: apply((a) => { a.defaultDeny.spec.egress[0].ports = [{ port: 53, protocol: 'UDP' }]; }),
    fixed: same,
    rule: 'app-dns', object: 'Deployment/team-a/server', message: /cannot reach kube-dns on TCP 53/,
  },
  {
    name: 'an external host behind a narrower ipBlock cannot be proven (warning)',
    broken: apply((a) => { a.serverPolicy.spec.egress[0].to = [{ ipBlock: { cidr: '52.0.0.0/8' } }]; }),
    fixed: same,
    rule: 'app-flow', object: 'Deployment/team-a/server', severity: 'warning', message: /cannot be proven: NetworkPolicies \["default-deny","server"\] allow TCP 443 only to some ipBlocks, which may or may not contain "huggingface.co"/,
  },
  {
    name: 'a queued job larger than its ClusterQueue (no cohort)',
    broken: apply((a) => { a.train.spec.parallelism = 8; a.train.spec.completions = 8; }),
    fixed: apply((a) => { a.train.spec.parallelism = 8; a.train.spec.completions = 8; a.clusterQueue.spec.cohort = 'research'; }),
    rule: 'app-queue-capacity', object: 'Job/team-a/train', message: /the workload needs 16 nvidia.com\/gpu at once \(parallelism 8\) but the largest flavor of ClusterQueue "team-a" has a nominal quota of 8 and no cohort/,
  },
  {
    name: 'a queued job requesting a resource its ClusterQueue does not cover',
    broken: apply((a) => { a.clusterQueue.spec.resourceGroups[0].coveredResources = ['cpu', 'memory']; a.clusterQueue.spec.resourceGroups[0].flavors[0].resources.pop(); }),
    fixed: same,
    rule: 'app-queue-capacity', object: 'Job/team-a/train', message: /requests 4 nvidia.com\/gpu, which ClusterQueue "team-a" \(via LocalQueue "default"\) does not cover/,
  },
  {
    name: 'a CronJob whose job template names a missing LocalQueue',
    broken: apply(() => undefined, () => { const n = nightly(); n.spec.jobTemplate.metadata.labels['kueue.x-k8s.io/queue-name'] = 'nightly'; return [n]; }),
    fixed: apply(() => undefined, () => [nightly()]),
    rule: 'app-reference', object: 'CronJob/team-a/nightly', message: /label kueue.x-k8s.io\/queue-name refers to LocalQueue "nightly"/,
  },
  {
    name: 'an autoscaled Deployment on a ReadWriteOnce claim',
    broken: apply((a) => { podSpecOf(a.server).volumes = [{ name: 'cache', persistentVolumeClaim: { claimName: 'data' } }]; podSpecOf(a.server).containers[0].volumeMounts = [{ name: 'cache', mountPath: '/cache', readOnly: true }]; }),
    fixed: apply((a) => { a.data.spec.accessModes = ['ReadOnlyMany']; podSpecOf(a.server).volumes = [{ name: 'cache', persistentVolumeClaim: { claimName: 'data' } }]; podSpecOf(a.server).containers[0].volumeMounts = [{ name: 'cache', mountPath: '/cache', readOnly: true }]; }),
    rule: 'app-rwo-claim', object: 'Deployment/team-a/server', message: /claim "data" is ReadWriteOnce but up to 3 pods mount it at once \(Deployment\/team-a\/server: maxReplicas 2 of HorizontalPodAutoscaler\/team-a\/server \+ rolling-update surge 1\)/,
  },
  {
    name: 'a malformed flows annotation is a finding, not an exception',
    broken: apply((a) => { a.server.metadata.annotations['ml.cdk8s.io/flows'] = '[{"purpose": 1}'; }),
    fixed: same,
    rule: 'app-declaration', object: 'Deployment/team-a/server', message: /annotation ml.cdk8s.io\/flows is not JSON/,
  },
  {
    name: 'a malformed external declaration is a finding, not an exception',
    broken: apply((a) => { setExternal(a.server, [{ kind: 'secret', name: 'x' }, 'y']); }),
    fixed: same,
    rule: 'app-declaration', object: 'Deployment/team-a/server', message: /annotation ml.cdk8s.io\/external item 0: kind must be a Kubernetes kind such as LocalQueue/,
  },
  {
    // A TrainJob has no pod template: its pods are the TrainingRuntime's it names, run by a JobSet named after it.
    name: 'a TrainJob\'s fetch blocked for the pods of its TrainingRuntime (checked on those pods, not "without pod templates")',
    broken: apply(() => undefined, (a) => trainJobWithRuntime(a, false)),
    fixed: apply(() => undefined, (a) => trainJobWithRuntime(a, true)),
    rule: 'app-flow',
    object: 'TrainJob/team-a/tune',
    message: /flow "fetch corpus" of app\/tune \(egress host data\.example\.com on TCP 443\) is blocked: TrainJob\/team-a\/tune is egress-isolated by NetworkPolicies \["default-deny"\]/,
  },
  {
    name: 'flows declared on an object without pods are not silently ignored (warning)',
    broken: apply((a) => { setFlows(a.config, [{ purpose: 'fetch', direction: 'egress', peer: { kind: 'external', host: 'example.com' }, ports: [{ port: 443 }] }]); }),
    fixed: same,
    rule: 'app-declaration', object: 'ConfigMap/team-a/train-config', severity: 'warning', message: /1 flow\(s\) are declared on an object without pod templates/,
  },
];

const show = (findings: readonly AppFinding[]) => findings.map((f) => `${f.severity} ${f.object} ${f.path} [${f.rule}] ${f.message}`).join('\n');

test('the whole app checks clean', () => {
  const result = checkApp(objectsOf(wholeApp()));
  expect(show(result.findings)).toBe('');
  expect(result).toMatchObject({ valid: true, errorCount: 0, warningCount: 0 });
});

test(`there are ${MISTAKES.length} mistakes (the 6 of issue 13 and more)`, () => {
  expect(MISTAKES.length).toBeGreaterThanOrEqual(26);
  expect(new Set(MISTAKES.map((m) => m.name)).size).toBe(MISTAKES.length);
});

describe.each(MISTAKES.map((m) => [m.name, m] as const))('%s', (_name, m) => {
  test('fails with a finding naming the object, the reference and the fix', () => {
    const result = checkApp(m.broken(wholeApp()));
    const hits = result.findings.filter((f) => f.rule === m.rule && f.object === m.object && m.message.test(f.message));
    if (hits.length === 0) throw new Error(`no ${m.rule} finding on ${m.object} matching ${m.message}; found:\n${show(result.findings)}`);
    expect(hits[0].severity).toBe(m.severity ?? 'error');
    expect(hits[0].fix.length).toBeGreaterThan(10);
    if (m.fix) expect(hits[0].fix).toMatch(m.fix);
    expect(result.valid).toBe((m.severity ?? 'error') !== 'error');
  });

  test('its correct counterpart checks clean', () => {
    expect(show(checkApp(m.fixed(wholeApp())).findings)).toBe('');
  });
});

describe('options and integration', () => {
  const broken = () => apply((a) => { a.train.metadata.labels['kueue.x-k8s.io/queue-name'] = 'team-a'; })(wholeApp());

  test('rules turn app rules off or change their severity; the disable annotation needs a reason', () => {
    expect(checkApp(broken(), { rules: { 'app-reference': 'off' } }).findings).toEqual([]);
    expect(checkApp(broken(), { rules: { 'app-reference': 'warning' } })).toMatchObject({ valid: true, warningCount: 1 });
    const annotated = broken();
    const job = annotated.find((o) => o.kind === 'Job');
    job.metadata.annotations['cdk8s-ml.io/disable-policy.app-reference'] = 'the queue is created by the platform repo';
    expect(checkApp(annotated).findings).toEqual([]);
  });

  test('checkManifests runs it (source app, related objects) unless app: false; rules reach it', () => {
    const objects = broken();
    const app = checkManifests(objects, { schema: false, policies: false });
    expect(app.findings.map((f) => [f.source, f.rule, f.object])).toEqual([['app', 'app-reference', 'Job/team-a/train']]);
    expect(checkManifests(objects, { schema: false, policies: false, app: false }).findings).toEqual([]);
    expect(checkManifests(objects, { schema: false, policies: false, rules: { 'app-reference': 'off' } }).findings).toEqual([]);
    const flow = checkManifests(apply((a) => { delete (a as any).trainPolicy; })(wholeApp()), { schema: false, policies: false });
    expect(flow.findings[0].related).toEqual(['NetworkPolicy/team-a/default-deny']);
  });

  test('garbage input gives findings or nothing, never an exception', () => {
    const garbage: any[] = [null, 3, 'x', [], {}, { kind: 'Job' }, { kind: 'Job', metadata: { namespace: 5 }, spec: { template: { spec: { containers: 'x', volumes: [null, { persistentVolumeClaim: null }] } } } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: NS }, spec: { podSelector: { matchExpressions: 'y' }, egress: 'z' } },
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'q' }, spec: { resourceGroups: [{ flavors: [{ name: 5, resources: 'x' }] }] } },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: NS }, spec: { hard: { 'requests.cpu': 'lots' } } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: NS, annotations: { 'ml.cdk8s.io/flows': '{}' } }, spec: { template: { spec: { containers: [{ resources: { requests: { cpu: [] } } }] } } } }];
    expect(() => checkApp(garbage)).not.toThrow();
    expect(checkApp(garbage).findings.every((f) => f.rule.startsWith('app-'))).toBe(true);
  });
});
