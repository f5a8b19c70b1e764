// The platform app the whole-app check and the report/diff benchmarks synthesize: 10
// MlNamespaces (Kueue queue, quota, default deny), 1,000 DistributedTrainingJobs (100 per
// namespace, queued, 2 nodes of 8 GPUs, one dataset each) and 100 ModelServings (10 per
// namespace, autoscaled 1-2 replicas).
'use strict';
const { Chart, Size } = require('cdk8s');
const core = require('../lib/src/core');
const data = require('../lib/src/data');
const training = require('../lib/src/training');
const serving = require('../lib/src/serving');
const platform = require('../lib/src/platform');

const NAMESPACES = 10;
const JOBS_PER_NAMESPACE = 100;
const SERVINGS_PER_NAMESPACE = 10;

/** Adds the platform app's charts to `app`; `lr` goes into every job's config, `image` is the servers' image. */
function addPlatformApp(app, { lr = 3e-4, image = 'vllm/vllm-openai:v0.6.3' } = {}) {
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
        source: data.DataSource.http(`https://data.example.com/shard-${i}.tar.gz`, { sha256: 'a'.repeat(64), extract: data.Extract.TAR_GZ, expectedSize: Size.gibibytes(20) }),
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
        model: serving.ModelSource.inImage('/models'),
        accelerator: core.Accelerator.nvidiaGpu({ count: 1 }),
        resources: { cpu: '8', memory: '32Gi' },
        autoscaling: serving.Autoscaling.cpu({ min: 1, max: 2, targetUtilization: 70 }),
      });
    }
  }
  return app;
}

module.exports = { addPlatformApp, NAMESPACES, JOBS_PER_NAMESPACE, SERVINGS_PER_NAMESPACE };
