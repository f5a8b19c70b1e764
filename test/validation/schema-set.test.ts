/**
 * The compiled schema set is built once per Kubernetes version and kept for the process, so
 * in the other suites only the first test of a file builds it. Each test here loads the
 * validator afresh (jest.isolateModules) and so checks what building the set decides: the ajv
 * options, the formats, the Quantity and IntOrString overrides, the enum overlays and how a
 * CRD's schema is completed. Expected findings are spelled out.
 */
import type * as Validate from '../../src/validation/validate';
import { freshValidate as fresh } from './fresh';

const findings = (input: any, options: Validate.ValidateOptions = {}) =>
  fresh().validateManifests(input, options).findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`);

const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...metadata },
  spec: { containers: [{ name: 'c', image: 'img', ...container }], ...spec },
});

describe('a freshly built schema set', () => {
  test('reports every error of an object, each with the value at fault (formats int32 and date-time checked)', () => {
    const bad = pod(
      { imagePullPolicy: 'Sometimes', ports: [{ containerPort: 2147483648 }] },
      { restartPolicy: 'never' },
      { creationTimestamp: 'yesterday' },
    );
    expect(findings(bad)).toEqual([
      'Pod/p /metadata/creationTimestamp [format] must be a valid date-time, got "yesterday"',
      'Pod/p /spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "Sometimes"',
      'Pod/p /spec/containers/0/ports/0/containerPort [format] must be a valid int32, got 2147483648',
      'Pod/p /spec/restartPolicy [enum] must be one of ["Always","OnFailure","Never"], got "never"',
    ]);
    expect(findings(pod({ ports: [{ containerPort: 2147483647 }] }, { restartPolicy: 'Never' }, { creationTimestamp: '2026-12-03T10:00:00Z' }))).toEqual([]);
  });

  test('a quantity is a string in the quantity grammar or a number', () => {
    const resources = (limits: Record<string, unknown>) => pod({ resources: { limits } });
    expect(findings(resources({ cpu: 2, memory: '1.5Gi', 'nvidia.com/gpu': '1' }))).toEqual([]);
    expect(findings(resources({ cpu: 'lots', memory: true }))).toEqual([
      'Pod/p /spec/containers/0/resources/limits/cpu [quantity] malformed quantity "lots"',
      'Pod/p /spec/containers/0/resources/limits/memory [type] must be string,number, got true',
    ]);
  });

  test('an int-or-string is an integer or a string, nothing else', () => {
    const svc = (targetPort: unknown) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] },
    });
    expect(findings([svc(8080), svc('http')])).toEqual([]);
    expect(findings([svc(true), svc(1.5)])).toEqual([
      'Service/s /spec/ports/0/targetPort [type] must be integer,string, got true',
      'Service/s /spec/ports/0/targetPort [type] must be integer,string, got 1.5',
    ]);
  });

  test('enum overlays apply to io.k8s.api and apimachinery definitions, on fields and on list items', () => {
    const np = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'n' },
      spec: { podSelector: { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, policyTypes: ['egress'] },
    };
    expect(findings(np)).toEqual([
      'NetworkPolicy/n /spec/podSelector/matchExpressions/0/operator [enum] must be one of ["In","NotIn","Exists","DoesNotExist"], got "in"',
      'NetworkPolicy/n /spec/policyTypes/0 [enum] must be one of ["Ingress","Egress"], got "egress"',
    ]);
  });

  test('the enum overlays hold in every supported Kubernetes version', () => {
    for (const kubernetesVersion of ['1.28', '1.31', '1.33'] as const) {
      expect(findings(pod({ imagePullPolicy: 'sometimes' }), { kubernetesVersion })).toEqual([
        'Pod/p /spec/containers/0/imagePullPolicy [enum] must be one of ["Always","Never","IfNotPresent"], got "sometimes"',
      ]);
    }
  });

  test("a CRD's object keeps its required root fields and gets Kubernetes metadata", () => {
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', labelz: { x: 'y' } } };
    expect(findings(app)).toEqual([
      'Application/a /spec [required-field] missing required field "spec"',
      'Application/a /metadata/labelz [unknown-field] unknown field "labelz"',
    ]);
  });

  test('a Job pod-failure rule with onExitCodes alone is valid (the API server accepts it)', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'img' }] } },
      },
    };
    expect(findings(job)).toEqual([]);
  });
});

describe('strictify, loaded afresh', () => {
  test('leaves anyOf, oneOf, allOf and not branches open (in a structural schema they only validate values)', () => {
    let schemas: typeof import('../../src/validation/schemas') | undefined;
    jest.isolateModules(() => {
      schemas = require('../../src/validation/schemas');
    });
    const branch = () => ({ properties: { a: { type: 'string' } } });
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, anyOf: [branch()], oneOf: [branch()], allOf: [branch()], not: branch() };
    expect(schemas!.strictify(schema, 'doc:x')).toEqual({ ...schema, additionalProperties: false });
  });
});

describe('the enum overlays, field by field (values as in the Kubernetes API reference)', () => {
  const containers = [{ name: 'c', image: 'img', ports: [{ containerPort: 80 }] }];
  const meta = { name: 'x' };
  const bases: Record<string, any> = {
    pod: {
      apiVersion: 'v1', kind: 'Pod', metadata: meta,
      spec: {
        containers,
        initContainers: [{ name: 'i', image: 'img' }],
        tolerations: [{ operator: 'Exists' }],
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Exists' }] }] } } },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 't', whenUnsatisfiable: 'DoNotSchedule' }],
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    },
    service: { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { ports: [{ port: 80 }] } },
    pvc: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: { accessModes: ['ReadWriteOnce'] } },
    networkPolicy: {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta,
      spec: { podSelector: { matchExpressions: [{ key: 'k', operator: 'Exists' }] }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }] },
    },
    job: {
      apiVersion: 'batch/v1', kind: 'Job', metadata: meta,
      spec: {
        template: { spec: { restartPolicy: 'Never', containers } },
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] },
      },
    },
    cronJob: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers } } } } } },
    deployment: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { selector: {}, strategy: {}, template: { spec: { containers } } } },
    statefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta, spec: { selector: {}, serviceName: 's', template: { spec: { containers } } } },
    ingress: {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta,
      spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] },
    },
    pdb: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta, spec: {} },
    hpa: {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
        maxReplicas: 2,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    },
  };
  const nodeOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
  const protocols = ['TCP', 'UDP', 'SCTP'];
  // [overlaid definition.field, base object, JSON pointer of the field in it, the closed set in order]
  const cases: Array<[string, string, string, string[]]> = [
    ['core.v1.PodSpec.restartPolicy', 'pod', '/spec/restartPolicy', ['Always', 'OnFailure', 'Never']],
    ['core.v1.PodSpec.dnsPolicy', 'pod', '/spec/dnsPolicy', ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']],
    ['core.v1.PodSpec.preemptionPolicy', 'pod', '/spec/preemptionPolicy', ['PreemptLowerPriority', 'Never']],
    ['core.v1.Container.imagePullPolicy', 'pod', '/spec/containers/0/imagePullPolicy', ['Always', 'Never', 'IfNotPresent']],
    ['core.v1.Container.terminationMessagePolicy', 'pod', '/spec/containers/0/terminationMessagePolicy', ['File', 'FallbackToLogsOnError']],
    ['core.v1.Container.restartPolicy', 'pod', '/spec/initContainers/0/restartPolicy', ['Always']],
    ['core.v1.ContainerPort.protocol', 'pod', '/spec/containers/0/ports/0/protocol', protocols],
    ['core.v1.ServicePort.protocol', 'service', '/spec/ports/0/protocol', protocols],
    ['core.v1.ServiceSpec.type', 'service', '/spec/type', ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']],
    ['core.v1.ServiceSpec.sessionAffinity', 'service', '/spec/sessionAffinity', ['ClientIP', 'None']],
    ['core.v1.ServiceSpec.externalTrafficPolicy', 'service', '/spec/externalTrafficPolicy', ['Cluster', 'Local']],
    ['core.v1.ServiceSpec.internalTrafficPolicy', 'service', '/spec/internalTrafficPolicy', ['Cluster', 'Local']],
    ['core.v1.ServiceSpec.ipFamilyPolicy', 'service', '/spec/ipFamilyPolicy', ['SingleStack', 'PreferDualStack', 'RequireDualStack']],
    ['core.v1.Toleration.operator', 'pod', '/spec/tolerations/0/operator', ['Exists', 'Equal']],
    ['core.v1.Toleration.effect', 'pod', '/spec/tolerations/0/effect', ['NoSchedule', 'PreferNoSchedule', 'NoExecute']],
    ['core.v1.SeccompProfile.type', 'pod', '/spec/securityContext/seccompProfile/type', ['RuntimeDefault', 'Unconfined', 'Localhost']],
    ['core.v1.PersistentVolumeClaimSpec.volumeMode', 'pvc', '/spec/volumeMode', ['Filesystem', 'Block']],
    ['core.v1.NodeSelectorRequirement.operator', 'pod', '/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/operator', nodeOperators],
    ['core.v1.TopologySpreadConstraint.whenUnsatisfiable', 'pod', '/spec/topologySpreadConstraints/0/whenUnsatisfiable', ['DoNotSchedule', 'ScheduleAnyway']],
    ['core.v1.TopologySpreadConstraint.nodeAffinityPolicy', 'pod', '/spec/topologySpreadConstraints/0/nodeAffinityPolicy', ['Honor', 'Ignore']],
    ['core.v1.TopologySpreadConstraint.nodeTaintsPolicy', 'pod', '/spec/topologySpreadConstraints/0/nodeTaintsPolicy', ['Honor', 'Ignore']],
    ['core.v1.EmptyDirVolumeSource.medium', 'pod', '/spec/volumes/0/emptyDir/medium', ['', 'Memory', 'HugePages']],
    ['apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement.operator', 'networkPolicy', '/spec/podSelector/matchExpressions/0/operator', ['In', 'NotIn', 'Exists', 'DoesNotExist']],
    ['batch.v1.JobSpec.completionMode', 'job', '/spec/completionMode', ['NonIndexed', 'Indexed']],
    ['batch.v1.JobSpec.podReplacementPolicy', 'job', '/spec/podReplacementPolicy', ['TerminatingOrFailed', 'Failed']],
    ['batch.v1.PodFailurePolicyRule.action', 'job', '/spec/podFailurePolicy/rules/0/action', ['FailJob', 'Ignore', 'Count', 'FailIndex']],
    ['batch.v1.PodFailurePolicyOnExitCodesRequirement.operator', 'job', '/spec/podFailurePolicy/rules/0/onExitCodes/operator', ['In', 'NotIn']],
    ['batch.v1.CronJobSpec.concurrencyPolicy', 'cronJob', '/spec/concurrencyPolicy', ['Allow', 'Forbid', 'Replace']],
    ['apps.v1.DeploymentStrategy.type', 'deployment', '/spec/strategy/type', ['Recreate', 'RollingUpdate']],
    ['apps.v1.StatefulSetSpec.podManagementPolicy', 'statefulSet', '/spec/podManagementPolicy', ['OrderedReady', 'Parallel']],
    ['networking.v1.HTTPIngressPath.pathType', 'ingress', '/spec/rules/0/http/paths/0/pathType', ['Exact', 'Prefix', 'ImplementationSpecific']],
    ['networking.v1.NetworkPolicyPort.protocol', 'networkPolicy', '/spec/ingress/0/ports/0/protocol', protocols],
    ['policy.v1.PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy', 'pdb', '/spec/unhealthyPodEvictionPolicy', ['IfHealthyBudget', 'AlwaysAllow']],
    ['autoscaling.v2.MetricSpec.type', 'hpa', '/spec/metrics/0/type', ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']],
    ['autoscaling.v2.MetricTarget.type', 'hpa', '/spec/metrics/0/resource/target/type', ['AverageValue', 'Utilization', 'Value']],
    ['autoscaling.v2.HPAScalingPolicy.type', 'hpa', '/spec/behavior/scaleUp/policies/0/type', ['Pods', 'Percent']],
    ['autoscaling.v2.HPAScalingRules.selectPolicy', 'hpa', '/spec/behavior/scaleUp/selectPolicy', ['Max', 'Min', 'Disabled']],
    // list items
    ['networking.v1.NetworkPolicySpec.policyTypes', 'networkPolicy', '/spec/policyTypes/0', ['Ingress', 'Egress']],
    ['core.v1.PersistentVolumeClaimSpec.accessModes', 'pvc', '/spec/accessModes/0', ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']],
  ];
  const withValue = (base: any, pointer: string, value: string) => {
    const obj = JSON.parse(JSON.stringify(base));
    const keys = pointer.split('/').slice(1);
    const parent = keys.slice(0, -1).reduce((o, k) => o[k], obj);
    parent[keys[keys.length - 1]] = value;
    return obj;
  };

  // one fresh schema set for all fields (the overlay tables are read when it is built)
  test('every value of each closed set is accepted, anything else is an enum finding listing the set', () => {
    const { validateManifests } = fresh();
    const problems: string[] = [];
    for (const [field, base, pointer, values] of cases) {
      const label = `${bases[base].kind}/x ${pointer}`;
      for (const value of values) {
        const found = validateManifests(withValue(bases[base], pointer, value)).findings.map((f) => `${f.object} ${f.path} ${f.message}`);
        if (found.length > 0) problems.push(`${field} = ${JSON.stringify(value)}: ${found.join('; ')}`);
      }
      const found = validateManifests(withValue(bases[base], pointer, 'Bogus')).findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`);
      const expected = [`${label} [enum] must be one of ${JSON.stringify(values)}, got "Bogus"`];
      if (JSON.stringify(found) !== JSON.stringify(expected)) problems.push(`${field} = "Bogus": ${found.join('; ') || 'accepted'}`);
    }
    expect(problems).toEqual([]);
  });

  test('the cases cover every overlaid field', () => {
    const enums = require('../../src/validation/enums');
    const overlaid = [enums.KUBERNETES_ENUM_OVERLAYS, enums.KUBERNETES_ITEM_ENUM_OVERLAYS]
      .flatMap((table: Record<string, Record<string, string[]>>) => Object.entries(table).flatMap(([def, props]) => Object.keys(props).map((p) => `${def}.${p}`)));
    expect(cases.map(([field]) => field).sort()).toEqual(overlaid.sort());
  });
});
