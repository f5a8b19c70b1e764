/**
 * Content-addressed Job names (src/gitops/job-name.ts) at their limits: the longest name per
 * completion count, long names of non-indexed and Indexed Jobs, and what hashJobName refuses.
 * Expected hashes come from node's crypto over JSON spelled out here, never from the code under test.
 */
import { createHash } from 'crypto';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { JOB_TEMPLATE_HASH_LENGTH, contentAddressedJobName, hashJobName, maxJobNameLength } from '../../src/gitops/job-name';

const sha = (text: string, n: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, n);

/** JSON with keys sorted at every depth: a second implementation of the hashed form. */
function sortedJson(value: unknown): string {
  const sort = (v: any): any => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, sort(v[k])]));
    return v;
  };
  return JSON.stringify(sort(value));
}

const TEMPLATE = { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0.0' }] } };

function rawJob(scope: Construct, id: string, name: string, spec: Record<string, unknown> = {}): ApiObject {
  return new ApiObject(scope, id, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { ...spec, template: TEMPLATE } } as any);
}

describe('maxJobNameLength', () => {
  test('63 for a non-indexed Job; 63 minus "-" and the digits of the highest index for an Indexed Job', () => {
    expect(JOB_TEMPLATE_HASH_LENGTH).toBe(8);
    expect(maxJobNameLength()).toBe(63);
    expect(maxJobNameLength(0)).toBe(61);
    expect(maxJobNameLength(1)).toBe(61); // index 0
    expect(maxJobNameLength(10)).toBe(61); // index 9
    expect(maxJobNameLength(11)).toBe(60); // index 10
    expect(maxJobNameLength(100)).toBe(60); // index 99
    expect(maxJobNameLength(101)).toBe(59); // index 100
    expect(maxJobNameLength(1000)).toBe(59);
    expect(maxJobNameLength(1001)).toBe(58);
  });
});

describe('contentAddressedJobName', () => {
  test('a short base keeps its text and gets the 8-character template hash', () => {
    expect(contentAddressedJobName('train', 'spec-v1')).toBe(`train-${sha('spec-v1', 8)}`);
    expect(contentAddressedJobName('train', { b: { d: 1, c: [2, { f: 1, e: 0 }] }, a: 'x' })).toBe(`train-${sha('{"a":"x","b":{"c":[2,{"e":0,"f":1}],"d":1}}', 8)}`);
  });

  test('a base of exactly 54 characters fits a 63-character name unchanged', () => {
    const base = 'b'.repeat(54);
    expect(contentAddressedJobName(base, 't')).toBe(`${base}-${sha('t', 8)}`);
  });

  test('a long base is cut with its own hash so the name has exactly the maximum length', () => {
    const base = `${'b'.repeat(40)}-${'c'.repeat(20)}`;
    const name = contentAddressedJobName(base, 't');
    expect(name).toBe(`${'b'.repeat(40)}-cccccc-${sha(base, 6)}-${sha('t', 8)}`);
    expect(name).toHaveLength(63);
    expect(contentAddressedJobName(base, 't', 40)).toBe(`${'b'.repeat(24)}-${sha(base, 6)}-${sha('t', 8)}`);
  });
});

describe('hashJobName', () => {
  test('hashes a long name of a non-indexed Job to at most 63 characters', () => {
    const chart = new Chart(Testing.app(), 'c');
    const base = `${'a'.repeat(46)}-${'b'.repeat(24)}`; // 71 characters
    hashJobName(rawJob(chart, 'j', base));
    const [job] = Testing.synth(chart);
    // 63 - 9 = 54 characters for the base: 47 kept minus the dash the cut ends on, "-", 6 of its hash
    expect(job.metadata.name).toBe(`${'a'.repeat(46)}-${sha(base, 6)}-${sha(sortedJson(TEMPLATE), 8)}`);
    expect(job.metadata.name).toHaveLength(62);
  });

  test('an Indexed Job without completions counts as one completion (index 0)', () => {
    const chart = new Chart(Testing.app(), 'c');
    const base = 'i'.repeat(60);
    hashJobName(rawJob(chart, 'j', base, { completionMode: 'Indexed' }));
    const [job] = Testing.synth(chart);
    // 61 - 9 = 52 for the base: 45 kept, "-", 6 of its hash
    expect(job.metadata.name).toBe(`${'i'.repeat(45)}-${sha(base, 6)}-${sha(sortedJson(TEMPLATE), 8)}`);
  });

  test('a non-indexed Job with completions keeps the 63-character limit', () => {
    const chart = new Chart(Testing.app(), 'c');
    const base = 'n'.repeat(60);
    hashJobName(rawJob(chart, 'j', base, { completions: 500 }));
    const [job] = Testing.synth(chart);
    expect(job.metadata.name).toBe(`${'n'.repeat(47)}-${sha(base, 6)}-${sha(sortedJson(TEMPLATE), 8)}`);
  });

  test('a Job without a template hashes the empty object', () => {
    const chart = new Chart(Testing.app(), 'c');
    const obj = new ApiObject(chart, 'j', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bare' } });
    hashJobName(obj);
    expect(Testing.synth(chart)[0].metadata.name).toBe(`bare-${sha('{}', 8)}`);
  });

  test('fails on a construct without a default ApiObject', () => {
    const chart = new Chart(Testing.app(), 'c');
    const empty = new Construct(chart, 'empty');
    expect(() => hashJobName(empty)).toThrow(
      'c/empty: hashJobName needs a Job ApiObject (a k8s.KubeJob, a cdk8s-plus Job or a construct whose default child is one)',
    );
  });

  test('fails on a Job kind outside the batch group', () => {
    const chart = new Chart(Testing.app(), 'c');
    const other = new ApiObject(chart, 'x', { apiVersion: 'example.com/v1', kind: 'Job', metadata: { name: 'x' } });
    expect(() => hashJobName(other)).toThrow('c/x: hashJobName needs a batch Job, got "example.com/v1/Job"');
  });

  test('fails on a batch kind that is not a Job', () => {
    const chart = new Chart(Testing.app(), 'c');
    const cron = new ApiObject(chart, 'cj', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x' } });
    expect(() => hashJobName(cron)).toThrow('c/cj: hashJobName needs a batch Job, got "batch/v1/CronJob"');
  });

  test('fails at synth on a name that is not lowercase letters, digits and "-"', () => {
    const chart = new Chart(Testing.app(), 'c');
    hashJobName(new k8s.KubeJob(chart, 'j', { metadata: { name: 'Train_1' }, spec: { template: {} } }));
    expect(() => Testing.synth(chart)).toThrow('c/j: job name must be lowercase letters, digits and "-" to be content-addressed, got "Train_1"');
  });
});
