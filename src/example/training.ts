import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Accelerator, buildMlPodSpec, shortHash, standardLabels } from '../core';

/** Example: a single-node fine-tuning Job built from the core helpers. */
export function trainingChart(app: App): Chart {
  const chart = new Chart(app, 'training', { namespace: 'team-a' });
  const labels = standardLabels({ name: 'bert-finetune', component: 'training', partOf: 'ml-platform' });
  const podSpec = buildMlPodSpec(chart, {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'trainer',
        image: 'ghcr.io/acme/bert-trainer:2.1.0',
        command: ['python', '-m', 'train', '--epochs', '3'],
        resources: { cpu: '8', memory: '32Gi' },
        accelerator: Accelerator.nvidiaGpu({ count: 1 }),
      },
    ],
  });
  const template = { metadata: { labels }, spec: podSpec };
  // A Job's pod template is immutable: the name carries its hash, so a change is a new Job.
  new k8s.KubeJob(chart, 'bert-finetune', {
    metadata: { name: `bert-finetune-${shortHash(template)}`, labels },
    spec: { backoffLimit: 3, activeDeadlineSeconds: 6 * 3600, template },
  });
  return chart;
}
