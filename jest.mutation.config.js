/** The jest configuration Stryker runs (`npm run mutate`, stryker.config.json): the unit tier of
 * jest.config.js minus the suites whose code under test runs in a child process (the compiled
 * `lib/`, a `cdk8s synth`, the README's programs, the shell fetch script): a mutant lives only in
 * Stryker's in-process instrumented copy of `src/`, so those suites can never kill one and would
 * only slow every run. The cluster, e2e and newcomer tiers are out as in jest.config.js. */
const unit = require('./jest.config');

module.exports = {
  ...unit,
  testPathIgnorePatterns: [
    ...unit.testPathIgnorePatterns,
    '/test/dist\\.test\\.ts$',
    '/test/package\\.test\\.ts$',
    '/test/shellcheck\\.test\\.ts$',
    '/test/readme\\.test\\.ts$',
    '/test/quick-start\\.test\\.ts$',
  ],
};
