import { Duration, Size } from 'cdk8s';
import { Accelerator } from '../../src/core';
import { DataSource, DatasetInit, DatasetVolume, Extract, PERMANENT_FETCH_EXIT_CODES } from '../../src/data';
import { expectValidManifests } from '../../src/testing';
import { DistributedTrainingJob, Framework } from '../../src/training';
import { expandIndexedJob, newChart } from './helpers';

const SHA = 'a'.repeat(64);

test('a real DatasetInit attaches its init container and its permanent exit codes fail the job', () => {
  const chart = newChart();
  const imagenet = new DatasetInit(chart, 'imagenet', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }),
    source: DataSource.http('https://data.example.com/imagenet.tar.gz', { sha256: SHA, extract: Extract.TAR_GZ }),
  });
  const job = new DistributedTrainingJob(chart, 'llama-ft', {
    image: 'ghcr.io/acme/trainer:1.4.2',
    command: ['python', '-m', 'train'],
    nodes: 2,
    accelerator: Accelerator.nvidiaGpu({ count: 4 }),
    framework: Framework.pytorch(),
    resources: { cpu: '16', memory: '128Gi' },
    datasets: [imagenet],
    deadline: Duration.hours(12),
  });
  const m = chart.toJson();
  const j = m.find((x) => x.kind === 'Job' && x.metadata.name === job.jobName);
  const init = j.spec.template.spec.initContainers;
  expect(init.length).toBeGreaterThan(0);
  const rules = j.spec.podFailurePolicy.rules.filter((r: any) => r.action === 'FailJob');
  expect(rules.map((r: any) => r.onExitCodes.containerName)).toEqual(init.map((c: any) => c.name));
  for (const r of rules) expect(r.onExitCodes.values).toEqual([...PERMANENT_FETCH_EXIT_CODES].sort((a, b) => a - b));
  const pods = expandIndexedJob(m, job.jobName);
  expect(pods.map((p) => p.env.PET_NODE_RANK)).toEqual(['0', '1']);
  expect(Object.keys(pods[0].env).some((k) => k.startsWith('DATASET_'))).toBe(true);
  const np = m.find((x) => x.kind === 'NetworkPolicy');
  expect(np.spec.egress.some((r: any) => r.ports?.some((p: any) => p.port === 443))).toBe(true);
  expectValidManifests(chart);
});

test('the example chart renders valid manifests', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { distributedTrainingChart } = require('../../src/example/training-distributed');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { teamNamespaceChart } = require('../../src/example/gitops');
  const { App } = require('cdk8s');
  const app = new App();
  const chart = distributedTrainingChart(app, teamNamespaceChart(app).namespace);
  const kinds = chart.toJson().map((m: any) => m.kind).sort();
  expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'Job', 'NetworkPolicy', 'PersistentVolumeClaim', 'Service']));
  // the Job is queued on the team namespace's own LocalQueue
  expect(chart.toJson().find((m: any) => m.kind === 'Job').metadata.labels['kueue.x-k8s.io/queue-name']).toBe('default');
  expectValidManifests(chart);
});
