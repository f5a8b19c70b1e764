import { ApiObject, App, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { serverForm } from '../../src/core';
import { renderInServerForm } from '../../src/core/server-form';
import { DataSource, DatasetInit, DatasetVolume } from '../../src/data';

describe('serverForm', () => {
  test('built-in objects: canonical quantity strings, no empty lists, no dropped zero values, fieldRef apiVersion', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: {
        minReadySeconds: 0,
        replicas: 0,
        template: {
          spec: {
            hostNetwork: false,
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'main',
                image: 'i:1',
                ports: [],
                env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1000m' } } }],
                resources: { limits: { cpu: '2000m', memory: '4096Mi', 'nvidia.com/gpu': 8 }, requests: { cpu: 0.5 } },
                volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
              },
            ],
            volumes: [{ name: 'data', emptyDir: { sizeLimit: '1024Mi' } }, { name: 'csi', csi: { driver: 'd', readOnly: false } }],
          },
        },
      },
    };
    expect(serverForm(deployment)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: {
        // replicas is a *int32: 0 is kept
        replicas: 0,
        template: {
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'main',
                image: 'i:1',
                env: [{ name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }, { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } }],
                resources: { limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '8' }, requests: { cpu: '500m' } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
              },
            ],
            // readOnly of a CSI source is a *bool: kept
            volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'csi', csi: { driver: 'd', readOnly: false } }],
          },
        },
      },
    });
  });

  test('core-group (v1) objects are built-in: empty lists dropped', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i:1', ports: [], resources: { limits: { cpu: '2000m' } } }], volumes: [] } };
    expect(serverForm(pod)).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '2' } } }] } });
  });

  test('quota, limit ranges, autoscaler targets, Kueue quotas', () => {
    expect(serverForm({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.nvidia.com/gpu': 32, 'requests.memory': '4096Gi' } } }).spec)
      .toEqual({ hard: { 'requests.nvidia.com/gpu': '32', 'requests.memory': '4Ti' } });
    expect(serverForm({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', default: { cpu: '1000m' }, max: { memory: 1073741824 } }] } }).spec)
      .toEqual({ limits: [{ type: 'Container', default: { cpu: '1' }, max: { memory: '1073741824' } }] });
    const hpa = serverForm({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' },
      spec: { metrics: [{ type: 'Pods', pods: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '1000m' } } }] },
    });
    expect(hpa.spec.metrics[0].pods.target.averageValue).toBe('1');
    const cq = serverForm({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'c' },
      spec: { resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'h100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 32, borrowingLimit: '4096Mi' }] }] }] },
    });
    expect(cq.spec.resourceGroups[0].flavors[0].resources[0]).toEqual({ name: 'nvidia.com/gpu', nominalQuota: '32', borrowingLimit: '4Gi' });
  });

  test('custom resources keep empty lists and zero values (stored as sent); quantities still canonical', () => {
    const js = {
      apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'j' },
      spec: { replicatedJobs: [{ name: 'w', replicas: 0, template: { spec: { template: { spec: { hostNetwork: false, initContainers: [], containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 8 } } }] } } } } }] },
    };
    const out = serverForm(js);
    const pod = out.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.hostNetwork).toBe(false);
    expect(pod.initContainers).toEqual([]);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
  });

  test('returns the very same object when nothing changes, and never mutates its input', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }], clusterIP: 'None' } };
    expect(serverForm(svc)).toBe(svc);
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [] } };
    const copy = JSON.parse(JSON.stringify(np));
    expect(serverForm(np).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(np).toEqual(copy);
  });

  test('metadata and status are left as written: label and annotation keys are no field names, status is not sent', () => {
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', finalizers: [], labels: { sizeLimit: '1024Mi' }, annotations: { readOnly: 'false', divisor: '1000m' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      status: { conditions: [], capacity: { storage: '1024Mi' } },
    };
    const copy = JSON.parse(JSON.stringify(pvc));
    expect(serverForm(pvc)).toBe(pvc);
    expect(pvc).toEqual(copy);
    // the same metadata and status beside a spec that changes are kept too
    const changed = serverForm({ ...pvc, spec: { ...pvc.spec, resources: { requests: { storage: '1024Mi' } } } });
    expect(changed).toEqual({ ...copy, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  });

  test('each rule applies where the API has that field, not to look-alike keys elsewhere', () => {
    // a custom resource: quantities under field names the rules know, but in other places
    const cr = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: {
        requests: { cpu: '1000m' }, hard: { memory: '1024Mi' }, default: { memory: '1024Mi' },
        target: { averageValue: '1000m', value: '1000m' },
        other: { fieldPath: 'metadata.name' },
        resources: { requests: { cpu: '1000m' }, claims: [{ name: 'gpu' }] },
      },
    };
    expect(serverForm(cr).spec).toEqual({ ...cr.spec, resources: { requests: { cpu: '1' }, claims: [{ name: 'gpu' }] } });
    // a built-in ConfigMap's data is user data, whatever its keys
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { value: '1000m', averageValue: '1000m', sizeLimit: 'x' } };
    expect(serverForm(cm)).toBe(cm);
    // a Deployment: env values, true flags, a null field and a fieldRef that names its apiVersion are kept;
    // pod overhead is a quantity map
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            hostNetwork: true,
            overhead: { memory: '1024Mi' },
            containers: [{
              name: 'm', image: 'a/b:1', tty: true,
              env: [{ name: 'RATIO', value: '1000m' }, { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
            }],
          },
        },
      },
    };
    const out = serverForm(deployment);
    expect(out.spec.template.spec.overhead).toEqual({ memory: '1Gi' });
    expect(out).toEqual({ ...deployment, spec: { template: { ...deployment.spec.template, spec: { ...deployment.spec.template.spec, overhead: { memory: '1Gi' } } } } });
    // an autoscaler's target values, a quota's hard limits and a limit range's bounds are quantities
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } }, { type: 'Object', object: { target: { type: 'Value', value: '2000m' } } }] } };
    expect(serverForm(hpa).spec.metrics.map((m: any) => (m.resource ?? m.object).target)).toEqual([{ type: 'AverageValue', averageValue: '1Gi' }, { type: 'Value', value: '2' }]);
    // a scaling policy's value is a count, not a target quantity
    const policies = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] } } } };
    expect(serverForm(policies)).toBe(policies);
    // a fieldRef that names its apiVersion: nothing to change, the very same object back
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'm', image: 'a/b:1', env: [{ name: 'N', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }] }] } };
    expect(serverForm(pod)).toBe(pod);
    const lr = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', default: { memory: '1024Mi' }, defaultRequest: { cpu: '1000m' }, max: { cpu: '2000m' }, min: { cpu: '1000m' }, maxLimitRequestRatio: { cpu: '2000m' } }] } };
    expect(serverForm(lr).spec.limits[0]).toEqual({ type: 'Container', default: { memory: '1Gi' }, defaultRequest: { cpu: '1' }, max: { cpu: '2' }, min: { cpu: '1' }, maxLimitRequestRatio: { cpu: '2' } });
  });

  test('top level: a key the server drops is absent (not undefined); changes to two keys are both kept', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [] };
    const out = serverForm(role);
    expect(out).toStrictEqual({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' } });
    expect(Object.keys(out)).toEqual(['apiVersion', 'kind', 'metadata']);
    const thing = { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, driver: { resources: { limits: { cpu: '2000m' } } }, worker: { resources: { requests: { memory: '4096Mi' } } } };
    expect(serverForm(thing)).toStrictEqual({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, driver: { resources: { limits: { cpu: '2' } } }, worker: { resources: { requests: { memory: '4Gi' } } } });
  });

  test('a change inside a list copies the list: the input is never changed; what is not an object is returned as is', () => {
    const containers = [{ name: 'a', image: 'a/b:1', resources: { requests: { cpu: '1000m' } } }];
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers } };
    const out = serverForm(pod);
    expect(out.spec.containers[0].resources.requests.cpu).toBe('1');
    expect(containers[0].resources.requests.cpu).toBe('1000m');
    expect(out.spec.containers).not.toBe(containers);
    for (const odd of [null, undefined, 'x', 5]) expect(serverForm(odd as unknown as Record<string, any>)).toBe(odd);
  });

  test('cdk8s-plus workloads a DatasetInit attaches to are rendered in server form', () => {
    const chart = new Chart(new App(), 'c');
    const dep = new kplus.Deployment(chart, 'web', {
      containers: [{ image: 'nginx:1.27', resources: { cpu: { request: kplus.Cpu.millis(2000), limit: kplus.Cpu.millis(2000) }, memory: { request: Size.mebibytes(4096), limit: Size.mebibytes(4096) } } }],
    });
    const data = new DatasetInit(chart, 'ds', { source: DataSource.http('https://example.com/a.tar', { sha256: 'a'.repeat(64) }), volume: DatasetVolume.emptyDir({ sizeLimit: Size.gibibytes(4) }) });
    data.attachTo(dep);
    const rendered = Testing.synth(chart).find((o: any) => o.kind === 'Deployment');
    const text = JSON.stringify(rendered);
    expect(text).not.toMatch(/"(4096Mi|1024Mi|2000m)"/);
    expect(rendered.spec.minReadySeconds).toBeUndefined();
    expect(rendered.spec.template.spec.hostNetwork).toBeUndefined();
    expect(rendered.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '2', memory: '4Gi' } });
  });
});

describe('renderInServerForm', () => {
  test('by default the objects of the scope itself are rendered in server form at app synth', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new ApiObject(chart, 'p', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '2000m' } } }] } });
    renderInServerForm(chart);
    expect(parse(app.synthYaml()).spec).toEqual({ containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '2' } } }] });
  });
});
