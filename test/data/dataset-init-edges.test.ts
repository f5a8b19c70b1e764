/**
 * DatasetInit (src/data/dataset-init.ts) at its edges, with spelled-out expected values: the
 * fetcher's fixed paths and default resources, the reserved mount paths (both directions of an
 * overlap, and a sibling that only shares a prefix), every tuning setting at and beyond its
 * bound, and the error paths of the constructor and of attachTo.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EXTERNAL_ANNOTATION, External, FLOWS_ANNOTATION, MlValidationError } from '../../src/core';
import { DataSource, DatasetInit, DatasetInitProps, DatasetVolume, Extract, FetchTuning, HuggingFaceRepoType, SecretKey } from '../../src/data';
import { kplusMain } from '../fixtures/data.fixture';
import { constructErrorOf } from '../support/errors';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SCRIPT = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'data', 'fetch.sh'), 'utf8');

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

  test('the script ConfigMap: content-named, labelled with the script hash, sync wave -1, immutable', () => {
    const c = chart();
    new DatasetInit(c, 'd', props()).contributeTo(new Construct(c, 'o'));
    const cm = Testing.synth(c).find((o) => o.kind === 'ConfigMap');
    const hash = createHash('sha256').update(SCRIPT, 'utf8').digest('hex').slice(0, 10);
    expect({ ...cm, data: undefined }).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `cdk8s-ml-fetch-${hash}`,
        namespace: 'team-a',
        labels: { 'app.kubernetes.io/name': 'cdk8s-ml-fetch', 'app.kubernetes.io/instance': 'cdk8s-ml-fetch', 'app.kubernetes.io/component': 'dataset', 'app.kubernetes.io/version': hash, 'app.kubernetes.io/managed-by': 'cdk8s-ml' },
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
      immutable: true,
      data: undefined,
    });
    expect(cm.data['fetch.sh']).toBe(SCRIPT);
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

  test('fails on a fetcher env value that looks like a credential (here a file name shaped like an AWS key id)', () => {
    expect(errorOf(props({ source: DataSource.http('https://data.example.com/d.bin', { filename: 'AKIAABCDEFGHIJKLMNOP' }) }))).toBe(
      'ml/d: init container env: FETCH_FILENAME looks like a credential given as a literal; reference a Secret with EnvSource.fromSecret(name, key) instead',
    );
  });

  test('a DataSource.pvc dataset adds no scratch volumes, so their names stay free', () => {
    const c = chart();
    const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
    job.addVolume(kplus.Volume.fromEmptyDir(c, 'v', 'ds-d-tmp', { sizeLimit: Size.gibibytes(1) }));
    new DatasetInit(c, 'd', { source: DataSource.pvc(External.claim('curated')) }).attachTo(job);
    expect(Testing.synth(c).find((o) => o.kind === 'Job').spec.template.spec.volumes.map((v: any) => v.name).sort()).toEqual(['ds-d', 'ds-d-tmp']);
  });

  test('fails attachTo with something that is not a cdk8s-plus workload', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', props());
    expect(constructErrorOf(() => ds.attachTo({ node: c.node } as never)).message).toBe('ml/d: attachTo needs a cdk8s-plus workload (Pod, Job, Deployment, StatefulSet…), got [object Object]');
  });
});

describe('names, paths and the fingerprint', () => {
  test('the fingerprint is the SHA-256 of the identity JSON (keys sorted, v: 1), first 16 hex digits', () => {
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
    expect(new DatasetInit(chart(), 'd', props()).fingerprint).toBe(sha(`{"extract":"none","filename":null,"manifest":null,"sha256":"${SHA}","source":"http","v":1}`));
    const hf = DataSource.huggingFace('org/m', { revision: 'v1', include: ['b', 'a'], repoType: HuggingFaceRepoType.DATASET, sha256Manifest: 'S' });
    expect(new DatasetInit(chart(), 'd', props({ source: hf })).fingerprint).toBe(sha('{"include":["a","b"],"manifest":"S","repo":"org/m","repoType":"dataset","revision":"v1","source":"hf","v":1}'));
  });

  test('the name: from the id (at most 50 characters) or given; the default mount path and path env follow it', () => {
    const long = new DatasetInit(chart(), `Image-Net-${'x'.repeat(60)}`, props());
    expect(long.name).toHaveLength(50);
    expect(long.name.startsWith('image-net-xxx')).toBe(true);
    const ds = new DatasetInit(chart(), 'Some_Id', props({ name: 'my-data-v2' }));
    expect([ds.name, ds.mountPath, ds.volumeName, ds.initContainerName]).toEqual(['my-data-v2', '/data/my-data-v2', 'ds-my-data-v2', 'fetch-my-data-v2']);
    expect(ds.contributeTo(new Construct(chart(), 'o')).env).toEqual([{ name: 'DATASET_MY_DATA_V2_DIR', value: '/data/my-data-v2' }]);
    expect(new DatasetInit(chart(), 'd', props({ name: 'n'.repeat(50) })).name).toBe('n'.repeat(50));
    expect(errorOf(props({ name: 'n'.repeat(51) }))).toMatch(/^ml\/d: name must be a DNS-1123 label/);
  });

  test('root: nested directories of letters, digits, ".", "_" and "-"', () => {
    for (const root of ['a', 'a.b_c-d', 'teams/a/sets.v2', '..a', 'a..']) {
      const init = new DatasetInit(chart(), 'd', props({ root })).contributeTo(new Construct(chart(), 'o'));
      expect(envOf(init.initContainers[0]).FETCH_ROOT).toBe(`/var/lib/cdk8s-ml/volume/${root}`);
      expect(init.volumeMounts[0].subPath).toBe(`${root}/data`);
    }
  });

  test.each(['/a', 'a/', 'a//b', 'a/./b', 'a/..', '.', '..', 'a b', 'a:b', ''])('fails on root %j', (root) => {
    expect(errorOf(props({ root }))).toBe(`ml/d: root must be a relative directory of letters, digits, ".", "_" and "-" (no ".."), got ${JSON.stringify(root)}`);
  });

  test.each(['/', '/data/', '/data//x', '/data/./x', '/data/../x', '/data/x/..', 'data', '/data x', '/data:x', '/data\tx'])('fails on mountPath %j', (mountPath) => {
    expect(errorOf(props({ mountPath }))).toBe(`ml/d: mountPath must be an absolute, normalized path (no "..", "//", trailing "/", ":" or spaces), got ${JSON.stringify(mountPath)}`);
  });

  test('fails on a mountPath that is not a string', () => {
    expect(errorOf(props({ mountPath: 5 as unknown as string }))).toBe('ml/d: mountPath must be an absolute, normalized path (no "..", "//", trailing "/", ":" or spaces), got 5');
  });

  test('mount paths with dots inside names are normal', () => {
    for (const mountPath of ['/data/a.b', '/data/..a', '/d']) expect(new DatasetInit(chart(), 'd', props({ mountPath })).mountPath).toBe(mountPath);
  });

  test('fails on a path env that is not an env var name', () => {
    expect(errorOf(props({ pathEnv: 'MY DIR' }))).toMatch(/^ml\/d: pathEnv/);
  });
});

describe('sizes', () => {
  const sized = (expectedSize: Size, extract = Extract.NONE) => {
    const ds = new DatasetInit(chart(), 'd', { source: DataSource.http('https://x.example.com/a', { sha256: SHA, expectedSize, extract }) });
    return ds.contributeTo(new Construct(Chart.of(ds), 'o')).volumes[0];
  };

  test('an unsized emptyDir takes the expected size in whole MiB, rounded up, doubled while extracting', () => {
    expect(sized(Size.kibibytes(1537))).toEqual({ name: 'ds-d', emptyDir: { sizeLimit: { value: '2Mi' } } });
    expect(sized(Size.kibibytes(1536), Extract.TAR)).toEqual({ name: 'ds-d', emptyDir: { sizeLimit: { value: '3Mi' } } });
    expect(sized(Size.kibibytes(1537), Extract.ZIP)).toEqual({ name: 'ds-d', emptyDir: { sizeLimit: { value: '4Mi' } } });
    expect(sized(Size.mebibytes(5))).toEqual({ name: 'ds-d', emptyDir: { sizeLimit: { value: '5Mi' } } });
  });

  test('a volume exactly as large as needed is enough', () => {
    expect(() => new DatasetInit(chart(), 'd', { source: DataSource.http('https://x.example.com/a', { expectedSize: Size.gibibytes(10) }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(10) }) })).not.toThrow();
    expect(() => new DatasetInit(chart(), 'd', { source: DataSource.http('https://x.example.com/a.tar', { expectedSize: Size.gibibytes(10), extract: Extract.TAR }), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(20) }) })).not.toThrow();
    expect(errorOf({ source: DataSource.http('https://x.example.com/a.tar', { expectedSize: Size.gibibytes(10), extract: Extract.TAR }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.mebibytes(20479) }) })).toBe(
      'ml/d: volume size 21473787904 bytes is below the space needed while extracting (2 × expectedSize) of 21474836480 bytes',
    );
  });
});

describe('DataSource.pvc', () => {
  test.each([
    ['image', { image: 'curlimages/curl:8.11.1' }, '"curlimages/curl:8.11.1"'],
    ['resources', { resources: { cpu: '1', memory: '1Gi' } }, '{"cpu":"1","memory":"1Gi"}'],
    ['tuning', { tuning: { retries: 1 } }, '{"retries":1}'],
  ])('fails on %s', (key, extra, shown) => {
    expect(errorOf({ source: DataSource.pvc(External.claim('curated')), ...extra })).toBe(`ml/d: ${key} has no effect with DataSource.pvc (no init container), got ${shown}`);
  });

  test('fails on a volume', () => {
    expect(errorOf({ source: DataSource.pvc(External.claim('curated')), volume: DatasetVolume.emptyDir() })).toBe(
      'ml/d: volume must not be set with DataSource.pvc: the claim is mounted read-only as is, nothing is fetched',
    );
  });

  test('the whole contribution: the claim, no fetcher, no flows', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', { source: DataSource.pvc(External.claim('curated')) });
    expect(ds.flows()).toEqual([]);
    expect([ds.initContainerName, ds.permanentExitCodes]).toEqual([undefined, []]);
    const contribution = ds.contributeTo(new Construct(c, 'o'));
    expect(contribution).toEqual({
      initContainers: [],
      volumes: [{ name: 'ds-d', persistentVolumeClaim: { claimName: 'curated', readOnly: true } }],
      volumeMounts: [{ name: 'ds-d', mountPath: '/data/d', readOnly: true }],
      env: [{ name: 'DATASET_D_DIR', value: '/data/d' }],
      permanentExitCodes: [],
      containerNames: [],
      flows: [],
      identity: undefined,
      references: [{ ref: { kind: 'PersistentVolumeClaim', name: 'curated', external: true }, readOnly: true, what: 'dataset d' }],
    });
  });

  test('attached to a workload without fsGroup: nothing writes the claim', () => {
    const c = chart();
    const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
    new DatasetInit(c, 'd', { source: DataSource.pvc(External.claim('curated')) }).attachTo(job);
    const spec = Testing.synth(c).find((o) => o.kind === 'Job').spec.template.spec;
    expect(spec.initContainers).toBeUndefined();
    expect(spec.volumes).toEqual([{ name: 'ds-d', persistentVolumeClaim: { claimName: 'curated', readOnly: true } }]);
  });
});

describe('the contribution of a fetching dataset', () => {
  test('flows, identity, exit codes and references, spelled out', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'llm', props({ source: DataSource.huggingFace('org/m', { revision: 'v1', token: SecretKey.of(External.secret('hf'), 't') }) }));
    const contribution = ds.contributeTo(new Construct(c, 'o'));
    expect(contribution.flows).toEqual([{ purpose: 'fetch llm', direction: 'egress', peer: { kind: 'external', host: 'huggingface.co' }, ports: [{ port: 443, protocol: 'TCP' }], construct: 'ml/llm' }]);
    expect(contribution.identity).toBe('org/m');
    expect(contribution.permanentExitCodes).toEqual([20, 21, 22, 23, 24, 25]);
    expect(contribution.containerNames).toEqual(['fetch-llm']);
    expect(contribution.references).toEqual([{ ref: { kind: 'Secret', name: 'hf', external: true }, readOnly: true, what: 'dataset llm secret' }]);
    // the exit codes are copies: changing one contribution's list changes nothing else
    contribution.permanentExitCodes.push(99);
    expect(ds.permanentExitCodes).toEqual([20, 21, 22, 23, 24, 25]);
    expect(new DatasetInit(c, 'http', props()).contributeTo(new Construct(c, 'p')).identity).toBeUndefined();
  });

  test('a cache claim in another namespace than the consumer fails; an emptyDir does not care', () => {
    const app = new App();
    const data = new Chart(app, 'data', { namespace: 'team-a' });
    const other = new Construct(new Chart(app, 'serve', { namespace: 'team-b' }), 'train');
    expect(new DatasetInit(data, 'e', props()).contributeTo(other).volumes[0].name).toBe('ds-e');
    expect(constructErrorOf(() => new DatasetInit(data, 'c', props({ volume: DatasetVolume.pvc(External.claim('cache')) })).contributeTo(other)).message).toBe(
      'data/c: the claim lives in namespace "team-a" but consumer serve/train is in "team-b"; a pod can only mount claims of its own namespace',
    );
    expect(constructErrorOf(() => new DatasetInit(data, 'p', { source: DataSource.pvc(External.claim('curated')) }).contributeTo(other)).message).toBe(
      'data/p: the claim lives in namespace "team-a" but consumer serve/train is in "team-b"; a pod can only mount claims of its own namespace',
    );
    expect(constructErrorOf(() => new DatasetInit(data, 's', props()).contributeTo(other, { sharedVolume: External.claim('shared') })).message).toBe(
      'data/s: the claim lives in namespace "team-a" but consumer serve/train is in "team-b"; a pod can only mount claims of its own namespace',
    );
  });
});

describe('a shared cache claim', () => {
  test('replaces the emptyDir: fetched into, recorded as a writable reference', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', props());
    const contribution = ds.contributeTo(new Construct(c, 'o'), { sharedVolume: External.claim('model-cache') });
    expect(contribution.volumes[0]).toEqual({ name: 'ds-d', persistentVolumeClaim: { claimName: 'model-cache' } });
    expect(contribution.references).toEqual([{ ref: { kind: 'PersistentVolumeClaim', name: 'model-cache', external: true }, readOnly: false, what: 'dataset d shared cache' }]);
  });

  test('fails on something that is not a claim', () => {
    const c = chart();
    expect(constructErrorOf(() => new DatasetInit(c, 'd', props()).contributeTo(new Construct(c, 'o'), { sharedVolume: { name: 'x' } as never })).message).toBe(
      'ml/d: shared volume must be a VolumeClaim, a cdk8s-plus PersistentVolumeClaim or External.claim(name), got {"name":"x"}',
    );
  });

  test('fails for DataSource.pvc and for a dataset on its own claim', () => {
    const c = chart();
    const shared = { sharedVolume: External.claim('cache') };
    expect(constructErrorOf(() => new DatasetInit(c, 'p', { source: DataSource.pvc(External.claim('curated')) }).contributeTo(new Construct(c, 'o'), shared)).message).toBe(
      'ml/p: a shared cache claim has nothing to fill: DataSource.pvc "curated" is mounted as is; serve it with ModelSource.pvc(...) instead',
    );
    expect(constructErrorOf(() => new DatasetInit(c, 'n', props({ volume: DatasetVolume.pvc(External.claim('own')) })).contributeTo(new Construct(c, 'o2'), shared)).message).toBe(
      'ml/n: a shared cache claim replaces the per-pod emptyDir, but this dataset already fetches into claim "own"; drop the shared cache or the dataset\'s volume',
    );
  });
});

describe('attachTo a cdk8s-plus workload', () => {
  function attach(p: DatasetInitProps, pod: kplus.AbstractPodProps = { securityContext: { user: 1000, group: 1000, fsGroup: 1000 } }) {
    const c = chart();
    const job = new kplus.Job(c, 'j', { ...pod, containers: [kplusMain('a'), kplusMain('b')] });
    new DatasetInit(c, 'd', p).attachTo(job);
    return Testing.synth(c).find((o) => o.kind === 'Job');
  }

  test('the fetcher: resources with and without limits, ids from the props when the pod sets none', () => {
    const job = attach(props({ resources: { cpu: '500m', memory: '300Mi', cpuLimit: '1500m', memoryLimit: '600Mi' }, security: { runAsUser: 2000, runAsGroup: 3000 } }), {});
    const init = job.spec.template.spec.initContainers[0];
    // ephemeral-storage: 2 GiB data + 1 GiB /tmp + 1 GiB HOME + 512 MiB logs = 4.5 GiB, whole GiB rounded up
    expect(init.resources).toEqual({ requests: { cpu: '500m', memory: '300Mi', 'ephemeral-storage': '5Gi' }, limits: { cpu: '1500m', memory: '600Mi' } });
    expect(init.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000 });
    const same = attach(props({ resources: { cpu: '250m', memory: '100Mi' }, volume: DatasetVolume.emptyDir({ sizeLimit: Size.mebibytes(1536) }) })).spec.template.spec.initContainers[0];
    // 1.5 GiB data + 1 GiB /tmp + 1 GiB HOME + 512 MiB logs = 4 GiB
    expect(same.resources).toEqual({ requests: { cpu: '250m', memory: '100Mi', 'ephemeral-storage': '4Gi' }, limits: { cpu: '250m', memory: '100Mi' } });
    // the pod sets the ids: the fetcher inherits them
    expect(same.securityContext.runAsUser).toBeUndefined();
    expect(same.securityContext.runAsGroup).toBeUndefined();
  });

  test('the fetcher mounts: script read-only, volume writable, scratch dirs', () => {
    const init = attach(props()).spec.template.spec.initContainers[0];
    expect(init.volumeMounts).toEqual([
      { name: 'ds-d-fetch', mountPath: '/opt/cdk8s-ml', readOnly: true },
      { name: 'ds-d', mountPath: '/var/lib/cdk8s-ml/volume' },
      { name: 'ds-d-tmp', mountPath: '/tmp' },
      { name: 'ds-d-home', mountPath: '/home/ml' },
    ]);
    expect(init.env.find((e: any) => e.name === 'FETCH_POD_ID')).toEqual({ name: 'FETCH_POD_ID', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.uid' } } });
  });

  test('every main container mounts the data read-only; without a path env none is set', () => {
    const containers = attach(props({ pathEnv: false })).spec.template.spec.containers;
    for (const main of containers) {
      expect(main.volumeMounts).toEqual([{ name: 'ds-d', mountPath: '/data/d', subPath: 'd/data', readOnly: true }]);
      expect((main.env ?? []).map((e: any) => e.name)).not.toContain('DATASET_D_DIR');
    }
  });

  test('the flows and External secrets are declared on the workload', () => {
    const job = attach(props({ source: DataSource.http('https://data.example.com/d.bin', { sha256: SHA, headersFromSecret: SecretKey.of(External.secret('hdr'), 'h') }) }));
    expect(JSON.parse(job.metadata.annotations[EXTERNAL_ANNOTATION])).toEqual([{ kind: 'Secret', name: 'hdr' }]);
    expect(JSON.parse(job.metadata.annotations[FLOWS_ANNOTATION])).toEqual([
      expect.objectContaining({ purpose: 'fetch d', direction: 'egress', peer: { kind: 'external', host: 'data.example.com' }, ports: [{ port: 443, protocol: 'TCP' }] }),
    ]);
    expect(attach(props()).metadata.annotations?.[EXTERNAL_ANNOTATION]).toBeUndefined();
    // a claim the app renders is a reference too, but not an External one
    const onClaim = attach(props({ volume: DatasetVolume.newPvc({ storage: Size.gibibytes(2) }), source: DataSource.huggingFace('org/m', { revision: 'v1', token: SecretKey.of(External.secret('hf'), 't') }) }));
    expect(JSON.parse(onClaim.metadata.annotations[EXTERNAL_ANNOTATION])).toEqual([{ kind: 'Secret', name: 'hf' }]);
  });
});
