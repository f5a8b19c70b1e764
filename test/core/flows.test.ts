/**
 * core/flows: NetworkPolicy ports of declared flows, and the one egress rule for external
 * hosts (deduplicated, sorted by protocol, port and end port). Expected rules spelled out.
 */
import { k8s } from 'cdk8s-plus-28';
import { NetworkFlow } from '../../src/core/app-model';
import { externalEgressRule, policyPort } from '../../src/core/flows';

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
