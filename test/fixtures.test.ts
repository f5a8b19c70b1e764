/** Every registered fixture (test/fixtures/*.fixture.ts) passes strict validation. */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { loadFixtures } from './fixtures';
import { serverForm } from '../src/core/server-form';
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

/**
 * Re-sync is a no-op (issue 14): every object is rendered in the form the API server stores it
 * (canonical quantity strings, no empty lists or dropped zero values, explicit fieldRef
 * apiVersion). Offline: each object is a fixed point of serverForm; the cluster tier
 * (test/cluster/drift.test.ts) checks the same objects against a real API server.
 */
describe('rendered in the form the API server stores', () => {
  const describeObject = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
  const notStored = (objects: any[]) => objects.filter((o) => JSON.stringify(serverForm(o)) !== JSON.stringify(o)).map(describeObject);

  test.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, fixture) => {
    expect(notStored(fixture.manifests())).toEqual([]);
  });

  test('every dist/*.yaml', () => {
    const dir = path.join(__dirname, '..', 'dist');
    const objects = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
    expect(objects.length).toBeGreaterThan(30);
    expect(notStored(objects)).toEqual([]);
  });

  test('self-check: an object with a non-canonical quantity is reported', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { memory: '4096Mi' } } }] } } } };
    expect(notStored([job])).toEqual(['Job /j']);
  });
});
