// Reading Stryker results for scripts/mutation-summary.js and `npm run mutate -- --recheck`: JSON
// reports (reporter "json") and event-recorder folders (reporter "event-recorder", one file per
// tested mutant, so a run still going or stopped can be read too).
'use strict';
const fs = require('fs');
const path = require('path');

/** A JSON report's files, or those of an event-recorder folder, keyed by path from src/. */
function readFiles(r) {
  if (!fs.statSync(r).isDirectory()) return JSON.parse(fs.readFileSync(r, 'utf8')).files;
  const out = {};
  for (const f of fs.readdirSync(r).filter((n) => n.endsWith('-onMutantTested.json')).sort()) {
    const m = JSON.parse(fs.readFileSync(path.join(r, f), 'utf8'));
    const file = path.relative(process.cwd(), m.fileName).replace(/^.*?(?=src\/)/, '');
    (out[file] ??= { mutants: [] }).mutants.push(m);
  }
  return out;
}

/**
 * The mutants of several reports (e.g. a run over a folder, then a recheck of its survivors), per
 * file: a Map from file to a Map with one mutant per location, mutator and replacement, the last
 * report winning.
 */
function mergeReports(reports) {
  const files = new Map();
  for (const r of reports) {
    for (const [file, { mutants }] of Object.entries(readFiles(r))) {
      const byKey = files.get(file) ?? new Map();
      for (const m of mutants) byKey.set(JSON.stringify([m.location, m.mutatorName, m.replacement]), m);
      files.set(file, byKey);
    }
  }
  return files;
}

/**
 * Stryker `--mutate` ranges (`file:line:column-line:column`, paths relative to `root`) selecting exactly
 * the survivors (Survived, NoCoverage) of merged reports, optionally only under the `scope` paths.
 * Report locations have 1-based lines and columns; Stryker's ranges take 0-based columns.
 */
function survivorRanges(files, root, scope = []) {
  const dirs = scope.map((s) => path.resolve(root, s.replace(/\/+$/, '')));
  const inScope = (file) => dirs.length === 0 || dirs.some((s) => file === s || file.startsWith(`${s}${path.sep}`));
  const ranges = new Set();
  for (const [name, mutants] of files) {
    const abs = path.resolve(root, name);
    if (!inScope(abs)) continue;
    const rel = path.relative(root, abs);
    for (const m of mutants.values()) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const { start, end } = m.location;
      ranges.add(`${rel}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`);
    }
  }
  return [...ranges];
}

module.exports = { readFiles, mergeReports, survivorRanges };
