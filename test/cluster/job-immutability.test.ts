/**
 * Why Job names carry a hash of the pod template (DESIGN.md §4, GitOps): a Job's
 * spec.template is immutable, so re-applying a changed Job under the same name is rejected
 * by the API server (HTTP 422, "field is immutable") — an Argo CD sync would fail — while
 * the changed Job under a new, hash-suffixed name applies cleanly.
 */
import { shortHash } from '../../src/core/hash';
import { ensureNamespaces, deleteObjects, kube } from './support/cluster';
import { Kube } from './support/kube';

const NS = 'job-immutability';

function template(image: string): any {
  return {
    metadata: { labels: { 'app.kubernetes.io/name': 'finetune' } },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'trainer',
          image,
          command: ['python', '-m', 'train'],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/** A Job named the way our constructs name Jobs: `<name>-<shortHash(template)>`. */
function job(name: string, tpl: any): any {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec: { backoffLimit: 0, template: tpl } };
}

let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

test('a changed pod template is rejected under the same name (422, immutable) and applies under its hash name', async () => {
  const v1 = template('ghcr.io/acme/trainer:1.0.0');
  const v2 = template('ghcr.io/acme/trainer:1.1.0');
  const first = job(`finetune-${shortHash(v1)}`, v1);
  const changedSameName = job(first.metadata.name, v2);
  const changedHashName = job(`finetune-${shortHash(v2)}`, v2);
  expect(changedHashName.metadata.name).not.toBe(first.metadata.name);

  expect(await ensureNamespaces(k, [first])).toEqual([]);
  try {
    const created = await k.apply(first);
    expect({ status: created.status, warnings: created.warnings }).toEqual({ status: 201, warnings: [] });

    // Re-applying the identical object changes no spec (what every Argo CD re-sync does);
    // resourceVersion may move meanwhile because the Job controller writes status.
    const again = await k.apply(first);
    expect({ status: again.status, warnings: again.warnings, generation: again.body.metadata.generation }).toEqual({
      status: 200,
      warnings: [],
      generation: created.body.metadata.generation,
    });

    for (const dryRun of [true, false]) {
      const rejected = await k.apply(changedSameName, { dryRun });
      expect(rejected.status).toBe(422);
      expect(rejected.body.reason).toBe('Invalid');
      expect(rejected.body.details.causes).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'spec.template', message: expect.stringContaining('field is immutable') })]),
      );
    }
    const unchanged = await k.get(await k.objectPath(first));
    expect(unchanged.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/trainer:1.0.0');

    const renamed = await k.apply(changedHashName);
    expect({ status: renamed.status, warnings: renamed.warnings }).toEqual({ status: 201, warnings: [] });
    expect(renamed.body.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/trainer:1.1.0');
  } finally {
    await deleteObjects(k, [first, changedHashName]);
  }
});
