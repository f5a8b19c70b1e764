import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { standardLabels } from '../core';

/** Example: the team namespace, admitted only under Pod Security "restricted". */
export function platformChart(app: App): Chart {
  const chart = new Chart(app, 'platform');
  new k8s.KubeNamespace(chart, 'team-a', {
    metadata: {
      name: 'team-a',
      labels: {
        ...standardLabels({ name: 'team-a', component: 'namespace', partOf: 'ml-platform' }),
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  });
  return chart;
}
