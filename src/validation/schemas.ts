/**
 * Loading of the vendored Kubernetes definitions and CRD schemas, and their conversion
 * into strict JSON schemas for ajv (unknown fields are errors at every depth).
 */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../core/package-root';

/** Kubernetes minor versions whose API definitions ship with the library. */
export const SUPPORTED_KUBERNETES_VERSIONS = ['1.28', '1.31', '1.33'] as const;

/** A Kubernetes minor version the validator has definitions for. */
export type SupportedKubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];

/** Regular expression of a Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity). */
export const QUANTITY_PATTERN = '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\\d+))?$';

type Json = any;

export function schemasDir(): string {
  return path.join(packageRoot(), 'schemas');
}

/**
 * Rewrites an OpenAPI schema (Kubernetes definitions or a CRD's openAPIV3Schema) into a
 * strict JSON schema:
 * - an object with `properties` and no `additionalProperties` gets `additionalProperties: false`
 *   unless it carries `x-kubernetes-preserve-unknown-fields: true`;
 * - Quantity and IntOrString become precise checks (quantity grammar, string or integer);
 * - `x-kubernetes-embedded-resource` objects must carry apiVersion/kind;
 * - `$ref`s are made absolute to the given document id.
 *
 * Inside `anyOf`, `oneOf`, `allOf` and `not` nothing is closed: in a Kubernetes structural
 * schema those branches only validate values (the fields are declared outside them), so a
 * branch listing some `properties` does not forbid the others. (Gateway API's
 * `spec.addresses[]` has `oneOf: [{properties: {type, value}}, {properties: {type}}]`; closing
 * the second branch rejected every Hostname address.)
 */
export function strictify(schema: Json, docId: string): Json {
  return strictifyNode(schema, docId, true);
}

const JUNCTORS = ['anyOf', 'oneOf', 'allOf', 'not'];

function strictifyNode(schema: Json, docId: string, close: boolean): Json {
  if (Array.isArray(schema)) return schema.map((s) => strictifyNode(s, docId, close));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key === 'x-kubernetes-validations' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) {
      out.$ref = `${docId}${value}`;
    } else if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      const props: Json = {};
      for (const [name, sub] of Object.entries(value as Json)) props[name] = strictifyNode(sub, docId, close);
      out[key] = props;
    } else {
      out[key] = strictifyNode(value, docId, close && !JUNCTORS.includes(key));
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    out.type = ['integer', 'string'];
  }
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (close && out.properties && out.additionalProperties === undefined && !preserve) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-embedded-resource'] === true && out.properties) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
    out.required = Array.from(new Set([...(out.required ?? []), 'apiVersion', 'kind']));
  }
  return out;
}

/**
 * Fields an OpenAPI document marks required although the API server accepts them absent, and
 * itself drops them when empty: the server's behaviour wins, so that the form it stores
 * validates. `PodFailurePolicyRule.onPodConditions` is required in the 1.28 OpenAPI, but the
 * Go type is `json:"onPodConditions,omitempty"` (k8s.io/api v0.28 batch/v1), validation accepts
 * a rule with `onExitCodes` alone, and `onPodConditions: []` is stored as absent; 1.31 made it
 * optional in the OpenAPI too.
 */
export const SERVER_OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  'io.k8s.api.batch.v1.PodFailurePolicyRule': ['onPodConditions'],
};

/** Loads `schemas/kubernetes/v<version>.0/_definitions.json` as a strict schema document. */
export function loadKubernetesDefinitions(version: SupportedKubernetesVersion, docId: string): Json {
  const file = path.join(schemasDir(), 'kubernetes', `v${version}.0`, '_definitions.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const defs = raw.definitions as Record<string, Json>;
  // Quantity: a string in the quantity grammar (ajv format "quantity") or a number.
  defs['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { type: ['string', 'number'], format: 'quantity' };
  defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { type: ['integer', 'string'] };
  for (const [name, props] of Object.entries(SERVER_OPTIONAL)) {
    const def = defs[name];
    // Stryker disable next-line ConditionalExpression,OptionalChaining: every definition listed in SERVER_OPTIONAL has a required list in the vendored versions; the guard keeps a future version without one from throwing
    if (def?.required) def.required = def.required.filter((p: string) => !props.includes(p));
  }
  const strict = strictify({ definitions: defs }, docId);
  return { $id: docId, definitions: strict.definitions };
}

/** apiVersion + kind → definition name, from `x-kubernetes-group-version-kind`. */
export function indexKubernetesKinds(definitions: Record<string, Json>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      if (!index.has(`${apiVersion}/${gvk.kind}`)) index.set(`${apiVersion}/${gvk.kind}`, name);
    }
  }
  return index;
}

/** Index of the compiled CRD schemas (see scripts/compile-crd-schemas.js). */
export interface CrdSchemaIndex {
  /** Source CRD file (relative to schemas/crds) → sha256 of its text when compiled. */
  readonly sources: Record<string, string>;
  /** `group/version/kind` → compiled schema file in schemas/crd-schemas. */
  readonly kinds: Record<string, string>;
}

let crdIndex: CrdSchemaIndex | undefined;

/** The compiled CRD schema index. */
export function crdSchemaIndex(): CrdSchemaIndex {
  crdIndex ??= JSON.parse(fs.readFileSync(path.join(schemasDir(), 'crd-schemas', 'index.json'), 'utf8')) as CrdSchemaIndex;
  return crdIndex;
}

/** The openAPIV3Schema of a custom resource `group/version/kind`, or undefined. */
export function loadCrdSchema(gvk: string): Json | undefined {
  const file = crdSchemaIndex().kinds[gvk];
  if (!file) return undefined;
  return JSON.parse(fs.readFileSync(path.join(schemasDir(), 'crd-schemas', file), 'utf8'));
}
