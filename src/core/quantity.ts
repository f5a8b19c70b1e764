import { IConstruct } from 'constructs';
import { fail, show } from './errors';

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a Kubernetes quantity (`"500m"`, `"64Gi"`, `"1e3"`) into its numeric value; undefined when malformed. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const m = QUANTITY.exec(String(value));
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) return n * BINARY[suffix];
  if (suffix in DECIMAL) return n * DECIMAL[suffix];
  return n * 10 ** Number(suffix.slice(1));
}

/** Throws unless `value` is a well-formed, positive quantity; returns its numeric value. */
export function validateQuantity(scope: IConstruct, what: string, value: string | number): number {
  const parsed = parseQuantity(value);
  if (parsed === undefined || parsed <= 0) {
    fail(scope, `${what} must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got ${show(value)}`);
  }
  return parsed;
}
