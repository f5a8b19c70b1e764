/**
 * `cdk8s-ml report`: a Markdown page (it renders in a pull request) describing a rendered app
 * per namespace — queues and quotas, workloads at their peak, the quota figures of the app
 * check, datasets and models, schedules, declared network flows, external references — and
 * a Mermaid diagram of constructs → objects → flows.
 */
import { formatAmount } from '../validation/app/capacity';
import { describeSchedule } from './cron';
import { RenderedApp } from './input';
import { mermaidDiagram } from './mermaid';
import { AppFacts, Amounts, appFacts, showBytes } from './model';

/** Cell text: `|` escaped, newlines folded. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const code = (s: string) => `\`${s}\``;

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** GPU devices of an amount map (every resource whose name contains `gpu`). */
export function gpus(amounts: Amounts): number {
  let n = 0;
  for (const [k, v] of amounts) if (/gpu/i.test(k)) n += v;
  return n;
}

const amount = (amounts: Amounts, resource: string) => (amounts.has(resource) ? formatAmount(resource, amounts.get(resource)!) : '—');
const gpuCell = (amounts: Amounts) => {
  const keys = [...amounts.keys()].filter((k) => /gpu/i.test(k));
  return keys.length === 0 ? '—' : keys.map((k) => `${formatAmount(k, amounts.get(k)!)}${keys.length > 1 || k !== 'nvidia.com/gpu' ? ` ${k}` : ''}`).join(', ');
};

const objectName = (obj: any) => `${obj.kind} ${obj.metadata?.name ?? '?'}`;

function peerWords(f: AppFacts['flows'][number]['flow']): string {
  const p = f.peer;
  const kv = (m: Readonly<Record<string, string>>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
  switch (p.kind) {
    case 'pods': return `pods ${kv(p.podLabels)}${p.namespace ? ` in ${p.namespace}` : ''}`;
    case 'namespace': return `${p.namespaceLabels['kubernetes.io/metadata.name'] ? `namespace ${p.namespaceLabels['kubernetes.io/metadata.name']}` : `namespaces ${kv(p.namespaceLabels)}`}${p.podLabels ? ` pods ${kv(p.podLabels)}` : ''}`;
    case 'external': return `host ${p.host}`;
    case 'cidr': return `addresses ${p.cidr}`;
    default: return JSON.stringify(p);
  }
}

/** One namespace's section. */
function namespaceSection(facts: AppFacts, ns: string): string[] {
  const out: string[] = [ns ? `## Namespace ${code(ns)}` : '## Cluster-scoped', ''];
  const queues = facts.queues.filter((q) => q.namespace === ns);
  if (queues.length > 0) {
    out.push('### Queues', '', ...table(['LocalQueue', 'ClusterQueue', 'GPU', 'CPU', 'memory', 'cohort'],
      queues.map((q) => [q.localQueue.metadata?.name ?? '?', q.clusterQueue ? q.clusterQueueName : `${q.clusterQueueName} (not in the app)`,
        gpuCell(q.nominal), amount(q.nominal, 'cpu'), amount(q.nominal, 'memory'), q.cohort ?? '—'])), '');
  }
  const workloads = facts.workloads.filter((w) => w.namespace === ns);
  if (workloads.length > 0) {
    out.push('### Workloads at peak', '', ...table(['construct', 'object', 'role', 'pods at peak', 'GPU', 'CPU', 'memory', 'queue'],
      workloads.map((w) => [w.construct, objectName(w.object), w.role, w.peakPods === undefined ? '—' : `${w.peakPods} (${w.why})`,
        gpuCell(w.peak), amount(w.peak, 'cpu'), amount(w.peak, 'memory'), w.queues.length > 0 ? w.queues.join(', ') : 'un-queued'])), '');
  }
  for (const q of facts.quotas.filter((d) => d.namespace === ns)) {
    const resources = [...q.hard.keys()].sort();
    const sum = (r: string, source: 'queue' | 'unqueued') => q.parts.filter((p) => p.resource === r && p.source === source).reduce((s, p) => s + p.amount, 0);
    out.push(`### Quota ${code(q.resourceQuota.metadata?.name ?? '?')}`, '',
      'Kueue admits up to the nominal quotas of the ClusterQueues this namespace feeds; un-queued workloads count at their largest. The sum must fit the ResourceQuota (the `app-quota` rule of `cdk8s-ml validate` checks the same figures).', '',
      ...table(['resource', 'ResourceQuota', 'Kueue nominal quotas', 'un-queued at peak', 'total', 'fits'],
        resources.map((r) => {
          const need = q.demand.get(r) ?? 0;
          const hard = q.hard.get(r)!;
          return [r, formatAmount(r, hard), formatAmount(r, sum(r, 'queue')), formatAmount(r, sum(r, 'unqueued')), formatAmount(r, need), need <= hard * (1 + 1e-9) ? 'yes' : '**no**'];
        })), '');
    const unqueued = new Map<any, Array<(typeof q.parts)[number]>>();
    for (const p of q.parts) if (p.source === 'unqueued') unqueued.set(p.object, [...(unqueued.get(p.object) ?? []), p]);
    if (unqueued.size > 0) {
      out.push('Un-queued demand:', '');
      for (const [obj, ps] of unqueued) {
        out.push(`- ${code(facts.constructOf(obj))} ${objectName(obj)}: ${ps.map((p) => `${formatAmount(p.resource, p.amount)} ${p.resource}`).join(', ')} (${ps[0].why})`);
      }
      out.push('');
    }
  }
  const datasets = facts.datasets.filter((d) => d.namespace === ns);
  if (datasets.length > 0) {
    out.push('### Datasets and models', '', ...table(['construct', 'name', 'source', 'size', 'volume', 'mounted at', 'used by'],
      datasets.map((d) => [d.construct, `${d.name}${d.repoType === 'model' ? ' (model)' : ''}`,
        `${d.source} ${d.url}${d.revision ? ` @ ${d.revision}` : ''}`, d.expectedBytes !== undefined ? showBytes(d.expectedBytes) : 'not declared',
        d.volume, d.mountPaths.join(', ') || '—', d.usedBy.map(objectName).join(', ')])), '');
  }
  const schedules = facts.schedules.filter((s) => s.namespace === ns);
  if (schedules.length > 0) {
    out.push('### Schedules', '', ...table(['construct', 'object', 'schedule', 'runs'],
      schedules.map((s) => [s.construct, objectName(s.object), code(s.schedule), describeSchedule(s.schedule, s.timeZone)])), '');
  }
  const flows = facts.flows.filter((f) => f.namespace === ns);
  if (flows.length > 0) {
    out.push('### Network flows', '', 'Flows the workloads declare; `cdk8s-ml validate` proves each is allowed by the NetworkPolicies.', '',
      ...table(['needed by', 'workload', 'direction', 'peer', 'ports', 'purpose'],
        flows.map((f) => [f.construct, objectName(f.object), f.flow.direction, peerWords(f.flow),
          f.flow.ports.map((p) => `${p.protocol ?? 'TCP'} ${p.port}${p.endPort ? `-${p.endPort}` : ''}`).join(', '), f.flow.purpose])), '');
  }
  const externals = facts.externals.filter((e) => e.namespace === ns);
  if (externals.length > 0) {
    out.push('### Expected to exist outside the app', '', ...table(['kind', 'name', 'expected by'],
      externals.map((e) => [e.ref.kind, e.ref.name, `${e.construct} (${objectName(e.object)})`])), '');
  }
  if (out.length === 2) out.push('No queues, workloads, datasets, schedules, flows or external references.', '');
  return out;
}

/** The report of a rendered app as Markdown. */
export function reportMarkdown(app: RenderedApp, facts: AppFacts = appFacts(app)): string {
  const namespaces = new Set<string>();
  for (const o of facts.model.manifests) if (o.metadata?.namespace) namespaces.add(o.metadata.namespace);
  for (const e of facts.externals) if (e.namespace) namespaces.add(e.namespace);
  const sorted = [...namespaces].sort();
  const out = [`# cdk8s-ml report: ${code(app.dir)}`, '',
    `${app.objects.length} object(s) in ${app.files.length} file(s)${app.skipped.length > 0 ? ` (${app.skipped.length} skipped: ${app.skipped.map((s) => s.file).join(', ')})` : ''}; namespaces: ${sorted.map(code).join(', ') || 'none'}.`, ''];
  for (const ns of sorted) out.push(...namespaceSection(facts, ns));
  if (facts.externals.some((e) => e.namespace === '') || facts.queues.some((q) => q.namespace === '')) out.push(...namespaceSection(facts, ''));
  out.push('## Diagram', '', 'Constructs → the objects they render → the flows their workloads declare.', '', '```mermaid', mermaidDiagram(facts), '```', '');
  return out.join('\n');
}
