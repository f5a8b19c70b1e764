import { ApiObject, ApiObjectProps, App, ImplicitTokenResolver, JsonPatch, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Thrown by {@link canonicalJson} on a value that is not plain JSON data. */
export class NotPlainJsonError extends Error {
  constructor(readonly value: unknown) {
    super(`not plain JSON data: ${Object.prototype.toString.call(value)}`);
    this.name = 'NotPlainJsonError';
  }
}

/** A string in canonical JSON: its container and its key or index there (see {@link CanonicalJsonOptions.holes}). */
export type JsonHole = [Record<string | number, unknown>, string | number];

/** Options of {@link canonicalJson}. */
export interface CanonicalJsonOptions {
  /**
   * Read cdk8s-plus-28 L1 values: `k8s.Quantity` and `k8s.IntOrString` become their value (as
   * the generated `toJson_*` converters write them), and a key in this set (a property those
   * converters rename) is not plain data. See {@link l1Json}.
   * @default - L1 values are not plain data
   */
  readonly l1RenamedKeys?: ReadonlySet<string>;
  /**
   * Record in `holes` every string value holding this text; a key holding it is not plain data.
   * @default - nothing recorded
   */
  readonly placeholder?: string;
  /** Where strings holding `placeholder` are recorded. @default - nothing recorded */
  readonly holes?: JsonHole[];
}

/**
 * A fresh copy of plain JSON data in the form cdk8s synthesizes: object keys sorted, `null`
 * and `undefined` object values dropped (what cdk8s' `sanitizeValue` does). Throws
 * {@link NotPlainJsonError} on anything that is not plain data (class instances such as
 * `Lazy`, functions, symbols, bigints, non-finite numbers, -0, and null or missing array
 * items), which a cdk8s resolver or a JSON round trip might turn into something else. The
 * copy shares nothing with the input, and a JSON round trip gives it back unchanged.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): unknown {
  const holes = options.placeholder === undefined ? undefined : options.holes;
  const out = canon(value, options.l1RenamedKeys, options.placeholder, holes);
  if (holes !== undefined && typeof out === 'string' && out.includes(options.placeholder!)) throw new NotPlainJsonError(value);
  return out;
}

/**
 * Replaces `placeholder` by `text` in the strings recorded by {@link canonicalJson}, in place.
 */
export function fillJsonHoles(holes: readonly JsonHole[], placeholder: string, text: string): void {
  for (const [parent, key] of holes) parent[key] = (parent[key] as string).split(placeholder).join(text);
}

function canon(value: unknown, l1: ReadonlySet<string> | undefined, placeholder: string | undefined, holes: JsonHole[] | undefined): unknown {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // NaN, ±Infinity and -0 are not JSON: left to cdk8s, as they are.
      if (!Number.isFinite(value) || Object.is(value, -0)) throw new NotPlainJsonError(value);
      return value;
    case 'object':
      break;
    // Stryker disable next-line ConditionalExpression: without this case a bigint, symbol or function reaches the prototype check below, which throws the same error
    default:
      throw new NotPlainJsonError(value);
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw new NotPlainJsonError(value);
    const out: unknown[] = [];
    for (const item of value) {
      // A null or missing item: left to cdk8s (its sanitizer turns it into undefined).
      if (item === null || item === undefined) throw new NotPlainJsonError(value);
      const v = canon(item, l1, placeholder, holes);
      if (holes !== undefined && typeof v === 'string' && v.includes(placeholder!)) holes.push([out as unknown as Record<number, unknown>, out.length]);
      out.push(v);
    }
    return out;
  }
  // Class instances (Lazy, Quantity, anything with toJSON or resolve methods) are not data;
  // an own `resolve` or `toJSON` function is rejected when its value is visited.
  const proto = Object.getPrototypeOf(value);
  if (l1 !== undefined && (proto === k8s.Quantity.prototype || proto === k8s.IntOrString.prototype)) {
    // The L1 converters write `.value`; only a string or number value is plain data.
    const v = (value as { value: unknown }).value;
    if (typeof v !== 'string' && typeof v !== 'number') throw new NotPlainJsonError(value);
    return canon(v, l1, placeholder, holes);
  }
  if (proto !== Object.prototype && proto !== null) throw new NotPlainJsonError(value);
  const keys = Object.keys(value as object).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '__proto__' || l1?.has(key) || (placeholder !== undefined && key.includes(placeholder))) throw new NotPlainJsonError(value);
    const v = canon((value as Record<string, unknown>)[key], l1, placeholder, holes);
    if (v === undefined) continue;
    out[key] = v;
    if (holes !== undefined && typeof v === 'string' && v.includes(placeholder!)) holes.push([out, key]);
  }
  return out;
}

/** Deep copy of data produced by {@link canonicalJson} (no checks, no sorting). */
function copyCanonical(value: unknown): unknown {
  if (typeof value !== 'object') return value;
  // Stryker disable next-line ConditionalExpression: canonicalJson drops null values, so its output holds none
  if (value === null) return value;
  if (Array.isArray(value)) {
    return value.map(copyCanonical);
  }
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) out[key] = copyCanonical((value as Record<string, unknown>)[key]);
  return out;
}

/** Options of {@link PlainApiObject}. */
export interface PlainApiObjectOptions {
  /**
   * The body (every prop but `apiVersion`, `kind` and `metadata`) is already the output of
   * {@link canonicalJson} (or a copy-on-write edit of it) and nothing else holds a reference
   * to it: it is kept as is, without a second check and copy.
   * @default false
   */
  readonly canonical?: boolean;
}

const BUILTIN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver] as const;

/**
 * An `ApiObject` whose body (everything but `apiVersion`, `kind` and `metadata`) is plain JSON
 * data. It synthesizes exactly what `ApiObject` does, but the body is sorted and checked once,
 * when the object is created, instead of being walked by every resolver at every synth: on
 * plain data the built-in resolvers change nothing.
 *
 * It falls back to `ApiObject.toJson()` whenever that could differ: a body that is not plain
 * data (a `Lazy`, a class instance), an app with custom resolvers, JSON patches added with
 * `addJsonPatch`, or key sorting disabled with `CDK8S_DISABLE_SORT`. Metadata always goes
 * through cdk8s (labels and annotations may be added later, and may be tokens).
 *
 * The body is captured at construction: mutating the props object afterwards has no effect
 * (cdk8s' own L1 objects behave the same way for their typed props).
 */
export class PlainApiObject extends ApiObject {
  private readonly body?: Record<string, unknown>;
  private patched = false;

  constructor(scope: Construct, id: string, props: ApiObjectProps, options: PlainApiObjectOptions = {}) {
    super(scope, id, props);
    const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...rest } = props;
    if (options.canonical) {
      this.body = rest;
      return;
    }
    try {
      this.body = canonicalJson(rest) as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof NotPlainJsonError)) throw e;
    }
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    this.patched = true;
    super.addJsonPatch(...ops);
  }

  public toJson(): any {
    if (this.body === undefined || this.patched || process.env.CDK8S_DISABLE_SORT || !builtinResolversOnly(this)) return super.toJson();
    let metadata: unknown;
    try {
      metadata = canonicalJson(this.metadata.toJson());
    } catch {
      // not plain data, or a token that fails: ApiObject.toJson renders it, or throws its own
      // error for it ("Failed serializing construct at path ...")
      return super.toJson();
    }
    // ApiObject.toJson's order: apiVersion, kind, metadata, then the other keys sorted.
    // (metadata is never empty: ApiObject always names the object)
    const result: Record<string, unknown> = { apiVersion: this.apiVersion, kind: this.kind, metadata };
    for (const key in this.body) result[key] = copyCanonical(this.body[key]);
    return result;
  }
}

function builtinResolversOnly(scope: Construct): boolean {
  return App.of(scope).resolvers.every((r) => BUILTIN_RESOLVERS.some((cls) => r instanceof cls));
}
