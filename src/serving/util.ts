// Internal helpers of the serving constructs (not part of the public API).
import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { PodContribution } from '../core/attach';
import { ServingRuntime } from './runtime';

/** Everything about one track (stable or canary) that the renderers need. @internal */
export interface ServingTrack {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly podSpec: k8s.PodSpec;
  /** Seconds of the `lifecycle.preStop.sleep` action to patch in (not in the 1.28 typed bindings). */
  readonly sleepSeconds?: number;
  readonly runtime: ServingRuntime;
  /** What the model source contributed to the pod, if any. */
  readonly contribution?: PodContribution;
}

/** Pod labels KServe puts on predictor pods (used by the PDB, NetworkPolicy and spread). @internal */
export function kserveSelector(name: string): Record<string, string> {
  return { 'serving.kserve.io/inferenceservice': name, component: 'predictor' };
}

/** A NetworkPolicy peer for every pod of `namespace`. @internal */
export function namespacePeer(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

/** @internal */
export function intOrString(value: number | string): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}

/** @internal */
export function wholeSeconds(d: Duration): number {
  return Math.ceil(d.toMilliseconds() / 1000);
}
