/**
 * The whole-app check at synth: every cdk8s-ml construct registers (once per app) a
 * validation on the App. cdk8s runs node validations at the start of `app.synth()` /
 * `app.synthYaml()`, before anything is written: the validation renders each ApiObject of
 * the app once, runs `checkApp` (validation/app) on the result, and fails the synth with one
 * message per error naming the construct path of each object involved. It runs once per app
 * synth; rendering a single chart (`chart.toJson()`, `Testing.synth`) does not run it.
 *
 * Opt out per app with `AppCheck.disable(app)`, the context key `cdk8s-ml:appCheck: false`
 * (set on the App before adding children), or the environment variable
 * `CDK8S_ML_APP_CHECK=off`. `cdk8s-ml validate` and `checkManifests` run the same check on
 * YAML.
 *
 * core/ knows no domain: the check itself lives in validation/app (which imports no
 * construct) and is loaded when the validation runs.
 */
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { enrollInAppDefaults, registerAppCheck } from './app-defaults';

/** Context key that turns the synth-time app check off when `false`. */
export const APP_CHECK_CONTEXT = 'cdk8s-ml:appCheck';
/** Environment variable that turns the synth-time app check off when `off`, `false` or `0`. */
export const APP_CHECK_ENV = 'CDK8S_ML_APP_CHECK';

const DISABLED = new WeakSet<IConstruct>();

/** A finding as the checker returns it (structural copy of validation/app's AppFinding). */
interface Finding {
  readonly object: string;
  readonly path: string;
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly fix: string;
  readonly related?: readonly string[];
}

/** The synth-time whole-app check. */
export class AppCheck {
  /** Turns the synth-time app check off for the app of `scope` (`cdk8s-ml validate` still runs it). */
  public static disable(scope: IConstruct): void {
    DISABLED.add(scope.node.root);
  }

  /** True when the synth-time check runs for the app of `scope`. */
  public static isEnabled(scope: IConstruct): boolean {
    const root = scope.node.root;
    if (DISABLED.has(root)) return false;
    const context = root.node.tryGetContext(APP_CHECK_CONTEXT);
    if (context === false || context === 'false') return false;
    const env = process.env[APP_CHECK_ENV];
    return !(env !== undefined && ['off', 'false', '0'].includes(env.toLowerCase()));
  }

  /**
   * Registers the check on the app of `scope` (idempotent; cdk8s-ml constructs call it).
   * Other constructs of the app need nothing: the check covers every ApiObject of every chart.
   * It runs through the app defaults (core/app-defaults): once per `app.synth()` /
   * `app.synthYaml()`, after the GitOps rules and external declarations are applied; a chart
   * rendered on its own (unit tests of one construct) is not a whole app.
   */
  public static register(scope: IConstruct): void {
    enrollInAppDefaults(scope);
  }

  /**
   * Renders every ApiObject under `root` and returns the app check's errors as messages
   * naming construct paths (empty when the app is whole).
   */
  public static run(root: IConstruct): string[] {
    // Stryker disable next-line ArrayDeclaration: checkApp skips what is not an object, so a seeded string item changes nothing
    const manifests: any[] = [];
    const pathOf = new Map<string, string>();
    const charts = root instanceof App ? root.charts : [root];
    for (const chart of charts) {
      for (const c of chart.node.findAll()) {
        if (!ApiObject.isApiObject(c)) continue;
        const m = c.toJson();
        manifests.push(m);
        const label = `${m?.kind ?? '<no kind>'}/${m?.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m?.metadata?.name ?? m?.metadata?.generateName ?? '<no name>'}`;
        if (!pathOf.has(label)) pathOf.set(label, c.node.path);
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { checkApp } = require('../validation/app') as { checkApp: (m: any[]) => { findings: Finding[] } };
    const where = (label: string) => (pathOf.has(label) ? `${pathOf.get(label)} (${label})` : label);
    return checkApp(manifests).findings.filter((f) => f.severity === 'error').map((f) => {
      // checkApp sets `related` only when it names at least one object
      const involves = f.related ? `; involves ${f.related.map(where).join(', ')}` : '';
      return `${where(f.object)} ${f.path}: ${f.message}${involves}. Fix: ${f.fix} [${f.rule}; opt out: AppCheck.disable(app) or ${APP_CHECK_ENV}=off]`;
    });
  }
}

registerAppCheck('cdk8s-ml:app-check', (app) => (AppCheck.isEnabled(app) ? AppCheck.run(app) : []));
