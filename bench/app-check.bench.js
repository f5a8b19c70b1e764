// The whole-app check at synth (issue 13): an app of 10 MlNamespaces (Kueue queue, quota,
// default deny), 1,000 DistributedTrainingJobs (100 per namespace, queued, 2 nodes of 8 GPUs,
// one dataset each) and 100 ModelServings (10 per namespace, autoscaled 1-2 replicas).
// Series: the app's full synth (build the constructs + synthYaml) with the check on and with
// AppCheck.disable(app), paired and alternating; synthYaml alone; checkApp alone on the
// rendered objects. Goal: the check adds ≤ 15 % to synth time.
'use strict';
const { App, Chart } = require('cdk8s');
const core = require('../lib/src/core');
const data = require('../lib/src/data');
const training = require('../lib/src/training');
const serving = require('../lib/src/serving');
const platform = require('../lib/src/platform');
const { checkApp } = require('../lib/src/validation/app');

const NAMESPACES = 10;
const JOBS_PER_NAMESPACE = 100;
const SERVINGS_PER_NAMESPACE = 10;

function build({ check }) {
  const app = new App();
  if (!check) core.AppCheck.disable(app);
  const gpu = core.Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' });
  for (let n = 0; n < NAMESPACES; n++) {
    const name = `team-${n}`;
    const platformChart = new Chart(app, `platform-${n}`);
    const ns = new platform.MlNamespace(platformChart, name, {
      name,
      gpuQuota: 64 + 40,
      cpuQuota: '2048',
      memoryQuota: '16Ti',
      queue: { flavors: [{ name: 'h100', cpu: '1024', memory: '8Ti', gpu: 64 }] },
    });
    const chart = new Chart(app, `training-${n}`, { namespace: name });
    for (let i = 0; i < JOBS_PER_NAMESPACE; i++) {
      const ds = new data.DatasetInit(chart, `ds${i}`, {
        source: data.DataSource.http(`https://data.example.com/shard-${i}.tar.gz`, { sha256: 'a'.repeat(64), extract: data.Extract.TAR_GZ }),
      });
      new training.DistributedTrainingJob(chart, `train${i}`, {
        image: 'ghcr.io/acme/trainer:1.4.2',
        command: ['python', '-m', 'train'],
        nodes: 2,
        accelerator: gpu,
        resources: { cpu: '32', memory: '512Gi' },
        datasets: [ds],
        config: { lr: 3e-4, run: i },
        queue: training.Queue.kueue(ns.localQueueName),
      });
    }
    const servingChart = new Chart(app, `serving-${n}`, { namespace: name });
    for (let i = 0; i < SERVINGS_PER_NAMESPACE; i++) {
      new serving.ModelServing(servingChart, `m${i}`, {
        runtime: serving.ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/m', servedModelName: `m${i}` }),
        accelerator: core.Accelerator.nvidiaGpu({ count: 1 }),
        resources: { cpu: '8', memory: '32Gi' },
        autoscaling: serving.Autoscaling.cpu({ min: 1, max: 2, targetUtilization: 70 }),
      });
    }
  }
  return app;
}

module.exports = {
  name: `whole-app check at synth: ${NAMESPACES} namespaces, ${NAMESPACES * JOBS_PER_NAMESPACE} training jobs, ${NAMESPACES * SERVINGS_PER_NAMESPACE} servings`,
  async run(h) {
    const probe = build({ check: true });
    probe.synthYaml(); // throws if the bench app is not whole
    const objects = probe.charts.flatMap((c) => c.toJson());
    const found = checkApp(objects);
    if (found.findings.length > 0) throw new Error(`bench app is not whole: ${JSON.stringify(found.findings.slice(0, 3))}`);
    const rows = [];
    const full = await h.paired('synth, app check off (build + synthYaml)', () => build({ check: false }).synthYaml(),
      'synth, app check on (build + synthYaml)', () => build({ check: true }).synthYaml(), { warmup: 1, runs: 5 });
    rows.push(full.a, full.b, { ...full.ratio, note: `${objects.length} objects; goal ≤ 1.15` });
    const off = build({ check: false });
    const on = build({ check: true });
    const yamlOnly = await h.paired('synthYaml only, app check off', () => off.synthYaml(), 'synthYaml only, app check on', () => on.synthYaml(), { warmup: 1, runs: 5 });
    rows.push(yamlOnly.a, yamlOnly.b, yamlOnly.ratio);
    rows.push(await h.measure(`checkApp alone on the ${objects.length} rendered objects`, () => checkApp(objects), { warmup: 1, runs: 5 }));
    // What the check adds to a synth: render every ApiObject once more, then checkApp.
    rows.push(await h.measure('AppCheck.run(app): extra render + checkApp', () => core.AppCheck.run(on), { warmup: 1, runs: 5 }));
    return rows;
  },
};
