/**
 * References between objects: each resolves to an object the app renders, or is declared
 * external (`ml.cdk8s.io/external`), so "forgot to render it" and "lives elsewhere" differ.
 */
import { show } from '../../core/errors';
import { PodView, escape, namespaceOf } from '../policies/pods';
import { labelSelectorMatches, requiredLabel } from './netpol';
import { AppModel, finding, groupOf, isClusterScoped, label } from './model';
import { AppFinding } from './rules';

/** Kueue's queue label. */
export const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** Kueue's workload priority label. */
export const PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';

/** The namespace argument for a cluster-scoped kind: find, isExternal, messages and fixes ignore it. */
const CLUSTER_SCOPED = '';

const BUILTIN_PRIORITY_CLASSES = ['system-cluster-critical', 'system-node-critical'];

/** The fix for a dangling reference. */
export function renderOrDeclare(kind: string, namespace: string, name: string, extra = ''): string {
  const where = isClusterScoped(kind) ? '' : ` in namespace ${show(namespace || '<unset>')}`;
  return `render ${kind} ${show(name)}${where}${extra}, or, when it lives outside the app on purpose, declare it with External `
    + `(annotation ml.cdk8s.io/external: [{"kind":"${kind}","name":"${name}"${isClusterScoped(kind) ? '' : `,"namespace":"${namespace}"`}}])`;
}

/** A reference that must resolve. */
interface Ref {
  readonly obj: any;
  readonly path: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** What refers, for the message (`volume "x"`, `envFrom of container "main"`). */
  readonly via: string;
  readonly hint?: string;
}

/** Checks one reference; undefined when it resolves. */
function resolve(model: AppModel, ref: Ref): AppFinding | undefined {
  if (model.find(ref.kind, ref.namespace, ref.name).length > 0 || model.isExternal(ref.kind, ref.namespace, ref.name)) return undefined;
  const where = isClusterScoped(ref.kind) ? '' : ` in namespace ${show(ref.namespace || '<unset>')}`;
  return finding(ref.obj, 'app-reference', 'error', ref.path,
    `${ref.via} refers to ${ref.kind} ${show(ref.name)}, which the app does not render${where} and nothing declares external`,
    renderOrDeclare(ref.kind, ref.namespace, ref.name, ref.hint ?? ''));
}

const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): x is string => typeof x === 'string' && x !== '';

/** Values of a Kueue label on an object: its own, its CronJob job template's, its pod templates' (first path of each value). */
function labelValues(obj: any, pods: readonly PodView[], key: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const seen = new Set<string>();
  const add = (name: unknown, path: string) => {
    if (str(name) && !seen.has(name)) {
      seen.add(name);
      out.push({ name, path });
    }
  };
  add(obj.metadata?.labels?.[key], `/metadata/labels/${escape(key)}`); // obj: a manifest of the model (an object)
  add(obj.spec?.jobTemplate?.metadata?.labels?.[key], `/spec/jobTemplate/metadata/labels/${escape(key)}`);
  for (const p of pods) add(p.labels[key], `${p.metadataPath}/labels/${escape(key)}`);
  return out;
}

/** The queue labels of an object: its own, its CronJob job template's, its pod templates'. */
export function queueLabels(obj: any, pods: readonly PodView[]): Array<{ name: string; path: string }> {
  return labelValues(obj, pods, QUEUE_LABEL);
}

/** References of a pod template. */
function podRefs(pod: PodView): Ref[] {
  const out: Ref[] = [];
  const obj = pod.owner;
  const ns = pod.namespace;
  const spec = pod.spec ?? {};
  for (const { volume: v, path } of pod.volumes) {
    const vname = show(v?.name);
    if (str(v?.persistentVolumeClaim?.claimName)) {
      out.push({ obj, path: `${path}/persistentVolumeClaim/claimName`, kind: 'PersistentVolumeClaim', namespace: ns, name: v.persistentVolumeClaim.claimName, via: `volume ${vname}` });
    }
    if (str(v?.configMap?.name) && v.configMap.optional !== true && v.configMap.name !== 'kube-root-ca.crt') {
      out.push({ obj, path: `${path}/configMap/name`, kind: 'ConfigMap', namespace: ns, name: v.configMap.name, via: `volume ${vname}` });
    }
    if (str(v?.secret?.secretName) && v.secret.optional !== true) {
      out.push({ obj, path: `${path}/secret/secretName`, kind: 'Secret', namespace: ns, name: v.secret.secretName, via: `volume ${vname}` });
    }
    list(v?.projected?.sources).forEach((s, i) => {
      if (str(s?.configMap?.name) && s.configMap.optional !== true && s.configMap.name !== 'kube-root-ca.crt') {
        out.push({ obj, path: `${path}/projected/sources/${i}/configMap/name`, kind: 'ConfigMap', namespace: ns, name: s.configMap.name, via: `projected volume ${vname}` });
      }
      if (str(s?.secret?.name) && s.secret.optional !== true) {
        out.push({ obj, path: `${path}/projected/sources/${i}/secret/name`, kind: 'Secret', namespace: ns, name: s.secret.name, via: `projected volume ${vname}` });
      }
    });
  }
  for (const { container: c, path } of pod.containers) {
    const cname = show(c?.name);
    list(c?.envFrom).forEach((e, i) => {
      if (str(e?.configMapRef?.name) && e.configMapRef.optional !== true) {
        out.push({ obj, path: `${path}/envFrom/${i}/configMapRef/name`, kind: 'ConfigMap', namespace: ns, name: e.configMapRef.name, via: `envFrom of container ${cname}` });
      }
      if (str(e?.secretRef?.name) && e.secretRef.optional !== true) {
        out.push({ obj, path: `${path}/envFrom/${i}/secretRef/name`, kind: 'Secret', namespace: ns, name: e.secretRef.name, via: `envFrom of container ${cname}` });
      }
    });
    list(c?.env).forEach((e, i) => {
      const cm = e?.valueFrom?.configMapKeyRef;
      const sk = e?.valueFrom?.secretKeyRef;
      if (str(cm?.name) && cm.optional !== true) {
        out.push({ obj, path: `${path}/env/${i}/valueFrom/configMapKeyRef/name`, kind: 'ConfigMap', namespace: ns, name: cm.name, via: `env ${show(e.name)} of container ${cname}` });
      }
      if (str(sk?.name) && sk.optional !== true) {
        out.push({ obj, path: `${path}/env/${i}/valueFrom/secretKeyRef/name`, kind: 'Secret', namespace: ns, name: sk.name, via: `env ${show(e.name)} of container ${cname}` });
      }
    });
  }
  list(spec.imagePullSecrets).forEach((s, i) => {
    if (str(s?.name)) out.push({ obj, path: pod.fieldPath(`imagePullSecrets/${i}/name`), kind: 'Secret', namespace: ns, name: s.name, via: 'imagePullSecrets' });
  });
  const sa = str(spec.serviceAccountName) ? spec.serviceAccountName : str(spec.serviceAccount) ? spec.serviceAccount : undefined;
  if (sa && sa !== 'default') {
    out.push({ obj, path: pod.fieldPath(str(spec.serviceAccountName) ? 'serviceAccountName' : 'serviceAccount'), kind: 'ServiceAccount', namespace: ns, name: sa, via: 'the pod template' });
  }
  if (str(spec.priorityClassName) && !BUILTIN_PRIORITY_CLASSES.includes(spec.priorityClassName)) {
    out.push({ obj, path: pod.fieldPath('priorityClassName'), kind: 'PriorityClass', namespace: CLUSTER_SCOPED, name: spec.priorityClassName, via: 'priorityClassName' });
  }
  if (str(spec.subdomain)) {
    out.push({ obj, path: pod.fieldPath('subdomain'), kind: 'Service', namespace: ns, name: spec.subdomain, via: 'the pod subdomain', hint: ' (headless: clusterIP None, selecting these pods)' });
  }
  return out;
}

/** Keys a ConfigMap or Secret holds (none when it has no data). */
function keysOf(obj: any): Set<string> {
  const maps = obj.kind === 'Secret' ? [obj.data, obj.stringData] : [obj.data, obj.binaryData];
  return new Set(maps.flatMap((m) => (m && typeof m === 'object' ? Object.keys(m) : [])));
}

/** `configMapKeyRef`/`secretKeyRef` keys exist in the rendered object. */
function keyRefs(model: AppModel, pod: PodView): AppFinding[] {
  const out: AppFinding[] = [];
  for (const { container: c, path } of pod.containers) {
    list(c?.env).forEach((e, i) => {
      for (const [field, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
        const ref = e?.valueFrom?.[field];
        if (!str(ref?.name) || !str(ref.key) || ref.optional === true) continue;
        const target = model.find(kind, pod.namespace, ref.name)[0];
        if (!target) continue;
        const keys = keysOf(target);
        if (!keys.has(ref.key)) {
          out.push(finding(pod.owner, 'app-reference', 'error', `${path}/env/${i}/valueFrom/${field}/key`,
            `env ${show(e.name)} of container ${show(c.name)} reads key ${show(ref.key)} of ${kind} ${show(ref.name)}, which has no such key (keys: ${show([...keys].sort())})`,
            `add key ${show(ref.key)} to ${kind} ${show(ref.name)} or read one of its keys`, [target]));
        }
      }
    });
  }
  return out;
}

/** The Kueue chain: queue label → LocalQueue → ClusterQueue → ResourceFlavors; priority label → WorkloadPriorityClass. */
function kueueRefs(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  for (const obj of model.manifests) {
    if (groupOf(obj) === 'kueue.x-k8s.io') continue;
    const pods = model.podsOf(obj);
    const ns = namespaceOf(obj);
    for (const q of queueLabels(obj, pods)) {
      const f = resolve(model, { obj, path: q.path, kind: 'LocalQueue', namespace: ns, name: q.name, via: `label ${QUEUE_LABEL}` });
      if (f) {
        const existing = model.all('LocalQueue').filter((l) => namespaceOf(l) === ns).map((l) => l.metadata?.name);
        out.push({ ...f, message: `${f.message}: Kueue keeps the workload suspended forever (LocalQueues in the namespace: ${show(existing)})`,
          fix: `${f.fix}; with cdk8s-ml, take the queue from the namespace (MlNamespace/TeamQueue) instead of a name` });
      }
    }
    for (const p of labelValues(obj, pods, PRIORITY_LABEL)) {
      const f = resolve(model, { obj, path: p.path, kind: 'WorkloadPriorityClass', namespace: CLUSTER_SCOPED, name: p.name, via: `label ${PRIORITY_LABEL}` });
      if (f) out.push({ ...f, message: `${f.message}: Kueue creates no Workload for it, so it never runs` });
    }
  }
  for (const lq of model.all('LocalQueue')) {
    const cq = lq.spec?.clusterQueue;
    if (!str(cq)) continue;
    const f = resolve(model, { obj: lq, path: '/spec/clusterQueue', kind: 'ClusterQueue', namespace: CLUSTER_SCOPED, name: cq, via: 'the LocalQueue' });
    if (f) {
      out.push(f);
      continue;
    }
    for (const c of model.find('ClusterQueue', CLUSTER_SCOPED, cq)) {
      const sel = c.spec?.namespaceSelector;
      const nsName = namespaceOf(lq);
      if (sel !== undefined && sel !== null && !labelSelectorMatches(sel, model.labelsOfNamespace(nsName))) {
        out.push(finding(lq, 'app-reference', 'error', '/spec/clusterQueue',
          `ClusterQueue ${show(cq)} does not admit workloads from namespace ${show(nsName)}: its namespaceSelector ${show(sel)} does not select the namespace labels ${show(model.labelsOfNamespace(nsName))}`,
          `widen the ClusterQueue's namespaceSelector or label the namespace to match it`, [c]));
      }
    }
  }
  for (const cq of model.all('ClusterQueue')) {
    list(cq.spec?.resourceGroups).forEach((g, gi) => list(g?.flavors).forEach((fl, fi) => {
      if (!str(fl?.name)) return;
      const f = resolve(model, { obj: cq, path: `/spec/resourceGroups/${gi}/flavors/${fi}/name`, kind: 'ResourceFlavor', namespace: CLUSTER_SCOPED, name: fl.name, via: 'the ClusterQueue' });
      if (f) out.push(f);
    }));
  }
  return out;
}

/** Ingress TLS secrets and backends, HTTPRoute backends, RBAC bindings. */
function serviceRefs(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  const servicePort = (obj: any, path: string, ns: string, name: string, port: any, via: string) => {
    const f = resolve(model, { obj, path, kind: 'Service', namespace: ns, name, via });
    if (f) {
      out.push(f);
      return;
    }
    const svc = model.find('Service', ns, name)[0];
    if (!svc || port === undefined) return;
    const ports = list(svc.spec?.ports);
    const ok = typeof port === 'object' && port !== null
      ? (port.number !== undefined ? ports.some((p) => p?.port === port.number) : ports.some((p) => p?.name === port.name))
      : ports.some((p) => p?.port === port);
    if (!ok) {
      out.push(finding(obj, 'app-reference', 'error', path, `${via} targets port ${show(port)} of Service ${show(name)}, which has no such port (ports: ${show(ports.map((p) => p?.name ?? p?.port))})`,
        `use one of the Service's ports or add the port to Service ${show(name)}`, [svc]));
    }
  };
  for (const obj of model.manifests) {
    const ns = namespaceOf(obj);
    if (obj.kind === 'Ingress' && groupOf(obj) === 'networking.k8s.io') {
      list(obj.spec?.tls).forEach((t, i) => {
        if (str(t?.secretName)) {
          const f = resolve(model, { obj, path: `/spec/tls/${i}/secretName`, kind: 'Secret', namespace: ns, name: t.secretName, via: 'the Ingress TLS section', hint: ' (or let cert-manager create it: annotate the Ingress with cert-manager.io/cluster-issuer and declare the Secret external)' });
          if (f) out.push(f);
        }
      });
      const backend = obj.spec?.defaultBackend?.service;
      if (str(backend?.name)) servicePort(obj, '/spec/defaultBackend/service/name', ns, backend.name, backend.port, 'the Ingress default backend');
      list(obj.spec?.rules).forEach((r, i) => list(r?.http?.paths).forEach((p, j) => {
        const s = p?.backend?.service;
        if (str(s?.name)) servicePort(obj, `/spec/rules/${i}/http/paths/${j}/backend/service/name`, ns, s.name, s.port, `the Ingress path ${show(p.path ?? '/')}`);
      }));
    } else if (obj.kind === 'HTTPRoute' && groupOf(obj) === 'gateway.networking.k8s.io') {
      list(obj.spec?.rules).forEach((r, i) => list(r?.backendRefs).forEach((b, j) => {
        if (str(b?.name) && (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '') {
          servicePort(obj, `/spec/rules/${i}/backendRefs/${j}/name`, str(b.namespace) ? b.namespace : ns, b.name, b.port, 'the HTTPRoute backend');
        }
      }));
    } else if ((obj.kind === 'RoleBinding' || obj.kind === 'ClusterRoleBinding') && groupOf(obj) === 'rbac.authorization.k8s.io') {
      const role = obj.roleRef;
      if (role?.kind === 'Role' && str(role.name) && model.find('Role', ns, role.name).length === 0 && !model.isExternal('Role', ns, role.name)) {
        out.push(finding(obj, 'app-reference', 'error', '/roleRef/name', `the RoleBinding grants Role ${show(role.name)}, which the app does not render in namespace ${show(ns)}`,
          `render Role ${show(role.name)} in namespace ${show(ns)} or bind an existing ClusterRole (roleRef.kind: ClusterRole)`));
      }
      list(obj.subjects).forEach((s, i) => {
        if (s?.kind !== 'ServiceAccount' || !str(s.name) || s.name === 'default') return;
        const f = resolve(model, { obj, path: `/subjects/${i}/name`, kind: 'ServiceAccount', namespace: str(s.namespace) ? s.namespace : ns, name: s.name, via: `subject ${i} of the ${obj.kind}` });
        if (f) out.push(f);
      });
    }
  }
  return out;
}

/** The pod `subdomain` Service must be headless. */
function headless(model: AppModel, pod: PodView): AppFinding[] {
  const sub = pod.spec.subdomain;
  if (!str(sub)) return [];
  const svc = model.find('Service', pod.namespace, sub)[0];
  if (!svc) return [];
  const out: AppFinding[] = [];
  if (svc.spec?.clusterIP !== 'None') {
    out.push(finding(pod.owner, 'app-reference', 'error', pod.fieldPath('subdomain'),
      `subdomain ${show(sub)} names Service ${label(svc)}, which is not headless (clusterIP ${show(svc.spec?.clusterIP)}): pods get no DNS records and peers cannot find each other`,
      `set clusterIP: None on Service ${show(sub)}`, [svc]));
  } else if (svc.spec.selector && typeof svc.spec.selector === 'object' && !Object.entries(svc.spec.selector).every(([k, v]) => pod.labels[k] === v)) {
    out.push(finding(pod.owner, 'app-reference', 'error', pod.fieldPath('subdomain'),
      `subdomain ${show(sub)} names headless Service ${label(svc)}, whose selector ${show(svc.spec.selector)} does not select these pods (labels ${show(pod.labels)}): they get no DNS records`,
      `make the Service's selector match the pod template labels`, [svc]));
  }
  return out;
}

/** Every namespaced object's namespace is rendered or declared external. */
function namespaces(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  const reported = new Set<string>();
  for (const obj of model.manifests) {
    const ns = obj.metadata?.namespace;
    if (!str(ns) || isClusterScoped(String(obj.kind)) || model.knowsNamespace(ns)) continue;
    if (reported.has(ns)) continue;
    reported.add(ns);
    const users = model.manifests.filter((o) => o.metadata?.namespace === ns);
    out.push(finding(obj, 'app-namespace', 'error', '/metadata/namespace',
      `namespace ${show(ns)} (used by ${users.length} object(s)) is neither rendered by the app nor declared external: Argo CD fails to sync into a missing namespace`,
      renderOrDeclare('Namespace', CLUSTER_SCOPED, ns, ' (cdk8s-ml: MlNamespace)')));
  }
  return out;
}

/**
 * `(selector, namespace) => selects some pod template`, with the templates indexed by namespace
 * and label pair: a selector requiring `k=v` only looks at templates carrying it (a scan of every
 * template per selector is quadratic in the app: 1,000 servings, 4,000 selectors).
 */
function podTemplateLookup(model: AppModel): (selector: any, ns: string) => boolean {
  const byNamespace = new Map<string, { all: PodView[]; byPair: Map<string, PodView[]> }>();
  for (const p of model.pods) {
    let e = byNamespace.get(p.namespace);
    if (!e) byNamespace.set(p.namespace, (e = { all: [], byPair: new Map() }));
    e.all.push(p);
    for (const pair of Object.entries(p.labels)) {
      const key = JSON.stringify(pair);
      const bucket = e.byPair.get(key);
      if (bucket) bucket.push(p);
      else e.byPair.set(key, [p]);
    }
  }
  return (selector, ns) => {
    const e = byNamespace.get(ns);
    if (!e) return false;
    const first = requiredLabel(selector);
    const candidates = first ? e.byPair.get(JSON.stringify(first)) ?? [] : e.all;
    return candidates.some((p) => labelSelectorMatches(selector, p.labels));
  };
}

/** PDB and NetworkPolicy selectors select some pod template; autoscaler targets exist; ServiceMonitors select a Service. */
function selectors(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [];
  const selectsSome = podTemplateLookup(model);
  for (const obj of model.manifests) {
    const ns = namespaceOf(obj);
    if (obj.kind === 'PodDisruptionBudget' && groupOf(obj) === 'policy') {
      if (!selectsSome(obj.spec?.selector, ns)) {
        out.push(finding(obj, 'app-selector', 'error', '/spec/selector', `selector ${show(obj.spec?.selector)} selects no pod template of the app in namespace ${show(ns)}: the budget protects nothing`,
          'make the selector a subset of the pod template labels of the workload it protects'));
      }
    } else if (obj.kind === 'NetworkPolicy' && groupOf(obj) === 'networking.k8s.io') {
      const sel = obj.spec?.podSelector;
      const empty = sel && typeof sel === 'object' && Object.keys(sel.matchLabels ?? {}).length === 0 && list(sel.matchExpressions).length === 0;
      if (!empty && !selectsSome(sel, ns)) {
        out.push(finding(obj, 'app-selector', 'error', '/spec/podSelector', `podSelector ${show(sel)} selects no pod template of the app in namespace ${show(ns)}: the policy applies to nothing (a typo leaves the workload's traffic unallowed)`,
          'make the podSelector a subset of the pod template labels of the workload it is for'));
      }
    } else if ((obj.kind === 'HorizontalPodAutoscaler' && groupOf(obj) === 'autoscaling') || (obj.kind === 'ScaledObject' && groupOf(obj) === 'keda.sh')) {
      const ref = obj.spec?.scaleTargetRef;
      const kind = str(ref?.kind) ? ref.kind : 'Deployment';
      if (!str(ref?.name)) continue;
      if (['Deployment', 'StatefulSet', 'ReplicaSet'].includes(kind) && model.find(kind, ns, ref.name).length === 0) {
        out.push(finding(obj, 'app-selector', 'error', '/spec/scaleTargetRef/name', `scaleTargetRef names ${kind} ${show(ref.name)}, which the app does not render in namespace ${show(ns)}`,
          `point scaleTargetRef at the workload's name (${show(model.all(kind).filter((d) => namespaceOf(d) === ns).map((d) => d.metadata?.name))})`));
      }
    } else if (obj.kind === 'ServiceMonitor' && groupOf(obj) === 'monitoring.coreos.com') {
      const nsSel = obj.spec?.namespaceSelector;
      const nss: string[] | undefined = nsSel?.any === true ? undefined : list(nsSel?.matchNames).length > 0 ? list(nsSel.matchNames) : [ns];
      const services = model.all('Service').filter((s) => (nss === undefined || nss.includes(namespaceOf(s))) && labelSelectorMatches(obj.spec?.selector, { ...(s.metadata?.labels ?? {}) }));
      if (services.length === 0) {
        out.push(finding(obj, 'app-selector', 'error', '/spec/selector', `selector ${show(obj.spec?.selector)} selects no Service of the app (Service labels, not pod labels): Prometheus scrapes nothing`,
          'make the selector match the labels of the metrics Service'));
      } else {
        list(obj.spec.endpoints).forEach((e, i) => { // some Service selected: spec (its selector) is there
          if (str(e?.port) && !services.some((s) => list(s.spec?.ports).some((p) => p?.name === e.port))) {
            out.push(finding(obj, 'app-selector', 'error', `/spec/endpoints/${i}/port`, `endpoint port ${show(e.port)} is no named port of the selected Service(s) ${show(services.map(label))}`,
              'use the name of a Service port', services));
          }
        });
      }
    }
  }
  return out;
}

/** Every reference check. */
export function checkReferences(model: AppModel): AppFinding[] {
  const out: AppFinding[] = [...namespaces(model), ...kueueRefs(model)];
  for (const pod of model.pods) {
    // A cluster-wide template no TrainJob of the app uses has no namespace to resolve in.
    if (pod.namespace === '' && isClusterScoped(String(pod.owner.kind))) continue;
    for (const ref of podRefs(pod)) {
      const f = resolve(model, ref);
      if (f) out.push(f);
    }
    out.push(...keyRefs(model, pod), ...headless(model, pod));
  }
  out.push(...serviceRefs(model), ...selectors(model));
  return out;
}
