// The LeaderWorkerSet backend of ModelServing (internal): vLLM's multi-node serving, one
// leader and `nodes - 1` workers per replica.
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkFlow } from '../core/app-model';
import { fail, show } from '../core/errors';
import { fitName } from '../core/names';
import { useReference } from '../core/refs';
import { Accelerator } from '../core/resources';
import { LeaderWorkerSetBackendOptions } from './backend';
import { ServingRuntime } from './runtime';
import { ServingTrack } from './util';

/** Label the LWS controller puts on every pod of a LeaderWorkerSet (its name). */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
/** Label the LWS controller puts on every pod: 0 on the leader, 1..n-1 on the workers. */
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';
/** Port of vLLM's multi-node rendezvous on the leader (`--master-port`). */
export const VLLM_MASTER_PORT = 29501;
const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/** The resolved layout of a group. @internal */
export interface LwsLayout {
  /** Name of the LeaderWorkerSet (not the serving's name: the LWS controller creates a headless Service named after it). */
  readonly name: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  /** Kueue LocalQueue name, if queued. */
  readonly queue?: string;
}

const isCount = (n: unknown, min: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min;

/**
 * Checks a LeaderWorkerSet layout: vLLM runtime, GPUs on every pod, and tensor × pipeline
 * parallelism equal to the group's GPUs (vLLM refuses to start otherwise: its world size is
 * tp × pp and each GPU runs one rank).
 */
export function resolveLwsLayout(scope: Construct, servingName: string, options: LeaderWorkerSetBackendOptions, runtime: ServingRuntime,
  accelerator: Accelerator | undefined, canary: boolean): LwsLayout {
  if (runtime.kind !== 'vllm') {
    fail(scope, `backend leaderWorkerSet renders vLLM's multi-node contract (--nnodes, --node-rank, --master-addr), got runtime ${runtime.kind}; use ServingRuntime.vllm or the deployment backend`);
  }
  if (canary) fail(scope, 'canary is not supported with the leaderWorkerSet backend: LeaderWorkerSet rolls out group by group; use a second ModelServing for a canary');
  if (!isCount(options.nodes, 2)) fail(scope, `backend leaderWorkerSet: nodes must be an integer >= 2 (one leader and at least one worker; use the deployment backend for one node), got ${show(options.nodes)}`);
  if (!accelerator) fail(scope, 'backend leaderWorkerSet needs accelerator (the GPUs of each pod): a model larger than one node is served on GPUs');
  const gpusPerNode = options.gpusPerNode ?? accelerator.count;
  if (!isCount(gpusPerNode, 1)) fail(scope, `backend leaderWorkerSet: gpusPerNode must be a positive integer, got ${show(gpusPerNode)}`);
  if (gpusPerNode !== accelerator.count) {
    fail(scope, `backend leaderWorkerSet: gpusPerNode ${gpusPerNode} differs from the accelerator count ${show(accelerator.count)}; set one of them (gpusPerNode defaults to the accelerator count)`);
  }
  const tp = options.tensorParallelSize ?? gpusPerNode;
  const pp = options.pipelineParallelSize ?? options.nodes;
  if (!isCount(tp, 1)) fail(scope, `backend leaderWorkerSet: tensorParallelSize must be a positive integer, got ${show(tp)}`);
  if (!isCount(pp, 1)) fail(scope, `backend leaderWorkerSet: pipelineParallelSize must be a positive integer, got ${show(pp)}`);
  const gpus = options.nodes * gpusPerNode;
  if (tp * pp !== gpus) {
    fail(scope, `backend leaderWorkerSet: tensorParallelSize ${tp} × pipelineParallelSize ${pp} = ${tp * pp} GPUs, but the group has nodes ${options.nodes} × gpusPerNode ${gpusPerNode} = ${gpus}; `
      + `vLLM runs one rank per GPU, so make tp × pp equal ${gpus} (e.g. tensorParallelSize ${gpusPerNode} and pipelineParallelSize ${options.nodes})`);
  }
  for (const flag of ['--tensor-parallel-size', '--pipeline-parallel-size', '--nnodes', '--node-rank', '--master-addr', '--master-port', '--headless', '--distributed-executor-backend']) {
    if (runtime.userArgs.some((a) => a === flag || a.startsWith(`${flag}=`))) {
      fail(scope, `backend leaderWorkerSet sets ${flag} itself, got it in the runtime args too; set tensorParallelSize/pipelineParallelSize on the backend instead`);
    }
  }
  let queue: string | undefined;
  if (options.queue !== undefined) {
    if (typeof options.queue?.localQueueRef !== 'function') {
      fail(scope, `backend leaderWorkerSet: queue must be a LocalQueue object (an MlNamespace with a queue, its TeamQueue, or External.localQueue(name)), got ${show(options.queue)}`);
    }
    queue = useReference(scope, 'queue', options.queue.localQueueRef(scope)).name;
  }
  return { name: fitName(`${servingName}-lws`, 63 - 8), nodes: options.nodes, gpusPerNode, tensorParallelSize: tp, pipelineParallelSize: pp, queue };
}

/** The vLLM args of a group member: the runtime's, then the multi-node contract from the LWS env. */
function groupArgs(runtime: ServingRuntime, layout: LwsLayout, leader: boolean): string[] {
  return [
    ...runtime.renderArgs(0),
    '--tensor-parallel-size', String(layout.tensorParallelSize),
    '--pipeline-parallel-size', String(layout.pipelineParallelSize),
    '--distributed-executor-backend', 'mp',
    // Kubernetes expands $(VAR) from the container env, which the LWS controller's pod webhook fills.
    '--nnodes', '$(LWS_GROUP_SIZE)',
    '--node-rank', '$(LWS_WORKER_INDEX)',
    '--master-addr', '$(LWS_LEADER_ADDRESS)',
    '--master-port', String(VLLM_MASTER_PORT),
    ...(leader ? [] : ['--headless']),
  ];
}

/** Labels selecting the leader pods of the serving (the Service, the load query). @internal */
export function leaderSelector(track: ServingTrack): Record<string, string> {
  return { ...track.selector, [LWS_WORKER_INDEX_LABEL]: '0' };
}

/** The flows between the pods of a group: NCCL and the rendezvous use any port. @internal */
export function groupFlows(construct: string, layout: LwsLayout): NetworkFlow[] {
  const peer = { kind: 'pods' as const, podLabels: { [LWS_NAME_LABEL]: layout.name } };
  const ports = [{ port: 1, endPort: 65535, protocol: 'TCP' as const }];
  return [
    { purpose: 'leader-worker group (rendezvous, NCCL)', direction: 'egress', peer, ports, construct },
    { purpose: 'leader-worker group (rendezvous, NCCL)', direction: 'ingress', peer, ports, construct },
  ];
}

/** NetworkPolicy rules allowing the group's own traffic (every TCP port between its pods). @internal */
export function groupRules(layout: LwsLayout): { ingress: k8s.NetworkPolicyIngressRule; egress: k8s.NetworkPolicyEgressRule } {
  const peer = { podSelector: { matchLabels: { [LWS_NAME_LABEL]: layout.name } } };
  const ports = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(1), endPort: 65535 }];
  return { ingress: { from: [peer], ports }, egress: { to: [peer], ports } };
}

/** Renders the LeaderWorkerSet of a ModelServing track. @internal */
export function renderLeaderWorkerSet(scope: Construct, track: ServingTrack, layout: LwsLayout, replicas: number | undefined, podAnnotations: Record<string, string>): ApiObject {
  const leader: any = k8s.toJson_PodSpec(track.podSpec)!;
  // Deployment-only spread key: LWS pods carry no pod-template-hash.
  for (const t of leader.topologySpreadConstraints ?? []) delete t.matchLabelKeys;
  const server = leader.containers[0];
  server.args = groupArgs(track.runtime, layout, true);
  if (track.sleepSeconds !== undefined) server.lifecycle = { preStop: { sleep: { seconds: track.sleepSeconds } } };
  const worker: any = JSON.parse(JSON.stringify(leader));
  const w = worker.containers[0];
  // Workers run the engine only (--headless): no API, so no probes, ports or drain; the
  // group is recreated when any pod fails (restartPolicy below).
  for (const field of ['startupProbe', 'readinessProbe', 'livenessProbe', 'lifecycle', 'ports']) delete w[field];
  w.args = groupArgs(track.runtime, layout, false);
  const annotations = Object.keys(podAnnotations).length > 0 ? { ...podAnnotations } : undefined;
  const labels = { ...track.labels, ...(layout.queue ? { [KUEUE_QUEUE_LABEL]: layout.queue } : {}) };
  return new ApiObject(scope, 'Resource', {
    // Plain object (the typed binding is 1.9 MB and would only give us these two strings);
    // strict validation checks it against the LWS CRD schema.
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: layout.name, labels },
    spec: {
      replicas,
      leaderWorkerTemplate: {
        size: layout.nodes,
        // A dead worker breaks the whole engine: restart the group together.
        restartPolicy: 'RecreateGroupOnPodRestart',
        leaderTemplate: { metadata: { labels: { ...track.labels }, annotations }, spec: leader },
        workerTemplate: { metadata: { labels: { ...track.labels } }, spec: worker },
      },
      // One group at a time, never below the desired count: a group is a whole model instance.
      rolloutStrategy: { type: 'RollingUpdate', rollingUpdateConfiguration: { maxUnavailable: 0, maxSurge: 1 } },
      startupPolicy: 'LeaderCreated',
    },
  });
}
