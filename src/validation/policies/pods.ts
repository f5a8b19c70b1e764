/**
 * Finds every pod template in a manifest set: bare Pods, the workload kinds, CronJobs, and
 * the pod templates inside the custom resources cdk8s-ml renders (JobSet, Kubeflow Trainer
 * runtimes, Training Operator v1 jobs, LeaderWorkerSet, KServe, Argo Workflows).
 */

/** One container of a pod template and where it sits. */
export interface ContainerView {
  /** The container object (a Kubernetes `Container`, or a container-like CRD field). */
  readonly container: any;
  /** JSON pointer of the container inside the top-level object. */
  readonly path: string;
  /** Which list it comes from. */
  readonly type: 'container' | 'initContainer' | 'ephemeralContainer';
}

/** One volume of a pod template and where it sits. */
export interface VolumeView {
  readonly volume: any;
  readonly path: string;
}

/** A pod template found in a manifest, normalised to a pod spec. */
export interface PodView {
  /** The top-level object holding the template. */
  readonly owner: any;
  /** Namespace of the owner (`''` when unset). */
  readonly namespace: string;
  /** JSON pointer of the pod spec (or of the CRD field that plays its role). */
  readonly path: string;
  /** The pod spec; for CRDs whose pods are assembled by a controller, a synthesised view. */
  readonly spec: any;
  /** Labels the pods will carry: the template's, plus the ones the controller adds by name. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations of the pod template. */
  readonly annotations: Readonly<Record<string, string>>;
  /** JSON pointer of the template's metadata. */
  readonly metadataPath: string;
  /** Containers, init containers and ephemeral containers. */
  readonly containers: readonly ContainerView[];
  /** Volumes. */
  readonly volumes: readonly VolumeView[];
  /** JSON pointer of a pod-level field such as `securityContext` or `hostNetwork`. */
  fieldPath(field: string): string;
}

const WORKLOAD_KINDS = new Set(['apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'apps/v1/ReplicaSet', 'v1/ReplicationController']);

/** Every pod template of every object, in input order. */
export function podViews(manifests: readonly any[]): PodView[] {
  const out: PodView[] = [];
  // (objects only: toManifests output, plus the objects embedded in Argo manifests)
  for (const obj of manifests) out.push(...podViewsOf(obj).map((v) => withTrainJobLabels(v, manifests)));
  return out;
}

/**
 * Kubeflow Trainer runtimes are templates: their pods run as JobSets named after the TrainJob
 * that references the runtime, in the TrainJob's namespace. The view takes the labels and
 * namespace of the first such TrainJob (by name), so label-based rules (NetworkPolicy,
 * Services) see what the pods will carry.
 */
function withTrainJobLabels(view: PodView, manifests: readonly any[]): PodView {
  const runtime = view.owner;
  // (podViewsOf gives views of these kinds for the trainer.kubeflow.org group only)
  if (!['TrainingRuntime', 'ClusterTrainingRuntime'].includes(runtime.kind)) return view;
  const trainJob = manifests
    .filter((o) => o.kind === 'TrainJob' && String(o.apiVersion).split('/')[0] === 'trainer.kubeflow.org')
    .filter((o) => o.spec?.runtimeRef?.name === runtime.metadata?.name && (o.spec.runtimeRef.kind ?? 'ClusterTrainingRuntime') === runtime.kind)
    .filter((o) => runtime.kind === 'ClusterTrainingRuntime' || namespaceOf(o) === namespaceOf(runtime))
    .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))[0];
  if (!trainJob) return view;
  return { ...view, namespace: namespaceOf(trainJob), labels: { ...view.labels, 'jobset.sigs.k8s.io/jobset-name': String(trainJob.metadata?.name ?? '') } };
}

/** The pod templates of one object. */
export function podViewsOf(obj: any): PodView[] {
  // (a value that is no string matches no kind below, as text or not)
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  // Stryker disable next-line StringLiteral: the core group has no name; any other text matches no group below either
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const name: string = obj.metadata?.name ?? '';
  const spec = obj.spec;
  const out: PodView[] = [];
  const template = (t: any, path: string, extra: Record<string, string> = {}) => {
    if (isObject(t) && isObject(t.spec)) out.push(standardView(obj, t.spec, `${path}/spec`, t.metadata, `${path}/metadata`, extra));
  };
  if (apiVersion === 'v1' && kind === 'Pod') {
    if (isObject(spec)) out.push(standardView(obj, spec, '/spec', obj.metadata, '/metadata', {}));
  } else if (apiVersion === 'v1' && kind === 'PodTemplate') {
    template(obj.template, '/template');
  } else if (WORKLOAD_KINDS.has(`${apiVersion}/${kind}`)) {
    template(spec?.template, '/spec/template');
  } else if (apiVersion === 'batch/v1' && kind === 'Job') {
    template(spec?.template, '/spec/template', { 'batch.kubernetes.io/job-name': name, 'job-name': name });
  } else if (group === 'batch' && kind === 'CronJob') {
    template(spec?.jobTemplate?.spec?.template, '/spec/jobTemplate/spec/template');
  } else if (group === 'jobset.x-k8s.io' && kind === 'JobSet') {
    out.push(...jobSetViews(obj, spec, '/spec', name));
  } else if (group === 'trainer.kubeflow.org' && (kind === 'TrainingRuntime' || kind === 'ClusterTrainingRuntime')) {
    out.push(...jobSetViews(obj, spec?.template?.spec, '/spec/template/spec', undefined));
  } else if (group === 'kubeflow.org' && isObject(spec)) {
    for (const key of Object.keys(spec).filter((k) => k.endsWith('ReplicaSpecs')).sort()) {
      const replicas = spec[key];
      if (!isObject(replicas)) continue;
      for (const type of Object.keys(replicas)) {
        template(replicas[type]?.template, `/spec/${key}/${escape(type)}/template`, {
          'training.kubeflow.org/job-name': name,
          'training.kubeflow.org/replica-type': type.toLowerCase(),
        });
      }
    }
  } else if (group === 'leaderworkerset.x-k8s.io' && kind === 'LeaderWorkerSet') {
    const lwt = spec?.leaderWorkerTemplate;
    const extra = { 'leaderworkerset.sigs.k8s.io/name': name };
    // The controller labels the leader (or, without a leader template, the first pod of the
    // worker template) with worker index 0; the workers' indexes 1..size-1 are not one value.
    if (isObject(lwt?.leaderTemplate)) {
      template(lwt.leaderTemplate, '/spec/leaderWorkerTemplate/leaderTemplate', { ...extra, 'leaderworkerset.sigs.k8s.io/worker-index': '0' });
    }
    template(lwt?.workerTemplate, '/spec/leaderWorkerTemplate/workerTemplate', extra);
  } else if (group === 'serving.kserve.io' && kind === 'InferenceService' && isObject(spec)) {
    for (const component of ['predictor', 'transformer', 'explainer']) {
      if (isObject(spec[component])) out.push(kserveView(obj, spec[component], component, name));
    }
  } else if (group === 'argoproj.io' && ['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'].includes(kind)) {
    const wf = kind === 'CronWorkflow' ? spec?.workflowSpec : spec;
    out.push(...argoViews(obj, wf, kind === 'CronWorkflow' ? '/spec/workflowSpec' : '/spec'));
  }
  return out;
}

function jobSetViews(obj: any, spec: any, path: string, jobSetName: string | undefined): PodView[] {
  const out: PodView[] = [];
  if (!Array.isArray(spec?.replicatedJobs)) return out;
  spec.replicatedJobs.forEach((rj: any, i: number) => {
    const t = rj?.template?.spec?.template;
    if (!isObject(t) || !isObject(t.spec)) return;
    const extra: Record<string, string> = { 'jobset.sigs.k8s.io/replicatedjob-name': String(rj.name ?? '') };
    if (jobSetName !== undefined) extra['jobset.sigs.k8s.io/jobset-name'] = jobSetName;
    const base = `${path}/replicatedJobs/${i}/template/spec/template`;
    out.push(standardView(obj, t.spec, `${base}/spec`, t.metadata, `${base}/metadata`, extra));
  });
  return out;
}

function standardView(owner: any, spec: any, specPath: string, metadata: any, metadataPath: string, extra: Record<string, string>): PodView {
  const containers: ContainerView[] = [];
  const lists = [['containers', 'container'], ['initContainers', 'initContainer'], ['ephemeralContainers', 'ephemeralContainer']] as const;
  for (const [field, type] of lists) {
    listOf(spec[field]).forEach((c, i) => containers.push({ container: c, path: `${specPath}/${field}/${i}`, type }));
  }
  return {
    owner,
    namespace: namespaceOf(owner),
    path: specPath,
    spec,
    labels: { ...stringMap(metadata?.labels), ...extra },
    annotations: stringMap(metadata?.annotations),
    metadataPath,
    containers,
    volumes: listOf(spec.volumes).map((v, i) => ({ volume: v, path: `${specPath}/volumes/${i}` })),
    fieldPath: (field) => `${specPath}/${field}`,
  };
}

/** KServe components are pod specs plus a `model` container-like field merged into `kserve-container`. */
function kserveView(owner: any, component: any, name: string, isvc: string): PodView {
  const base = `/spec/${name}`;
  const view = standardView(owner, component, base, { labels: { ...stringMap(owner.metadata?.labels), ...stringMap(component.labels) }, annotations: component.annotations }, base, {
    'serving.kserve.io/inferenceservice': isvc,
    component: name,
  });
  const containers = [...view.containers];
  if (isObject(component.model)) containers.unshift({ container: { name: 'kserve-container', ...component.model }, path: `${base}/model`, type: 'container' });
  return { ...view, containers };
}

/** Argo builds one pod per container/script template from the template and workflow-level fields. */
function argoViews(owner: any, wf: any, wfPath: string): PodView[] {
  if (!isObject(wf)) return [];
  const out: PodView[] = [];
  listOf(wf.templates).forEach((t, i) => {
    if (!isObject(t) || !(t.container || t.script || t.containerSet)) return;
    const tp = `${wfPath}/templates/${i}`;
    const containers: ContainerView[] = [];
    if (isObject(t.container)) containers.push({ container: t.container, path: `${tp}/container`, type: 'container' });
    if (isObject(t.script)) containers.push({ container: { name: 'main', ...t.script }, path: `${tp}/script`, type: 'container' });
    listOf(t.containerSet?.containers).forEach((c, j) => containers.push({ container: c, path: `${tp}/containerSet/containers/${j}`, type: 'container' }));
    listOf(t.sidecars).forEach((c, j) => containers.push({ container: c, path: `${tp}/sidecars/${j}`, type: 'container' }));
    listOf(t.initContainers).forEach((c, j) => containers.push({ container: c, path: `${tp}/initContainers/${j}`, type: 'initContainer' }));
    const spec: Record<string, any> = {};
    const where: Record<string, string> = {};
    for (const field of ['securityContext', 'automountServiceAccountToken', 'tolerations', 'hostNetwork', 'serviceAccountName']) {
      if (t[field] !== undefined) {
        spec[field] = t[field];
        where[field] = `${tp}/${field}`;
      } else if (wf[field] !== undefined) {
        spec[field] = wf[field];
        where[field] = `${wfPath}/${field}`;
      }
    }
    spec.containers = containers.filter((c) => c.type === 'container').map((c) => c.container);
    spec.initContainers = containers.filter((c) => c.type === 'initContainer').map((c) => c.container);
    const volumes: VolumeView[] = [
      ...listOf(wf.volumes).map((v, j) => ({ volume: v, path: `${wfPath}/volumes/${j}` })),
      ...listOf(t.volumes).map((v, j) => ({ volume: v, path: `${tp}/volumes/${j}` })),
    ];
    spec.volumes = volumes.map((v) => v.volume);
    out.push({
      owner,
      namespace: namespaceOf(owner),
      path: tp,
      spec,
      labels: { ...stringMap(wf.podMetadata?.labels), ...stringMap(t.metadata?.labels) },
      annotations: { ...stringMap(wf.podMetadata?.annotations), ...stringMap(t.metadata?.annotations) },
      metadataPath: `${tp}/metadata`,
      containers,
      volumes,
      fieldPath: (field) => where[field] ?? `${tp}/${field}`,
    });
  });
  return out;
}

/** Namespace of an object, `''` when unset (objects without one land in the same namespace). */
export function namespaceOf(obj: any): string {
  return typeof obj?.metadata?.namespace === 'string' ? obj.metadata.namespace : '';
}

/** A JSON object (not null, not an array). */
export function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function listOf(x: unknown): any[] {
  return Array.isArray(x) ? x : [];
}

function stringMap(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Escapes a key for a JSON pointer. */
export function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
