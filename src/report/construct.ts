/**
 * Which construct rendered an object, read from what cdk8s-ml renders: the construct paths
 * in the `ml.cdk8s.io/flows` declarations (`<chart>/<id>`), else the chart (the file name
 * `cdk8s synth` writes, `<chart>.k8s.yaml`) and the `app.kubernetes.io/instance` label
 * (the construct's name), else the object's own name.
 */
import { declaredFlows } from '../core/app-model';

/** The chart a rendered file belongs to: `training.k8s.yaml` → `training`. */
export function chartOfFile(file: string): string {
  const base = file.split('/').pop() ?? file;
  return base.replace(/(\.k8s)?\.(ya?ml|json)$/, '');
}

/** Name with a trailing content hash (`llama-ft-671c3258` → `llama-ft`) removed. */
export function withoutHash(name: string): string {
  return name.replace(/-[0-9a-f]{8,10}$/, '');
}

function flowConstructs(obj: any): string[] {
  try {
    return declaredFlows(obj).map((f: any) => f?.construct).filter((c): c is string => typeof c === 'string' && c !== '');
  } catch {
    return []; // malformed declarations: the app check reports them
  }
}

/** The construct path of a rendered object (best effort, see the module comment). */
export function constructOf(obj: any, file: string): string {
  const labels = obj?.metadata?.labels ?? {};
  const name = String(obj?.metadata?.name ?? '');
  const instance = typeof labels['app.kubernetes.io/instance'] === 'string' ? labels['app.kubernetes.io/instance'] : withoutHash(name);
  const declared = flowConstructs(obj);
  const own = declared.find((c) => c.split('/').pop() === instance);
  if (own) return own;
  return `${chartOfFile(file)}/${instance}`;
}
