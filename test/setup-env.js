// Jest setupFiles: runs in every test worker before the test file and the library load.
// Every fast L1 → JSON conversion (src/core/l1-json.ts) is checked against cdk8s-plus-28's
// generated converter, so the whole suite proves both agree on what the constructs render.
process.env.CDK8S_ML_VERIFY_L1 = '1';
