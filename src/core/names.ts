import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { shortHash } from './hash';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Maximum length of a DNS-1123 label (Service, Namespace, pod hostname, container name). */
export const DNS_LABEL_MAX = 63;
/** Maximum length of a DNS-1123 subdomain (most object names). */
export const DNS_SUBDOMAIN_MAX = 253;

/** True when `value` is a DNS-1123 label of at most `maxLength` characters. */
export function isDnsLabel(value: string, maxLength = DNS_LABEL_MAX): boolean {
  return typeof value === 'string' && value.length <= maxLength && DNS_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain of at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= DNS_SUBDOMAIN_MAX && DNS_SUBDOMAIN.test(value);
}

/** Throws unless `value` is a DNS-1123 label; `what` names the prop in the message. */
export function validateDnsLabel(scope: IConstruct, what: string, value: string, maxLength = DNS_LABEL_MAX): string {
  if (!isDnsLabel(value, maxLength)) {
    fail(
      scope,
      `${what} must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most ${maxLength} characters), got ${show(value)}${typeof value === 'string' ? ` (${value.length} characters)` : ''}`,
    );
  }
  return value;
}

/** Throws unless `value` is a DNS-1123 subdomain. */
export function validateDnsSubdomain(scope: IConstruct, what: string, value: string): string {
  if (!isDnsSubdomain(value)) {
    fail(scope, `${what} must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), got ${show(value)}`);
  }
  return value;
}

/** True when `value` is a valid label value (≤ 63, alphanumeric ends, `-_.` inside, or empty). */
export function isLabelValue(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** True when `key` is a valid label/annotation key (`[prefix/]name`). */
export function isLabelKey(key: string): boolean {
  if (typeof key !== 'string') return false;
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: without a slash (-1) key.slice(slash + 1) is the key itself, and a key starting with "/" is refused by its empty prefix whichever name is taken
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  // (LABEL_NAME needs at least one character: an empty name fails it)
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** Throws unless every key and value of `labels` is valid. */
export function validateLabels(scope: IConstruct, what: string, labels: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isLabelKey(key)) fail(scope, `${what}: invalid label key ${show(key)}`);
    if (!isLabelValue(value)) fail(scope, `${what}: invalid value ${show(value)} for label ${key} (at most 63 characters, alphanumerics, "-", "_", ".")`);
  }
}

/**
 * Turns a construct id into a DNS-1123 label fragment: lowercase, other characters to "-",
 * trimmed. Throws when nothing usable is left.
 */
export function toDnsLabel(scope: IConstruct, value: string): string {
  // Stryker disable next-line Regex: one "-" per character instead of per run of them is collapsed by the next replace
  const dashed = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const out = dashed.replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (!out) fail(scope, `cannot derive a Kubernetes name from ${show(value)}`);
  return out;
}

/**
 * Fits `name` into `maxLength` characters: unchanged when it fits, otherwise truncated and
 * suffixed with a hash of the full name so distinct long names stay distinct.
 */
export function fitName(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const hash = shortHash(name, 6);
  return `${name.slice(0, maxLength - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}
