/**
 * isPlusWorkload: the structural check that accepts a pod workload of any cdk8s-plus version
 * and nothing else. Each member is broken in turn on an object that otherwise passes.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { isPlusWorkload } from '../../src/core/plus-workload';

/** Every member an IPlusWorkload has, and nothing more. */
const complete = (): Record<string, unknown> => ({
  node: {},
  containers: [],
  volumes: [],
  securityContext: {},
  addVolume: () => undefined,
  addInitContainer: () => undefined,
});

describe('isPlusWorkload', () => {
  test('a cdk8s-plus Deployment, Job and StatefulSet are workloads', () => {
    const chart = new Chart(new App(), 'ml');
    const container = { image: 'busybox:1.36' };
    expect(isPlusWorkload(new kplus.Deployment(chart, 'd', { containers: [container] }))).toBe(true);
    expect(isPlusWorkload(new kplus.Job(chart, 'j', { containers: [container] }))).toBe(true);
    const service = new kplus.Service(chart, 's', { ports: [{ port: 80 }] });
    expect(isPlusWorkload(new kplus.StatefulSet(chart, 'st', { containers: [container], service }))).toBe(true);
  });

  test('an object with exactly the members is one', () => {
    expect(isPlusWorkload(complete())).toBe(true);
  });

  test('a Secret, a Service or a chart is not', () => {
    const chart = new Chart(new App(), 'ml');
    expect(isPlusWorkload(new kplus.Secret(chart, 'sec'))).toBe(false);
    expect(isPlusWorkload(new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }))).toBe(false);
    expect(isPlusWorkload(chart)).toBe(false);
  });

  test.each([null, undefined, 0, 'deployment', true])('%p is not', (value) => {
    expect(isPlusWorkload(value)).toBe(false);
  });

  test('a function is not, even holding every member', () => {
    expect(isPlusWorkload(Object.assign(() => undefined, complete()))).toBe(false);
  });

  test.each<[string, unknown]>([
    ['node', undefined],
    ['node', null],
    ['node', 'ml/train'],
    ['containers', undefined],
    ['containers', {}],
    ['volumes', undefined],
    ['volumes', { length: 0 }],
    ['securityContext', undefined],
    ['securityContext', null],
    ['securityContext', 'restricted'],
    ['addVolume', undefined],
    ['addVolume', {}],
    ['addInitContainer', undefined],
    ['addInitContainer', 'add'],
  ])('not with %s = %p', (member, value) => {
    const x = complete();
    if (value === undefined) delete x[member];
    else x[member] = value;
    expect(isPlusWorkload(x)).toBe(false);
  });
});
