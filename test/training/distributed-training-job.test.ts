import { External } from '../../src/core';
import { Chart, Duration, Size } from 'cdk8s';
import { Accelerator, EnvSource } from '../../src/core';
import { expectValidManifests } from '../../src/testing';
import {
  CheckpointVolume,
  DistributedTrainingJob,
  DistributedTrainingJobProps,
  Framework,
  Gang,
  Queue,
  RendezvousAddressing,
  TrainingBackend,
  buildTrainingPodTemplate,
  renderIndexedJobSpec,
} from '../../src/training';
import { ExpandedPod, FakeDataset, expandIndexedJob, expandJobSet, newChart, resolveEnv, selects } from './helpers';

const BASE: DistributedTrainingJobProps = {
  image: 'ghcr.io/acme/trainer:1.4.2',
  command: ['python', '-m', 'train'],
  nodes: 4,
  accelerator: Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' }),
  resources: { cpu: '32', memory: '512Gi' },
};

function render(props: Partial<DistributedTrainingJobProps> = {}, version?: string, id = 'llama-ft'): { chart: Chart; job: DistributedTrainingJob; manifests: any[] } {
  const chart = newChart(version);
  const job = new DistributedTrainingJob(chart, id, { ...BASE, ...props });
  return { chart, job, manifests: chart.toJson() };
}

const kindOf = (manifests: any[], kind: string) => manifests.filter((m) => m.kind === kind);
const one = (manifests: any[], kind: string) => {
  const found = kindOf(manifests, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

/** Ranks 0..n-1, each exactly once. */
function expectRanksComplete(pods: ExpandedPod[], variable: string): void {
  const ranks = pods.map((p) => Number(p.env[variable]));
  expect(ranks.every((r) => Number.isInteger(r))).toBe(true);
  expect([...ranks].sort((a, b) => a - b)).toEqual(pods.map((_, i) => i));
  expect(new Set(ranks).size).toBe(pods.length);
}

/** The Service selects exactly these pods, publishes not-ready addresses and exposes `port`. */
function expectServiceContract(manifests: any[], pods: ExpandedPod[], port: number): void {
  const svc = one(manifests, 'Service');
  expect(svc.spec.clusterIP).toBe('None');
  expect(svc.spec.publishNotReadyAddresses).toBe(true);
  for (const p of pods) {
    expect(p.subdomain).toBe(svc.metadata.name);
    expect(selects(svc.spec.selector, p.labels)).toBe(true);
  }
  expect(svc.spec.ports.map((x: any) => x.port)).toContain(port);
  const np = one(manifests, 'NetworkPolicy');
  for (const p of pods) expect(selects(np.spec.podSelector.matchLabels, p.labels)).toBe(true);
  const ingressPorts = np.spec.ingress[0].ports.map((x: any) => x.port);
  const egressPorts = np.spec.egress[0].ports.map((x: any) => x.port);
  expect(ingressPorts).toContain(port);
  expect(egressPorts).toContain(port);
  for (const p of pods) expect(selects(np.spec.ingress[0].from[0].podSelector.matchLabels, p.labels)).toBe(true);
  const containerPorts = pods[0].spec.containers[0].ports.map((x: any) => x.containerPort);
  expect(containerPorts).toContain(port);
}

describe('DistributedTrainingJob on an Indexed Job', () => {
  test('renders Job, headless Service, ConfigMap and NetworkPolicy with the documented fields', () => {
    const chart = newChart();
    const imagenet = new FakeDataset(chart, 'imagenet');
    const job = new DistributedTrainingJob(chart, 'llama-ft', {
      ...BASE,
      framework: Framework.pytorch({ port: 29500 }),
      datasets: [imagenet],
      config: { lr: 3e-4, epochs: 3 },
      checkpoints: CheckpointVolume.claim(External.claim('ckpt')),
      maxRestarts: 3,
      deadline: Duration.hours(48),
    });
    const m = chart.toJson();
    expect(m.map((x) => x.kind).sort()).toEqual(['ConfigMap', 'Job', 'NetworkPolicy', 'Service']);
    const j = one(m, 'Job');
    expect(j.metadata.name).toBe(job.jobName);
    expect(j.metadata.name).toMatch(/^llama-ft-[0-9a-f]{8}$/);
    expect(j.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 12, activeDeadlineSeconds: 172800 });
    expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(j.spec.suspend).toBeUndefined();
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.subdomain).toBe('llama-ft');
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
    expect(pod.containers[0].command).toEqual(['torchrun', '-m', 'train']);
    expect(pod.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '64Gi' });
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.automountServiceAccountToken).toBe(false);
    // config: content-hashed, mounted read-only, path in env
    const cm = one(m, 'ConfigMap');
    expect(cm.metadata.name).toMatch(/^llama-ft-config-[0-9a-f]{8}$/);
    expect(JSON.parse(cm.data['config.json'])).toEqual({ epochs: 3, lr: 3e-4 });
    expect(pod.volumes.find((v: any) => v.name === 'training-config').configMap.name).toBe(cm.metadata.name);
    expect(pod.containers[0].volumeMounts.find((v: any) => v.name === 'training-config')).toMatchObject({ mountPath: '/etc/training', readOnly: true });
    const env = resolveEnv(pod.containers[0], { name: 'p', namespace: 'team-a', labels: {}, annotations: { 'batch.kubernetes.io/job-completion-index': '0' } });
    expect(env.TRAINING_CONFIG).toBe('/etc/training/config.json');
    expect(env.CHECKPOINT_DIR).toBe('/checkpoints');
    expect(env.DATASET_IMAGENET_DIR).toBe('/data/imagenet');
    expect(imagenet.consumers).toEqual(['ml/llama-ft']);
    expectValidManifests(chart);
  });

  test('podFailurePolicy ignores disruptions and fails on the datasets\' and declared permanent exit codes', () => {
    const chart = newChart();
    const a = new FakeDataset(chart, 'imagenet', [22, 20, 21]);
    const b = new FakeDataset(chart, 'tokens', [24]);
    new DistributedTrainingJob(chart, 'llama-ft', { ...BASE, datasets: [a, b], nonRetryableExitCodes: [3, 2] });
    const rules = one(chart.toJson(), 'Job').spec.podFailurePolicy.rules;
    expect(rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'fetch-imagenet', operator: 'In', values: [20, 21, 22] } },
      { action: 'FailJob', onExitCodes: { containerName: 'fetch-tokens', operator: 'In', values: [24] } },
      { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [2, 3] } },
    ]);
    expectValidManifests(chart);
  });

  test('pytorch contract: ranks from the completion index, master = index 0 under the Service', () => {
    for (const nodes of [1, 3, 4]) {
      const { manifests } = render({ nodes, framework: Framework.pytorch({ port: 29400 }) });
      const pods = expandIndexedJob(manifests);
      expect(pods).toHaveLength(nodes);
      expectRanksComplete(pods, 'PET_NODE_RANK');
      expectRanksComplete(pods, 'NODE_RANK');
      for (const p of pods) {
        expect(p.env.PET_NODE_RANK).toBe(String(p.index));
        expect(p.env.PET_NNODES).toBe(String(nodes));
        expect(p.env.PET_NPROC_PER_NODE).toBe('8');
        expect(p.env.WORLD_SIZE).toBe(String(nodes * 8));
        expect(p.env.PET_MASTER_ADDR).toBe(pods[0].dnsName);
        expect(p.env.MASTER_ADDR).toBe(pods[0].dnsName);
        expect(p.env.PET_MASTER_PORT).toBe('29400');
        expect(p.env.MASTER_PORT).toBe('29400');
      }
      expectServiceContract(manifests, pods, 29400);
    }
  });

  test('procsPerNode defaults to the GPU count, 1 without GPUs, and can be set to a divisor', () => {
    const cpu = expandIndexedJob(render({ accelerator: undefined, resources: { cpu: '4', memory: '8Gi' } }).manifests);
    expect(cpu[0].env.PET_NPROC_PER_NODE).toBe('1');
    expect(cpu[0].env.WORLD_SIZE).toBe('4');
    const four = expandIndexedJob(render({ procsPerNode: 4 }).manifests);
    expect(four[0].env.PET_NPROC_PER_NODE).toBe('4');
    expect(four[0].env.WORLD_SIZE).toBe('16');
  });

  test('elastic pytorch uses the c10d rendezvous on node 0', () => {
    const { manifests } = render({ nodes: 4, framework: Framework.pytorch({ minNodes: 2, maxNodes: 6 }) });
    const pods = expandIndexedJob(manifests);
    for (const p of pods) {
      expect(p.env.PET_NNODES).toBe('2:6');
      expect(p.env.PET_RDZV_BACKEND).toBe('c10d');
      expect(p.env.PET_RDZV_ENDPOINT).toBe(`${pods[0].dnsName}:29500`);
      expect(p.env.PET_RDZV_ID).toBe(one(manifests, 'Job').metadata.name);
      expect(p.env.PET_NODE_RANK).toBeUndefined();
    }
    expectRanksComplete(pods, 'NODE_RANK');
    expectServiceContract(manifests, pods, 29500);
  });

  test('jax contract', () => {
    const { manifests } = render({ nodes: 3, framework: Framework.jax({ port: 7777 }) });
    const pods = expandIndexedJob(manifests);
    expectRanksComplete(pods, 'JAX_PROCESS_ID');
    for (const p of pods) {
      expect(p.env.JAX_COORDINATOR_ADDRESS).toBe(`${pods[0].dnsName}:7777`);
      expect(p.env.JAX_NUM_PROCESSES).toBe('3');
    }
    expect(pods[0].spec.containers[0].command).toEqual(['python', '-m', 'train']);
    expectServiceContract(manifests, pods, 7777);
  });

  test('tensorflow contract: TF_CONFIG lists every worker and this task\'s index from the annotation', () => {
    const { manifests } = render({ nodes: 4, framework: Framework.tensorflow() });
    const pods = expandIndexedJob(manifests);
    const raw = one(manifests, 'Job').spec.template.spec.containers[0].env.find((e: any) => e.name === 'TF_CONFIG').value;
    expect(raw).toContain('$(NODE_RANK)');
    for (const p of pods) {
      const tf = JSON.parse(p.env.TF_CONFIG);
      expect(tf.cluster.worker).toEqual(pods.map((q) => `${q.dnsName}:2222`));
      expect(tf.task).toEqual({ type: 'worker', index: p.index });
    }
    expectServiceContract(manifests, pods, 2222);
  });

  test('mpi contract: hostfile ConfigMap lists <job>-<i>.<service> slots=<procs>, mounted', () => {
    const { manifests, job } = render({ nodes: 3, framework: Framework.mpi() });
    const pods = expandIndexedJob(manifests);
    const hostfile = kindOf(manifests, 'ConfigMap').find((c) => c.metadata.name === `${job.jobName}-hostfile`);
    expect(hostfile.data.hostfile).toBe(pods.map((p) => `${p.dnsName} slots=8\n`).join(''));
    // named after the hashed job: a changed hostfile is a new ConfigMap, never an edit
    expect(hostfile.immutable).toBe(true);
    expect(pods[0].spec.volumes.find((v: any) => v.name === 'mpi-hostfile').configMap.name).toBe(hostfile.metadata.name);
    expect(pods[0].spec.containers[0].volumeMounts.find((v: any) => v.name === 'mpi-hostfile').mountPath).toBe('/etc/mpi');
    expect(pods[0].env.OMPI_MCA_orte_default_hostfile).toBe('/etc/mpi/hostfile');
    expectRanksComplete(pods, 'NODE_RANK');
    expectServiceContract(manifests, pods, 2222);
    expectValidManifests(manifests);
  });

  test('custom framework gets the generic rendezvous env and its own', () => {
    const { manifests } = render({
      nodes: 2,
      framework: Framework.custom({ ports: [{ name: 'coord', port: 5000 }], env: (i) => ({ PEERS: i.hosts.join(','), MY_RANK: `$(${i.rankVariable})` }) }),
    });
    const pods = expandIndexedJob(manifests);
    for (const p of pods) {
      expect(p.env.COORDINATOR_ADDRESS).toBe(pods[0].dnsName);
      expect(p.env.COORDINATOR_PORT).toBe('5000');
      expect(p.env.PEERS).toBe(pods.map((q) => q.dnsName).join(','));
      expect(p.env.MY_RANK).toBe(String(p.index));
    }
    expectServiceContract(manifests, pods, 5000);
  });

  test('the Service selects only its own job\'s pods when two jobs share a namespace', () => {
    const chart = newChart();
    new DistributedTrainingJob(chart, 'a', BASE);
    new DistributedTrainingJob(chart, 'b', BASE);
    const m = chart.toJson();
    const jobs = kindOf(m, 'Job').map((j) => j.metadata.name);
    const podsA = expandIndexedJob(m, jobs[0]);
    const podsB = expandIndexedJob(m, jobs[1]);
    const svcA = kindOf(m, 'Service').find((s) => s.metadata.name === 'a');
    expect(podsA.every((p) => selects(svcA.spec.selector, p.labels))).toBe(true);
    expect(podsB.some((p) => selects(svcA.spec.selector, p.labels))).toBe(false);
    const npA = kindOf(m, 'NetworkPolicy').find((s) => s.metadata.name === 'a');
    expect(podsB.some((p) => selects(npA.spec.podSelector.matchLabels, p.labels))).toBe(false);
  });

  test('the rendered workload has its keys sorted at every depth, whatever the props order', () => {
    // Label keys that sort differently before and after the name substitution, and one that
    // contains the internal name placeholder (the slow path of the substitution).
    const { manifests } = render({ labels: { 'a.example.com/x0jobnamex0': 'a', 'a.example.com/team': 'b', 'm.example.com/x': 'c' } });
    const unsorted: string[] = [];
    const walk = (v: any, at: string) => {
      if (v === null || typeof v !== 'object') return;
      if (!Array.isArray(v)) {
        const keys = Object.keys(v);
        const top = at === '' ? keys.filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k)) : keys;
        if (top.join('\n') !== [...top].sort().join('\n')) unsorted.push(at || '(root)');
      }
      for (const [k, x] of Object.entries(v)) walk(x, `${at}/${k}`);
    };
    for (const m of manifests) walk(m, '');
    expect(unsorted).toEqual([]);
    const job = one(manifests, 'Job');
    expect(Object.keys(job.spec.template.metadata.labels)).toContain(`a.example.com/${job.metadata.name}`);
  });

  test('the name carries a hash of the spec: stable for equal props, new for a changed template', () => {
    const a = render().job.jobName;
    expect(render().job.jobName).toBe(a);
    expect(render({ image: 'ghcr.io/acme/trainer:1.4.3' }).job.jobName).not.toBe(a);
    expect(render({ nodes: 5 }).job.jobName).not.toBe(a);
    expect(JSON.stringify(render().manifests)).toBe(JSON.stringify(render().manifests));
  });

  test('kueue: queue and priority labels, no suspend (the Kueue webhook suspends on create), topology annotation on the pods', () => {
    const { manifests, chart } = render({ queue: Queue.kueue(External.localQueue('team-a'), { priorityClass: External.workloadPriorityClass('high'), requiredTopology: 'cloud.provider.com/topology-block' }) });
    const j = one(manifests, 'Job');
    expect(j.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'team-a', 'kueue.x-k8s.io/priority-class': 'high' });
    // no suspend: Kueue's webhook suspends it on create and owns the field
    expect(j.spec.suspend).toBeUndefined();
    expect(j.spec.template.metadata.annotations).toEqual({ 'kueue.x-k8s.io/podset-required-topology': 'cloud.provider.com/topology-block' });
    expectValidManifests(chart);
    expect(render({ queue: Queue.kueue(External.localQueue('q'), { preferredTopology: 'rack' }) }).manifests.find((x) => x.kind === 'Job').spec.template.metadata.annotations)
      .toEqual({ 'kueue.x-k8s.io/podset-preferred-topology': 'rack' });
  });

  test.each([
    ['indexedJob', TrainingBackend.indexedJob(), undefined, 1],
    ['jobSet', TrainingBackend.jobSet(), '1.33', 1],
    ['kubeflowTrainJob', TrainingBackend.kubeflowTrainJob(), '1.33', 1],
    ['pytorchJob', TrainingBackend.pytorchJob(), undefined, 2],
  ] as const)('kueue topology annotation and queue label on the %s backend reach every pod template', (_name, backend, version, templates) => {
    for (const [opts, key] of [
      [{ requiredTopology: 'cloud.provider.com/topology-block' }, 'kueue.x-k8s.io/podset-required-topology'],
      [{ preferredTopology: 'cloud.provider.com/topology-rack' }, 'kueue.x-k8s.io/podset-preferred-topology'],
    ] as const) {
      const { manifests, chart } = render({ backend, queue: Queue.kueue(External.localQueue('team-a'), opts) }, version);
      const value = Object.values(opts)[0];
      // Every pod template in the output: an object with metadata and a spec holding containers.
      const podTemplates: any[] = [];
      const walk = (v: any) => {
        if (v === null || typeof v !== 'object') return;
        if (!Array.isArray(v) && v.spec && Array.isArray(v.spec.containers)) podTemplates.push(v);
        for (const x of Object.values(v)) walk(x);
      };
      walk(manifests);
      expect(podTemplates).toHaveLength(templates);
      for (const t of podTemplates) expect(t.metadata.annotations).toEqual({ [key]: value });
      expect(one(manifests, manifests.find((m) => m.metadata.labels?.['kueue.x-k8s.io/queue-name'])?.kind ?? 'missing').metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
      expectValidManifests(chart, { kubernetesVersion: version });
    }
  });

  test('gang scheduling with Volcano: PodGroup minMember = nodes, scheduler name and group annotation', () => {
    const { manifests, chart, job } = render({ gang: Gang.volcano({ queue: 'research' }), priorityClass: External.priorityClass('training') });
    const pg = one(manifests, 'PodGroup');
    expect(pg.apiVersion).toBe('scheduling.volcano.sh/v1beta1');
    expect(pg.metadata.name).toBe(job.jobName);
    expect(pg.spec).toEqual({ minMember: 4, queue: 'research', priorityClassName: 'training' });
    const pod = one(manifests, 'Job').spec.template;
    expect(pod.spec.schedulerName).toBe('volcano');
    expect(pod.metadata.annotations['scheduling.k8s.io/group-name']).toBe(job.jobName);
    expectValidManifests(chart);
  });

  test('gang scheduling with scheduler-plugins Coscheduling: pod-group label', () => {
    const { manifests, chart, job } = render({ gang: Gang.coscheduling({ scheduleTimeoutSeconds: 120 }) });
    const pg = one(manifests, 'PodGroup');
    expect(pg.apiVersion).toBe('scheduling.x-k8s.io/v1alpha1');
    expect(pg.spec).toEqual({ minMember: 4, scheduleTimeoutSeconds: 120 });
    const pod = one(manifests, 'Job').spec.template;
    expect(pod.spec.schedulerName).toBe('scheduler-plugins-scheduler');
    expect(pod.metadata.labels['scheduling.x-k8s.io/pod-group']).toBe(job.jobName);
    expectValidManifests(chart);
  });

  test('version-gated fields: backoffLimitPerIndex on 1.29+, successPolicy on 1.31+', () => {
    const perIndex = render({ backoffLimitPerIndex: 2 }, '1.31');
    const j = one(perIndex.manifests, 'Job');
    expect(j.spec.backoffLimitPerIndex).toBe(2);
    expect(j.spec.backoffLimit).toBeUndefined();
    expectValidManifests(perIndex.chart, { kubernetesVersion: '1.31' });
    // 1.33 is covered by the strict-validation fixtures (test/fixtures/training.fixture.ts)
    const leader = render({ successWhenLeaderSucceeds: true }, '1.31');
    expect(one(leader.manifests, 'Job').spec.successPolicy).toEqual({ rules: [{ succeededIndexes: '0' }] });
    expectValidManifests(leader.chart, { kubernetesVersion: '1.31' });
  });

  test('network policy: DNS egress, HTTPS only with datasets, extra egress, collective ports', () => {
    const plain = one(render().manifests, 'NetworkPolicy');
    expect(plain.spec.egress.some((r: any) => r.ports?.some((p: any) => p.port === 443))).toBe(false);
    expect(plain.spec.egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    const strict = render({
      network: { collectivePorts: false, extraEgress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    });
    const np = one(strict.manifests, 'NetworkPolicy');
    expect(np.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 29500 }]);
    expect(np.spec.egress[np.spec.egress.length - 1]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] });
    expectValidManifests(strict.chart);
    expect(kindOf(render({ network: { enabled: false } }).manifests, 'NetworkPolicy')).toHaveLength(0);
  });

  test('shm size, torchrun wrapping variants and secrets by reference', () => {
    const { manifests } = render({
      shmSize: Size.gibibytes(8),
      command: ['python', 'train.py', '--lr', '1'],
      env: { HF_TOKEN: EnvSource.fromSecret('hf', 'token'), RUN: 'a' },
    });
    const c = one(manifests, 'Job').spec.template.spec;
    expect(c.volumes.find((v: any) => v.name === 'dshm').emptyDir.sizeLimit).toBe('8Gi');
    expect(c.containers[0].command).toEqual(['torchrun', 'train.py', '--lr', '1']);
    expect(c.containers[0].env.find((e: any) => e.name === 'HF_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'hf', key: 'token' });
    const bash = one(render({ command: ['bash', 'run.sh'] }).manifests, 'Job').spec.template.spec.containers[0];
    expect(bash.command).toEqual(['torchrun', '--no-python', 'bash', 'run.sh']);
    const raw = one(render({ framework: Framework.pytorch({ torchrun: false }) }).manifests, 'Job').spec.template.spec.containers[0];
    expect(raw.command).toEqual(['python', '-m', 'train']);
  });
});

describe('buildTrainingPodTemplate / renderIndexedJobSpec (reused by ScheduledTraining)', () => {
  test('job name from the batch.kubernetes.io/job-name label with $(JOB_NAME) expansion', () => {
    const chart = newChart();
    const pod = buildTrainingPodTemplate(chart, {
      image: 'ghcr.io/acme/trainer:1.4.2',
      command: ['python', '-m', 'train'],
      nodes: 3,
      resources: { cpu: '4', memory: '16Gi' },
      framework: Framework.pytorch(),
      addressing: RendezvousAddressing.indexedJobFromLabel('nightly'),
      subdomain: 'nightly',
      labels: { app: 'nightly' },
    });
    const spec = renderIndexedJobSpec(chart, { pod, nodes: 3, maxRestarts: 1 });
    expect(spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 3 });
    const env = spec.template.spec!.containers[0].env!;
    expect(env[0].name).toBe('JOB_NAME');
    expect(env.find((e) => e.name === 'PET_MASTER_ADDR')!.value).toBe('$(JOB_NAME)-0.nightly');
    // a CronJob's Job gets a run-time name; the pods resolve the coordinator from it
    const pods = expandIndexedJob([{ kind: 'Job', metadata: { name: 'nightly-28891234', namespace: 'team-a' }, spec: JSON.parse(JSON.stringify({ ...spec, template: { metadata: spec.template.metadata, spec: { ...spec.template.spec, containers: spec.template.spec!.containers.map((c) => ({ ...c, resources: undefined })) } } })) }]);
    expectRanksComplete(pods, 'PET_NODE_RANK');
    for (const p of pods) expect(p.env.PET_MASTER_ADDR).toBe('nightly-28891234-0.nightly');
    expect(pods[0].dnsName).toBe('nightly-28891234-0.nightly');
  });

  test('fails: mpi with a run-time job name (the hostfile is static)', () => {
    const chart = newChart();
    expect(() => buildTrainingPodTemplate(chart, {
      image: 'ghcr.io/acme/trainer:1.4.2',
      nodes: 2,
      resources: { cpu: '4', memory: '16Gi' },
      framework: Framework.mpi(),
      addressing: RendezvousAddressing.indexedJobFromLabel('x'),
    })).toThrow('ml: Framework.mpi needs static Job names');
  });
});

describe('DistributedTrainingJob on JobSet', () => {
  test('pytorch contract with JobSet hostnames; JobSet owns the headless service', () => {
    const { manifests, chart, job } = render({ backend: TrainingBackend.jobSet(), datasets: undefined, maxRestarts: 2 }, '1.33');
    expect(manifests.map((x) => x.kind).sort()).toEqual(['JobSet', 'NetworkPolicy']);
    const js = one(manifests, 'JobSet');
    expect(js.spec.network).toEqual({ enableDNSHostnames: true, publishNotReadyAddresses: true });
    expect(js.spec.failurePolicy.maxRestarts).toBe(2);
    const child = js.spec.replicatedJobs[0].template.spec;
    expect(child).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    const pods = expandJobSet(manifests);
    expectRanksComplete(pods, 'PET_NODE_RANK');
    for (const p of pods) {
      expect(p.env.PET_MASTER_ADDR).toBe(`${job.jobName}-node-0-0.${job.jobName}`);
      expect(p.env.PET_MASTER_ADDR).toBe(pods[0].dnsName);
    }
    expect(job.coordinatorHost).toBe(pods[0].dnsName);
    const np = one(manifests, 'NetworkPolicy');
    for (const p of pods) expect(selects(np.spec.podSelector.matchLabels, p.labels)).toBe(true);
    expectValidManifests(chart, { kubernetesVersion: '1.33' });
  });

  test('permanent failures fail the whole JobSet; kueue, gang and gated fields on 1.33', () => {
    for (const v of ['1.33'] as const) {
      const chart = newChart(v);
      new DistributedTrainingJob(chart, 'llama-ft', {
        ...BASE,
        backend: TrainingBackend.jobSet(),
        framework: Framework.tensorflow(),
        datasets: [new FakeDataset(chart, 'imagenet')],
        queue: Queue.kueue(External.localQueue('team-a')),
        gang: Gang.volcano(),
        backoffLimitPerIndex: 1,
        successWhenLeaderSucceeds: true,
        deadline: Duration.hours(1),
      });
      const m = chart.toJson();
      const js = one(m, 'JobSet');
      expect(js.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
      expect(js.spec.suspend).toBeUndefined();
      expect(js.spec.failurePolicy.rules).toEqual([{ name: 'permanent-failure', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }]);
      const child = js.spec.replicatedJobs[0].template.spec;
      expect(child.successPolicy).toEqual({ rules: [{ succeededIndexes: '0' }] });
      expect(child.activeDeadlineSeconds).toBe(3600);
      const pods = expandJobSet(m);
      for (const p of pods) {
        const tf = JSON.parse(p.env.TF_CONFIG);
        expect(tf.cluster.worker).toEqual(pods.map((q) => `${q.dnsName}:2222`));
        expect(tf.task.index).toBe(p.index);
      }
      expect(one(m, 'PodGroup').spec.minMember).toBe(4);
      expectValidManifests(chart, { kubernetesVersion: v });
    }
  });

  test('mpi hostfile uses JobSet pod names', () => {
    const { manifests, job } = render({ backend: TrainingBackend.jobSet(), framework: Framework.mpi(), procsPerNode: 2 }, '1.33');
    const pods = expandJobSet(manifests);
    const cm = one(manifests, 'ConfigMap');
    expect(cm.metadata.name).toBe(`${job.jobName}-hostfile`);
    expect(cm.data.hostfile).toBe(pods.map((p) => `${p.dnsName} slots=2\n`).join(''));
    expectValidManifests(manifests, { kubernetesVersion: '1.33' });
  });
});

describe('DistributedTrainingJob on Kubeflow Trainer v2', () => {
  test('pytorch: TrainingRuntime with the trainer node job, PET_* left to the torch plugin', () => {
    const { manifests, chart, job } = render({ backend: TrainingBackend.kubeflowTrainJob(), queue: Queue.kueue(External.localQueue('team-a')), deadline: Duration.hours(2), gang: Gang.coscheduling() }, '1.33');
    const tj = one(manifests, 'TrainJob');
    const rt = one(manifests, 'TrainingRuntime');
    expect(tj.spec).toEqual({
      runtimeRef: { apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime', name: rt.metadata.name },
      trainer: { numNodes: 4, numProcPerNode: 8 },
      activeDeadlineSeconds: 7200,
    });
    expect(tj.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
    expect(rt.spec.mlPolicy).toEqual({ numNodes: 4, torch: {} });
    expect(rt.spec.podGroupPolicy).toEqual({ coscheduling: {} });
    const rjob = rt.spec.template.spec.replicatedJobs[0];
    expect(rjob.name).toBe('node');
    expect(rjob.template.metadata.labels['trainer.kubeflow.org/trainjob-ancestor-step']).toBe('trainer');
    const c = rjob.template.spec.template.spec.containers[0];
    expect(c.name).toBe('node');
    const names = c.env.map((e: any) => e.name);
    for (const reserved of ['PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT']) expect(names).not.toContain(reserved);
    expect(job.coordinatorHost).toBe(`${job.jobName}-node-0-0.${job.jobName}`);
    expect(kindOf(manifests, 'PodGroup')).toHaveLength(0);
    expectValidManifests(chart, { kubernetesVersion: '1.33' });
  });

  test('tensorflow: our TF_CONFIG with the TrainJob\'s JobSet pod names', () => {
    const { manifests, chart } = render({ backend: TrainingBackend.kubeflowTrainJob(), framework: Framework.tensorflow(), nodes: 2 }, '1.33');
    const pods = expandJobSet(manifests, 'TrainingRuntime');
    const tj = one(manifests, 'TrainJob');
    for (const p of pods) {
      const tf = JSON.parse(p.env.TF_CONFIG);
      expect(tf.cluster.worker).toEqual([0, 1].map((i) => `${tj.metadata.name}-node-0-${i}.${tj.metadata.name}:2222`));
      expect(tf.task.index).toBe(p.index);
    }
    expect(one(manifests, 'TrainingRuntime').spec.mlPolicy).toEqual({ numNodes: 2 });
    expectValidManifests(chart, { kubernetesVersion: '1.33' });
  });
});

describe('DistributedTrainingJob on Kubeflow PyTorchJob v1', () => {
  test('Master + Workers, named container and port; the operator injects MASTER_ADDR and WORLD_SIZE', () => {
    const { manifests, chart, job } = render({ backend: TrainingBackend.pytorchJob(), queue: Queue.kueue(External.localQueue('team-a')), gang: Gang.volcano({ queue: 'research' }), deadline: Duration.hours(1) });
    const pj = one(manifests, 'PyTorchJob');
    expect(pj.spec.nprocPerNode).toBe('8');
    expect(pj.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(pj.spec.pytorchReplicaSpecs.Worker.replicas).toBe(3);
    expect(pj.spec.elasticPolicy).toBeUndefined();
    expect(pj.spec.runPolicy).toEqual({ backoffLimit: 12, activeDeadlineSeconds: 3600, schedulingPolicy: { minAvailable: 4, queue: 'research' } });
    const c = pj.spec.pytorchReplicaSpecs.Master.template.spec.containers[0];
    expect(c.name).toBe('pytorch');
    expect(c.ports).toEqual([{ name: 'pytorchjob-port', containerPort: 29500, protocol: 'TCP' }]);
    const names = c.env.map((e: any) => e.name);
    for (const injected of ['MASTER_ADDR', 'MASTER_PORT', 'WORLD_SIZE', 'RANK', 'PET_NNODES', 'PET_NODE_RANK', 'PET_NPROC_PER_NODE']) expect(names).not.toContain(injected);
    expect(job.coordinatorHost).toBe(`${job.jobName}-master-0`);
    expect(one(manifests, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual({ 'training.kubeflow.org/job-name': job.jobName });
    expectValidManifests(chart);
  });

  test('one node: a Master alone, no Worker replica spec', () => {
    const { manifests, chart } = render({ backend: TrainingBackend.pytorchJob(), nodes: 1 });
    const pj = one(manifests, 'PyTorchJob');
    expect(Object.keys(pj.spec.pytorchReplicaSpecs)).toEqual(['Master']);
    expect(pj.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(pj.spec.elasticPolicy).toBeUndefined();
    expectValidManifests(chart);
  });

  test('elastic PyTorchJob: workers only with an elasticPolicy', () => {
    const { manifests, chart } = render({ backend: TrainingBackend.pytorchJob(), framework: Framework.pytorch({ minNodes: 2, maxNodes: 8 }) });
    const pj = one(manifests, 'PyTorchJob');
    expect(pj.spec.pytorchReplicaSpecs.Master).toBeUndefined();
    expect(pj.spec.pytorchReplicaSpecs.Worker.replicas).toBe(4);
    expect(pj.spec.elasticPolicy).toEqual({ minReplicas: 2, maxReplicas: 8, rdzvBackend: 'c10d', rdzvPort: 29500 });
    expectValidManifests(chart);
  });
});

describe('DistributedTrainingJob fails', () => {
  const cases: Array<[string, Partial<DistributedTrainingJobProps>, string, string | undefined]> = [
    ['fails on nodes < 1', { nodes: 0 }, 'ml/llama-ft: nodes must be a positive integer, got 0', undefined],
    ['fails on fractional nodes', { nodes: 2.5 }, 'ml/llama-ft: nodes must be a positive integer, got 2.5', undefined],
    ['fails on a GPU count that is not an integer', { accelerator: Accelerator.nvidiaGpu({ count: 1.5 }) }, 'ml/llama-ft: accelerator count must be a positive integer, got 1.5', undefined],
    ['fails when procsPerNode does not divide the GPUs', { procsPerNode: 3 }, 'ml/llama-ft: procsPerNode (3) must divide the 8 accelerators per node', undefined],
    ['fails when procsPerNode exceeds the GPUs', { procsPerNode: 16 }, 'ml/llama-ft: procsPerNode (16) must divide the 8 accelerators per node', undefined],
    ['fails when jax is given several processes per node', { framework: Framework.jax(), procsPerNode: 2 }, 'ml/llama-ft: jax runs one process per node; procsPerNode must be 1, got 2', undefined],
    ['fails on a name too long for pod hostnames', { name: 'a-very-long-training-job-name-that-does-not-fit-in-dns-x' }, 'ml/llama-ft: name "a-very-long-training-job-name-that-does-not-fit-in-dns-x" is too long: the pod hostname', undefined],
    ['fails on a name that is not an RFC 1035 label', { name: '9lives' }, 'ml/llama-ft: name must be an RFC 1035 label', undefined],
    ['fails on elastic min > max', { framework: Framework.pytorch({ minNodes: 5, maxNodes: 2 }) }, 'ml/llama-ft: framework minNodes (5) must not exceed maxNodes (2)', undefined],
    ['fails when nodes lie outside the elastic range', { framework: Framework.pytorch({ minNodes: 6, maxNodes: 8 }) }, 'ml/llama-ft: nodes (4) must lie within the elastic range 6:8', undefined],
    ['fails on a queue given by name instead of a LocalQueue object', { queue: Queue.kueue('gpu' as any) }, 'ml/llama-ft: queue: Queue.kueue needs a LocalQueue object (an MlNamespace with a queue, its TeamQueue, or External.localQueue(name)), got "gpu"', undefined],
    ['fails on an invalid kueue queue name', { queue: Queue.kueue(External.localQueue('Team A')) }, 'ml/llama-ft: External.localQueue name must be a DNS-1123 name of at most 63 characters, got "Team A"', undefined],
    ['fails on backoffLimitPerIndex below Kubernetes 1.29', { backoffLimitPerIndex: 1 }, 'ml/llama-ft: backoffLimitPerIndex needs Kubernetes 1.29 or newer, but the target version is 1.28', undefined],
    ['fails on successPolicy below Kubernetes 1.31', { successWhenLeaderSucceeds: true }, 'ml/llama-ft: successPolicy (successWhenLeaderSucceeds) needs Kubernetes 1.31 or newer, but the target version is 1.29', '1.29'],
    ['fails on a JobSet backend below Kubernetes 1.33', { backend: TrainingBackend.jobSet() },
      'ml/llama-ft: backend TrainingBackend.jobSet() needs Kubernetes 1.33 or newer, but the target version is 1.28: the vendored JobSet CRD uses CEL rules that Kubernetes < 1.33 cannot compile, so it cannot be installed there; set setTargetKubernetesVersion(app, KubernetesVersion.V1_33)', undefined],
    ['fails on a JobSet backend on Kubernetes 1.31 (its CRD does not install there either)', { backend: TrainingBackend.jobSet() },
      'ml/llama-ft: backend TrainingBackend.jobSet() needs Kubernetes 1.33 or newer, but the target version is 1.31', '1.31'],
    ['fails on a Kubeflow TrainJob backend below Kubernetes 1.33', { backend: TrainingBackend.kubeflowTrainJob() },
      'ml/llama-ft: backend TrainingBackend.kubeflowTrainJob() needs Kubernetes 1.33 or newer, but the target version is 1.28: the vendored Kubeflow Trainer TrainingRuntime CRDs use CEL rules that Kubernetes < 1.33 cannot compile, so they cannot be installed there; set setTargetKubernetesVersion(app, KubernetesVersion.V1_33)', undefined],
    ['fails on a Kubeflow TrainJob backend on Kubernetes 1.32', { backend: TrainingBackend.kubeflowTrainJob() },
      'ml/llama-ft: backend TrainingBackend.kubeflowTrainJob() needs Kubernetes 1.33 or newer, but the target version is 1.32', '1.32'],
    ['fails on nonRetryableExitCodes with PyTorchJob', { backend: TrainingBackend.pytorchJob(), nonRetryableExitCodes: [3] }, 'ml/llama-ft: backend pytorchJob cannot express nonRetryableExitCodes', undefined],
    ['fails on a TensorFlow PyTorchJob', { backend: TrainingBackend.pytorchJob(), framework: Framework.tensorflow() }, 'ml/llama-ft: backend pytorchJob cannot express Framework.tensorflow', undefined],
    ['fails on elastic TrainJob', { backend: TrainingBackend.kubeflowTrainJob(), framework: Framework.pytorch({ minNodes: 2 }) }, 'ml/llama-ft: backend kubeflowTrainJob cannot express elastic PyTorch', '1.33'],
    ['fails on a TrainJob with a non-default torch port', { backend: TrainingBackend.kubeflowTrainJob(), framework: Framework.pytorch({ port: 23456 }) }, 'ml/llama-ft: backend kubeflowTrainJob cannot express a PyTorch port other than 29500', '1.33'],
    ['fails on MPI TrainJob', { backend: TrainingBackend.kubeflowTrainJob(), framework: Framework.mpi() }, 'ml/llama-ft: backend kubeflowTrainJob cannot express Framework.mpi', '1.33'],
    ['fails on exit codes out of range', { nonRetryableExitCodes: [0] }, 'ml/llama-ft: nonRetryableExitCodes must be integers 1..255, got 0', undefined],
    ['fails on negative maxRestarts', { maxRestarts: -1 }, 'ml/llama-ft: maxRestarts must be an integer ≥ 0, got -1', undefined],
    ['fails on a sub-second deadline', { deadline: Duration.millis(500) }, 'ml/llama-ft: deadline must be a whole number of seconds ≥ 1, got 0.5 s', undefined],
    ['fails on an invalid framework port', { framework: Framework.pytorch({ port: 70000 }) }, 'ml/llama-ft: framework port "rdzv" must be an integer 1..65535, got 70000', undefined],
    ['fails on user env that shadows the rendezvous env', { env: { MASTER_ADDR: 'x' } }, 'ml/llama-ft: env MASTER_ADDR is set by the training job', undefined],
    ['fails on a python command torchrun cannot wrap', { command: ['python', '-u', 'train.py'] }, 'ml/llama-ft: cannot wrap ["python","-u","train.py"] in torchrun', undefined],
    ['fails on an unpinned image', { image: 'ghcr.io/acme/trainer' }, 'ml/llama-ft: image of container trainer must be pinned', undefined],
    ['fails on a credential literal', { env: { WANDB_API_KEY: 'abc123' } }, 'ml/llama-ft: env: WANDB_API_KEY looks like a credential', undefined],
    ['fails on an inverted collective port range', { network: { collectivePorts: { from: 9000, to: 8000 } } }, 'ml/llama-ft: network.collectivePorts.from must not exceed .to', undefined],
    ['fails on a relative checkpoint mount path', { checkpoints: CheckpointVolume.claim(External.claim('ckpt'), { mountPath: 'ckpt' }) }, 'ml/llama-ft: checkpoint mountPath must be an absolute path other than "/", got "ckpt"', undefined],
    ['fails on both kueue topology modes', { queue: Queue.kueue(External.localQueue('q'), { requiredTopology: 'a', preferredTopology: 'b' }) }, 'ml/llama-ft: kueue requiredTopology and preferredTopology are mutually exclusive', undefined],
  ];
  test.each(cases)('%s', (_title, props, message, version) => {
    expect(() => render(props, version)).toThrow(message);
  });

  test('fails when datasets need more podFailurePolicy rules than Kubernetes allows', () => {
    const chart = newChart();
    const datasets = Array.from({ length: 21 }, (_, i) => new FakeDataset(chart, `d${i}`));
    expect(() => new DistributedTrainingJob(chart, 'llama-ft', { ...BASE, datasets })).toThrow(
      'ml/llama-ft: the podFailurePolicy would need 22 rules (one per dataset init container), over the Kubernetes limit of 20',
    );
  });

  test('fails with a hint at the longest name that fits', () => {
    const name = 'x'.repeat(54);
    expect(() => render({ name })).toThrow(/use a name of at most 52 characters/);
  });
});

test('snapshot of a representative chart', () => {
  const chart = newChart();
  const imagenet = new FakeDataset(chart, 'imagenet');
  new DistributedTrainingJob(chart, 'llama-ft', {
    ...BASE,
    framework: Framework.pytorch({ port: 29500 }),
    datasets: [imagenet],
    config: { lr: 3e-4, epochs: 3 },
    checkpoints: CheckpointVolume.claim(External.claim('ckpt')),
    queue: Queue.kueue(External.localQueue('team-a'), { priorityClass: External.workloadPriorityClass('high') }),
    maxRestarts: 3,
    deadline: Duration.hours(48),
  });
  expectValidManifests(chart);
  const manifests = chart.toJson();
  // focused assertions on what the snapshot holds (the snapshot stays as the full picture)
  expect(manifests.map((m: any) => m.kind).sort()).toEqual(['ConfigMap', 'Job', 'NetworkPolicy', 'Service']);
  const job = manifests.find((m: any) => m.kind === 'Job');
  expect(job.metadata.name).toMatch(/^llama-ft-[0-9a-f]{8}$/);
  expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'team-a', 'kueue.x-k8s.io/priority-class': 'high' });
  // 48 h deadline; 3 restarts for each of the 4 nodes
  expect(job.spec).toMatchObject({ activeDeadlineSeconds: 172800, backoffLimit: 12, completionMode: 'Indexed', completions: 4, parallelism: 4 });
  expect(job.spec.podFailurePolicy.rules).toEqual([
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailJob', onExitCodes: { containerName: 'fetch-imagenet', operator: 'In', values: [20, 21, 22] } },
  ]);
  const pod = job.spec.template.spec;
  const trainer = pod.containers[0];
  expect(trainer.command).toEqual(['torchrun', '-m', 'train']);
  const env = Object.fromEntries(trainer.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
  expect(env).toMatchObject({
    PET_NNODES: '4', PET_NPROC_PER_NODE: '8', PET_MASTER_PORT: '29500', WORLD_SIZE: '32',
    PET_MASTER_ADDR: `${job.metadata.name}-0.llama-ft`, TRAINING_CONFIG: '/etc/training/config.json', CHECKPOINT_DIR: '/checkpoints',
  });
  // ephemeral-storage: the disk emptyDirs (dataset 10Gi + /tmp 4Gi + HOME 16Gi = 30720Mi) + 512Mi for logs
  expect(trainer.resources.limits).toEqual({ 'cpu': '32', 'ephemeral-storage': '31232Mi', 'memory': '512Gi', 'nvidia.com/gpu': '8' });
  expect(trainer.volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints' });
  expect(pod.volumes).toContainEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } });
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['fetch-imagenet']);
  const config = manifests.find((m: any) => m.kind === 'ConfigMap');
  expect(config.data).toEqual({ 'config.json': '{\n  "epochs": 3,\n  "lr": 0.0003\n}\n' });
  expect(manifests.find((m: any) => m.kind === 'Service').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  expect(manifests).toMatchSnapshot();
});
