/** Jest runs TypeScript through ts-jest in transpile-only mode (isolatedModules);
 * `npm test` type-checks first (tsc -p tsconfig.test.json). Generated bindings stay out of coverage. */
module.exports = {
  testEnvironment: 'node',
  // Many suites wait on child processes (fetch script, cdk8s synth): use every core; jest's
  // default (cores - 1) runs a 2-core CI machine serially.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testPathIgnorePatterns: ['/node_modules/', '/test/cluster/', '/test/e2e/', '/test/newcomer/'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  coveragePathIgnorePatterns: ['/node_modules/', '/imports/'],
};
