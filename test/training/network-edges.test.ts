/**
 * The training pods' network (src/training/network.ts) called directly: the collective port
 * range bounds, the peer NetworkPolicy for every option, the headless rendezvous Service and the
 * declared flows. Expected objects are spelled out.
 */
import { App, Chart, Testing } from 'cdk8s';
import { NetworkFlow } from '../../src/core';
import { renderPeerNetworkPolicy, renderRendezvousService, trainingFlows, validatePortRange } from '../../src/training/network';

const chart = () => new Chart(new App(), 'ml', { namespace: 'team-a' });
const SELECTOR = { 'app.kubernetes.io/name': 'train' };
const PORTS = [{ name: 'rdzv', port: 29500 }];
const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
const FETCH: NetworkFlow = { purpose: 'fetch d', direction: 'egress', peer: { kind: 'external', host: 'data.example.com' }, ports: [{ port: 8443, protocol: 'TCP' }], construct: 'ml/d' };

function policy(network: Parameters<typeof renderPeerNetworkPolicy>[2]['network'], datasetFlows: NetworkFlow[] = []): any {
  const c = chart();
  const obj = renderPeerNetworkPolicy(c, 'np', { name: 'train', labels: { team: 'a' }, podSelector: SELECTOR, ports: PORTS, network, datasetFlows });
  return obj === undefined ? undefined : Testing.synth(c)[0];
}

describe('validatePortRange', () => {
  test('accepts 1..65535 and a single port', () => {
    expect(() => validatePortRange(chart(), { from: 1, to: 65535 })).not.toThrow();
    expect(() => validatePortRange(chart(), { from: 5000, to: 5000 })).not.toThrow();
  });

  test('fails on bounds outside 1..65535 or not integers', () => {
    for (const range of [{ from: 0, to: 10 }, { from: 1, to: 65536 }, { from: 1.5, to: 10 }, { from: 10, to: 20.5 }]) {
      expect(() => validatePortRange(chart(), range)).toThrow(`ml: network.collectivePorts must be integers 1..65535, got ${JSON.stringify(range)}`);
    }
  });

  test('fails when from exceeds to', () => {
    expect(() => validatePortRange(chart(), { from: 6000, to: 5999 })).toThrow('ml: network.collectivePorts.from must not exceed .to, got {"from":6000,"to":5999}');
  });
});

describe('renderPeerNetworkPolicy', () => {
  test('defaults: peers on the framework ports and 1024-65535, DNS, no other egress', () => {
    const peerPorts = [{ protocol: 'TCP', port: 29500 }, { protocol: 'TCP', port: 1024, endPort: 65535 }];
    const peers = [{ podSelector: { matchLabels: SELECTOR } }];
    expect(policy(undefined)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'train', namespace: 'team-a', labels: { team: 'a' } },
      spec: {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: peers, ports: peerPorts }],
        egress: [{ to: peers, ports: peerPorts }, DNS_EGRESS],
      },
    });
  });

  test('disabled: nothing rendered', () => {
    expect(policy({ enabled: false })).toBeUndefined();
    expect(policy({ enabled: true })).toBeDefined();
  });

  test('a one-port collective range has no endPort; false leaves only the framework ports', () => {
    expect(policy({ collectivePorts: { from: 5000, to: 5000 } }).spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 29500 }, { protocol: 'TCP', port: 5000 }]);
    expect(policy({ collectivePorts: { from: 5000, to: 5001 } }).spec.ingress[0].ports[1]).toEqual({ protocol: 'TCP', port: 5000, endPort: 5001 });
    expect(policy({ collectivePorts: false }).spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 29500 }]);
  });

  test('fails on a bad collective range', () => {
    expect(() => policy({ collectivePorts: { from: 0, to: 10 } })).toThrow('ml: network.collectivePorts must be integers 1..65535, got {"from":0,"to":10}');
  });

  test('dataset fetches: their ports by default, 443 added with allowHttpsEgress, none with false', () => {
    const anywhere = (ports: object[]) => ({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports });
    expect(policy(undefined, [FETCH]).spec.egress.slice(2)).toEqual([anywhere([{ protocol: 'TCP', port: 8443 }])]);
    expect(policy({ allowHttpsEgress: true }, [FETCH]).spec.egress.slice(2)).toEqual([anywhere([{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 8443 }])]);
    expect(policy({ allowHttpsEgress: true }).spec.egress.slice(2)).toEqual([anywhere([{ protocol: 'TCP', port: 443 }])]);
    expect(policy({ allowHttpsEgress: false }, [FETCH]).spec.egress).toHaveLength(2);
  });

  test('egressTo endpoints and extraEgress rules follow', () => {
    const extra = { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] };
    const egress = policy({ egressTo: [{ host: 'api.wandb.ai' }, { host: 'pypi.example.com', port: 8080 }], extraEgress: [extra] }).spec.egress;
    expect(egress.slice(2)).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 8080 }] }, extra]);
  });
});

describe('renderRendezvousService', () => {
  test('headless, publishing not-ready addresses, one TCP port per framework port', () => {
    const c = chart();
    renderRendezvousService(c, 'svc', { name: 'train', labels: { team: 'a' }, selector: SELECTOR, ports: [...PORTS, { name: 'extra', port: 7000 }] });
    expect(Testing.synth(c)).toEqual([{
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'train', namespace: 'team-a', labels: { team: 'a' } },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: SELECTOR,
        ports: [{ name: 'rdzv', port: 29500, targetPort: 29500, protocol: 'TCP' }, { name: 'extra', port: 7000, targetPort: 7000, protocol: 'TCP' }],
      },
    }]);
  });
});

describe('trainingFlows', () => {
  const dns = {
    purpose: 'dns',
    direction: 'egress',
    peer: { kind: 'namespace', namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, podLabels: { 'k8s-app': 'kube-dns' } },
    ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    construct: 'ml',
  };
  const peer = { kind: 'pods', podLabels: SELECTOR };

  test('one node: DNS, the datasets\' fetches and egressTo, no peer flows', () => {
    expect(trainingFlows(chart(), { podSelector: SELECTOR, ports: PORTS, nodes: 1, datasetFlows: [FETCH], network: { egressTo: [{ host: 'api.wandb.ai' }] } })).toEqual([
      dns,
      FETCH,
      { purpose: 'egress to api.wandb.ai', direction: 'egress', peer: { kind: 'external', host: 'api.wandb.ai' }, ports: [{ port: 443, protocol: 'TCP' }], construct: 'ml' },
    ]);
  });

  test('two nodes: rendezvous and collectives (1024-65535 by default) in both directions', () => {
    const flows = trainingFlows(chart(), { podSelector: SELECTOR, ports: PORTS, nodes: 2, datasetFlows: [] });
    const rdzv = (direction: string) => ({ purpose: 'rendezvous', direction, peer, ports: [{ port: 29500, protocol: 'TCP' }], construct: 'ml' });
    const coll = (direction: string) => ({ purpose: 'collectives', direction, peer, ports: [{ port: 1024, endPort: 65535, protocol: 'TCP' }], construct: 'ml' });
    expect(flows).toEqual([dns, rdzv('egress'), coll('egress'), rdzv('ingress'), coll('ingress')]);
  });

  test('a one-port collective range has no endPort; false and no framework ports leave those flows out', () => {
    const one = trainingFlows(chart(), { podSelector: SELECTOR, ports: PORTS, nodes: 2, datasetFlows: [], network: { collectivePorts: { from: 5000, to: 5000 } } });
    expect(one.filter((f) => f.purpose === 'collectives').map((f) => f.ports)).toEqual([[{ port: 5000, protocol: 'TCP' }], [{ port: 5000, protocol: 'TCP' }]]);
    const none = trainingFlows(chart(), { podSelector: SELECTOR, ports: [], nodes: 2, datasetFlows: [], network: { collectivePorts: false } });
    expect(none).toEqual([dns]);
  });
});

describe('egressTo errors name the option', () => {
  test('fails on a host that is not a DNS name, in the NetworkPolicy and in the declared flows', () => {
    expect(() => policy({ egressTo: [{ host: 'not a host' }] })).toThrow('ml: network.egressTo host must be a DNS name, got "not a host"');
    expect(() => trainingFlows(chart(), { podSelector: SELECTOR, ports: PORTS, nodes: 1, datasetFlows: [], network: { egressTo: [{ host: 'api.wandb.ai', port: 0 }] } }))
      .toThrow('ml: network.egressTo port must be an integer 1..65535, got 0');
  });
});
