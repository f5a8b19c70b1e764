/**
 * Kueue queues and gang scheduling (src/training/scheduling.ts) called directly: the labels and
 * annotations they render, and every validation message. Expected values are spelled out.
 */
import { App, Chart } from 'cdk8s';
import { External } from '../../src/core';
import {
  Gang, KUEUE_PREFERRED_TOPOLOGY, KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL, KUEUE_REQUIRED_TOPOLOGY, Queue,
} from '../../src/training/scheduling';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });
/** A LocalQueue / WorkloadPriorityClass of another implementation than External (which checks names itself). */
const queueNamed = (name: string) => ({ localQueueRef: () => ({ kind: 'LocalQueue' as const, name, external: true }) });
const priorityNamed = (name: string) => ({ workloadPriorityClassRef: () => ({ kind: 'WorkloadPriorityClass' as const, name, external: true }) });

describe('Queue', () => {
  test('the Kueue label and annotation names', () => {
    expect([KUEUE_QUEUE_LABEL, KUEUE_PRIORITY_LABEL, KUEUE_REQUIRED_TOPOLOGY, KUEUE_PREFERRED_TOPOLOGY]).toEqual([
      'kueue.x-k8s.io/queue-name', 'kueue.x-k8s.io/priority-class',
      'kueue.x-k8s.io/podset-required-topology', 'kueue.x-k8s.io/podset-preferred-topology',
    ]);
  });

  test('Queue.none renders nothing and validates nothing', () => {
    const q = Queue.none();
    expect([q.kind, q.isKueue, q.localQueue]).toEqual(['none', false, undefined]);
    q.validate(chart());
    expect(q.workloadLabels()).toEqual({});
    expect(q.podAnnotations()).toEqual({});
  });

  test('a Kueue queue: the queue label, the priority label when given', () => {
    const q = Queue.kueue(External.localQueue('team-a-q'));
    expect([q.kind, q.isKueue]).toEqual(['kueue', true]);
    q.validate(chart());
    expect(q.workloadLabels()).toEqual({ 'kueue.x-k8s.io/queue-name': 'team-a-q' });
    expect(q.podAnnotations()).toEqual({});
    const p = Queue.kueue(External.localQueue('q'), { priorityClass: External.workloadPriorityClass('high') });
    p.validate(chart());
    expect(p.workloadLabels()).toEqual({ 'kueue.x-k8s.io/queue-name': 'q', 'kueue.x-k8s.io/priority-class': 'high' });
  });

  test('topology annotations: required or preferred', () => {
    const r = Queue.kueue(External.localQueue('q'), { requiredTopology: 'cloud.provider.com/rack' });
    r.validate(chart());
    expect(r.podAnnotations()).toEqual({ 'kueue.x-k8s.io/podset-required-topology': 'cloud.provider.com/rack' });
    const p = Queue.kueue(External.localQueue('q'), { preferredTopology: 'cloud.provider.com/block' });
    p.validate(chart());
    expect(p.podAnnotations()).toEqual({ 'kueue.x-k8s.io/podset-preferred-topology': 'cloud.provider.com/block' });
  });

  test('a queue name of exactly 63 characters is accepted', () => {
    const q = Queue.kueue(External.localQueue('q'.repeat(63)));
    q.validate(chart());
    expect(q.workloadLabels()[KUEUE_QUEUE_LABEL]).toBe('q'.repeat(63));
  });

  test('fails without a LocalQueue object', () => {
    expect(() => Queue.kueue({} as never).validate(chart())).toThrow(
      'ml: queue: Queue.kueue needs a LocalQueue object (an MlNamespace with a queue, its TeamQueue, or External.localQueue(name)), got {}',
    );
  });

  test('fails on a queue name over 63 characters', () => {
    const name = 'q'.repeat(64);
    expect(() => Queue.kueue(queueNamed(name)).validate(chart())).toThrow(
      `ml: kueue queue name must be at most 63 characters (it is a label value), got "${name}"`,
    );
    expect(() => Queue.kueue(queueNamed('Q')).validate(chart())).toThrow('ml: kueue queue name must be a DNS-1123 subdomain, got "Q"');
  });

  test('fails on a priority class that is not a WorkloadPriorityClass, or over 63 characters', () => {
    expect(() => Queue.kueue(External.localQueue('q'), { priorityClass: 'high' as never }).validate(chart())).toThrow(
      'ml: kueue priorityClass must be a WorkloadPriorityClass or External.workloadPriorityClass(name), got "high"',
    );
    const long = 'p'.repeat(64);
    expect(() => Queue.kueue(External.localQueue('q'), { priorityClass: priorityNamed(long) }).validate(chart())).toThrow(
      `ml: kueue priorityClass must be a DNS-1123 name of at most 63 characters, got "${long}"`,
    );
    expect(() => Queue.kueue(External.localQueue('q'), { priorityClass: priorityNamed('P') }).validate(chart())).toThrow(
      'ml: kueue priorityClass must be a DNS-1123 name of at most 63 characters, got "P"',
    );
    const ok = Queue.kueue(queueNamed('q'), { priorityClass: priorityNamed('p'.repeat(63)) });
    ok.validate(chart());
    expect(ok.workloadLabels()[KUEUE_PRIORITY_LABEL]).toBe('p'.repeat(63));
  });

  test('fails on a null priority class with the message, not a TypeError', () => {
    expect(() => Queue.kueue(External.localQueue('q'), { priorityClass: null as never }).validate(chart())).toThrow(
      'ml: kueue priorityClass must be a WorkloadPriorityClass or External.workloadPriorityClass(name), got null',
    );
  });

  test('fails on a priority class reference in another namespace, naming the prop', () => {
    const elsewhere = { workloadPriorityClassRef: () => ({ kind: 'WorkloadPriorityClass' as const, name: 'high', namespace: 'team-b', external: true }) };
    expect(() => Queue.kueue(External.localQueue('q'), { priorityClass: elsewhere }).validate(chart())).toThrow(
      'ml: queue priorityClass: WorkloadPriorityClass "high" (External) lives in namespace "team-b" but the workload is in namespace "team-a"; a workload can only use a WorkloadPriorityClass of its own namespace',
    );
  });

  test('fails on a topology that is not a label key, and on both topologies', () => {
    expect(() => Queue.kueue(External.localQueue('q'), { requiredTopology: 'bad key' }).validate(chart())).toThrow(
      'ml: kueue requiredTopology must be a node label key, got "bad key"',
    );
    expect(() => Queue.kueue(External.localQueue('q'), { preferredTopology: '-x' }).validate(chart())).toThrow(
      'ml: kueue preferredTopology must be a node label key, got "-x"',
    );
    expect(() => Queue.kueue(External.localQueue('q'), { requiredTopology: 'a/rack', preferredTopology: 'a/block' }).validate(chart())).toThrow(
      'ml: kueue requiredTopology and preferredTopology are mutually exclusive',
    );
  });
});

describe('Gang', () => {
  test('Volcano: scheduler, group annotation, PodGroup with queue and priority', () => {
    const g = Gang.volcano({ queue: 'research' });
    g.validate(chart());
    expect([g.kind, g.schedulerName, g.apiVersion]).toEqual(['volcano', 'volcano', 'scheduling.volcano.sh/v1beta1']);
    expect(g.podMetadata('grp')).toEqual({ labels: {}, annotations: { 'scheduling.k8s.io/group-name': 'grp' } });
    expect(g.podGroupSpec(4, 'high')).toEqual({ minMember: 4, queue: 'research', priorityClassName: 'high' });
    expect(Gang.volcano({ schedulerName: 'vc' }).schedulerName).toBe('vc');
  });

  test('coscheduling: scheduler-plugins scheduler, pod-group label, PodGroup with the timeout', () => {
    const g = Gang.coscheduling({ scheduleTimeoutSeconds: 1 });
    g.validate(chart());
    expect([g.kind, g.schedulerName, g.apiVersion]).toEqual(['coscheduling', 'scheduler-plugins-scheduler', 'scheduling.x-k8s.io/v1alpha1']);
    expect(g.podMetadata('grp')).toEqual({ labels: { 'scheduling.x-k8s.io/pod-group': 'grp' }, annotations: {} });
    expect(g.podGroupSpec(4)).toEqual({ minMember: 4, scheduleTimeoutSeconds: 1 });
    expect(Gang.coscheduling({ schedulerName: 'sp' }).schedulerName).toBe('sp');
  });

  test('fails on a bad scheduler name, Volcano queue or timeout', () => {
    expect(() => Gang.volcano({ schedulerName: 'Volcano' }).validate(chart())).toThrow('ml: gang schedulerName must be a DNS-1123 subdomain, got "Volcano"');
    expect(() => Gang.volcano({ queue: 'a.b' }).validate(chart())).toThrow('ml: volcano queue must be a DNS-1123 label, got "a.b"');
    expect(() => Gang.coscheduling({ scheduleTimeoutSeconds: 0 }).validate(chart())).toThrow('ml: coscheduling scheduleTimeoutSeconds must be a positive integer, got 0');
    expect(() => Gang.coscheduling({ scheduleTimeoutSeconds: 1.5 }).validate(chart())).toThrow('ml: coscheduling scheduleTimeoutSeconds must be a positive integer, got 1.5');
  });
});
