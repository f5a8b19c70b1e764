/**
 * Every rendered manifest set — each fixture of test/fixtures (loadFixtures) and each
 * dist/*.yaml file — goes through a real kube-apiserver:
 *
 * (a) server-side apply as a dry run with fieldValidation=Strict: any rejection (schema,
 *     CEL rule, admission) and any Warning header fails the test;
 * (b) applied for real in namespaces labelled pod-security.kubernetes.io/enforce=restricted:
 *     every pod template must pass PodSecurity as a dry-run Pod, and the controllers
 *     (Job, ReplicaSet via Deployment, StatefulSet) must create the workload's pods with no
 *     FailedCreate event. Suspended Jobs (Kueue) are unsuspended the way Kueue admits them;
 *     a CronJob is run once as a Job from its jobTemplate.
 */
import { Kube, waitFor } from './support/kube';
import {
  applyOrder,
  checkControllerPods,
  deleteObjects,
  describeObject,
  DIST_DIR,
  distSets,
  ensureNamespaces,
  fixtureSets,
  isWorkload,
  kube,
  ManifestSet,
  placeObjects,
  podFromTemplate,
  podTemplates,
  problems,
  serverVersion,
  skipReason,
  slug,
  splitByInstalledCrds,
} from './support/cluster';

const fixtures = fixtureSets();
const dist = distSets();
const sets: ManifestSet[] = [...fixtures, ...(dist ?? [])];

let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

describe('manifest sources', () => {
  if (dist === undefined) {
    test.skip(`dist/*.yaml: skipped, ${DIST_DIR} does not exist (run \`npm run synth\` first)`, () => undefined);
  } else if (dist.length === 0) {
    test.skip(`dist/*.yaml: skipped, ${DIST_DIR} holds no YAML files`, () => undefined);
  }
  if (fixtures.length === 0) {
    test.skip('test/fixtures: skipped, loadFixtures() returned no fixtures yet', () => undefined);
  }
  test('every manifest set is a non-empty list of objects with apiVersion, kind and name', () => {
    for (const set of sets) {
      expect(set.objects.length).toBeGreaterThan(0);
      for (const o of set.objects) {
        expect(typeof o.apiVersion).toBe('string');
        expect(typeof o.kind).toBe('string');
        expect(typeof o.metadata?.name).toBe('string');
      }
    }
  });
});

for (const whole of sets) describe(whole.name, () => {
  const skip = skipReason(whole);
  if (skip) {
    test.skip(`skipped: ${skip}`, () => undefined);
    return;
  }
  const { set, excluded } = splitByInstalledCrds(whole);
  if (excluded.length > 0) {
    test.skip(`not applied, their CRD does not install on ${serverVersion()} (the construct requires a newer target): ${excluded.join(', ')}`, () => undefined);
  }
  if (set.objects.length === 0) return;

  test('server-side dry-run apply, fieldValidation=Strict: no rejection, no warning', async () => {
    const placed = await placeObjects(k, set);
    const objects = applyOrder(placed.objects);
    const found = [...placed.problems, ...(await ensureNamespaces(k, objects))];
    for (const obj of objects) {
      if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') continue; // applied for real above
      const p = problems(obj, await k.apply(obj, { dryRun: true }));
      if (p) found.push(p);
    }
    expect(found).toEqual([]);
  });

  test('PodSecurity restricted admits every pod; controllers create the pods', async () => {
    const placed = await placeObjects(k, set);
    const objects = applyOrder(placed.objects);
    const found = [...placed.problems, ...(await ensureNamespaces(k, objects))];
    const created: any[] = [];
    const live: any[] = [];
    try {
      for (const obj of objects) {
        if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') continue;
        const res = await k.apply(obj);
        const p = problems(obj, res);
        if (p) found.push(p);
        if (res.status >= 200 && res.status < 300) {
          if (res.body?.metadata?.namespace) created.push(obj);
          live.push(res.body);
          if (obj.kind === 'ResourceQuota') await waitForQuotaStatus(k, res.body);
        }
      }

      // Every pod template, of any kind (CRDs too), as a dry-run Pod through admission.
      for (const obj of objects) {
        const ns = obj.metadata?.namespace ?? set.defaultNamespace;
        for (const [i, { path, template }] of podTemplates(obj).entries()) {
          const pod = podFromTemplate(template, ns, slug(`${obj.metadata.name}-${i}`, 'dryrun'));
          const p = problems(pod, await k.create(pod, { dryRun: true }));
          if (p) found.push(`${describeObject(obj)} ${path} as a Pod: ${p}`);
        }
      }

      // The real controllers: pods created, no FailedCreate.
      for (let obj of live.filter(isWorkload)) {
        if (obj.kind === 'CronJob') {
          const job = jobFromCronJob(obj);
          const res = await k.create(job);
          const p = problems(job, res);
          if (p) {
            found.push(p);
            continue;
          }
          created.push(job);
          obj = res.body;
        }
        if (obj.kind === 'Job' && obj.spec.suspend) {
          // What Kueue does when it admits the workload.
          obj = (
            await k.call('PATCH', await k.objectPath(obj), {
              body: { spec: { suspend: false } },
              contentType: 'application/merge-patch+json',
              query: { fieldValidation: 'Strict' },
            })
          ).body;
        }
        found.push(...(await checkControllerPods(k, obj)));
      }
      expect(found).toEqual([]);
    } finally {
      // Namespaces stay (other sets may share them); everything namespaced goes.
      await deleteObjects(k, created.reverse());
    }
  });
});

function jobFromCronJob(cron: any): any {
  const t = cron.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cron.metadata.name.slice(0, 45)}-manual`,
      namespace: cron.metadata.namespace,
      labels: t.metadata?.labels,
      annotations: { ...t.metadata?.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cron.metadata.name, uid: cron.metadata.uid, controller: true }],
    },
    spec: t.spec,
  };
}

async function waitForQuotaStatus(kc: Kube, quota: any): Promise<void> {
  // ResourceQuota admission refuses pods until the quota controller has filled status.hard.
  const p = await kc.objectPath(quota);
  await waitFor(`${describeObject(quota)} status`, async () => {
    const q = await kc.get(p);
    return q.status?.hard !== undefined;
  });
}

describe('self-check: the tier catches a pod template that violates the restricted profile', () => {
  const ns = 'self-check-restricted';
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'runs-as-root', namespace: ns },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36.1', command: ['true'] }] } },
    },
  };

  test('dry-run apply answers with a PodSecurity warning; the Job controller reports FailedCreate; a dry-run Pod is refused', async () => {
    expect(await ensureNamespaces(k, [job])).toEqual([]);
    try {
      const dry = problems(job, await k.apply(job, { dryRun: true }));
      expect(dry).toMatch(/warning: would violate PodSecurity "restricted:latest"/);

      const pod = podFromTemplate(job.spec.template, ns, 'runs-as-root-dryrun');
      const refused = await k.create(pod, { dryRun: true });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/violates PodSecurity "restricted:latest"/);

      const res = await k.apply(job);
      expect(res.status).toBe(201);
      const found = await checkControllerPods(k, res.body);
      expect(found).toEqual([expect.stringMatching(/FailedCreate: .*violates PodSecurity "restricted:latest"/)]);
    } finally {
      await deleteObjects(k, [job]);
    }
  });
});
