// The apps the DistributedTrainingJob benchmark synthesizes (shared by training.bench.js and
// the fresh-process runner synth-once.js): N DistributedTrainingJobs (4 nodes, GPUs, one
// dataset, config) and N raw cdk8s-plus-28 Job+Service pairs.
'use strict';
const { App, Chart, Size } = require('cdk8s');
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
      volumes: [{ name: `data-${n}`, emptyDir: { sizeLimit: k8s.Quantity.fromString('20Gi') } }],
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
        source: data.DataSource.http(`https://data.example.com/shard-${i}.tar.gz`, { sha256: 'a'.repeat(64), extract: data.Extract.TAR_GZ, expectedSize: Size.gibibytes(20) }),
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

module.exports = { oursApp, ours, docsOf, rawApp, raw };
