/**
 * `cdk8s-ml diff <old> <new>`: what a change to the rendered app does, in ML terms, each line
 * naming the construct: new training runs (a Job renamed by its spec hash), serving rollouts
 * with their surge/unavailable budget, scaled quotas and replicas, datasets whose fingerprint
 * changed (pods re-download), flows opened or closed, objects Argo CD prunes, and changes the
 * API server refuses (immutable fields). Reads two folders of rendered YAML, no cluster.
 */
import { stableStringify } from '../core/hash';
import { groupOf } from '../validation/app/model';
import { namespaceOf } from '../validation/policies/pods';
import { describeObject } from '../validation/validate';
import { FieldChange, argsWords, describeChanges, fieldChanges, showValue } from './changes';
import { withoutHash } from './construct';
import { RenderedApp } from './input';
import { AppFacts, DatasetInfo, appFacts } from './model';

/** Kinds of change, in report order; each is a `--fail-on` value. */
export const CHANGE_KINDS = ['refused', 'new-run', 'rollout', 'dataset', 'quota', 'scale', 'flow-opened', 'flow-closed', 'prune', 'kept', 'added', 'changed'] as const;
/** A kind of change. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Headline of each kind (Markdown). */
export const CHANGE_TITLES: Record<ChangeKind, string> = {
  'refused': 'refused by the cluster',
  'new-run': 'new training run',
  'rollout': 'serving rollout',
  'dataset': 'dataset re-download',
  'quota': 'quota scaled',
  'scale': 'replicas scaled',
  'flow-opened': 'flow opened',
  'flow-closed': 'flow closed',
  'prune': 'pruned by Argo CD',
  'kept': 'left in the cluster',
  'added': 'new object',
  'changed': 'changed',
};

/** One change. */
export interface Change {
  readonly kind: ChangeKind;
  /** The construct that rendered the object (see `construct.ts`). */
  readonly construct: string;
  /** `Kind/namespace/name` of the object (the new one when both exist). */
  readonly object: string;
  /** The change in words (without the construct). */
  readonly message: string;
  /** Machine-readable specifics (fields, before/after). */
  readonly details: Record<string, unknown>;
}

/** Result of {@link diffApps}. */
export interface DiffResult {
  readonly old: string;
  readonly new: string;
  readonly changes: readonly Change[];
}

const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);
const keyOf = (o: any) => `${groupOf(o)}/${o.kind}/${namespaceOf(o)}/${o.metadata?.name ?? ''}`;
const baseKeyOf = (o: any) => `${groupOf(o)}/${o.kind}/${namespaceOf(o)}/${withoutHash(String(o.metadata?.name ?? ''))}`;
const isJob = (o: any) => o.kind === 'Job' && groupOf(o) === 'batch';
const prunable = (o: any) => !/(^|,)\s*Prune=false\s*(,|$)/.test(String(o.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? ''));

/** Fields of a kind the API server refuses to change (paths under `spec` unless noted). */
function refusedChanges(a: any, b: any): FieldChange[] {
  const spec = (path: string[]) => fieldChanges(path.reduce((x, k) => x?.[k], a.spec), path.reduce((x, k) => x?.[k], b.spec), `spec.${path.join('.')}`);
  const group = groupOf(b);
  switch (`${group}/${b.kind}`) {
    case 'batch/Job':
      // completions may change only for an elastic Indexed Job (completions = parallelism before and after).
      return [...spec(['selector']), ...spec(['template']), ...spec(['completionMode']), ...spec(['podFailurePolicy']), ...spec(['backoffLimitPerIndex']),
        ...(b.spec?.completionMode === 'Indexed' && a.spec?.completions === a.spec?.parallelism && b.spec?.completions === b.spec?.parallelism ? [] : spec(['completions']))];
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
      return spec(['selector']);
    case 'apps/StatefulSet': {
      // Only these StatefulSet spec fields may change (the API server's validation).
      const mutable = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);
      const keys = [...new Set([...Object.keys(a.spec ?? {}), ...Object.keys(b.spec ?? {})])].filter((k) => !mutable.has(k)).sort();
      return keys.flatMap((k) => spec([k]));
    }
    case '/Service': {
      const ip = (s: any) => s?.spec?.clusterIP;
      const changed = ip(a) !== ip(b) && (ip(a) !== undefined && ip(b) !== undefined || ip(a) === 'None' || ip(b) === 'None');
      return changed ? [{ path: 'spec.clusterIP', before: ip(a), after: ip(b) }] : [];
    }
    case '/PersistentVolumeClaim': {
      const out = [...spec(['storageClassName']), ...spec(['accessModes']), ...spec(['volumeMode']), ...spec(['selector']), ...spec(['dataSource'])];
      if (a.spec?.volumeName && b.spec?.volumeName && a.spec.volumeName !== b.spec.volumeName) out.push(...spec(['volumeName']));
      const size = (x: any) => parseSize(x?.spec?.resources?.requests?.storage);
      if (size(a) !== undefined && size(b) !== undefined && size(b)! < size(a)!) {
        out.push({ path: 'spec.resources.requests.storage', before: a.spec.resources.requests.storage, after: b.spec.resources.requests.storage });
      }
      return out;
    }
    case '/ConfigMap':
    case '/Secret':
      if (a.immutable !== true) return [];
      return [...fieldChanges(a.data, b.data, 'data'), ...fieldChanges(a.binaryData, b.binaryData, 'binaryData'), ...fieldChanges(a.stringData, b.stringData, 'stringData'),
        ...fieldChanges(a.immutable, b.immutable, 'immutable')];
    default:
      return [];
  }
}

function parseSize(x: unknown): number | undefined {
  const m = typeof x === 'string' ? /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(x) : null;
  if (!m) return undefined;
  const mult: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/** Pod template path of a workload kind, for rollouts. */
function templateOf(o: any): any {
  return o.spec?.template;
}

const ROLLOUT_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet']);

/** The rollout budget of a workload in words. */
function budget(o: any): { text: string; maxSurge?: unknown; maxUnavailable?: unknown; strategy: string } {
  if (o.kind === 'Deployment') {
    if (o.spec?.strategy?.type === 'Recreate') return { text: 'Recreate: every old pod stops before the new ones start (the model is unavailable meanwhile)', strategy: 'Recreate' };
    const ru = o.spec?.strategy?.rollingUpdate ?? {};
    const maxSurge = ru.maxSurge ?? '25%';
    const maxUnavailable = ru.maxUnavailable ?? '25%';
    return { text: `rolling update with maxSurge ${maxSurge} and maxUnavailable ${maxUnavailable}${maxUnavailable === 0 || maxUnavailable === '0%' ? ' (no server stops before its replacement is ready)' : ''}`, maxSurge, maxUnavailable, strategy: 'RollingUpdate' };
  }
  const us = o.spec?.updateStrategy ?? {};
  if (us.type === 'OnDelete') return { text: 'OnDelete: pods change only when deleted', strategy: 'OnDelete' };
  const maxUnavailable = us.rollingUpdate?.maxUnavailable ?? 1;
  const maxSurge = o.kind === 'DaemonSet' ? us.rollingUpdate?.maxSurge ?? 0 : undefined;
  return { text: `rolling update with maxUnavailable ${maxUnavailable}${maxSurge !== undefined ? ` and maxSurge ${maxSurge}` : ''}`, maxSurge, maxUnavailable, strategy: 'RollingUpdate' };
}

/** The `--revision`/`--model` style arguments and FETCH_REVISION of a pod template, by name. */
function modelRefs(template: any): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of list(template?.spec?.initContainers)) {
    for (const e of list(c?.env)) if ((e?.name === 'FETCH_REVISION' || e?.name === 'FETCH_URL') && typeof e.value === 'string') out.set(`${c.name} ${e.name === 'FETCH_URL' ? 'model' : 'revision'}`, e.value);
  }
  for (const c of list(template?.spec?.containers)) {
    const args = list(c?.args);
    args.forEach((arg, i) => {
      if ((arg === '--revision' || arg === '--model' || arg === '--tokenizer-revision') && typeof args[i + 1] === 'string') out.set(`${c.name} ${arg}`, args[i + 1]);
      const m = typeof arg === 'string' ? /^(--(?:revision|model|tokenizer-revision))=(.*)$/.exec(arg) : null;
      if (m) out.set(`${c.name} ${m[1]}`, m[2]);
    });
  }
  return out;
}

function rolloutWords(a: any, b: any, changes: FieldChange[]): { text: string; details: Record<string, unknown> } {
  const parts: string[] = [];
  const images: Array<{ container: string; before: unknown; after: unknown }> = [];
  const bc = new Map(list(b.spec?.template?.spec?.containers).map((c) => [c.name, c]));
  for (const c of list(a.spec?.template?.spec?.containers)) {
    const n = bc.get(c.name);
    if (n && n.image !== c.image) images.push({ container: c.name, before: c.image, after: n.image });
  }
  for (const i of images) parts.push(`image of ${i.container} ${showValue(i.before)} → ${showValue(i.after)}`);
  const ma = modelRefs(a.spec?.template);
  const mb = modelRefs(b.spec?.template);
  const models: Array<{ what: string; before?: string; after?: string }> = [];
  for (const k of [...new Set([...ma.keys(), ...mb.keys()])].sort()) if (ma.get(k) !== mb.get(k)) models.push({ what: k, before: ma.get(k), after: mb.get(k) });
  for (const m of models) parts.push(`model ${m.what.replace(/^fetch-/, '')} ${showValue(m.before)} → ${showValue(m.after)}`);
  const argChanges = changes.filter((c) => /\.containers\[[^\]]+\]\.args$/.test(c.path));
  for (const c of argChanges) parts.push(`args of ${/containers\[([^\]]+)\]/.exec(c.path)![1]}: ${argsWords(c.before, c.after)}`);
  const rest = changes.filter((c) => !/\.containers\[[^\]]+\]\.(image|args)$/.test(c.path) && !/FETCH_(REVISION|URL|FINGERPRINT)/.test(c.path));
  if (rest.length > 0 || parts.length === 0) parts.push(describeChanges(rest.map((c) => ({ ...c, path: c.path.replace(/^spec\.template\.spec\./, '') })), 4));
  return { text: parts.join('; '), details: { images, models, args: argChanges, other: rest } };
}

/** Flows of each workload, normalised (the workload's own name → `<self>`, so renamed Jobs keep theirs). */
function flowSet(facts: AppFacts): Map<string, { flow: any; construct: string; object: any; workload: string }> {
  const out = new Map<string, { flow: any; construct: string; object: any; workload: string }>();
  for (const f of facts.flows) {
    const name = String(f.object.metadata?.name ?? '');
    const normal = stableStringify(f.flow).split(JSON.stringify(name).slice(1, -1)).join('<self>');
    const workload = baseKeyOf(f.object);
    out.set(`${workload}\u0000${normal}`, { flow: f.flow, construct: f.construct, object: f.object, workload });
  }
  return out;
}

function flowWords(flow: any): string {
  const p = flow.peer;
  const kv = (m: Record<string, string>) => Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const peer = p.kind === 'pods' ? `pods ${kv(p.podLabels)}${p.namespace ? ` in ${p.namespace}` : ''}`
    : p.kind === 'namespace' ? `${p.namespaceLabels?.['kubernetes.io/metadata.name'] ? `namespace ${p.namespaceLabels['kubernetes.io/metadata.name']}` : `namespaces ${kv(p.namespaceLabels)}`}${p.podLabels ? ` pods ${kv(p.podLabels)}` : ''}`
      : p.kind === 'external' ? `host ${p.host}` : `addresses ${p.cidr}`;
  const ports = list(flow.ports).map((x) => `${x.protocol ?? 'TCP'} ${x.port}${x.endPort ? `-${x.endPort}` : ''}`).join(', ');
  return `${flow.direction} ${flow.direction === 'egress' ? 'to' : 'from'} ${peer} on ${ports} (${flow.purpose})`;
}

function datasetKey(d: DatasetInfo): string {
  return `${d.namespace}\u0000${d.construct}\u0000${d.name}`;
}

/** The changes from `oldApp` to `newApp`, sorted by kind, construct and object. */
export function diffApps(oldApp: RenderedApp, newApp: RenderedApp): DiffResult {
  const before = appFacts(oldApp);
  const after = appFacts(newApp);
  const changes: Change[] = [];
  const push = (kind: ChangeKind, construct: string, obj: any, message: string, details: Record<string, unknown>) =>
    changes.push({ kind, construct, object: describeObject(obj), message, details });

  const oldByKey = new Map<string, any>();
  for (const { object } of oldApp.objects) if (!oldByKey.has(keyOf(object))) oldByKey.set(keyOf(object), object);
  const newByKey = new Map<string, any>();
  for (const { object } of newApp.objects) if (!newByKey.has(keyOf(object))) newByKey.set(keyOf(object), object);

  // Content-addressed renames: one old and one new object of a kind/namespace/base name.
  const unmatched = (from: Map<string, any>, other: Map<string, any>) => {
    const byBase = new Map<string, any[]>();
    for (const [k, o] of from) if (!other.has(k) && withoutHash(String(o.metadata?.name ?? '')) !== o.metadata?.name) byBase.set(baseKeyOf(o), [...(byBase.get(baseKeyOf(o)) ?? []), o]);
    return byBase;
  };
  const oldBases = unmatched(oldByKey, newByKey);
  const newBases = unmatched(newByKey, oldByKey);
  const renamedTo = new Map<any, any>();
  for (const [base, olds] of oldBases) {
    const news = newBases.get(base);
    if (olds.length === 1 && news?.length === 1) renamedTo.set(olds[0], news[0]);
  }
  const renamedFrom = new Set(renamedTo.values());
  const renames = new Map([...renamedTo].map(([o, n]) => [String(o.metadata?.name), String(n.metadata?.name)]));

  for (const [oldObj, newObj] of renamedTo) {
    if (!isJob(newObj)) continue;
    // What changed in the spec, apart from the Job's own new name showing up in it (MASTER_ADDR, ...).
    const renamedSpec = JSON.parse(JSON.stringify(oldObj.spec ?? {}).split(String(oldObj.metadata.name)).join(String(newObj.metadata.name)));
    const spec = fieldChanges(renamedSpec, newObj.spec, 'spec').map((c) => ({ ...c, path: c.path.replace(/^spec\.template\.spec\./, '').replace(/^spec\./, '') }));
    push('new-run', after.constructOf(newObj), newObj,
      `Job ${oldObj.metadata.name} becomes ${newObj.metadata.name}: a new training run starts from the beginning (the Job name carries its spec hash); changed: ${spec.length > 0 ? describeChanges(spec) : 'nothing but the name'}`,
      { oldJob: describeObject(oldObj), newJob: describeObject(newObj), spec });
  }

  for (const [k, newObj] of newByKey) {
    const oldObj = oldByKey.get(k);
    if (!oldObj) {
      if (!(renamedFrom.has(newObj) && isJob(newObj))) {
        push('added', after.constructOf(newObj), newObj, `${newObj.kind} ${newObj.metadata?.name} is created${renamedFrom.has(newObj) ? ' (a renamed, content-addressed object)' : ''}`, {});
      }
      continue;
    }
    // The same document text parses to the same object when both folders share a ParseCache.
    if (oldObj === newObj || stableStringify(oldObj) === stableStringify(newObj)) continue;
    const construct = after.constructOf(newObj);
    const kind = `${groupOf(newObj)}/${newObj.kind}`;
    const refused = refusedChanges(oldObj, newObj);
    if (refused.length > 0) {
      const hashed = isJob(newObj) && withoutHash(String(newObj.metadata?.name)) !== newObj.metadata?.name && refused.some((r) => r.path.startsWith('spec.template'));
      push('refused', construct, newObj, `the API server refuses to change ${describeChanges(refused, 3)} of ${newObj.kind} ${newObj.metadata?.name} (immutable): the Argo CD sync fails until the object is replaced (delete it first, or the sync option Replace=true)${hashed ? '; this Job is named by a hash of its template: change the app and synthesize again instead of editing the YAML' : ''}`,
        { fields: refused });
    }
    const explained = new Set(refused.map((r) => r.path));
    if (ROLLOUT_KINDS.has(kind) && stableStringify(templateOf(oldObj)) !== stableStringify(templateOf(newObj))) {
      const tchanges = fieldChanges(oldObj.spec?.template, newObj.spec?.template, 'spec.template');
      const words = rolloutWords(oldObj, newObj, tchanges);
      const b = budget(newObj);
      push('rollout', construct, newObj, `${newObj.kind} ${newObj.metadata?.name} rolls out new pods (${b.text}): ${words.text}`,
        { ...words.details, strategy: b.strategy, maxSurge: b.maxSurge, maxUnavailable: b.maxUnavailable });
      explained.add('spec.template');
    }
    if ((kind === 'apps/Deployment' || kind === 'apps/StatefulSet') && oldObj.spec?.replicas !== newObj.spec?.replicas) {
      push('scale', construct, newObj, `${newObj.kind} ${newObj.metadata?.name} replicas ${showValue(oldObj.spec?.replicas)} → ${showValue(newObj.spec?.replicas)}`,
        { field: 'spec.replicas', before: oldObj.spec?.replicas, after: newObj.spec?.replicas });
      explained.add('spec.replicas');
    }
    if (kind === 'autoscaling/HorizontalPodAutoscaler' || kind === 'keda.sh/ScaledObject') {
      const fields = kind === 'keda.sh/ScaledObject' ? ['minReplicaCount', 'maxReplicaCount'] : ['minReplicas', 'maxReplicas'];
      const moved = fields.filter((f) => oldObj.spec?.[f] !== newObj.spec?.[f]);
      if (moved.length > 0) {
        push('scale', construct, newObj, `${newObj.kind} ${newObj.metadata?.name} ${moved.map((f) => `${f} ${showValue(oldObj.spec?.[f])} → ${showValue(newObj.spec?.[f])}`).join(', ')} (target ${newObj.spec?.scaleTargetRef?.kind ?? ''} ${newObj.spec?.scaleTargetRef?.name ?? ''})`,
          { fields: moved.map((f) => ({ path: `spec.${f}`, before: oldObj.spec?.[f], after: newObj.spec?.[f] })) });
        for (const f of moved) explained.add(`spec.${f}`);
      }
    }
    if (kind === '/ResourceQuota') {
      const q = fieldChanges(oldObj.spec?.hard, newObj.spec?.hard, 'spec.hard');
      if (q.length > 0) {
        push('quota', construct, newObj, `ResourceQuota ${newObj.metadata?.name} in ${namespaceOf(newObj)}: ${q.map((c) => `${c.path.slice('spec.hard.'.length)} ${showValue(c.before)} → ${showValue(c.after)}`).join(', ')}`, { fields: q });
        explained.add('spec.hard');
      }
    }
    if (kind === 'kueue.x-k8s.io/ClusterQueue') {
      const quota = (cq: any) => {
        const m = new Map<string, unknown>();
        for (const g of list(cq.spec?.resourceGroups)) for (const f of list(g?.flavors)) for (const r of list(f?.resources)) m.set(`${r?.name} (flavor ${f?.name})`, r?.nominalQuota);
        return m;
      };
      const qa = quota(oldObj);
      const qb = quota(newObj);
      const moved = [...new Set([...qa.keys(), ...qb.keys()])].sort().filter((r) => qa.get(r) !== qb.get(r));
      if (moved.length > 0) {
        push('quota', construct, newObj, `ClusterQueue ${newObj.metadata?.name} nominal quota ${moved.map((r) => `${r} ${showValue(qa.get(r))} → ${showValue(qb.get(r))}`).join(', ')}`,
          { fields: moved.map((r) => ({ resource: r, before: qa.get(r), after: qb.get(r) })) });
        explained.add('spec.resourceGroups');
      }
    }
    const rest = fieldChanges(oldObj, newObj).filter((c) => c.path !== 'metadata.annotations.ml.cdk8s.io/flows' && ![...explained].some((e) => c.path === e || c.path.startsWith(`${e}.`) || c.path.startsWith(`${e}[`)));
    if (rest.length > 0 && refused.length === 0) {
      // Fields that only follow a content-addressed rename (a Service selecting the new Job's pods).
      const follows = rest.every((c) => typeof c.before === 'string' && typeof c.after === 'string' && renames.get(c.before) === c.after);
      const message = follows
        ? `${newObj.kind} ${newObj.metadata?.name} follows the rename of ${[...new Set(rest.map((c) => `${c.before} → ${c.after}`))].join(', ')} (${rest.length} field(s))`
        : `${newObj.kind} ${newObj.metadata?.name}: ${describeChanges(rest, 4)}`;
      push('changed', construct, newObj, message, { fields: rest });
    }
  }

  for (const [k, oldObj] of oldByKey) {
    if (newByKey.has(k)) continue;
    const next = renamedTo.get(oldObj);
    const construct = before.constructOf(oldObj);
    if (prunable(oldObj)) {
      push('prune', construct, oldObj, `Argo CD deletes ${oldObj.kind} ${oldObj.metadata?.name}${next ? ` (replaced by ${next.metadata?.name}${isJob(oldObj) ? '; a run still in progress is stopped' : ''})` : ''}`, next ? { replacedBy: describeObject(next) } : {});
    } else {
      push('kept', construct, oldObj, `${oldObj.kind} ${oldObj.metadata?.name} is no longer rendered but stays in the cluster (sync option Prune=false), unmanaged`, {});
    }
  }

  const oldSets = new Map(before.datasets.map((d) => [datasetKey(d), d]));
  const newSets = new Map(after.datasets.map((d) => [datasetKey(d), d]));
  for (const [k, d] of newSets) {
    const o = oldSets.get(k);
    if (!o || o.fingerprint === d.fingerprint) continue;
    const fields = (['url', 'revision', 'sha256', 'expectedBytes', 'source'] as const).filter((f) => o[f] !== d[f]);
    push('dataset', d.construct, d.usedBy[0], `dataset ${d.name} changes (fingerprint ${o.fingerprint} → ${d.fingerprint}${fields.length > 0 ? `; ${fields.map((f) => `${f} ${showValue(o[f])} → ${showValue(d[f])}`).join(', ')}` : ''}): the pods of ${d.usedBy.map((u) => `${u.kind} ${u.metadata?.name}`).join(', ')} download it again`,
      { dataset: d.name, before: o.fingerprint, after: d.fingerprint, fields: fields.map((f) => ({ field: f, before: o[f], after: d[f] })), usedBy: d.usedBy.map(describeObject) });
  }

  const of = flowSet(before);
  const nf = flowSet(after);
  const workloadsAfter = new Set([...newByKey.values()].map(baseKeyOf));
  const workloadsBefore = new Set([...oldByKey.values()].map(baseKeyOf));
  for (const [k, f] of nf) {
    if (of.has(k)) continue;
    const fresh = !workloadsBefore.has(f.workload);
    push('flow-opened', f.construct, f.object, `${f.object.kind} ${f.object.metadata?.name}${fresh ? ' (new)' : ''} needs ${flowWords(f.flow)}`, { flow: f.flow });
  }
  for (const [k, f] of of) {
    if (nf.has(k)) continue;
    const gone = !workloadsAfter.has(f.workload);
    push('flow-closed', f.construct, f.object, `${f.object.kind} ${f.object.metadata?.name}${gone ? ' (removed)' : ''} no longer needs ${flowWords(f.flow)}`, { flow: f.flow });
  }

  const order = new Map(CHANGE_KINDS.map((k, i) => [k, i]));
  changes.sort((x, y) => order.get(x.kind)! - order.get(y.kind)! || cmp(x.construct, y.construct) || cmp(x.object, y.object) || cmp(x.message, y.message));
  return { old: oldApp.dir, new: newApp.dir, changes };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The diff as Markdown (one line per change, grouped by kind). */
export function diffMarkdown(result: DiffResult): string {
  const out = [`# cdk8s-ml diff: \`${result.old}\` → \`${result.new}\``, ''];
  if (result.changes.length === 0) return [...out, 'No change.', ''].join('\n');
  const counts = CHANGE_KINDS.map((k) => [k, result.changes.filter((c) => c.kind === k).length] as const).filter(([, n]) => n > 0);
  out.push(`${result.changes.length} change(s): ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}.`, '');
  for (const c of result.changes) out.push(diffLine(c));
  out.push('');
  return out.join('\n');
}

/** One change as a Markdown list item: `- **kind** `construct`: message`. */
export function diffLine(c: Change): string {
  return `- **${c.kind}** \`${c.construct}\`: ${c.message}`;
}

/** The diff as JSON text. */
export function diffJson(result: DiffResult): string {
  return `${JSON.stringify({ old: result.old, new: result.new, changes: result.changes }, null, 2)}\n`;
}
