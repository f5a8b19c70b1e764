/**
 * Checkpoint volumes (src/training/checkpoint.ts) bound directly: mounts, per-run sub-paths,
 * claims, and the overlap check between workloads sharing a claim. Expected values spelled out.
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { External } from '../../src/core';
import { CheckpointVolume } from '../../src/training/checkpoint';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });
const ONE = { pods: 1, spread: 'the job has 1 pod' };

describe('CheckpointVolume', () => {
  test('fromVolume: the volume renamed "checkpoints", mounted at /checkpoints', () => {
    const v = CheckpointVolume.fromVolume({ name: 'x', emptyDir: {} });
    expect(v.mountPath).toBe('/checkpoints');
    expect(v.bind(chart(), ONE)).toEqual({ volume: { name: 'checkpoints', emptyDir: {} }, mount: { name: 'checkpoints', mountPath: '/checkpoints', subPath: undefined } });
    expect(CheckpointVolume.fromVolume({ name: 'x' }, { mountPath: '/ckpt', subPath: 'a/b' }).bind(chart(), ONE).mount)
      .toEqual({ name: 'checkpoints', mountPath: '/ckpt', subPath: 'a/b' });
  });

  test('a claim: the PVC volume and the reference', () => {
    const b = CheckpointVolume.claim(External.claim('ckpt')).bind(chart(), ONE);
    expect(b.volume).toEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } });
    expect(b.claim).toMatchObject({ kind: 'PersistentVolumeClaim', name: 'ckpt', external: true });
  });

  test('per run: subPathExpr under the run base, or under the subPath when given', () => {
    const perRun = { ...ONE, perRunEnv: 'RUN_ID', runBase: 'runs' };
    expect(CheckpointVolume.fromVolume({ name: 'x' }).bind(chart(), perRun).mount).toEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: 'runs/$(RUN_ID)' });
    expect(CheckpointVolume.fromVolume({ name: 'x' }, { subPath: 'team' }).bind(chart(), perRun).mount).toEqual({ name: 'checkpoints', mountPath: '/checkpoints', subPathExpr: 'team/$(RUN_ID)' });
  });

  test('fails on a mount path that is relative or the root', () => {
    for (const mountPath of ['ckpt', '/']) {
      expect(() => CheckpointVolume.fromVolume({ name: 'x' }, { mountPath }).bind(chart(), ONE)).toThrow(
        `ml: checkpoint mountPath must be an absolute path other than "/", got ${JSON.stringify(mountPath)}`,
      );
    }
  });

  test('fails on a sub-path that is empty, absolute, climbs out or expands a variable', () => {
    for (const subPath of ['', '/a', 'a/../b', '..', 'a/$(X)']) {
      expect(() => CheckpointVolume.fromVolume({ name: 'x' }, { subPath }).bind(chart(), ONE)).toThrow(
        `ml: checkpoint subPath must be a relative path without ".." or "$(", got ${JSON.stringify(subPath)}`,
      );
    }
    expect(() => CheckpointVolume.fromVolume({ name: 'x' }, { subPath: 3 as unknown as string }).bind(chart(), ONE)).toThrow(
      'ml: checkpoint subPath must be a relative path without ".." or "$(", got 3',
    );
    expect(CheckpointVolume.fromVolume({ name: 'x' }, { subPath: 'a..b/c' }).bind(chart(), ONE).mount.subPath).toBe('a..b/c');
  });

  test('fails on a claim that is ReadWriteOnce as well as ReadOnlyMany for pods on several nodes: checkpoints are written', () => {
    const v = CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadOnlyMany', 'ReadWriteOnce'] }));
    expect(() => v.bind(chart(), { pods: 2, spread: 'the job runs 2 pods' })).toThrow(
      'ml: checkpoints: claim "ckpt" is ReadWriteOnce but the job runs 2 pods; the second pod could never attach it — use a ReadWriteMany claim',
    );
  });

  test('fails on a claim that is only ReadOnlyMany, even for one pod: checkpoints are written; ReadOnlyMany beside a writable mode is accepted', () => {
    const rox = CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadOnlyMany'] }));
    expect(() => rox.bind(chart(), ONE)).toThrow(
      'ml: checkpoints: claim "ckpt" is ReadOnlyMany only but is written here; the volume mounts read-only — use a ReadWriteOnce or ReadWriteMany claim',
    );
    const both = CheckpointVolume.claim(External.claim('ckpt', { accessModes: ['ReadOnlyMany', 'ReadWriteOnce'] }));
    expect(both.bind(chart(), ONE).volume).toEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'ckpt' } });
  });

  test('a cdk8s-plus-like claim (an object with a name) is accepted', () => {
    expect(CheckpointVolume.claim({ name: 'x' }).bind(chart(), ONE).volume).toEqual({ name: 'checkpoints', persistentVolumeClaim: { claimName: 'x' } });
  });

  test('fails on a claim object without a name', () => {
    expect(() => CheckpointVolume.claim({ nope: 1 } as never).bind(chart(), ONE)).toThrow(
      'ml: claim must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got {"nope":1}',
    );
  });
});

describe('workloads sharing a checkpoint claim', () => {
  const bindAt = (scope: Construct, subPath?: string) => CheckpointVolume.claim(External.claim('ckpt'), { subPath }).bind(scope, ONE);

  test('disjoint sub-paths, or the same workload twice, are fine', () => {
    const c = chart();
    bindAt(new Construct(c, 'a'), 'runs/a');
    bindAt(new Construct(c, 'b'), 'runs/b');
    bindAt(new Construct(c, 'c'), 'runs/ab');
    const d = new Construct(c, 'd');
    bindAt(d, 'x');
    expect(() => bindAt(d, 'x')).not.toThrow();
    // another app: no clash with this one's users
    expect(() => bindAt(new Construct(chart(), 'a2'), 'runs/a')).not.toThrow();
  });

  test('fails when a second workload mounts the same sub-path', () => {
    const c = chart();
    bindAt(new Construct(c, 'a'), 'runs/a');
    expect(() => bindAt(new Construct(c, 'b'), 'runs/a')).toThrow(
      'ml/b: checkpoints: claim "ckpt" is also mounted by ml/a at sub-path "runs/a", overlapping sub-path "runs/a" here; runs would overwrite each other\'s checkpoints — give each workload its own CheckpointVolume subPath',
    );
  });

  test('fails when one sub-path lies within the other, either way, or one mounts the claim root', () => {
    const c = chart();
    bindAt(new Construct(c, 'a'), 'runs');
    expect(() => bindAt(new Construct(c, 'b'), 'runs/b')).toThrow(/^ml\/b: checkpoints: claim "ckpt" is also mounted by ml\/a at sub-path "runs", overlapping sub-path "runs\/b" here/);
    const c2 = chart();
    bindAt(new Construct(c2, 'a'), 'runs/a/deep');
    expect(() => bindAt(new Construct(c2, 'b'), 'runs/a')).toThrow(/^ml\/b: checkpoints: claim "ckpt" is also mounted by ml\/a at sub-path "runs\/a\/deep", overlapping sub-path "runs\/a" here/);
    const c3 = chart();
    bindAt(new Construct(c3, 'a'));
    expect(() => bindAt(new Construct(c3, 'b'), 'x')).toThrow(/^ml\/b: checkpoints: claim "ckpt" is also mounted by ml\/a at the claim root, overlapping sub-path "x" here/);
    const c4 = chart();
    bindAt(new Construct(c4, 'a'), 'x');
    expect(() => bindAt(new Construct(c4, 'b'))).toThrow(/^ml\/b: checkpoints: claim "ckpt" is also mounted by ml\/a at sub-path "x", overlapping the claim root here/);
  });

  test('in charts without a namespace the claim is still shared', () => {
    const app = new App();
    bindAt(new Construct(new Chart(app, 'a'), 'w'), 'x');
    expect(() => bindAt(new Construct(new Chart(app, 'b'), 'w'), 'x')).toThrow(/^b\/w: checkpoints: claim "ckpt" is also mounted by a\/w at sub-path "x"/);
  });

  test('claims of the same name in different namespaces do not clash', () => {
    const app = new App();
    const a = new Chart(app, 'a', { namespace: 'team-a' });
    const b = new Chart(app, 'b', { namespace: 'team-b' });
    bindAt(new Construct(a, 'w'));
    expect(() => bindAt(new Construct(b, 'w'))).not.toThrow();
  });
});
