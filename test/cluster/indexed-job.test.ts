/**
 * Rendezvous contract of the Indexed Job backend (DESIGN.md §3), checked on the pods the
 * real Job controller creates: hostname `<job>-<index>`, `subdomain` = the headless
 * Service, the completion-index annotation, env fed from that annotation through the
 * downward API, and a headless Service whose selector matches exactly the Job's pods.
 *
 * Runs on a hand-written Indexed Job + headless Service today, and on every fixture Job
 * with `completionMode: Indexed` and a pod `subdomain` (DistributedTrainingJob) as they land.
 * There is no kubelet: the pods stay Pending, which is all these assertions need.
 */
import { Kube } from './support/kube';
import {
  applyOrder,
  checkControllerPods,
  COMPLETION_INDEX_ANNOTATION,
  deleteObjects,
  describeObject,
  ensureNamespaces,
  expectedJobPods,
  fixtureSets,
  jobPods,
  kube,
  ManifestSet,
  placeObjects,
  problems,
  skipReason,
} from './support/cluster';

const INDEX_FIELD_PATH = `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']`;

/** The shape DistributedTrainingJob renders by default, written by hand. */
function handWritten(): ManifestSet {
  const ns = 'indexed-job';
  const restrictedPod = (job: string, subdomain: string, env: any[]) => ({
    metadata: { labels: { 'app.kubernetes.io/name': 'trainer', 'app.kubernetes.io/instance': job } },
    spec: {
      subdomain,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'trainer',
          image: 'python:3.12.7-slim',
          command: ['python', '-c', 'import os; print(os.environ["PET_NODE_RANK"])'],
          env,
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  });
  const job = 'llm-pretrain-3f9c2a1b';
  const svc = 'llm-pretrain';
  const env = [
    { name: 'PET_NNODES', value: '3' },
    { name: 'PET_NPROC_PER_NODE', value: '1' },
    { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: INDEX_FIELD_PATH } } },
    { name: 'PET_MASTER_ADDR', value: `${job}-0.${svc}` },
    { name: 'PET_MASTER_PORT', value: '29500' },
  ];
  const indexedJob = (name: string, subdomain: string, n: number, e: any[]) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: { completionMode: 'Indexed', completions: n, parallelism: n, backoffLimit: 0, template: restrictedPod(name, subdomain, e) },
  });
  return {
    name: 'hand-written Indexed Job + headless Service',
    defaultNamespace: ns,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: svc, namespace: ns },
        spec: {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector: { 'batch.kubernetes.io/job-name': job },
          ports: [{ name: 'rendezvous', port: 29500, targetPort: 29500, protocol: 'TCP' }],
        },
      },
      indexedJob(job, svc, 3, env),
      // A second Indexed Job in the same namespace: the Service must not select its pods.
      indexedJob('llm-eval-77aa01c2', 'llm-eval', 2, env.map((v) => (v.name === 'PET_MASTER_ADDR' ? { ...v, value: 'llm-eval-77aa01c2-0.llm-eval' } : v))),
    ],
  };
}

function isIndexedWithSubdomain(o: any): boolean {
  return o.apiVersion === 'batch/v1' && o.kind === 'Job' && o.spec?.completionMode === 'Indexed' && !!o.spec?.template?.spec?.subdomain;
}

/** Jobs that only share the namespace, to prove the Service does not select their pods. */
const DECOYS = new Set(['llm-eval-77aa01c2']);

const cases: ManifestSet[] = [handWritten(), ...fixtureSets().filter((s) => s.objects.some(isIndexedWithSubdomain))];

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

for (const set of cases) {
  const skip = skipReason(set);
  if (skip) {
    test.skip(`${set.name}: skipped, ${skip}`, () => undefined);
    continue;
  }
  test(`${set.name}: Job controller creates indexed pods that match the rendezvous contract`, async () => {
    // The rendezvous pieces only: core objects (Namespace, Service, ConfigMap, ...), RBAC and
    // the Indexed Jobs. manifests.test.ts checks everything else of the set.
    const needed = set.objects.filter((o) => o.apiVersion === 'v1' || String(o.apiVersion).startsWith('rbac.authorization.k8s.io/') || isIndexedWithSubdomain(o));
    const placed = await placeObjects(k, { ...set, objects: needed });
    expect(placed.problems).toEqual([]);
    const objects = applyOrder(placed.objects);
    expect(await ensureNamespaces(k, objects)).toEqual([]);
    const created: any[] = [];
    try {
      const live = new Map<any, any>();
      const found: string[] = [];
      for (const obj of objects) {
        if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') continue;
        const res = await k.apply(obj);
        const p = problems(obj, res);
        if (p) found.push(p);
        else {
          if (res.body.metadata.namespace) created.push(obj);
          live.set(obj, res.body);
        }
      }
      expect(found).toEqual([]);

      const jobs = objects.filter(isIndexedWithSubdomain);
      const services = objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Service');
      const liveJobs: any[] = [];
      for (const job of jobs) {
        let j = live.get(job);
        if (j.spec.suspend) {
          // Kueue-managed Jobs are created suspended; admit it the way Kueue does.
          j = (await k.call('PATCH', await k.objectPath(j), { body: { spec: { suspend: false } }, contentType: 'application/merge-patch+json' })).body;
        }
        expect(await checkControllerPods(k, j)).toEqual([]);
        liveJobs.push(j);
      }

      for (const j of liveJobs) {
        const name = j.metadata.name;
        const subdomain = j.spec.template.spec.subdomain;
        const svc = services.find((s) => s.metadata.name === subdomain && s.metadata.namespace === j.metadata.namespace);
        if (DECOYS.has(name)) continue;
        expect({ job: name, service: svc ? describeObject(svc) : `missing Service ${subdomain}` }).toEqual({ job: name, service: `Service ${j.metadata.namespace}/${subdomain}` });
        const liveSvc = await k.get(await k.objectPath(svc));

        const pods = await jobPods(k, j);
        const n = expectedJobPods(j);
        expect(pods).toHaveLength(n);
        const indices = pods.map((p) => p.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]).sort((a, b) => Number(a) - Number(b));
        expect(indices).toEqual([...Array(n).keys()].map(String));

        for (const pod of pods) {
          const index = pod.metadata.annotations[COMPLETION_INDEX_ANNOTATION];
          expect({ pod: pod.metadata.name, hostname: pod.spec.hostname, subdomain: pod.spec.subdomain }).toEqual({
            pod: pod.metadata.name,
            hostname: `${name}-${index}`,
            subdomain,
          });
          expect(pod.spec.hostname.length).toBeLessThanOrEqual(63);
          // The rank comes from the annotation through the downward API in every container.
          for (const c of pod.spec.containers) {
            const fromIndex = (c.env ?? []).filter((e: any) => e.valueFrom?.fieldRef?.fieldPath === INDEX_FIELD_PATH).map((e: any) => e.name);
            expect({ container: c.name, envFromIndex: fromIndex.length > 0 }).toEqual({ container: c.name, envFromIndex: true });
          }
        }

        const allPods = await k.list('v1', 'Pod', j.metadata.namespace);
        if (liveJobs.some((d) => DECOYS.has(d.metadata.name) && d.metadata.namespace === j.metadata.namespace)) {
          // The decoy Job's pods share the namespace, so "exactly" below is meaningful.
          expect(allPods.length).toBeGreaterThan(pods.length);
        }
        // Headless, DNS for not-ready pods, and a selector that picks exactly this Job's pods.
        expect({ clusterIP: liveSvc.spec.clusterIP, publishNotReadyAddresses: liveSvc.spec.publishNotReadyAddresses }).toEqual({
          clusterIP: 'None',
          publishNotReadyAddresses: true,
        });
        const selected = allPods.filter((p) => selects(liveSvc.spec.selector ?? {}, p.metadata.labels)).map((p) => p.metadata.name).sort();
        expect(selected).toEqual(pods.map((p) => p.metadata.name).sort());
      }
    } finally {
      await deleteObjects(k, created.reverse());
    }
  });
}
