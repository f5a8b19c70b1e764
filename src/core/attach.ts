import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';

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
}

/** Something that contributes init containers, volumes and mounts to a consumer's pod. */
export interface IPodContributor extends IConstruct {
  /**
   * The contribution to the pod of `consumer`. Called once per consuming pod template;
   * objects the contribution needs (ConfigMaps, PVCs) are rendered by the contributor.
   */
  contributeTo(consumer: IConstruct): PodContribution;
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
  };
}
