/**
 * The Mermaid `flowchart` of a rendered app: constructs → the objects they render → the
 * network flows the workloads declare (to other workloads, namespaces outside the app,
 * external hosts, address blocks).
 */
import { NetworkFlow } from '../core/app-model';
import { AppFacts } from './model';

/** Text safe inside a quoted Mermaid label. */
function text(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;')).replace(/[\r\n]+/g, ' ');
}

/** Most objects drawn; beyond it, only workloads (objects with pods) are drawn. */
export const MERMAID_MAX_OBJECTS = 200;

function peerName(flow: NetworkFlow): string | undefined {
  const p = flow.peer;
  switch (p.kind) {
    case 'namespace': {
      const ns = p.namespaceLabels['kubernetes.io/metadata.name'] ?? Object.entries(p.namespaceLabels).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = p.podLabels ? ` ${Object.entries(p.podLabels).map(([k, v]) => `${k}=${v}`).join(',')}` : '';
      return `namespace ${ns || 'any'}${pods}`;
    }
    case 'external': return `host ${p.host}`;
    case 'cidr': return `cidr ${p.cidr}`;
    default: return undefined;
  }
}

const ports = (flow: NetworkFlow) => flow.ports.map((p) => `${p.protocol ?? 'TCP'} ${p.port}${p.endPort ? `-${p.endPort}` : ''}`).join(', ');

/** The diagram as Mermaid source (without the ``` fence). */
export function mermaidDiagram(facts: AppFacts): string {
  const lines = ['flowchart LR'];
  const ids = new Map<any, string>();
  let next = 0;
  const id = (key: any, prefix: string) => {
    let v = ids.get(key);
    if (v === undefined) {
      v = `${prefix}${next++}`;
      ids.set(key, v);
    }
    return v;
  };
  const all = facts.model.manifests;
  const workloads = new Set(facts.workloads.map((w) => w.object));
  const drawn = all.length <= MERMAID_MAX_OBJECTS ? all : all.filter((o) => workloads.has(o));
  if (drawn.length < all.length) lines.push(`  %% ${all.length} objects: only the ${drawn.length} workloads are drawn`);
  const byConstruct = new Map<string, any[]>();
  for (const obj of drawn) {
    const c = facts.constructOf(obj);
    byConstruct.set(c, [...(byConstruct.get(c) ?? []), obj]);
  }
  for (const [c, objs] of [...byConstruct].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const cid = id(`construct:${c}`, 'c');
    lines.push(`  ${cid}[["${text(c)}"]]`);
    for (const obj of objs) {
      const oid = id(obj, 'o');
      const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
      lines.push(`  ${oid}["${text(`${obj.kind} ${ns}${obj.metadata?.name ?? '?'}`)}"]`);
      lines.push(`  ${cid} --> ${oid}`);
    }
  }
  const edges = new Set<string>();
  for (const f of facts.flows) {
    if (!ids.has(f.object)) continue;
    const self = ids.get(f.object)!;
    const label = `"${text(`${f.flow.purpose}: ${ports(f.flow)}`)}"`;
    let peers: string[];
    if (f.flow.peer.kind === 'pods') {
      const ns = f.flow.peer.namespace ?? f.namespace;
      const labels = f.flow.peer.podLabels;
      const owners = new Set(facts.model.pods.filter((p) => p.namespace === ns && Object.entries(labels).every(([k, v]) => p.labels[k] === v)).map((p) => p.owner));
      peers = [...owners].filter((o) => ids.has(o)).map((o) => ids.get(o)!);
    } else {
      const name = peerName(f.flow)!;
      const known = ids.has(`peer:${name}`);
      const pid = id(`peer:${name}`, 'p');
      if (!known) lines.push(`  ${pid}(["${text(name)}"])`);
      peers = [pid];
    }
    for (const pid of peers) {
      const [a, b] = f.flow.direction === 'egress' ? [self, pid] : [pid, self];
      const edge = `  ${a} -.->|${label}| ${b}`;
      if (edges.has(edge)) continue;
      edges.add(edge);
      lines.push(edge);
    }
  }
  return lines.join('\n');
}
