/**
 * Typed references between constructs, External declarations and the network flows each
 * workload declares (issue 13, part 1): every construct-level mistake is a "fails ..." test
 * with the exact message, and its correct counterpart renders clean. Expected annotation
 * values are spelled out by hand.
 */
import { App, Chart, Size } from 'cdk8s';
import { Accelerator, EXTERNAL_ANNOTATION, EnvSource, External, FLOWS_ANNOTATION, VolumeClaim } from '../../src/core';
import { DataSource, DatasetAccessMode, DatasetInit, DatasetVolume, S3Credentials, GcsCredentials } from '../../src/data';
import { TrainingPipeline, Workspace } from '../../src/pipeline';
import { MlNamespace, PriorityClass, ScheduledTraining, TrainingTemplate, WorkloadPriorityClass } from '../../src/platform';
import { Expose, Metrics, ModelServing, ServingBackend, ServingRuntime } from '../../src/serving';
import { expectValidManifests } from '../../src/testing';
import { CheckpointVolume, DistributedTrainingJob, DistributedTrainingJobProps, Framework, Queue, TrainingBackend } from '../../src/training';

const FLAVOR = { name: 'h100', cpu: '512', memory: '4Ti', gpu: 32 };
const TRAINER: DistributedTrainingJobProps = {
  image: 'ghcr.io/acme/trainer:1.4.2',
  command: ['python', '-m', 'train'],
  nodes: 2,
  resources: { cpu: '8', memory: '64Gi' },
  framework: Framework.pytorch({ port: 29500 }),
};
const DNS = {
  construct: '', direction: 'egress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, podLabels: { 'k8s-app': 'kube-dns' } },
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], purpose: 'dns',
};
const dns = (construct: string) => ({ ...DNS, construct });
const DNS_EGRESS_RULE = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

/** An app with the team-a MlNamespace (with a queue unless `queue: false`) and a workload chart in `namespace`. */
function setup(options: { queue?: boolean; namespace?: string } = {}) {
  const app = new App();
  const platform = new Chart(app, 'platform');
  const team = new MlNamespace(platform, 'team-a', { name: 'team-a', gpuQuota: 32, ...(options.queue === false ? {} : { queue: { flavors: [FLAVOR] } }) });
  const chart = new Chart(app, 'work', { namespace: options.namespace ?? 'team-a' });
  return { app, platform, team, chart };
}

function parse(manifest: any, key: string): unknown {
  const text = manifest.metadata?.annotations?.[key];
  return text === undefined ? undefined : JSON.parse(text);
}
const byKind = (chart: Chart, kind: string) => chart.toJson().filter((m: any) => m.kind === kind);
const one = (chart: Chart, kind: string) => {
  const found = byKind(chart, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
};

describe('queues are objects', () => {
  test('Queue.kueue(namespace): the Job carries the namespace LocalQueue name, nothing is declared external', () => {
    const { app, chart, team } = setup();
    new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(team) });
    const job = one(chart, 'Job');
    expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
    expect(job.spec.suspend).toBeUndefined(); // Kueue's webhook suspends it on create
    expect(parse(job, EXTERNAL_ANNOTATION)).toBeUndefined();
    expectValidManifests(app);
  });

  test('Queue.kueue(namespace.queue) (the TeamQueue) is the same queue', () => {
    const { chart, team } = setup();
    new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(team.queue) });
    expect(one(chart, 'Job').metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
  });

  test('External.localQueue: the name is used and declared external on the Job', () => {
    const { chart } = setup();
    new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(External.localQueue('shared')) });
    const job = one(chart, 'Job');
    expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('shared');
    expect(parse(job, EXTERNAL_ANNOTATION)).toEqual([{ kind: 'LocalQueue', name: 'shared' }]);
  });

  test('fails on a queue given as a plain string (neither rendered nor declared external)', () => {
    const { chart } = setup();
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue('team-a' as any) })).toThrow(
      'work/train: queue: Queue.kueue needs a LocalQueue object (an MlNamespace with a queue, its TeamQueue, or External.localQueue(name)), got "team-a"',
    );
  });

  test('fails on the queue of another namespace', () => {
    const { chart, team } = setup({ namespace: 'team-b' });
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(team) })).toThrow(
      'work/train: queue: LocalQueue "default" (platform/team-a/Queue/LocalQueue) lives in namespace "team-a" but the workload is in namespace "team-b"; a workload can only use a LocalQueue of its own namespace',
    );
  });

  test('fails on an External queue declared in another namespace', () => {
    const { chart } = setup();
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(External.localQueue('shared', { namespace: 'platform' })) })).toThrow(
      'work/train: queue: LocalQueue "shared" (External) lives in namespace "platform" but the workload is in namespace "team-a"; a workload can only use a LocalQueue of its own namespace',
    );
  });

  test('fails on an MlNamespace without queue used as queue', () => {
    const { chart, team } = setup({ queue: false });
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(team) })).toThrow(
      'work/train: queue: MlNamespace platform/team-a (namespace "team-a") has no Kueue queue, so nothing would admit the workload; set the namespace\'s queue prop or use External.localQueue(name)',
    );
    expect(() => team.queue).toThrow(
      'platform/team-a: has no Kueue queue (the queue prop is not set), so it has no LocalQueue to submit workloads to; set queue: { flavors: [...] } or use External.localQueue(name) for a queue managed elsewhere',
    );
    expect(team.hasQueue).toBe(false);
  });

  test('ScheduledTraining takes the queue the same way, and refuses another namespace\'s', () => {
    const { app, chart, team } = setup();
    const job = TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '4', memory: '16Gi' } });
    new ScheduledTraining(chart, 'nightly', { schedule: '0 2 * * *', queue: Queue.kueue(team), job });
    const cron = one(chart, 'CronJob');
    expect(cron.spec.jobTemplate.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
    expect(cron.spec.jobTemplate.spec.suspend).toBe(true);
    expectValidManifests(app);
    const other = new Chart(app, 'other', { namespace: 'team-b' });
    expect(() => new ScheduledTraining(other, 'nightly', { schedule: '0 2 * * *', queue: Queue.kueue(team), job })).toThrow(
      'other/nightly: queue: LocalQueue "default" (platform/team-a/Queue/LocalQueue) lives in namespace "team-a" but the workload is in namespace "team-b"; a workload can only use a LocalQueue of its own namespace',
    );
  });
});

describe('priority classes are objects', () => {
  test('a WorkloadPriorityClass and a PriorityClass of the app: names used, nothing external, objects rendered cluster-scoped', () => {
    const { app, chart, team, platform } = setup();
    const high = new WorkloadPriorityClass(platform, 'high', { value: 1000, description: 'deadline-bound' });
    const training = new PriorityClass(platform, 'training', { value: 100000 });
    new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(team, { priorityClass: high }), priorityClass: training });
    const job = one(chart, 'Job');
    expect(job.metadata.labels['kueue.x-k8s.io/priority-class']).toBe('high');
    expect(job.spec.template.spec.priorityClassName).toBe('training');
    expect(parse(job, EXTERNAL_ANNOTATION)).toBeUndefined();
    const wpc = platform.toJson().find((m: any) => m.kind === 'WorkloadPriorityClass');
    expect(wpc).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'WorkloadPriorityClass',
      metadata: { name: 'high', labels: { 'app.kubernetes.io/component': 'queue', 'app.kubernetes.io/instance': 'high', 'app.kubernetes.io/managed-by': 'cdk8s-ml', 'app.kubernetes.io/name': 'high' } },
      value: 1000, description: 'deadline-bound',
    });
    expect(platform.toJson().find((m: any) => m.kind === 'PriorityClass')).toMatchObject({ apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'training' }, value: 100000 });
    expectValidManifests(app);
  });

  test('External priority classes are declared on the workload', () => {
    const { chart, team } = setup();
    new DistributedTrainingJob(chart, 'train', {
      ...TRAINER, queue: Queue.kueue(team, { priorityClass: External.workloadPriorityClass('urgent') }), priorityClass: External.priorityClass('batch-low'),
    });
    expect(parse(one(chart, 'Job'), EXTERNAL_ANNOTATION)).toEqual([{ kind: 'PriorityClass', name: 'batch-low' }, { kind: 'WorkloadPriorityClass', name: 'urgent' }]);
  });

  test('fails on a priority class given as a plain string', () => {
    const { chart, team } = setup();
    expect(() => new DistributedTrainingJob(chart, 'a', { ...TRAINER, priorityClass: 'high' as any })).toThrow(
      'work/a: priorityClass must be a PriorityClass or External.priorityClass(name), got "high"',
    );
    expect(() => new DistributedTrainingJob(chart, 'b', { ...TRAINER, queue: Queue.kueue(team, { priorityClass: 'high' as any }) })).toThrow(
      'work/b: kueue priorityClass must be a WorkloadPriorityClass or External.workloadPriorityClass(name), got "high"',
    );
  });

  test('fails on a PriorityClass value in the system range', () => {
    const { platform } = setup();
    expect(() => new PriorityClass(platform, 'top', { value: 2000000000 })).toThrow('platform/top: value must be an integer from -2147483648 to 1000000000, got 2000000000');
  });
});

describe('claims: ReadWriteOnce and shared checkpoints', () => {
  test('fails on a ReadWriteOnce checkpoint claim mounted by a 2-node job', () => {
    const { chart } = setup();
    const claim = new VolumeClaim(chart, 'ckpt', { storage: Size.gibibytes(100) });
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, checkpoints: CheckpointVolume.claim(claim) })).toThrow(
      'work/train: checkpoints: claim "ckpt" (work/ckpt) is ReadWriteOnce but the job runs 2 pods, one per node; the second pod could never attach it — use a ReadWriteMany claim',
    );
  });

  test('fails on an External ReadWriteOnce claim too, and on a ReadWriteOnce dataset volume', () => {
    const { chart } = setup();
    expect(() => new DistributedTrainingJob(chart, 'a', { ...TRAINER, onePodPerNode: false, checkpoints: CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadWriteOnce'] })) })).toThrow(
      'work/a: checkpoints: claim "ckpt" is ReadWriteOnce but the job runs 2 pods that may land on different nodes; the second pod could never attach it — use a ReadWriteMany claim',
    );
    const data = new DatasetInit(chart, 'data', {
      source: DataSource.http('https://data.example.com/x.tar', { sha256: 'a'.repeat(64) }),
      volume: DatasetVolume.newPvc({ storage: Size.gibibytes(10) }),
    });
    expect(() => new DistributedTrainingJob(chart, 'b', { ...TRAINER, datasets: [data] })).toThrow(
      'work/b: dataset data volume: claim "data-data" (work/data/Volume) is ReadWriteOnce but the job runs 2 pods, one per node; the second pod could never attach it — use a ReadWriteMany claim',
    );
  });

  test('a ReadWriteMany claim is fine for several nodes; a ReadWriteOnce one for a single node', () => {
    const { app, chart } = setup();
    const shared = new VolumeClaim(chart, 'ckpt', { storage: Size.gibibytes(100), accessModes: ['ReadWriteMany'], storageClassName: 'nfs' });
    new DistributedTrainingJob(chart, 'multi', { ...TRAINER, checkpoints: CheckpointVolume.claim(shared, { subPath: 'multi' }) });
    const single = new VolumeClaim(chart, 'single-ckpt', { storage: Size.gibibytes(10) });
    new DistributedTrainingJob(chart, 'single', { ...TRAINER, nodes: 1, checkpoints: CheckpointVolume.claim(single) });
    const pvc = byKind(chart, 'PersistentVolumeClaim').find((m: any) => m.metadata.name === 'ckpt');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'nfs', resources: { requests: { storage: '100Gi' } } });
    const multi = byKind(chart, 'Job').find((j: any) => j.metadata.name.startsWith('multi-'));
    expect(multi.spec.template.spec.volumes).toContainEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } });
    expect(multi.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPath: 'multi' });
    expect(parse(multi, EXTERNAL_ANNOTATION)).toBeUndefined();
    expectValidManifests(app);
  });

  test('fails on a checkpoint claim shared by a one-off job and a schedule without a sub-path of its own', () => {
    const { chart } = setup();
    const claim = new VolumeClaim(chart, 'ckpt', { storage: Size.gibibytes(100), accessModes: ['ReadWriteMany'] });
    new DistributedTrainingJob(chart, 'once', { ...TRAINER, checkpoints: CheckpointVolume.claim(claim) });
    expect(() => new ScheduledTraining(chart, 'nightly', { schedule: '0 2 * * *', job: TrainingTemplate.distributed({ ...TRAINER, checkpoints: CheckpointVolume.claim(claim) }) })).toThrow(
      'work/nightly: checkpoints: claim "ckpt" is also mounted by work/once at the claim root, overlapping sub-path "nightly" here; runs would overwrite each other\'s checkpoints — give each workload its own CheckpointVolume subPath',
    );
  });

  test('fails on two jobs mounting the same claim at the same sub-path (External claims by name too)', () => {
    const { chart } = setup();
    new DistributedTrainingJob(chart, 'a', { ...TRAINER, checkpoints: CheckpointVolume.claim(External.claim('ckpt'), { subPath: 'runs' }) });
    expect(() => new DistributedTrainingJob(chart, 'b', { ...TRAINER, checkpoints: CheckpointVolume.claim(External.claim('ckpt'), { subPath: 'runs/b' }) })).toThrow(
      'work/b: checkpoints: claim "ckpt" is also mounted by work/a at sub-path "runs", overlapping sub-path "runs/b" here; runs would overwrite each other\'s checkpoints — give each workload its own CheckpointVolume subPath',
    );
  });

  test('per-workload sub-paths, and one folder per run for a schedule (subPathExpr from the Job name)', () => {
    const { app, chart } = setup();
    const claim = new VolumeClaim(chart, 'ckpt', { storage: Size.gibibytes(100), accessModes: ['ReadWriteMany'] });
    new DistributedTrainingJob(chart, 'once', { ...TRAINER, checkpoints: CheckpointVolume.claim(claim, { subPath: 'one-off' }) });
    new ScheduledTraining(chart, 'nightly', { schedule: '0 2 * * *', job: TrainingTemplate.distributed({ ...TRAINER, checkpoints: CheckpointVolume.claim(claim) }) });
    const trainer = one(chart, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0];
    expect(trainer.volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: 'nightly/$(JOB_NAME)' });
    expect(trainer.env).toContainEqual({ name: 'JOB_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } });
    expectValidManifests(app);
  });

  test('fails on a ReadWriteOnce pipeline workspace for a multi-node training step', () => {
    const app = new App();
    const chart = new Chart(app, 'pipe', { namespace: 'team-a' });
    const { setTargetKubernetesVersion, KubernetesVersion } = jest.requireActual('../../src/core');
    setTargetKubernetesVersion(chart, KubernetesVersion.V1_31);
    const p = new TrainingPipeline(chart, 'nightly', { workspace: Workspace.pvc(new VolumeClaim(chart, 'ws', { storage: Size.gibibytes(100) })) });
    expect(() => p.addDistributedTrainingStep('train', { image: 'ghcr.io/acme/t:1.0.0', command: ['python', '-m', 'train'], nodes: 2, resources: { cpu: '8', memory: '64Gi' }, framework: Framework.pytorch() })).toThrow(
      'pipe/nightly/train: workspace: claim "ws" (pipe/ws) is ReadWriteOnce but the step runs 2 pods, one per node; the second pod could never attach it — use a ReadWriteMany claim',
    );
  });

  test('fails on a claim of another namespace', () => {
    const { app, chart } = setup();
    const elsewhere = new Chart(app, 'elsewhere', { namespace: 'team-b' });
    const claim = new VolumeClaim(elsewhere, 'ckpt', { storage: Size.gibibytes(100), accessModes: ['ReadWriteMany'] });
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, checkpoints: CheckpointVolume.claim(claim) })).toThrow(
      'work/train: checkpoints: PersistentVolumeClaim "ckpt" (elsewhere/ckpt) lives in namespace "team-b" but the workload is in namespace "team-a"; a workload can only use a PersistentVolumeClaim of its own namespace',
    );
  });

  test('External claims, secrets, config maps and service accounts are declared on the workload', () => {
    const { chart } = setup();
    new DistributedTrainingJob(chart, 'train', {
      ...TRAINER,
      env: {
        WANDB_API_KEY: EnvSource.fromSecret(External.secret('wandb'), 'api-key'),
        MIRROR: EnvSource.fromConfigMap(External.configMap('mirrors'), 'pypi'),
        LOCAL: EnvSource.fromConfigMap('rendered-here', 'x'),
      },
      serviceAccountName: External.serviceAccount('trainer'),
      checkpoints: CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadWriteMany'] })),
    });
    const job = one(chart, 'Job');
    expect(parse(job, EXTERNAL_ANNOTATION)).toEqual([
      { kind: 'ConfigMap', name: 'mirrors' },
      { kind: 'PersistentVolumeClaim', name: 'ckpt' },
      { kind: 'Secret', name: 'wandb' },
      { kind: 'ServiceAccount', name: 'trainer' },
    ]);
    const pod = job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('trainer');
    expect(pod.containers[0].env).toContainEqual({ name: 'WANDB_API_KEY', valueFrom: { secretKeyRef: { name: 'wandb', key: 'api-key' } } });
    expect(pod.containers[0].env).toContainEqual({ name: 'MIRROR', valueFrom: { configMapKeyRef: { name: 'mirrors', key: 'pypi' } } });
  });

  test('fails on an External reference of the wrong kind (type-checked, also refused at run time)', () => {
    const { chart } = setup();
    expect(() => new DistributedTrainingJob(chart, 'train', { ...TRAINER, queue: Queue.kueue(External.claim('ckpt') as any) })).toThrow(
      'work/train: expected a LocalQueue reference, got External PersistentVolumeClaim "ckpt"',
    );
  });
});

describe('flows: each workload declares what its pods need', () => {
  const rendezvous = (construct: string, podLabels: Record<string, string>) => {
    const peer = { kind: 'pods', podLabels };
    return [
      { construct, direction: 'egress', peer, ports: [{ endPort: 65535, port: 1024, protocol: 'TCP' }], purpose: 'collectives' },
      { construct, direction: 'egress', peer, ports: [{ port: 29500, protocol: 'TCP' }], purpose: 'rendezvous' },
      { construct, direction: 'ingress', peer, ports: [{ endPort: 65535, port: 1024, protocol: 'TCP' }], purpose: 'collectives' },
      { construct, direction: 'ingress', peer, ports: [{ port: 29500, protocol: 'TCP' }], purpose: 'rendezvous' },
    ];
  };
  const imagenet = (chart: Chart) => new DatasetInit(chart, 'imagenet', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('https://data.example.com:8443/imagenet.tar', { sha256: 'b'.repeat(64) }) });
  const FETCH = { construct: 'work/imagenet', direction: 'egress', peer: { host: 'data.example.com', kind: 'external' }, ports: [{ port: 8443, protocol: 'TCP' }], purpose: 'fetch imagenet' };

  test('Indexed Job: DNS, dataset fetch, rendezvous and collectives among its own pods; the NetworkPolicy allows the fetch port', () => {
    const { app, chart } = setup();
    const job = new DistributedTrainingJob(chart, 'train', { ...TRAINER, datasets: [imagenet(chart)] });
    const manifest = one(chart, 'Job');
    expect(parse(manifest, FLOWS_ANNOTATION)).toEqual([FETCH, dns('work/train'), ...rendezvous('work/train', { 'batch.kubernetes.io/job-name': job.jobName })]);
    // on the object's own metadata only: never on the pod template (its hash names the Job)
    expect(manifest.spec.template.metadata.annotations).toBeUndefined();
    const np = one(chart, 'NetworkPolicy');
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8443 }] });
    expect(np.spec.egress.some((r: any) => r.ports?.some((p: any) => p.port === 443))).toBe(false);
    expectValidManifests(app);
  });

  test.each([
    ['JobSet', TrainingBackend.jobSet(), 'JobSet', 'jobset.sigs.k8s.io/jobset-name'],
    ['Kubeflow TrainJob', TrainingBackend.kubeflowTrainJob(), 'TrainJob', 'jobset.sigs.k8s.io/jobset-name'],
    ['PyTorchJob', TrainingBackend.pytorchJob(), 'PyTorchJob', 'training.kubeflow.org/job-name'],
  ])('%s backend: the same flows on the workload object, peers selected by the backend\'s job label', (_name, backend, kind, label) => {
    const app = new App();
    const chart = new Chart(app, 'work', { namespace: 'team-a' });
    const { setTargetKubernetesVersion, KubernetesVersion } = jest.requireActual('../../src/core');
    setTargetKubernetesVersion(chart, KubernetesVersion.V1_33);
    const job = new DistributedTrainingJob(chart, 'train', { ...TRAINER, backend });
    expect(parse(one(chart, kind), FLOWS_ANNOTATION)).toEqual([dns('work/train'), ...rendezvous('work/train', { [label]: job.jobName })]);
  });

  test('a single-node job declares no peer flows', () => {
    const { chart } = setup();
    new DistributedTrainingJob(chart, 'train', { ...TRAINER, nodes: 1 });
    expect(parse(one(chart, 'Job'), FLOWS_ANNOTATION)).toEqual([dns('work/train')]);
  });

  test('ScheduledTraining: flows on the CronJob (peers by the CronJob\'s pod labels)', () => {
    const { chart } = setup();
    new ScheduledTraining(chart, 'nightly', { schedule: '0 2 * * *', job: TrainingTemplate.distributed({ ...TRAINER, datasets: [imagenet(chart)] }) });
    new ScheduledTraining(chart, 'single', { schedule: '0 3 * * *', job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '4', memory: '16Gi' } }) });
    const [nightly, single] = byKind(chart, 'CronJob');
    expect(parse(nightly, FLOWS_ANNOTATION)).toEqual([
      FETCH, dns('work/nightly'),
      ...rendezvous('work/nightly', { 'app.kubernetes.io/instance': 'nightly', 'app.kubernetes.io/name': 'nightly' }),
    ]);
    expect(parse(single, FLOWS_ANNOTATION)).toEqual([dns('work/single')]);
    const np = byKind(chart, 'NetworkPolicy').find((p: any) => p.metadata.name === 'nightly');
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8443 }] });
  });

  test('egressTo: a single-node schedule gets a NetworkPolicy allowing exactly DNS and the declared hosts; a job allows them too', () => {
    const { app, chart } = setup();
    new ScheduledTraining(chart, 'nightly', {
      schedule: '0 2 * * *',
      job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '4', memory: '16Gi' }, egressTo: [{ host: 'api.wandb.ai' }, { host: 'pypi.mirror.example.com', port: 8443 }] }),
    });
    const wandb = { construct: 'work/nightly', direction: 'egress', peer: { host: 'api.wandb.ai', kind: 'external' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'egress to api.wandb.ai' };
    const mirror = { construct: 'work/nightly', direction: 'egress', peer: { host: 'pypi.mirror.example.com', kind: 'external' }, ports: [{ port: 8443, protocol: 'TCP' }], purpose: 'egress to pypi.mirror.example.com' };
    expect(parse(one(chart, 'CronJob'), FLOWS_ANNOTATION)).toEqual([wandb, mirror, dns('work/nightly')]);
    const np = one(chart, 'NetworkPolicy');
    expect(np.metadata.name).toBe('nightly');
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'nightly', 'app.kubernetes.io/name': 'nightly' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [DNS_EGRESS_RULE, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 8443 }] }],
    });
    expectValidManifests(app);

    new DistributedTrainingJob(chart, 'train', { ...TRAINER, network: { egressTo: [{ host: 'api.wandb.ai' }] } });
    const jobPolicy = byKind(chart, 'NetworkPolicy').find((p: any) => p.metadata.name === 'train');
    expect(jobPolicy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  test('fails on an egressTo host that is not a DNS name', () => {
    const { chart } = setup();
    expect(() => new ScheduledTraining(chart, 'nightly', {
      schedule: '0 2 * * *',
      job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '4', memory: '16Gi' }, egressTo: [{ host: 'https://api.wandb.ai' }] }),
    })).toThrow('work/nightly: job.egressTo host must be a DNS name, got "https://api.wandb.ai"');
  });

  test('ModelServing with a Hugging Face model in an MlNamespace: egress to the Hub on 443 is now allowed (the fetch-<model> bug)', () => {
    const { app, chart } = setup();
    const weights = new DatasetInit(chart, 'qwen', {
      source: DataSource.huggingFace('Qwen/Qwen2.5-7B-Instruct', { revision: 'a09a35458c702b33eeacc393d103063234e8bc28' }),
      volume: DatasetVolume.newPvc({ storage: Size.gibibytes(40), accessMode: DatasetAccessMode.READ_WRITE_MANY }),
    });
    new ModelServing(chart, 'chat', {
      runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/data/qwen' }),
      model: weights,
      resources: { cpu: '8', memory: '64Gi' },
      accelerator: Accelerator.nvidiaGpu({ count: 1 }),
      expose: Expose.ingress({ host: 'chat.example.com' }),
      metrics: Metrics.scrapeAnnotations(),
    });
    const np = one(chart, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress).toEqual([DNS_EGRESS_RULE, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    expect(parse(one(chart, 'Deployment'), FLOWS_ANNOTATION)).toEqual([
      dns('work/chat'),
      { construct: 'work/chat', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, ports: [{ port: 8000, protocol: 'TCP' }], purpose: 'ingress controller' },
      { construct: 'work/chat', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, ports: [{ port: 8000, protocol: 'TCP' }], purpose: 'metrics scrape' },
      { construct: 'work/qwen', direction: 'egress', peer: { host: 'huggingface.co', kind: 'external' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'fetch qwen' },
    ]);
    expectValidManifests(app);
  });

  test('ModelServing whose runtime downloads a Hub model id itself, and the KServe backend', () => {
    const { chart } = setup();
    new ModelServing(chart, 'chat', { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: 'Qwen/Qwen2.5-7B-Instruct' }), resources: { cpu: '8', memory: '64Gi' } });
    // sorted by their JSON text (declaration order does not change the output)
    expect(parse(one(chart, 'Deployment'), FLOWS_ANNOTATION)).toEqual([
      { construct: 'work/chat', direction: 'egress', peer: { host: 'huggingface.co', kind: 'external' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'download model Qwen/Qwen2.5-7B-Instruct' },
      dns('work/chat'),
    ]);
    expect(one(chart, 'NetworkPolicy').spec.egress).toEqual([DNS_EGRESS_RULE, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }]);

    const { chart: k } = setup();
    new ModelServing(k, 'chat', {
      runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/mnt/models' }),
      resources: { cpu: '8', memory: '64Gi' },
      backend: ServingBackend.kserve({ model: { format: 'huggingface', storageUri: 's3://models/qwen' } }),
    });
    expect(parse(one(k, 'InferenceService'), FLOWS_ANNOTATION)).toEqual([
      { construct: 'work/chat', direction: 'egress', peer: { host: 'models.s3.amazonaws.com', kind: 'external' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'fetch model (storage initializer)' },
      dns('work/chat'),
    ]);
    expect(one(k, 'NetworkPolicy').spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('dataset sources: S3 (AWS and an endpoint), GCS and plain http declare their host and port', () => {
    const { chart } = setup();
    const sources = {
      aws: DataSource.s3('s3://bucket-a/data/', { credentials: S3Credentials.anonymous(), region: 'eu-west-1' }),
      minio: DataSource.s3('s3://bucket-b/data/', { credentials: S3Credentials.anonymous(), endpoint: 'http://minio.storage.svc:9000' }),
      gcs: DataSource.gcs('gs://bucket-c/data/', { credentials: GcsCredentials.anonymous() }),
      plain: DataSource.http('http://mirror.example.org/x.tar', { sha256: 'c'.repeat(64) }),
    };
    const flows = Object.entries(sources).map(([id, source]) => new DatasetInit(chart, id, { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source }).flows());
    expect(flows).toEqual([
      [{ construct: 'work/aws', direction: 'egress', peer: { kind: 'external', host: 'bucket-a.s3.eu-west-1.amazonaws.com' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'fetch aws' }],
      [{ construct: 'work/minio', direction: 'egress', peer: { kind: 'external', host: 'minio.storage.svc' }, ports: [{ port: 9000, protocol: 'TCP' }], purpose: 'fetch minio' }],
      [{ construct: 'work/gcs', direction: 'egress', peer: { kind: 'external', host: 'storage.googleapis.com' }, ports: [{ port: 443, protocol: 'TCP' }], purpose: 'fetch gcs' }],
      [{ construct: 'work/plain', direction: 'egress', peer: { kind: 'external', host: 'mirror.example.org' }, ports: [{ port: 80, protocol: 'TCP' }], purpose: 'fetch plain' }],
    ]);
    expect(new DatasetInit(chart, 'cached', { source: DataSource.pvc(External.claim('cache')) }).flows()).toEqual([]);
  });

  test('TrainingPipeline: flows and the workspace claim on the WorkflowTemplate; the step NetworkPolicy allows the inputs\' ports', () => {
    const app = new App();
    const chart = new Chart(app, 'pipe', { namespace: 'team-a' });
    const { setTargetKubernetesVersion, KubernetesVersion } = jest.requireActual('../../src/core');
    setTargetKubernetesVersion(chart, KubernetesVersion.V1_31);
    const corpus = new DatasetInit(chart, 'corpus', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('http://mirror.example.org/c.tar', { sha256: 'd'.repeat(64) }) });
    const p = new TrainingPipeline(chart, 'nightly', { workspace: Workspace.pvc(External.claim('shared-nfs')) });
    p.addStep('prepare', { image: 'ghcr.io/acme/tools:1.0.0', command: ['prepare'], inputs: [corpus] });
    const template = chart.toJson().find((m: any) => m.kind === 'WorkflowTemplate');
    expect(parse(template, EXTERNAL_ANNOTATION)).toEqual([{ kind: 'PersistentVolumeClaim', name: 'shared-nfs' }]);
    expect(parse(template, FLOWS_ANNOTATION)).toEqual([
      { construct: 'pipe/corpus', direction: 'egress', peer: { host: 'mirror.example.org', kind: 'external' }, ports: [{ port: 80, protocol: 'TCP' }], purpose: 'fetch corpus' },
      { construct: 'pipe/nightly', direction: 'egress', peer: { cidr: '0.0.0.0/0', kind: 'cidr' }, ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }], purpose: 'argo executor to the API server' },
      dns('pipe/nightly'),
    ]);
    const np = chart.toJson().find((m: any) => m.kind === 'NetworkPolicy');
    expect(np.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
  });
});
