import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail, show } from '../core/errors';
import { shortHash } from '../core/hash';
import { DNS_LABEL_MAX, fitName, isDnsLabel } from '../core/names';
import { setRenderTransform } from '../core/render';

/** Length of the pod-template hash in content-addressed Job names. */
export const JOB_TEMPLATE_HASH_LENGTH = 8;

/**
 * Longest Job name whose pods stay addressable: the `batch.kubernetes.io/job-name` pod label
 * is at most 63 characters, and an Indexed Job's pod hostname `<job>-<index>` too.
 * @param completions completions of an Indexed Job; omit for NonIndexed Jobs
 */
export function maxJobNameLength(completions?: number): number {
  if (completions === undefined) return DNS_LABEL_MAX;
  return DNS_LABEL_MAX - 1 - String(Math.max(0, completions - 1)).length;
}

/**
 * A Job name that carries a short hash of its pod template: `<base>-<hash>`. A Job's
 * template is immutable, so a changed spec must become a new Job (the old one is pruned by
 * Argo CD) rather than a failed sync; an unchanged spec keeps its name. `base` is shortened
 * (with a hash of its full text) when the result would exceed `maxLength`.
 * @param base readable part, a DNS-1123 label
 * @param template the pod template (or any value that determines it)
 * @param maxLength @default 63 (see maxJobNameLength for Indexed Jobs)
 */
export function contentAddressedJobName(base: string, template: unknown, maxLength: number = DNS_LABEL_MAX): string {
  const hash = shortHash(template, JOB_TEMPLATE_HASH_LENGTH);
  return `${fitName(base, maxLength - JOB_TEMPLATE_HASH_LENGTH - 1)}-${hash}`;
}

/**
 * Makes a user's Job content-addressed: at synth its `metadata.name` becomes
 * `<name>-<hash of spec.template>` (see {@link contentAddressedJobName}). Works with a raw
 * `k8s.KubeJob`, a cdk8s-plus `Job`, or any construct whose default child is a Job ApiObject.
 *
 * Nothing may reference the Job by its literal name afterwards: pods read their Job's name
 * from the `batch.kubernetes.io/job-name` label (downward API), Services select by labels.
 * cdk8s-ml's own Job constructs already name their Jobs this way; do not call this on them.
 */
export function hashJobName(job: IConstruct): void {
  let obj: ApiObject;
  try {
    obj = ApiObject.of(job);
  } catch {
    return fail(job, 'hashJobName needs a Job ApiObject (a k8s.KubeJob, a cdk8s-plus Job or a construct whose default child is one)');
  }
  if (obj.kind !== 'Job' || !obj.apiVersion.startsWith('batch/')) {
    fail(job, `hashJobName needs a batch Job, got ${show(`${obj.apiVersion}/${obj.kind}`)}`);
  }
  // Stryker disable next-line StringLiteral: the key only tells this transform from the object's others (gitops, server-form, declarations), whose keys all differ from it and from ""; any unused key behaves the same
  setRenderTransform(obj, 'cdk8s-ml:job-name', (manifest) => {
    // Stryker disable next-line OptionalChaining: cdk8s renders metadata (with a generated name when none is given) on every ApiObject, so metadata is never undefined here
    const name: string = manifest.metadata?.name;
    const spec = manifest.spec ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const max = maxJobNameLength(indexed ? spec.completions ?? 1 : undefined);
    if (!isDnsLabel(name, 253)) fail(obj, `job name must be lowercase letters, digits and "-" to be content-addressed, got ${show(name)}`);
    return { ...manifest, metadata: { ...manifest.metadata, name: contentAddressedJobName(name, spec.template ?? {}, max) } };
  });
}
