import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { IPodContributor, PodContribution } from '../core/attach';
import { fail } from '../core/errors';
import { TrainingNetworkOptions, renderPeerNetworkPolicy } from '../training/network';
import {
  IndexedJobSpecOptions,
  RendezvousAddressing,
  TrainingPodTemplateOptions,
  buildTrainingPodTemplate,
  renderIndexedJobSpec,
} from '../training/pod-template';
import { JobStepContext, JobStepManifests, StepBaseOptions, toPlainJson } from './step';

/** Options of {@link TrainingPipeline.addDistributedTrainingStep}: those of the training pod builder, plus the step's. */
export interface DistributedTrainingStepOptions
  extends StepBaseOptions,
  Pick<
  TrainingPodTemplateOptions,
  'image' | 'command' | 'args' | 'env' | 'nodes' | 'procsPerNode' | 'accelerator' | 'resources' | 'framework'
  | 'nonRetryableExitCodes' | 'shmSize' | 'priorityClass' | 'nodeSelector' | 'tolerations'
  >,
  Pick<IndexedJobSpecOptions, 'maxRestarts'> {
  /** External inputs (DatasetInit...) added to every node. @default - none */
  readonly inputs?: IPodContributor[];
  /** Peer NetworkPolicy options. @default - rendered, framework + collective ports */
  readonly network?: TrainingNetworkOptions;
}

/** Longest pod hostname (`<job>-<index>` is a DNS label). */
const HOSTNAME_MAX = 63;

/**
 * Builds the per-run objects of a distributed-training step with DistributedTrainingJob's
 * reusable builders: the headless Service (named like the Job), an MPI hostfile ConfigMap
 * when needed, and the Indexed Job. Names embed `{{workflow.name}}`, which Argo substitutes
 * in the resource manifest at run time; rendezvous addresses are built from the same name.
 */
export function distributedTrainingJob(
  step: IConstruct,
  options: DistributedTrainingStepOptions,
  security: { runAsUser?: number; runAsGroup?: number; fsGroup?: number } | undefined,
  ctx: JobStepContext,
): JobStepManifests {
  const serviceName = ctx.jobName;
  const podSelector = { 'batch.kubernetes.io/job-name': ctx.jobName };
  const workspace: PodContribution = {
    initContainers: [],
    volumes: [ctx.workspaceVolume],
    volumeMounts: [ctx.workspaceMount],
    env: ctx.env,
    permanentExitCodes: [],
    containerNames: [],
  };
  const hostfileName = `${ctx.jobName}-hostfile`;
  const pod = buildTrainingPodTemplate(step, {
    image: options.image,
    command: options.command,
    args: options.args,
    env: options.env,
    nodes: options.nodes,
    procsPerNode: options.procsPerNode,
    accelerator: options.accelerator,
    resources: options.resources,
    framework: options.framework,
    addressing: RendezvousAddressing.indexedJob(ctx.jobName, serviceName),
    contributions: [workspace, ...(options.inputs ?? []).map((i) => i.contributeTo(step))],
    hostfileConfigMapName: hostfileName,
    shmSize: options.shmSize,
    security,
    labels: ctx.labels,
    subdomain: serviceName,
    nonRetryableExitCodes: options.nonRetryableExitCodes,
    priorityClass: options.priorityClass,
    nodeSelector: options.nodeSelector,
    tolerations: options.tolerations,
  });
  const spec = renderIndexedJobSpec(step, { pod, nodes: options.nodes, maxRestarts: options.maxRestarts });
  const metadata = (name: string) => ({ name, namespace: ctx.namespace, labels: ctx.labels });
  const companions: Array<Record<string, any>> = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(serviceName),
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: podSelector,
        ports: pod.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })),
      },
    },
  ];
  if (pod.hostfile !== undefined) {
    companions.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(hostfileName), data: { hostfile: pod.hostfile } });
  }
  return {
    companions,
    job: { apiVersion: 'batch/v1', kind: 'Job', metadata: metadata(ctx.jobName), spec: toPlainJson(k8s.toJson_JobSpec(spec)) },
  };
}

/**
 * Refuses step names whose per-run Job name could make a pod hostname (`<job>-<index>`)
 * longer than 63 characters: the Workflow name is `<pipeline>-<10-digit time>` for
 * scheduled runs and `<pipeline>-<5 chars>` when submitted.
 */
export function validateRuntimeJobName(step: IConstruct, pipelineName: string, stepName: string, nodes: number): void {
  const workflowNameMax = pipelineName.length + 11;
  const longest = workflowNameMax + 1 + stepName.length + 1 + String(Math.max(0, nodes - 1)).length;
  if (longest > HOSTNAME_MAX) {
    fail(step, `pod hostnames "<workflow name>-${stepName}-<index>" could reach ${longest} characters at run time (limit ${HOSTNAME_MAX}); shorten the pipeline name ${JSON.stringify(pipelineName)} or the step name ${JSON.stringify(stepName)}`);
  }
}

/** The static peer NetworkPolicy of a distributed step's pods. */
export function renderDistributedStepNetworkPolicy(
  step: Construct,
  name: string,
  labels: Record<string, string>,
  options: DistributedTrainingStepOptions,
): void {
  renderPeerNetworkPolicy(step, 'NetworkPolicy', {
    name,
    labels,
    podSelector: labels,
    ports: options.framework.ports,
    network: options.network,
    datasetFlows: (options.inputs ?? []).flatMap((i) => i.contributeTo(step).flows ?? []),
  });
}
