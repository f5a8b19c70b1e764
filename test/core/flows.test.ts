/**
 * core/flows: NetworkPolicy ports of declared flows, and the one egress rule for external
 * hosts (deduplicated, sorted by protocol, port and end port). Expected rules spelled out.
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { NetworkFlow } from '../../src/core/app-model';
import { ExternalEndpoint, endpointFlows, externalEgressRule, policyPort } from '../../src/core/flows';

const toJson = (p: k8s.NetworkPolicyPort) => k8s.toJson_NetworkPolicyPort(p);
const external = (ports: NetworkFlow['ports'], direction: NetworkFlow['direction'] = 'egress'): NetworkFlow =>
  ({ purpose: 'fetch', direction, peer: { kind: 'external', host: 'example.com' }, ports, construct: 'ml/job' });

describe('policyPort', () => {
  test('TCP unless given; a range keeps its end port', () => {
    expect(toJson(policyPort({ port: 443 }))).toEqual({ protocol: 'TCP', port: 443 });
    expect(toJson(policyPort({ port: 53, protocol: 'UDP' }))).toEqual({ protocol: 'UDP', port: 53 });
    expect(toJson(policyPort({ port: 30000, endPort: 30010, protocol: 'SCTP' }))).toEqual({ protocol: 'SCTP', port: 30000, endPort: 30010 });
  });
});

describe('externalEgressRule', () => {
  test('none without an external egress flow', () => {
    expect(externalEgressRule([])).toBeUndefined();
    expect(externalEgressRule([
      external([{ port: 443 }], 'ingress'),
      { purpose: 'peers', direction: 'egress', peer: { kind: 'pods', podLabels: { app: 'x' } }, ports: [{ port: 29500 }], construct: 'ml/job' },
    ])).toBeUndefined();
  });

  test('to any address on the distinct ports, sorted by protocol, port (numerically) and end port', () => {
    const rule = externalEgressRule([
      external([{ port: 443 }, { port: 3478, protocol: 'UDP' }]),
      external([{ port: 443, protocol: 'TCP' }, { port: 80 }, { port: 30000, endPort: 30010 }, { port: 30000 }]),
      external([{ port: 9000 }], 'ingress'),
    ])!;
    expect(k8s.toJson_NetworkPolicyEgressRule(rule)).toEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [
        { protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 30000 },
        { protocol: 'TCP', port: 30000, endPort: 30010 },
        { protocol: 'UDP', port: 3478 },
      ],
    });
  });
});

describe('endpointFlows', () => {
  const chart = () => new Chart(new App(), 'ml');

  test('one egress flow per endpoint, port 443 unless given, ports 1 and 65535 accepted', () => {
    const scope = chart();
    expect(endpointFlows(scope, 'egressTo', [{ host: 'api.example.com' }, { host: 'db.internal', port: 1 }, { host: 'x', port: 65535 }])).toEqual([
      { purpose: 'egress to api.example.com', direction: 'egress', peer: { kind: 'external', host: 'api.example.com' }, ports: [{ port: 443, protocol: 'TCP' }], construct: 'ml' },
      { purpose: 'egress to db.internal', direction: 'egress', peer: { kind: 'external', host: 'db.internal' }, ports: [{ port: 1, protocol: 'TCP' }], construct: 'ml' },
      { purpose: 'egress to x', direction: 'egress', peer: { kind: 'external', host: 'x' }, ports: [{ port: 65535, protocol: 'TCP' }], construct: 'ml' },
    ]);
    expect(endpointFlows(scope, 'egressTo', undefined)).toEqual([]);
  });

  test('fails on a host that is no DNS name (a number, a missing endpoint) and on a port outside 1..65535 or not whole', () => {
    const message = (endpoints: unknown[]): string => {
      try {
        endpointFlows(chart(), 'job.egressTo', endpoints as ExternalEndpoint[]);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message([{ host: 5 }])).toBe('ml: job.egressTo host must be a DNS name, got 5');
    expect(message([null])).toBe('ml: job.egressTo host must be a DNS name, got undefined');
    expect(message([{ host: 'a..b' }])).toBe('ml: job.egressTo host must be a DNS name, got "a..b"');
    for (const port of [0, 65536, 1.5, '443']) {
      expect(message([{ host: 'a', port }])).toBe(`ml: job.egressTo port must be an integer 1..65535, got ${JSON.stringify(port)}`);
    }
  });
});
