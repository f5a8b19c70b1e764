/** E2E tier (test/e2e, GitHub issue 14): the cluster tier's control plane plus kube-scheduler,
 * Kueue, JobSet and kwok's simulated GPU nodes, started by globalSetup through
 * `test/cluster/provision.sh start --e2e` (binaries built on first use, then cached).
 * Run with `npm run test:e2e`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  globalSetup: '<rootDir>/test/e2e/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  // One control plane, several controllers, a 2-core machine: files run one after another.
  maxWorkers: 1,
  testTimeout: 10 * 60 * 1000,
};
