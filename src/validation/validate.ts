/**
 * Strict, offline validation of rendered manifests against the Kubernetes definitions of a
 * target version and the openAPIV3Schema of the CRDs we target (kubeconform `-strict`
 * semantics: unknown fields are errors at every depth).
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { factorRepeatedSubschemas } from './factor';
import { KUBERNETES_ENUM_OVERLAYS, KUBERNETES_ITEM_ENUM_OVERLAYS } from './enums';
import {
  QUANTITY_PATTERN,
  SUPPORTED_KUBERNETES_VERSIONS,
  SupportedKubernetesVersion,
  indexKubernetesKinds,
  loadCrdSchema,
  loadKubernetesDefinitions,
  strictify,
} from './schemas';

/** Options of {@link validateManifests}. */
export interface ValidateOptions {
  /**
   * Kubernetes minor version whose API definitions the objects are checked against.
   * @default '1.28'
   */
  readonly kubernetesVersion?: SupportedKubernetesVersion;
  /**
   * Kinds with no known schema that are accepted without checks, as `apiVersion/kind`
   * strings (e.g. `example.com/v1/Widget`), or `true` to accept every unknown kind.
   * @default - an unknown apiVersion/kind is an error
   */
  readonly allowUnknownKinds?: boolean | readonly string[];
}

/** One problem found in one object. */
export interface ValidationFinding {
  /** The object, as `Kind/namespace/name` (or `Kind/name` without a namespace). */
  readonly object: string;
  /** JSON pointer of the offending field inside the object, `/` for the object itself. */
  readonly path: string;
  /** Rule id: `unknown-field`, `type`, `required-field`, `enum`, `quantity`, `format`, `pattern`, `unknown-kind`, `invalid-name`, `schema`. */
  readonly rule: string;
  /** Human-readable explanation, with the bad value. */
  readonly message: string;
}

/** Result of {@link validateManifests}. */
export interface ValidationResult {
  /** True when no finding was made. */
  readonly valid: boolean;
  /** Number of objects checked. */
  readonly objectCount: number;
  /** Every finding, in object order. */
  readonly findings: ValidationFinding[];
}

/** What {@link validateManifests} accepts: objects, YAML text, cdk8s charts or apps, or arrays of them. */
export type ManifestInput = string | Chart | App | Record<string, any> | ReadonlyArray<ManifestInput>;

const K8S_DOC = 'cdk8s-ml:k8s';
const DEFAULT_VERSION: SupportedKubernetesVersion = '1.28';
const OBJECT_META = `${K8S_DOC}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** Per-version compiled validators. Building one costs ~100 ms; they are kept for the process. */
class SchemaSet {
  private readonly ajv: Ajv;
  private readonly kinds: Map<string, string>;
  private readonly compiled = new Map<string, ValidateFunction | null>();

  constructor(readonly version: SupportedKubernetesVersion) {
    this.ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: false,
      logger: false,
      // Stryker disable next-line BooleanLiteral: checking the vendored schemas against the meta-schema finds nothing (they are valid draft-07); it only costs time
      validateSchema: false,
      // Stryker disable next-line BooleanLiteral: inlining refs gives the same verdicts and error paths; kept off so that shared definitions compile once
      inlineRefs: false,
    });
    addFormats(this.ajv, ['date-time', 'date', 'byte', 'int32', 'int64', 'float', 'double', 'ipv4', 'ipv6']);
    this.ajv.addFormat('quantity', new RegExp(QUANTITY_PATTERN));
    const doc = loadKubernetesDefinitions(version, K8S_DOC);
    applyEnumOverlays(doc.definitions);
    this.kinds = indexKubernetesKinds(doc.definitions);
    this.ajv.addSchema(doc);
  }

  /** The validator of an apiVersion/kind, or null when no schema is known. */
  validatorFor(apiVersion: string, kind: string): ValidateFunction | null {
    const key = `${apiVersion}/${kind}`;
    if (this.compiled.has(key)) return this.compiled.get(key)!;
    let fn: ValidateFunction | null = null;
    const def = this.kinds.get(key);
    if (def) {
      fn = this.ajv.compile({ $ref: `${K8S_DOC}#/definitions/${def}` });
    } else {
      // A CRD's schema does not depend on the Kubernetes version: compile it once, in the
      // default version's set (its metadata is checked against that version's ObjectMeta).
      // Stryker disable next-line ConditionalExpression: compiling the CRD again in this version's set gives the same verdicts (only slower)
      fn = this.version === DEFAULT_VERSION ? this.compileCrd(apiVersion, kind) : schemaSet(DEFAULT_VERSION).validatorFor(apiVersion, kind);
    }
    this.compiled.set(key, fn);
    return fn;
  }

  private compileCrd(apiVersion: string, kind: string): ValidateFunction | null {
    const schema = this.crdSchema(apiVersion, kind);
    return schema ? this.ajv.compile(schema) : null;
  }

  private crdSchema(apiVersion: string, kind: string): any {
    const gvk = `${apiVersion}/${kind}`;
    const schema = loadCrdSchema(gvk);
    if (!schema) return undefined;
    // Stryker disable next-line StringLiteral: an empty $id is no id to ajv, and the factored `#/definitions/…` refs then resolve within the schema itself; the id only names it in ajv's registry
    const id = `cdk8s-ml:crd/${gvk}`;
    const strict = factorRepeatedSubschemas(strictify(schema, id), id);
    strict.$id = id;
    strict.properties = { ...strict.properties, metadata: { $ref: OBJECT_META } };
    strict.required = Array.from(new Set([...(strict.required ?? []), 'apiVersion', 'kind']));
    return strict;
  }
}

function applyEnumOverlays(definitions: Record<string, any>): void {
  const apply = (table: Record<string, Record<string, readonly string[]>>, onItems: boolean) => {
    // every overlaid field exists, without an enum of its own, in every supported version (tested)
    for (const [short, props] of Object.entries(table)) {
      const def = definitions[`io.k8s.api.${short}`] ?? definitions[`io.k8s.${short}`];
      for (const [prop, values] of Object.entries(props)) {
        const field = def.properties[prop];
        (onItems ? field.items : field).enum = [...values];
      }
    }
  };
  apply(KUBERNETES_ENUM_OVERLAYS, false);
  apply(KUBERNETES_ITEM_ENUM_OVERLAYS, true);
}

const schemaSets = new Map<string, SchemaSet>();

function schemaSet(version: SupportedKubernetesVersion): SchemaSet {
  if (!SUPPORTED_KUBERNETES_VERSIONS.includes(version)) {
    throw new Error(
      `validateManifests: unsupported kubernetesVersion ${JSON.stringify(version)}; supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}`,
    );
  }
  let set = schemaSets.get(version);
  // Stryker disable next-line ConditionalExpression: building a new set on every call gives the same verdicts (only ~100 ms slower each time)
  if (!set) {
    set = new SchemaSet(version);
    schemaSets.set(version, set);
  }
  return set;
}

/** Flattens any accepted input into plain JSON objects (List kinds expanded). */
export function toManifests(input: ManifestInput): any[] {
  const out: any[] = [];
  const visit = (x: ManifestInput): void => {
    if (typeof x === 'string') {
      for (const doc of parseAllDocuments(x)) {
        if (doc.errors.length > 0) throw new Error(`validateManifests: invalid YAML: ${doc.errors[0].message}`);
        const value = doc.toJSON();
        // A document that is a plain scalar is no manifest (and must not be parsed again).
        if (typeof value === 'object') visit(value);
      }
    } else if (Array.isArray(x)) {
      x.forEach(visit);
    } else if (typeof x === 'object' && x !== null) {
      if (Chart.isChart(x)) out.push(...(x as Chart).toJson());
      else if (isApp(x)) for (const chart of (x as App).charts) out.push(...chart.toJson());
      else {
        const obj = x as Record<string, any>;
        if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) obj.items.forEach(visit);
        else out.push(obj);
      }
    }
    // anything else (null, undefined, a number) holds no manifest
  };
  visit(input);
  return out;
}

function isApp(x: object): boolean {
  return Array.isArray((x as any).charts) && typeof (x as any).synthYaml === 'function';
}

/** `Kind/namespace/name` label of an object for findings. */
export function describeObject(obj: any): string {
  const kind = obj?.kind ?? '<no kind>';
  const name = obj?.metadata?.name ?? obj?.metadata?.generateName ?? '<no name>';
  return obj?.metadata?.namespace ? `${kind}/${obj.metadata.namespace}/${name}` : `${kind}/${name}`;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names must be DNS-1123 labels (≤ 63), not subdomains. */
const LABEL_NAMED_KINDS = new Set(['v1/Service', 'v1/Namespace']);

/**
 * Validates manifests strictly. Every object is checked against its schema (Kubernetes
 * definitions of the target version, or the vendored CRD schema); every finding names the
 * object, the JSON path and the rule.
 */
export function validateManifests(input: ManifestInput, options: ValidateOptions = {}): ValidationResult {
  const set = schemaSet(options.kubernetesVersion ?? DEFAULT_VERSION);
  const manifests = toManifests(input);
  const findings: ValidationFinding[] = [];
  for (const obj of manifests) findings.push(...validateObject(set, obj, options));
  return { valid: findings.length === 0, objectCount: manifests.length, findings };
}

function validateObject(set: SchemaSet, obj: any, options: ValidateOptions): ValidationFinding[] {
  const object = describeObject(obj); // obj: an object (toManifests keeps objects only)
  const found: ValidationFinding[] = [];
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [{ object, path: '/', rule: 'required-field', message: 'apiVersion and kind must be strings' }];
  }
  found.push(...checkName(obj, object));
  const fn = set.validatorFor(obj.apiVersion, obj.kind);
  if (!fn) {
    const allowed = options.allowUnknownKinds;
    if (allowed === true || (Array.isArray(allowed) && allowed.includes(`${obj.apiVersion}/${obj.kind}`))) return found;
    found.push({
      object,
      path: '/',
      rule: 'unknown-kind',
      message: `no schema for apiVersion ${JSON.stringify(obj.apiVersion)} kind ${JSON.stringify(obj.kind)} (not a Kubernetes ${set.version} kind nor a vendored CRD)`,
    });
    return found;
  }
  if (!fn(obj)) found.push(...translateErrors(object, fn.errors ?? []));
  return found;
}

function checkName(obj: any, object: string): ValidationFinding[] {
  const name = obj.metadata?.name;
  if (name === undefined && obj.metadata?.generateName === undefined) {
    return [{ object, path: '/metadata/name', rule: 'required-field', message: 'metadata.name is required' }];
  }
  if (typeof name !== 'string') return [];
  const asLabel = LABEL_NAMED_KINDS.has(`${obj.apiVersion}/${obj.kind}`);
  const ok = asLabel ? DNS_LABEL.test(name) && name.length <= 63 : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (ok) return [];
  return [{
    object,
    path: '/metadata/name',
    rule: 'invalid-name',
    message: `name ${JSON.stringify(name)} is not a valid DNS-1123 ${asLabel ? 'label (lowercase alphanumerics and "-", at most 63 characters)' : 'subdomain (lowercase alphanumerics, "-" and ".", at most 253 characters)'}`,
  }];
}

function translateErrors(object: string, errors: ErrorObject[]): ValidationFinding[] {
  const out: ValidationFinding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // anyOf/oneOf summaries repeat what their branches said.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const base = e.instancePath; // '' at the object itself
    // the JSON pointer of the value at fault; '' is the object itself, which (an object, with
    // apiVersion and kind checked before) can only fail with unknown or missing fields below
    // Stryker disable next-line StringLiteral,LogicalOperator: in the vendored schemas no check but those two applies to the whole object (no root-level type, enum, format or other keyword can fail for an object)
    const at = base || '/';
    let finding: ValidationFinding;
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = (e.params as any).additionalProperty;
        finding = { object, path: `${base}/${prop}`, rule: 'unknown-field', message: `unknown field ${JSON.stringify(prop)}` };
        break;
      }
      case 'required': {
        const prop = (e.params as any).missingProperty;
        finding = { object, path: `${base}/${prop}`, rule: 'required-field', message: `missing required field ${JSON.stringify(prop)}` };
        break;
      }
      case 'type':
        finding = { object, path: at, rule: 'type', message: `must be ${(e.params as any).type}, got ${JSON.stringify(e.data)}` };
        break;
      case 'enum':
        finding = {
          object,
          path: at,
          rule: 'enum',
          message: `must be one of ${JSON.stringify((e.params as any).allowedValues)}, got ${JSON.stringify(e.data)}`,
        };
        break;
      case 'format': {
        const format = (e.params as any).format;
        finding = {
          object,
          path: at,
          rule: format === 'quantity' ? 'quantity' : 'format',
          message: format === 'quantity' ? `malformed quantity ${JSON.stringify(e.data)}` : `must be a valid ${format}, got ${JSON.stringify(e.data)}`,
        };
        break;
      }
      default:
        finding = { object, path: at, rule: e.keyword === 'pattern' ? 'pattern' : 'schema', message: `${e.message}, got ${JSON.stringify(e.data)}` };
    }
    const key = `${finding.path}|${finding.rule}|${finding.message}`;
    // Stryker disable next-line ConditionalExpression: a guard for a finding ajv reaches from two schema locations (allOf branches saying the same); no vendored schema has one today, so no test can show it
    if (!seen.has(key)) {
      seen.add(key);
      out.push(finding);
    }
  }
  return out;
}

/** Formats findings as one line each: `Kind/ns/name /path [rule] message`. */
export function formatFindings(findings: readonly ValidationFinding[]): string {
  return findings.map((f) => `${f.object} ${f.path} [${f.rule}] ${f.message}`).join('\n');
}
