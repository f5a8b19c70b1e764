// ModelServing benchmark: synth N ModelServings (vLLM, GPU, HPA; renders Deployment, Service,
// HPA, PDB, NetworkPolicy) vs N raw cdk8s-plus-28 Deployment+Service pairs, in the same run.
// Goal: at most 2x per rendered object.
'use strict';
const { App, Chart, Duration } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const core = require('../lib/src/core');
const serving = require('../lib/src/serving');

function servingApp(n) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  // The namespace comes from the platform: declared external for the whole-app check, which
  // runs at synth as in every user app.
  core.External.namespace(chart, 'team-a');
  const runtime = serving.ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/llama', args: ['--max-model-len', '8192'] });
  for (let i = 0; i < n; i++) {
    new serving.ModelServing(chart, `s${i}`, {
      runtime,
      model: serving.ModelSource.pvc(core.External.claim('model-cache')),
      accelerator: core.Accelerator.nvidiaGpu({ count: 1 }),
      resources: { cpu: '8', memory: '64Gi' },
      autoscaling: serving.Autoscaling.cpu({ min: 2, max: 10, targetUtilization: 70 }),
      maxModelLoadTime: Duration.minutes(15),
    });
  }
  return app.synthYaml();
}

function plusApp(n) {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'team-a' });
  for (let i = 0; i < n; i++) {
    const d = new kplus.Deployment(chart, `d${i}`, {
      replicas: 2,
      containers: [{ image: 'vllm/vllm-openai:v0.6.3', args: ['--model', '/models/llama'], portNumber: 8000 }],
    });
    new kplus.Service(chart, `svc${i}`, { selector: d, ports: [{ port: 8000 }] });
  }
  return app.synthYaml();
}

const count = (yaml) => (yaml.match(/^kind: /gm) || []).length;

module.exports = {
  name: 'ModelServing vs raw cdk8s-plus-28 Deployment+Service (render N to YAML)',
  async run(h) {
    const rows = [];
    for (const n of [100, 1000]) {
      const runs = n === 100 ? 9 : 5;
      const ours = await h.measure(`ModelServing: ${n} (x${count(servingApp(1))} objects each)`, () => servingApp(n), { warmup: 2, runs });
      const raw = await h.measure(`cdk8s-plus-28: ${n} Deployment+Service`, () => plusApp(n), { warmup: 2, runs });
      const perObject = (ours.median / count(servingApp(1))) / (raw.median / count(plusApp(1)));
      rows.push(ours, raw, h.ratio(`ratio per workload at N=${n}`, ours, raw));
      rows.push({ label: `ratio per rendered object at N=${n}`, median: perObject, min: NaN, max: NaN, runs: '', note: 'goal <= 2' });
    }
    return rows;
  },
};
