#!/usr/bin/env node
// `npm run mutate [-- <file|dir|glob>... [--stryker-flag value]...]`: Stryker with
// stryker.config.json (incremental, reports in reports/). Positional arguments become Stryker's
// `--mutate` list (a directory means every .ts file under it; `file.ts:10-20` mutates lines 10-20);
// arguments from the first `--flag` on go to Stryker unchanged (`--concurrency 1`, `--force`).
// Without positional arguments the config's `mutate` list applies: all of src/ but the example app.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const targets = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);

const globs = targets.map((t) => {
  const clean = t.replace(/\/+$/, '');
  const isDir = fs.existsSync(clean) && fs.statSync(clean).isDirectory();
  return isDir ? `${clean}/**/*.ts` : clean;
});

const bin = path.join(path.dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
const strykerArgs = ['run', 'stryker.config.json', ...(globs.length ? ['--mutate', globs.join(',')] : []), ...flags];
const result = spawnSync(process.execPath, [bin, ...strykerArgs], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
process.exit(result.status === null ? 1 : result.status);
