// cdk8s-ml report and diff (issue 18) on an app of 10 MlNamespaces, 1,000 DistributedTrainingJobs
// (100 per namespace, queued, 2 nodes of 8 GPUs, one dataset each) and 100 ModelServings (10 per
// namespace, autoscaled 1-2 replicas), synthesized to YAML folders as `cdk8s synth` writes them.
// The "new" render changes every job's config (1,000 new training runs, each pruning its old Job
// and ConfigMap) and every server's image (100 rollouts): the largest diff of that app.
// Timed: what the CLI does — read and parse the folder(s), build the model, print Markdown.
// Goal: report ≤ 2 s, diff ≤ 2 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Chart } = require('cdk8s');
const core = require('../lib/src/core');
const data = require('../lib/src/data');
const training = require('../lib/src/training');
const serving = require('../lib/src/serving');
const platform = require('../lib/src/platform');
const { readRendered, reportMarkdown, diffApps, diffMarkdown } = require('../lib/src/report');

const NAMESPACES = 10;
const JOBS_PER_NAMESPACE = 100;
const SERVINGS_PER_NAMESPACE = 10;

function render(outdir, { lr, image }) {
  const app = new App({ outdir });
  const gpu = core.Accelerator.nvidiaGpu({ count: 8, product: 'NVIDIA-H100-80GB-HBM3' });
  for (let n = 0; n < NAMESPACES; n++) {
    const name = `team-${n}`;
    const ns = new platform.MlNamespace(new Chart(app, `platform-${n}`), name, {
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
        config: { lr, run: i },
        queue: training.Queue.kueue(ns),
      });
    }
    const servingChart = new Chart(app, `serving-${n}`, { namespace: name });
    for (let i = 0; i < SERVINGS_PER_NAMESPACE; i++) {
      new serving.ModelServing(servingChart, `m${i}`, {
        runtime: serving.ServingRuntime.vllm({ image, model: '/models/m', servedModelName: `m${i}` }),
        accelerator: core.Accelerator.nvidiaGpu({ count: 1 }),
        resources: { cpu: '8', memory: '32Gi' },
        autoscaling: serving.Autoscaling.cpu({ min: 1, max: 2, targetUtilization: 70 }),
      });
    }
  }
  app.synth();
}

module.exports = {
  name: `report and diff: ${NAMESPACES} namespaces, ${NAMESPACES * JOBS_PER_NAMESPACE} training jobs, ${NAMESPACES * SERVINGS_PER_NAMESPACE} servings`,
  async run(h) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-bench-report-'));
    try {
      const before = path.join(root, 'old');
      const after = path.join(root, 'new');
      render(before, { lr: 3e-4, image: 'vllm/vllm-openai:v0.6.3' });
      render(after, { lr: 1e-4, image: 'vllm/vllm-openai:v0.6.4' });
      const app = readRendered(before);
      const bytes = fs.readdirSync(before).reduce((s, f) => s + fs.statSync(path.join(before, f)).size, 0);
      const result = diffApps(app, readRendered(after));
      const count = (k) => result.changes.filter((c) => c.kind === k).length;
      if (count('new-run') !== NAMESPACES * JOBS_PER_NAMESPACE || count('rollout') !== NAMESPACES * SERVINGS_PER_NAMESPACE) {
        throw new Error(`bench diff is not the expected one: ${count('new-run')} new runs, ${count('rollout')} rollouts`);
      }
      const report = reportMarkdown(app);
      const rows = [];
      rows.push(await h.measure('report: read + parse the folder + Markdown', () => reportMarkdown(readRendered(before)), { warmup: 1, runs: 5 }));
      rows[0].note = `${app.objects.length} objects, ${(bytes / 2 ** 20).toFixed(1)} MiB of YAML, ${(report.length / 1024).toFixed(0)} KiB of Markdown; goal ≤ 2 s`;
      rows.push(await h.measure('report: Markdown alone (folder already parsed)', () => reportMarkdown(app), { warmup: 1, runs: 5 }));
      rows.push(await h.measure('diff: read + parse both folders + Markdown', () => diffMarkdown(diffApps(readRendered(before), readRendered(after))), { warmup: 1, runs: 5 }));
      rows[2].note = `${result.changes.length} changes (${count('new-run')} new-run, ${count('rollout')} rollout, ${count('prune')} prune); goal ≤ 2 s`;
      rows.push(await h.measure('read + parse one folder (readRendered)', () => readRendered(before), { warmup: 1, runs: 5 }));
      return rows;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
};
