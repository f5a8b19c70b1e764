import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AppCheck } from '../core/app-check';
import { fail, show } from '../core/errors';
import { standardLabels } from '../core/labels';
import { validateDnsSubdomain } from '../core/names';
import { PlainApiObject } from '../core/plain-api-object';
import { IPriorityClass, IWorkloadPriorityClass, ResolvedReference } from '../core/refs';
import { clusterScoped } from './team-queue';

/** Props shared by {@link WorkloadPriorityClass} and {@link PriorityClass}. */
export interface PriorityClassProps {
  /**
   * Class name (cluster-wide, at most 63 characters: it is also a label value for Kueue).
   * @default - the construct id as a DNS label
   */
  readonly name?: string;
  /** Priority value (higher wins), a 32-bit integer. */
  readonly value: number;
  /**
   * Human-readable guidance on when to use the class.
   * @default - none
   */
  readonly description?: string;
}

function validateClass(scope: Construct, id: string, props: PriorityClassProps, max: number): string {
  const name = validateDnsSubdomain(scope, 'name', props.name ?? id);
  if (name.length > 63) fail(scope, `name must be at most 63 characters (it is a label value), got ${show(name)}`);
  if (!Number.isInteger(props.value) || props.value < -2147483648 || props.value > max) {
    fail(scope, `value must be an integer from -2147483648 to ${max}, got ${show(props.value)}`);
  }
  if (props.description !== undefined && (typeof props.description !== 'string' || props.description.length > 2048)) {
    fail(scope, `description must be a string of at most 2048 characters, got ${show(props.description)}`);
  }
  return name;
}

/**
 * A Kueue WorkloadPriorityClass (`kueue.x-k8s.io/v1beta2`, cluster-scoped): the priority of
 * queued workloads, used as `Queue.kueue(ns, { priorityClass })`.
 */
export class WorkloadPriorityClass extends Construct implements IWorkloadPriorityClass {
  /** The class name. */
  public readonly name: string;
  /** The rendered object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: PriorityClassProps) {
    super(scope, id);
    AppCheck.register(this);
    this.name = validateClass(this, id, props, 2147483647);
    this.resource = new PlainApiObject(this, 'Resource', {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'WorkloadPriorityClass',
      metadata: { name: this.name, labels: standardLabels({ name: this.name, component: 'queue' }) },
      value: props.value,
      description: props.description,
    });
    clusterScoped(this.resource);
  }

  public workloadPriorityClassRef(_consumer: IConstruct): ResolvedReference {
    return { kind: 'WorkloadPriorityClass', name: this.name, external: false, path: this.node.path };
  }
}

/**
 * A pod PriorityClass (`scheduling.k8s.io/v1`, cluster-scoped), used as the `priorityClass`
 * of workloads (Kubernetes' default `PreemptLowerPriority` policy applies).
 */
export class PriorityClass extends Construct implements IPriorityClass {
  /** The class name. */
  public readonly name: string;
  /** The rendered object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: PriorityClassProps) {
    super(scope, id);
    AppCheck.register(this);
    // values above one billion are reserved for system classes
    this.name = validateClass(this, id, props, 1000000000);
    if (this.name.startsWith('system-')) fail(this, `name must not start with "system-" (reserved), got ${show(this.name)}`);
    this.resource = new k8s.KubePriorityClass(this, 'Resource', {
      metadata: { name: this.name, labels: standardLabels({ name: this.name, component: 'scheduling' }) },
      value: props.value,
      description: props.description,
    });
    clusterScoped(this.resource);
  }

  public priorityClassRef(_consumer: IConstruct): ResolvedReference {
    return { kind: 'PriorityClass', name: this.name, external: false, path: this.node.path };
  }
}
