// Fresh-process runner: `node bench/synth-once.js raw|ours|stub N` builds one app and
// synthesizes it to YAML, as `cdk8s synth` does in a new process, and prints the milliseconds
// from the first construct to the YAML text (module loading excluded: it does not grow with N).
'use strict';
const { performance } = require('perf_hooks');
const apps = require('./training-apps');

const [kind, n] = [process.argv[2], Number(process.argv[3])];
if (!['raw', 'ours', 'stub'].includes(kind) || !Number.isInteger(n) || n < 1) {
  console.error('usage: node bench/synth-once.js raw|ours|stub N');
  process.exit(2);
}
const t0 = performance.now();
const yaml = kind === 'raw' ? apps.raw(n) : apps.ours(n, kind === 'stub');
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, bytes: yaml.length }));
