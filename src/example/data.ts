import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Accelerator, External, NetworkFlow, buildMlPodSpec, declareFlows, declareUsedReferences, dnsFlow, externalEgressRule, useContributedReferences, kplusRestrictedSecurityContext, shortHash, standardLabels } from '../core';
import { DataSource, DatasetAccessMode, DatasetInit, DatasetVolume, Extract, HuggingFaceRepoType, SecretKey } from '../data';

/**
 * Example: datasets fetched by init containers.
 * - ImageNet from HTTPS (sha256-pinned tar.gz) into a ReadWriteMany PVC cache, consumed by
 *   a training Job built from the core helpers; the fetcher's permanent exit codes fail the
 *   Job at once through its podFailurePolicy.
 * - A Hugging Face model at a pinned commit into a per-pod emptyDir, attached to a
 *   cdk8s-plus Deployment.
 */
export function dataChart(app: App): Chart {
  const chart = new Chart(app, 'data', { namespace: 'team-a' });

  const imagenet = new DatasetInit(chart, 'imagenet', {
    source: DataSource.http('https://data.example.com/imagenet/ilsvrc2012-train.tar.gz', {
      sha256: '4f1a7a4b0e5c2d6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e',
      extract: Extract.TAR_GZ,
      expectedSize: Size.gibibytes(140),
      headersFromSecret: SecretKey.of(External.secret('imagenet-download'), 'headers'),
    }),
    volume: DatasetVolume.newPvc({ storage: Size.gibibytes(400), storageClassName: 'shared-rwx', accessMode: DatasetAccessMode.READ_WRITE_MANY }),
  });

  // A cdk8s-ml style consumer: the Job asks the dataset for its contribution.
  const train = new Construct(chart, 'resnet-train');
  const data = imagenet.contributeTo(train);
  const labels = standardLabels({ name: 'resnet-train', component: 'training', partOf: 'ml-platform' });
  const podSpec = buildMlPodSpec(train, {
    restartPolicy: 'Never',
    initContainers: data.initContainers,
    volumes: data.volumes,
    shmSize: Size.gibibytes(8),
    containers: [
      {
        name: 'trainer',
        image: 'ghcr.io/acme/resnet-trainer:1.4.0',
        command: ['python', '-m', 'train', '--data', imagenet.mountPath],
        env: data.env,
        volumeMounts: data.volumeMounts,
        resources: { cpu: '16', memory: '64Gi' },
        accelerator: Accelerator.nvidiaGpu({ count: 4 }),
      },
    ],
  });
  const template = { metadata: { labels }, spec: podSpec };
  const job = new k8s.KubeJob(train, 'Resource', {
    metadata: { name: `resnet-train-${shortHash(template)}`, labels },
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: 24 * 3600,
      podFailurePolicy: {
        // onPodConditions is optional in the API (required only in the 1.28 OpenAPI and the
        // cdk8s-plus-28 typings); an empty list is not stored by the API server.
        rules: data.containerNames.map(
          (containerName) => ({ action: 'FailJob', onExitCodes: { containerName, operator: 'In', values: data.permanentExitCodes } }) as k8s.PodFailurePolicyRule,
        ),
      },
      template,
    },
  });
  // what the pod needs, for the whole-app check: DNS, the dataset's fetch, its external secret
  declareFlows(job, [dnsFlow(train.node.path), ...(data.flows ?? [])]);
  useContributedReferences(train, [data], 1, 'one pod');
  declareUsedReferences(train, job);
  allowFetchEgress(train, 'resnet-train-fetch', labels, data.flows ?? []);

  // A cdk8s-plus consumer: the dataset attaches itself.
  const model = new DatasetInit(chart, 'qwen', {
    source: DataSource.huggingFace('Qwen/Qwen2.5-0.5B-Instruct', {
      // Pin the commit you tested; a branch name works but its content can move.
      revision: '7ae557604adf67be50417f59c2c2f167def9a775',
      repoType: HuggingFaceRepoType.MODEL,
      token: SecretKey.of(External.secret('hf-token'), 'token'),
    }),
    volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(4) }),
    mountPath: '/models/qwen',
  });
  const server = new kplus.Deployment(chart, 'qwen-server', {
    replicas: 1,
    automountServiceAccountToken: false,
    securityContext: { user: 1000, group: 1000, fsGroup: 1000, ensureNonRoot: true },
    containers: [
      {
        name: 'server',
        image: 'ghcr.io/acme/tiny-llm-server:0.3.1',
        args: ['--model', '/models/qwen'],
        portNumber: 8000,
        // Loading the model takes a while after the init container fetched it: 5 minutes.
        startup: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(5), failureThreshold: 60 }),
        // Ready = the model answers; live = the process accepts connections (a different check).
        readiness: kplus.Probe.fromHttpGet('/health', { port: 8000, periodSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromTcpSocket({ port: 8000, periodSeconds: Duration.seconds(20) }),
        securityContext: kplusRestrictedSecurityContext(),
        resources: {
          cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.units(2) },
          memory: { request: Size.gibibytes(4), limit: Size.gibibytes(4) },
          // Its own logs; the weights' emptyDir is requested by the fetch init container. No
          // limit: container limits sum to the pod's, which the emptyDirs count against.
          ephemeralStorage: { request: Size.gibibytes(1) },
        },
      },
    ],
  });
  model.attachTo(server);
  allowFetchEgress(server, 'qwen-server-fetch', server.matchLabels, model.flows());
  return chart;
}

/**
 * The team namespace denies egress by default (MlNamespace): a hand-made workload allows the
 * fetch its datasets declare (DNS is allowed namespace-wide). cdk8s-ml's own workload
 * constructs render this rule themselves.
 */
function allowFetchEgress(scope: Construct, name: string, podLabels: Record<string, string>, flows: readonly NetworkFlow[]): void {
  const egress = externalEgressRule(flows);
  if (!egress) return;
  new k8s.KubeNetworkPolicy(scope, 'FetchEgress', {
    metadata: { name, labels: standardLabels({ name, component: 'network', partOf: 'ml-platform' }) },
    spec: { podSelector: { matchLabels: { ...podLabels } }, policyTypes: ['Egress'], egress: [egress] },
  });
}
