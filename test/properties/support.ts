/**
 * Shared pieces of the property tests: the compliance oracle (strict schema + every policy
 * rule, warnings included), the construct-error oracle, and small arbitraries.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { KubernetesVersion, MlValidationError, setTargetKubernetesVersion } from '../../src/core';
import { checkManifests, formatCheckReport } from '../../src/validation/check';
import { PolicyRuleSetting } from '../../src/validation/policies';
import { SupportedKubernetesVersion } from '../../src/validation/schemas';

/**
 * fast-check parameters: a fixed seed so CI runs the same cases every time (set
 * FAST_CHECK_SEED to explore others), `numRuns` per property as given by each test.
 */
export function params(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FAST_CHECK_SEED !== undefined ? Number(process.env.FAST_CHECK_SEED) : 20240611;
  return { numRuns, seed, endOnFailure: true };
}

export const VERSIONS = ['1.28', '1.31', '1.33'] as const;

/** A fresh chart in namespace team-a targeting `version`. */
export function chartFor(version: SupportedKubernetesVersion, app: App = Testing.app()): Chart {
  const chart = new Chart(app, 'p', { namespace: 'team-a' });
  setTargetKubernetesVersion(chart, KubernetesVersion.of(version));
  return chart;
}

/**
 * Throws, listing every finding, unless the manifests pass strict validation and every policy
 * (warnings count). One random construct is not a whole app (its namespace, queue, secrets
 * live elsewhere): the whole-app check is tested on whole apps (test/validation/app).
 */
export function expectCompliant(manifests: any[], version: SupportedKubernetesVersion, rules?: Readonly<Record<string, PolicyRuleSetting>>): void {
  const result = checkManifests(manifests, { kubernetesVersion: version, strict: true, rules, app: false });
  if (!result.valid) {
    throw new Error(`${result.findings.length} finding(s) in ${result.objectCount} object(s) at Kubernetes ${version}:\n${formatCheckReport(result.findings)}`);
  }
  if (result.objectCount === 0) throw new Error('nothing rendered');
}

/**
 * Throws unless `render` throws an MlValidationError naming a construct path under
 * `pathPrefix` (never a TypeError, never a silently rendered manifest).
 */
export function expectConstructError(render: () => unknown, pathPrefix: string): MlValidationError {
  let error: unknown;
  try {
    render();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error('expected an MlValidationError, but rendering succeeded');
  if (!(error instanceof MlValidationError)) {
    throw new Error(`expected an MlValidationError, got ${(error as Error)?.name}: ${(error as Error)?.message ?? String(error)}`);
  }
  if (!error.constructPath.startsWith(pathPrefix) || !error.message.startsWith(`${error.constructPath}: `)) {
    throw new Error(`error does not name the construct path ${pathPrefix}: ${error.message}`);
  }
  if (error.problem.length === 0 || error.problem[0] !== error.problem[0].toLowerCase()) {
    throw new Error(`error problem must be lowercase: ${error.message}`);
  }
  return error;
}

/** Pinned images. */
export const image = fc.constantFrom('ghcr.io/acme/trainer:1.4.2', 'nvcr.io/nvidia/pytorch:24.08-py3', `registry.example.com:5000/ml/app@sha256:${'a'.repeat(64)}`);

/** A DNS-1123 label starting with a letter, 1..maxLength characters. */
export function dnsName(maxLength = 12): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
    fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), { maxLength: maxLength - 2 }),
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  ).map(([a, mid, z]) => (maxLength === 1 ? a : `${a}${mid.join('')}${z}`));
}

/** CPU and memory, sometimes with higher limits. */
export const resources = fc.record({
  cpu: fc.constantFrom('500m', '1', '2', '8', '32'),
  memory: fc.constantFrom('1Gi', '4Gi', '64Gi', '512Gi'),
  cpuLimit: fc.option(fc.constantFrom('64'), { nil: undefined }),
  memoryLimit: fc.option(fc.constantFrom('1Ti'), { nil: undefined }),
});

/** Harmless env (names clear of every reserved variable; MAX_NEW_TOKENS is numeric, as a token limit is). */
export const env = fc.record({
  APP_MODE: fc.constantFrom('train', 'eval'),
  LOG_LEVEL: fc.constantFrom('info', 'warn'),
  MAX_NEW_TOKENS: fc.integer({ min: 1, max: 8192 }).map(String),
  NCCL_DEBUG: fc.constantFrom('INFO', 'WARN'),
}, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;

/** Values that break a prop of the given type; the construct must refuse each with a clear error. */
export const badPositiveInt = fc.constantFrom(0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY);
