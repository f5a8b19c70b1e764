/**
 * The NetworkPolicy evaluator against the Kubernetes NetworkPolicy semantics: hand-written
 * cases for each rule, and property-based tests against an independent, literal reading of
 * the API documentation that decides one address and one port at a time.
 */
import * as fc from 'fast-check';
import {
  AddressEndpoint, NON_PUBLIC_CIDRS, PodEndpoint, PortRange, egressToPublicHost, isIsolated, labelSelectorMatches, mergeRanges, parseCidr, policyTypes, publicInternet, requiredLabel, selectingPolicies, subtractRanges, trafficAllowed,
} from '../../../src/validation/app/netpol';

const pod = (namespace: string, labels: Record<string, string>, ports: PodEndpoint['ports'] = [], namespaceLabels: Record<string, string> = {}): PodEndpoint =>
  ({ kind: 'pod', namespace, labels, namespaceLabels, ports });
const np = (namespace: string, spec: any, name = 'p'): any => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const tcp = (from: number, to = from): PortRange => ({ protocol: 'TCP', from, to });
const udp = (port: number): PortRange => ({ protocol: 'UDP', from: port, to: port });
const ip = (a: string): AddressEndpoint => ({ kind: 'addresses', ranges: [parseCidr(`${a}/32`)!] });
const cidr = (c: string): AddressEndpoint => ({ kind: 'addresses', ranges: [parseCidr(c)!] });

const A = pod('ns1', { app: 'a' }, [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }]);
const B = pod('ns1', { app: 'b' }, [{ name: 'http', port: 9090 }]);
const C = pod('ns2', { app: 'a' }, [], { team: 'x' });

describe('isolation and policyTypes', () => {
  test('no policy: everything passes both ways', () => {
    expect(trafficAllowed([], A, B, tcp(1, 65535))).toBe(true);
    expect(trafficAllowed([], A, ip('8.8.8.8'), udp(53))).toBe(true);
  });

  test('policyTypes absent: Ingress, plus Egress only with egress rules (egress: [] does not count)', () => {
    expect(policyTypes(np('ns1', { podSelector: {} }))).toEqual(['Ingress']);
    expect(policyTypes(np('ns1', { podSelector: {}, egress: [] }))).toEqual(['Ingress']);
    expect(policyTypes(np('ns1', { podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    expect(policyTypes(np('ns1', { podSelector: {}, policyTypes: ['Egress'] }))).toEqual(['Egress']);
    expect(policyTypes(np('ns1', { podSelector: {}, policyTypes: [] }))).toEqual(['Ingress']);
  });

  test('a policy selecting the pod with ingress absent or [] denies all ingress, egress stays open', () => {
    for (const spec of [{ podSelector: {} }, { podSelector: {}, ingress: [] }, { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] }]) {
      const ps = [np('ns1', spec)];
      expect(isIsolated(ps, B, 'Ingress')).toBe(true);
      expect(isIsolated(ps, B, 'Egress')).toBe(false);
      expect(trafficAllowed(ps, A, B, tcp(80))).toBe(false);
      expect(trafficAllowed(ps, B, ip('1.2.3.4'), tcp(443))).toBe(true);
    }
  });

  test('a policy of another namespace or selecting other pods does not isolate', () => {
    const ps = [np('ns2', { podSelector: {} }), np('ns1', { podSelector: { matchLabels: { app: 'zzz' } } })];
    expect(isIsolated(ps, B, 'Ingress')).toBe(false);
    expect(trafficAllowed(ps, A, B, tcp(80))).toBe(true);
  });

  test('an egress-only policy with no rules denies all egress of the selected pods', () => {
    const ps = [np('ns1', { podSelector: {}, policyTypes: ['Egress'] })];
    expect(trafficAllowed(ps, A, B, tcp(80))).toBe(false);
    expect(trafficAllowed(ps, ip('1.2.3.4'), A, tcp(80))).toBe(true);
  });

  test('a pod-to-pod flow needs the source egress and the destination ingress', () => {
    const denyAll = np('ns1', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'deny');
    const egressToB = np('ns1', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }] }] }, 'a-out');
    const ingressFromA = np('ns1', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] }, 'b-in');
    expect(trafficAllowed([denyAll, egressToB], A, B, tcp(80))).toBe(false);
    expect(trafficAllowed([denyAll, ingressFromA], A, B, tcp(80))).toBe(false);
    expect(trafficAllowed([denyAll, egressToB, ingressFromA], A, B, tcp(80))).toBe(true);
  });

  test('policies are unioned: each allows part, together they allow all', () => {
    const p1 = np('ns1', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }, 'p1');
    const p2 = np('ns1', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ ports: [{ port: 81, endPort: 90 }] }] }, 'p2');
    expect(trafficAllowed([p1], A, B, tcp(80, 90))).toBe(false);
    expect(trafficAllowed([p1, p2], A, B, tcp(80, 90))).toBe(true);
    expect(trafficAllowed([p1, p2], A, B, tcp(80, 91))).toBe(false);
  });
});

describe('peers', () => {
  test('from/to absent or empty matches every peer (pods and addresses)', () => {
    for (const rule of [{}, { from: [] }]) {
      const ps = [np('ns1', { podSelector: {}, ingress: [rule] })];
      expect(trafficAllowed(ps, C, B, tcp(80))).toBe(true);
      expect(trafficAllowed(ps, ip('203.0.113.9'), B, tcp(80))).toBe(true);
    }
  });

  test('podSelector alone: pods of the policy namespace only', () => {
    const ps = [np('ns1', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] })];
    expect(trafficAllowed(ps, A, B, tcp(80))).toBe(true);
    expect(trafficAllowed(ps, C, B, tcp(80))).toBe(false); // app=a, but in ns2
  });

  test('namespaceSelector alone: every pod of the selected namespaces; the metadata.name label is automatic', () => {
    const byLabel = [np('ns1', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }] }] })];
    expect(trafficAllowed(byLabel, C, B, tcp(80))).toBe(true);
    expect(trafficAllowed(byLabel, A, B, tcp(80))).toBe(false);
    const byName = [np('ns1', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns2' } } }] }] })];
    expect(trafficAllowed(byName, C, B, tcp(80))).toBe(true);
    const all = [np('ns1', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })];
    expect(trafficAllowed(all, C, B, tcp(80))).toBe(true);
    expect(trafficAllowed(all, ip('203.0.113.9'), B, tcp(80))).toBe(false);
  });

  test('namespaceSelector and podSelector in one peer are ANDed; in two peers ORed', () => {
    const and = [np('ns1', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } }, podSelector: { matchLabels: { app: 'b' } } }] }] })];
    expect(trafficAllowed(and, C, B, tcp(80))).toBe(false); // ns2 is team x but C is app=a
    expect(trafficAllowed(and, pod('ns2', { app: 'b' }, [], { team: 'x' }), B, tcp(80))).toBe(true);
    const or = [np('ns1', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }, { podSelector: { matchLabels: { app: 'b' } } }] }] })];
    expect(trafficAllowed(or, C, B, tcp(80))).toBe(true);
  });

  test('matchExpressions In, NotIn, Exists, DoesNotExist', () => {
    const sel = (e: any) => [np('ns1', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [e] } }] }] })];
    expect(trafficAllowed(sel({ key: 'app', operator: 'In', values: ['a', 'x'] }), A, B, tcp(1))).toBe(true);
    expect(trafficAllowed(sel({ key: 'app', operator: 'NotIn', values: ['a'] }), A, B, tcp(1))).toBe(false);
    expect(trafficAllowed(sel({ key: 'app', operator: 'Exists' }), A, B, tcp(1))).toBe(true);
    expect(trafficAllowed(sel({ key: 'app', operator: 'DoesNotExist' }), A, B, tcp(1))).toBe(false);
  });

  test('ipBlock with except; never matches pods of the app', () => {
    const ps = [np('ns1', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] })];
    expect(trafficAllowed(ps, A, ip('10.2.3.4'), tcp(443))).toBe(true);
    expect(trafficAllowed(ps, A, ip('10.1.3.4'), tcp(443))).toBe(false);
    expect(trafficAllowed(ps, A, cidr('10.2.0.0/16'), tcp(443))).toBe(true);
    expect(trafficAllowed(ps, A, cidr('10.0.0.0/15'), tcp(443))).toBe(false); // contains 10.1/16
    expect(trafficAllowed(ps, A, B, tcp(443))).toBe(false);
  });

  test('a malformed except entry removes nothing; a malformed or IPv6 cidr matches nothing', () => {
    const withExcept = (except: unknown) => [np('ns1', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except } }] }] })];
    expect(trafficAllowed(withExcept(['bogus', 7, '10.1.0.0/16']), A, ip('10.2.3.4'), tcp(443))).toBe(true);
    expect(trafficAllowed(withExcept(['bogus', 7, '10.1.0.0/16']), A, ip('10.1.3.4'), tcp(443))).toBe(false);
    expect(trafficAllowed(withExcept('10.1.0.0/16'), A, ip('10.1.3.4'), tcp(443))).toBe(true);
    for (const c of ['bogus', 'fd00::/8', undefined]) {
      expect(trafficAllowed([np('ns1', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: c } }] }] })], A, ip('10.1.3.4'), tcp(443))).toBe(false);
    }
  });
});

describe('ports', () => {
  const only = (ports: any) => [np('ns1', { podSelector: {}, ingress: [{ ports }] })];

  test('ports absent or empty: every port of every protocol', () => {
    expect(trafficAllowed(only(undefined), A, B, udp(5353))).toBe(true);
    expect(trafficAllowed(only([]), A, B, tcp(1, 65535))).toBe(true);
  });

  test('protocol defaults to TCP; a port without number is every port of its protocol', () => {
    expect(trafficAllowed(only([{ port: 53 }]), A, B, tcp(53))).toBe(true);
    expect(trafficAllowed(only([{ port: 53 }]), A, B, udp(53))).toBe(false);
    expect(trafficAllowed(only([{ protocol: 'UDP' }]), A, B, udp(1234))).toBe(true);
    expect(trafficAllowed(only([{ protocol: 'UDP' }]), A, B, tcp(1234))).toBe(false);
  });

  test('endPort ranges: a flow range passes only when every port is allowed', () => {
    const ps = only([{ port: 29500, endPort: 29510 }]);
    expect(trafficAllowed(ps, A, B, tcp(29500, 29510))).toBe(true);
    expect(trafficAllowed(ps, A, B, tcp(29505))).toBe(true);
    expect(trafficAllowed(ps, A, B, tcp(29499, 29505))).toBe(false);
    expect(trafficAllowed(ps, A, B, tcp(29511))).toBe(false);
  });

  test('a port written as a numeric string is that number; an endPort below the port is ignored', () => {
    expect(trafficAllowed(only([{ port: '9090' }]), A, B, tcp(9090))).toBe(true);
    expect(trafficAllowed(only([{ port: '9090' }]), A, B, tcp(9091))).toBe(false);
    expect(trafficAllowed(only([{ port: 80, endPort: 70 }]), A, B, tcp(80))).toBe(true);
    expect(trafficAllowed(only([{ port: 80, endPort: 70 }]), A, B, tcp(75))).toBe(false);
    expect(trafficAllowed(only([{ port: 80, endPort: '90' }]), A, B, tcp(85))).toBe(false);
  });

  test('named ports resolve against the destination pod', () => {
    const ps = only([{ port: 'http' }]);
    expect(trafficAllowed(ps, A, B, tcp(9090))).toBe(true); // B's http is 9090
    expect(trafficAllowed(ps, A, B, tcp(8080))).toBe(false);
    expect(trafficAllowed(ps, B, A, tcp(8080))).toBe(true); // A's http is 8080
    // the protocol must match the container port's
    expect(trafficAllowed(only([{ port: 'dns' }]), B, A, udp(53))).toBe(false);
    expect(trafficAllowed(only([{ port: 'dns', protocol: 'UDP' }]), B, A, udp(53))).toBe(true);
    // a TCP rule naming a UDP container port allows neither protocol
    expect(trafficAllowed(only([{ port: 'dns' }]), B, A, tcp(53))).toBe(false);
  });

  test('a name may begin or end with digits; a port that is neither number nor string allows nothing', () => {
    const D = pod('ns1', { app: 'd' }, [{ name: 'grpc2', port: 7002 }, { name: '3grpc', port: 7003 }]);
    expect(trafficAllowed(only([{ port: 'grpc2' }]), A, D, tcp(7002))).toBe(true);
    expect(trafficAllowed(only([{ port: '3grpc' }]), A, D, tcp(7003))).toBe(true);
    expect(trafficAllowed(only([{ port: [9090] }]), A, B, tcp(9090))).toBe(false);
    expect(trafficAllowed(only([{ port: ['9090'] }]), A, B, tcp(9090))).toBe(false);
    expect(trafficAllowed(only([{ port: true }]), A, B, tcp(9090))).toBe(false);
  });

  test('a named egress port towards an address matches nothing', () => {
    const ps = [np('ns1', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'https' }] }] })];
    expect(trafficAllowed(ps, A, ip('1.1.1.1'), tcp(443))).toBe(false);
  });
});

describe('egress to a host known only by name', () => {
  const egress = (rules: any[]) => [np('ns1', { podSelector: {}, policyTypes: ['Egress'], egress: rules })];
  test('allowed by a rule without `to` or by 0.0.0.0/0 with only private excepts', () => {
    expect(egressToPublicHost(egress([{ ports: [{ port: 443 }] }]), A, tcp(443))).toBe('allowed');
    expect(egressToPublicHost(egress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }], ports: [{ port: 443 }] }]), A, tcp(443))).toBe('allowed');
  });
  test('unprovable with a narrower public ipBlock; denied without any', () => {
    expect(egressToPublicHost(egress([{ to: [{ ipBlock: { cidr: '52.0.0.0/8' } }], ports: [{ port: 443 }] }]), A, tcp(443))).toBe('unprovable');
    expect(egressToPublicHost(egress([{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }]), A, tcp(443))).toBe('denied');
    expect(egressToPublicHost(egress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['8.0.0.0/8'] } }], ports: [{ port: 443 }] }]), A, tcp(443))).toBe('unprovable');
    expect(egressToPublicHost(egress([{ ports: [{ port: 53, protocol: 'UDP' }] }]), A, tcp(443))).toBe('denied');
    // a port range: some public address must be allowed on every port, by one rule or several
    const block = (cidr: string, port: number, endPort: number) => ({ to: [{ ipBlock: { cidr } }], ports: [{ port, endPort }] });
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 80, 80)]), A, tcp(80, 443))).toBe('denied');
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 80, 443)]), A, tcp(80, 443))).toBe('unprovable');
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 80, 100), block('52.1.0.0/16', 101, 443)]), A, tcp(80, 443))).toBe('unprovable');
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 80, 100), block('53.0.0.0/8', 101, 443)]), A, tcp(80, 443))).toBe('denied');
    expect(egressToPublicHost(egress([{ ports: [{ port: 80, endPort: 100 }] }, block('53.0.0.0/8', 101, 443)]), A, tcp(80, 443))).toBe('unprovable');
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 80, 100), { ports: [{ port: 101, endPort: 443 }] }]), A, tcp(80, 443))).toBe('unprovable');
    expect(egressToPublicHost(egress([block('52.0.0.0/8', 100, 443)]), A, tcp(80, 443))).toBe('denied');
    expect(egressToPublicHost(egress([block('10.0.0.0/8', 80, 100), block('52.0.0.0/8', 101, 443)]), A, tcp(80, 443))).toBe('denied');
    // the Ingress-only policy of a server does not restrict egress at all
    expect(egressToPublicHost([np('ns1', { podSelector: {}, policyTypes: ['Ingress'] })], A, tcp(443))).toBe('allowed');
  });
});

test('a selector that is no object (null, a string, a number, an array) selects nothing; {} selects everything', () => {
  const labels = { app: 'a' };
  for (const bad of [null, undefined, '', 'app=a', 5, [], [{ matchLabels: labels }], true]) expect(labelSelectorMatches(bad, labels)).toBe(false);
  expect(labelSelectorMatches({}, labels)).toBe(true);
  expect(labelSelectorMatches({}, {})).toBe(true);
  expect(labelSelectorMatches({ matchLabels: null }, labels)).toBe(false);
  expect(labelSelectorMatches({ matchLabels: 'app=a' }, labels)).toBe(false);
  // no entries to compare, yet no map either: nothing, not everything
  expect(labelSelectorMatches({ matchLabels: 5 }, labels)).toBe(false);
  expect(labelSelectorMatches({ matchLabels: true }, labels)).toBe(false);
  expect(labelSelectorMatches({ matchExpressions: {} }, labels)).toBe(false);
  expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['a'] }] }, labels)).toBe(false);
  // an expression that is no object, or without a string key, requires a label nothing can have
  expect(labelSelectorMatches({ matchExpressions: [null] }, labels)).toBe(false);
  expect(labelSelectorMatches({ matchExpressions: [{ operator: 'Exists' }] }, { undefined: 'x' })).toBe(false);
  expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: 'a' }] }, labels)).toBe(false);
});

test('policyTypes: unknown types are dropped, a policyTypes that is no list is defaulted, a policy without spec is Ingress', () => {
  expect(policyTypes(np('ns1', { podSelector: {}, policyTypes: ['Egress', 'Bogus', 5] }))).toEqual(['Egress']);
  expect(policyTypes(np('ns1', { podSelector: {}, policyTypes: 'Egress', egress: [{}] }))).toEqual(['Ingress', 'Egress']);
  expect(policyTypes(null)).toEqual(['Ingress']);
  expect(policyTypes({ kind: 'NetworkPolicy' })).toEqual(['Ingress']);
});

test('selectingPolicies keeps the order of the policy list, label-indexed or not', () => {
  const all = np('ns1', { podSelector: {} }, 'all');
  const byApp = np('ns1', { podSelector: { matchLabels: { app: 'b' } } }, 'by-app');
  const byExpr = np('ns1', { podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }, 'by-expression');
  const names = (ps: any[]) => selectingPolicies(ps, B, 'Ingress').map((p) => p.metadata.name);
  expect(names([byApp, all])).toEqual(['by-app', 'all']);
  expect(names([all, byApp])).toEqual(['all', 'by-app']);
  expect(names([byApp, byExpr, all])).toEqual(['by-app', 'by-expression', 'all']);
  expect(names([byExpr, byApp])).toEqual(['by-expression', 'by-app']);
  expect(names([byApp])).toEqual(['by-app']);
});

test('requiredLabel: the first string matchLabels pair, none for selectors without one', () => {
  expect(requiredLabel({ matchLabels: { a: 1, b: 'c', d: 'e' } })).toEqual(['b', 'c']);
  for (const sel of [undefined, null, {}, { matchLabels: {} }, { matchLabels: null }, { matchLabels: 'a=b' }, { matchLabels: ['a'] }, { matchLabels: { a: 1 } }]) {
    expect(requiredLabel(sel)).toBeUndefined();
  }
});

test('only NetworkPolicies count: other objects (or null) in the list select nothing', () => {
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns1' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  expect(isIsolated([widget, null], B, 'Ingress')).toBe(false);
});

test('parseCidr: IPv4 blocks only, whole string (trimmed), octets ≤ 255 and prefix ≤ 32', () => {
  expect(parseCidr('10.1.2.3/8')).toEqual({ from: 10 * 2 ** 24, to: 11 * 2 ** 24 - 1 });
  expect(parseCidr(' 192.168.0.1/32 ')).toEqual({ from: 3232235521, to: 3232235521 });
  expect(parseCidr('0.0.0.0/0')).toEqual({ from: 0, to: 2 ** 32 - 1 });
  expect(parseCidr('255.255.255.255/32')).toEqual({ from: 4294967295, to: 4294967295 });
  expect(parseCidr('10.0.0.0/32')).toEqual({ from: 167772160, to: 167772160 });
  for (const bad of ['x10.0.0.0/8', '10.0.0.0/8x', '10.0.0.0', '256.0.0.0/8', '10.0.0.300/32', '10.0.0.0/33', 'fd00::/8', 5, undefined]) {
    expect(parseCidr(bad)).toBeUndefined();
  }
});

describe('address ranges', () => {
  const r = (from: number, to: number) => ({ from, to });

  test('mergeRanges sorts, merges overlapping and adjacent ranges, keeps gaps', () => {
    expect(mergeRanges([r(5, 6), r(1, 2)])).toEqual([r(1, 2), r(5, 6)]);
    expect(mergeRanges([r(1, 2), r(3, 4)])).toEqual([r(1, 4)]);
    expect(mergeRanges([r(1, 2), r(4, 5)])).toEqual([r(1, 2), r(4, 5)]);
    expect(mergeRanges([r(1, 10), r(2, 3), r(9, 12), r(14, 14)])).toEqual([r(1, 12), r(14, 14)]);
    expect(mergeRanges([r(7, 8), r(1, 3), r(3, 6)])).toEqual([r(1, 8)]);
    expect(mergeRanges([])).toEqual([]);
  });

  test('subtractRanges removes each range, inclusive at both ends', () => {
    expect(subtractRanges([r(5, 10)], [r(1, 5)])).toEqual([r(6, 10)]);
    expect(subtractRanges([r(5, 10)], [r(10, 12)])).toEqual([r(5, 9)]);
    expect(subtractRanges([r(5, 10)], [r(1, 4), r(11, 20)])).toEqual([r(5, 10)]);
    expect(subtractRanges([r(5, 10)], [r(7, 8)])).toEqual([r(5, 6), r(9, 10)]);
    expect(subtractRanges([r(5, 10)], [r(5, 10)])).toEqual([]);
    expect(subtractRanges([r(20, 30), r(1, 10)], [r(8, 22)])).toEqual([r(1, 7), r(23, 30)]);
  });

  test('the public internet is every IPv4 address but the private, shared, loopback, link-local and multicast/reserved blocks', () => {
    expect(NON_PUBLIC_CIDRS).toEqual(['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3']);
    const ip4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;
    expect(publicInternet()).toEqual([
      r(ip4(1, 0, 0, 0), ip4(9, 255, 255, 255)),
      r(ip4(11, 0, 0, 0), ip4(100, 63, 255, 255)),
      r(ip4(100, 128, 0, 0), ip4(126, 255, 255, 255)),
      r(ip4(128, 0, 0, 0), ip4(169, 253, 255, 255)),
      r(ip4(169, 255, 0, 0), ip4(172, 15, 255, 255)),
      r(ip4(172, 32, 0, 0), ip4(192, 167, 255, 255)),
      r(ip4(192, 169, 0, 0), ip4(223, 255, 255, 255)),
    ]);
  });
});

test('a policy without spec in the pod\'s namespace selects nothing', () => {
  const specless = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 's', namespace: 'ns1' } };
  expect(isIsolated([specless], B, 'Ingress')).toBe(false);
  expect(trafficAllowed([specless], A, B, tcp(80))).toBe(true);
});

test('peers that are no object, empty, or an ipBlock beside a podSelector select no pod', () => {
  const ps = [np('ns1', { podSelector: {}, ingress: [{ from: [null, 'x', 5, {}, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] })];
  expect(trafficAllowed(ps, A, B, tcp(80))).toBe(false);
  expect(trafficAllowed(ps, ip('10.1.2.3'), B, tcp(80))).toBe(true);
});

test('a port entry without a port (or null, or no object) is every port of its protocol, TCP unless a string says otherwise', () => {
  const ps = (ports: unknown[]) => [np('ns1', { podSelector: {}, ingress: [{ ports }] })];
  expect(trafficAllowed(ps([{ port: null, protocol: 'UDP' }]), A, B, udp(53))).toBe(true);
  expect(trafficAllowed(ps([{ port: null, protocol: 'UDP' }]), A, B, tcp(53))).toBe(false);
  expect(trafficAllowed(ps([null]), A, B, tcp(1, 65535))).toBe(true);
  expect(trafficAllowed(ps([null]), A, B, udp(53))).toBe(false);
  expect(trafficAllowed(ps([{ protocol: 5 }]), A, B, tcp(22))).toBe(true);
  expect(trafficAllowed(ps([{ protocol: 5 }]), A, B, udp(22))).toBe(false);
});

test('a rule that is no object allows nothing', () => {
  const ps = [np('ns1', { podSelector: {}, ingress: ['x', 5, null] })];
  expect(trafficAllowed(ps, A, B, tcp(80))).toBe(false);
});

test('malformed policies select nothing or allow nothing, never throw', () => {
  const bad = [np('ns1', { podSelector: 'x', ingress: 'y' }), np('ns1', { podSelector: {}, ingress: [null, { from: 'z', ports: [{ port: {} }] }] }), { kind: 'NetworkPolicy' }];
  expect(() => trafficAllowed(bad as any, A, B, tcp(80))).not.toThrow();
  // the second policy isolates B; its only rule's port is malformed and allows nothing
  expect(trafficAllowed(bad as any, A, B, tcp(80))).toBe(false);
});

// ---------------------------------------------------------------------------------------
// Reference formulation: one connection (one address or pod, one protocol, one port), read
// literally from the NetworkPolicy API documentation, sharing no code with the evaluator.

type Peer = { pod: PodEndpoint } | { ip: number };

function refSelector(sel: any, labels: Record<string, string>): boolean {
  if (sel === null || typeof sel !== 'object') return false;
  const ml = sel.matchLabels ?? {};
  if (!Object.keys(ml).every((k) => labels[k] === ml[k])) return false;
  return (sel.matchExpressions ?? []).every((e: any) => {
    const v = labels[e.key];
    if (e.operator === 'In') return v !== undefined && e.values.includes(v);
    if (e.operator === 'NotIn') return v === undefined || !e.values.includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    return false;
  });
}

function refInCidr(addr: number, c: string): boolean {
  const [base, bits] = c.split('/');
  const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(addr / size) === Math.floor(n / size);
}

function refPeerMatches(peers: any[] | undefined, who: Peer, policyNs: string): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((p) => {
    if (p.ipBlock) return 'ip' in who && refInCidr(who.ip, p.ipBlock.cidr) && !(p.ipBlock.except ?? []).some((e: string) => refInCidr(who.ip, e));
    if (!('pod' in who)) return false;
    const nsOk = p.namespaceSelector !== undefined
      ? refSelector(p.namespaceSelector, { ...who.pod.namespaceLabels, 'kubernetes.io/metadata.name': who.pod.namespace })
      : who.pod.namespace === policyNs;
    return nsOk && (p.podSelector === undefined || refSelector(p.podSelector, who.pod.labels));
  });
}

function refPortMatches(ports: any[] | undefined, dst: Peer, protocol: string, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return port >= p.port && port <= (p.endPort ?? p.port);
    return 'pod' in dst && dst.pod.ports.some((cp) => cp.name === p.port && (cp.protocol ?? 'TCP') === protocol && cp.port === port);
  });
}

function refAllowed(policies: any[], src: Peer, dst: Peer, protocol: string, port: number): boolean {
  const side = (self: Peer, other: Peer, type: 'Ingress' | 'Egress'): boolean => {
    if (!('pod' in self)) return true;
    const types = (p: any) => (p.spec.policyTypes?.length ? p.spec.policyTypes : p.spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']);
    const selecting = policies.filter((p) => p.metadata.namespace === self.pod.namespace && types(p).includes(type) && refSelector(p.spec.podSelector, self.pod.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) => ((type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((r: any) =>
      refPeerMatches(type === 'Ingress' ? r.from : r.to, other, p.metadata.namespace) && refPortMatches(r.ports, type === 'Ingress' ? self : other, protocol, port)));
  };
  return side(src, dst, 'Egress') && side(dst, src, 'Ingress');
}

// ---------------------------------------------------------------------------------------
// Generators: small label and port alphabets so that matches are frequent.

const NSS = ['ns1', 'ns2'];
const labelsArb = fc.dictionary(fc.constantFrom('app', 'role'), fc.constantFrom('a', 'b'), { maxKeys: 2 });
const selectorArb = fc.record({
  matchLabels: fc.option(labelsArb, { nil: undefined }),
  matchExpressions: fc.option(fc.array(fc.oneof(
    fc.record({ key: fc.constantFrom('app', 'role', 'team'), operator: fc.constantFrom('In', 'NotIn'), values: fc.array(fc.constantFrom('a', 'b', 'x'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ key: fc.constantFrom('app', 'role', 'team'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  ), { maxLength: 2 }), { nil: undefined }),
}, { requiredKeys: [] }).map((s) => JSON.parse(JSON.stringify(s)));
const CIDRS = ['10.0.0.0/24', '10.0.0.0/28', '10.0.0.16/28', '0.0.0.0/0', '10.0.0.128/25'];
const EXCEPTS = ['10.0.0.0/30', '10.0.0.8/29', '10.0.0.200/29'];
const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: fc.oneof(fc.constant({}), fc.record({ matchLabels: fc.record({ team: fc.constantFrom('x', 'y') }) }), fc.record({ matchLabels: fc.record({ 'kubernetes.io/metadata.name': fc.constantFrom(...NSS) }) })) }),
  fc.record({ namespaceSelector: fc.constant({}), podSelector: selectorArb }),
  fc.record({ ipBlock: fc.record({ cidr: fc.constantFrom(...CIDRS), except: fc.option(fc.subarray(EXCEPTS), { nil: undefined }) }, { requiredKeys: ['cidr'] }) }),
);
const portArb = fc.oneof(
  fc.record({ port: fc.integer({ min: 78, max: 92 }), protocol: fc.option(fc.constantFrom('TCP', 'UDP'), { nil: undefined }) }, { requiredKeys: ['port'] }),
  fc.integer({ min: 78, max: 92 }).chain((p) => fc.record({ port: fc.constant(p), endPort: fc.integer({ min: p, max: 95 }) })),
  fc.record({ port: fc.constantFrom('http', 'metrics'), protocol: fc.option(fc.constantFrom('TCP', 'UDP'), { nil: undefined }) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP') }),
).map((p) => JSON.parse(JSON.stringify(p)));
const ruleArb = (field: 'from' | 'to') => fc.record({ [field]: fc.option(fc.array(peerArb, { maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(portArb, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: [] })
  .map((r) => JSON.parse(JSON.stringify(r)));
const policyArb = fc.record({
  ns: fc.constantFrom(...NSS),
  podSelector: fc.oneof(fc.constant({}), selectorArb),
  policyTypes: fc.option(fc.subarray(['Ingress', 'Egress'] as const, { minLength: 1 }), { nil: undefined }),
  ingress: fc.option(fc.array(ruleArb('from'), { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(ruleArb('to'), { maxLength: 2 }), { nil: undefined }),
}).map(({ ns, ...spec }, ) => np(ns, JSON.parse(JSON.stringify(spec))));
const podArb = fc.record({
  namespace: fc.constantFrom(...NSS),
  labels: labelsArb,
  team: fc.constantFrom('x', 'y'),
  http: fc.integer({ min: 78, max: 92 }),
  metricsUdp: fc.boolean(),
}).map(({ namespace, labels, team, http, metricsUdp }) => pod(namespace, labels, [{ name: 'http', port: http }, { name: 'metrics', port: 90, protocol: metricsUdp ? 'UDP' : 'TCP' }], { team }));
const addrArb = fc.integer({ min: 0, max: 255 }).map((last) => 10 * 2 ** 24 + last);
const endpointArb = fc.oneof({ arbitrary: podArb.map((p) => ({ pod: p }) as Peer), weight: 3 }, { arbitrary: addrArb.map((a) => ({ ip: a }) as Peer), weight: 1 });
const toEndpoint = (p: Peer) => ('pod' in p ? p.pod : { kind: 'addresses' as const, ranges: [{ from: p.ip, to: p.ip }] });

describe('property: the evaluator agrees with the reference formulation', () => {
  test('one port, pods and single addresses at either end', () => {
    fc.assert(fc.property(fc.array(policyArb, { maxLength: 4 }), endpointArb, endpointArb, fc.constantFrom('TCP', 'UDP'), fc.integer({ min: 76, max: 96 }),
      (policies, src, dst, protocol, port) => {
        fc.pre('pod' in src || 'pod' in dst);
        expect(trafficAllowed(policies, toEndpoint(src), toEndpoint(dst), { protocol, from: port, to: port })).toBe(refAllowed(policies, src, dst, protocol, port));
      }), { numRuns: 3000 });
  });

  test('a port range passes iff every port in it does', () => {
    fc.assert(fc.property(fc.array(policyArb, { maxLength: 4 }), podArb, podArb, fc.constantFrom('TCP', 'UDP'), fc.integer({ min: 76, max: 96 }), fc.integer({ min: 0, max: 8 }),
      (policies, src, dst, protocol, from, width) => {
        const to = from + width;
        const expected = Array.from({ length: width + 1 }, (_, i) => from + i).every((p) => refAllowed(policies, { pod: src }, { pod: dst }, protocol, p));
        expect(trafficAllowed(policies, src, dst, { protocol, from, to })).toBe(expected);
      }), { numRuns: 1500 });
  });

  test('an address block passes iff every address in it does', () => {
    fc.assert(fc.property(fc.array(policyArb, { maxLength: 4 }), podArb, fc.constantFrom('10.0.0.0/28', '10.0.0.0/27', '10.0.0.192/26', '10.0.0.8/29'), fc.constantFrom('TCP', 'UDP'), fc.integer({ min: 78, max: 92 }), fc.boolean(),
      (policies, p, block, protocol, port, outgoing) => {
        const r = parseCidr(block)!;
        const addrs = Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i);
        const expected = addrs.every((a) => (outgoing ? refAllowed(policies, { pod: p }, { ip: a }, protocol, port) : refAllowed(policies, { ip: a }, { pod: p }, protocol, port)));
        const block_: AddressEndpoint = { kind: 'addresses', ranges: [r] };
        const got = outgoing ? trafficAllowed(policies, p, block_, { protocol, from: port, to: port }) : trafficAllowed(policies, block_, p, { protocol, from: port, to: port });
        expect(got).toBe(expected);
      }), { numRuns: 1000 });
  });
});
