/** Every registered fixture (test/fixtures/*.fixture.ts) passes strict validation. */
import { loadFixtures } from './fixtures';
import { checkManifests, formatCheckReport } from '../src/validation/check';
import { SupportedKubernetesVersion } from '../src/validation/schemas';

const fixtures = loadFixtures();

test('fixtures are registered', () => {
  expect(fixtures.map((f) => f.name)).toContain('example-app');
});

test.each(fixtures.map((f) => [f.name, f] as const))('fixture %s is strictly valid and passes every policy', (_name, fixture) => {
  const manifests = fixture.manifests();
  expect(manifests.length).toBeGreaterThan(0);
  const result = checkManifests(manifests, { kubernetesVersion: (fixture.kubernetesVersion ?? '1.28') as SupportedKubernetesVersion, strict: true });
  expect(result.findings.length === 0 ? '' : formatCheckReport(result.findings)).toBe('');
});
