/**
 * cdk8s validation plugin: runs `checkManifests` (strict schemas + policy rules + the whole-app check) on what
 * `cdk8s synth` wrote and reports through the cdk8s plugin report API.
 *
 * ```yaml
 * # cdk8s.yaml
 * validations:
 *   - package: ./node_modules/cdk8s-ml/lib/src/validation/plugin.js
 *     version: 0.1.0
 *     class: CdkMlValidation
 *     properties:
 *       kubernetesVersion: '1.28'
 *       gitops: true
 * ```
 */
import * as fs from 'fs';
import { appRuleDescription } from './app';
import { CheckFinding, CheckOptions, checkManifests } from './check';
import { notManifestReason } from './files';
import { POLICY_ANNOTATION_RULE, POLICY_RULES, PolicyRuleSetting } from './policies';
import { SUPPORTED_KUBERNETES_VERSIONS, SupportedKubernetesVersion } from './schemas';
import { describeObject, toManifests } from './validate';

/** One violating resource (the cdk8s-cli `ValidationViolatingResource` shape). */
export interface PluginViolatingResource {
  /** `metadata.name` of the object (cdk8s maps it to the construct path). */
  readonly resourceName: string;
  /** `<json path>: <message>` for each finding of the rule on this object. */
  readonly locations: string[];
  /** The synthesized file. */
  readonly manifestPath: string;
}

/** One rule's violations (the cdk8s-cli `ValidationViolation` shape). */
export interface PluginViolation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: PluginViolatingResource[];
}

/** The part of the cdk8s-cli `ValidationReport` the plugin uses. */
export interface PluginReport {
  addViolation(violation: PluginViolation): void;
  submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
}

/** The part of the cdk8s-cli `ValidationContext` the plugin uses. */
export interface PluginContext {
  /** Paths of the synthesized manifests. */
  readonly manifests: readonly string[];
  /** The report to fill and submit. */
  readonly report: PluginReport;
  /** Logger of the cdk8s CLI. */
  readonly logger?: { log(message: string): void };
}

/** Properties of the plugin, given under `properties:` in `cdk8s.yaml`. */
export interface CdkMlValidationProps {
  /**
   * Kubernetes minor version to check against.
   * @default '1.28'
   */
  readonly kubernetesVersion?: SupportedKubernetesVersion;
  /**
   * Run the strict schema validation.
   * @default true
   */
  readonly schema?: boolean;
  /**
   * Run the policy rules.
   * @default true
   */
  readonly policies?: boolean;
  /**
   * Run the whole-app check over every synthesized manifest (references, network flows, capacity).
   * @default true
   */
  readonly app?: boolean;
  /**
   * Warnings fail the synth too.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Every object is synced by Argo CD (Jobs must then not set ttlSecondsAfterFinished).
   * @default false
   */
  readonly gitops?: boolean;
  /**
   * Per-rule overrides: `off`, `warning` or `error` by rule id.
   * @default - every rule at its own severity
   */
  readonly rules?: Readonly<Record<string, PolicyRuleSetting>>;
  /**
   * Accept kinds without a known schema (`true`, or a list of `apiVersion/kind`).
   * @default false
   */
  readonly allowUnknownKinds?: boolean | readonly string[];
}

const BOOLEAN_PROPS = ['schema', 'policies', 'app', 'strict', 'gitops'] as const;
const KNOWN_PROPS = ['kubernetesVersion', 'rules', 'allowUnknownKinds', ...BOOLEAN_PROPS];

/**
 * The cdk8s-ml validation plugin. cdk8s instantiates it with the `properties` of its
 * `cdk8s.yaml` entry and calls {@link validate} after synth; errors fail the synth.
 */
export class CdkMlValidation {
  private readonly options: CheckOptions;

  constructor(props: CdkMlValidationProps = {}) {
    for (const key of Object.keys(props)) {
      if (!KNOWN_PROPS.includes(key)) throw new Error(`CdkMlValidation: unknown property ${JSON.stringify(key)}; known: ${KNOWN_PROPS.join(', ')}`);
    }
    const version = props.kubernetesVersion === undefined ? '1.28' : String(props.kubernetesVersion);
    if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
      throw new Error(`CdkMlValidation: kubernetesVersion must be one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}, got ${JSON.stringify(props.kubernetesVersion)} (quote it in YAML: '1.28')`);
    }
    for (const key of BOOLEAN_PROPS) {
      if (props[key] !== undefined && typeof props[key] !== 'boolean') throw new Error(`CdkMlValidation: ${key} must be true or false, got ${JSON.stringify(props[key])}`);
    }
    this.options = { ...props, kubernetesVersion: version as SupportedKubernetesVersion };
  }

  /** Checks the synthesized manifests and submits the report. */
  public async validate(context: PluginContext): Promise<void> {
    // Stryker disable next-line ArrayDeclaration: a string among the manifests is YAML text to checkManifests, and a filler string is a scalar document, which holds no object
    const manifests: any[] = [];
    const origin = new Map<string, { name: string; file: string }>();
    const parseErrors: PluginViolatingResource[] = [];
    let skipped = 0;
    for (const file of context.manifests) {
      try {
        const objects = toManifests(fs.readFileSync(file, 'utf8'));
        // The same rule as `cdk8s-ml validate`: files that are not Kubernetes manifests are skipped.
        if (notManifestReason(objects) !== undefined) {
          skipped++;
          continue;
        }
        for (const obj of objects) {
          manifests.push(obj);
          const label = describeObject(obj);
          if (!origin.has(label)) origin.set(label, { name: String(obj.metadata?.name ?? label), file });
        }
      } catch (e) {
        // reading the file or parsing its YAML: both throw Errors
        parseErrors.push({ resourceName: file, locations: [(e as Error).message], manifestPath: file });
      }
    }
    const result = checkManifests(manifests, this.options);
    if (parseErrors.length > 0) {
      context.report.addViolation({ ruleName: 'yaml (error)', recommendation: 'Manifests must be valid YAML.', fix: 'Fix the YAML syntax.', violatingResources: parseErrors });
    }
    for (const violation of toViolations(result.findings, origin, this.options.kubernetesVersion!)) context.report.addViolation(violation);
    const failed = parseErrors.length > 0 || !result.valid;
    context.report.submit(failed ? 'failure' : 'success', {
      kubernetesVersion: this.options.kubernetesVersion!,
      objects: String(result.objectCount),
      errors: String(result.errorCount + parseErrors.length),
      warnings: String(result.warningCount),
      ...(skipped > 0 ? { skippedFiles: String(skipped) } : {}),
    });
  }
}

/** Groups findings into one violation per rule and severity, one resource entry per object. */
function toViolations(findings: readonly CheckFinding[], origin: ReadonlyMap<string, { name: string; file: string }>, version: string): PluginViolation[] {
  const byRule = new Map<string, { sample: CheckFinding; resources: Map<string, PluginViolatingResource> }>();
  for (const f of findings) {
    const ruleName = `${f.source === 'schema' ? `schema/${f.rule}` : f.rule} (${f.severity})`;
    const fixNote = f.source === 'app' ? ` (fix: ${f.fix})` : '';
    let entry = byRule.get(ruleName);
    if (!entry) {
      entry = { sample: f, resources: new Map() };
      byRule.set(ruleName, entry);
    }
    const where = origin.get(f.object) ?? { name: f.object, file: '<unknown>' };
    let resource = entry.resources.get(f.object);
    if (!resource) {
      resource = { resourceName: where.name, locations: [], manifestPath: where.file };
      entry.resources.set(f.object, resource);
    }
    resource.locations.push(`${f.object} ${f.path}: ${f.message}${fixNote}`);
  }
  return [...byRule].map(([ruleName, { sample, resources }]) => ({
    ruleName,
    recommendation: recommendation(sample, version),
    fix: sample.source === 'app' ? 'Each location ends with its fix.' : sample.fix ?? 'Fix or remove the field named in each location.',
    violatingResources: [...resources.values()],
  }));
}

function recommendation(f: CheckFinding, version: string): string {
  if (f.source === 'schema') return `Objects must match the Kubernetes ${version} API definitions or the CRD schema exactly (unknown fields are errors).`;
  if (f.rule === POLICY_ANNOTATION_RULE) return 'Disable annotations name a known rule and give a reason.';
  if (f.source === 'app') return appRuleDescription(f.rule) ?? f.message;
  return POLICY_RULES.find((r) => r.id === f.rule)?.description ?? f.message;
}
