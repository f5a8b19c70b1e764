/** The jest configuration Stryker runs (`npm run mutate`, stryker.config.json): the unit tier of
 * jest.config.js minus the suites whose code under test runs in a child process (the compiled
 * `lib/`, the packed package, shellcheck, the README's programs): a mutant lives only in
 * Stryker's in-process instrumented copy of `src/`, so those suites can never kill one and would
 * only slow every run. The cluster, e2e and newcomer tiers are out as in jest.config.js. Single tests of that
 * kind inside other suites check CDK8S_ML_MUTATION_RUN (set by test/setup-mutation.js) and are not defined (a skipped test misleads per-test coverage, see test/cli/plugin.test.ts). */
const unit = require('./jest.config');

module.exports = {
  ...unit,
  // src/ is a root too: Stryker runs each mutant with `--findRelatedTests <mutated file>`, and jest
  // follows imports only through files inside its roots. With test/ alone (Stryker adds just the
  // mutated file's folder) a test reaching src/core/x.ts through src/gitops/ was never run, and its
  // mutants were reported as survivors with no test completed.
  // `npm run mutate -- --quick` keeps test/ alone (faster, survivors to recheck).
  roots: process.env.CDK8S_ML_MUTATION_QUICK === '1' ? ['<rootDir>/test'] : ['<rootDir>/test', '<rootDir>/src'],
  setupFiles: [...unit.setupFiles, '<rootDir>/test/setup-mutation.js'],
  testPathIgnorePatterns: [
    ...unit.testPathIgnorePatterns,
    '/test/dist\\.test\\.ts$',
    '/test/package\\.test\\.ts$',
    '/test/shellcheck\\.test\\.ts$',
    '/test/readme\\.test\\.ts$',
    '/test/quick-start\\.test\\.ts$',
  ],
};
