/**
 * The training pod template and Indexed Job spec (src/training/pod-template.ts) built directly:
 * edge values of the defaults (/dev/shm, processes per node, exit codes, the failure policy) and
 * every validation message. Expected values are spelled out.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Accelerator, External, PodContribution } from '../../src/core';
import { CheckpointVolume } from '../../src/training/checkpoint';
import { Framework } from '../../src/training/framework';
import {
  RendezvousAddressing, TrainingPodTemplateOptions, buildTrainingPodTemplate, deadlineSeconds, renderIndexedJobSpec,
  resolveProcsPerNode, validateMaxRestarts, validateNodes,
} from '../../src/training/pod-template';

const NFS = { name: 'x', nfs: { server: 'nfs.example.com', path: '/ckpt' } };
const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });
const BASE: TrainingPodTemplateOptions = {
  image: 'ghcr.io/acme/trainer:1.4.2',
  command: ['python', 'train.py'],
  nodes: 2,
  resources: { cpu: '4', memory: '16Gi' },
  framework: Framework.pytorch(),
};
const build = (o: Partial<TrainingPodTemplateOptions> = {}) => buildTrainingPodTemplate(chart(), { ...BASE, ...o });
const trainer = (o: Partial<TrainingPodTemplateOptions> = {}) => build(o).template.spec!.containers[0];
/** The cache env every ML pod gets (buildMlPodSpec), left out of the comparisons below. */
const CACHE_ENV = ['HOME', 'XDG_CACHE_HOME', 'HF_HOME', 'TORCH_HOME', 'TRITON_CACHE_DIR', 'PIP_CACHE_DIR'];
const ownEnv = (c: { env?: Array<{ name: string }> }) => (c.env ?? []).filter((e) => !CACHE_ENV.includes(e.name));
const shmOf = (memory: string) => {
  const v = build({ resources: { cpu: '1', memory } }).template.spec!.volumes!.find((x) => x.name === 'dshm')!;
  return v.emptyDir!.sizeLimit!.value;
};
/** A dataset contribution with one init container `fetch-<id>` and env `DATA_<ID>`. */
const dataset = (id: string, codes: number[] = [20], extra: Partial<PodContribution> = {}): PodContribution => ({
  initContainers: [{ name: `fetch-${id}`, image: 'ghcr.io/acme/fetch:1.0.0' }],
  volumes: [{ name: `data-${id}`, emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
  volumeMounts: [{ name: `data-${id}`, mountPath: `/data/${id}`, readOnly: true }],
  env: [{ name: `DATA_${id.toUpperCase()}`, value: `/data/${id}` }],
  permanentExitCodes: codes,
  containerNames: [`fetch-${id}`],
  ...extra,
});

describe('defaults of the pod template', () => {
  test('/dev/shm is a quarter of the memory limit in whole GiB, at least 1 GiB and at most 64 GiB', () => {
    expect(shmOf('16Gi')).toBe('4Gi');
    expect(shmOf('9Gi')).toBe('2Gi'); // 2.25 rounded down
    expect(shmOf('7Gi')).toBe('1Gi'); // 1.75 rounded down
    expect(shmOf('2Gi')).toBe('1Gi'); // 0.5: the floor of 1 GiB
    expect(shmOf('252Gi')).toBe('63Gi');
    expect(shmOf('256Gi')).toBe('64Gi');
    expect(shmOf('1Ti')).toBe('64Gi'); // 256 capped
  });

  test('an explicit shmSize wins', () => {
    const v = build({ shmSize: Size.gibibytes(3) }).template.spec!.volumes!.find((x) => x.name === 'dshm')!;
    expect(v.emptyDir!.sizeLimit!.value).toBe('3Gi');
  });

  test('container name "trainer", restart policy Never, no labels or annotations when empty', () => {
    const t = build({ labels: {}, annotations: {} });
    expect(t.containerName).toBe('trainer');
    expect(t.template.spec!.containers[0].name).toBe('trainer');
    expect(t.template.spec!.restartPolicy).toBe('Never');
    expect(t.template.metadata).toEqual({ labels: undefined, annotations: undefined });
    const named = build({ containerName: 'main', restartPolicy: 'OnFailure', labels: { a: 'b' }, annotations: { c: 'd' } });
    expect(named.containerName).toBe('main');
    expect(named.template.spec!.restartPolicy).toBe('OnFailure');
    expect(named.template.metadata).toEqual({ labels: { a: 'b' }, annotations: { c: 'd' } });
  });

  test('the ports of the framework, as TCP container ports', () => {
    const t = build({ framework: Framework.custom({ ports: [{ name: 'coord', port: 7000 }, { name: 'data', port: 7001 }] }) });
    expect(t.ports).toEqual([{ name: 'coord', port: 7000 }, { name: 'data', port: 7001 }]);
    expect(t.template.spec!.containers[0].ports).toEqual([
      { name: 'coord', containerPort: 7000, protocol: 'TCP' },
      { name: 'data', containerPort: 7001, protocol: 'TCP' },
    ]);
  });

  test('one pod per node: a required anti-affinity on the hostname against the given labels', () => {
    expect(build().template.spec!.affinity).toBeUndefined();
    expect(build({ onePodPerNode: { app: 'x' } }).template.spec!.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }],
      },
    });
  });

  test('without addressing: no rendezvous env, not even NODE_RANK', () => {
    expect(ownEnv(trainer({ env: { A: 'b' } }))).toEqual([{ name: 'A', value: 'b' }]);
  });
});

describe('config, checkpoints and datasets', () => {
  test('the config ConfigMap mounted read-only at /etc/training, its path in TRAINING_CONFIG', () => {
    const t = build({ configMapName: 'cfg' });
    const c = t.template.spec!.containers[0];
    expect(t.template.spec!.volumes).toContainEqual({ name: 'training-config', configMap: { name: 'cfg' } });
    expect(c.volumeMounts).toContainEqual({ name: 'training-config', mountPath: '/etc/training', readOnly: true });
    expect(ownEnv(c)).toEqual([{ name: 'TRAINING_CONFIG', value: '/etc/training/config.json' }]);
    expect(ownEnv(trainer({ configMapName: 'cfg', configMountPath: '/opt/cfg' }))).toEqual([{ name: 'TRAINING_CONFIG', value: '/opt/cfg/config.json' }]);
  });

  test('fails on a config mount path that is relative or the root', () => {
    for (const configMountPath of ['etc', '/']) {
      expect(() => build({ configMapName: 'cfg', configMountPath })).toThrow(
        `ml: configMountPath must be an absolute path other than "/", got ${JSON.stringify(configMountPath)}`,
      );
    }
  });

  test('checkpoints: the volume, its mount and CHECKPOINT_DIR', () => {
    const t = build({ checkpoints: CheckpointVolume.fromVolume(NFS, { mountPath: '/ckpt' }) });
    expect(t.template.spec!.volumes).toContainEqual({ name: 'checkpoints', nfs: { server: 'nfs.example.com', path: '/ckpt' } });
    expect(t.template.spec!.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/ckpt' });
    expect(ownEnv(t.template.spec!.containers[0])).toEqual([{ name: 'CHECKPOINT_DIR', value: '/ckpt' }]);
  });

  test('checkpoints per run: subPathExpr under the run base', () => {
    const t = build({ checkpoints: CheckpointVolume.fromVolume(NFS), checkpointsPerRun: { env: 'JOB_NAME', base: 'nightly' } });
    expect(t.template.spec!.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: 'nightly/$(JOB_NAME)' });
  });

  test('fails on checkpoints that are not a CheckpointVolume', () => {
    expect(() => build({ checkpoints: { mountPath: '/c' } as never })).toThrow(
      'ml: checkpoints must be a CheckpointVolume (CheckpointVolume.claim(...)), got {"mountPath":"/c"}',
    );
  });

  test('a ReadWriteOnce-style claim for several pods: the message says whether they spread over nodes', () => {
    const rwo = () => CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadWriteOnce'] }));
    expect(() => build({ checkpoints: rwo(), onePodPerNode: { app: 'x' } })).toThrow(/the job runs 2 pods, one per node/);
    expect(() => build({ checkpoints: rwo() })).toThrow(/the job runs 2 pods that may land on different nodes/);
  });

  test('datasets: init containers, volumes, mounts and env after the config', () => {
    const t = build({ configMapName: 'cfg', contributions: [dataset('a'), dataset('b')] });
    const spec = t.template.spec!;
    expect(spec.initContainers!.map((c) => c.name)).toEqual(['fetch-a', 'fetch-b']);
    expect(spec.volumes!.map((v) => v.name)).toEqual(expect.arrayContaining(['data-a', 'data-b']));
    expect(ownEnv(spec.containers[0])).toEqual([
      { name: 'TRAINING_CONFIG', value: '/etc/training/config.json' },
      { name: 'DATA_A', value: '/data/a' },
      { name: 'DATA_B', value: '/data/b' },
    ]);
  });

  test('fails when a dataset env var collides with another one', () => {
    expect(() => build({ contributions: [dataset('a'), dataset('b', [20], { env: [{ name: 'DATA_A', value: '/x' }] })] })).toThrow(
      'ml: dataset env DATA_A collides with another env var of the trainer',
    );
    expect(() => build({ configMapName: 'cfg', contributions: [dataset('a', [20], { env: [{ name: 'TRAINING_CONFIG', value: '/x' }] })] })).toThrow(
      'ml: dataset env TRAINING_CONFIG collides with another env var of the trainer',
    );
  });

  test('fails when the user env sets a reserved name, even when unused, or a dataset env var', () => {
    for (const name of ['NODE_RANK', 'JOB_NAME', 'TRAINING_CONFIG', 'CHECKPOINT_DIR']) {
      expect(() => build({ env: { [name]: 'x' } })).toThrow(`ml: env ${name} is set by the training job; choose another name`);
    }
    expect(() => build({ contributions: [dataset('a')], env: { DATA_A: 'x' } })).toThrow('ml: env DATA_A is set by the training job; choose another name');
    expect(ownEnv(trainer({ env: { OTHER: 'x' } }))).toEqual([{ name: 'OTHER', value: 'x' }]);
  });

  test('fails on an init container named like the trainer or like another init container', () => {
    expect(() => build({ contributions: [dataset('a', [20], { initContainers: [{ name: 'trainer', image: 'i:1' }] })] })).toThrow(
      'ml: duplicate container name "trainer"',
    );
    expect(() => build({ contributions: [dataset('a'), dataset('b', [20], { initContainers: [{ name: 'fetch-a', image: 'i:1' }] })] })).toThrow(
      'ml: duplicate container name "fetch-a"',
    );
  });
});

describe('MPI hostfile', () => {
  test('the hostfile text and its ConfigMap mounted read-only at the hostfile dir', () => {
    const t = build({
      framework: Framework.mpi({ hostfileDir: '/opt/mpi' }), procsPerNode: 3, nodes: 2,
      addressing: RendezvousAddressing.indexedJob('job', 'svc'), hostfileConfigMapName: 'hf',
    });
    expect(t.hostfile).toBe('job-0.svc slots=3\njob-1.svc slots=3\n');
    expect(t.template.spec!.volumes).toContainEqual({ name: 'mpi-hostfile', configMap: { name: 'hf' } });
    expect(t.template.spec!.containers[0].volumeMounts).toContainEqual({ name: 'mpi-hostfile', mountPath: '/opt/mpi', readOnly: true });
  });

  test('no hostfile without addressing', () => {
    const t = build({ framework: Framework.mpi(), hostfileConfigMapName: 'hf' });
    expect(t.hostfile).toBeUndefined();
    expect(t.template.spec!.volumes!.map((v) => v.name)).not.toContain('mpi-hostfile');
  });

  test('fails without a hostfile ConfigMap name', () => {
    expect(() => build({ framework: Framework.mpi(), addressing: RendezvousAddressing.indexedJob('job', 'svc') })).toThrow(
      'ml: Framework.mpi needs a hostfile ConfigMap name',
    );
  });
});

describe('podFailurePolicy', () => {
  const ignore = { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] };

  test('ignores disruptions unless told not to; fails the job on dataset and trainer exit codes, sorted and deduplicated', () => {
    expect(build().podFailurePolicy).toEqual({ rules: [ignore] });
    expect(build({ ignoreDisruptions: true }).podFailurePolicy).toEqual({ rules: [ignore] });
    expect(build({ ignoreDisruptions: false }).podFailurePolicy).toEqual({ rules: [] });
    expect(build({ contributions: [dataset('a', [22, 20, 22]), dataset('b', [])], nonRetryableExitCodes: [3, 1, 3] }).podFailurePolicy).toEqual({
      rules: [
        ignore,
        { action: 'FailJob', onExitCodes: { containerName: 'fetch-a', operator: 'In', values: [20, 22] } },
        { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [1, 3] } },
      ],
    });
  });

  test('one rule per init container of a dataset', () => {
    const c = dataset('a', [9], { containerNames: ['fetch-a', 'verify-a'] });
    expect(build({ contributions: [c], ignoreDisruptions: false }).podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: 'fetch-a', operator: 'In', values: [9] } },
      { action: 'FailJob', onExitCodes: { containerName: 'verify-a', operator: 'In', values: [9] } },
    ]);
  });

  test('exit codes 1 and 255 and 255 entries are accepted', () => {
    const codes = Array.from({ length: 255 }, (_, i) => 255 - i);
    const rules = build({ nonRetryableExitCodes: [...codes.slice(0, 254), 1], ignoreDisruptions: false }).podFailurePolicy.rules;
    expect(rules[0].onExitCodes!.values).toHaveLength(255);
    expect(rules[0].onExitCodes!.values[0]).toBe(1);
    expect(rules[0].onExitCodes!.values[254]).toBe(255);
  });

  test('fails on exit codes out of 1..255 or not integers, and on more than 255 of them', () => {
    for (const c of [0, 256, 1.5]) {
      expect(() => build({ nonRetryableExitCodes: [c] })).toThrow(`ml: nonRetryableExitCodes must be integers 1..255, got ${c}`);
      expect(() => build({ contributions: [dataset('a', [c])] })).toThrow(`ml: dataset permanentExitCodes must be integers 1..255, got ${c}`);
    }
    expect(() => build({ nonRetryableExitCodes: Array.from({ length: 256 }, () => 7) })).toThrow('ml: nonRetryableExitCodes: at most 255 exit codes, got 256');
  });

  test('at most 20 rules: 19 datasets with codes and disruptions fit, 20 do not', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => dataset(`d${i}`));
    expect(build({ contributions: many(19) }).podFailurePolicy.rules).toHaveLength(20);
    expect(() => build({ contributions: many(20) })).toThrow(
      'ml: the podFailurePolicy would need 21 rules (one per dataset init container), over the Kubernetes limit of 20',
    );
  });
});

describe('nodes and processes per node', () => {
  test('validateNodes: 1 is the smallest', () => {
    expect(validateNodes(chart(), 1)).toBe(1);
    for (const n of [0, -1, 1.5]) expect(() => validateNodes(chart(), n)).toThrow(`ml: nodes must be a positive integer, got ${n}`);
  });

  test('procsPerNode: given, else the accelerator count, else 1', () => {
    expect(resolveProcsPerNode(chart(), undefined, undefined)).toBe(1);
    expect(resolveProcsPerNode(chart(), 3, undefined)).toBe(3);
    expect(resolveProcsPerNode(chart(), undefined, Accelerator.nvidiaGpu({ count: 4 }))).toBe(4);
    expect(resolveProcsPerNode(chart(), 4, Accelerator.nvidiaGpu({ count: 4 }))).toBe(4);
    expect(resolveProcsPerNode(chart(), 2, Accelerator.nvidiaGpu({ count: 4 }))).toBe(2);
    expect(resolveProcsPerNode(chart(), 1, Accelerator.nvidiaGpu({ count: 4 }))).toBe(1);
  });

  test('fails on procsPerNode that is not a positive integer, or that does not divide the accelerators', () => {
    for (const p of [0, -2, 1.5]) expect(() => resolveProcsPerNode(chart(), p, undefined)).toThrow(`ml: procsPerNode must be a positive integer, got ${p}`);
    expect(() => resolveProcsPerNode(chart(), 3, Accelerator.nvidiaGpu({ count: 4 }))).toThrow(
      'ml: procsPerNode (3) must divide the 4 accelerators per node (one or more whole devices per process)',
    );
    expect(() => resolveProcsPerNode(chart(), 8, Accelerator.nvidiaGpu({ count: 4 }))).toThrow(
      'ml: procsPerNode (8) must divide the 4 accelerators per node (one or more whole devices per process)',
    );
    expect(() => resolveProcsPerNode(chart(), undefined, Accelerator.nvidiaGpu({ count: 0 }))).toThrow('ml: accelerator count must be a positive integer, got 0');
  });

  test('JAX runs one process per node whatever the accelerators', () => {
    expect(build({ framework: Framework.jax(), accelerator: Accelerator.nvidiaGpu({ count: 4 }) }).procsPerNode).toBe(1);
    expect(build({ accelerator: Accelerator.nvidiaGpu({ count: 4 }) }).procsPerNode).toBe(4);
  });
});

describe('renderIndexedJobSpec', () => {
  const pod = (o: Partial<TrainingPodTemplateOptions> = {}) => build(o);

  test('Indexed, completions = parallelism = nodes, backoffLimit = maxRestarts × nodes (3 by default)', () => {
    const p = pod();
    expect(renderIndexedJobSpec(chart(), { pod: p, nodes: 2 })).toEqual({
      completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 6, backoffLimitPerIndex: undefined,
      activeDeadlineSeconds: undefined, podFailurePolicy: p.podFailurePolicy, suspend: undefined, template: p.template,
    });
    expect(renderIndexedJobSpec(chart(), { pod: p, nodes: 5, maxRestarts: 0 }).backoffLimit).toBe(0);
  });

  test('per-index retries replace backoffLimit; 0 is allowed', () => {
    const s = renderIndexedJobSpec(chart(), { pod: pod(), nodes: 2, backoffLimitPerIndex: 0 });
    expect([s.backoffLimit, s.backoffLimitPerIndex]).toEqual([undefined, 0]);
  });

  test('deadline in whole seconds, suspend only when true, no podFailurePolicy without rules', () => {
    const s = renderIndexedJobSpec(chart(), { pod: pod({ ignoreDisruptions: false }), nodes: 2, deadline: Duration.minutes(2), suspend: true });
    expect([s.activeDeadlineSeconds, s.suspend, s.podFailurePolicy]).toEqual([120, true, undefined]);
    expect(renderIndexedJobSpec(chart(), { pod: pod(), nodes: 2, suspend: false }).suspend).toBeUndefined();
  });

  test('fails on a negative or fractional backoffLimitPerIndex', () => {
    for (const v of [-1, 0.5]) {
      expect(() => renderIndexedJobSpec(chart(), { pod: pod(), nodes: 2, backoffLimitPerIndex: v })).toThrow(`ml: backoffLimitPerIndex must be an integer ≥ 0, got ${v}`);
    }
  });

  test('validateMaxRestarts and deadlineSeconds', () => {
    expect(validateMaxRestarts(chart(), undefined)).toBe(3);
    expect(validateMaxRestarts(chart(), 0)).toBe(0);
    for (const v of [-1, 0.5]) expect(() => validateMaxRestarts(chart(), v)).toThrow(`ml: maxRestarts must be an integer ≥ 0, got ${v}`);
    expect(deadlineSeconds(chart(), undefined)).toBeUndefined();
    expect(deadlineSeconds(chart(), Duration.seconds(1))).toBe(1);
    expect(() => deadlineSeconds(chart(), Duration.millis(1500))).toThrow('ml: deadline must be a whole number of seconds ≥ 1, got 1.5 s');
    expect(() => deadlineSeconds(chart(), Duration.seconds(0))).toThrow('ml: deadline must be a whole number of seconds ≥ 1, got 0 s');
  });
});

describe('RendezvousAddressing', () => {
  test('indexed Job, label mode and JobSet host names', () => {
    const a = RendezvousAddressing.indexedJob('job', 'svc');
    expect([a.host(3), a.rendezvousId, a.hostnamePrefix, a.dynamic, a.prefixEnv]).toEqual(['job-3.svc', 'job', 'job', false, []]);
    const l = RendezvousAddressing.indexedJobFromLabel('svc');
    expect([l.host(1), l.rendezvousId, l.hostnamePrefix, l.dynamic]).toEqual(['$(JOB_NAME)-1.svc', '$(JOB_NAME)', undefined, true]);
    expect(l.prefixEnv).toEqual([{ name: 'JOB_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }]);
    const j = RendezvousAddressing.jobSet('js', 'node');
    expect([j.host(2), j.rendezvousId, j.hostnamePrefix, j.dynamic]).toEqual(['js-node-0-2.js', 'js', 'js-node-0', false]);
    expect(RendezvousAddressing.jobSet('js', 'w', 'sub').host(0)).toBe('js-w-0-0.sub');
  });

  test('with addressing the env starts with NODE_RANK from the completion index', () => {
    const env = trainer({ addressing: RendezvousAddressing.indexedJob('job', 'svc') }).env!;
    expect(env[0]).toEqual({ name: 'NODE_RANK', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(env.find((e) => e.name === 'PET_MASTER_ADDR')).toEqual({ name: 'PET_MASTER_ADDR', value: 'job-0.svc' });
  });
});
