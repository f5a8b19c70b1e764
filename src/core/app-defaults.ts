import { App } from 'cdk8s';
import { IConstruct } from 'constructs';

/** A rule a domain module applies to a whole App at synth when the App holds cdk8s-ml constructs. */
export type AppDefault = (app: App) => void;

/** A check of the whole App at synth, run after every default; returns error messages (empty: fine). */
export type AppCheckFn = (app: App) => string[];

const DEFAULTS = new Map<string, AppDefault>();
const CHECKS = new Map<string, AppCheckFn>();
const ENROLLED = new WeakSet<IConstruct>();
const SYNTHESIZING = new WeakSet<IConstruct>();
const CHECKED = new WeakSet<IConstruct>();

/**
 * Registers an App-wide default under `key` (registering the key again replaces it). Domain
 * modules register theirs when they are loaded, e.g. gitops/ its sync waves and Job rules.
 * @internal
 */
export function registerAppDefault(key: string, fn: AppDefault): void {
  DEFAULTS.set(key, fn);
}

/**
 * Registers an App-wide check under `key` (registering the key again replaces it). Checks run
 * at the same moments as the defaults, after all of them, so they see the app as it will be
 * written; their messages fail the synth.
 * @internal
 */
export function registerAppCheck(key: string, fn: AppCheckFn): void {
  CHECKS.set(key, fn);
}

/**
 * Enrolls the App above `scope` (once per App) in the registered defaults. They run when the
 * whole app is rendered — `app.synth()` (what `cdk8s synth` runs) and `app.synthYaml()` — in
 * the App's validation phase, before any chart is rendered, once per synth (cdk8s validates the
 * app again for each chart it renders; those repeats run nothing). Rendering one chart
 * (`Testing.synth(chart)`, `chart.toJson()`) does not run them. Every cdk8s-ml construct calls
 * this from its constructor; a construct tree without a cdk8s App at its root is left alone.
 * @internal
 */
export function enrollInAppDefaults(scope: IConstruct): void {
  const root = scope.node.root;
  if (!(root instanceof App) || ENROLLED.has(root)) return;
  ENROLLED.add(root);
  root.node.addValidation({
    validate: () => {
      // cdk8s validates the whole app again inside every chart.toJson() of the same synth
      // (App._synthChart): the defaults and checks run at the first of those validations only
      if (!SYNTHESIZING.has(root) || CHECKED.has(root)) return [];
      CHECKED.add(root);
      for (const fn of DEFAULTS.values()) fn(root);
      return [...CHECKS.values()].flatMap((fn) => fn(root));
    },
  });
  for (const method of ['synth', 'synthYaml'] as const) {
    const original = root[method].bind(root) as () => unknown;
    Object.defineProperty(root, method, {
      configurable: true,
      writable: true,
      value: () => {
        SYNTHESIZING.add(root);
        try {
          return original();
        } finally {
          SYNTHESIZING.delete(root);
          CHECKED.delete(root);
        }
      },
    });
  }
}
