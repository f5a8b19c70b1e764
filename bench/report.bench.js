// cdk8s-ml report and diff (issue 18) on the platform app of bench/platform-app.js (10
// MlNamespaces, 1,000 DistributedTrainingJobs, 100 ModelServings), synthesized to YAML folders
// as `cdk8s synth` writes them.
// The "new" render changes every job's config (1,000 new training runs, each pruning its old Job
// and ConfigMap) and every server's image (100 rollouts): the largest diff of that app.
// Timed: what the CLI does — read and parse the folder(s), build the model, print Markdown.
// Goal: report ≤ 2 s, diff ≤ 2 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App } = require('cdk8s');
const { addPlatformApp, NAMESPACES, JOBS_PER_NAMESPACE, SERVINGS_PER_NAMESPACE } = require('./platform-app');
const { readRendered, reportMarkdown, diffApps, diffMarkdown } = require('../lib/src/report');

function render(outdir, knobs) {
  addPlatformApp(new App({ outdir }), knobs).synth();
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
      rows.push(await h.measure('diff: read + parse both folders + Markdown', () => {
        const cache = new Map(); // as the CLI does: a document in both folders parses once
        return diffMarkdown(diffApps(readRendered(before, cache), readRendered(after, cache)));
      }, { warmup: 1, runs: 5 }));
      rows[2].note = `${result.changes.length} changes (${count('new-run')} new-run, ${count('rollout')} rollout, ${count('prune')} prune); goal ≤ 2 s`;
      rows.push(await h.measure('read + parse one folder (readRendered)', () => readRendered(before), { warmup: 1, runs: 5 }));
      return rows;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
};
