/**
 * Every CRD vendored in schemas/crds is installed into the API server by global-setup.ts.
 * Some current upstream CRDs need a newer Kubernetes than the tier's server; those are
 * listed here with the reason, so the list is documented and any change (a new CRD that
 * fails, or a listed one that starts to install) fails this test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { crdFiles } from './global-setup';
import { kube, minorOf, rejectedCrds, serverVersion } from './support/cluster';
import { Kube } from './support/kube';

/** CRD name → what the server says, per Kubernetes minor version of the tier's server. */
const NOT_INSTALLABLE: Record<number, Record<string, RegExp>> = {
  28: {
    // Argo Workflows 3.6+: CEL cost estimation of Kubernetes 1.28 puts the schema over budget.
    'cronworkflows.argoproj.io': /estimated rule cost total for entire OpenAPIv3 schema exceeds budget/,
    'workflows.argoproj.io': /estimated rule cost total for entire OpenAPIv3 schema exceeds budget/,
    'workflowtemplates.argoproj.io': /estimated rule cost total for entire OpenAPIv3 schema exceeds budget/,
    // JobSet / Kubeflow Trainer v2 rules read metadata.namespace of embedded templates,
    // which CEL in Kubernetes 1.28 does not expose (only name and generateName).
    'jobsets.jobset.x-k8s.io': /compilation failed: .*undefined field 'namespace'/s,
    'clustertrainingruntimes.trainer.kubeflow.org': /compilation failed: .*undefined field 'namespace'/s,
    'trainingruntimes.trainer.kubeflow.org': /compilation failed: .*undefined field 'namespace'/s,
  },
  // CDK8S_ML_CLUSTER_K8S=1.31: Argo Workflows installs; the embedded-metadata CEL rules still do not compile.
  31: {
    'jobsets.jobset.x-k8s.io': /compilation failed: .*undefined field 'namespace'/s,
    'clustertrainingruntimes.trainer.kubeflow.org': /compilation failed: .*undefined field 'namespace'/s,
    'trainingruntimes.trainer.kubeflow.org': /compilation failed: .*undefined field 'namespace'/s,
  },
  // CDK8S_ML_CLUSTER_K8S=1.33: every vendored CRD installs.
};

const vendored: { file: string; name: string }[] = [];
for (const file of crdFiles()) {
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind === 'CustomResourceDefinition') vendored.push({ file, name: crd.metadata.name });
  }
}

let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

test('schemas/crds holds the CRDs of every project in ../shared/crds layout', () => {
  const projects = fs.readdirSync(path.join(__dirname, '..', '..', 'schemas', 'crds')).sort();
  expect(projects).toEqual(expect.arrayContaining(['jobset', 'kserve', 'kubeflow-trainer', 'kubeflow-training-operator-v1', 'kueue', 'prometheus-operator', 'argo-cd']));
  expect(vendored.length).toBeGreaterThan(0);
});

test('every vendored CRD is Established, except the documented ones for this server version', async () => {
  const expected = NOT_INSTALLABLE[minorOf(serverVersion())] ?? {};
  const rejected = new Map(rejectedCrds().map((r) => [r.name, r]));
  const result: Record<string, string> = {};
  const want: Record<string, string> = {};
  for (const { name } of vendored) {
    const crd = await k.tryGet(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const established = (crd?.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
    const r = rejected.get(name);
    result[name] = established ? 'Established' : r && expected[name]?.test(r.message) ? `rejected as documented` : `not installed: ${r?.message ?? 'no record'}`;
    want[name] = expected[name] ? 'rejected as documented' : 'Established';
  }
  expect(result).toEqual(want);
});
