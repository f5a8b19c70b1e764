/**
 * The network-flow part of the whole-app check on small hand-written manifests: the named
 * ports of a pod, and the exact findings (message, path, related policies) for flows that
 * the NetworkPolicies block, per kind of peer, and for DNS.
 */
import { checkApp } from '../../../src/validation/app';
import { podEndpoint } from '../../../src/validation/app/flows';
import { AppModel } from '../../../src/validation/app/model';

const FLOWS_PATH = '/metadata/annotations/ml.cdk8s.io~1flows';
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } };

/** Deployment `name` in namespace ml, pods labelled app: <name>, one container with `ports`. */
function deployment(name: string, flows: any[], ports: any[] = [{ name: 'http', containerPort: 8080 }], podSpec: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ml', ...(flows.length > 0 ? { annotations: { 'ml.cdk8s.io/flows': JSON.stringify(flows) } } : {}) },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'ghcr.io/acme/x:1', ports }], ...podSpec } },
    },
  };
}

const policy = (name: string, spec: Record<string, any>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'ml' }, spec });

/** Egress to kube-dns on UDP and TCP 53 (keeps app-dns quiet under egress isolation). */
const DNS_RULE = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
};

describe('podEndpoint', () => {
  test('lists the named container ports with a numeric containerPort and their protocol (TCP by default), of every container', () => {
    const objects = [{
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ml' },
      spec: {
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'a', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }, { name: 'metrics', containerPort: '9100' }, null, { name: 'stats', containerPort: 8125, protocol: 'UDP' }] },
              null,
              { name: 'b', ports: { name: 'grpc', containerPort: 9000 } },
              { name: 'c', ports: 'x' },
              { name: 'd', ports: [{ name: 'grpc', containerPort: 9000, protocol: 'TCP' }] },
            ],
            initContainers: [{ name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'admin', containerPort: 15000 }] }],
          },
        },
      },
    }];
    const model = new AppModel(objects);
    expect(podEndpoint(model, model.pods[0])).toEqual({
      kind: 'pod',
      namespace: 'ml',
      labels: { app: 'web' },
      namespaceLabels: { 'kubernetes.io/metadata.name': 'ml' },
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'stats', port: 8125, protocol: 'UDP' },
        { name: 'grpc', port: 9000, protocol: 'TCP' },
        { name: 'admin', port: 15000, protocol: 'TCP' },
      ],
    });
  });
});

describe('app-flow', () => {
  test('fails on an ingress flow from a CIDR that the destination\'s ingress policy blocks, per port, naming the ports and the policy', () => {
    const flows = [{ purpose: 'webhooks', direction: 'ingress', peer: { kind: 'cidr', cidr: '203.0.113.0/24' }, ports: [{ port: 8000, endPort: 8010 }, { port: 9443 }], construct: 'app/web' }];
    const objects = [NAMESPACE, deployment('web', flows), policy('deny-in', { podSelector: {}, policyTypes: ['Ingress'] })];
    const what = 'flow "webhooks" of app/web (ingress cidr 203.0.113.0/24 on TCP 8000-8010, TCP 9443)';
    expect(checkApp(objects).findings).toEqual([
      {
        object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
        message: `${what} is blocked from addresses 203.0.113.0/24 to Deployment/ml/web on TCP 8000-8010 by the ingress of the destination (policies ["deny-in"])`,
        fix: 'add a NetworkPolicy rule allowing TCP 8000-8010 from addresses 203.0.113.0/24 to Deployment/ml/web: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #0)',
        related: ['NetworkPolicy/ml/deny-in'],
      },
      {
        object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
        message: `${what} is blocked from addresses 203.0.113.0/24 to Deployment/ml/web on TCP 9443 by the ingress of the destination (policies ["deny-in"])`,
        fix: 'add a NetworkPolicy rule allowing TCP 9443 from addresses 203.0.113.0/24 to Deployment/ml/web: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #0)',
        related: ['NetworkPolicy/ml/deny-in'],
      },
    ]);
  });

  test('fails on an egress flow to a CIDR that the source\'s egress policy blocks, naming only the source side', () => {
    const flows = [
      { purpose: 'dns is fine', direction: 'egress', peer: { kind: 'cidr', cidr: '198.51.100.7/32' }, ports: [{ port: 53, protocol: 'UDP' }] },
      { purpose: 'upload', direction: 'egress', peer: { kind: 'cidr', cidr: '198.51.100.0/24' }, ports: [{ port: 443 }] },
    ];
    const objects = [NAMESPACE, deployment('web', flows), policy('deny-out', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_RULE, { to: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ port: 53, protocol: 'UDP' }] }] })];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
      message: 'flow "upload" (egress cidr 198.51.100.0/24 on TCP 443) is blocked from Deployment/ml/web to addresses 198.51.100.0/24 on TCP 443 by the egress of the source (policies ["deny-out"])',
      fix: 'add a NetworkPolicy rule allowing TCP 443 from Deployment/ml/web to addresses 198.51.100.0/24: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #1)',
      related: ['NetworkPolicy/ml/deny-out'],
    }]);
  });

  test('fails on a flow between pods of the app blocked on both ends, naming both sides and both policies', () => {
    const flows = [{ purpose: 'query', direction: 'egress', peer: { kind: 'pods', podLabels: { app: 'db' } }, ports: [{ port: 5432 }] }];
    const objects = [
      NAMESPACE,
      deployment('web', flows),
      deployment('db', [], [{ name: 'pg', containerPort: 5432 }]),
      policy('web-out', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [DNS_RULE] }),
      policy('db-in', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] }),
    ];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
      message: 'flow "query" (egress pods {"app":"db"} on TCP 5432) is blocked from Deployment/ml/web to Deployment/ml/db on TCP 5432 by the egress of the source (policies ["web-out"]) and/or ingress of the destination (policies ["db-in"])',
      fix: 'add a NetworkPolicy rule allowing TCP 5432 from Deployment/ml/web to Deployment/ml/db: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #0)',
      related: ['Deployment/ml/db', 'NetworkPolicy/ml/web-out', 'NetworkPolicy/ml/db-in'],
    }]);
  });

  test('an ingress policy allowing a named UDP port lets UDP traffic to that port through, not TCP', () => {
    const flows = [{ purpose: 'metrics', direction: 'ingress', peer: { kind: 'cidr', cidr: '10.0.0.0/8' }, ports: [{ port: 8125, protocol: 'UDP' }, { port: 8125 }] }];
    const objects = [NAMESPACE, deployment('web', flows, [{ name: 'stats', containerPort: 8125, protocol: 'UDP' }]),
      policy('stats-in', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'stats', protocol: 'UDP' }] }] })];
    expect(checkApp(objects).findings.map((f) => f.message)).toEqual([
      'flow "metrics" (ingress cidr 10.0.0.0/8 on UDP 8125, TCP 8125) is blocked from addresses 10.0.0.0/8 to Deployment/ml/web on TCP 8125 by the ingress of the destination (policies ["stats-in"])',
    ]);
  });

  test('a named port whose containerPort is not a number resolves to nothing', () => {
    const flows = [{ purpose: 'web', direction: 'ingress', peer: { kind: 'cidr', cidr: '10.0.0.0/8' }, ports: [{ port: 8080 }] }];
    const objects = [NAMESPACE, deployment('web', flows, [{ name: 'http', containerPort: '8080' }]),
      policy('http-in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }] }] })];
    expect(checkApp(objects).findings.map((f) => f.message)).toEqual([
      'flow "web" (ingress cidr 10.0.0.0/8 on TCP 8080) is blocked from addresses 10.0.0.0/8 to Deployment/ml/web on TCP 8080 by the ingress of the destination (policies ["http-in"])',
    ]);
  });

  test('fails on a flow to pods that no pod template of the app carries (all the labels, in the namespace of the flow)', () => {
    const flows = [{ purpose: 'cache', direction: 'egress', peer: { kind: 'pods', podLabels: { app: 'redis', tier: 'cache' }, namespace: 'cache' }, ports: [{ port: 6379 }] }];
    const elsewhere = deployment('redis', []);
    elsewhere.spec.template.metadata.labels.tier = 'cache';
    const partly = deployment('redis', []);
    partly.metadata.namespace = 'cache';
    const objects = [NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cache' } }, deployment('web', flows), elsewhere, partly];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
      message: 'flow "cache" (egress pods {"app":"redis","tier":"cache"} in "cache" on TCP 6379): no pod template of the app in namespace "cache" carries labels {"app":"redis","tier":"cache"}',
      fix: 'render the peer workload, or fix the labels the flow names',
    }]);
  });

  test('fails on an ingress flow from pods of another namespace that the ingress policy does not admit', () => {
    const flows = [{ purpose: 'scrape', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, podLabels: { app: 'prometheus' } }, ports: [{ port: 8080 }] }];
    const objects = [NAMESPACE, deployment('web', flows),
      policy('from-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }] })];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
      message: 'flow "scrape" (ingress namespace {"kubernetes.io/metadata.name":"monitoring"} pods {"app":"prometheus"} on TCP 8080) is blocked from pods {"app":"prometheus"} in namespaces {"kubernetes.io/metadata.name":"monitoring"} to Deployment/ml/web on TCP 8080 by the ingress of the destination (policies ["from-ingress"])',
      fix: 'add a NetworkPolicy rule allowing TCP 8080 from pods {"app":"prometheus"} in namespaces {"kubernetes.io/metadata.name":"monitoring"} to Deployment/ml/web: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #0)',
      related: ['NetworkPolicy/ml/from-ingress'],
    }]);
  });

  test('a namespace peer carries its declared labels: a policy admitting namespaces by label admits it', () => {
    const flows = [
      { purpose: 'etl', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'etl', team: 'data' } }, ports: [{ port: 8080 }] },
      { purpose: 'web', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'frontend', team: 'web' } }, ports: [{ port: 8080 }] },
    ];
    const objects = [NAMESPACE, deployment('web', flows),
      policy('from-data', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'data' } } }] }] })];
    expect(checkApp(objects).findings.map((f) => f.message)).toEqual([
      'flow "web" (ingress namespace {"kubernetes.io/metadata.name":"frontend","team":"web"} on TCP 8080) is blocked from pods {} in namespaces {"kubernetes.io/metadata.name":"frontend","team":"web"} to Deployment/ml/web on TCP 8080 by the ingress of the destination (policies ["from-data"])',
    ]);
  });

  test('a namespace peer without a name label is outside the app: a policy admitting its own namespace does not admit it', () => {
    const flows = [{ purpose: 'batch', direction: 'ingress', peer: { kind: 'namespace', namespaceLabels: { team: 'data' } }, ports: [{ port: 8080 }] }];
    const web = deployment('web', flows);
    delete web.metadata.namespace;
    const own = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'same-namespace' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] } };
    expect(checkApp([web, own]).findings.filter((f) => f.rule === 'app-flow').map((f) => f.message)).toEqual([
      'flow "batch" (ingress namespace {"team":"data"} on TCP 8080) is blocked from pods {} in namespaces {"team":"data"} to Deployment/web on TCP 8080 by the ingress of the destination (policies ["same-namespace"])',
    ]);
  });

  test('fails on a CIDR the check cannot evaluate', () => {
    const flows = [{ purpose: 'v6', direction: 'egress', peer: { kind: 'cidr', cidr: 'fd00::/8' }, ports: [{ port: 443 }] }];
    expect(checkApp([NAMESPACE, deployment('web', flows)]).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-declaration', severity: 'error',
      message: 'flow "v6" (egress cidr fd00::/8 on TCP 443): cidr "fd00::/8" is no IPv4 CIDR the check can evaluate',
      fix: 'declare an IPv4 CIDR such as 203.0.113.0/24',
    }]);
  });

  test('fails on an egress flow to an external host that egress denies; warns when only some ipBlock allows it', () => {
    const flows = [{ purpose: 'model hub', direction: 'egress', peer: { kind: 'external', host: 'huggingface.co' }, ports: [{ port: 443 }, { port: 80 }] }];
    const objects = [NAMESPACE, deployment('web', flows),
      policy('egress', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_RULE, { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443 }] }] })];
    const what = 'flow "model hub" (egress host huggingface.co on TCP 443, TCP 80)';
    expect(checkApp(objects).findings).toEqual([
      {
        object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'warning',
        message: `${what} cannot be proven: NetworkPolicies ["egress"] allow TCP 443 only to some ipBlocks, which may or may not contain "huggingface.co"`,
        fix: 'allow egress to huggingface.co on TCP 443: a NetworkPolicy selecting the pods with policyTypes [Egress] and a rule with ports [{port: 443, protocol: TCP}] to ipBlock 0.0.0.0/0 except private ranges (cdk8s-ml constructs render it when they declare the flow)',
        related: ['NetworkPolicy/ml/egress'],
      },
      {
        object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
        message: `${what} is blocked: Deployment/ml/web is egress-isolated by NetworkPolicies ["egress"] and none allows TCP 80 to public addresses`,
        fix: 'allow egress to huggingface.co on TCP 80: a NetworkPolicy selecting the pods with policyTypes [Egress] and a rule with ports [{port: 80, protocol: TCP}] to ipBlock 0.0.0.0/0 except private ranges (cdk8s-ml constructs render it when they declare the flow)',
        related: ['NetworkPolicy/ml/egress'],
      },
    ]);
  });

  test('an ingress flow from an external host is checked against every public address', () => {
    const flows = [{ purpose: 'callbacks', direction: 'ingress', peer: { kind: 'external', host: 'hooks.example.com' }, ports: [{ port: 8080, protocol: 'TCP' }] }];
    const objects = [NAMESPACE, deployment('web', flows),
      policy('in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/1' } }] }] })];
    expect(checkApp(objects).findings).toEqual([{
      object: 'Deployment/ml/web', path: FLOWS_PATH, rule: 'app-flow', severity: 'error',
      message: 'flow "callbacks" (ingress host hooks.example.com on TCP 8080) is blocked from public addresses (hooks.example.com) to Deployment/ml/web on TCP 8080 by the ingress of the destination (policies ["in"])',
      fix: 'add a NetworkPolicy rule allowing TCP 8080 from public addresses (hooks.example.com) to Deployment/ml/web: in the source\'s egress and the destination\'s ingress wherever either is isolated (flow #0)',
      related: ['NetworkPolicy/ml/in'],
    }]);
    const open = [NAMESPACE, deployment('web', flows), policy('in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })];
    expect(checkApp(open).findings).toEqual([]);
  });

  test('a policy without metadata is named null in the message rather than stopping the check', () => {
    const flows = [
      { purpose: 'webhooks', direction: 'ingress', peer: { kind: 'cidr', cidr: '203.0.113.0/24' }, ports: [{ port: 8080 }] },
      { purpose: 'upload', direction: 'egress', peer: { kind: 'cidr', cidr: '198.51.100.0/24' }, ports: [{ port: 443 }] },
      { purpose: 'hub', direction: 'egress', peer: { kind: 'external', host: 'example.com' }, ports: [{ port: 443 }] },
      { purpose: 'mirror', direction: 'egress', peer: { kind: 'external', host: 'mirror.example.com' }, ports: [{ port: 8443 }] },
    ];
    const web = deployment('web', flows);
    delete web.metadata.namespace;
    const objects = [web, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 8443 }] }] } }];
    expect(checkApp(objects).findings.filter((f) => f.rule === 'app-flow' || f.rule === 'app-dns').map((f) => f.message)).toEqual([
      'flow "webhooks" (ingress cidr 203.0.113.0/24 on TCP 8080) is blocked from addresses 203.0.113.0/24 to Deployment/web on TCP 8080 by the ingress of the destination (policies [null])',
      'flow "upload" (egress cidr 198.51.100.0/24 on TCP 443) is blocked from Deployment/web to addresses 198.51.100.0/24 on TCP 443 by the egress of the source (policies [null])',
      'flow "hub" (egress host example.com on TCP 443) is blocked: Deployment/web is egress-isolated by NetworkPolicies [null] and none allows TCP 443 to public addresses',
      'flow "mirror" (egress host mirror.example.com on TCP 8443) cannot be proven: NetworkPolicies [null] allow TCP 8443 only to some ipBlocks, which may or may not contain "mirror.example.com"',
      'the pods of the template at /spec/template/spec are egress-isolated by NetworkPolicies [null] and cannot reach kube-dns on UDP and TCP 53: every name lookup fails',
    ]);
  });

  test('warns about flows declared on an object without pod templates', () => {
    const flows = [{ purpose: 'a', direction: 'egress', peer: { kind: 'external', host: 'example.com' }, ports: [{ port: 443 }] }, { purpose: 'b', direction: 'egress', peer: { kind: 'external', host: 'example.org' }, ports: [{ port: 443 }] }];
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ml', annotations: { 'ml.cdk8s.io/flows': JSON.stringify(flows) } } };
    expect(checkApp([NAMESPACE, config]).findings).toEqual([{
      object: 'ConfigMap/ml/cfg', path: FLOWS_PATH, rule: 'app-declaration', severity: 'warning',
      message: '2 flow(s) are declared on an object without pod templates, so no pods are known to need them: ["a","b"]',
      fix: 'declare flows on the workload object whose pods open or accept the connections (Job, Deployment, CronJob, JobSet, ...)',
    }]);
  });
});

describe('app-dns', () => {
  const deny = policy('deny', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: DNS_RULE.to, ports: [{ port: 53, protocol: 'UDP' }] }] });

  test('fails on an egress-isolated pod that cannot reach kube-dns on both protocols, naming the missing one', () => {
    expect(checkApp([NAMESPACE, deployment('web', []), deny]).findings).toEqual([{
      object: 'Deployment/ml/web', path: '/spec/template/metadata', rule: 'app-dns', severity: 'error',
      message: 'the pods of the template at /spec/template/spec are egress-isolated by NetworkPolicies ["deny"] and cannot reach kube-dns on TCP 53: every name lookup fails',
      fix: 'allow egress to namespace kube-system (kubernetes.io/metadata.name: kube-system), pods k8s-app: kube-dns, on UDP 53 and TCP 53 (MlNamespace renders this rule)',
      related: ['NetworkPolicy/ml/deny'],
    }]);
  });

  test('pods that are not egress-isolated are left alone, even when the app isolates kube-dns', () => {
    const dnsIngress = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'dns-in', namespace: 'kube-system' }, spec: { podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } }, policyTypes: ['Ingress'] } };
    expect(checkApp([NAMESPACE, deployment('web', []), dnsIngress]).findings.filter((f) => f.rule === 'app-dns')).toEqual([]);
  });

  test('pods on the host network or with dnsPolicy None are left alone', () => {
    expect(checkApp([NAMESPACE, deployment('web', [], [], { hostNetwork: true }), deny]).findings).toEqual([]);
    expect(checkApp([NAMESPACE, deployment('web', [], [], { dnsPolicy: 'None' }), deny]).findings).toEqual([]);
    expect(checkApp([NAMESPACE, deployment('web', [], [], { hostNetwork: false, dnsPolicy: 'ClusterFirst' }), deny]).findings.map((f) => f.rule)).toEqual(['app-dns']);
  });
});
