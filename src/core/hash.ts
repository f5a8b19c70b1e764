import { createHash } from 'crypto';

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
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
