import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkFlow, declareFlows } from '../core/app-model';
import { IPodContributor, useContributedReferences } from '../core/attach';
import { fail, show } from '../core/errors';
import { dnsFlow, externalEgressRule } from '../core/flows';
import { ResolvedReference, checkClaimSharing, declareUsedReferences, useReference } from '../core/refs';
import { standardLabels } from '../core/labels';
import { fitName, toDnsLabel, validateDnsLabel, validateLabels } from '../core/names';
import { PodSecurityOptions, validatePodSecurity } from '../core/security';
import { stableStringify } from '../core/hash';
import { KubernetesVersion, requireKubernetesVersion } from '../core/version';
import { ARGO_API_VERSION, ArgoCronWorkflowSpec, ArgoDagTask, ArgoTemplate, ArgoWorkflowSpec } from './argo-types';
import { validateCronSchedule, validateTimeZone } from '../core/schedule';
import { ContainerStepOptions, JobStepOptions, PipelineStep, RenderedStep, durationSeconds, stepLabels, toPlainJson } from './step';
import { Workspace } from './workspace';
import {
  DistributedTrainingStepOptions,
  distributedTrainingJob,
  renderDistributedStepNetworkPolicy,
  validateRuntimeJobName,
} from './distributed-step';
import { AppCheck } from '../core/app-check';

/** Name of the DAG (entrypoint) template; no step may use it. */
export const PIPELINE_ENTRYPOINT = 'pipeline';
/** Longest pipeline name: CronWorkflow names are at most 52 characters (Argo appends `-<unix time>`). */
export const PIPELINE_NAME_MAX = 52;

/** When Argo deletes the pods of finished steps. */
export enum PodGcStrategy {
  /** Delete each pod as soon as it succeeds; failed pods stay for their logs until the Workflow is deleted. */
  ON_POD_SUCCESS = 'OnPodSuccess',
  /** Delete each pod when it completes, failed or not. */
  ON_POD_COMPLETION = 'OnPodCompletion',
  /** Delete all pods when the Workflow completes. */
  ON_WORKFLOW_COMPLETION = 'OnWorkflowCompletion',
  /** Delete all pods when the Workflow succeeds. */
  ON_WORKFLOW_SUCCESS = 'OnWorkflowSuccess',
}

/** What the CronWorkflow does when a run is still going at the next scheduled time. */
export enum ConcurrencyPolicy {
  /** Skip the new run (default: two trainings must not fight over GPUs and the workspace). */
  FORBID = 'Forbid',
  /** Stop the running one and start the new one. */
  REPLACE = 'Replace',
  /** Run both. */
  ALLOW = 'Allow',
}

/** Props of {@link TrainingPipeline}. */
export interface TrainingPipelineProps {
  /** Where steps hand files to each other; each run gets its own directory or volume. */
  readonly workspace: Workspace;
  /**
   * Name of the WorkflowTemplate and CronWorkflow (DNS label, at most 52 characters).
   * @default - the construct id as a DNS label
   */
  readonly name?: string;
  /**
   * Cron schedule (five fields, or `@daily`...); renders a CronWorkflow running the template.
   * @default - no schedule: runs are submitted with `argo submit --from workflowtemplate/<name>`
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule.
   * @default - the Argo controller's time zone (usually UTC)
   */
  readonly timeZone?: string;
  /**
   * What to do when a scheduled run is still going at the next schedule.
   * @default ConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * How late a missed scheduled run may still start (e.g. after a controller restart).
   * @default - Argo's default (missed runs are not started)
   */
  readonly startingDeadline?: Duration;
  /**
   * Stop scheduling new runs (the template stays submittable).
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * Deadline of a whole run (Argo `activeDeadlineSeconds`): nothing runs on forever.
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
  /**
   * Maximum number of step pods running at once in a run.
   * @default - no limit
   */
  readonly parallelism?: number;
  /**
   * Service account of the step pods and of Argo's executor (which needs
   * `workflowtaskresults` create/patch; Job steps also need create/get on what they
   * create). When set, nothing is rendered for it: grant those permissions yourself and, as
   * step containers get no token, create its token Secret `<name>.service-account-token`.
   * @default - a ServiceAccount `<name>-workflow` with exactly those permissions (Role,
   *   RoleBinding and token Secret rendered)
   */
  readonly serviceAccountName?: string;
  /** Non-root user and group of every step pod. @default - uid/gid 1000 */
  readonly security?: PodSecurityOptions;
  /**
   * When Argo deletes finished step pods.
   * @default PodGcStrategy.ON_POD_SUCCESS
   */
  readonly podGc?: PodGcStrategy;
  /**
   * How long a succeeded run (the Workflow object, its pods and Jobs) is kept.
   * @default Duration.days(1)
   */
  readonly ttlAfterSuccess?: Duration;
  /**
   * How long a failed run is kept for debugging.
   * @default Duration.days(7)
   */
  readonly ttlAfterFailure?: Duration;
  /**
   * Render a NetworkPolicy for the step pods: no ingress; egress to DNS and to TCP 443/6443
   * (the API server, which Argo's executor reports to, and HTTPS for datasets and hubs),
   * plus `extraEgress`. Without it, a default-deny namespace stops every step.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * More egress for the step pods (experiment tracking, package mirrors...).
   * @default - none
   */
  readonly extraEgress?: k8s.NetworkPolicyEgressRule[];
  /**
   * Extra labels on the template, the runs and their pods.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A multi-step ML pipeline (prepare → train → evaluate → publish) run by Argo Workflows.
 *
 * Renders a `WorkflowTemplate` whose entrypoint is a DAG of the steps, plus a `CronWorkflow`
 * when scheduled. Steps exchange files through a shared workspace in which every run has
 * its own directory; each step also gets a private scratch emptyDir. Every step pod follows
 * the restricted Pod Security profile, and the step containers carry no API token (only
 * Argo's executor does).
 *
 * ```ts
 * const p = new TrainingPipeline(chart, 'nightly', { workspace: Workspace.pvc('shared-nfs'), schedule: '0 3 * * *' });
 * const prep = p.addStep('prepare', { image, command: ['python', 'prep.py'], inputs: [dataset] });
 * const train = p.addStep('train', { image, command: ['python', 'train.py'], accelerator, dependsOn: [prep] });
 * p.addStep('evaluate', { image, command: ['python', 'eval.py'], dependsOn: [train] });
 * ```
 */
export class TrainingPipeline extends Construct {
  /** Name of the WorkflowTemplate (and CronWorkflow). */
  public readonly name: string;
  /** The WorkflowTemplate. */
  public readonly workflowTemplate: ApiObject;
  /** The CronWorkflow, when scheduled. */
  public readonly cronWorkflow?: ApiObject;
  /** The service account the runs use. */
  public readonly serviceAccountName: string;

  private readonly props: TrainingPipelineProps;
  private readonly stepList: PipelineStep[] = [];
  private readonly stepsByName = new Map<string, PipelineStep>();
  private readonly labels: Record<string, string>;
  private readonly namespace?: string;
  private readonly inputFlows: NetworkFlow[] = [];
  private workspaceClaim?: ResolvedReference;
  private rendered?: { spec: ArgoWorkflowSpec; steps: RenderedStep[] };

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    AppCheck.register(this);
    this.props = props;
    if (!props || !(props.workspace instanceof Workspace)) fail(this, `workspace must be a Workspace (Workspace.pvc(...) or Workspace.perRunVolume(...)), got ${show(props?.workspace)}`);
    requireKubernetesVersion(this, 'TrainingPipeline (Argo Workflows)', KubernetesVersion.V1_31,
      'the vendored Argo Workflows CRDs use CEL rules whose estimated cost exceeds the budget of Kubernetes < 1.31, so they cannot be installed there');
    this.name = validateDnsLabel(this, 'name', props.name ?? toDnsLabel(this, id), PIPELINE_NAME_MAX);
    validatePodSecurity(this, props.security);
    validateLabels(this, 'labels', props.labels);
    if (props.parallelism !== undefined && (!Number.isInteger(props.parallelism) || props.parallelism < 1)) {
      fail(this, `parallelism must be a positive integer, got ${show(props.parallelism)}`);
    }
    if (props.schedule === undefined) {
      for (const key of ['timeZone', 'concurrencyPolicy', 'startingDeadline', 'suspend'] as const) {
        if (props[key] !== undefined) fail(this, `${key} needs a schedule, got ${show(props[key])} without one`);
      }
    } else {
      validateCronSchedule(this, props.schedule);
      if (props.timeZone !== undefined) validateTimeZone(this, props.timeZone);
    }
    this.namespace = Chart.of(this).namespace;
    this.labels = {
      ...(props.labels ?? {}),
      ...standardLabels({ name: this.name, component: 'pipeline' }),
    };

    const managedSa = props.serviceAccountName === undefined;
    this.serviceAccountName = props.serviceAccountName ?? `${this.name}-workflow`;
    validateDnsLabel(this, 'serviceAccountName', this.serviceAccountName);

    this.workflowTemplate = new ApiObject(this, 'Resource', {
      apiVersion: ARGO_API_VERSION,
      kind: 'WorkflowTemplate',
      metadata: { name: this.name, labels: this.labels },
      spec: Lazy.any({ produce: () => this.render().spec }),
    });

    if (props.schedule !== undefined) {
      const spec: ArgoCronWorkflowSpec = {
        schedules: [props.schedule],
        timezone: props.timeZone,
        concurrencyPolicy: props.concurrencyPolicy ?? ConcurrencyPolicy.FORBID,
        startingDeadlineSeconds: props.startingDeadline ? durationSeconds(this, 'startingDeadline', props.startingDeadline) : undefined,
        suspend: props.suspend,
        workflowMetadata: { labels: this.labels },
        workflowSpec: { workflowTemplateRef: { name: this.name } },
      };
      this.cronWorkflow = new ApiObject(this, 'Schedule', {
        apiVersion: ARGO_API_VERSION,
        kind: 'CronWorkflow',
        metadata: { name: this.name, labels: this.labels },
        spec,
      });
    }

    // declarations for the whole-app check: the workspace claim and the flows every step pod needs
    const workspaceClaim = props.workspace._claimRef(this);
    if (workspaceClaim) this.workspaceClaim = useReference(this, 'workspace', workspaceClaim, this.namespace);
    declareUsedReferences(this, this.workflowTemplate);
    declareFlows(this.workflowTemplate, [dnsFlow(this.node.path), ...this.apiServerFlows()]);

    if (managedSa) this.renderRbac();
    if (props.networkPolicy !== false) this.renderNetworkPolicy();
    else if (props.extraEgress !== undefined) fail(this, 'extraEgress needs networkPolicy enabled');
  }

  /** The Argo executor of every step pod reports to the API server (443 through the Service, 6443 on the hosts). */
  private apiServerFlows(): NetworkFlow[] {
    return [{
      purpose: 'argo executor to the API server',
      direction: 'egress',
      peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
      ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }],
      construct: this.node.path,
    }];
  }

  /** Records what the inputs of `step` need: their flows and claims (declared on the WorkflowTemplate). */
  private declareInputs(step: PipelineStep, inputs: readonly IPodContributor[], pods: number): void {
    const contributions = inputs.map((i) => i.contributeTo(step));
    useContributedReferences(step, contributions, pods, `the step runs ${pods} pods that may land on different nodes`, this.namespace);
    declareUsedReferences(step, this.workflowTemplate);
    const flows = contributions.flatMap((c) => c.flows ?? []);
    this.inputFlows.push(...flows);
    declareFlows(this.workflowTemplate, flows);
  }

  private renderNetworkPolicy(): void {
    const port = (p: number, protocol = 'TCP') => ({ protocol, port: p });
    new ApiObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: fitName(`${this.name}-steps`, 63), labels: this.labels },
      spec: {
        // Every pod of every run (Argo adds podMetadata labels to all step pods).
        podSelector: { matchLabels: { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/instance': this.name } },
        // Ingress listed with no rule: none allowed (no `ingress: []`, which the server drops).
        policyTypes: ['Ingress', 'Egress'],
        egress: Lazy.any({
          produce: () => [
            {
              to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
              ports: [port(53, 'UDP'), port(53)],
            },
            // the API server, plus exactly the ports the steps' inputs fetch from
            toPlainJson(k8s.toJson_NetworkPolicyEgressRule(externalEgressRule([
              ...this.inputFlows,
              { ...this.apiServerFlows()[0], peer: { kind: 'external', host: '*' } },
            ])!)),
            ...(this.props.extraEgress ?? []).map((r) => toPlainJson(k8s.toJson_NetworkPolicyEgressRule(r))),
          ],
        }),
      },
    });
  }

  /** Adds a container step. Its name is the DAG task name (DNS label). */
  public addStep(name: string, options: ContainerStepOptions): PipelineStep {
    const step = this.add(name, { kind: 'container', ...options });
    this.declareInputs(step, options.inputs ?? [], 1);
    return step;
  }

  /**
   * Adds a step that creates a Kubernetes Job (e.g. a multi-node DistributedTrainingJob) and
   * waits until it completes or fails: Argo `resource` templates with `action: create`
   * and `setOwnerReference: true`, so deleting the run deletes the Job.
   */
  public addJobStep(name: string, options: JobStepOptions): PipelineStep {
    return this.add(name, { kind: 'job', ...options });
  }

  /**
   * Adds a multi-node training step: an Indexed Job built with DistributedTrainingJob's
   * builders (rendezvous env, restricted pods, podFailurePolicy) plus its headless Service,
   * both named `{{workflow.name}}-<step>` and created per run, and a peer NetworkPolicy.
   * The nodes mount the run's workspace like every other step.
   */
  public addDistributedTrainingStep(name: string, options: DistributedTrainingStepOptions): PipelineStep {
    validateDnsLabel(this, 'step name', name);
    const step: PipelineStep = this.addJobStep(name, {
      dependsOn: options.dependsOn,
      timeout: options.timeout,
      job: (ctx) => distributedTrainingJob(step, options, this.props.security, ctx),
    });
    validateRuntimeJobName(step, this.name, name, options.nodes);
    this.declareInputs(step, options.inputs ?? [], options.nodes);
    if (this.workspaceClaim) checkClaimSharing(step, 'workspace', this.workspaceClaim, false, options.nodes, `the step runs ${options.nodes} pods, one per node`);
    const labels = stepLabels(this.labels, name);
    renderDistributedStepNetworkPolicy(step, fitName(`${this.name}-${name}-peers`, 63), labels, options);
    // The step's peer flows (rendezvous, collectives) are between the pods of the Job Argo
    // creates at run time, and the peers NetworkPolicy above allows exactly them. They are not
    // declared on the WorkflowTemplate: its annotation speaks for every step pod, and would
    // claim that all steps talk to the training pods.
    return step;
  }

  /** The steps, in the order they were added. */
  public get steps(): readonly PipelineStep[] {
    return [...this.stepList];
  }

  private add(name: string, options: PipelineStep['_options']): PipelineStep {
    validateDnsLabel(this, 'step name', name);
    if (name === PIPELINE_ENTRYPOINT) fail(this, `step name ${show(name)} is reserved for the DAG template`);
    if (this.stepsByName.has(name)) fail(this, `duplicate step name ${show(name)}`);
    if (this.rendered) fail(this, `cannot add step ${show(name)} after the pipeline was rendered`);
    const step = new PipelineStep(this, name, options);
    this.stepList.push(step);
    this.stepsByName.set(name, step);
    return step;
  }

  /** Resolves dependencies to names, refusing unknown steps, other pipelines' steps and cycles. */
  private resolveDependencies(): Map<PipelineStep, string[]> {
    const out = new Map<PipelineStep, string[]>();
    for (const step of this.stepList) {
      const names: string[] = [];
      for (const ref of step._dependencies) {
        let target: PipelineStep | undefined;
        if (typeof ref === 'string') {
          target = this.stepsByName.get(ref);
          if (!target) fail(step, `dependsOn names unknown step ${show(ref)} (steps: ${this.stepList.map((s) => s.name).join(', ')})`);
        } else if (ref instanceof PipelineStep) {
          target = ref;
          if (this.stepsByName.get(ref.name) !== ref) fail(step, `dependsOn step ${show(ref.node.path)} belongs to another pipeline`);
        } else {
          fail(step, `dependsOn entries must be steps or step names, got ${show(ref)}`);
        }
        if (target === step) fail(step, `step ${show(step.name)} depends on itself`);
        if (!names.includes(target.name)) names.push(target.name);
      }
      out.set(step, names);
    }
    // Cycle detection (depth-first, in declaration order for a stable message).
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(name)), name];
        fail(this, `steps form a dependency cycle: ${cycle.join(' -> ')}`);
      }
      state.set(name, 'visiting');
      stack.push(name);
      for (const dep of out.get(this.stepsByName.get(name)!)!) visit(dep);
      stack.pop();
      state.set(name, 'done');
    };
    for (const step of this.stepList) visit(step.name);
    return out;
  }

  private render(): { spec: ArgoWorkflowSpec; steps: RenderedStep[] } {
    if (this.rendered) return this.rendered;
    if (this.stepList.length === 0) fail(this, 'a pipeline needs at least one step (addStep)');
    const deps = this.resolveDependencies();
    const workspace = this.props.workspace._render(this);
    const ctx = { workspace, security: this.props.security, labels: this.labels, namespace: this.namespace };

    // A Job step is several tasks (companions, then the Job): dependents wait for its last one.
    const lastTask = new Map<string, string>();
    const steps: RenderedStep[] = [];
    for (const step of this.stepList) {
      const after = deps.get(step)!.map((d) => lastTask.get(d) ?? d);
      const r = step._render(ctx, after);
      lastTask.set(step.name, r.tasks[r.tasks.length - 1].name);
      steps.push(r);
    }
    // Dependencies may point forward (addDependency): resolve again now that all are rendered.
    const tasks: ArgoDagTask[] = steps.flatMap((r, i) => {
      const step = this.stepList[i];
      return r.tasks.map((t, j) => {
        const after = j === 0 ? deps.get(step)!.map((d) => lastTask.get(d)!) : t.after;
        return {
          name: t.name,
          template: t.template,
          depends: after.length > 0 ? after.join(' && ') : undefined,
          arguments: t.withItems ? { parameters: [{ name: 'item', value: '{{item}}' }] } : undefined,
          withItems: t.withItems,
        };
      });
    });
    const templates: ArgoTemplate[] = [{ name: PIPELINE_ENTRYPOINT, dag: { tasks } }, ...steps.flatMap((r) => r.templates)];
    const names = new Set<string>();
    for (const t of templates) {
      if (names.has(t.name)) fail(this, `two steps render the template name ${show(t.name)}; rename one of them`);
      names.add(t.name);
    }
    const securityContexts = Array.from(new Set(steps.filter((r) => r.podSecurityContext).map((r) => stableStringify(r.podSecurityContext))));
    const podSecurityContext = securityContexts.length > 0 ? JSON.parse(securityContexts[0]) : undefined;
    const spec: ArgoWorkflowSpec = {
      entrypoint: PIPELINE_ENTRYPOINT,
      serviceAccountName: this.serviceAccountName,
      // Step containers get no token; Argo mounts the executor's token into its own containers.
      automountServiceAccountToken: false,
      executor: { serviceAccountName: this.serviceAccountName },
      securityContext: podSecurityContext,
      activeDeadlineSeconds: durationSeconds(this, 'timeout', this.props.timeout ?? Duration.hours(24)),
      parallelism: this.props.parallelism,
      podGC: { strategy: this.props.podGc ?? PodGcStrategy.ON_POD_SUCCESS },
      ttlStrategy: {
        secondsAfterSuccess: durationSeconds(this, 'ttlAfterSuccess', this.props.ttlAfterSuccess ?? Duration.days(1)),
        secondsAfterFailure: durationSeconds(this, 'ttlAfterFailure', this.props.ttlAfterFailure ?? Duration.days(7)),
      },
      workflowMetadata: { labels: this.labels },
      podMetadata: { labels: this.labels },
      ...workspace.spec,
      templates,
    };
    this.rendered = { spec, steps };
    return this.rendered;
  }

  private renderRbac(): void {
    if (!this.namespace) {
      fail(this, 'the chart has no namespace: set it (new Chart(app, id, { namespace })) so the RoleBinding can name the service account, or pass serviceAccountName');
    }
    const name = this.serviceAccountName;
    const labels = { ...this.labels, 'app.kubernetes.io/component': 'workflow-executor' };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels },
      automountServiceAccountToken: false,
    });
    // Argo mounts the executor's token from this Secret (Kubernetes ≥ 1.24 creates none by itself).
    new k8s.KubeSecret(this, 'ExecutorToken', {
      metadata: { name: `${name}.service-account-token`, labels, annotations: { 'kubernetes.io/service-account.name': name } },
      type: 'kubernetes.io/service-account-token',
    });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name, labels },
      rules: Lazy.any({ produce: () => this.rbacRules() }) as unknown as k8s.PolicyRule[],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: this.namespace }],
    });
  }

  /** The Role rules: executor task results, plus create/get of what Job steps create. */
  private rbacRules(): k8s.PolicyRule[] {
    const rules: k8s.PolicyRule[] = [
      // The emissary executor reports outputs and exit codes as WorkflowTaskResults.
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ];
    const kinds = this.render().steps.flatMap((s) => s.createdKinds);
    if (kinds.length > 0) {
      const byGroup = new Map<string, Set<string>>();
      for (const { apiVersion, kind } of kinds) {
        const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
        if (!byGroup.has(group)) byGroup.set(group, new Set());
        byGroup.get(group)!.add(pluralOf(kind));
      }
      for (const group of Array.from(byGroup.keys()).sort()) {
        rules.push({ apiGroups: [group], resources: Array.from(byGroup.get(group)!).sort(), verbs: ['create', 'get'] });
      }
      // setOwnerReference sets blockOwnerDeletion; the OwnerReferencesPermissionEnforcement
      // admission plugin then requires update on the owner's finalizers.
      rules.push({ apiGroups: ['argoproj.io'], resources: ['workflows/finalizers'], verbs: ['update'] });
    }
    return rules;
  }
}

const IRREGULAR_PLURALS: Record<string, string> = { NetworkPolicy: 'networkpolicies', Ingress: 'ingresses', PodGroup: 'podgroups' };

function pluralOf(kind: string): string {
  if (IRREGULAR_PLURALS[kind]) return IRREGULAR_PLURALS[kind];
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

