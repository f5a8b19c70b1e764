/**
 * canonicalQuantity (src/core/quantity.ts) against the API server: every quantity goes into a
 * dry-run Pod as an emptyDir `sizeLimit` (a typed Quantity field), and the server's answer
 * must hold exactly the canonical form we compute — for the table of test/core/quantity-cases.ts
 * and for ~2,000 generated quantities (every suffix family, fractions, exponents, zeros).
 */
import { canonicalQuantity } from '../../src/core/quantity';
import { QUANTITY_CASES } from '../core/quantity-cases';
import { Kube } from './support/kube';
import { ensureNamespaces, kube } from './support/cluster';

const NS = 'quantity-check';
let k: Kube;
beforeAll(() => {
  k = kube();
});
afterAll(() => k.close());

/** What the server stores for each quantity (dry-run Pods of up to 500 volumes). */
async function stored(values: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let start = 0; start < values.length; start += 500) {
    const chunk = values.slice(start, start + 500);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'quantities', namespace: NS },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'main', image: 'busybox:1.36.1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        volumes: chunk.map((v, i) => ({ name: `v${i}`, emptyDir: { sizeLimit: v } })),
      },
    };
    const res = await k.create(pod, { dryRun: true });
    if (res.status !== 201) throw new Error(`dry-run Pod: HTTP ${res.status}: ${res.body?.message ?? res.text}`);
    const byName = new Map<string, string>(res.body.spec.volumes.map((v: any) => [v.name, v.emptyDir?.sizeLimit]));
    out.push(...chunk.map((_, i) => byName.get(`v${i}`)!));
  }
  return out;
}

/** Deterministic generator (no Math.random: a failure must reproduce). */
function generated(count: number): string[] {
  const suffixes = ['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'e3', 'e-3', 'E6', 'e0', 'e1', 'e-1', 'e+2', 'e-10', 'e-12'];
  let seed = 20261202;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const digits = (n: number) => Array.from({ length: n }, () => String(rnd(10))).join('');
  const out: string[] = [];
  while (out.length < count) {
    let int = rnd(6) === 0 ? '' : digits(1 + rnd(rnd(4) === 0 ? 15 : 5));
    if (rnd(5) === 0) int += '0'.repeat(rnd(7));
    const frac = rnd(3) === 0 ? `.${digits(1 + rnd(7))}` : '';
    if (int === '' && frac === '') int = '1';
    out.push(`${int}${frac}${suffixes[rnd(suffixes.length)]}`);
  }
  return out;
}

beforeAll(async () => {
  expect(await ensureNamespaces(k, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: NS } }])).toEqual([]);
});

test('the table of test/core/quantity-cases.ts is what the server stores', async () => {
  const inputs = QUANTITY_CASES.map(([input]) => input);
  const server = await stored(inputs);
  expect(inputs.map((input, i) => [input, server[i]])).toEqual(QUANTITY_CASES.map(([input, want]) => [input, want]));
});

test('canonicalQuantity equals the stored form for 2,000 generated quantities', async () => {
  const inputs = generated(2000);
  const server = await stored(inputs);
  const mismatches = inputs.map((input, i) => ({ input, server: server[i], ours: canonicalQuantity(input) })).filter((m) => m.server !== m.ours);
  expect(mismatches).toEqual([]);
  // the generator reaches every branch: binary kept, binary → decimal, exponent forms, fractions
  expect(new Set(server.map((s) => s.replace(/^[0-9+.-]+/, ''))).size).toBeGreaterThan(10);
});
