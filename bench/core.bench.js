// Foundation benchmark: render N workloads built with the core helpers (restricted pod spec,
// GPU, labels, content-hashed Job name + Service) vs N raw cdk8s-plus-28 Job+Service pairs.
'use strict';
const { App, Chart } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const { k8s } = kplus;
const core = require('../lib/src/core');

function coreApp(n) {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < n; i++) {
    const labels = core.standardLabels({ name: `w${i}`, component: 'training' });
    const spec = core.buildMlPodSpec(chart, {
      restartPolicy: 'Never',
      containers: [{
        name: 'main',
        image: 'ghcr.io/acme/trainer:1.0.0',
        command: ['python', 'train.py'],
        resources: { cpu: '4', memory: '16Gi' },
        accelerator: core.Accelerator.nvidiaGpu({ count: 1 }),
      }],
    });
    const template = { metadata: { labels }, spec };
    new k8s.KubeJob(chart, `job${i}`, { metadata: { name: `w${i}-${core.shortHash(template)}`, labels }, spec: { template } });
    new k8s.KubeService(chart, `svc${i}`, {
      metadata: { name: `w${i}`, labels },
      spec: { clusterIp: 'None', selector: core.selectorLabels({ name: `w${i}` }), ports: [{ name: 'rdzv', port: 29500 }] },
    });
  }
  return app.synthYaml();
}

function plusApp(n) {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < n; i++) {
    const job = new kplus.Job(chart, `job${i}`, {
      containers: [{ image: 'ghcr.io/acme/trainer:1.0.0', command: ['python', 'train.py'], portNumber: 29500 }],
    });
    new kplus.Service(chart, `svc${i}`, { selector: job, ports: [{ port: 29500 }] });
  }
  return app.synthYaml();
}

module.exports = {
  name: 'core helpers vs raw cdk8s-plus-28 (render N workloads to YAML)',
  async run(h) {
    const rows = [];
    for (const n of [100, 1000]) {
      const runs = n === 100 ? 9 : 5;
      const ours = await h.measure(`core helpers: ${n} Job+Service`, () => coreApp(n), { warmup: 2, runs });
      const raw = await h.measure(`cdk8s-plus-28: ${n} Job+Service`, () => plusApp(n), { warmup: 2, runs });
      rows.push(ours, raw, h.ratio(`ratio core/cdk8s-plus at N=${n}`, ours, raw));
    }
    return rows;
  },
};
