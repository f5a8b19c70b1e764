import { ManifestInput, ValidateOptions, formatFindings, validateManifests } from '../validation/validate';

/**
 * Test helper: throws an Error listing every finding unless all manifests in `input`
 * (a chart, an app, objects or YAML) pass strict validation. One line in any test:
 * `expectValidManifests(chart)`. Works with jest, vitest, node:test or none.
 * @returns the number of objects checked
 */
export function expectValidManifests(input: ManifestInput, options: ValidateOptions = {}): number {
  const result = validateManifests(input, options);
  if (!result.valid) {
    throw new Error(`${result.findings.length} validation finding(s) in ${result.objectCount} object(s):\n${formatFindings(result.findings)}`);
  }
  if (result.objectCount === 0) throw new Error('expectValidManifests: no objects to validate');
  return result.objectCount;
}
