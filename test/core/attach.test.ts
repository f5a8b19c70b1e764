/**
 * core/attach: merging what several DatasetInits contribute to one pod.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PodContribution, mergeContributions, useContributedReferences } from '../../src/core/attach';
import { ResolvedReference, usedReferences } from '../../src/core/refs';

const contribution = (over: Partial<PodContribution>): PodContribution => ({
  initContainers: [], volumes: [], volumeMounts: [], env: [], permanentExitCodes: [], containerNames: [], ...over,
});

describe('mergeContributions', () => {
  test('permanent exit codes once each, in numeric order (10 after 2, 100 after 10)', () => {
    const merged = mergeContributions([contribution({ permanentExitCodes: [10, 2] }), contribution({ permanentExitCodes: [100, 2, 3] })]);
    expect(merged.permanentExitCodes).toEqual([2, 3, 10, 100]);
  });

  test('the identity is the first one given; lists are concatenated in order; no contribution gives empty lists', () => {
    const merged = mergeContributions([
      contribution({ containerNames: ['a'] }),
      contribution({ identity: 'org/model', containerNames: ['b'] }),
      contribution({ identity: 'org/other', containerNames: ['c'] }),
    ]);
    expect(merged.identity).toBe('org/model');
    expect(merged.containerNames).toEqual(['a', 'b', 'c']);
    expect(mergeContributions([])).toEqual({
      initContainers: [], volumes: [], volumeMounts: [], env: [], permanentExitCodes: [], containerNames: [], flows: [], references: [], identity: undefined,
    });
  });
});

describe('useContributedReferences', () => {
  const claimIn = (namespace: string): ResolvedReference => ({ kind: 'PersistentVolumeClaim', name: 'data', namespace, external: false, path: 'ml/data', accessModes: ['ReadWriteOnce'] });
  const consumer = () => new Construct(new Chart(new App(), 'ml', { namespace: 'team-a' }), 'job');
  const using = (ref: ResolvedReference, readOnly = true) => [contribution({ references: [{ ref, readOnly, what: 'dataset imagenet' }] })];

  test('the workload namespace is the chart\'s unless given: a claim there is recorded on the consumer', () => {
    const c = consumer();
    useContributedReferences(c, using(claimIn('team-a')), 1, 'one pod');
    expect(usedReferences(c)).toEqual([claimIn('team-a')]);
    const d = consumer();
    useContributedReferences(d, using(claimIn('team-b')), 1, 'one pod', 'team-b');
    expect(usedReferences(d)).toEqual([claimIn('team-b')]);
  });

  test('a claim of another namespace is refused, naming what uses it', () => {
    expect(() => useContributedReferences(consumer(), using(claimIn('team-a')), 1, 'one pod', 'team-b')).toThrow(
      'ml/job: dataset imagenet: PersistentVolumeClaim "data" (ml/data) lives in namespace "team-a" but the workload is in namespace "team-b"; a workload can only use a PersistentVolumeClaim of its own namespace');
  });

  test('claim sharing is checked with the pod count and the reason given', () => {
    expect(() => useContributedReferences(consumer(), using(claimIn('team-a'), false), 2, 'the job runs 2 pods')).toThrow(
      'ml/job: dataset imagenet: claim "data" (ml/data) is ReadWriteOnce but the job runs 2 pods; the second pod could never attach it — use a ReadWriteMany claim');
  });
});
