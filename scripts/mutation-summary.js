#!/usr/bin/env node
// Per-folder and per-file figures of Stryker JSON reports (default reports/mutation.json; several
// reports are merged), as a markdown table:
//   node scripts/mutation-summary.js [report.json | event-recorder dir ...] [--files] [--survivors]
// An event-recorder folder (reporter "event-recorder") gives the figures of the mutants tested so far.
// Score = (killed + timeout) / (killed + timeout + survived + no coverage); compile errors and
// ignored (e.g. static with --ignoreStatic) mutants are counted apart, as Stryker does.
// "of them no test ran": survivors for which not one test completed (e.g. a module-level constant
// whose coverage Stryker attributed to a skipped test); they count as survivors in the score, but
// prove nothing either way: recheck them (--recheck) or apply them by hand.
'use strict';
const path = require('path');
const { mergeReports } = require('./mutation-report');

const args = process.argv.slice(2);
const showFiles = args.includes('--files');
const showSurvivors = args.includes('--survivors');
const reports = args.filter((a) => !a.startsWith('--'));
const files = mergeReports(reports.length ? reports : ['reports/mutation.json']);

const empty = () => ({ mutants: 0, Killed: 0, Survived: 0, noTestRan: 0, NoCoverage: 0, Timeout: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 });
const rows = new Map();
const add = (key, m) => {
  const row = rows.get(key) ?? empty();
  row.mutants++;
  row[m.status] = (row[m.status] ?? 0) + 1;
  if (m.status === 'Survived' && m.testsCompleted === 0) row.noTestRan++;
  rows.set(key, row);
};
const survivors = [];
for (const [file, byKey] of files) {
  for (const m of byKey.values()) {
    add(path.dirname(file) + '/', m);
    if (showFiles) add(file, m);
    if (showSurvivors && (m.status === 'Survived' || m.status === 'NoCoverage')) {
      const none = m.status === 'Survived' && m.testsCompleted === 0 ? ' (no test ran)' : '';
      survivors.push(`${file}:${m.location.start.line} ${m.mutatorName} ${m.status}${none} ${JSON.stringify(m.replacement ?? '')}`);
    }
  }
}
const pct = (r) => {
  const detected = r.Killed + r.Timeout;
  const valid = detected + r.Survived + r.NoCoverage;
  return valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`;
};
console.log('| folder / file | mutants | killed | survived | of them no test ran | no coverage | timeout | compile error | ignored | score |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const key of [...rows.keys()].sort()) {
  const r = rows.get(key);
  console.log(`| \`${key}\` | ${r.mutants} | ${r.Killed} | ${r.Survived} | ${r.noTestRan} | ${r.NoCoverage} | ${r.Timeout} | ${r.CompileError + r.RuntimeError} | ${r.Ignored} | ${pct(r)} |`);
}
if (showSurvivors) console.log(`\n${survivors.join('\n')}`);
