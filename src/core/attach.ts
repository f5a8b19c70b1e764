import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { NetworkFlow } from './app-model';
import { IClaim, ResolvedReference, checkClaimSharing, namespaceOf, useReference } from './refs';

/** What a data source (e.g. a DatasetInit) adds to the pod of a consuming workload. */
export interface PodContribution {
  /** Init containers, in order, run before the main containers. */
  readonly initContainers: k8s.Container[];
  /** Volumes the pod needs. */
  readonly volumes: k8s.Volume[];
  /** Mounts for the main container(s); data is mounted read-only. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Env for the main container(s), e.g. the dataset path. */
  readonly env: k8s.EnvVar[];
  /**
   * Exit codes of the init containers that mean "retrying cannot help" (checksum mismatch,
   * 404, no space...). Training maps them to `FailJob` in its podFailurePolicy.
   */
  readonly permanentExitCodes: number[];
  /** Names of the init containers that can exit with `permanentExitCodes`. */
  readonly containerNames: string[];
  /**
   * Network flows the consuming pod needs for this contribution (e.g. the dataset fetch to
   * its source host), declared on the consumer's workload object.
   * @default - none
   */
  readonly flows?: NetworkFlow[];
  /**
   * Objects the contribution refers to (e.g. a claim), recorded on the consumer.
   * @default - none
   */
  readonly references?: ContributedReference[];
  /**
   * Public identity of the contributed content, e.g. the Hugging Face repo id of a model
   * (a serving runtime names the served model after it).
   * @default - none
   */
  readonly identity?: string;
}

/** How a consumer wants a contribution rendered. */
export interface PodContributionOptions {
  /**
   * Fetch into this claim instead of the contributor's own volume: a cache shared by every
   * pod of the consumer (and by its scale-ups), filled once under the fetch lock.
   * @default - the contributor's own volume
   */
  readonly sharedVolume?: IClaim;
}

/** A reference of a contribution, and how the consumer's pods use it. */
export interface ContributedReference {
  /** The referenced object. */
  readonly ref: ResolvedReference;
  /** Mounted read-only (a ReadOnlyMany claim is then fine for several nodes). */
  readonly readOnly: boolean;
  /** What it is for (for messages), e.g. `dataset imagenet`. */
  readonly what: string;
}

/** Something that contributes init containers, volumes and mounts to a consumer's pod. */
export interface IPodContributor extends IConstruct {
  /**
   * The contribution to the pod of `consumer`. Called once per consuming pod template;
   * objects the contribution needs (ConfigMaps, PVCs) are rendered by the contributor.
   */
  contributeTo(consumer: IConstruct, options?: PodContributionOptions): PodContribution;
}

/**
 * Concatenates contributions (exit codes deduplicated and sorted). It does not check for
 * collisions: `buildMlPodSpec` refuses duplicate volume names and mount paths when the
 * consumer's pod is built from the merged result.
 */
export function mergeContributions(contributions: readonly PodContribution[]): PodContribution {
  return {
    initContainers: contributions.flatMap((c) => c.initContainers),
    volumes: contributions.flatMap((c) => c.volumes),
    volumeMounts: contributions.flatMap((c) => c.volumeMounts),
    env: contributions.flatMap((c) => c.env),
    permanentExitCodes: Array.from(new Set(contributions.flatMap((c) => c.permanentExitCodes))).sort((a, b) => a - b),
    containerNames: contributions.flatMap((c) => c.containerNames),
    flows: contributions.flatMap((c) => c.flows ?? []),
    references: contributions.flatMap((c) => c.references ?? []),
    identity: contributions.find((c) => c.identity !== undefined)?.identity,
  };
}

/**
 * Records the references of `contributions` on `consumer` (see `useReference`) and refuses a
 * claim its `pods` pods cannot all attach (`spread` says why they may land on several nodes).
 */
export function useContributedReferences(consumer: IConstruct, contributions: readonly PodContribution[], pods: number, spread: string, namespace?: string): void {
  for (const c of contributions) {
    for (const r of c.references ?? []) {
      useReference(consumer, r.what, r.ref, namespace ?? namespaceOf(consumer));
      checkClaimSharing(consumer, r.what, r.ref, r.readOnly, pods, spread);
    }
  }
}

