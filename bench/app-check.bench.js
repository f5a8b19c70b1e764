// The whole-app check at synth (issue 13): an app of 10 MlNamespaces (Kueue queue, quota,
// default deny), 1,000 DistributedTrainingJobs (100 per namespace, queued, 2 nodes of 8 GPUs,
// one dataset each) and 100 ModelServings (10 per namespace, autoscaled 1-2 replicas).
// Series: the app's full synth (build the constructs + synthYaml) with the check on and with
// AppCheck.disable(app), paired and alternating; synthYaml alone; checkApp alone on the
// rendered objects. Goal: the check adds ≤ 15 % to synth time.
'use strict';
const { App } = require('cdk8s');
const core = require('../lib/src/core');
const { checkApp } = require('../lib/src/validation/app');
const { addPlatformApp, NAMESPACES, JOBS_PER_NAMESPACE, SERVINGS_PER_NAMESPACE } = require('./platform-app');

function build({ check }) {
  const app = new App();
  if (!check) core.AppCheck.disable(app);
  return addPlatformApp(app);
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
