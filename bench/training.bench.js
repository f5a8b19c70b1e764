// DistributedTrainingJob benchmark: synth N jobs (4 nodes, GPUs, one dataset-like contributor,
// config) to YAML vs N raw cdk8s-plus-28 Job+Service pairs, in the same run.
'use strict';
const { App, Chart } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const { k8s } = kplus;
const { Construct } = require('constructs');
const core = require('../lib/src/core');
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

function ours(n) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  const accelerator = core.Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' });
  for (let i = 0; i < n; i++) {
    const ds = new FakeDataset(chart, `ds${i}`);
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
  return app.synthYaml();
}

function raw(n) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  for (let i = 0; i < n; i++) {
    const job = new kplus.Job(chart, `job${i}`, {
      containers: [{ image: 'ghcr.io/acme/trainer:1.4.2', command: ['python', '-m', 'train'], portNumber: 29500 }],
    });
    new kplus.Service(chart, `svc${i}`, { selector: job, ports: [{ port: 29500 }], clusterIP: 'None' });
  }
  return app.synthYaml();
}

function shape(yaml) {
  return { objects: (yaml.match(/^kind:/gm) || []).length, bytes: yaml.length };
}

module.exports = {
  name: 'DistributedTrainingJob vs raw cdk8s-plus-28 Job+Service (synth N to YAML)',
  async run(h) {
    const rows = [];
    const so = shape(ours(10));
    const sr = shape(raw(10));
    const perObject = (so.objects / sr.objects);
    const perByte = (so.bytes / sr.bytes);
    rows.push({ label: `output per job: ours ${so.objects / 10} objects ${Math.round(so.bytes / 10)} B`, median: NaN, min: NaN, max: NaN, runs: '', note: `raw pair: ${sr.objects / 10} objects ${Math.round(sr.bytes / 10)} B` });
    for (const n of [100, 1000]) {
      const runs = n === 100 ? 9 : 5;
      const a = await h.measure(`DistributedTrainingJob: ${n} (4 nodes, dataset, config)`, () => ours(n), { warmup: 2, runs });
      const b = await h.measure(`cdk8s-plus-28: ${n} Job+Service`, () => raw(n), { warmup: 2, runs });
      const r = h.ratio(`ratio ours/cdk8s-plus per job at N=${n}`, a, b);
      rows.push(a, b, r);
      rows.push({ label: `ratio per API object at N=${n}`, median: r.median / perObject, min: NaN, max: NaN, runs: '', note: 'goal <= 2' });
      rows.push({ label: `ratio per YAML byte at N=${n}`, median: r.median / perByte, min: NaN, max: NaN, runs: '', note: '' });
      if (n === 1000) rows.push({ label: 'goal: 1000 DistributedTrainingJobs', median: a.median, min: a.min, max: a.max, runs: a.runs, note: 'goal <= 3000 ms' });
    }
    return rows;
  },
};
