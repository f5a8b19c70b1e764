/**
 * Ephemeral storage everywhere (issue 16): every pod template we render that writes an emptyDir
 * on node disk gives it a sizeLimit and requests `ephemeral-storage` ≥ the sum of those limits
 * (Memory-backed emptyDirs count against memory and are left out), and every container requests
 * ephemeral-storage (kube-score's "ephemeral-storage request not set"). Checked as a property
 * over every rendered pod template of dist/ and of every fixture, plus the error paths.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { External, buildMlPodSpec } from '../../src/core';
import { parseQuantity } from '../../src/core/quantity';
import { DataSource, DatasetInit, DatasetVolume, Extract } from '../../src/data';
import { TeamQueue } from '../../src/platform/team-queue';
import { PodView, podViews } from '../../src/validation/policies/pods';
import { loadFixtures } from '../fixtures';
import { constructErrorOf as errorOf } from '../support/errors';

const SHA = 'ab'.repeat(32);
const GI = 2 ** 30;

const bytes = (q: unknown): number => parseQuantity(q as string) ?? NaN;

/** Sum of the sizeLimits of the pod's emptyDirs on node disk; NaN when one has none. */
function diskEmptyDirBytes(pod: PodView): number {
  return pod.volumes
    .map((v) => v.volume)
    .filter((v) => v?.emptyDir !== undefined && v.emptyDir.medium !== 'Memory')
    .reduce((a, v) => a + (v.emptyDir.sizeLimit === undefined ? NaN : bytes(v.emptyDir.sizeLimit)), 0);
}

/** The pod's effective ephemeral-storage request: max(largest init container, sum of containers + sidecars). */
function podEphemeralRequest(pod: PodView): number {
  const req = (c: any) => bytes(c?.resources?.requests?.['ephemeral-storage'] ?? c?.resources?.limits?.['ephemeral-storage'] ?? 0);
  const main = pod.containers.filter((c) => c.type === 'container').reduce((a, c) => a + req(c.container), 0);
  const inits = pod.containers.filter((c) => c.type === 'initContainer');
  const sidecars = inits.filter((c) => c.container?.restartPolicy === 'Always').reduce((a, c) => a + req(c.container), 0);
  const init = Math.max(0, ...inits.filter((c) => c.container?.restartPolicy !== 'Always').map((c) => req(c.container) + sidecars));
  return Math.max(main + sidecars, init);
}

function describePod(p: PodView): string {
  return `${p.owner?.kind}/${p.owner?.metadata?.name}${p.path}`;
}

/** The violations of the property in `manifests`. */
function violations(manifests: any[]): string[] {
  const out: string[] = [];
  for (const pod of podViews(manifests)) {
    const disk = diskEmptyDirBytes(pod);
    if (Number.isNaN(disk)) out.push(`${describePod(pod)}: an emptyDir on node disk has no sizeLimit`);
    else if (podEphemeralRequest(pod) < disk) out.push(`${describePod(pod)}: ephemeral-storage request ${podEphemeralRequest(pod)} < emptyDirs ${disk}`);
    for (const c of pod.containers) {
      if (c.container?.resources?.requests?.['ephemeral-storage'] === undefined) out.push(`${describePod(pod)}: ${c.type} ${c.container?.name} requests no ephemeral-storage`);
    }
  }
  return out;
}

describe('property: every rendered pod requests the disk its emptyDirs fill', () => {
  test('every pod template of dist/*.yaml', () => {
    const dir = path.join(__dirname, '..', '..', 'dist');
    const objects = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
    const pods = podViews(objects);
    expect(pods.length).toBeGreaterThan(8);
    // the example app has emptyDirs on disk to account for (not a vacuous property)
    expect(pods.every((p) => diskEmptyDirBytes(p) > 0)).toBe(true);
    expect(violations(objects)).toEqual([]);
  });

  test.each(loadFixtures().map((f) => [f.name, f] as const))('every pod template of fixture %s', (_name, fixture) => {
    expect(violations(fixture.manifests())).toEqual([]);
  });

  test('self-check: a pod whose emptyDirs exceed its request, an unsized emptyDir and a container without a request are reported', () => {
    const job = (volumes: any[], request?: string) => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
      spec: { template: { spec: { volumes, containers: [{ name: 'c', image: 'x:1', resources: { requests: request ? { 'ephemeral-storage': request } : {} } }] } } },
    });
    expect(violations([job([{ name: 'a', emptyDir: { sizeLimit: '2Gi' } }], '1Gi')])).toEqual(['Job/j/spec/template/spec: ephemeral-storage request 1073741824 < emptyDirs 2147483648']);
    expect(violations([job([{ name: 'a', emptyDir: {} }], '1Gi')])).toEqual(['Job/j/spec/template/spec: an emptyDir on node disk has no sizeLimit']);
    expect(violations([job([{ name: 'shm', emptyDir: { medium: 'Memory' } }])])).toEqual(['Job/j/spec/template/spec: container c requests no ephemeral-storage']);
  });
});

describe('sizes', () => {
  const chart = () => new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
  const podOf = (ds: DatasetInit[], c: Chart, extra: Partial<Parameters<typeof buildMlPodSpec>[1]> = {}) => {
    const contributions = ds.map((d) => d.contributeTo(c));
    return k8s.toJson_PodSpec(buildMlPodSpec(c, {
      containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '1', memory: '1Gi' }, volumeMounts: contributions.flatMap((x) => x.volumeMounts) }],
      initContainers: contributions.flatMap((x) => x.initContainers),
      volumes: contributions.flatMap((x) => x.volumes),
      ...extra,
    }))!;
  };

  test('a DatasetInit emptyDir is sized from expectedSize (×2 while extracting), sizeLimit wins; the main container requests tmp + HOME + data + 512Mi', () => {
    const c = chart();
    const tar = new DatasetInit(c, 'tar', { source: DataSource.http('https://d.example.com/a.tar', { sha256: SHA, extract: Extract.TAR, expectedSize: Size.gibibytes(10) }) });
    const raw = new DatasetInit(c, 'raw', { source: DataSource.http('https://d.example.com/b.bin', { sha256: SHA, expectedSize: Size.mebibytes(1536) }) });
    const limited = new DatasetInit(c, 'limited', {
      source: DataSource.http('https://d.example.com/c.bin', { sha256: SHA, expectedSize: Size.gibibytes(1) }),
      volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(3) }),
    });
    const pod = podOf([tar, raw, limited], c);
    const sizes = Object.fromEntries(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => [v.name, v.emptyDir.sizeLimit]));
    expect(sizes).toEqual({ 'tmp': '4Gi', 'home': '16Gi', 'ds-tar': '20Gi', 'ds-raw': '1536Mi', 'ds-limited': '3Gi' });
    const main = pod.containers[0].resources;
    const expected = (4 + 16 + 20 + 1.5 + 3) * GI + 512 * 2 ** 20;
    expect(bytes(main.requests['ephemeral-storage'])).toBe(expected);
    expect(bytes(main.limits['ephemeral-storage'])).toBe(expected);
    // init containers: their logs only (they write into the volumes counted above)
    for (const i of pod.initContainers) expect(i.resources.requests['ephemeral-storage']).toBe('512Mi');
  });

  test('a Memory emptyDir (/dev/shm) counts against memory, not ephemeral-storage', () => {
    const c = chart();
    const without = podOf([], c);
    const withShm = podOf([], chart(), { shmSize: Size.gibibytes(8) });
    expect(withShm.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '8Gi' });
    expect(withShm.containers[0].resources.requests['ephemeral-storage']).toBe(without.containers[0].resources.requests['ephemeral-storage']);
    // an unsized Memory emptyDir is not refused as a disk emptyDir
    expect(() => podOf([], chart(), { volumes: [{ name: 'ram', emptyDir: { medium: 'Memory' } }] })).not.toThrow();
  });

  test('an explicit ephemeralStorage that covers the emptyDirs is kept', () => {
    const c = chart();
    const spec = k8s.toJson_PodSpec(buildMlPodSpec(c, { containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '1', memory: '1Gi', ephemeralStorage: '64Gi' } }] }))!;
    expect(spec.containers[0].resources.requests['ephemeral-storage']).toBe('64Gi');
  });

  test('attached to a cdk8s-plus workload, the fetcher requests the disk the dataset fills (no limit)', () => {
    const c = chart();
    const job = new kplus.Job(c, 'consumer', { securityContext: { user: 1000, group: 1000, fsGroup: 1000 }, containers: [{ image: 'ghcr.io/acme/t:1.0.0' }] });
    new DatasetInit(c, 'data', { source: DataSource.http('https://d.example.com/b.bin', { sha256: SHA, expectedSize: Size.gibibytes(5) }) }).attachTo(job);
    const spec = c.toJson().find((o) => o.kind === 'Job').spec.template.spec;
    const fetcher = spec.initContainers.find((i: any) => i.name === 'fetch-data');
    // 5Gi data + 1Gi /tmp + 1Gi HOME + 512Mi logs, rounded up to whole GiB (cdk8s-plus renders GiB)
    expect(fetcher.resources.requests['ephemeral-storage']).toBe('8Gi');
    expect(fetcher.resources.limits['ephemeral-storage']).toBeUndefined();
    expect(spec.volumes.find((v: any) => v.name === 'ds-data').emptyDir.sizeLimit).toBe('5Gi');
  });

  test('a TeamQueue covers ephemeral-storage (Kueue never admits a workload requesting an uncovered resource)', () => {
    const c = chart();
    new TeamQueue(c, 'q', { namespace: 'team-a', flavors: [{ name: 'h100', cpu: '64', memory: '512Gi', gpu: 8 }, { name: 'a100', cpu: '64', memory: '512Gi', gpu: 8, ephemeralStorage: '20Ti' }] });
    const cq = c.toJson().find((o) => o.kind === 'ClusterQueue');
    expect(cq.spec.resourceGroups[0].coveredResources).toEqual(['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage']);
    const quota = cq.spec.resourceGroups[0].flavors.map((f: any) => [f.name, f.resources.find((r: any) => r.name === 'ephemeral-storage').nominalQuota]);
    expect(quota).toEqual([['h100', '1Pi'], ['a100', '20Ti']]);
  });
});

describe('fails', () => {
  const chart = () => new Chart(Testing.app(), 'ml', { namespace: 'team-a' });

  test('fails attaching a DatasetInit emptyDir whose size is unknown, naming the dataset and the fix', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', { source: DataSource.http('https://d.example.com/i.tar.gz', { sha256: SHA, extract: Extract.TAR_GZ }) });
    const e = errorOf(() => ds.contributeTo(c));
    expect(e.constructPath).toBe('ml/imagenet');
    expect(e.message).toBe('ml/imagenet: the emptyDir of dataset "imagenet" (attached to ml) has no size, so its pods cannot request the node disk they fill (ephemeral-storage); set the source\'s expectedSize, or volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(N) })');
    // the same for a cdk8s-plus workload, and nothing is attached
    const job = new kplus.Job(c, 'consumer', { securityContext: { user: 1000, group: 1000, fsGroup: 1000 }, containers: [{ image: 'ghcr.io/acme/t:1.0.0' }] });
    const other = new DatasetInit(c, 'other', { source: DataSource.http('https://d.example.com/o.bin', { sha256: SHA }) });
    expect(errorOf(() => other.attachTo(job)).message).toContain('the emptyDir of dataset "other" (attached to ml/consumer) has no size');
    expect(job.initContainers).toEqual([]);
  });

  test('a dataset on a claim needs no size', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'cached', { source: DataSource.http('https://d.example.com/o.bin', { sha256: SHA }), volume: DatasetVolume.pvc(External.claim('cache')) });
    expect(ds.contributeTo(c).volumes[0]).toEqual({ name: 'ds-cached', persistentVolumeClaim: { claimName: 'cache' } });
  });

  test('fails a pod with an unsized emptyDir on node disk', () => {
    const e = errorOf(() => buildMlPodSpec(chart(), {
      containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '1', memory: '1Gi' } }],
      volumes: [{ name: 'cache', emptyDir: {} }],
    }));
    expect(e.message).toMatch(/^ml: emptyDir volume "cache" has no sizeLimit, so the pod cannot request the node disk it fills \(ephemeral-storage\); give it a sizeLimit/);
  });

  test('fails an explicit ephemeralStorage below the emptyDirs', () => {
    const e = errorOf(() => buildMlPodSpec(chart(), { containers: [{ name: 'main', image: 'ghcr.io/acme/t:1.0.0', resources: { cpu: '1', memory: '1Gi', ephemeralStorage: '10Gi' } }] }));
    expect(e.message).toBe('ml: container main requests "10Gi" of ephemeral-storage, below the 20Gi the pod\'s emptyDir volumes on node disk hold (tmp 4Gi, home 16Gi); raise resources.ephemeralStorage or leave it unset (derived)');
  });
});
