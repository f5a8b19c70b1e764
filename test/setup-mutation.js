// Jest setupFiles of jest.mutation.config.js only: marks a Stryker run, so that the few tests whose
// code under test runs in child processes (which never load Stryker's mutated code) are left out.
// They are not defined at all rather than skipped: see the note in test/cli/plugin.test.ts.
process.env.CDK8S_ML_MUTATION_RUN = '1';
