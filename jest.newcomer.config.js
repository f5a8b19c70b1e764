/** The fresh-app tier (test/newcomer): packs the library, installs it into a new cdk8s app and runs
 * `cdk8s synth` with the validation plugin, then `cdk8s-ml validate`. About a minute; run by
 * `npm run test:newcomer` and by .ci/run, not by `npm test`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/newcomer'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
};
