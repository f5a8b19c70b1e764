import { Testing } from 'cdk8s';
import { servingChart } from '../../src/example/serving';
import { expectValidManifests } from '../../src/testing';

describe('example serving chart', () => {
  test('is strictly valid and renders the full serving stack', () => {
    const chart = servingChart(Testing.app());
    expectValidManifests(chart);
    const kinds = chart.toJson().map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining([
      'Deployment/chat',
      'Service/chat',
      'Deployment/chat-canary',
      'Service/chat-canary',
      'HorizontalPodAutoscaler/chat',
      'PodDisruptionBudget/chat',
      'NetworkPolicy/chat',
      'Ingress/chat',
      'Ingress/chat-canary',
      'ServiceMonitor/chat',
    ]));
    const deployment = chart.toJson().find((o) => o.kind === 'Deployment' && o.metadata.name === 'chat');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.template.spec.initContainers.length).toBeGreaterThan(0);
  });
});
