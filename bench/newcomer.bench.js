#!/usr/bin/env node
// Synth time of a user's app: the fresh app of test/newcomer (the quick start in a new cdk8s
// app with the packed library and cdk8s-plus-33) rendered with the app setups a user can pick:
//   compiled     app: node main.js          (after `tsc`, the "build step" setup)
//   transpile    app: node -r ts-node/register/transpile-only main.ts   (no type check)
//   init default app: npx ts-node main.ts   (what `cdk8s init typescript-app` writes; type-checks)
// Two measurements per setup, each in a fresh process as a user runs it: the app command alone
// (module loading + construct tree + YAML), and the whole `cdk8s synth --no-check-upgrade`
// (CLI start, app, the CdkMlValidation plugin). Setups run alternately (compiled, other,
// compiled, other, ...) and each ratio is the median of per-pair ratios.
// Goal (issue 15): a documented setup whose `cdk8s synth` is within 1.5x of compiled JS.
// Run by bench/run.js (`npm run bench newcomer`) or standalone: `node bench/newcomer.bench.js`.
// Environment: NEWCOMER_BENCH_RUNS (default 5). Setup (npm pack, npm install) takes ~1 minute.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createFreshApp, packLibrary } = require('../test/newcomer/fresh-app');

const RUNS = Number(process.env.NEWCOMER_BENCH_RUNS || 5);

const SETUPS = {
  compiled: 'node main.js',
  transpile: 'node -r ts-node/register/transpile-only main.ts',
  initDefault: 'npx ts-node main.ts',
};

function runIn(dir, command, args) {
  const r = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

async function run(h) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-bench-newcomer-'));
  try {
    const app = createFreshApp({ dir: path.join(work, 'app'), tarball: packLibrary(work) });
    // The build step: the template's tsconfig emits main.js beside main.ts.
    const t0 = Date.now();
    execFileSync('npx', ['tsc'], { cwd: app, stdio: 'pipe' });
    const tscMs = Date.now() - t0;
    const appOnly = (setup) => () => runIn(app, 'sh', ['-c', SETUPS[setup]]);
    const synth = (setup) => () => runIn(app, 'npx', ['cdk8s', 'synth', '--no-check-upgrade', '--app', SETUPS[setup]]);
    const rows = [];
    for (const [kind, make] of [['app command', appOnly], ['cdk8s synth', synth]]) {
      for (const other of ['transpile', 'initDefault']) {
        const runs = other === 'initDefault' ? Math.max(3, Math.ceil(RUNS / 2)) : RUNS;
        const p = await h.paired(`${kind}: compiled`, make('compiled'), `${kind}: ${other}`, make(other), { warmup: 1, runs, gc: false });
        rows.push(p.a, p.b, { ...p.ratio, note: other === 'transpile' && kind === 'cdk8s synth' ? 'goal <= 1.5x' : '' });
      }
    }
    rows.push({ label: 'build step: tsc (type check + emit main.js), once', median: tscMs, min: NaN, max: NaN, runs: 1 });
    return rows;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { name: 'synth time of a fresh user app (quick start, cdk8s-plus-33)', run };

if (require.main === module) {
  run(require('./harness')).then((rows) => console.log(require('./harness').table(rows))).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
