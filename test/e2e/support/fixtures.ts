/**
 * Test fixtures of the e2e tier built from our own rendered output: the example app's
 * distributed training Job (dist/training-distributed.k8s.yaml) moved to a test namespace,
 * plus the Kueue queues and the volumes a platform team would provide.
 */
import { distSets } from '../../cluster/support/cluster';
import { Kube } from '../../cluster/support/kube';
import { check, claimsUsed, clone, createNamespace, provideVolumes, QUEUE_LABEL, waitHealthy } from './e2e';

export const GPU_PRODUCT = 'NVIDIA-H100-80GB-HBM3';

/** The example app's Indexed training Job (PyTorch rendezvous, dataset fetch, podFailurePolicy). */
export function distTrainingJob(): any {
  const jobs = (distSets() ?? []).flatMap((s) => s.objects).filter((o) => o.kind === 'Job' && o.spec?.completionMode === 'Indexed' && o.spec.template?.spec?.subdomain);
  if (!jobs.length) throw new Error('dist/ has no Indexed training Job (run `npm run synth`)');
  return clone(jobs[0]);
}

export interface JobOptions {
  readonly name: string;
  readonly namespace: string;
  /** Kueue queue name; undefined: not queued (and not suspended). */
  readonly queue?: string;
  /** Pods (parallelism = completions). @default the rendered value */
  readonly pods?: number;
  /** Keep `suspend: true` as rendered before the drift fix (Kueue's field). @default false */
  readonly renderSuspend?: boolean;
  /** Annotations on the pod template (the kwok stages read e2e.ml.cdk8s.io/*). */
  readonly podAnnotations?: Record<string, string>;
}

/** The dist/ training Job under another name and namespace, queued or not. */
export function trainingJob(opts: JobOptions): any {
  const job = distTrainingJob();
  job.metadata = {
    name: opts.name,
    namespace: opts.namespace,
    labels: { ...job.metadata.labels },
  };
  delete job.metadata.labels[QUEUE_LABEL];
  if (opts.queue) job.metadata.labels[QUEUE_LABEL] = opts.queue;
  if (opts.renderSuspend && opts.queue) job.spec.suspend = true;
  else delete job.spec.suspend;
  if (opts.pods !== undefined) {
    job.spec.parallelism = opts.pods;
    job.spec.completions = opts.pods;
  }
  if (opts.podAnnotations) job.spec.template.metadata.annotations = { ...job.spec.template.metadata.annotations, ...opts.podAnnotations };
  return job;
}

/**
 * A namespace with what the platform provides: a Kueue ResourceFlavor for the GPU nodes, a
 * ClusterQueue with `gpus` of nominal quota for this namespace, a LocalQueue `default`.
 */
export async function queuedNamespace(k: Kube, namespace: string, gpus: number): Promise<void> {
  await createNamespace(k, namespace);
  const flavor = {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ResourceFlavor',
    metadata: { name: 'e2e-h100' },
    spec: { nodeLabels: { 'nvidia.com/gpu.product': GPU_PRODUCT } },
  };
  const cq = {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ClusterQueue',
    metadata: { name: namespace },
    spec: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      resourceGroups: [
        {
          // ephemeral-storage too: cdk8s-ml pods request it for their emptyDirs, and Kueue never
          // admits a workload requesting a resource its ClusterQueue does not cover.
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage'],
          flavors: [
            {
              name: 'e2e-h100',
              resources: [
                { name: 'cpu', nominalQuota: '1k' },
                { name: 'memory', nominalQuota: '16Ti' },
                { name: 'nvidia.com/gpu', nominalQuota: String(gpus) },
                { name: 'ephemeral-storage', nominalQuota: '1Pi' },
              ],
            },
          ],
        },
      ],
    },
  };
  const lq = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default', namespace }, spec: { clusterQueue: namespace } };
  for (const o of [flavor, cq, lq]) {
    check(o, await k.apply(o), 'creating');
    await waitHealthy(k, o);
  }
}

/** Claims (and volumes for them) that the Jobs' pod templates mount, in their namespace. */
export async function provideClaims(k: Kube, objects: any[]): Promise<void> {
  const claims = new Map<string, any>();
  for (const c of claimsUsed(objects)) {
    claims.set(`${c.namespace}/${c.name}`, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: c.name, namespace: c.namespace },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'e2e-external' },
    });
  }
  await provideVolumes(k, [...claims.values()]);
  for (const pvc of claims.values()) {
    check(pvc, await k.apply(pvc), 'creating');
    await waitHealthy(k, pvc);
  }
}
