#!/usr/bin/env node
// `npm run mutate [-- <file|dir|glob>... [--quick] [--recheck <report.json>] [--stryker-flag value]...]`:
// Stryker with stryker.config.json (incremental, reports in reports/). Positional arguments become
// Stryker's `--mutate` list (a directory means every .ts file under it; `file.ts:10-20` mutates lines
// 10-20); arguments from the first other `--flag` on go to Stryker unchanged (`--concurrency 1`, `--force`).
// Without positional arguments the config's `mutate` list applies: all of src/ but the example app.
//   --quick    each mutant runs only the tests that import its folder's files directly (jest's roots
//              are test/ plus that folder): several times faster on src/core, but a test that reaches the
//              code through another folder never runs, so a survivor may be false: recheck them.
//   --recheck  mutate exactly the survivors (Survived, NoCoverage) of an earlier report (a JSON report or an
//              event-recorder folder), by location,
//              with every related test (optionally only those in the given files or folders).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { mergeReports, survivorRanges } = require('./mutation-report');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const env = { ...process.env };
let recheck;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--quick') env.CDK8S_ML_MUTATION_QUICK = '1';
  else if (args[i] === '--recheck') {
    recheck = args[++i];
    if (!recheck) throw new Error('--recheck needs a Stryker JSON report (e.g. reports/mutation.json)');
  } else rest.push(args[i]);
}
const firstFlag = rest.findIndex((a) => a.startsWith('-'));
const targets = firstFlag === -1 ? rest : rest.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : rest.slice(firstFlag);

let globs = targets.map((t) => {
  const clean = t.replace(/\/+$/, '');
  const isDir = fs.existsSync(clean) && fs.statSync(clean).isDirectory();
  return isDir ? `${clean}/**/*.ts` : clean;
});

if (recheck) {
  globs = survivorRanges(mergeReports([recheck]), root, targets);
  if (globs.length === 0) {
    console.log(`mutate --recheck: no survivors in ${recheck}${targets.length ? ` under ${targets.join(', ')}` : ''}`);
    process.exit(0);
  }
  console.log(`mutate --recheck: ${globs.length} survivor location(s) from ${recheck}`);
}

const bin = path.join(path.dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
const strykerArgs = ['run', 'stryker.config.json', ...(globs.length ? ['--mutate', globs.join(',')] : []), ...flags];
const result = spawnSync(process.execPath, [bin, ...strykerArgs], { stdio: 'inherit', cwd: root, env });
process.exit(result.status === null ? 1 : result.status);
