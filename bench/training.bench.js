// DistributedTrainingJob benchmark: synth N jobs (4 nodes, GPUs, one dataset, config) to YAML
// vs N raw cdk8s-plus-28 Job+Service pairs, in the same run. The dataset is a real DatasetInit
// per job (its fetch init container, env and volumes in each pod); a second series swaps it
// for a minimal stand-in contributor (one init container, one volume) to show the cost of
// DistributedTrainingJob alone. Raw and ours always run alternately and every ratio is the
// median of the per-pair ratios, so a change in machine speed during the run hits both alike.
// Three ways of running (the goal is judged on the first; README reports all three):
//   fresh   one new node process per synth, as `cdk8s synth` runs an app (bench/synth-once.js)
//   gc      in this process, a full GC before each synth
//   warm    in this process, no forced GC (the heap as the previous synth left it)
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { Yaml } = require('cdk8s');
const { oursApp, ours, docsOf, rawApp, raw } = require('./training-apps');

function shape(yaml) {
  return { objects: (yaml.match(/^kind:/gm) || []).length, bytes: yaml.length };
}

module.exports = {
  name: 'DistributedTrainingJob vs raw cdk8s-plus-28 Job+Service (synth N to YAML)',
  async run(h) {
    const rows = [];
    const sr = shape(raw(10));
    const series = [
      { label: 'DistributedTrainingJob + DatasetInit', stub: false },
      { label: 'DistributedTrainingJob + stand-in contributor', stub: true },
    ];
    for (const s of series) {
      // Per job: the difference between 20 and 10 jobs (the fetch-script ConfigMap is per chart).
      const a = shape(ours(10, s.stub));
      const b = shape(ours(20, s.stub));
      s.perByte = (b.bytes - a.bytes) / 10 / (sr.bytes / 10);
      rows.push({ label: `${s.label}: output per job ${(b.objects - a.objects) / 10} objects ${Math.round((b.bytes - a.bytes) / 10)} B`, median: NaN, min: NaN, max: NaN, runs: '', note: `raw pair: ${sr.objects / 10} objects ${Math.round(sr.bytes / 10)} B` });
    }
    const ratioRows = (tag, n, s, p) => [
      p.a,
      p.b,
      { label: `[${tag}] ratio per job at N=${n}`, median: p.ratio.median, min: p.ratio.min, max: p.ratio.max, runs: p.ratio.runs, note: 'median of paired runs' },
      { label: `[${tag}] ratio per API object at N=${n}`, median: p.ratio.median / s.perObject, min: p.ratio.min / s.perObject, max: p.ratio.max / s.perObject, runs: p.ratio.runs, note: 'goal <= 2' },
      { label: `[${tag}] ratio per YAML byte at N=${n}`, median: p.ratio.median / s.perByte, min: NaN, max: NaN, runs: '', note: '' },
    ];
    const rawObjects = (n) => shape(raw(n)).objects;

    // fresh: one node process per synth, alternating raw and ours.
    const once = (kind, n) => JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'synth-once.js'), kind, String(n)], { encoding: 'utf8' })).ms;
    for (const s of series) {
      const n = 1000;
      s.perObject = shape(ours(n, s.stub)).objects / rawObjects(n);
      // Alternating child processes; their own timings (start-up and module loading excluded).
      const rawMs = [];
      const oursMs = [];
      for (let i = 0; i < 7; i++) {
        rawMs.push(once('raw', n));
        oursMs.push(once(s.stub ? 'stub' : 'ours', n));
      }
      const fresh = {
        a: h.summarize(`[fresh] cdk8s-plus-28: ${n} Job+Service`, rawMs),
        b: h.summarize(`[fresh] ${s.label}: ${n}`, oursMs),
        ratio: h.summarize('ratio', oursMs.map((t, k) => t / rawMs[k])),
      };
      rows.push(...ratioRows('fresh', n, s, fresh));
      if (!s.stub) rows.push({ label: '[fresh] goal: 1000 DistributedTrainingJobs', median: fresh.b.median, min: fresh.b.min, max: fresh.b.max, runs: fresh.b.runs, note: 'goal <= 3000 ms' });
    }

    // gc: in this process, a full GC before each synth.
    for (const n of [100, 1000]) {
      const runs = n === 100 ? 9 : 7;
      for (const s of series) {
        // Objects counted at this N: the DatasetInit fetch-script ConfigMap is one per chart.
        s.perObject = shape(ours(n, s.stub)).objects / rawObjects(n);
        const p = await h.paired(`[gc] cdk8s-plus-28: ${n} Job+Service`, () => raw(n), `[gc] ${s.label}: ${n}`, () => ours(n, s.stub), { warmup: 2, runs });
        s.raw = s.raw ?? {};
        s.raw[n] = p.a;
        rows.push(...ratioRows('gc', n, s, p));
        if (n === 1000 && !s.stub) rows.push({ label: '[gc] goal: 1000 DistributedTrainingJobs', median: p.b.median, min: p.b.min, max: p.b.max, runs: p.b.runs, note: 'goal <= 3000 ms' });
      }
    }

    // warm: in this process, no forced GC.
    {
      const n = 1000;
      const s = series[0];
      s.perObject = shape(ours(n)).objects / rawObjects(n);
      const p = await h.paired(`[warm] cdk8s-plus-28: ${n} Job+Service`, () => raw(n), `[warm] ${s.label}: ${n}`, () => ours(n), { warmup: 2, runs: 7, gc: false });
      rows.push(...ratioRows('warm', n, s, p));
    }

    // The floor: cdk8s' YAML serialization (Yaml.stringify of the synthesized documents) alone.
    const rawDocs = docsOf(rawApp(1000));
    const yr = await h.measure('YAML serialization only: cdk8s-plus-28 1000 Job+Service', () => Yaml.stringify(...rawDocs), { warmup: 2, runs: 5 });
    rows.push(yr);
    for (const s of series) {
      const docs = docsOf(oursApp(1000, s.stub));
      const y = await h.measure(`YAML serialization only: ${s.label} 1000`, () => Yaml.stringify(...docs), { warmup: 2, runs: 5 });
      rows.push(y, { label: 'ratio per API object, YAML serialization alone', median: (y.median / docs.length) / (yr.median / rawDocs.length), min: NaN, max: NaN, runs: '', note: '' });
      const rawFull = s.raw[1000]; // [gc], like the YAML-only timings
      rows.push({ label: 'ratio per API object, our YAML serialization alone vs the whole raw synth', median: (y.median / docs.length) / (rawFull.median / rawDocs.length), min: NaN, max: NaN, runs: '', note: 'floor of the per-object ratio' });
    }
    return rows;
  },
};
