import { JsonHole, NotPlainJsonError, canonicalJson, fillJsonHoles } from './plain-api-object';

/**
 * TypeScript property names that cdk8s-plus-28's generated `toJson_*` converters rename in the
 * JSON they write (`clusterIp` → `clusterIP`, `ref` → `$ref`, …). A value holding one of these
 * keys anywhere takes the generated converter (test/core/l1-json.test.ts checks this list
 * against the converters' source).
 */
export const L1_RENAMED_PROPERTIES: ReadonlySet<string> = new Set([
  'clientIp', 'clusterIp', 'datasetUuid', 'diskUri', 'downwardApi', 'externalId', 'hostIp',
  'hostIpc', 'hostPid', 'insecureSkipTlsVerify', 'loadBalancerIp', 'nodeId', 'nonResourceUrLs',
  'openApiv3Schema', 'pdId', 'podCidr', 'podCidRs', 'providerId', 'ref', 'scaleIo', 'schema',
  'setHostnameAsFqdn', 'storagePolicyId', 'targetCpuUtilizationPercentage', 'targetWwNs',
  'volumeId', 'xKubernetesEmbeddedResource', 'xKubernetesIntOrString', 'xKubernetesListMapKeys',
  'xKubernetesListType', 'xKubernetesMapType', 'xKubernetesPreserveUnknownFields',
  'xKubernetesValidations',
]);

/**
 * Whether `CDK8S_ML_VERIFY_L1=1` is set (the test suite sets it): every fast conversion is then
 * also done by the generated converter and a difference throws, so the whole test suite checks
 * that both agree on every spec the constructs render. Read at each call.
 */
const verifying = (): boolean => process.env.CDK8S_ML_VERIFY_L1 === '1';

/**
 * The JSON cdk8s synthesizes for a typed cdk8s-plus-28 L1 value (a `k8s.JobSpec`, a
 * `k8s.NetworkPolicySpec`, …): what `convert` (the matching generated `k8s.toJson_*` function)
 * gives, in canonical form (see {@link canonicalJson}).
 *
 * The generated converters rebuild every object field by field; for the plain data our
 * constructs build, the only changes they make are `Quantity` / `IntOrString` → their value and
 * the renamed keys of {@link L1_RENAMED_PROPERTIES}. One canonical walk does the first and the
 * sort; a value holding a renamed key (a map key that happens to be one included), or anything
 * that is not plain data (a `Lazy`, another class instance, a null array item), goes through
 * `convert` instead.
 *
 * With a `placeholder`, the walk also records every string holding it, and the result's
 * `fill(text)` replaces it there in place (the placeholder stands for a value known only later,
 * such as a name carrying a hash of this very JSON). `fill` is undefined when the converter was
 * used or the placeholder sits in an object key: replace it some other way then.
 *
 * Fields the L1 type lacks are kept (the generated converters drop them silently); strict
 * validation reports them.
 */
export function l1Json<T>(value: T, convert: (v: T) => unknown, placeholder?: string): L1Json {
  const holes: JsonHole[] = [];
  let fast: unknown;
  try {
    fast = canonicalJson(value, { l1RenamedKeys: L1_RENAMED_PROPERTIES, placeholder, holes });
  } catch (e) {
    if (!(e instanceof NotPlainJsonError)) throw e;
    const converted = convert(value);
    try {
      return { json: canonicalJson(converted), canonical: true };
    } catch (err) {
      if (!(err instanceof NotPlainJsonError)) throw err;
      return { json: converted, canonical: false };
    }
  }
  if (verifying()) {
    const expected = JSON.stringify(canonicalJson(convert(value)));
    const actual = JSON.stringify(fast);
    if (expected !== actual) throw new Error(`l1Json: fast conversion differs from the generated converter:\n${actual}\n${expected}`);
  }
  if (placeholder === undefined) return { json: fast, canonical: true };
  let filled = false;
  return {
    json: fast,
    canonical: true,
    fill: (text: string) => {
      if (filled) throw new Error('l1Json: fill may be called once');
      filled = true;
      fillJsonHoles(holes, placeholder, text);
    },
  };
}

/** Result of {@link l1Json}. */
export interface L1Json {
  /** The JSON. */
  readonly json: unknown;
  /** Whether `json` is in canonical form (`false`: the converter's output as it is, holding something canonical form cannot carry, such as a `Lazy`). */
  readonly canonical: boolean;
  /** Replaces the placeholder in `json`'s strings, in place (with a placeholder, when the converter was not needed). */
  readonly fill?: (text: string) => void;
}
