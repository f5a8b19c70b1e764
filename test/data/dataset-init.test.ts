import { External } from '../../src/core';
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { buildMlPodSpec, mergeContributions, shortHash } from '../../src/core';
import {
  DEFAULT_FETCH_IMAGES,
  DataSource,
  DatasetAccessMode,
  DatasetInit,
  DatasetInitProps,
  DatasetVolume,
  Extract,
  GcsCredentials,
  HuggingFaceRepoType,
  PERMANENT_FETCH_EXIT_CODES,
  S3Credentials,
  SecretKey,
} from '../../src/data';
import { dataChart } from '../../src/example/data';
import { expectValidManifests } from '../../src/testing';
import { FaultServer } from './fault-server';
import { Shell, detectShells, makeTar } from './fetch-harness';
import { dataSourcesChart, kplusMain } from '../fixtures/data.fixture';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SCRIPT = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'data', 'fetch.sh'), 'utf8');

function chart(): Chart {
  return new Chart(Testing.app(), 'ml', { namespace: 'team-a' });
}

function http(extra: Partial<DatasetInitProps> = {}, url = 'https://data.example.com/imagenet.tar.gz'): DatasetInitProps {
  return { source: DataSource.http(url, { sha256: SHA, extract: Extract.TAR_GZ }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...extra };
}

/** A cdk8s-ml style consumer: a Job whose pod spec goes through buildMlPodSpec. */
function consumerJob(scope: Construct, id: string, datasets: DatasetInit[]): k8s.KubeJob {
  const owner = new Construct(scope, id);
  const data = mergeContributions(datasets.map((d) => d.contributeTo(owner)));
  const spec = buildMlPodSpec(owner, {
    restartPolicy: 'Never',
    initContainers: data.initContainers,
    volumes: data.volumes,
    containers: [{ name: 'main', image: 'ghcr.io/acme/train:1.0.0', env: data.env, volumeMounts: data.volumeMounts, resources: { cpu: '1', memory: '1Gi' } }],
  });
  return new k8s.KubeJob(owner, 'Resource', { metadata: { name: id }, spec: { backoffLimit: 1, template: { spec } } });
}

function objects(c: Chart): any[] {
  return Testing.synth(c);
}

function podSpecs(manifests: any[]): any[] {
  return manifests.flatMap((o) => (o.kind === 'Pod' ? [o.spec] : o.spec?.template?.spec ? [o.spec.template.spec] : []));
}

/** The Pod Security "restricted" controls, checked on every container and init container. */
function restrictedViolations(manifests: any[]): string[] {
  const out: string[] = [];
  for (const spec of podSpecs(manifests)) {
    const pod = spec.securityContext ?? {};
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name')!;
      if (!['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].includes(type)) out.push(`volume ${v.name}: ${type}`);
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const sc = c.securityContext ?? {};
      if (sc.privileged) out.push(`${c.name}: privileged`);
      if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities.drop ALL`);
      if ((sc.capabilities?.add ?? []).some((a: string) => a !== 'NET_BIND_SERVICE')) out.push(`${c.name}: capabilities.add`);
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccompProfile`);
    }
  }
  return out;
}

function expectValidEverywhere(c: Chart | any[]): void {
  expectValidManifests(c, { kubernetesVersion: '1.28' });
  expectValidManifests(c, { kubernetesVersion: '1.33' });
}

function find(manifests: any[], kind: string): any {
  const o = manifests.find((m) => m.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  return o;
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('DatasetInit with a cdk8s-ml consumer', () => {
  test('renders the fetch init container, volumes, read-only data mount and script ConfigMap', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', http({ volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(200) }) }));
    consumerJob(c, 'train', [ds]);
    const m = objects(c);
    const spec = find(m, 'Job').spec.template.spec;

    expect(spec.initContainers).toHaveLength(1);
    const init = spec.initContainers[0];
    expect(init).toMatchObject({
      name: 'fetch-imagenet',
      image: DEFAULT_FETCH_IMAGES.http,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '/opt/cdk8s-ml/fetch.sh'],
      terminationMessagePolicy: 'FallbackToLogsOnError',
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    });
    const env = envOf(init);
    expect(env).toMatchObject({
      FETCH_SOURCE: 'http',
      FETCH_URL: 'https://data.example.com/imagenet.tar.gz',
      FETCH_SHA256: SHA,
      FETCH_EXTRACT: 'tar.gz',
      FETCH_ROOT: '/var/lib/cdk8s-ml/volume/imagenet',
      FETCH_FINGERPRINT: ds.fingerprint,
      FETCH_POD_ID: { fieldRef: { fieldPath: 'metadata.uid' } },
      HOME: '/home/ml',
      XDG_CACHE_HOME: '/home/ml/.cache',
    });
    // The ML framework caches are for the main containers, not for curl.
    for (const name of ['HF_HOME', 'TORCH_HOME', 'TRITON_CACHE_DIR', 'PIP_CACHE_DIR']) expect(env).not.toHaveProperty(name);
    expect(envOf(spec.containers[0])).toMatchObject({ HF_HOME: '/home/ml/.cache/huggingface', TORCH_HOME: '/home/ml/.cache/torch' });
    expect(ds.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // buildMlPodSpec gives the init container writable /tmp and HOME.
    expect(init.volumeMounts.map((v: any) => v.mountPath)).toEqual(['/tmp', '/home/ml', '/opt/cdk8s-ml', '/var/lib/cdk8s-ml/volume']);
    expect(init.volumeMounts.find((v: any) => v.mountPath === '/opt/cdk8s-ml').readOnly).toBe(true);

    expect(spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'ds-imagenet', emptyDir: { sizeLimit: '200Gi' } },
        // the ConfigMap name from the script's SHA-256 computed here, not with fetchScriptConfigMapName()
        { name: 'ds-imagenet-fetch', configMap: { name: `cdk8s-ml-fetch-${createHash('sha256').update(SCRIPT, 'utf8').digest('hex').slice(0, 10)}`, defaultMode: 0o444 } },
      ]),
    );
    const main = spec.containers[0];
    expect(main.volumeMounts).toContainEqual({ name: 'ds-imagenet', mountPath: '/data/imagenet', subPath: 'imagenet/data', readOnly: true });
    expect(envOf(main).DATASET_IMAGENET_DIR).toBe('/data/imagenet');

    const cm = find(m, 'ConfigMap');
    // the script's SHA-256 computed here, not with the library's shortHash
    expect(cm.metadata.name).toBe(`cdk8s-ml-fetch-${createHash('sha256').update(SCRIPT, 'utf8').digest('hex').slice(0, 10)}`);
    expect(cm.metadata.namespace).toBe('team-a');
    expect(cm.immutable).toBe(true);
    expect(cm.data['fetch.sh']).toBe(SCRIPT);
    expect(restrictedViolations(m)).toEqual([]);
    expectValidEverywhere(m);
  });

  test('contributeTo exposes permanent exit codes and container names, once per consumer', () => {
    const c = chart();
    const a = new DatasetInit(c, 'a', http());
    const b = new DatasetInit(c, 'b', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.huggingFace('org/model', { revision: 'main' }) });
    const owner = new Construct(c, 'owner');
    const first = a.contributeTo(owner);
    expect(a.contributeTo(owner)).toBe(first);
    expect(first.permanentExitCodes).toEqual(PERMANENT_FETCH_EXIT_CODES);
    expect(first.permanentExitCodes).toEqual([20, 21, 22, 23, 24, 25]);
    expect(first.containerNames).toEqual(['fetch-a']);
    const merged = mergeContributions([first, b.contributeTo(owner)]);
    expect(merged.initContainers.map((x) => x.name)).toEqual(['fetch-a', 'fetch-b']);
    expect(merged.volumeMounts.map((x) => x.mountPath)).toEqual(['/data/a', '/data/b']);
    // Both share one script ConfigMap in the chart.
    expect(objects(c).filter((o) => o.kind === 'ConfigMap')).toHaveLength(1);
  });

  test('the fingerprint follows the content, not a URL pinned by sha256', () => {
    const fp = (source: DataSource) => new DatasetInit(chart(), 'd', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source }).fingerprint;
    const base = fp(DataSource.http('https://a.example.com/x.tar.gz', { sha256: SHA, extract: Extract.TAR_GZ }));
    expect(fp(DataSource.http('https://mirror.example.org/x.tar.gz?sig=1', { sha256: SHA, extract: Extract.TAR_GZ }))).toBe(base);
    expect(fp(DataSource.http('https://a.example.com/x.tar.gz', { sha256: SHA.replace('e', 'f'), extract: Extract.TAR_GZ }))).not.toBe(base);
    expect(fp(DataSource.http('https://a.example.com/x.tar.gz', { sha256: SHA, extract: Extract.TAR }))).not.toBe(base);
    expect(fp(DataSource.http('https://a.example.com/x'))).not.toBe(fp(DataSource.http('https://a.example.com/y')));
    const hf = (revision: string) => fp(DataSource.huggingFace('org/m', { revision }));
    expect(hf('abc123')).not.toBe(hf('def456'));
  });

  test('s3: rclone settings and credentials by secretKeyRef only', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'coco', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }),
      source: DataSource.s3('s3://ml-data/coco/', {
        credentials: S3Credentials.fromSecret({ accessKeyId: SecretKey.of('s3', 'id'), secretAccessKey: SecretKey.of('s3', 'secret'), sessionToken: SecretKey.of('s3', 'token') }),
        endpoint: 'https://minio.example.com',
        region: 'eu-west-1',
      }),
    });
    consumerJob(c, 'train', [ds]);
    const m = objects(c);
    const init = find(m, 'Job').spec.template.spec.initContainers[0];
    expect(init.image).toBe(DEFAULT_FETCH_IMAGES.objectStore);
    expect(envOf(init)).toMatchObject({
      FETCH_SOURCE: 's3',
      FETCH_URL: 's3://ml-data/coco/',
      RCLONE_S3_ACCESS_KEY_ID: { secretKeyRef: { name: 's3', key: 'id' } },
      RCLONE_S3_SECRET_ACCESS_KEY: { secretKeyRef: { name: 's3', key: 'secret' } },
      RCLONE_S3_SESSION_TOKEN: { secretKeyRef: { name: 's3', key: 'token' } },
      RCLONE_S3_ENV_AUTH: 'false',
      RCLONE_S3_ENDPOINT: 'https://minio.example.com',
      RCLONE_S3_PROVIDER: 'Other',
      RCLONE_S3_REGION: 'eu-west-1',
    });
    const env = envOf(new DatasetInit(chart(), 'x', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.s3('s3://b-1/k', { credentials: S3Credentials.fromEnvironment() }) }).contributeTo(chart()).initContainers[0]);
    expect(env).toMatchObject({ RCLONE_S3_ENV_AUTH: 'true', RCLONE_S3_PROVIDER: 'AWS' });
    expect(env.RCLONE_S3_ACCESS_KEY_ID).toBeUndefined();
    expectValidEverywhere(m);
  });

  test('gcs: service-account key mounted from a Secret; http headers likewise', () => {
    const c = chart();
    const gcs = new DatasetInit(c, 'gcs', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.gcs('gs://bucket/obj.tar', { credentials: GcsCredentials.fromSecret(SecretKey.of('sa', 'key.json')), extract: Extract.TAR }) });
    const web = new DatasetInit(c, 'web', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.http('https://x.example.com/f.bin', { headersFromSecret: SecretKey.of('auth', 'h') }) });
    consumerJob(c, 'train', [gcs, web]);
    const m = objects(c);
    const spec = find(m, 'Job').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'ds-gcs-gcs', secret: { secretName: 'sa', items: [{ key: 'key.json', path: 'key.json' }], defaultMode: 0o444 } });
    expect(spec.volumes).toContainEqual({ name: 'ds-web-headers', secret: { secretName: 'auth', items: [{ key: 'h', path: 'headers' }], defaultMode: 0o444 } });
    const [g, w] = spec.initContainers;
    expect(envOf(g)).toMatchObject({ FETCH_SOURCE: 'gcs', RCLONE_GCS_SERVICE_ACCOUNT_FILE: '/var/run/cdk8s-ml/gcs/key.json', FETCH_EXTRACT: 'tar' });
    expect(g.volumeMounts).toContainEqual({ name: 'ds-gcs-gcs', mountPath: '/var/run/cdk8s-ml/gcs', readOnly: true });
    expect(envOf(w).FETCH_HEADERS_FILE).toBe('/var/run/cdk8s-ml/headers/headers');
    expect(w.volumeMounts).toContainEqual({ name: 'ds-web-headers', mountPath: '/var/run/cdk8s-ml/headers', readOnly: true });
    expect(envOf(new DatasetInit(chart(), 'p', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.gcs('gs://pub-data', { credentials: GcsCredentials.anonymous() }) }).contributeTo(chart()).initContainers[0])).toMatchObject({
      RCLONE_GCS_ANONYMOUS: 'true',
    });
    expectValidEverywhere(m);
  });

  test('hugging face: revision, repo type and token by reference', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'llama', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }),
      source: DataSource.huggingFace('meta-llama/Llama-3.2-1B', { revision: '4e20de362430cd3b72f300e6b0f18e50e7166e08', token: SecretKey.of('hf', 'token'), repoType: HuggingFaceRepoType.MODEL }),
      mountPath: '/models/llama',
    });
    const init = ds.contributeTo(new Construct(c, 'o')).initContainers[0];
    expect(init.image).toBe(DEFAULT_FETCH_IMAGES.huggingFace);
    expect(envOf(init)).toMatchObject({
      FETCH_SOURCE: 'hf',
      FETCH_URL: 'meta-llama/Llama-3.2-1B',
      FETCH_REVISION: '4e20de362430cd3b72f300e6b0f18e50e7166e08',
      FETCH_HF_REPO_TYPE: 'model',
      HF_TOKEN: { secretKeyRef: { name: 'hf', key: 'token' } },
      HF_HOME: '/home/ml/.cache/huggingface',
    });
    expect(envOf(init)).not.toHaveProperty('FETCH_INCLUDE');
    expect(envOf(init)).not.toHaveProperty('TORCH_HOME');
  });

  test('hugging face include: FETCH_INCLUDE one pattern a line, part of the fingerprint', () => {
    const c = chart();
    const source = (include?: string[]) => DataSource.huggingFace('org/m', { revision: 'abc123', include });
    const ds = new DatasetInit(c, 'm', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: source(['*.safetensors', 'config.json']) });
    const init = ds.contributeTo(new Construct(c, 'o')).initContainers[0];
    expect(envOf(init)).toMatchObject({ FETCH_SOURCE: 'hf', FETCH_INCLUDE: '*.safetensors\nconfig.json' });
    const fp = (s: DataSource) => new DatasetInit(chart(), 'd', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: s }).fingerprint;
    const all = fp(source());
    expect(ds.fingerprint).not.toBe(all);
    expect(fp(source(['*.safetensors']))).not.toBe(ds.fingerprint);
    expect(fp(source(['*.safetensors']))).not.toBe(all);
    expect(fp(source(['config.json', '*.safetensors']))).toBe(ds.fingerprint);
  });

  test('DataSource.pvc mounts the claim read-only without an init container', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'eval', { source: DataSource.pvc(External.claim('curated'), { subPath: 'v3' }), mountPath: '/data/eval' });
    consumerJob(c, 'train', [ds]);
    const m = objects(c);
    const spec = find(m, 'Job').spec.template.spec;
    expect(spec.initContainers).toBeUndefined();
    expect(spec.volumes).toContainEqual({ name: 'ds-eval', persistentVolumeClaim: { claimName: 'curated', readOnly: true } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'ds-eval', mountPath: '/data/eval', subPath: 'v3', readOnly: true });
    expect(m.some((o) => o.kind === 'ConfigMap')).toBe(false);
    expect(ds.permanentExitCodes).toEqual([]);
    expectValidEverywhere(m);
  });

  test('newPvc renders a stable, sync-wave annotated claim; pvc reuses a claim', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', http({ volume: DatasetVolume.newPvc({ storage: Size.gibibytes(500), storageClassName: 'fast', accessMode: DatasetAccessMode.READ_WRITE_MANY }) }));
    consumerJob(c, 'train', [ds]);
    const m = objects(c);
    const pvc = find(m, 'PersistentVolumeClaim');
    expect(pvc).toMatchObject({
      metadata: { name: 'imagenet-data', namespace: 'team-a', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      spec: { accessModes: ['ReadWriteMany'], storageClassName: 'fast', resources: { requests: { storage: '500Gi' } } },
    });
    expect(ds.claim).toBeDefined();
    expect(find(m, 'ConfigMap').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(find(m, 'Job').spec.template.spec.volumes).toContainEqual({ name: 'ds-imagenet', persistentVolumeClaim: { claimName: 'imagenet-data' } });
    expectValidEverywhere(m);

    const shared = new DatasetInit(chart(), 'other', { ...http(), volume: DatasetVolume.pvc(External.claim('cache-claim')), root: 'datasets/other' });
    const contribution = shared.contributeTo(new Construct(Chart.of(shared), 'o'));
    expect(contribution.volumes).toEqual([
      { name: 'ds-other', persistentVolumeClaim: { claimName: 'cache-claim' } },
      expect.objectContaining({ name: 'ds-other-fetch' }),
    ]);
    expect(contribution.volumeMounts[0].subPath).toBe('datasets/other/data');
    expect(envOf(contribution.initContainers[0]).FETCH_ROOT).toBe('/var/lib/cdk8s-ml/volume/datasets/other');
  });

  test('image, resources, tuning, pathEnv and ids are overridable', () => {
    const ds = new DatasetInit(chart(), 'd', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }),
      ...http(),
      image: 'registry.internal/mirror/curl:8.11.1',
      resources: { cpu: '1', memory: '512Mi' },
      tuning: { retries: 3, stallTimeout: Duration.seconds(30), lockLease: Duration.minutes(5), progressInterval: Duration.seconds(0) },
      pathEnv: 'IMAGENET',
      security: { runAsUser: 2000, runAsGroup: 2000 },
    });
    const c = ds.contributeTo(new Construct(Chart.of(ds), 'o'));
    const init = c.initContainers[0];
    expect(init.image).toBe('registry.internal/mirror/curl:8.11.1');
    expect(init.resources).toEqual({ requests: { cpu: { value: '1' }, memory: { value: '512Mi' } }, limits: { cpu: { value: '1' }, memory: { value: '512Mi' } } });
    expect(envOf(init)).toMatchObject({ FETCH_RETRIES: '3', FETCH_STALL_SECONDS: '30', FETCH_LOCK_STALE_SECONDS: '300', FETCH_PROGRESS_SECONDS: '0' });
    expect(init.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000 });
    expect(c.env).toEqual([{ name: 'IMAGENET', value: '/data/d' }]);
    expect(new DatasetInit(chart(), 'e', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...http(), pathEnv: false }).contributeTo(chart()).env).toEqual([]);
  });

  test('two renders are byte-identical', () => {
    const render = () => Testing.synth(dataChart(Testing.app())).map((o) => JSON.stringify(o)).join('\n');
    expect(render()).toBe(render());
    const render2 = () => JSON.stringify(Testing.synth(dataSourcesChart()));
    expect(render2()).toBe(render2());
  });

  test('snapshot of the example chart', () => {
    const m = Testing.synth(dataChart(Testing.app()));
    expect(restrictedViolations(m)).toEqual([]);
    expectValidEverywhere(m);
    // The script is owned and tested elsewhere: its body, its hash (ConfigMap name, label)
    // and the Job name hash that follows from it are masked so script edits keep the snapshot.
    for (const o of m) if (o.kind === 'ConfigMap') o.data['fetch.sh'] = '<fetch.sh>';
    const scriptHash = shortHash(SCRIPT, 10);
    const masked = JSON.parse(JSON.stringify(m).split(scriptHash).join('<script-hash>').replace(/resnet-train-[0-9a-f]{8}/g, 'resnet-train-<template-hash>'));
    expect(masked).toMatchSnapshot();
  });
});

test('every FETCH_* variable the construct renders is part of the FETCH.md contract and read by fetch.sh', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'FETCH.md'), 'utf8');
  const names = new Set<string>();
  const collect = (m: any[]) => {
    for (const spec of podSpecs(m)) for (const c of spec.initContainers ?? []) for (const e of c.env ?? []) if (e.name.startsWith('FETCH_')) names.add(e.name);
  };
  collect(objects(dataChart(Testing.app())));
  collect(objects(dataSourcesChart()));
  const c = chart();
  const tuned = new DatasetInit(c, 't', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }),
    source: DataSource.http('https://x.example.com/f', { filename: 'f.bin', sha256Manifest: 'SUMS', expectedSize: Size.mebibytes(1) }),
    tuning: {
      retries: 1, maxAttempts: 2, backoff: Duration.seconds(1), maxBackoff: Duration.seconds(2), stallTimeout: Duration.seconds(3),
      connectTimeout: Duration.seconds(4), lockLease: Duration.seconds(8), lockWait: Duration.seconds(9), progressInterval: Duration.seconds(1),
    },
  });
  const hfInclude = new DatasetInit(c, 'h', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.huggingFace('org/m', { revision: 'v1', include: ['*.json'] }), mountPath: '/models/m' });
  consumerJob(c, 'j', [tuned, hfInclude]);
  collect(objects(c));
  expect(names).toContain('FETCH_INCLUDE');
  expect(names.size).toBeGreaterThanOrEqual(20);
  for (const name of names) {
    expect([name, doc.includes(`| \`${name}\` |`)]).toEqual([name, true]);
    expect([name, SCRIPT.includes(name)]).toEqual([name, true]);
  }
});

describe('DatasetInit.attachTo cdk8s-plus workloads', () => {
  const restrictedPod = { securityContext: { user: 1000, group: 1000, fsGroup: 1000 } };
  const workloads: Array<[string, (c: Chart) => kplus.AbstractPod]> = [
    ['Job', (c) => new kplus.Job(c, 'w', { ...restrictedPod, containers: [kplusMain('a'), kplusMain('b')] })],
    ['Deployment', (c) => new kplus.Deployment(c, 'w', { ...restrictedPod, containers: [kplusMain('a'), kplusMain('b')] })],
    ['StatefulSet', (c) => new kplus.StatefulSet(c, 'w', { ...restrictedPod, containers: [{ ...kplusMain('a'), portNumber: 80 }, kplusMain('b')] })],
    ['Pod', (c) => new kplus.Pod(c, 'w', { ...restrictedPod, containers: [kplusMain('a'), kplusMain('b')] })],
  ];

  test.each(workloads)('%s: init container first, data read-only in every main container', (kind, make) => {
    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', http({ volume: DatasetVolume.newPvc({ storage: Size.gibibytes(10) }) }));
    ds.attachTo(make(c));
    const m = objects(c);
    const spec = podSpecs(m.filter((o) => o.kind === kind))[0];
    expect(spec.initContainers.map((x: any) => x.name)).toEqual(['fetch-imagenet']);
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['sh', '/opt/cdk8s-ml/fetch.sh']);
    expect(init.imagePullPolicy).toBe('IfNotPresent');
    expect(init.securityContext).toMatchObject({ readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } });
    expect(init.volumeMounts.map((v: any) => v.mountPath).sort()).toEqual(['/home/ml', '/opt/cdk8s-ml', '/tmp', '/var/lib/cdk8s-ml/volume']);
    expect(envOf(init)).toMatchObject({ FETCH_ROOT: '/var/lib/cdk8s-ml/volume/imagenet', FETCH_POD_ID: { fieldRef: { fieldPath: 'metadata.uid' } }, HOME: '/home/ml' });
    expect(spec.containers).toHaveLength(2);
    for (const main of spec.containers) {
      expect(main.volumeMounts).toContainEqual({ name: 'ds-imagenet', mountPath: '/data/imagenet', subPath: 'imagenet/data', readOnly: true });
      expect(envOf(main).DATASET_IMAGENET_DIR).toBe('/data/imagenet');
    }
    expect(spec.volumes.map((v: any) => v.name).sort()).toEqual(['ds-imagenet', 'ds-imagenet-fetch', 'ds-imagenet-home', 'ds-imagenet-tmp']);
    expect(restrictedViolations(m)).toEqual([]);
    expectValidEverywhere(m);
  });

  test('the fetcher gets explicit non-root ids when the pod sets none; secrets by reference', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'm', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), source: DataSource.huggingFace('org/m', { revision: 'v1.0', token: SecretKey.fromSecret(new kplus.Secret(c, 's', { stringData: { token: 'x' } }), 'token') }) });
    const dep = new kplus.Deployment(c, 'd', { containers: [kplusMain('a')] });
    ds.attachTo(dep);
    const m = objects(c);
    const init = podSpecs(m)[0].initContainers[0];
    expect(init.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
    expect(envOf(init).HF_TOKEN).toEqual({ secretKeyRef: { name: find(m, 'Secret').metadata.name, key: 'token' } });
    expectValidEverywhere(m);
  });

  test('fails attaching a PVC dataset to a workload without fsGroup', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', http({ volume: DatasetVolume.pvc(External.claim('cache')) }));
    expect(() => ds.attachTo(new kplus.Job(c, 'j', { containers: [kplusMain('a')] }))).toThrow(
      'ml/d: ml/j must set securityContext.fsGroup so the non-root fetcher can write PVC "cache"',
    );
  });

  test('fails attaching to a workload without containers, or twice', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', http());
    expect(() => ds.attachTo(new kplus.Job(c, 'empty'))).toThrow('ml/d: attach datasets after adding containers: ml/empty has none');
    const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
    ds.attachTo(job);
    expect(() => ds.attachTo(job)).toThrow('ml/d: already attached to ml/j');
  });

  test('fails when the mount path collides with a consumer mount', () => {
    const c = chart();
    const job = new kplus.Job(c, 'j', { containers: [kplusMain('a')] });
    job.containers[0].mount('/data', kplus.Volume.fromEmptyDir(c, 'v', 'scratch'));
    const ds = new DatasetInit(c, 'd', http());
    expect(() => ds.attachTo(job)).toThrow('ml/d: mountPath "/data/d" collides with mount "/data" of container a in ml/j');
  });
});

describe('DatasetInit validation', () => {
  const cases: Array<[string, () => DatasetInitProps, string]> = [
    ['fails on a sha256 that is not 64 hex characters', () => ({ source: DataSource.http('https://x.example.com/a', { sha256: 'abc123' }) }), 'ml/d: source sha256 must be 64 hex characters, got "abc123" (6 characters)'],
    ['fails on an unsupported URL scheme', () => ({ source: DataSource.http('ftp://x.example.com/a.tar') }), 'ml/d: source url must use http or https (DataSource.s3/gcs/huggingFace cover the others), got "ftp://x.example.com/a.tar"'],
    ['fails on credentials in the URL', () => ({ source: DataSource.http('https://user:pw@x.example.com/a') }), 'ml/d: source url must not carry credentials; pass them with headersFromSecret, got "https://***@x.example.com/a"'],
    ['fails on a relative mountPath', () => ({ ...http(), mountPath: 'data/imagenet' }), 'ml/d: mountPath must be an absolute, normalized path (no "..", "//", trailing "/", ":" or spaces), got "data/imagenet"'],
    ['fails on a mountPath over a reserved dir', () => ({ ...http(), mountPath: '/tmp/data' }), 'ml/d: mountPath "/tmp/data" overlaps "/tmp", which cdk8s-ml reserves'],
    [
      'fails when the emptyDir size limit is below the expected size',
      () => ({ source: DataSource.http('https://x.example.com/a.bin', { expectedSize: Size.gibibytes(10) }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(8) }) }),
      'ml/d: volume size 8589934592 bytes is below the expected size of 10737418240 bytes',
    ],
    [
      'fails when a new PVC cannot hold an archive while extracting',
      () => ({ source: DataSource.http('https://x.example.com/a.tgz', { expectedSize: Size.gibibytes(10), extract: Extract.TAR_GZ }), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(15) }) }),
      'ml/d: volume size 16106127360 bytes is below the space needed while extracting (2 × expectedSize) of 21474836480 bytes',
    ],
    ['fails on a bad s3 uri', () => ({ source: DataSource.s3('s3:/bucket/key', { credentials: S3Credentials.anonymous() }) }), 'ml/d: source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got "s3:/bucket/key"'],
    ['fails on an s3 bucket name with capitals', () => ({ source: DataSource.s3('s3://My_Bucket/k', { credentials: S3Credentials.anonymous() }) }), 'ml/d: source uri must be s3://<bucket>[/<key or prefix>] with a valid bucket name, got "s3://My_Bucket/k"'],
    ['fails on a bad gcs uri', () => ({ source: DataSource.gcs('gcs://bucket', { credentials: GcsCredentials.anonymous() }) }), 'ml/d: source uri must be gs://<bucket>[/<key or prefix>] with a valid bucket name, got "gcs://bucket"'],
    ['fails on sha256 for an s3 prefix', () => ({ source: DataSource.s3('s3://bucket/dir/', { credentials: S3Credentials.anonymous(), sha256: SHA }) }), 'ml/d: source sha256 and extract need a single object, not a bucket or prefix, got "s3://bucket/dir/"'],
    ['fails on a bad s3 endpoint', () => ({ source: DataSource.s3('s3://bucket/k', { credentials: S3Credentials.anonymous(), endpoint: 'minio:9000' }) }), 'ml/d: source endpoint must be an http(s) URL without credentials, got "minio:9000"'],
    ['fails on a hugging face repo without revision', () => ({ source: DataSource.huggingFace('org/model', { revision: '' }) }), 'ml/d: source revision is required for Hugging Face repo "org/model": pin a commit sha (or a tag/branch), got ""'],
    ['fails on a hugging face include pattern with a newline', () => ({ source: DataSource.huggingFace('org/model', { revision: 'main', include: ['*.json', 'a\nb'] }) }), 'ml/d: source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "a\\nb"'],
    ['fails on an empty hugging face include pattern', () => ({ source: DataSource.huggingFace('org/model', { revision: 'main', include: [''] }) }), 'ml/d: source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got ""'],
    ['fails on a hugging face include pattern that looks like an option', () => ({ source: DataSource.huggingFace('org/model', { revision: 'main', include: ['--force-download'] }) }), 'ml/d: source include patterns must be non-empty single-line glob patterns of at most 256 characters, not starting with "-", got "--force-download"'],
    ['fails on too many hugging face include patterns', () => ({ source: DataSource.huggingFace('org/model', { revision: 'main', include: Array.from({ length: 65 }, (_, i) => `f${i}.bin`) }) }), 'ml/d: source include must have at most 64 patterns, got 65'],
    ['fails on an empty hugging face include list', () => ({ source: DataSource.huggingFace('org/model', { revision: 'main', include: [] }) }), 'ml/d: source include must be a non-empty list of glob patterns (omit it to download every file), got []'],
    ['fails on a bad hugging face repo id', () => ({ source: DataSource.huggingFace('org/team/model', { revision: 'main' }) }), 'ml/d: source repo must be a Hugging Face repo id like "org/name", got "org/team/model"'],
    ['fails on an invalid source claim name', () => ({ source: DataSource.pvc(External.claim('Cache_Claim')) }), 'ml/d: External.claim name must be a DNS-1123 subdomain, got "Cache_Claim"'],
    ['fails on an invalid volume claim name', () => ({ ...http(), volume: DatasetVolume.pvc(External.claim('cache claim')) }), 'ml/d: External.claim name must be a DNS-1123 subdomain, got "cache claim"'],
    ['fails on a volume with DataSource.pvc', () => ({ source: DataSource.pvc(External.claim('c')), volume: DatasetVolume.emptyDir() }), 'ml/d: volume must not be set with DataSource.pvc'],
    ['fails on an unpinned image', () => ({ ...http(), image: 'curlimages/curl:latest' }), 'ml/d: image must not use the "latest" tag (pin a version or digest), got "curlimages/curl:latest"'],
    ['fails on a bad secret key name', () => ({ source: DataSource.http('https://x.example.com/a', { headersFromSecret: SecretKey.of('auth', 'a/b') }) }), 'ml/d: source headersFromSecret: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got "a/b"'],
    ['fails on a root that climbs out', () => ({ ...http(), root: '../x' }), 'ml/d: root must be a relative directory of letters, digits, ".", "_" and "-" (no ".."), got "../x"'],
    ['fails on a fractional tuning duration', () => ({ ...http(), tuning: { stallTimeout: Duration.millis(1500) } }), 'ml/d: tuning.stallTimeout must be a whole number of seconds ≥ 1, got 1.5'],
    ['fails on an invalid name', () => ({ ...http(), name: 'Image_Net' }), 'ml/d: name must be a DNS-1123 label'],
  ];

  test.each(cases)('%s', (_title, props, message) => {
    expect(() => new DatasetInit(chart(), 'd', props())).toThrow(message);
  });

  test('fails when a cdk8s-plus Secret lacks the key', () => {
    const c = chart();
    const secret = new kplus.Secret(c, 'creds', { stringData: { 'access-key-id': 'x', 'secret-access-key': 'y' } });
    const props: DatasetInitProps = {
      source: DataSource.s3('s3://bucket/k', { credentials: S3Credentials.fromSecret({ accessKeyId: SecretKey.fromSecret(secret, 'access-key-id'), secretAccessKey: SecretKey.fromSecret(secret, 'secret') }) }),
    };
    expect(() => new DatasetInit(c, 'd', props)).toThrow(
      `ml/d: source credentials RCLONE_S3_SECRET_ACCESS_KEY: secret "${secret.name}" has no key "secret" (it has access-key-id, secret-access-key)`,
    );
  });

  test('fails when two datasets take the same mount path on one consumer', () => {
    const c = chart();
    const a = new DatasetInit(c, 'a', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...http(), mountPath: '/data/shared' });
    const b = new DatasetInit(c, 'b', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...http(), mountPath: '/data/shared' });
    const owner = new Construct(c, 'train');
    a.contributeTo(owner);
    expect(() => b.contributeTo(owner)).toThrow('ml/b: mountPath "/data/shared" collides with "/data/shared" of dataset ml/a on ml/train');
    // Another consumer is fine.
    expect(b.contributeTo(new Construct(c, 'serve')).volumeMounts[0].mountPath).toBe('/data/shared');
  });

  test('fails when a consumer mount collides with the data mount (cdk8s-ml consumer)', () => {
    const c = chart();
    const ds = new DatasetInit(c, 'd', { volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(2) }), ...http(), mountPath: '/workspace' });
    const owner = new Construct(c, 'train');
    const data = ds.contributeTo(owner);
    expect(() =>
      buildMlPodSpec(owner, {
        volumes: [...data.volumes, { name: 'ws', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
        initContainers: data.initContainers,
        containers: [{ name: 'main', image: 'x/y:1', resources: { cpu: '1', memory: '1Gi' }, volumeMounts: [...data.volumeMounts, { name: 'ws', mountPath: '/workspace' }] }],
      }),
    ).toThrow('ml/train: two volumes are mounted at "/workspace" in container main');
  });

  test('fails when the claim and the consumer are in different namespaces', () => {
    const app = Testing.app();
    const ds = new DatasetInit(new Chart(app, 'data', { namespace: 'team-a' }), 'd', { ...http(), volume: DatasetVolume.newPvc({ storage: Size.gibibytes(1) }) });
    const other = new Construct(new Chart(app, 'serve', { namespace: 'team-b' }), 'train');
    expect(() => ds.contributeTo(other)).toThrow('data/d: the claim lives in namespace "team-a" but consumer serve/train is in "team-b"');
  });
});

describe('the rendered init container runs', () => {
  const server = new FaultServer();
  let work: string;
  beforeAll(async () => {
    await server.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-init-'));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /**
   * Runs the init container of `spec` like a kubelet would, with the host `sh`: every
   * volume mount becomes a temp dir (the ConfigMap and Secret volumes filled with their
   * items), env from the downward API gets a fake uid, paths in env and command are mapped.
   */
  async function runInit(shell: Shell, m: any[], spec: any, secrets: Record<string, Record<string, string>>, dirs: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const init = spec.initContainers[0];
    const mounts: Array<[string, string]> = [];
    for (const vm of init.volumeMounts) {
      const vol = spec.volumes.find((v: any) => v.name === vm.name);
      const dir = dirs[vm.name] ?? path.join(work, vm.name);
      dirs[vm.name] = dir;
      fs.mkdirSync(dir, { recursive: true });
      if (vol.configMap) {
        const cm = m.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol.configMap.name);
        for (const [k, v] of Object.entries(cm.data)) fs.writeFileSync(path.join(dir, k), v as string);
      }
      if (vol.secret) {
        for (const item of vol.secret.items) fs.writeFileSync(path.join(dir, item.path), secrets[vol.secret.secretName][item.key]);
      }
      mounts.push([vm.mountPath, dir]);
    }
    const map = (p: string) => {
      const hit = mounts.find(([mp]) => p === mp || p.startsWith(`${mp}/`));
      return hit ? hit[1] + p.slice(hit[0].length) : p;
    };
    const env: Record<string, string> = { PATH: shell.path, LC_ALL: 'C' };
    for (const e of init.env) {
      if (e.value !== undefined) env[e.name] = map(e.value);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.uid') env[e.name] = '0b7e1c2a-uid';
      else throw new Error(`unexpected env ${e.name}`);
    }
    // The rendered command is `sh <script>`: run it with this shell's `sh`.
    const [sh, ...rest] = init.command.map(map);
    expect(sh).toBe('sh');
    const [cmd, ...args] = [...shell.argv, ...rest];
    return new Promise((resolve) => {
      const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  // The host /bin/sh (dash) and busybox sh with busybox applets + curl (what the Alpine-based
  // default image curlimages/curl has); busybox is skipped when not installed.
  const shellDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-init-shells-'));
  const shells = detectShells(shellDir).shells;
  afterAll(() => fs.rmSync(shellDir, { recursive: true, force: true }));

  test.each(shells.map((sh) => [sh.name, sh] as const))('with %s: an http source with sha256, tar.gz and a header Secret lands in the main container subPath', async (shellName, shell) => {
    const route = `/imagenet-${shortHash(shellName)}.tar.gz`;
    const files = { 'train/0001.jpg': Buffer.from('jpeg bytes 1'), 'labels.csv': Buffer.from('id,label\n1,cat\n') };
    const archive = makeTar(Object.entries(files).map(([name, content]) => ({ name, content })));
    const url = server.route(route, { body: archive, requireHeader: ['authorization', 'Bearer test-token'] });
    const { createHash } = await import('crypto');
    const sha = createHash('sha256').update(archive).digest('hex');

    const c = chart();
    const ds = new DatasetInit(c, 'imagenet', {
      source: DataSource.http(url, { sha256: sha, extract: Extract.TAR_GZ, expectedSize: Size.kibibytes(Math.ceil(archive.length / 1024)), headersFromSecret: SecretKey.of('dl-auth', 'headers') }),
      volume: DatasetVolume.emptyDir({ sizeLimit: Size.mebibytes(64) }),
      tuning: { backoff: Duration.seconds(0), progressInterval: Duration.seconds(0) },
    });
    consumerJob(c, 'train', [ds]);
    const m = objects(c);
    const spec = find(m, 'Job').spec.template.spec;
    const dirs: Record<string, string> = {};
    for (const v of spec.volumes) dirs[v.name] = path.join(work, shortHash(shellName), v.name);
    const secrets = { 'dl-auth': { headers: 'Authorization: Bearer test-token\n' } };

    const first = await runInit(shell, m, spec, secrets, dirs);
    expect(first.output).toContain('fetch: sha256 ok');
    expect(first.code).toBe(0);

    // What the main container sees: its mount's subPath inside the data volume.
    const mount = spec.containers[0].volumeMounts.find((v: any) => v.mountPath === '/data/imagenet');
    const seen = path.join(dirs[mount.name], mount.subPath);
    for (const [name, content] of Object.entries(files)) expect(fs.readFileSync(path.join(seen, name))).toEqual(content);
    const marker = fs.readFileSync(path.join(dirs[mount.name], 'imagenet', '.complete'), 'utf8');
    expect(marker.split('\n')[0]).toBe(`fingerprint=${ds.fingerprint}`);
    expect(server.requests(route).map((r) => r.status)).toEqual([200]);

    // A restarted pod finds the marker and does not download again.
    const second = await runInit(shell, m, spec, secrets, dirs);
    expect(second.code).toBe(0);
    expect(second.output).toContain('already complete');
    expect(server.requests(route)).toHaveLength(1);
  }, 30_000);
});
