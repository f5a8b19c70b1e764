/**
 * Quantities and the form the API server stores them in (apimachinery `Quantity.String()`).
 * The unit test (test/core/quantity.test.ts) checks canonicalQuantity against this table; the
 * cluster tier (test/cluster/quantity.test.ts) sends every input to a real kube-apiserver and
 * checks that it stores exactly the expected string, so the table is the server's word.
 */
export const QUANTITY_CASES: readonly (readonly [input: string, stored: string])[] = [
  // the drift seen in dist/
  ['4096Mi', '4Gi'],
  ['1024Mi', '1Gi'],
  ['2000m', '2'],
  ['8', '8'],
  ['32', '32'],
  // decimal SI: the largest suffix that keeps an integer
  ['1000', '1k'],
  ['1000k', '1M'],
  ['1000000', '1M'],
  ['0.5', '500m'],
  ['0.25', '250m'],
  ['1.5', '1500m'],
  ['250m', '250m'],
  ['1500m', '1500m'],
  ['512', '512'],
  // nano precision, rounded up
  ['0.1m', '100u'],
  ['1n', '1n'],
  ['0.1n', '1n'],
  // binary SI: kept binary when whole and at least 1Ki
  ['1.5Gi', '1536Mi'],
  ['7.5Gi', '7680Mi'],
  ['1536Mi', '1536Mi'],
  ['2048Ki', '2Mi'],
  ['1024Ti', '1Pi'],
  ['64Gi', '64Gi'],
  ['0.5Ki', '512'],
  ['1023.5Ki', '1048064'],
  ['9Ei', '9223372036854775807'],
  ['1.5Ki', '1536'],
  // decimal exponent: kept, exponent a multiple of 3
  ['1e3', '1e3'],
  ['1e4', '10e3'],
  ['12e6', '12e6'],
  ['2.5e3', '2500'],
  ['3e-10', '1e-9'],
  ['1e-12', '1e-9'],
  // large and small exponents (canonicalQuantity handles up to ±1000)
  ['1e300', '1e300'],
  ['1e308', '100e306'],
  ['1e1000', '10e999'],
  ['1e-300', '1e-9'],
  ['1e-1000', '1e-9'],
  // zero
  ['0', '0'],
  ['0Mi', '0'],
  ['0.0', '0'],
  // a string already in canonical form is stored as sent, quirks included
  ['05', '05'],
  ['+5', '+5'],
  // binary SI is kept as sent only when its integer mantissa is no multiple of 8 (ParseQuantity's `value&0x07`)
  ['+1Ki', '+1Ki'],
  ['01Ki', '01Ki'],
  ['+8Ki', '8Ki'],
  ['+3Mi', '+3Mi'],
  // ...and while the int64 fast path applies: 15 - digits - exponent*3/10 - 1 >= 0 (Ti: up to 2 digits)
  ['+11Ti', '+11Ti'],
  ['+111Ti', '111Ti'],
  // decimal: kept only with at most 18 digits
  ['+123456789012345678', '+123456789012345678'],
  ['+1234567890123456789', '1234567890123456789'],
  // no integer part, leading zeros
  ['.5', '500m'],
  ['007', '007'],
  ['00.5', '500m'],
  ['0.500', '500m'],
  ['0.003', '3m'],
  // kept as sent while the fast path applies: the scale (exponent - decimals) a multiple of 3
  ['1.5e1', '1.5e1'],
  ['12.5e1', '12.5e1'],
  ['1.500', '1.500'],
  // binary SI below 1Ki is written decimal (CanonicalizeBytes); 1Ki itself stays binary
  ['0.9765625Ki', '1k'],
  ['1.0Ki', '1Ki'],
  // apimachinery writes no suffix past E: 1e21 comes back as "1"
  ['1000E', '1'],
];
