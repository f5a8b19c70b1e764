/**
 * The restricted security defaults (src/core/security.ts): id bounds and the contexts, spelled out.
 */
import { App, Chart, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  ML_CACHE, ML_HOME, RESERVED_VOLUME_NAMES, restrictedContainerSecurityContext, restrictedPodSecurityContext, sharedMemory, validatePodSecurity,
} from '../../src/core/security';

const chart = () => new Chart(new App(), 'ml');

test('ids: 1 and 2147483647 are accepted; 0, negative, too large and fractional are refused', () => {
  expect(() => validatePodSecurity(chart(), { runAsUser: 1, runAsGroup: 2147483647, fsGroup: 5 })).not.toThrow();
  expect(() => validatePodSecurity(chart())).not.toThrow();
  const cases: ['runAsUser' | 'runAsGroup' | 'fsGroup', number][] = [['runAsUser', 0], ['runAsGroup', -1], ['fsGroup', 2147483648], ['runAsUser', 1.5]];
  for (const [key, value] of cases) {
    expect(() => validatePodSecurity(chart(), { [key]: value })).toThrow(
      `ml: security.${key} must be a non-zero integer id (the restricted Pod Security profile forbids root), got ${value}`,
    );
  }
});

test('pod context: 1000 by default, fsGroup follows the group', () => {
  expect(restrictedPodSecurityContext()).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  expect(restrictedPodSecurityContext({ runAsUser: 5, runAsGroup: 6 })).toEqual({ runAsNonRoot: true, runAsUser: 5, runAsGroup: 6, fsGroup: 6, seccompProfile: { type: 'RuntimeDefault' } });
  expect(restrictedPodSecurityContext({ fsGroup: 7 }).fsGroup).toBe(7);
});

test('container context: the restricted profile', () => {
  expect(restrictedContainerSecurityContext()).toEqual({
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  });
});

test('home, cache, reserved names and /dev/shm', () => {
  expect([ML_HOME, ML_CACHE]).toEqual(['/home/ml', '/home/ml/.cache']);
  expect(RESERVED_VOLUME_NAMES).toEqual(['tmp', 'home', 'dshm']);
  const shm = sharedMemory(Size.gibibytes(8));
  expect(k8s.toJson_Volume(shm.volume)).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
  expect(shm.mount).toEqual({ name: 'dshm', mountPath: '/dev/shm' });
});
