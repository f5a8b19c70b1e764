import { show } from '../../core/errors';
import { ContainerView, PodView } from './pods';
import { PolicyContext, PolicyRule, PolicySeverity, PolicyViolation } from './types';

/** Identity of a rule (everything but its check). */
export interface RuleInfo {
  readonly id: string;
  readonly severity: PolicySeverity;
  readonly description: string;
  readonly fix: string;
}

/** A violation inside a pod template: the owner is filled in by {@link podRule}. */
export interface PodViolation {
  readonly path: string;
  readonly message: string;
}

/** A rule checked once per pod template. */
export function podRule(info: RuleInfo, check: (pod: PodView, context: PolicyContext) => PodViolation[]): PolicyRule {
  return {
    ...info,
    check: (context) => context.pods.flatMap((pod) => check(pod, context).map((v) => ({ object: pod.owner, ...v }))),
  };
}

/** A rule checked once per container (init and ephemeral containers included unless filtered). */
export function containerRule(
  info: RuleInfo,
  check: (container: ContainerView, pod: PodView, context: PolicyContext) => PodViolation[],
  types: ReadonlyArray<ContainerView['type']> = ['container', 'initContainer', 'ephemeralContainer'],
): PolicyRule {
  return podRule(info, (pod, context) => pod.containers.filter((c) => types.includes(c.type)).flatMap((c) => check(c, pod, context)));
}

/** A rule checked once per top-level object. */
export function objectRule(info: RuleInfo, check: (obj: any, context: PolicyContext) => PodViolation[]): PolicyRule {
  return {
    ...info,
    check: (context) => context.manifests.flatMap((obj): PolicyViolation[] => check(obj, context).map((v) => ({ object: obj, ...v }))),
  };
}

/** `container "main"` (or `init container "fetch"`) for messages. */
export function containerLabel(c: ContainerView): string {
  const kind = c.type === 'initContainer' ? 'init container' : c.type === 'ephemeralContainer' ? 'ephemeral container' : 'container';
  return `${kind} ${show(c.container?.name ?? '<unnamed>')}`;
}

/** `Kind/name` of an object for messages. */
export function kindName(obj: any): string {
  return `${obj?.kind ?? '<no kind>'}/${obj?.metadata?.name ?? '<no name>'}`;
}
