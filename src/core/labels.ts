/** Value of `app.kubernetes.io/managed-by` on everything cdk8s-ml renders. */
export const MANAGED_BY = 'cdk8s-ml';

/** Inputs of {@link standardLabels}. */
export interface StandardLabelsOptions {
  /** `app.kubernetes.io/name`: the application, e.g. `llama-ft`. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: this instance, unique in the namespace. @default - the name */
  readonly instance?: string;
  /** `app.kubernetes.io/component`, e.g. `training`, `serving`, `dataset`. @default - none */
  readonly component?: string;
  /** `app.kubernetes.io/part-of`: the larger application. @default - none */
  readonly partOf?: string;
  /** `app.kubernetes.io/version`. @default - none */
  readonly version?: string;
}

/** The recommended `app.kubernetes.io/*` labels, plus `managed-by: cdk8s-ml`. */
export function standardLabels(options: StandardLabelsOptions): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': options.name,
    'app.kubernetes.io/instance': options.instance ?? options.name,
  };
  if (options.component) labels['app.kubernetes.io/component'] = options.component;
  if (options.partOf) labels['app.kubernetes.io/part-of'] = options.partOf;
  if (options.version) labels['app.kubernetes.io/version'] = options.version;
  labels['app.kubernetes.io/managed-by'] = MANAGED_BY;
  return labels;
}

/** The immutable subset used in selectors: name + instance (never version). */
export function selectorLabels(options: StandardLabelsOptions): Record<string, string> {
  return {
    'app.kubernetes.io/name': options.name,
    'app.kubernetes.io/instance': options.instance ?? options.name,
  };
}
