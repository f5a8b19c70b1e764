/**
 * ModelServing for LLM operations (issue 16): the model path lies on a mounted model volume
 * (every runtime, both backends), liveness sees a dead engine and tolerates more than
 * readiness, the served model name is the model's identity, and the shared model cache.
 *
 * The semantic checks read the rendered objects only: the model path is parsed from the
 * container args here (not by the code under test) and compared with the container's mounts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { Accelerator, External, VolumeClaim } from '../../src/core';
import { DataSource, DatasetInit, DatasetVolume, HuggingFaceRepoType } from '../../src/data';
import { MlNamespace } from '../../src/platform/ml-namespace';
import { Autoscaling, Expose, ModelCache, ModelServing, ModelServingProps, ModelSource, ServingBackend, ServingRuntime } from '../../src/serving';
import { expectValidManifests } from '../../src/testing';
import { checkApp } from '../../src/validation/app';
import { constructErrorOf as errorOf } from '../support/errors';

const REVISION = '7ae557604adf67be50417f59c2c2f167def9a775';

/** Each runtime loading its model from `dir` (the path form each runtime takes). */
const RUNTIMES: Record<string, (dir: string) => ServingRuntime> = {
  vllm: (dir) => ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: dir }),
  tgi: (dir) => ServingRuntime.tgi({ image: 'ghcr.io/huggingface/text-generation-inference:2.4.0', model: dir }),
  triton: (dir) => ServingRuntime.triton({ image: 'nvcr.io/nvidia/tritonserver:24.08-py3', modelRepository: dir }),
  torchserve: (dir) => ServingRuntime.torchServe({ image: 'pytorch/torchserve:0.12.0-cpu', modelStore: dir }),
};
const BACKENDS: Record<string, () => ServingBackend> = { deployment: () => ServingBackend.deployment(), kserve: () => ServingBackend.kserve() };

function chart(): Chart {
  return new Chart(Testing.app(), 'serving', { namespace: 'team-a' });
}

function weights(scope: Chart, mountPath: string, id = 'weights'): DatasetInit {
  return new DatasetInit(scope, id, {
    source: DataSource.huggingFace('Qwen/Qwen2.5-0.5B-Instruct', { revision: REVISION, repoType: HuggingFaceRepoType.MODEL, expectedSize: Size.gibibytes(1) }),
    mountPath,
  });
}

function serve(scope: Chart, props: Partial<ModelServingProps> & Pick<ModelServingProps, 'runtime'>): ModelServing {
  return new ModelServing(scope, 'chat', { resources: { cpu: '8', memory: '32Gi' }, ...props });
}

/** The server container and pod spec of the rendered Deployment or InferenceService. */
function serverOf(objects: any[]): { container: any; pod: any } {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'chat');
  if (d) return { container: d.spec.template.spec.containers[0], pod: d.spec.template.spec };
  const isvc = objects.find((o) => o.kind === 'InferenceService');
  return { container: isvc.spec.predictor.containers[0], pod: isvc.spec.predictor };
}

/** Model locations named in args, parsed independently of the code under test. */
function modelPathsIn(args: string[]): string[] {
  const flags = new Set(['--model', '--model-id', '--model-repository', '--model-store']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    if (flags.has(flag)) out.push(inline ?? args[i + 1]);
  }
  return out;
}


describe('model path on a mounted model volume', () => {
  for (const [runtimeName, runtime] of Object.entries(RUNTIMES)) {
    for (const [backendName, backend] of Object.entries(BACKENDS)) {
      test(`${runtimeName} on ${backendName}: the rendered model path lies on the mounted model volume`, () => {
        const c = chart();
        serve(c, { runtime: runtime('/models/qwen'), model: weights(c, '/models/qwen'), backend: backend() });
        const objects = c.toJson();
        const { container, pod } = serverOf(objects);
        const paths = modelPathsIn(container.args);
        expect(paths).toEqual(['/models/qwen']);
        const mount = container.volumeMounts.find((m: any) => paths[0] === m.mountPath || paths[0].startsWith(`${m.mountPath}/`));
        expect(mount).toBeDefined();
        // ... and that mount is the model's volume: the one the fetch init container fills.
        expect(pod.initContainers.flatMap((i: any) => i.volumeMounts.map((m: any) => m.name))).toContain(mount.name);
        expect(pod.volumes.find((v: any) => v.name === mount.name).emptyDir.sizeLimit).toBe('1Gi');
      });

      test(`fails ${runtimeName} on ${backendName} when the model path is not on a mounted model volume`, () => {
        const c = chart();
        const e = errorOf(() => serve(c, { runtime: runtime('/models/llama'), model: weights(c, '/data/weights'), backend: backend() }));
        expect(e.constructPath).toBe('serving/chat');
        expect(e.message).toContain(`${runtimeName} model path "/models/llama"`);
        expect(e.message).toContain('mounted model paths: "/data/weights"');
        expect(e.message).toContain('Fix: mount the weights at that path');
      });
    }
  }

  test('ModelSource.pvc: a path under the mount passes, one beside it fails (KServe --model /mnt/models against a claim at /models)', () => {
    const ok = chart();
    serve(ok, { runtime: RUNTIMES.vllm('/models/llama'), model: ModelSource.pvc(External.claim('repo')) });
    expect(serverOf(ok.toJson()).container.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', readOnly: true });
    const e = errorOf(() => serve(chart(), { runtime: RUNTIMES.vllm('/mnt/models'), model: ModelSource.pvc(External.claim('repo')), backend: ServingBackend.kserve() }));
    expect(e.message).toMatch(/vllm model path "\/mnt\/models" \(--model\) is not on a mounted model volume \(mounted model paths: "\/models"\)/);
  });

  test('a path named in the user args (--flag=value) is checked too', () => {
    const c = chart();
    const runtime = ServingRuntime.custom({ image: 'ghcr.io/acme/server:1.0.0', port: 8080, healthPath: '/health', args: ['--model-repository=/weights/v2'] });
    expect(errorOf(() => serve(c, { runtime, model: weights(c, '/models/qwen') })).message).toContain('custom model path "/weights/v2" (--model-repository)');
  });

  test('fails a path without any model volume, and a path with ".."', () => {
    expect(errorOf(() => serve(chart(), { runtime: RUNTIMES.tgi('/models/mistral') })).message).toContain('(mounted model paths: none)');
    const c = chart();
    expect(errorOf(() => serve(c, { runtime: RUNTIMES.vllm('/models/qwen/../../etc'), model: weights(c, '/models/qwen') })).message).toContain('must not contain ".."');
  });

  test('Hub ids and object-store repositories are not paths: the server fetches them', () => {
    const c = chart();
    serve(c, { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: 'Qwen/Qwen2.5-0.5B-Instruct' }) });
    new ModelServing(c, 'vision', { runtime: RUNTIMES.triton('s3://models/vision'), resources: { cpu: '2', memory: '8Gi' } });
    expect(modelPathsIn(serverOf(c.toJson()).container.args)).toEqual(['Qwen/Qwen2.5-0.5B-Instruct']);
  });

  test('ModelSource.inImage declares weights baked into the image', () => {
    const c = chart();
    serve(c, { runtime: RUNTIMES.torchserve('/home/model-server/model-store'), model: ModelSource.inImage('/home/model-server/model-store') });
    expect(serverOf(c.toJson()).container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/home/ml']);
    expect(errorOf(() => serve(chart(), { runtime: RUNTIMES.vllm('/models/x'), model: ModelSource.inImage('/opt/weights') })).message).toContain('mounted model paths: "/opt/weights"');
  });

  test('KServe storageUri: the storage initializer mounts /mnt/models; user args must point there', () => {
    const kserve = ServingBackend.kserve({ model: { format: 'huggingface', storageUri: 's3://models/qwen' } });
    const ok = chart();
    serve(ok, { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/mnt/models', args: ['--model', '/mnt/models/qwen'] }), backend: kserve });
    expect(ok.toJson().find((o) => o.kind === 'InferenceService').spec.predictor.model.args).toEqual(['--model', '/mnt/models/qwen']);
    const e = errorOf(() => serve(chart(), { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/mnt/models', args: ['--model=/models/qwen'] }), backend: kserve }));
    expect(e.message).toContain('vllm model path "/models/qwen" (--model) is not on a mounted model volume (mounted model paths: "/mnt/models")');
  });
});

describe('probes: liveness sees a dead engine, tolerates more than readiness', () => {
  // The documented health endpoints (runtime docs cited in src/serving/runtime.ts).
  const EXPECTED: Record<string, { ready: string; live: string; port: number }> = {
    vllm: { ready: '/health', live: '/health', port: 8000 },
    tgi: { ready: '/health', live: '/health', port: 8080 },
    triton: { ready: '/v2/health/ready', live: '/v2/health/live', port: 8000 },
    torchserve: { ready: '/ping', live: '/ping', port: 8080 },
  };
  const budget = (p: any) => p.periodSeconds * p.failureThreshold;

  for (const [name, runtime] of Object.entries(RUNTIMES)) {
    for (const [backendName, backend] of Object.entries(BACKENDS)) {
      test(`${name} on ${backendName}: HTTP liveness on ${EXPECTED[name].live}, readiness on ${EXPECTED[name].ready}`, () => {
        const c = chart();
        serve(c, { runtime: runtime('/models'), model: ModelSource.inImage('/models'), backend: backend(), maxModelLoadTime: Duration.minutes(25) });
        const { container } = serverOf(c.toJson());
        const e = EXPECTED[name];
        expect(container.livenessProbe.httpGet).toEqual({ path: e.live, port: e.port });
        expect(container.livenessProbe.tcpSocket).toBeUndefined();
        expect(container.readinessProbe.httpGet).toEqual({ path: e.ready, port: e.port });
        expect(container.startupProbe.httpGet).toEqual({ path: e.ready, port: e.port });
        // Readiness reacts within 15 s; liveness restarts only after 2 minutes of failures.
        expect(budget(container.readinessProbe)).toBe(15);
        expect(budget(container.livenessProbe)).toBe(120);
        expect(container.livenessProbe.timeoutSeconds).toBeGreaterThan(container.readinessProbe.timeoutSeconds);
        // The startup probe covers the declared model load (25 minutes).
        expect(budget(container.startupProbe)).toBeGreaterThanOrEqual(25 * 60);
      });
    }
  }
});

describe('served model name', () => {
  const argAfter = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

  test('a model fetched from the Hub by a DatasetInit is served under its repo id, not the mount path', () => {
    const c = chart();
    serve(c, { runtime: RUNTIMES.vllm('/models/qwen'), model: weights(c, '/models/qwen') });
    expect(argAfter(serverOf(c.toJson()).container.args, '--served-model-name')).toBe('Qwen/Qwen2.5-0.5B-Instruct');
  });

  test('a model from a claim is served under the ModelServing name; a Hub id under itself', () => {
    const c = chart();
    new ModelServing(c, 'ranker', { name: 'ranker-v2', runtime: RUNTIMES.vllm('/models/ranker'), model: ModelSource.pvc(External.claim('repo')), resources: { cpu: '2', memory: '8Gi' } });
    new ModelServing(c, 'hub', { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: 'meta-llama/Llama-3.2-1B' }), resources: { cpu: '2', memory: '8Gi' } });
    const deployments = c.toJson().filter((o) => o.kind === 'Deployment');
    const served = Object.fromEntries(deployments.map((d) => [d.metadata.name, argAfter(d.spec.template.spec.containers[0].args, '--served-model-name')]));
    expect(served).toEqual({ 'ranker-v2': 'ranker-v2', 'hub': 'meta-llama/Llama-3.2-1B' });
  });

  test('servedModelName overrides; a --served-model-name in args is kept and not doubled; the canary serves the same name', () => {
    const c = chart();
    const runtime = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/qwen', servedModelName: 'qwen-chat' });
    serve(c, { runtime, model: weights(c, '/models/qwen'), expose: Expose.ingress({ host: 'chat.example.com' }), canary: { image: 'vllm/vllm-openai:v0.6.4', weight: 10 } });
    const names = c.toJson().filter((o) => o.kind === 'Deployment').map((d) => argAfter(d.spec.template.spec.containers[0].args, '--served-model-name'));
    expect(names).toEqual(['qwen-chat', 'qwen-chat']);

    const d = chart();
    serve(d, { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: '/models/qwen', args: ['--served-model-name=mine'] }), model: weights(d, '/models/qwen') });
    const args: string[] = serverOf(d.toJson()).container.args;
    expect(args.filter((a) => a.startsWith('--served-model-name'))).toEqual(['--served-model-name=mine']);
  });

  test('TGI renders no served model name (its Messages API does not route by model)', () => {
    const c = chart();
    serve(c, { runtime: RUNTIMES.tgi('/models/qwen'), model: weights(c, '/models/qwen') });
    expect(serverOf(c.toJson()).container.args.some((a: string) => a.startsWith('--served-model-name'))).toBe(false);
  });

  test('fails a served model name with spaces', () => {
    const runtime = ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: 'org/m', servedModelName: 'my model' });
    expect(errorOf(() => serve(chart(), { runtime })).message).toBe('serving/chat: servedModelName must be a non-empty name without spaces, got "my model"');
  });
});

describe('model cache', () => {
  function cacheApp(outdir?: string): { app: App; serving: Chart } {
    const app = outdir ? new App({ outdir }) : Testing.app();
    const platform = new Chart(app, 'platform');
    new MlNamespace(platform, 'team-a', { name: 'team-a', gpuQuota: 16, queue: { flavors: [{ name: 'h100', cpu: '64', memory: '512Gi', gpu: 8 }] } });
    const serving = new Chart(app, 'serving', { namespace: 'team-a' });
    const cache = new VolumeClaim(serving, 'model-cache', { storage: Size.gibibytes(50), accessModes: ['ReadWriteMany'], storageClassName: 'shared-rwx' });
    new ModelServing(serving, 'chat', {
      runtime: RUNTIMES.vllm('/models/qwen'),
      model: weights(serving, '/models/qwen'),
      modelCache: ModelCache.sharedClaim(cache),
      accelerator: Accelerator.nvidiaGpu({ count: 1 }),
      resources: { cpu: '8', memory: '32Gi' },
      autoscaling: Autoscaling.cpu({ min: 2, max: 6, targetUtilization: 70 }),
    });
    return { app, serving };
  }

  test('sharedClaim: every replica mounts the one RWX claim, the fetcher fills it under the lock, no per-pod weights emptyDir', () => {
    const { serving } = cacheApp();
    const objects = serving.toJson();
    const { container, pod } = serverOf(objects);
    const data = container.volumeMounts.find((m: any) => m.mountPath === '/models/qwen');
    const volume = pod.volumes.find((v: any) => v.name === data.name);
    expect(volume).toEqual({ name: 'ds-weights', persistentVolumeClaim: { claimName: 'model-cache' } });
    expect(data.readOnly).toBe(true);
    const fetcher = pod.initContainers.find((i: any) => i.name === 'fetch-weights');
    expect(fetcher.volumeMounts.find((m: any) => m.name === 'ds-weights').readOnly).toBeUndefined();
    expect(fetcher.env.find((e: any) => e.name === 'FETCH_ROOT').value).toBe('/var/lib/cdk8s-ml/volume/weights');
    // ephemeral-storage covers /tmp and HOME only: the weights are off node disk.
    expect(container.resources.requests['ephemeral-storage']).toBe(`${(4 + 16) * 1024 + 512}Mi`);
    expectValidManifests(objects, { kubernetesVersion: '1.28' });
  });

  test('whole app: MlNamespace + ModelServing with the cache synthesizes (the app check runs at synth) and passes the app check', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-cache-'));
    const { app } = cacheApp(outdir);
    expect(() => app.synth()).not.toThrow();
    expect(fs.readdirSync(outdir).sort()).toEqual(['platform.k8s.yaml', 'serving.k8s.yaml']);
    const manifests = app.charts.flatMap((c) => c.toJson());
    expect(checkApp(manifests).findings).toEqual([]);
  });

  test('perPod (default): the weights emptyDir is sized from the declared model size', () => {
    const c = chart();
    const model = new DatasetInit(c, 'weights', {
      source: DataSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct', { revision: REVISION, expectedSize: Size.gibibytes(16) }),
      mountPath: '/models/llama',
    });
    serve(c, { runtime: RUNTIMES.vllm('/models/llama'), model, modelCache: ModelCache.perPod() });
    const { container, pod } = serverOf(c.toJson());
    expect(pod.volumes.find((v: any) => v.name === 'ds-weights')).toEqual({ name: 'ds-weights', emptyDir: { sizeLimit: '16Gi' } });
    expect(container.resources.requests['ephemeral-storage']).toBe(`${(4 + 16 + 16) * 1024 + 512}Mi`);
  });

  test('fails a ReadWriteOnce cache claim and a ReadOnlyMany one, naming the claim and the fix', () => {
    const c = chart();
    const rwo = new VolumeClaim(c, 'rwo', { storage: Size.gibibytes(50) });
    const e = errorOf(() => serve(c, { runtime: RUNTIMES.vllm('/models/qwen'), model: weights(c, '/models/qwen'), modelCache: ModelCache.sharedClaim(rwo) }));
    expect(e.message).toBe('serving/chat: modelCache: claim "rwo" (serving/rwo) is ReadWriteOnce, but a shared model cache is written by the first replica and read by all: replicas on other nodes could never attach it; use a ReadWriteMany claim (NFS, CephFS, EFS, Filestore…)');
    const d = chart();
    const rox = new VolumeClaim(d, 'rox', { storage: Size.gibibytes(50), accessModes: ['ReadOnlyMany'] });
    expect(errorOf(() => serve(d, { runtime: RUNTIMES.vllm('/models/qwen'), model: weights(d, '/models/qwen'), modelCache: ModelCache.sharedClaim(rox) })).message)
      .toContain('a ReadOnlyMany claim cannot be filled by the fetcher; if it already holds the model, serve it with model: ModelSource.pvc(claim)');
  });

  test('fails a shared cache without a DatasetInit to fill it', () => {
    const cache = ModelCache.sharedClaim(External.claim('cache'));
    expect(errorOf(() => serve(chart(), { runtime: ServingRuntime.vllm({ image: 'vllm/vllm-openai:v0.6.3', model: 'org/m' }), modelCache: cache })).message)
      .toContain('modelCache sharedClaim needs a model to fill it');
    expect(errorOf(() => serve(chart(), { runtime: RUNTIMES.vllm('/models/x'), model: ModelSource.pvc(External.claim('repo')), modelCache: cache })).message)
      .toContain('a ModelSource is mounted as is');
  });

  test('fails a shared cache for a dataset that already fetches into a claim, or mounts one as is', () => {
    const c = chart();
    const onPvc = new DatasetInit(c, 'weights', {
      source: DataSource.huggingFace('org/m', { revision: REVISION }),
      volume: DatasetVolume.pvc(External.claim('own')),
      mountPath: '/models/m',
    });
    const e = errorOf(() => serve(c, { runtime: RUNTIMES.vllm('/models/m'), model: onPvc, modelCache: ModelCache.sharedClaim(External.claim('cache')) }));
    expect(e.constructPath).toBe('serving/weights');
    expect(e.message).toContain('already fetches into claim "own"');
    const d = chart();
    const asIs = new DatasetInit(d, 'weights', { source: DataSource.pvc(External.claim('repo')), mountPath: '/models/m' });
    expect(errorOf(() => serve(d, { runtime: RUNTIMES.vllm('/models/m'), model: asIs, modelCache: ModelCache.sharedClaim(External.claim('cache')) })).message)
      .toContain('a shared cache claim has nothing to fill');
  });

  test('fails a modelCache that is not a ModelCache', () => {
    expect(errorOf(() => serve(chart(), { runtime: RUNTIMES.vllm('org/m'), modelCache: 'shared' as any })).message).toBe('serving/chat: modelCache must be a ModelCache (ModelCache.perPod/sharedClaim), got "shared"');
  });
});
