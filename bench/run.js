#!/usr/bin/env node
// Runs every bench/*.bench.js (or those whose file name contains the first argument).
// Each exports { name, run: async (harness) => rows }. Run through `npm run bench`, which
// compiles first: benchmarks use the compiled library in lib/.
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('./harness');

async function main() {
  const filter = process.argv[2] || '';
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
  if (files.length === 0) throw new Error(`no benchmark matches ${JSON.stringify(filter)}`);
  console.log(`node ${process.version}, ${require('os').cpus().length} CPU(s), ${require('os').cpus()[0].model}`);
  console.log(global.gc ? 'full GC before each timed run (--expose-gc)' : 'WARNING: run with node --expose-gc (npm run bench does): without it, garbage of one run is collected during the next');
  for (const f of files) {
    const bench = require(path.join(__dirname, f));
    console.log(`\n## ${bench.name} (${f})`);
    const rows = await bench.run(h);
    console.log(h.table(rows));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
