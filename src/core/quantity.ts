import { IConstruct } from 'constructs';
import { fail, show } from './errors';

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * Parses a Kubernetes quantity (`"500m"`, `"64Gi"`, `"1e3"`) into its numeric value; undefined
 * when malformed or beyond a finite number (`"1e400"`).
 */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const m = QUANTITY.exec(String(value));
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
  const parsed = n * factor;
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Throws unless `value` is a well-formed, positive quantity; returns its numeric value. */
export function validateQuantity(scope: IConstruct, what: string, value: string | number): number {
  const parsed = parseQuantity(value);
  if (parsed === undefined || parsed <= 0) {
    fail(scope, `${what} must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got ${show(value)}`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------
// Canonical form: what the API server stores.
//
// A typed quantity field (`resources.limits.memory`, `emptyDir.sizeLimit`, `spec.hard`, ...)
// is decoded into apimachinery's `resource.Quantity` and written back by its `String()`: the
// server stores `4Gi` for `4096Mi`, `2` for `2000m`, `"8"` for the number `8`. Rendering that
// form is what makes a re-apply (kubectl, server-side apply, Argo CD) a no-op. The rules below
// are those of k8s.io/apimachinery/pkg/api/resource (quantity.go ParseQuantity and
// CanonicalizeBytes, amount.go, suffix.go), unchanged from v0.28 to v0.33.

const GO_QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(|[numkMGTPE]|[KMGTPE]i|[eE][+-]?\d+)$/;
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const NANO = 10n ** 9n;
const MAX_INT64 = 2n ** 63n - 1n;
/** Largest exponent magnitude of an `e` suffix canonicalQuantity handles (`1e1000`, `1e-1000`). */
const MAX_DECIMAL_EXPONENT = 1000;

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/**
 * The canonical form of a Kubernetes quantity, exactly as the API server stores it
 * (apimachinery `Quantity.String()` after `ParseQuantity`): the suffix family is kept
 * (binary `Ki`…`Ei`, decimal `m`/`k`/`M`…, or exponent `e3`), the value is rounded up to
 * nano precision, and the suffix is the largest that leaves an integer: `4096Mi` → `4Gi`,
 * `2000m` → `2`, `1000` → `1k`, `0.5` → `500m`, `1.5Gi` → `1536Mi`, `1e4` → `10e3`, the
 * number `8` → `"8"`. An input already in canonical form is returned unchanged (the server
 * keeps such a string as it was sent).
 *
 * Returns undefined when `value` is not a quantity, or has an exponent suffix beyond ±1000.
 */
export function canonicalQuantity(value: string | number): string | undefined {
  // a number as its text: NaN and Infinity then fail the pattern like any other non-quantity
  const text = String(value);
  const m = GO_QUANTITY.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
  const negative = m[1] === '-';
  const num = m[2].replace(/^0+/, '') || '0';
  const denom = m[3] ?? '';
  const suffix = m[4];
  let format: QuantityFormat;
  let exponent: number;
  if (suffix in BINARY_EXPONENT) {
    format = 'BinarySI';
    exponent = BINARY_EXPONENT[suffix];
  } else if (suffix in DECIMAL_EXPONENT) {
    format = 'DecimalSI';
    exponent = DECIMAL_EXPONENT[suffix];
  } else {
    format = 'DecimalExponent';
    exponent = Number(suffix.slice(1));
    // apimachinery takes any int32 exponent; beyond ±1000 the exact arithmetic below would take
    // seconds to hours (or exceed BigInt's size), and no resource is that large or that small
    if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) return undefined;
  }
  const shifted = num + denom;

  // ParseQuantity's int64 fast path keeps the string it was given when that is canonical.
  if (format === 'BinarySI') {
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (denom === '' && precision >= 0 && (BigInt(shifted) & 7n) !== 0n) return text;
  } else {
    const scale = exponent - denom.length;
    if (18 - shifted.length >= 0 && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0' &&
      // Stryker disable next-line EqualityOperator: at scale -9 (nano) the exact path below gives the input back too
      scale >= -9) return text;
  }

  // The exact value in nano units, rounded away from zero (inf.RoundUp) to nano precision.
  let numerator = BigInt(shifted);
  let denominator = 10n ** BigInt(denom.length);
  if (format === 'BinarySI') {
    numerator <<= BigInt(exponent);
  } else {
    // Stryker disable next-line EqualityOperator: at exponent 0 both branches multiply by 10 ** 0 = 1
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  let nanos = (numerator * NANO) / denominator;
  if ((numerator * NANO) % denominator !== 0n) nanos += 1n;
  if (format === 'BinarySI') {
    // Stryker disable next-line EqualityOperator: at the bound the value is set to itself
    if (nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
  }
  if (nanos === 0n) return '0';
  const sign = negative ? '-' : '';

  // CanonicalizeBytes: BinarySI only for whole values of at least 1024 in magnitude.
  if (format === 'BinarySI' && nanos >= 1024n * NANO && nanos % NANO === 0n) {
    let whole = nanos / NANO;
    let times = 0;
    while (whole % 1024n === 0n) {
      whole /= 1024n;
      times++;
    }
    return `${sign}${whole}${BINARY_SUFFIX[times]}`;
  }
  let mantissa = nanos;
  let exp = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exp++;
  }
  while (exp % 3 !== 0) {
    mantissa *= 10n;
    exp--;
  }
  // apimachinery writes no suffix for a DecimalSI exponent beyond E (1e21 → "1"); kept as is.
  const out = format === 'DecimalExponent' ? (exp === 0 ? '' : `e${exp}`) : DECIMAL_SUFFIX[exp] ?? '';
  return `${sign}${mantissa}${out}`;
}

/**
 * {@link canonicalQuantity} of a value the caller has validated; throws (a programming error,
 * not a user error) when it is not a quantity.
 */
export function canonicalQuantityOf(value: string | number): string {
  const out = canonicalQuantity(value);
  if (out === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
  return out;
}
