/**
 * core/attach: merging what several DatasetInits contribute to one pod.
 */
import { PodContribution, mergeContributions } from '../../src/core/attach';

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
