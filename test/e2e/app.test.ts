/**
 * The whole example app (dist/) under the real controllers: applied wave by wave the way
 * Argo CD syncs it, then every training Job must be admitted by Kueue, scheduled onto GPU
 * nodes, run and complete; the serving Deployment must roll out; and a re-sync of the
 * unchanged YAML must change nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeObject, distSets, podTemplates } from '../cluster/support/cluster';
import { Kube } from '../cluster/support/kube';
import {
  byWave,
  check,
  claimsUsed,
  COMPLETION_INDEX,
  e2eEnv,
  formatReport,
  isTrue,
  kubectl,
  live,
  provideVolumes,
  QUEUE_LABEL,
  resyncServerSide,
  ssa,
  versions,
  waitAdmitted,
  waitHealthy,
  waitJobFinished,
  waitRolledOut,
  waitScheduled,
  waitWorkloadFinished,
  writeManifests,
} from './support/e2e';

const EXTERNAL = 'ml.cdk8s.io/external';
const ARGOCD = 'argocd';

let k: Kube;
/** Objects of dist/ the server serves, in the order they were applied. */
let applied: any[] = [];
/** Objects of dist/ of kinds this control plane does not serve (no CRD, no controller). */
let skipped: string[] = [];
/** Jobs that ran: dist/'s Jobs and the Jobs created from its CronJobs. */
const ranJobs: any[] = [];

const sets = distSets() ?? [];
const all = sets.flatMap((s) => s.objects);

beforeAll(async () => {
  k = Kube.fromKubeconfig(e2eEnv().kubeconfig);
  const resources = await k.resources();
  applied = [];
  skipped = [];
  for (const o of all) {
    if (resources.has(`${o.apiVersion}/${o.kind}`)) applied.push(o);
    else skipped.push(`${describeObject(o)} (${o.apiVersion}: no CRD/controller in this tier)`);
  }
});

/** Temporary folders to remove at the end. */
const afterCleanup: string[] = [];

afterAll(() => {
  k?.close();
  for (const dir of afterCleanup) fs.rmSync(dir, { recursive: true, force: true });
});

function pending(obj: any): number {
  return Math.min(obj.spec.parallelism ?? 1, obj.spec.completions ?? obj.spec.parallelism ?? 1);
}

function requestsGpu(template: any): boolean {
  return [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])].some(
    (c: any) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined || c.resources?.requests?.['nvidia.com/gpu'] !== undefined,
  );
}

function onePodPerNode(template: any): boolean {
  return (template.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
    (t: any) => t.topologyKey === 'kubernetes.io/hostname',
  );
}

/** The rendezvous host names the env of a pod template points at (PET_MASTER_ADDR, MASTER_ADDR, JAX_COORDINATOR_ADDRESS). */
function rendezvousHosts(template: any): string[] {
  const out: string[] = [];
  for (const c of template.spec.containers ?? []) {
    for (const e of c.env ?? []) {
      if (['PET_MASTER_ADDR', 'MASTER_ADDR'].includes(e.name) && e.value) out.push(e.value);
      if (e.name === 'JAX_COORDINATOR_ADDRESS' && e.value) out.push(String(e.value).split(':')[0]);
    }
  }
  return [...new Set(out)];
}

/**
 * Checks a Job end to end: admission (when queued), scheduling onto nodes that fit, pod
 * identity for rendezvous, completion, and the Workload finishing.
 */
async function runJob(job: any): Promise<void> {
  const cur = await live(k, job);
  expect(cur).toBeDefined();
  if (cur.metadata.labels?.[QUEUE_LABEL]) await waitAdmitted(k, cur);
  const template = cur.spec.template;
  const pods = await waitScheduled(k, cur, pending(cur));
  const problems: string[] = [];
  const nodes = pods.map((p) => p.spec.nodeName);
  if (requestsGpu(template)) {
    for (const p of pods) if (!p.spec.nodeName.startsWith('gpu-')) problems.push(`${p.metadata.name} requests nvidia.com/gpu but was bound to ${p.spec.nodeName}`);
  }
  if (onePodPerNode(template) && new Set(nodes).size !== nodes.length) problems.push(`onePodPerNode, but pods share nodes: ${nodes.join(', ')}`);
  if (cur.spec.completionMode === 'Indexed' && template.spec.subdomain) {
    const subdomain = template.spec.subdomain;
    for (const p of pods) {
      const index = p.metadata.annotations?.[COMPLETION_INDEX];
      if (p.spec.hostname !== `${cur.metadata.name}-${index}`) problems.push(`${p.metadata.name}: hostname ${p.spec.hostname}, expected ${cur.metadata.name}-${index}`);
      if (p.spec.subdomain !== subdomain) problems.push(`${p.metadata.name}: subdomain ${p.spec.subdomain}, expected ${subdomain}`);
    }
    const first = pods.find((p) => p.metadata.annotations?.[COMPLETION_INDEX] === '0');
    for (const host of rendezvousHosts(template)) {
      if (!first || host !== `${first.spec.hostname}.${first.spec.subdomain}`) {
        problems.push(`rendezvous env names ${host}, but pod 0 is ${first ? `${first.spec.hostname}.${first.spec.subdomain}` : 'missing'}`);
      }
    }
    // The headless Service of that name publishes each pod under its hostname (what DNS serves).
    const svc = await k.tryGet(`/api/v1/namespaces/${cur.metadata.namespace}/services/${subdomain}`);
    if (!svc) problems.push(`the pods' subdomain ${subdomain} names no Service`);
    else if (svc.spec.clusterIP !== 'None' || !svc.spec.publishNotReadyAddresses) problems.push(`Service ${subdomain} is not headless with publishNotReadyAddresses`);
  }
  expect(problems).toEqual([]);
  await waitJobFinished(k, cur, 'Complete');
  if (cur.metadata.labels?.[QUEUE_LABEL]) await waitWorkloadFinished(k, cur);
}

describe('example app (dist/) on kube-scheduler + Kueue + kwok GPU nodes', () => {
  test('dist/ exists', () => {
    expect(sets.length).toBeGreaterThan(0);
  });

  test('is applied wave by wave (server-side apply as argocd), each wave healthy before the next', async () => {
    if (skipped.length) process.stderr.write(`[e2e] not applied (kind not served here):\n  ${skipped.join('\n  ')}\n`);
    // The platform's side: volumes for the claims the app renders, and for claims it declares
    // external (another repository's), the claim itself. A claim that is neither stays
    // missing and its pods never schedule.
    const claims = applied.filter((o) => o.kind === 'PersistentVolumeClaim');
    const externalClaims: any[] = [];
    for (const o of applied) {
      const ext = o.metadata?.annotations?.[EXTERNAL];
      for (const ref of ext ? JSON.parse(ext) : []) {
        if (ref.kind !== 'PersistentVolumeClaim') continue;
        externalClaims.push({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: ref.name, namespace: ref.namespace ?? o.metadata.namespace },
          spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'e2e-external' },
        });
      }
    }
    await provideVolumes(k, [...claims, ...externalClaims]);
    const created = new Set<any>();
    for (const { wave, objects } of byWave(applied)) {
      // external claims as soon as their namespace exists (before the workloads' wave)
      for (const pvc of externalClaims) {
        if (!created.has(pvc) && (await k.tryGet(`/api/v1/namespaces/${pvc.metadata.namespace}`))) {
          check(pvc, await k.apply(pvc), 'creating external claim');
          created.add(pvc);
        }
      }
      for (const o of objects) check(o, await ssa(k, o, ARGOCD, false), `applying wave ${wave}:`);
      for (const o of objects) await waitHealthy(k, o);
    }
    // Claims the pods use must exist (rendered or declared external), or the pods never start.
    const missing: string[] = [];
    for (const c of claimsUsed(applied)) {
      if (!(await k.tryGet(`/api/v1/namespaces/${c.namespace}/persistentvolumeclaims/${c.name}`))) {
        missing.push(`${c.user} mounts claim ${c.namespace}/${c.name}, which the app neither renders nor declares external (${EXTERNAL})`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every Job is admitted by Kueue (when queued), bound to GPU nodes, named for rendezvous, and completes; its Workload finishes', async () => {
    const jobs = applied.filter((o) => o.apiVersion === 'batch/v1' && o.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const job of jobs) {
      try {
        await runJob(job);
        ranJobs.push(job);
      } catch (e) {
        failures.push(`${describeObject(job)}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('a Job created from each CronJob (as `kubectl create job --from=cronjob/...`) runs the same way', async () => {
    const crons = applied.filter((o) => o.kind === 'CronJob');
    const failures: string[] = [];
    for (const cron of crons) {
      const name = `${cron.metadata.name}-e2e`.slice(0, 52);
      const res = kubectl(['-n', cron.metadata.namespace, 'create', 'job', `--from=cronjob/${cron.metadata.name}`, name]);
      if (res.status !== 0) {
        failures.push(`kubectl create job --from=cronjob/${cron.metadata.name}: ${res.stderr.trim()}`);
        continue;
      }
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: cron.metadata.namespace } };
      try {
        await runJob(job);
        ranJobs.push(job);
      } catch (e) {
        failures.push(`${describeObject(job)} (from CronJob ${cron.metadata.name}): ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('every Deployment rolls out to its replicas (the HPA sets them), on GPU nodes where it asks for GPUs', async () => {
    const deps = applied.filter((o) => o.kind === 'Deployment');
    expect(deps.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const dep of deps) {
      try {
        const hpa = applied.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef?.name === dep.metadata.name && o.metadata.namespace === dep.metadata.namespace);
        const cur = await waitRolledOut(k, dep, hpa?.spec.minReplicas ?? 1);
        const template = podTemplates(dep)[0].template;
        if (requestsGpu(template)) {
          const pods = (await k.list('v1', 'Pod', dep.metadata.namespace)).filter(
            (p) => p.status?.phase === 'Running' && Object.entries(cur.spec.selector.matchLabels ?? {}).every(([key, v]) => p.metadata.labels?.[key] === v),
          );
          for (const p of pods) if (!p.spec.nodeName?.startsWith('gpu-')) failures.push(`${p.metadata.name} requests nvidia.com/gpu but runs on ${p.spec.nodeName}`);
        }
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    expect(failures).toEqual([]);
  });

  describe('re-sync after the controllers acted is a no-op', () => {
    test('the controllers did act (Kueue admitted, the Job controller labelled, the HPA scaled)', async () => {
      // Guards the no-op checks below against passing on a cluster where nothing happened.
      const acted: string[] = [];
      for (const o of applied) {
        const l = await live(k, o);
        if (o.kind === 'Job' && l && isTrue(l, 'Complete')) acted.push(`${describeObject(o)} completed`);
        if (o.kind === 'HorizontalPodAutoscaler' && l?.status?.desiredReplicas) acted.push(`${describeObject(o)} desired ${l.status.desiredReplicas}`);
      }
      expect(acted.length).toBeGreaterThan(0);
    });

    test('server-side apply as argocd without force: 0 conflicts, nothing written (generation, object, field ownership unchanged)', async () => {
      const report = await resyncServerSide(k, applied, ARGOCD);
      if (report.conflicts.length || report.changed.length || report.errors.length) {
        throw new Error(`re-applying dist/ server-side as ${ARGOCD} is not a no-op:\n${formatReport(report)}`);
      }
    });

    test('client-side kubectl apply twice: the second writes nothing; kubectl diff (client- and server-side) is empty', async () => {
      const file = writeManifests(applied, 'dist');
      afterCleanup.push(path.dirname(file));
      // The first client-side apply records kubectl.kubernetes.io/last-applied-configuration
      // (the objects were created server-side); the second is the re-sync being checked.
      const first = kubectl(['apply', '-f', file]);
      expect(first.stderr.replace(/Warning: .*\n/g, '')).toBe('');
      const before = await versions(k, applied);
      const second = kubectl(['apply', '-f', file]);
      const after = await versions(k, applied);
      const bumped = [...before.keys()]
        .filter((key) => before.get(key)!.fingerprint !== after.get(key)!.fingerprint)
        .map((key) => `${key}: ${before.get(key)!.text} -> ${after.get(key)!.text}`);
      // kubectl prints "configured" whenever it sent a non-empty patch; what matters is whether the
      // server changed the object. A "configured" with the same resourceVersion is reported, not failed
      // (seen for the PodDisruptionBudget: kubectl 1.28 sends a patch that the server finds to be a no-op).
      const lines = second.stdout.split('\n').filter((l) => l && !/ unchanged$/.test(l));
      const configured = bumped.length ? lines : [];
      if (!bumped.length && lines.length) process.stderr.write(`[e2e] kubectl apply said "configured" but the server changed nothing:\n  ${lines.join('\n  ')}\n`);
      const diff = kubectl(['diff', '-f', file]);
      const ssDiff = kubectl(['diff', '--server-side', `--field-manager=${ARGOCD}`, '-f', file]);
      const problems = [
        ...configured.map((l) => `kubectl apply: ${l}`),
        ...bumped.map((l) => `changed: ${l}`),
        ...(diff.status === 0 ? [] : [`kubectl diff (exit ${diff.status}):\n${diff.stdout.slice(0, 6000)}${diff.stderr.slice(0, 1000)}`]),
        ...(ssDiff.status === 0 ? [] : [`kubectl diff --server-side (exit ${ssDiff.status}):\n${ssDiff.stdout.slice(0, 6000)}${ssDiff.stderr.slice(0, 1000)}`]),
      ];
      if (problems.length) throw new Error(`client-side re-apply of dist/ is not a no-op:\n${problems.join('\n')}`);
    });
  });
});
