import { External } from '../../src/core';
import { k8s } from 'cdk8s-plus-28';
import { maskFetchScript } from '../support/mask';
import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Accelerator, IPodContributor, KubernetesVersion, PodContribution, setTargetKubernetesVersion } from '../../src/core';
import { DataSource, DatasetInit, DatasetVolume } from '../../src/data';
import { pipelineChart } from '../../src/example/pipeline';
import { JOB_CONDITIONS, RunDirectory, TrainingPipeline, TrainingPipelineProps, Workspace } from '../../src/pipeline';
import { expectValidManifests } from '../../src/testing';
import { Framework } from '../../src/training';
import { validateManifests, formatFindings } from '../../src/validation/validate';

const IMAGE = 'ghcr.io/acme/tools:1.0.0';

/** An app targeting Kubernetes 1.31, TrainingPipeline's minimum (or `version`). */
function appAt(version: KubernetesVersion = KubernetesVersion.V1_31): App {
  const app = new App();
  setTargetKubernetesVersion(app, version);
  return app;
}

function setup(props: Partial<TrainingPipelineProps> = {}, namespace: string | null = 'team-a') {
  const chart = new Chart(appAt(), 'ml', { namespace: namespace ?? undefined });
  const p = new TrainingPipeline(chart, 'nightly', { workspace: Workspace.pvc(External.claim('shared-nfs')), ...props });
  return { chart, p };
}

function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}
function kind(objects: any[], k: string): any {
  return objects.find((o) => o.kind === k);
}
function templates(objects: any[]): any[] {
  return kind(objects, 'WorkflowTemplate').spec.templates;
}
function template(objects: any[], name: string): any {
  return templates(objects).find((t: any) => t.name === name);
}
function tasks(objects: any[]): any[] {
  return template(objects, 'pipeline').dag.tasks;
}

/** A minimal IPodContributor standing in for a dataset. */
class FakeDataset extends Construct implements IPodContributor {
  public contributeTo(_consumer: IConstruct): PodContribution {
    return {
      initContainers: [{ name: 'fetch-fake', image: 'ghcr.io/acme/fetch:1.0', command: ['fetch'] }],
      volumes: [{ name: 'fake-data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
      volumeMounts: [{ name: 'fake-data', mountPath: '/data/fake', readOnly: true }],
      env: [{ name: 'DATASET_FAKE_DIR', value: '/data/fake' }],
      permanentExitCodes: [20],
      containerNames: ['fetch-fake'],
    };
  }
}

describe('TrainingPipeline renders', () => {
  test('a WorkflowTemplate with a DAG in dependency order and a CronWorkflow referencing it', () => {
    const { chart, p } = setup({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin' });
    const prep = p.addStep('prepare', { image: IMAGE, command: ['prep'] });
    const train = p.addStep('train', { image: IMAGE, command: ['train'], dependsOn: [prep] });
    p.addStep('evaluate', { image: IMAGE, command: ['eval'], dependsOn: [train] });
    const out = synth(chart);
    const wt = kind(out, 'WorkflowTemplate');
    expect(wt.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(wt.metadata).toMatchObject({ name: 'nightly', namespace: 'team-a' });
    expect(wt.spec.entrypoint).toBe('pipeline');
    expect(tasks(out)).toEqual([
      { name: 'prepare', template: 'prepare' },
      { name: 'train', template: 'train', depends: 'prepare' },
      { name: 'evaluate', template: 'evaluate', depends: 'train' },
    ]);
    const cron = kind(out, 'CronWorkflow');
    expect(cron.spec).toMatchObject({
      schedules: ['0 3 * * *'],
      timezone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      workflowSpec: { workflowTemplateRef: { name: 'nightly' } },
    });
    expect(p.steps.map((s) => s.name)).toEqual(['prepare', 'train', 'evaluate']);
  });

  test('no CronWorkflow without a schedule', () => {
    const { chart, p } = setup();
    p.addStep('only', { image: IMAGE, command: ['x'] });
    expect(kind(synth(chart), 'CronWorkflow')).toBeUndefined();
    expect(p.cronWorkflow).toBeUndefined();
  });

  test('per-run workspace isolation: every step mounts <prefix>/{{workflow.name}} of the claim, plus its own scratch', () => {
    const { chart, p } = setup();
    const a = p.addStep('a', { image: IMAGE, command: ['a'] });
    p.addStep('b', { image: IMAGE, command: ['b'], dependsOn: [a] });
    const out = synth(chart);
    expect(kind(out, 'WorkflowTemplate').spec.volumes).toEqual([{ name: 'workspace', persistentVolumeClaim: { claimName: 'shared-nfs' } }]);
    for (const name of ['a', 'b']) {
      const t = template(out, name);
      expect(t.container.volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/workspace', subPath: 'runs/{{workflow.name}}' });
      expect(t.container.volumeMounts).toContainEqual({ name: 'scratch', mountPath: '/scratch' });
      expect(t.volumes.map((v: any) => v.name)).toEqual(['tmp', 'home', 'scratch']);
      expect(t.container.env.slice(0, 4)).toEqual([
        { name: 'PIPELINE_RUN', value: '{{workflow.name}}' },
        { name: 'PIPELINE_STEP', value: name },
        { name: 'PIPELINE_WORKSPACE', value: '/workspace' },
        { name: 'PIPELINE_SCRATCH', value: '/scratch' },
      ]);
    }
  });

  test('workspace options: uid run directories, custom prefix and mount path, per-run volumes', () => {
    const a = setup({ workspace: Workspace.pvc(External.claim('nfs'), { prefix: 'pipelines/nightly', runDirectory: RunDirectory.WORKFLOW_UID, mountPath: '/work' }) });
    a.p.addStep('s', { image: IMAGE, command: ['s'] });
    expect(template(synth(a.chart), 's').container.volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/work', subPath: 'pipelines/nightly/{{workflow.uid}}' });

    const b = setup({ workspace: Workspace.perRunVolume({ storage: Size.gibibytes(100), storageClassName: 'rwx' }) });
    b.p.addStep('s', { image: IMAGE, command: ['s'] });
    const spec = kind(synth(b.chart), 'WorkflowTemplate').spec;
    expect(spec.volumes).toBeUndefined();
    expect(spec.volumeClaimTemplates).toEqual([
      { metadata: { name: 'workspace' }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'rwx', resources: { requests: { storage: '100Gi' } } } },
    ]);
    expect(spec.volumeClaimGC).toEqual({ strategy: 'OnWorkflowCompletion' });
    expect(template(synth(b.chart), 's').container.volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/workspace' });
    expectValidManifests(b.chart);
  });

  test('GPU steps with resources, tolerations and node selector; restricted security everywhere', () => {
    const { chart, p } = setup();
    p.addStep('train', {
      image: IMAGE,
      command: ['train'],
      resources: { cpu: '8', memory: '64Gi' },
      accelerator: Accelerator.nvidiaGpu({ count: 4, product: 'NVIDIA-H100-80GB-HBM3' }),
      shmSize: Size.gibibytes(16),
    });
    const out = synth(chart);
    const t = template(out, 'train');
    expect(t.container.name).toBe('main');
    // ephemeral-storage: /tmp 4Gi + HOME 16Gi + /scratch 20Gi (disk emptyDirs) + 512Mi for logs.
    const disk = `${(4 + 16 + 20) * 1024 + 512}Mi`;
    expect(t.container.resources).toEqual({
      requests: { cpu: '8', 'ephemeral-storage': disk, memory: '64Gi', 'nvidia.com/gpu': '4' },
      limits: { cpu: '8', 'ephemeral-storage': disk, memory: '64Gi', 'nvidia.com/gpu': '4' },
    });
    expect(t.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(t.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(t.container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(t.container.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    const spec = kind(out, 'WorkflowTemplate').spec;
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec).toMatchObject({ automountServiceAccountToken: false, serviceAccountName: 'nightly-workflow', executor: { serviceAccountName: 'nightly-workflow' } });
  });

  test('retries limited to infrastructure errors and chosen exit codes, with backoff; timeouts', () => {
    const { chart, p } = setup({ timeout: Duration.hours(6) });
    p.addStep('a', { image: IMAGE, command: ['a'] });
    p.addStep('b', { image: IMAGE, command: ['b'], retry: { limit: 4, exitCodes: [143, 75, 143], backoff: Duration.minutes(1), backoffFactor: 3, maxDuration: Duration.hours(2) }, timeout: Duration.minutes(90) });
    p.addStep('c', { image: IMAGE, command: ['c'], retry: { limit: 0 } });
    const out = synth(chart);
    expect(template(out, 'a').retryStrategy).toEqual({ limit: 2, retryPolicy: 'Always', expression: 'lastRetry.status == "Error"', backoff: { duration: '30s', factor: 2 } });
    expect(template(out, 'b').retryStrategy).toEqual({
      limit: 4,
      retryPolicy: 'Always',
      expression: 'lastRetry.status == "Error" || asInt(lastRetry.exitCode) in [75, 143]',
      backoff: { duration: '60s', factor: 3, maxDuration: '7200s' },
    });
    expect(template(out, 'b').activeDeadlineSeconds).toBe(5400);
    expect(template(out, 'c').retryStrategy).toBeUndefined();
    expect(kind(out, 'WorkflowTemplate').spec.activeDeadlineSeconds).toBe(6 * 3600);
  });

  test('fan-out with withItems and parallel steps, fan-in with depends', () => {
    const { chart, p } = setup();
    const prep = p.addStep('prepare', { image: IMAGE, command: ['p'] });
    const evals = p.addStep('eval', { image: IMAGE, command: ['e'], withItems: ['mmlu', 'gsm8k'], dependsOn: [prep] });
    const lint = p.addStep('lint', { image: IMAGE, command: ['l'], dependsOn: [prep] });
    p.addStep('report', { image: IMAGE, command: ['r'], dependsOn: [evals, lint, 'eval'] });
    const out = synth(chart);
    expect(tasks(out)).toEqual([
      { name: 'prepare', template: 'prepare' },
      { name: 'eval', template: 'eval', depends: 'prepare', withItems: ['mmlu', 'gsm8k'], arguments: { parameters: [{ name: 'item', value: '{{item}}' }] } },
      { name: 'lint', template: 'lint', depends: 'prepare' },
      { name: 'report', template: 'report', depends: 'eval && lint' },
    ]);
    const t = template(out, 'eval');
    expect(t.inputs).toEqual({ parameters: [{ name: 'item' }] });
    expect(t.container.env).toContainEqual({ name: 'PIPELINE_ITEM', value: '{{inputs.parameters.item}}' });
  });

  test('inputs contribute init containers, volumes, mounts and env (fake contributor and the real DatasetInit)', () => {
    const { chart, p } = setup();
    const fake = new FakeDataset(chart, 'fake');
    const real = new DatasetInit(chart, 'corpus', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('https://data.example.com/c.tar', { sha256: 'a'.repeat(64) }) });
    p.addStep('prepare', { image: IMAGE, command: ['p'], inputs: [fake, real] });
    const out = synth(chart);
    const t = template(out, 'prepare');
    expect(t.initContainers.map((c: any) => c.name)).toEqual(['fetch-fake', expect.stringContaining('corpus')]);
    expect(t.initContainers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(t.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['fake-data']));
    expect(t.container.volumeMounts).toContainEqual({ name: 'fake-data', mountPath: '/data/fake', readOnly: true });
    expect(t.container.env).toContainEqual({ name: 'DATASET_FAKE_DIR', value: '/data/fake' });
    expect(t.container.env.map((e: any) => e.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^DATASET_CORPUS/)]));
    expectValidManifests(chart);
  });

  test('a distributed-training step: Service then Indexed Job per run, waited on by Job status; RBAC and NetworkPolicy follow', () => {
    const { chart, p } = setup();
    const prep = p.addStep('prepare', { image: IMAGE, command: ['p'] });
    const train = p.addDistributedTrainingStep('train', {
      image: IMAGE,
      command: ['python', 'train.py'],
      nodes: 2,
      accelerator: Accelerator.nvidiaGpu({ count: 8 }),
      resources: { cpu: '64', memory: '512Gi' },
      framework: Framework.pytorch(),
      dependsOn: [prep],
      timeout: Duration.hours(10),
    });
    p.addStep('evaluate', { image: IMAGE, command: ['e'], dependsOn: [train] });
    const out = synth(chart);
    expect(tasks(out)).toEqual([
      { name: 'prepare', template: 'prepare' },
      { name: 'train-service', template: 'train-service', depends: 'prepare' },
      { name: 'train', template: 'train', depends: 'train-service' },
      { name: 'evaluate', template: 'evaluate', depends: 'train' },
    ]);
    const t = template(out, 'train');
    expect(t.resource).toMatchObject({ action: 'create', setOwnerReference: true, ...JOB_CONDITIONS });
    expect(t.resource.successCondition).toBe('status.completionTime');
    expect(t.activeDeadlineSeconds).toBe(36000);
    const job = JSON.parse(t.resource.manifest);
    const svc = JSON.parse(template(out, 'train-service').resource.manifest);
    expect(job.metadata.name).toBe('{{workflow.name}}-train');
    expect(svc.metadata.name).toBe('{{workflow.name}}-train');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 6 });
    const podSpec = job.spec.template.spec;
    expect(podSpec.subdomain).toBe('{{workflow.name}}-train');
    const env = podSpec.containers[0].env;
    expect(env).toContainEqual({ name: 'PET_MASTER_ADDR', value: '{{workflow.name}}-train-0.{{workflow.name}}-train' });
    expect(env).toContainEqual({ name: 'PIPELINE_WORKSPACE', value: '/workspace' });
    expect(podSpec.containers[0].volumeMounts).toContainEqual({ name: 'workspace', mountPath: '/workspace', subPath: 'runs/{{workflow.name}}' });
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'batch.kubernetes.io/job-name': '{{workflow.name}}-train' } });
    // The manifests Argo creates are valid Kubernetes objects once Argo substitutes the run name.
    const run = (m: string) => JSON.parse(m.split('{{workflow.name}}').join('nightly-1717200000'));
    const created = validateManifests([run(t.resource.manifest), run(template(out, 'train-service').resource.manifest)]);
    expect(formatFindings(created.findings)).toBe('');
    const role = kind(out, 'Role');
    expect(role.rules).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'get'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] },
      { apiGroups: ['argoproj.io'], resources: ['workflows/finalizers'], verbs: ['update'] },
    ]);
    const peers = out.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name);
    expect(peers).toEqual(['nightly-steps', 'nightly-train-peers']);
  });

  test('the executor service account, token Secret, Role and RoleBinding; none with serviceAccountName', () => {
    const a = setup();
    a.p.addStep('s', { image: IMAGE, command: ['s'] });
    const out = synth(a.chart);
    expect(kind(out, 'ServiceAccount')).toMatchObject({ metadata: { name: 'nightly-workflow' }, automountServiceAccountToken: false });
    expect(kind(out, 'Secret')).toMatchObject({
      metadata: { name: 'nightly-workflow.service-account-token', annotations: { 'kubernetes.io/service-account.name': 'nightly-workflow' } },
      type: 'kubernetes.io/service-account-token',
    });
    expect(kind(out, 'Role').rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }]);
    expect(kind(out, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'nightly-workflow', namespace: 'team-a' }]);

    const b = setup({ serviceAccountName: 'ml-runner' }, null);
    b.p.addStep('s', { image: IMAGE, command: ['s'] });
    const outB = synth(b.chart);
    expect(outB.map((o) => o.kind).sort()).toEqual(['NetworkPolicy', 'WorkflowTemplate']);
    expect(kind(outB, 'WorkflowTemplate').spec).toMatchObject({ serviceAccountName: 'ml-runner', executor: { serviceAccountName: 'ml-runner' } });
  });

  test('workflow-level podGC, ttlStrategy, parallelism and labels', () => {
    const { chart, p } = setup({ parallelism: 3, ttlAfterSuccess: Duration.hours(2), labels: { team: 'nlp' } });
    p.addStep('s', { image: IMAGE, command: ['s'] });
    const spec = kind(synth(chart), 'WorkflowTemplate').spec;
    expect(spec.podGC).toEqual({ strategy: 'OnPodSuccess' });
    expect(spec.ttlStrategy).toEqual({ secondsAfterSuccess: 7200, secondsAfterFailure: 604800 });
    expect(spec.parallelism).toBe(3);
    expect(spec.workflowMetadata.labels).toMatchObject({ team: 'nlp', 'app.kubernetes.io/name': 'nightly' });
    expect(spec.podMetadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'nightly' });
  });

  test('deterministic output', () => {
    const render = () => JSON.stringify(synth(pipelineChart(new App())));
    expect(render()).toBe(render());
  });
});

// TrainingPipeline gates no field on the Kubernetes version, so its minimum target (1.31) is
// the one to check; compiling the Argo CRD schemas per version costs tens of seconds.
describe('TrainingPipeline output is strictly valid', () => {
  test('against the Argo Workflows CRDs and Kubernetes 1.31', () => {
    expect(expectValidManifests(pipelineChart(new App()), { kubernetesVersion: '1.31' })).toBeGreaterThanOrEqual(8);
  });
});

describe('TrainingPipeline fails', () => {
  const expectFail = (fn: () => unknown, message: string | RegExp) => expect(fn).toThrow(message);

  test('fails below Kubernetes 1.31, where the Argo Workflows CRDs cannot be installed', () => {
    expectFail(
      () => new TrainingPipeline(new Chart(new App(), 'ml', { namespace: 'team-a' }), 'nightly', { workspace: Workspace.pvc(External.claim('shared-nfs')) }),
      'ml/nightly: TrainingPipeline (Argo Workflows) needs Kubernetes 1.31 or newer, but the target version is 1.28: the vendored Argo Workflows CRDs use CEL rules whose estimated cost exceeds the budget of Kubernetes < 1.31, so they cannot be installed there; set setTargetKubernetesVersion(app, KubernetesVersion.V1_31)',
    );
    expectFail(
      () => new TrainingPipeline(new Chart(appAt(KubernetesVersion.V1_30), 'ml', { namespace: 'team-a' }), 'nightly', { workspace: Workspace.pvc(External.claim('shared-nfs')) }),
      'ml/nightly: TrainingPipeline (Argo Workflows) needs Kubernetes 1.31 or newer, but the target version is 1.30',
    );
  });

  test('a chart-level target satisfies the gate (the example chart sets 1.31 on itself)', () => {
    const chart = new Chart(new App(), 'ml', { namespace: 'team-a' });
    setTargetKubernetesVersion(chart, KubernetesVersion.V1_33);
    expect(() => new TrainingPipeline(chart, 'nightly', { workspace: Workspace.pvc(External.claim('shared-nfs')) })).not.toThrow();
  });

  test('fails on a dependency cycle, naming the cycle', () => {
    const { chart, p } = setup();
    const a = p.addStep('a', { image: IMAGE, command: ['a'] });
    const b = p.addStep('b', { image: IMAGE, command: ['b'], dependsOn: [a] });
    a.addDependency(b);
    expectFail(() => synth(chart), 'ml/nightly: steps form a dependency cycle: a -> b -> a');
  });

  test('fails on a self dependency', () => {
    const { chart, p } = setup();
    const a = p.addStep('a', { image: IMAGE, command: ['a'] });
    a.addDependency(a);
    expectFail(() => synth(chart), 'ml/nightly/a: step "a" depends on itself');
  });

  test('fails on an unknown dependency name', () => {
    const { chart, p } = setup();
    p.addStep('train', { image: IMAGE, command: ['t'], dependsOn: ['prep'] });
    expectFail(() => synth(chart), 'ml/nightly/train: dependsOn names unknown step "prep" (steps: train)');
  });

  test('fails on a dependency from another pipeline', () => {
    const { chart, p } = setup();
    const other = new TrainingPipeline(chart, 'other', { workspace: Workspace.pvc(External.claim('x')) });
    const foreign = other.addStep('prep', { image: IMAGE, command: ['p'] });
    p.addStep('train', { image: IMAGE, command: ['t'], dependsOn: [foreign] });
    expectFail(() => synth(chart), 'ml/nightly/train: dependsOn step "ml/other/prep" belongs to another pipeline');
  });

  test('fails on duplicate and reserved step names', () => {
    const { p } = setup();
    p.addStep('train', { image: IMAGE, command: ['t'] });
    expectFail(() => p.addStep('train', { image: IMAGE, command: ['t'] }), 'ml/nightly: duplicate step name "train"');
    expectFail(() => p.addStep('pipeline', { image: IMAGE, command: ['t'] }), 'ml/nightly: step name "pipeline" is reserved');
    expectFail(() => p.addStep('Train_1', { image: IMAGE, command: ['t'] }), /ml\/nightly: step name must be a DNS-1123 label.*got "Train_1"/);
  });

  test('fails on bad cron schedules and time zones', () => {
    expectFail(() => setup({ schedule: '0 3 * *' }), 'ml/nightly: schedule "0 3 * *" must have 5 fields (minute hour day-of-month month day-of-week), got 4');
    expectFail(() => setup({ schedule: '61 3 * * *' }), 'ml/nightly: schedule "61 3 * * *": minute field 61 is outside 0-59');
    expectFail(() => setup({ schedule: '0 3 * FOO *' }), 'ml/nightly: schedule "0 3 * FOO *": month field "FOO" is not a number or a name');
    expectFail(() => setup({ schedule: '@sometimes' }), 'ml/nightly: schedule "@sometimes" is not a known descriptor');
    expectFail(() => setup({ schedule: 'CRON_TZ=UTC 0 3 * * *' }), 'ml/nightly: schedule "CRON_TZ=UTC 0 3 * * *" must not carry a time zone; set timeZone instead');
    expectFail(() => setup({ schedule: '0 3 * * *', timeZone: 'Mars/Olympus' }), 'ml/nightly: timeZone must be an IANA time zone name such as "Europe/Berlin" or "Etc/UTC", got "Mars/Olympus"');
    expectFail(() => setup({ timeZone: 'UTC' }), 'ml/nightly: timeZone needs a schedule, got "UTC" without one');
    for (const ok of ['*/15 * * * *', '0 3 * * MON-FRI', '0 0 1 JAN,JUL *', '@daily', '@every 6h']) expect(() => setup({ schedule: ok })).not.toThrow();
  });

  test('fails on a pipeline without steps, a step without command and bad retry values', () => {
    const a = setup();
    expectFail(() => synth(a.chart), 'ml/nightly: a pipeline needs at least one step (addStep)');
    const b = setup();
    b.p.addStep('s', { image: IMAGE, command: [] });
    expectFail(() => synth(b.chart), 'ml/nightly/s: command must be a non-empty array (Argo\'s emissary executor needs it), got []');
    const c = setup();
    c.p.addStep('s', { image: IMAGE, command: ['s'], retry: { exitCodes: [0] } });
    expectFail(() => synth(c.chart), 'ml/nightly/s: retry.exitCodes must be integers 1-255, got 0');
    const d = setup();
    d.p.addStep('s', { image: IMAGE, command: ['s'], withItems: ['a', 'a'] });
    expectFail(() => synth(d.chart), 'ml/nightly/s: withItems has the duplicate item "a"');
  });

  test('fails without a chart namespace when it renders the RoleBinding', () => {
    expectFail(() => setup({}, null), /^ml\/nightly: the chart has no namespace/);
  });

  test('fails when a per-run Job name could exceed the hostname limit', () => {
    const { p } = setup({ name: 'a-very-long-pipeline-name-for-the-nightly-training' });
    expectFail(
      () => p.addDistributedTrainingStep('pretraining-stage-one', { image: IMAGE, nodes: 16, resources: { cpu: '1', memory: '1Gi' }, framework: Framework.pytorch() }),
      /^ml\/nightly\/pretraining-stage-one: pod hostnames "<workflow name>-pretraining-stage-one-<index>" could reach 86 characters/,
    );
  });

  test('fails on reserved PIPELINE_ env and Argo container names', () => {
    const a = setup();
    a.p.addStep('s', { image: IMAGE, command: ['s'], env: { PIPELINE_RUN: 'x' } });
    expectFail(() => synth(a.chart), 'ml/nightly/s: env PIPELINE_RUN is reserved');
    const b = setup();
    class WaitInput extends FakeDataset {
      public contributeTo(c: IConstruct): PodContribution {
        const x = super.contributeTo(c);
        return { ...x, initContainers: [{ ...x.initContainers[0], name: 'wait' }] };
      }
    }
    b.p.addStep('s', { image: IMAGE, command: ['s'], inputs: [new WaitInput(b.chart, 'w')] });
    expectFail(() => synth(b.chart), 'ml/nightly/s: input init container name "wait" clashes with Argo\'s own containers');
  });
});

describe('TrainingPipeline example', () => {
  test('snapshot of the example chart', () => {
    const manifests = synth(pipelineChart(new App()));
    // focused assertions on what the example declares (src/example/pipeline.ts); the snapshot stays beside them
    const wt = manifests.find((m) => m.kind === 'WorkflowTemplate');
    expect(wt.spec).toMatchObject({ entrypoint: 'pipeline', activeDeadlineSeconds: 43200, serviceAccountName: 'nightly-workflow' });
    const dag = wt.spec.templates.find((t: any) => t.name === 'pipeline').dag.tasks;
    expect(dag.map((t: any) => [t.name, t.depends])).toEqual([
      ['prepare', undefined], ['train-service', 'prepare'], ['train', 'train-service'], ['evaluate', 'train'], ['publish', 'evaluate'],
    ]);
    expect(dag.find((t: any) => t.name === 'evaluate').withItems).toEqual(['mmlu', 'gsm8k']);
    const template = (name: string) => wt.spec.templates.find((t: any) => t.name === name);
    // 8 h for the training step
    expect(template('train').activeDeadlineSeconds).toBe(28800);
    expect(template('evaluate').retryStrategy.limit).toBe(2);
    expect(template('prepare').initContainers.map((c: any) => c.name)).toEqual(['fetch-corpus']);
    const cron = manifests.find((m) => m.kind === 'CronWorkflow');
    expect(cron.spec).toMatchObject({ schedules: ['0 3 * * *'], timezone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
    expect(maskFetchScript(manifests)).toMatchSnapshot();
  });

});
