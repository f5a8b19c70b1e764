import { createHash } from 'crypto';

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * `value` with object keys sorted at every depth, for JSON.stringify. Subtrees whose key order
 * is already sorted are returned as they are (the text is the same: JSON.stringify skips
 * undefined, functions and symbols either way); only plain objects and arrays without
 * `toJSON` (and no own `__proto__` key, which the copy's assignment would drop) are shared;
 * anything else is copied as before. @internal (exported for its tests)
 */
export function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const shareable = typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (Array.isArray(value)) {
    if (!shareable) return value.map(sortKeys);
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const s = sortKeys(v);
      if (s !== v) {
        out ??= value.slice();
        out[i] = s;
      }
    });
    return out ?? value;
  }
  const keys = Object.keys(value as object);
  const proto = Object.getPrototypeOf(value);
  const sorted = shareable && (proto === Object.prototype || proto === null) && !keys.includes('__proto__') && keysInOrder(keys);
  if (!sorted) {
    const out: Record<string, unknown> = {};
    for (const key of keys.sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    const s = sortKeys(v);
    if (s !== v) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = s;
    }
  }
  return out ?? value;
}

/** True when `keys` (an object's own keys, so all distinct) are in ascending order. */
export function keysInOrder(keys: readonly string[]): boolean {
  // Stryker disable next-line EqualityOperator: object keys are distinct, so `<` and `<=` agree
  return keys.slice(1).every((k, i) => keys[i] < k);
}

/**
 * Deterministic short hash (lowercase hex of SHA-256) of any JSON-like value; object key
 * order does not matter. Used for content-addressed names (config maps, Jobs).
 * @param length number of hex characters, 4 to 64 (default 8)
 */
export function shortHash(value: unknown, length = 8): string {
  if (!Number.isInteger(length) || length < 4 || length > 64) throw new Error(`shortHash: length must be 4..64, got ${length}`);
  const text = typeof value === 'string' ? value : stableStringify(value);
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}
