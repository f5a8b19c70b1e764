import { External } from '../../src/core';
import { k8s } from 'cdk8s-plus-28';
import { Chart, Duration, Testing } from 'cdk8s';
import { Accelerator, EnvSource, IPodContributor, PodContribution } from '../../src/core';
import { GitOps } from '../../src/gitops';
import { CRONJOB_NAME_MAX, ScheduledTraining, ScheduledTrainingProps, TrainingTemplate } from '../../src/platform';
import { isIanaTimeZone, validateCronSchedule } from '../../src/core';
import { expectValidManifests } from '../../src/testing';
import { Construct } from 'constructs';
import { Framework, Queue, TrainingBackend } from '../../src/training';

const SINGLE = TrainingTemplate.singleNode({
  image: 'ghcr.io/acme/ranker:3.4.1',
  command: ['python', '-m', 'train'],
  env: { WANDB_API_KEY: EnvSource.fromSecret('wandb', 'api-key'), DATA_WINDOW: '1d' },
  resources: { cpu: '8', memory: '64Gi' },
  accelerator: Accelerator.nvidiaGpu({ count: 1 }),
});

function render(props: Partial<ScheduledTrainingProps> = {}, id = 'nightly') {
  const app = Testing.app();
  GitOps.apply(app);
  const chart = new Chart(app, 'retraining', { namespace: 'team-a' });
  const st = new ScheduledTraining(chart, id, { schedule: '0 2 * * *', job: SINGLE, ...props });
  return { app, chart, st, cron: Testing.synth(chart)[0] };
}

class FakeDataset extends Construct implements IPodContributor {
  contributeTo(): PodContribution {
    return {
      initContainers: [{ name: 'fetch-data', image: 'ghcr.io/acme/fetch:1.0.0', resources: { limits: {} } }],
      volumes: [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
      volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      env: [{ name: 'DATASET_DIR', value: '/data' }],
      permanentExitCodes: [42, 43],
      containerNames: ['fetch-data'],
    };
  }
}

describe('ScheduledTraining', () => {
  test('renders a CronJob: Forbid, explicit time zone, starting deadline, history limits, restricted single-node pod', () => {
    const { app, chart, cron } = render({ timeZone: 'Europe/Berlin', queue: Queue.kueue(External.localQueue('default')) });
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      suspend: false,
    });
    const job = cron.spec.jobTemplate;
    expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
    expect(job.spec).toMatchObject({ suspend: true, backoffLimit: 2, activeDeadlineSeconds: 43200 });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.podFailurePolicy.rules).toEqual([{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.containers[0].env.slice(0, 2)).toEqual([
      { name: 'CRONJOB_NAME', value: 'nightly' },
      { name: 'JOB_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
    ]);
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(app, { kubernetesVersion: v });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaults the time zone to Etc/UTC, never the controller\'s', () => {
    expect(render().cron.spec.timeZone).toBe('Etc/UTC');
    expect(render().cron.spec.jobTemplate.spec.suspend).toBeUndefined();
  });

  test('datasets add init containers, read-only mounts and FailJob rules for their permanent exit codes', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'retraining', { namespace: 'team-a' });
    const data = new FakeDataset(chart, 'data');
    new ScheduledTraining(chart, 'nightly', {
      schedule: '@daily',
      job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '2', memory: '8Gi' }, datasets: [data], activeDeadline: Duration.hours(2) }),
    });
    const job = Testing.synth(chart)[0].spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds).toBe(7200);
    expect(job.podFailurePolicy.rules[1]).toEqual({ action: 'FailJob', onExitCodes: { containerName: 'fetch-data', operator: 'In', values: [42, 43] } });
    expect(job.template.spec.initContainers[0].name).toBe('fetch-data');
    expect(job.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data', readOnly: true });
  });

  test('a long construct id becomes a CronJob name of at most 52 characters', () => {
    const { cron } = render({}, 'a-very-long-nightly-retraining-of-the-ranking-model-for-search');
    expect(cron.metadata.name.length).toBeLessThanOrEqual(CRONJOB_NAME_MAX);
    // the controller appends "-" + minutes since the epoch (8 digits until 2160)
    expect(`${cron.metadata.name}-${Math.floor(Date.UTC(2100, 0) / 60000)}`.length).toBeLessThanOrEqual(63);
  });

  test('cron and time zone validators', () => {
    const scope = new Chart(Testing.app(), 'x');
    for (const ok of ['0 2 * * *', '*/15 0-6 * * MON-FRI', '0 0 1,15 * ?', '@hourly', '@every 6h', '5 4 * JAN,jul sun']) expect(validateCronSchedule(scope, ok)).toBeTruthy();
    for (const z of ['Etc/UTC', 'UTC', 'Europe/Berlin', 'US/Pacific', 'Asia/Kolkata']) expect(isIanaTimeZone(z)).toBe(true);
    for (const z of ['europe/berlin', 'Mars/Olympus', '+01:00', 'CET ', '']) expect(isIanaTimeZone(z)).toBe(false);
  });

  test('fails on an invalid cron expression', () => {
    expect(() => render({ schedule: '0 25 * * *' })).toThrow('retraining/nightly: schedule "0 25 * * *": hour field 25 is outside 0-23');
    expect(() => render({ schedule: '0 2 * *' })).toThrow('retraining/nightly: schedule "0 2 * *" must have 5 fields (minute hour day-of-month month day-of-week), got 4');
    expect(() => render({ schedule: '@fortnightly' })).toThrow('is not a known descriptor');
  });

  test('fails on a time zone inside the schedule', () => {
    expect(() => render({ schedule: 'CRON_TZ=Europe/Berlin 0 2 * * *' })).toThrow('retraining/nightly: schedule "CRON_TZ=Europe/Berlin 0 2 * * *" must not carry a time zone; set timeZone instead');
  });

  test('fails on an unknown time zone', () => {
    expect(() => render({ timeZone: 'Europe/Atlantis' })).toThrow('retraining/nightly: timeZone must be an IANA time zone name such as "Europe/Berlin" or "Etc/UTC", got "Europe/Atlantis"');
  });

  test('fails on a CronJob name longer than 52 characters', () => {
    expect(() => render({ name: 'x'.repeat(53) })).toThrow('retraining/nightly: name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most 52 characters)');
  });

  test('fails on a starting deadline below the controller period', () => {
    expect(() => render({ startingDeadline: Duration.seconds(5) })).toThrow('retraining/nightly: startingDeadline must be a whole number of seconds ≥ 10, got 5');
  });

  test('fails on a negative history limit', () => {
    expect(() => render({ failedJobsHistoryLimit: -1 })).toThrow('retraining/nightly: failedJobsHistoryLimit must be a non-negative integer, got -1');
  });

  test('fails on a credential literal and on overriding JOB_NAME', () => {
    const template = (env: Record<string, string>) => TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '1', memory: '1Gi' }, env });
    expect(() => render({ job: template({ HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz0123456789' }) })).toThrow('retraining/nightly: job.env: HF_TOKEN looks like a credential');
    expect(() => render({ job: template({ JOB_NAME: 'x' }) })).toThrow('retraining/nightly: job.env: JOB_NAME is set by ScheduledTraining');
  });

  test('fails on a latest image tag', () => {
    expect(() => render({ job: TrainingTemplate.singleNode({ image: 'ghcr.io/acme/t:latest', resources: { cpu: '1', memory: '1Gi' } }) })).toThrow(/^retraining\/nightly: image of container trainer/);
  });

  test('a distributed template renders an Indexed Job per run, addressed through JOB_NAME, with its own headless Service', () => {
    const app = Testing.app();
    GitOps.apply(app);
    const chart = new Chart(app, 'retraining', { namespace: 'team-a' });
    new ScheduledTraining(chart, 'llm-weekly', {
      schedule: '0 3 * * 0',
      job: TrainingTemplate.distributed({
        image: 'ghcr.io/acme/llm:1.2.0',
        command: ['python', 'train.py'],
        nodes: 4,
        accelerator: Accelerator.nvidiaGpu({ count: 8 }),
        resources: { cpu: '64', memory: '512Gi' },
        framework: Framework.pytorch(),
        queue: Queue.kueue(External.localQueue('default')),
      }),
    });
    const out = Testing.synth(chart);
    expect(out.map((m) => m.kind)).toEqual(['Service', 'NetworkPolicy', 'CronJob']);
    const [svc, , cron] = out;
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(svc.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const job = cron.spec.jobTemplate;
    expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, suspend: true });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    const pod = job.spec.template.spec;
    expect(pod.subdomain).toBe('llm-weekly');
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.JOB_NAME).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } });
    expect(env.PET_MASTER_ADDR).toBe('$(JOB_NAME)-0.llm-weekly');
    expect(env.CRONJOB_NAME).toBe('llm-weekly');
    expect(pod.containers[0].env.findIndex((e: any) => e.name === 'JOB_NAME')).toBeLessThan(pod.containers[0].env.findIndex((e: any) => e.name === 'PET_MASTER_ADDR'));
    for (const v of ['1.28', '1.31', '1.33'] as const) expectValidManifests(app, { kubernetesVersion: v });
  });

  test('fails on a distributed run with a non-Indexed backend, MPI, or a name too long for pod hostnames', () => {
    const dist = (extra: object = {}) => TrainingTemplate.distributed({ image: 'ghcr.io/acme/llm:1.2.0', nodes: 16, resources: { cpu: '8', memory: '64Gi' }, ...extra });
    expect(() => render({ job: dist({ backend: TrainingBackend.jobSet() }) })).toThrow('retraining/nightly: job: a scheduled distributed run supports the Indexed Job backend only');
    expect(() => render({ job: dist({ framework: Framework.mpi() }) })).toThrow('Framework.mpi needs static Job names');
    expect(() => render({ job: dist() }, 'x'.repeat(52))).toThrow(/is too long for 16 nodes: .* at most 51 characters/);
  });
});
