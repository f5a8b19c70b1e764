// Benchmark harness: in-process timing after warm-up, reporting median, min and max (ms).
'use strict';
const { performance } = require('perf_hooks');

/**
 * Times `fn` (sync or async): `warmup` untimed calls, then `runs` timed calls.
 * @returns {{ label: string, median: number, min: number, max: number, runs: number }}
 */
async function measure(label, fn, { warmup = 2, runs = 7 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    if (global.gc) global.gc();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { label, median, min: times[0], max: times[times.length - 1], runs };
}

/**
 * Times `a` and `b` alternately (a, b, a, b, …), so drift in machine speed hits both alike. With
 * `gc` (default) a full GC runs before each call when node runs with --expose-gc, as
 * `npm run bench` does; `gc: false` leaves the heap as the previous call left it.
 * @returns rows for `a` and `b` and the median, min and max of the per-pair ratio b / a
 */
async function paired(labelA, a, labelB, b, { warmup = 2, runs = 7, gc = true } = {}) {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta = [];
  const tb = [];
  const ratios = [];
  const time = async (fn) => {
    if (gc && global.gc) global.gc();
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < runs; i++) {
    const x = await time(a);
    const y = await time(b);
    ta.push(x);
    tb.push(y);
    ratios.push(y / x);
  }
  return { a: summarize(labelA, ta), b: summarize(labelB, tb), ratio: summarize(`${labelB} / ${labelA}`, ratios) };
}

/** Median, min and max of timings (or ratios) as a table row. */
function summarize(label, xs) {
  const s = [...xs].sort((p, q) => p - q);
  const mid = Math.floor(s.length / 2);
  return { label, median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1], runs: s.length };
}

/** Formats rows as a fixed-width table; extra string fields (e.g. `note`) are appended. */
function table(rows) {
  const fmt = (n) => (typeof n === 'number' ? (Number.isNaN(n) ? '' : n.toFixed(n < 10 ? 2 : 1)) : String(n));
  const lines = [`${'benchmark'.padEnd(58)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}  runs  note`];
  for (const r of rows) {
    lines.push(`${r.label.padEnd(58)} ${fmt(r.median).padStart(10)} ${fmt(r.min).padStart(10)} ${fmt(r.max).padStart(10)}  ${String(r.runs ?? '').padStart(4)}  ${r.note ?? ''}`);
  }
  return lines.join('\n');
}

/** Ratio row helper: `a / b` of medians with a label. */
function ratio(label, a, b, goal) {
  const value = a.median / b.median;
  return { label, median: value, min: NaN, max: NaN, runs: '', note: goal ? `goal ${goal}` : '' };
}

module.exports = { measure, paired, summarize, table, ratio };
