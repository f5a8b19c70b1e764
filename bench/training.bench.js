// DistributedTrainingJob benchmark: synth N jobs (4 nodes, GPUs, one dataset, config) to YAML
// vs N raw cdk8s-plus-28 Job+Service pairs, in the same run. The dataset is a real DatasetInit
// per job (its fetch init container, env and volumes in each pod); a second series swaps it
// for a minimal stand-in contributor (one init container, one volume) to show the cost of
// DistributedTrainingJob alone.
'use strict';
const { App, Chart, Yaml } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const { k8s } = kplus;
const { Construct } = require('constructs');
const core = require('../lib/src/core');
const data = require('../lib/src/data');
const training = require('../lib/src/training');

class FakeDataset extends Construct {
  contributeTo() {
    const n = this.node.id;
    return {
      initContainers: [{
        name: `fetch-${n}`,
        image: 'ghcr.io/acme/fetch:1.0.0',
        command: ['sh', '/opt/fetch.sh'],
        resources: { limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') } },
        volumeMounts: [{ name: `data-${n}`, mountPath: `/data/${n}` }],
      }],
      volumes: [{ name: `data-${n}`, emptyDir: {} }],
      volumeMounts: [{ name: `data-${n}`, mountPath: `/data/${n}`, readOnly: true }],
      env: [{ name: 'DATASET_DIR', value: `/data/${n}` }],
      permanentExitCodes: [20, 21, 22, 23, 24, 25],
      containerNames: [`fetch-${n}`],
    };
  }
}

/** The app, before synthesis (for the YAML-only series). */
function oursApp(n, stub = false) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  const accelerator = core.Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' });
  for (let i = 0; i < n; i++) {
    const ds = stub
      ? new FakeDataset(chart, `ds${i}`)
      : new data.DatasetInit(chart, `ds${i}`, {
        source: data.DataSource.http(`https://data.example.com/shard-${i}.tar.gz`, { sha256: 'a'.repeat(64), extract: data.Extract.TAR_GZ }),
      });
    new training.DistributedTrainingJob(chart, `train${i}`, {
      image: 'ghcr.io/acme/trainer:1.4.2',
      command: ['python', '-m', 'train'],
      nodes: 4,
      accelerator,
      resources: { cpu: '32', memory: '512Gi' },
      datasets: [ds],
      config: { lr: 3e-4, epochs: 3, run: i },
    });
  }
  return app;
}

function ours(n, stub = false) {
  return oursApp(n, stub).synthYaml();
}

/** The documents `app.synthYaml()` serializes, so YAML serialization can be timed alone. */
function docsOf(app) {
  return app.charts.flatMap((c) => c.toJson());
}

function rawApp(n) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  for (let i = 0; i < n; i++) {
    const job = new kplus.Job(chart, `job${i}`, {
      containers: [{ image: 'ghcr.io/acme/trainer:1.4.2', command: ['python', '-m', 'train'], portNumber: 29500 }],
    });
    new kplus.Service(chart, `svc${i}`, { selector: job, ports: [{ port: 29500 }], clusterIP: 'None' });
  }
  return app;
}

function raw(n) {
  return rawApp(n).synthYaml();
}

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
    for (const n of [100, 1000]) {
      const runs = n === 100 ? 9 : 5;
      const b = await h.measure(`cdk8s-plus-28: ${n} Job+Service`, () => raw(n), { warmup: 2, runs });
      rows.push(b);
      const rawObjects = shape(raw(n)).objects;
      for (const s of series) {
        // Objects counted at this N: the DatasetInit fetch-script ConfigMap is one per chart.
        s.perObject = shape(ours(n, s.stub)).objects / rawObjects;
        const a = await h.measure(`${s.label}: ${n}`, () => ours(n, s.stub), { warmup: 2, runs });
        const r = h.ratio(`ratio per job at N=${n}`, a, b);
        rows.push(a, r);
        rows.push({ label: `ratio per API object at N=${n}`, median: r.median / s.perObject, min: NaN, max: NaN, runs: '', note: 'goal <= 2' });
        rows.push({ label: `ratio per YAML byte at N=${n}`, median: r.median / s.perByte, min: NaN, max: NaN, runs: '', note: '' });
        if (n === 1000 && !s.stub) rows.push({ label: 'goal: 1000 DistributedTrainingJobs', median: a.median, min: a.min, max: a.max, runs: a.runs, note: 'goal <= 3000 ms' });
      }
    }
    // The floor: cdk8s' YAML serialization (Yaml.stringify of the synthesized documents) alone.
    const rawFull = rows.filter((r) => r.label === 'cdk8s-plus-28: 1000 Job+Service')[0];
    const rawDocs = docsOf(rawApp(1000));
    const yr = await h.measure('YAML serialization only: cdk8s-plus-28 1000 Job+Service', () => Yaml.stringify(...rawDocs), { warmup: 2, runs: 5 });
    rows.push(yr);
    for (const s of series) {
      const docs = docsOf(oursApp(1000, s.stub));
      const y = await h.measure(`YAML serialization only: ${s.label} 1000`, () => Yaml.stringify(...docs), { warmup: 2, runs: 5 });
      rows.push(y, { label: 'ratio per API object, YAML serialization alone', median: (y.median / docs.length) / (yr.median / rawDocs.length), min: NaN, max: NaN, runs: '', note: '' });
      rows.push({ label: 'ratio per API object, our YAML serialization alone vs the whole raw synth', median: (y.median / docs.length) / (rawFull.median / rawDocs.length), min: NaN, max: NaN, runs: '', note: 'floor of the per-object ratio' });
    }
    return rows;
  },
};
