/**
 * A small whole app as rendered YAML (objects): a namespace with Kueue queues, a quota, a
 * default deny with DNS, a queued 2-pod training Job and an autoscaled model server. Every
 * reference resolves, every declared flow is allowed, capacity adds up: the app check finds
 * nothing. The mistakes in app-check.test.ts are each one change to it.
 */
export const NS = 'team-a';

const FLOWS = 'ml.cdk8s.io/flows';
const EXTERNAL = 'ml.cdk8s.io/external';

const container = (name: string, requests: Record<string, string | number>, extra: Record<string, any> = {}) => ({
  name,
  image: 'ghcr.io/acme/app:1.0.0',
  resources: { requests, limits: requests },
  ...extra,
});

export interface WholeApp {
  namespace: any;
  flavor: any;
  clusterQueue: any;
  localQueue: any;
  workloadPriority: any;
  priorityClass: any;
  quota: any;
  defaultDeny: any;
  config: any;
  secret: any;
  serviceAccount: any;
  checkpoints: any;
  data: any;
  train: any;
  trainService: any;
  trainPolicy: any;
  server: any;
  serverService: any;
  serverPdb: any;
  serverHpa: any;
  serverPolicy: any;
  ingress: any;
  tls: any;
  monitor: any;
  role: any;
  roleBinding: any;
}

/** A fresh copy of the whole app (tests mutate it). */
export function wholeApp(): WholeApp {
  const trainLabels = { 'app.kubernetes.io/name': 'train' };
  const serverLabels = { 'app.kubernetes.io/name': 'server' };
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { team: 'a' } } },
    flavor: { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: 'gpu-a100' } },
    clusterQueue: {
      apiVersion: 'kueue.x-k8s.io/v1beta1',
      kind: 'ClusterQueue',
      metadata: { name: 'team-a' },
      spec: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
        resourceGroups: [{
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
          flavors: [{ name: 'gpu-a100', resources: [{ name: 'cpu', nominalQuota: 64 }, { name: 'memory', nominalQuota: '256Gi' }, { name: 'nvidia.com/gpu', nominalQuota: 8 }] }],
        }],
      },
    },
    localQueue: { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'default', namespace: NS }, spec: { clusterQueue: 'team-a' } },
    workloadPriority: { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'WorkloadPriorityClass', metadata: { name: 'high' }, value: 1000 },
    priorityClass: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'ml-high' }, value: 1000 },
    quota: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'ml-quota', namespace: NS }, spec: { hard: { 'requests.cpu': '100', 'requests.memory': '512Gi', 'requests.nvidia.com/gpu': '12' } } },
    defaultDeny: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: NS },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
        }],
      },
    },
    config: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'train-config', namespace: NS }, data: { 'config.yaml': 'epochs: 3\n', EPOCHS: '3' } },
    secret: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hf-token', namespace: NS }, type: 'Opaque', stringData: { token: 'from-vault' } },
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'trainer', namespace: NS } },
    checkpoints: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'checkpoints', namespace: NS }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Ti' } } } },
    data: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } },
    train: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'train',
        namespace: NS,
        labels: { ...trainLabels, 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'high' },
        annotations: {
          [FLOWS]: JSON.stringify([
            { purpose: 'rendezvous', direction: 'ingress', peer: { kind: 'pods', podLabels: { 'batch.kubernetes.io/job-name': 'train' } }, ports: [{ port: 29500 }], construct: 'app/train' },
            { purpose: 'rendezvous', direction: 'egress', peer: { kind: 'pods', podLabels: { 'batch.kubernetes.io/job-name': 'train' } }, ports: [{ port: 29500 }], construct: 'app/train' },
          ]),
        },
      },
      spec: {
        suspend: true,
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        template: {
          metadata: { labels: trainLabels },
          spec: {
            restartPolicy: 'Never',
            subdomain: 'train',
            serviceAccountName: 'trainer',
            priorityClassName: 'ml-high',
            containers: [container('trainer', { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 2 }, {
              env: [
                { name: 'EPOCHS', valueFrom: { configMapKeyRef: { name: 'train-config', key: 'EPOCHS' } } },
                { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
              ],
              volumeMounts: [{ name: 'config', mountPath: '/etc/train' }, { name: 'checkpoints', mountPath: '/ckpt', subPath: 'train' }],
            })],
            volumes: [{ name: 'config', configMap: { name: 'train-config' } }, { name: 'checkpoints', persistentVolumeClaim: { claimName: 'checkpoints' } }],
          },
        },
      },
    },
    trainService: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'train', namespace: NS },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'batch.kubernetes.io/job-name': 'train' }, ports: [{ name: 'rdzv', port: 29500 }] },
    },
    trainPolicy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'train-peers', namespace: NS },
      spec: {
        podSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'train' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'train' } } }], ports: [{ port: 29500 }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'train' } } }], ports: [{ port: 29500 }] }],
      },
    },
    server: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'server',
        namespace: NS,
        labels: serverLabels,
        annotations: {
          [FLOWS]: JSON.stringify([
            { purpose: 'fetch model from the Hugging Face Hub', direction: 'egress', peer: { kind: 'external', host: 'huggingface.co' }, ports: [{ port: 443 }], construct: 'app/server' },
            { purpose: 'ingress controller', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, ports: [{ port: 8000 }], construct: 'app/server' },
          ]),
        },
      },
      spec: {
        selector: { matchLabels: serverLabels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: serverLabels },
          spec: {
            initContainers: [container('fetch', { cpu: 1, memory: '2Gi' }, { env: [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } }] })],
            containers: [container('server', { cpu: 4, memory: '16Gi', 'nvidia.com/gpu': 1 }, { ports: [{ name: 'http', containerPort: 8000 }] })],
          },
        },
      },
    },
    serverService: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'server', namespace: NS, labels: serverLabels },
      spec: { selector: serverLabels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    serverPdb: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'server', namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: serverLabels } } },
    serverHpa: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'server', namespace: NS },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'server' }, minReplicas: 1, maxReplicas: 2 },
    },
    serverPolicy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'server', namespace: NS },
      spec: {
        podSelector: { matchLabels: serverLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 'http' }] }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }], ports: [{ port: 443 }] }],
      },
    },
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'server', namespace: NS },
      spec: {
        tls: [{ hosts: ['chat.example.com'], secretName: 'chat-tls' }],
        rules: [{ host: 'chat.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'server', port: { name: 'http' } } } }] } }],
      },
    },
    tls: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'chat-tls', namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
    monitor: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'server', namespace: NS },
      spec: { selector: { matchLabels: serverLabels }, endpoints: [{ port: 'http', path: '/metrics' }] },
    },
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'trainer', namespace: NS }, rules: [] },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'trainer', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'trainer' },
      subjects: [{ kind: 'ServiceAccount', name: 'trainer', namespace: NS }],
    },
  };
}

/** The objects of an app. */
export const objectsOf = (app: WholeApp): any[] => Object.values(app).filter((o) => o !== undefined);

/** Sets the flows annotation of an object. */
export function setFlows(obj: any, flows: any[]): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [FLOWS]: JSON.stringify(flows) };
}

/** Declares references of an object external. */
export function setExternal(obj: any, refs: any[]): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [EXTERNAL]: JSON.stringify(refs) };
}

/** The pod spec of a Job/Deployment/CronJob. */
export function podSpecOf(obj: any): any {
  return obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}

/** A nightly CronJob of the training (same image and claim). */
export function nightly(extra: { subPath?: string; subPathExpr?: string } = { subPathExpr: '$(JOB_NAME)' }): any {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: NS },
    spec: {
      schedule: '0 2 * * *',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        metadata: { labels: { 'kueue.x-k8s.io/queue-name': 'default' } },
        spec: {
          suspend: true,
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'nightly' } },
            spec: {
              restartPolicy: 'Never',
              containers: [container('trainer', { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 2 }, {
                env: [{ name: 'JOB_NAME', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }],
                volumeMounts: [{ name: 'checkpoints', mountPath: '/ckpt', ...extra }],
              })],
              volumes: [{ name: 'checkpoints', persistentVolumeClaim: { claimName: 'checkpoints' } }],
            },
          },
        },
      },
    },
  };
}
