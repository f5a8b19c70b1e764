/**
 * DistributedTrainingJob (src/training/distributed-training-job.ts): edge values of the name
 * checks, the backends' unsupported options and their exact messages, the per-backend fields
 * not pinned elsewhere. Expected values are spelled out.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { External, IPodContributor, PodContribution } from '../../src/core';
import {
  DistributedTrainingJob, DistributedTrainingJobProps, Framework, Gang, Queue, TrainingBackend,
} from '../../src/training';
import { newChart } from './helpers';

const BASE: DistributedTrainingJobProps = {
  image: 'ghcr.io/acme/trainer:1.4.2',
  command: ['python', '-m', 'train'],
  nodes: 2,
  resources: { cpu: '4', memory: '16Gi' },
};

function render(props: Partial<DistributedTrainingJobProps> = {}, version?: string, id = 'ft'): { chart: Chart; job: DistributedTrainingJob; manifests: any[] } {
  const chart = newChart(version);
  const job = new DistributedTrainingJob(chart, id, { ...BASE, ...props });
  return { chart, job, manifests: chart.toJson() };
}
const one = (manifests: any[], kind: string) => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('the base name', () => {
  test('derived from the construct id; a one-letter name is fine', () => {
    expect(render({}, undefined, 'My_Job').job.baseName).toBe('my-job');
    expect(render({ name: 'a' }).job.baseName).toBe('a');
    expect(render({ name: 'a-1' }).job.baseName).toBe('a-1');
  });

  test('fails on a name that is not an RFC 1035 label: a leading digit, a trailing dash, upper case, 64 characters', () => {
    for (const name of ['9lives', 'a-', 'aB', 'a'.repeat(64)]) {
      expect(() => render({ name })).toThrow(
        `ml/ft: name must be an RFC 1035 label (lowercase letters, digits and "-", starting with a letter, at most 63 characters), got "${name}"`,
      );
    }
  });

  test('a 63-character name passes the label check and fails on the pod hostname, with the longest name that fits', () => {
    // Indexed Job: hostname <name>-<8-char hash>-<index>, so with 2 nodes 63 - 11 = 52 characters fit
    const name = 'a'.repeat(63);
    expect(() => render({ name })).toThrow(
      `ml/ft: name "${name}" is too long: the pod hostname "${name}-`,
    );
    expect(() => render({ name })).toThrow(/would be 74 characters, over the 63-character DNS label limit; use a name of at most 52 characters \(prop name\)$/);
    expect(render({ name: 'a'.repeat(52) }).job.jobName).toMatch(/^a{52}-[a-z0-9]{8}$/);
    expect(() => render({ name: 'a'.repeat(53) })).toThrow(/would be 64 characters, over the 63-character DNS label limit; use a name of at most 52 characters/);
  });

  test('the hint never goes below 1 character (a JobSet whose replicated job name alone is too long)', () => {
    const backend = TrainingBackend.jobSet({ replicatedJobName: 'r'.repeat(60) });
    expect(() => render({ backend, name: 'ab' }, '1.33')).toThrow(/use a name of at most 1 characters \(prop name\)$/);
  });
});

describe('the longest pod hostname of each backend, with 10 nodes (index 9)', () => {
  // <name>-<8-char hash> plus: Indexed Job "-9"; JobSet and TrainJob "-node-0-9"; PyTorchJob "-worker-9"
  const cases: Array<[string, Partial<DistributedTrainingJobProps>, string | undefined, number]> = [
    ['Indexed Job', {}, undefined, 52],
    ['JobSet', { backend: TrainingBackend.jobSet() }, '1.33', 45],
    ['TrainJob', { backend: TrainingBackend.kubeflowTrainJob() }, '1.33', 45],
    ['PyTorchJob', { backend: TrainingBackend.pytorchJob() }, undefined, 45],
  ];
  test.each(cases)('%s: the longest name that fits, and one character more', (_backend, props, version, fits) => {
    expect(render({ ...props, nodes: 10, name: 'a'.repeat(fits) }, version).job.jobName).toHaveLength(fits + 9);
    expect(() => render({ ...props, nodes: 10, name: 'a'.repeat(fits + 1) }, version)).toThrow(
      new RegExp(`would be 64 characters, over the 63-character DNS label limit; use a name of at most ${fits} characters \\(prop name\\)$`),
    );
  });
});

describe('labels', () => {
  test('fails on an invalid label, naming the prop', () => {
    expect(() => render({ labels: { team: 'a b' } })).toThrow(
      'ml/ft: labels: invalid value "a b" for label team (at most 63 characters, alphanumerics, "-", "_", ".")',
    );
  });
});

describe('config', () => {
  test('fails on a config that is not an object', () => {
    for (const [config, shown] of [[null, 'null'], [[1], '[1]'], ['x', '"x"']] as const) {
      expect(() => render({ config: config as never })).toThrow(`ml/ft: config must be an object, got ${shown}`);
    }
  });

  test('an empty config still renders its ConfigMap', () => {
    const { manifests, job } = render({ config: {} });
    const cm = one(manifests, 'ConfigMap');
    expect(cm.data).toEqual({ 'config.json': '{}\n' });
    expect(cm.immutable).toBe(true);
    expect(cm.metadata.name).toMatch(/^ft-config-[a-z0-9]{8}$/);
    expect(job.configMap).toBeDefined();
  });
});

describe('JobSet backend', () => {
  test('fails on a replicated job name that is not an RFC 1035 label', () => {
    expect(() => render({ backend: TrainingBackend.jobSet({ replicatedJobName: 'Node' }) }, '1.33')).toThrow(
      'ml/ft: jobSet replicatedJobName must be an RFC 1035 label, got "Node"',
    );
  });

  test('the failure policy: maxRestarts, and the permanent-failure rule only with FailJob rules', () => {
    const plain = one(render({ backend: TrainingBackend.jobSet() }, '1.33').manifests, 'JobSet');
    expect(plain.spec.failurePolicy).toEqual({ maxRestarts: 3 });
    const failing = one(render({ backend: TrainingBackend.jobSet(), nonRetryableExitCodes: [2] }, '1.33').manifests, 'JobSet');
    expect(failing.spec.failurePolicy).toEqual({ maxRestarts: 3, rules: [{ name: 'permanent-failure', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }] });
    expect(failing.spec.replicatedJobs[0]).toMatchObject({ name: 'node', groupName: 'default', replicas: 1 });
  });

  test('the child job: backoffLimit 0, the deadline, successPolicy when asked', () => {
    const js = one(render({ backend: TrainingBackend.jobSet(), successWhenLeaderSucceeds: true, backoffLimitPerIndex: 2, deadline: undefined }, '1.33').manifests, 'JobSet');
    const child = js.spec.replicatedJobs[0].template.spec;
    expect(child.successPolicy).toEqual({ rules: [{ succeededIndexes: '0' }] });
    expect(child.backoffLimitPerIndex).toBe(2);
    expect(child.backoffLimit).toBeUndefined();
    const plain = one(render({ backend: TrainingBackend.jobSet() }, '1.33').manifests, 'JobSet').spec.replicatedJobs[0].template.spec;
    expect(plain.successPolicy).toBeUndefined();
    expect(plain.backoffLimit).toBe(0);
  });
});

describe('Kubeflow TrainJob backend', () => {
  const tj = (o: Partial<DistributedTrainingJobProps>) => render({ backend: TrainingBackend.kubeflowTrainJob(), ...o }, '1.33');

  test('fails on what the trainer cannot express', () => {
    const cases: Array<[Partial<DistributedTrainingJobProps>, string]> = [
      [{ framework: Framework.jax({ port: 4321 }) }, 'a JAX coordinator port (the trainer sets it)'],
      [{ backoffLimitPerIndex: 1 }, 'backoffLimitPerIndex'],
      [{ successWhenLeaderSucceeds: true }, 'successWhenLeaderSucceeds'],
      [{ gang: Gang.volcano({ queue: 'research' }) }, 'a Volcano queue in the gang options'],
      [{ framework: Framework.pytorch({ maxNodes: 4 }) }, 'elastic PyTorch (minNodes/maxNodes)'],
      [{ framework: Framework.pytorch({ port: 29501 }) }, 'a PyTorch port other than 29500 (the trainer sets PET_MASTER_PORT=29500), got 29501'],
      [{ framework: Framework.mpi() }, 'Framework.mpi (the Trainer MPI runtime manages its own launcher and SSH keys)'],
    ];
    for (const [props, what] of cases) {
      expect(() => tj(props)).toThrow(`ml/ft: backend kubeflowTrainJob cannot express ${what}; use TrainingBackend.indexedJob() or TrainingBackend.jobSet()`);
    }
  });

  test('JAX with its default port: the jax plugin, no numProcPerNode; a Volcano gang without a queue', () => {
    const { manifests, job } = tj({ framework: Framework.jax(), gang: Gang.volcano() });
    const rt = one(manifests, 'TrainingRuntime');
    expect(rt.spec.mlPolicy).toEqual({ numNodes: 2, jax: {} });
    expect(rt.spec.podGroupPolicy).toEqual({ volcano: {} });
    expect(one(manifests, 'TrainJob').spec.trainer).toEqual({ numNodes: 2 });
    const env = rt.spec.template.spec.replicatedJobs[0].template.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).not.toContain('JAX_COORDINATOR_ADDRESS');
    expect(job.coordinatorHost).toBe(`${job.jobName}-node-0-0.${job.jobName}`);
  });

  test('coscheduling timeout in the podGroupPolicy', () => {
    const rt = one(tj({ gang: Gang.coscheduling({ scheduleTimeoutSeconds: 30 }) }).manifests, 'TrainingRuntime');
    expect(rt.spec.podGroupPolicy).toEqual({ coscheduling: { scheduleTimeoutSeconds: 30 } });
  });
});

describe('Kubeflow TrainJob runtime', () => {
  test('the JobSet template of the runtime: DNS hostnames, the failure policy, the trainer ancestor label; no gang pod labels', () => {
    const { manifests } = render({ backend: TrainingBackend.kubeflowTrainJob(), gang: Gang.coscheduling(), maxRestarts: 2, nonRetryableExitCodes: [5] }, '1.33');
    const spec = one(manifests, 'TrainingRuntime').spec.template.spec;
    expect(spec.network).toEqual({ enableDNSHostnames: true, publishNotReadyAddresses: true });
    expect(spec.failurePolicy).toEqual({ maxRestarts: 2, rules: [{ name: 'permanent-failure', action: 'FailJobSet', onJobFailureReasons: ['PodFailurePolicy'] }] });
    expect(spec.replicatedJobs[0]).toMatchObject({ name: 'node', groupName: 'default', replicas: 1 });
    const pod = spec.replicatedJobs[0].template.spec.template;
    expect(pod.metadata.labels['scheduling.x-k8s.io/pod-group']).toBeUndefined();
    expect(pod.spec.schedulerName).toBe('scheduler-plugins-scheduler');
    expect(pod.spec.subdomain).toBeUndefined();
  });
});

describe('PyTorchJob backend', () => {
  const pj = (o: Partial<DistributedTrainingJobProps>) => render({ backend: TrainingBackend.pytorchJob(), ...o }, '1.31');

  test('fails on what the operator cannot express', () => {
    const cases: Array<[Partial<DistributedTrainingJobProps>, string]> = [
      [{ backoffLimitPerIndex: 1 }, 'backoffLimitPerIndex'],
      [{ gang: Gang.coscheduling({ scheduleTimeoutSeconds: 30 }) }, 'a coscheduling scheduleTimeoutSeconds (set it on the operator)'],
      [{ framework: Framework.jax() }, 'Framework.jax'],
      [{ successWhenLeaderSucceeds: true }, 'successWhenLeaderSucceeds'],
    ];
    for (const [props, what] of cases) {
      expect(() => pj(props)).toThrow(`ml/ft: backend pytorchJob cannot express ${what}; use TrainingBackend.indexedJob() or TrainingBackend.jobSet()`);
    }
  });

  test('accepted: an empty nonRetryableExitCodes list, a coscheduling gang without a timeout', () => {
    const spec = one(pj({ nonRetryableExitCodes: [], gang: Gang.coscheduling() }).manifests, 'PyTorchJob').spec;
    expect(spec.runPolicy).toEqual({ backoffLimit: 6, schedulingPolicy: { minAvailable: 2 } });
  });

  test('a single node: only a Master; no gang: no schedulingPolicy', () => {
    const { manifests, job } = pj({ nodes: 1 });
    const spec = one(manifests, 'PyTorchJob').spec;
    expect(Object.keys(spec.pytorchReplicaSpecs)).toEqual(['Master']);
    expect(spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(spec.pytorchReplicaSpecs.Master.restartPolicy).toBe('OnFailure');
    expect(spec.runPolicy).toEqual({ backoffLimit: 3 });
    expect(job.jobName).toMatch(/^ft-[a-z0-9]{8}$/);
    expect(job.coordinatorHost).toBe(`${job.jobName}-master-0`);
    expect(job.serviceName).toBe('');
  });

  test('the pod template: restart OnFailure, no subdomain, no scheduler name even with a gang, no gang annotation', () => {
    const spec = one(pj({ gang: Gang.volcano() }).manifests, 'PyTorchJob').spec;
    const pod = spec.pytorchReplicaSpecs.Worker.template;
    expect(pod.spec.restartPolicy).toBe('OnFailure');
    expect(pod.spec.subdomain).toBeUndefined();
    expect(pod.spec.schedulerName).toBeUndefined();
    expect(pod.metadata.annotations?.['scheduling.k8s.io/group-name']).toBeUndefined();
  });

  test('elastic: the coordinator is worker 0', () => {
    const { job } = pj({ framework: Framework.pytorch({ minNodes: 1 }) });
    expect(job.coordinatorHost).toBe(`${job.jobName}-worker-0`);
  });
});

describe('gang scheduling PodGroup', () => {
  test('on an Indexed Job: the priority class of the pods in the Volcano PodGroup', () => {
    const { manifests, job } = render({ gang: Gang.volcano(), priorityClass: External.priorityClass('high') });
    const pg = one(manifests, 'PodGroup');
    expect(pg.metadata.name).toBe(job.jobName);
    expect(pg.spec).toEqual({ minMember: 2, priorityClassName: 'high' });
  });

  test('no PodGroup for the operator backends', () => {
    expect(render({ backend: TrainingBackend.pytorchJob(), gang: Gang.volcano() }).manifests.filter((m) => m.kind === 'PodGroup')).toEqual([]);
  });
});

/** A dataset whose pods mount a ReadWriteOnce claim (attachable on one node only). */
class RwoClaimDataset extends Construct implements IPodContributor {
  public contributeTo(): PodContribution {
    return {
      initContainers: [], volumes: [], volumeMounts: [], env: [], permanentExitCodes: [], containerNames: [],
      references: [{ what: 'dataset volume', readOnly: true, ref: { kind: 'PersistentVolumeClaim', name: 'd', external: true, accessModes: ['ReadWriteOnce'] } }],
    };
  }
}

describe('pods without the one-pod-per-node rule', () => {
  test('no anti-affinity; a dataset claim that attaches to one node is refused, saying the pods may spread', () => {
    const { manifests } = render({ onePodPerNode: false });
    expect(one(manifests, 'Job').spec.template.spec.affinity).toBeUndefined();
    const chart = newChart();
    const dataset = new RwoClaimDataset(chart, 'data');
    expect(() => new DistributedTrainingJob(chart, 'ft', { ...BASE, onePodPerNode: false, datasets: [dataset] })).toThrow(
      'ml/ft: dataset volume: claim "d" is ReadWriteOnce but the job runs 2 pods that may land on different nodes; the second pod could never attach it — use a ReadWriteMany claim',
    );
  });
});

describe('queue', () => {
  test('the Kueue labels on the workload only, not on the Service or ConfigMap', () => {
    const { manifests } = render({ queue: Queue.kueue(External.localQueue('q')), config: { a: 1 } });
    expect(one(manifests, 'Job').metadata.labels['kueue.x-k8s.io/queue-name']).toBe('q');
    expect(one(manifests, 'Service').metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(one(manifests, 'ConfigMap').metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });
});
