/**
 * DatasetInit (src/data/dataset-init.ts) at its edges, with spelled-out expected values: the
 * fetcher's fixed paths and default resources, the reserved mount paths (both directions of an
 * overlap, and a sibling that only shares a prefix), every tuning setting at and beyond its
 * bound, and the error paths of the constructor and of attachTo.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MlValidationError } from '../../src/core';
import { DataSource, DatasetInit, DatasetInitProps, DatasetVolume, FetchTuning } from '../../src/data';
import { kplusMain } from '../fixtures/data.fixture';
import { constructErrorOf } from '../support/errors';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function chart(): Chart {
  return new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
}

function props(extra: Partial<DatasetInitProps> = {}): DatasetInitProps {
  return { source: DataSource.http('https://data.example.com/d.bin', { sha256: SHA }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...extra };
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** The message of the MlValidationError building a DatasetInit `ml/d` throws. */
function errorOf(p: DatasetInitProps): string {
  return constructErrorOf(() => new DatasetInit(chart(), 'd', p)).message;
}

describe('the fetcher of a cdk8s-ml consumer', () => {
  test('script, volume and default resources at fixed, spelled-out places', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', props({ root: 'sets/d' }));
    const init = ds.contributeTo(new Construct(c, 'o')).initContainers[0];
    expect(init.command).toEqual(['sh', '/opt/cdk8s-ml/fetch.sh']);
    expect(init.volumeMounts).toEqual([
      { name: 'ds-d-fetch', mountPath: '/opt/cdk8s-ml', readOnly: true },
      { name: 'ds-d', mountPath: '/var/lib/cdk8s-ml/volume' },
    ]);
    expect(envOf(init).FETCH_ROOT).toBe('/var/lib/cdk8s-ml/volume/sets/d');
    expect(init.resources).toEqual({
      requests: { cpu: { value: '250m' }, memory: { value: '256Mi' } },
      limits: { cpu: { value: '2' }, memory: { value: '1Gi' } },
    });
    const cm = Testing.synth(c).find((o) => o.kind === 'ConfigMap');
    expect(Object.keys(cm.data)).toEqual(['fetch.sh']);
    expect(cm.data['fetch.sh']).toMatch(/^#!\/bin\/sh/);
  });
});

describe('tuning', () => {
  function tuningEnv(tuning: FetchTuning): Record<string, string> {
    const init = new DatasetInit(chart(), 'd', props({ tuning })).contributeTo(new Construct(chart(), 'o')).initContainers[0];
    return Object.fromEntries(Object.entries(envOf(init)).filter(([k]) => /^FETCH_(RETRIES|MAX_ATTEMPTS|BACKOFF|STALL|CONNECT|LOCK|PROGRESS)/.test(k))) as Record<string, string>;
  }

  test('every setting at its lower bound, each under its own variable', () => {
    expect(
      tuningEnv({
        retries: 0,
        maxAttempts: 1,
        backoff: Duration.seconds(0),
        maxBackoff: Duration.seconds(0),
        stallTimeout: Duration.seconds(1),
        connectTimeout: Duration.seconds(1),
        lockLease: Duration.seconds(4),
        lockWait: Duration.seconds(1),
        progressInterval: Duration.seconds(0),
      }),
    ).toEqual({
      FETCH_RETRIES: '0',
      FETCH_MAX_ATTEMPTS: '1',
      FETCH_BACKOFF_SECONDS: '0',
      FETCH_BACKOFF_MAX_SECONDS: '0',
      FETCH_STALL_SECONDS: '1',
      FETCH_CONNECT_TIMEOUT_SECONDS: '1',
      FETCH_LOCK_STALE_SECONDS: '4',
      FETCH_LOCK_WAIT_SECONDS: '1',
      FETCH_PROGRESS_SECONDS: '0',
    });
  });

  test('distinct values land under the right names; unset settings render nothing', () => {
    expect(
      tuningEnv({
        retries: 7,
        maxAttempts: 12,
        backoff: Duration.seconds(3),
        maxBackoff: Duration.minutes(2),
        stallTimeout: Duration.seconds(45),
        connectTimeout: Duration.seconds(20),
        lockLease: Duration.minutes(3),
        lockWait: Duration.hours(1),
        progressInterval: Duration.seconds(15),
      }),
    ).toEqual({
      FETCH_RETRIES: '7',
      FETCH_MAX_ATTEMPTS: '12',
      FETCH_BACKOFF_SECONDS: '3',
      FETCH_BACKOFF_MAX_SECONDS: '120',
      FETCH_STALL_SECONDS: '45',
      FETCH_CONNECT_TIMEOUT_SECONDS: '20',
      FETCH_LOCK_STALE_SECONDS: '180',
      FETCH_LOCK_WAIT_SECONDS: '3600',
      FETCH_PROGRESS_SECONDS: '15',
    });
    expect(tuningEnv({})).toEqual({});
    expect(tuningEnv({ maxAttempts: 2 })).toEqual({ FETCH_MAX_ATTEMPTS: '2' });
  });

  const bad: Array<[string, FetchTuning, string]> = [
    ['a negative retries', { retries: -1 }, 'tuning.retries must be an integer ≥ 0, got -1'],
    ['a fractional retries', { retries: 2.5 }, 'tuning.retries must be an integer ≥ 0, got 2.5'],
    ['a maxAttempts of 0', { maxAttempts: 0 }, 'tuning.maxAttempts must be an integer ≥ 1, got 0'],
    ['a fractional maxAttempts above the bound', { maxAttempts: 3.5 }, 'tuning.maxAttempts must be an integer ≥ 1, got 3.5'],
    ['a fractional backoff', { backoff: Duration.millis(2500) }, 'tuning.backoff must be a whole number of seconds ≥ 0, got 2.5'],
    ['a fractional maxBackoff', { maxBackoff: Duration.millis(500) }, 'tuning.maxBackoff must be a whole number of seconds ≥ 0, got 0.5'],
    ['a stallTimeout of 0', { stallTimeout: Duration.seconds(0) }, 'tuning.stallTimeout must be a whole number of seconds ≥ 1, got 0'],
    ['a connectTimeout of 0', { connectTimeout: Duration.seconds(0) }, 'tuning.connectTimeout must be a whole number of seconds ≥ 1, got 0'],
    ['a lockLease of 3 s', { lockLease: Duration.seconds(3) }, 'tuning.lockLease must be a whole number of seconds ≥ 4, got 3'],
    ['a lockWait of 0', { lockWait: Duration.seconds(0) }, 'tuning.lockWait must be a whole number of seconds ≥ 1, got 0'],
    ['a fractional progressInterval', { progressInterval: Duration.millis(100) }, 'tuning.progressInterval must be a whole number of seconds ≥ 0, got 0.1'],
  ];
  test.each(bad)('fails on %s', (_title, tuning, message) => {
    expect(errorOf(props({ tuning }))).toBe(`ml/d: ${message}`);
  });
});

describe('mount paths', () => {
  const reserved: Array<[string, string]> = [
    ['/tmp', '/tmp'],
    ['/tmp/x', '/tmp'],
    ['/home/ml/data', '/home/ml'],
    ['/home', '/home/ml'],
    ['/dev/shm', '/dev/shm'],
    ['/dev', '/dev/shm'],
    ['/opt/cdk8s-ml/data', '/opt/cdk8s-ml'],
    ['/opt', '/opt/cdk8s-ml'],
    ['/var/lib/cdk8s-ml/volume', '/var/lib/cdk8s-ml/volume'],
    ['/var/lib', '/var/lib/cdk8s-ml/volume'],
    ['/var/run/cdk8s-ml/headers', '/var/run/cdk8s-ml'],
    ['/var/run', '/var/run/cdk8s-ml'],
  ];
  test.each(reserved)('fails on mountPath %s (overlaps %s)', (mountPath, dir) => {
    expect(errorOf(props({ mountPath }))).toBe(`ml/d: mountPath "${mountPath}" overlaps "${dir}", which cdk8s-ml reserves`);
  });

  test('a path that only shares a prefix with a reserved one is free', () => {
    for (const mountPath of ['/tmpdata', '/home/mldata', '/dev/shmem', '/opt/cdk8s-ml2', '/var/lib/cdk8s-ml/volumes', '/var/run/cdk8s-mlx']) {
      expect(new DatasetInit(chart(), 'd', props({ mountPath })).mountPath).toBe(mountPath);
    }
  });

  test('datasets nested in each other on one consumer collide, in both orders; prefix-sharing siblings do not', () => {
    const c = chart();
    const owner = new Construct(c, 'train');
    new DatasetInit(c, 'outer', props({ mountPath: '/data/shared' })).contributeTo(owner);
    const inner = new DatasetInit(c, 'inner', props({ mountPath: '/data/shared/sub' }));
    expect(constructErrorOf(() => inner.contributeTo(owner)).message).toBe('ml/inner: mountPath "/data/shared/sub" collides with "/data/shared" of dataset ml/outer on ml/train');

    const other = new Construct(c, 'serve');
    new DatasetInit(c, 'deep', props({ mountPath: '/models/a/b' })).contributeTo(other);
    const top = new DatasetInit(c, 'top', props({ mountPath: '/models/a' }));
    expect(constructErrorOf(() => top.contributeTo(other)).message).toBe('ml/top: mountPath "/models/a" collides with "/models/a/b" of dataset ml/deep on ml/serve');
    const sibling = new DatasetInit(c, 'sibling', props({ mountPath: '/models/ab' }));
    expect(sibling.contributeTo(other).volumeMounts[0].mountPath).toBe('/models/ab');
  });

  test('attachTo: a container mount below the data mount collides; a prefix-sharing sibling does not', () => {
    const c = chart();
    const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
    job.containers[0].mount('/data/d/cache', kplus.Volume.fromEmptyDir(c, 'v', 'scratch', { sizeLimit: Size.gibibytes(1) }));
    const ds = new DatasetInit(c, 'd', props());
    expect(constructErrorOf(() => ds.attachTo(job)).message).toBe('ml/d: mountPath "/data/d" collides with mount "/data/d/cache" of container a in ml/j');

    const c2 = chart();
    const job2 = new kplus.Job(c2, 'j', { securityContext: { user: 1000, group: 1000, fsGroup: 1000 }, containers: [kplusMain('a')] });
    job2.containers[0].mount('/data/dd', kplus.Volume.fromEmptyDir(c2, 'v', 'scratch', { sizeLimit: Size.gibibytes(1) }));
    new DatasetInit(c2, 'd', props()).attachTo(job2);
    const mounts = Testing.synth(c2).find((o) => o.kind === 'Job').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts.sort()).toEqual(['/data/d', '/data/dd']);
  });
});

describe('fails', () => {
  test('fails without props or with a source that is not a DataSource', () => {
    const noProps = constructErrorOf(() => new DatasetInit(chart(), 'd', undefined as unknown as DatasetInitProps));
    expect(noProps).toBeInstanceOf(MlValidationError);
    expect(noProps.message).toBe('ml/d: source must be a DataSource (DataSource.http/s3/gcs/huggingFace/pvc), got undefined');
    expect(errorOf({ source: 'https://data.example.com/d.bin' as unknown as DataSource })).toBe(
      'ml/d: source must be a DataSource (DataSource.http/s3/gcs/huggingFace/pvc), got "https://data.example.com/d.bin"',
    );
  });

  test('fails attaching to a workload that already has a volume of the dataset\'s names', () => {
    for (const name of ['ds-d-tmp', 'ds-d-home', 'ds-d', 'ds-d-fetch']) {
      const c = chart();
      const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
      job.addVolume(kplus.Volume.fromEmptyDir(c, 'v', name, { sizeLimit: Size.gibibytes(1) }));
      const ds = new DatasetInit(c, 'd', props());
      expect(constructErrorOf(() => ds.attachTo(job)).message).toBe(`ml/d: ml/j already has a volume named "${name}"`);
    }
  });

  test('fails attachTo with something that is not a cdk8s-plus workload', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', props());
    expect(constructErrorOf(() => ds.attachTo({ node: c.node } as never)).message).toBe('ml/d: attachTo needs a cdk8s-plus workload (Pod, Job, Deployment, StatefulSet…), got [object Object]');
  });
});
