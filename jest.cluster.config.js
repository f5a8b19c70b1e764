/** Cluster tier (test/cluster, GitHub issue 9): a real kube-apiserver + kube-controller-manager
 * on 127.0.0.1, started by globalSetup through test/cluster/provision.sh (the first run builds
 * the binaries; later runs reuse the cache). Run with `npm run test:cluster`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/cluster/\\.work/'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  // One API server on a 2-core machine: files run one after another.
  maxWorkers: 1,
  testTimeout: 10 * 60 * 1000,
};
