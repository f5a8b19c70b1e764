import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from '../core/errors';
import { validateDnsSubdomain } from '../core/names';
import { sizeToQuantity } from '../core/resources';
import { IClaim, ResolvedReference } from '../core/refs';
import { IPlusNamedResource } from '../core/plus-workload';
import { claimOf, isClaim } from '../core/claim';
import { ArgoWorkflowSpec } from './argo-types';

/** Name of the workspace volume in every step pod. */
export const WORKSPACE_VOLUME = 'workspace';
/** Default mount path of the run's workspace directory in every step. */
export const DEFAULT_WORKSPACE_PATH = '/workspace';

/** Which Argo variable names a run's directory on a shared workspace. */
export enum RunDirectory {
  /**
   * `{{workflow.name}}`: readable (`nightly-1717200000` for a scheduled run), unique among
   * the Workflows that exist in the namespace; a resubmitted run gets a new name.
   */
  WORKFLOW_NAME = '{{workflow.name}}',
  /** `{{workflow.uid}}`: unique forever, even across deleted and recreated Workflows. */
  WORKFLOW_UID = '{{workflow.uid}}',
}

/** Options of {@link Workspace.pvc}. */
export interface PvcWorkspaceOptions {
  /**
   * Directory of the claim under which each run gets its own sub-directory
   * (`<prefix>/<run>`). Relative, without `..`.
   * @default "runs"
   */
  readonly prefix?: string;
  /**
   * The variable that names a run's directory.
   * @default RunDirectory.WORKFLOW_NAME
   */
  readonly runDirectory?: RunDirectory;
  /**
   * Where the run directory is mounted in every step.
   * @default "/workspace"
   */
  readonly mountPath?: string;
}

/** Options of {@link Workspace.perRunVolume}. */
export interface PerRunVolumeOptions {
  /** Capacity of the per-run claim. */
  readonly storage: Size;
  /**
   * StorageClass; it must support the access mode (ReadWriteMany when steps can run on
   * different nodes, the default).
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode. ReadWriteOnce works only if every step lands on the same node.
   * @default "ReadWriteMany"
   */
  readonly accessMode?: 'ReadWriteMany' | 'ReadWriteOnce';
  /**
   * Where the volume is mounted in every step.
   * @default "/workspace"
   */
  readonly mountPath?: string;
}

/** What a workspace adds to the WorkflowSpec and to every step. */
export interface WorkspaceRendering {
  /** Workflow-level fields (`volumes` or `volumeClaimTemplates` + `volumeClaimGC`). */
  readonly spec: Partial<Pick<ArgoWorkflowSpec, 'volumes' | 'volumeClaimTemplates' | 'volumeClaimGC'>>;
  /** The volume, for pod-spec checks (it is rendered at workflow level, not per template). */
  readonly volume: k8s.Volume;
  /** The workspace volume as a Job created by a Job step mounts it. */
  readonly jobVolume: k8s.Volume;
  /** The mount of every step's main container. */
  readonly mount: k8s.VolumeMount;
  /** The mount path. */
  readonly mountPath: string;
  /** Human description of the run directory, for docs and env. */
  readonly runPath: string;
}

/**
 * The storage that steps of a pipeline hand files through. Every run works in its own
 * directory, so two runs never see each other's half-written files.
 */
export abstract class Workspace {
  /**
   * A ReadWriteMany claim (NFS, CephFS, EFS, Filestore...) shared by all runs — a
   * `VolumeClaim` or cdk8s-plus `PersistentVolumeClaim` of the app, or `External.claim(name)`:
   * each step mounts `<prefix>/{{workflow.name}}` of it via `subPath` (the "NFS pattern";
   * Argo substitutes workflow variables in every field of a template, `subPath` included).
   */
  public static pvc(claim: IClaim | IPlusNamedResource, options: PvcWorkspaceOptions = {}): Workspace {
    return new PvcWorkspace(isClaim(claim) ? claim : claimOf(claim), options);
  }

  /**
   * A fresh claim per run from `volumeClaimTemplates`, deleted when the Workflow is
   * deleted (`volumeClaimGC: OnWorkflowCompletion` would delete it at completion).
   */
  public static perRunVolume(options: PerRunVolumeOptions): Workspace {
    return new PerRunWorkspace(options);
  }

  /** @internal */
  public abstract _render(scope: IConstruct): WorkspaceRendering;

  /** The claim the workspace mounts, when it is a claim of the app or external. @internal */
  public _claimRef(_scope: IConstruct): ResolvedReference | undefined {
    return undefined;
  }
}

function validateMountPath(scope: IConstruct, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || path.split('/').includes('..') || /\/$/.test(path)) {
    fail(scope, `workspace mountPath must be an absolute path other than "/" without ".." or a trailing "/", got ${show(path)}`);
  }
  if (['/tmp', '/scratch', '/dev/shm', '/home/ml'].includes(path)) fail(scope, `workspace mountPath ${show(path)} is reserved`);
  return path;
}

class PvcWorkspace extends Workspace {
  constructor(private readonly claim: IClaim, private readonly options: PvcWorkspaceOptions) {
    super();
  }

  public _claimRef(scope: IConstruct): ResolvedReference {
    if (!isClaim(this.claim)) fail(scope, `workspace claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got ${show(this.claim)}`);
    return this.claim.claimRef(scope);
  }

  public _render(scope: IConstruct): WorkspaceRendering {
    const claimName = this._claimRef(scope).name;
    validateDnsSubdomain(scope, 'workspace claim name', claimName);
    const prefix = this.options.prefix ?? 'runs';
    if (typeof prefix !== 'string' || prefix.startsWith('/') || prefix.split('/').some((p) => p === '..' || p === '.') || /[{}]/.test(prefix)) {
      fail(scope, `workspace prefix must be a relative path without "..", "." or braces, got ${show(prefix)}`);
    }
    const run = this.options.runDirectory ?? RunDirectory.WORKFLOW_NAME;
    const subPath = prefix === '' ? run : `${prefix.replace(/\/+$/, '')}/${run}`;
    const mountPath = validateMountPath(scope, this.options.mountPath ?? DEFAULT_WORKSPACE_PATH);
    const volume: k8s.Volume = { name: WORKSPACE_VOLUME, persistentVolumeClaim: { claimName } };
    return {
      spec: { volumes: [k8s.toJson_Volume(volume)!] },
      volume,
      jobVolume: volume,
      mount: { name: WORKSPACE_VOLUME, mountPath, subPath },
      mountPath,
      runPath: `${claimName}:/${subPath}`,
    };
  }
}

class PerRunWorkspace extends Workspace {
  constructor(private readonly options: PerRunVolumeOptions) {
    super();
  }

  public _render(scope: IConstruct): WorkspaceRendering {
    const mountPath = validateMountPath(scope, this.options.mountPath ?? DEFAULT_WORKSPACE_PATH);
    const storage = sizeToQuantity(this.options.storage);
    if (this.options.storageClassName !== undefined) validateDnsSubdomain(scope, 'workspace storageClassName', this.options.storageClassName);
    return {
      spec: {
        volumeClaimTemplates: [
          {
            metadata: { name: WORKSPACE_VOLUME },
            spec: {
              accessModes: [this.options.accessMode ?? 'ReadWriteMany'],
              storageClassName: this.options.storageClassName,
              resources: { requests: { storage } },
            },
          },
        ],
        volumeClaimGC: { strategy: 'OnWorkflowCompletion' },
      },
      // A stand-in for the step's pod spec (the template drops it: Argo adds the per-run claim).
      volume: { name: WORKSPACE_VOLUME, persistentVolumeClaim: { claimName: WORKSPACE_VOLUME } },
      // Argo names the claims of volumeClaimTemplates `<workflow name>-<template name>`.
      jobVolume: { name: WORKSPACE_VOLUME, persistentVolumeClaim: { claimName: `{{workflow.name}}-${WORKSPACE_VOLUME}` } },
      mount: { name: WORKSPACE_VOLUME, mountPath },
      mountPath,
      runPath: `a ${storage} claim per run`,
    };
  }
}
