import { App, Chart, Size } from 'cdk8s';
import { Accelerator, canonicalQuantity, canonicalQuantityOf, parseQuantity, renderResources, sizeToBytes, sizeToQuantity } from '../../src/core';
import { validateQuantity } from '../../src/core/quantity';
import { QUANTITY_CASES } from './quantity-cases';

describe('canonicalQuantity: the form the API server stores', () => {
  // Each row is checked against a real kube-apiserver in test/cluster/quantity.test.ts.
  test.each(QUANTITY_CASES)('%s is stored as %s', (input, stored) => {
    expect(canonicalQuantity(input)).toBe(stored);
  });

  test('numbers become the string the server stores', () => {
    expect(canonicalQuantity(8)).toBe('8');
    expect(canonicalQuantity(0.5)).toBe('500m');
    expect(canonicalQuantity(1000)).toBe('1k');
    expect(canonicalQuantity(0)).toBe('0');
  });

  test('is idempotent and keeps the value (up to nano precision) on a spread of inputs', () => {
    const suffixes = ['', 'm', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi', 'Ti', 'e3', 'e-3', 'e6'];
    for (const n of ['1', '7', '8', '16', '100', '512', '1000', '1024', '1536', '4096', '0.5', '1.25', '2.0', '0.001']) {
      for (const s of suffixes) {
        const input = `${n}${s}`;
        const c = canonicalQuantity(input)!;
        expect(canonicalQuantity(c)).toBe(c);
        const a = parseQuantity(input)!;
        const b = parseQuantity(c)!;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(1e-9, Math.abs(a) * 1e-12));
      }
    }
  });

  test('negative quantities keep their sign (as resource.Quantity.String() writes them)', () => {
    expect(canonicalQuantity('-1')).toBe('-1');
    expect(canonicalQuantity('-0.5')).toBe('-500m');
    expect(canonicalQuantity('-1000')).toBe('-1k');
    expect(canonicalQuantity('-2048Ki')).toBe('-2Mi');
    expect(canonicalQuantity(-8)).toBe('-8');
  });

  test('is undefined for what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.5.5', '5 Gi', '5gi', '1Ki5', 'e3', '.', '1e2147483648', '1e-2147483648', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(canonicalQuantity(bad as string)).toBeUndefined();
    }
  });

  test('exponents beyond ±1000 are refused (exact arithmetic that large takes seconds to hours); ±1000 still works', () => {
    for (const far of ['1e1001', '1e-1001', '1e2147483647', '-1e-2147483647', '5E1001']) expect([far, canonicalQuantity(far)]).toEqual([far, undefined]);
    expect(canonicalQuantity('1e1000')).toBe('10e999');
    expect(canonicalQuantity('1e-1000')).toBe('1e-9');
    expect(canonicalQuantity('-1e1000')).toBe('-10e999');
  });

  test('parseQuantity is undefined beyond a finite number, whatever the suffix', () => {
    for (const far of ['1e309', '1e1000', `${'9'.repeat(400)}`, `${'9'.repeat(300)}Ei`, `${'9'.repeat(300)}E`]) expect([far.slice(0, 8), parseQuantity(far)]).toEqual([far.slice(0, 8), undefined]);
    expect(parseQuantity('1e308')).toBe(1e308);
    expect(parseQuantity('2Ei')).toBe(2 ** 61);
  });

  test('validateQuantity returns the value of a positive quantity and fails on zero, negative or malformed ones, naming the field', () => {
    const scope = new Chart(new App(), 'c');
    expect(validateQuantity(scope, 'cpu', '500m')).toBe(0.5);
    expect(validateQuantity(scope, 'cpu', 2)).toBe(2);
    expect(validateQuantity(scope, 'memory', '1Ki')).toBe(1024);
    for (const bad of ['0', 0, '-1', '0Mi', 'abc', '5 Gi', '1e400', '1e-400']) {
      expect(() => validateQuantity(scope, 'cpu', bad)).toThrow(`c: cpu must be a positive Kubernetes quantity such as "500m", "8" or "64Gi", got ${JSON.stringify(bad)}`);
    }
  });

  test('fails canonicalQuantityOf on a malformed value, naming it', () => {
    expect(() => canonicalQuantityOf('5 Gi')).toThrow('not a Kubernetes quantity: "5 Gi"');
  });
});

describe('rendered quantities are canonical at the source', () => {
  test('renderResources writes canonical strings, GPU counts included', () => {
    const scope = new Chart(new App(), 'ml');
    const r = renderResources(scope, { cpu: '2000m', memory: '4096Mi', memoryLimit: '8192Mi', ephemeralStorage: '1000M' }, Accelerator.nvidiaGpu({ count: 8 }));
    const json = JSON.parse(JSON.stringify(r, (_k, v) => (v && typeof v === 'object' && 'value' in v && Object.keys(v).length === 1 ? v.value : v)));
    expect(json).toEqual({
      requests: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '1G', 'nvidia.com/gpu': '8' },
      limits: { cpu: '2', memory: '8Gi', 'ephemeral-storage': '1G', 'nvidia.com/gpu': '8' },
    });
  });

  test('sizeToQuantity picks the largest binary suffix', () => {
    expect(sizeToQuantity(Size.mebibytes(4096))).toBe('4Gi');
    expect(sizeToQuantity(Size.mebibytes(1536))).toBe('1536Mi');
    expect(sizeToQuantity(Size.tebibytes(1024))).toBe('1Pi');
    expect(sizeToQuantity(Size.kibibytes(3))).toBe('3Ki');
  });

  test('sizeToQuantity refuses a size that is no whole number of KiB, with its own message', () => {
    expect(() => sizeToQuantity(Size.mebibytes(1 / 1024 / 4))).toThrow(new Error('size must be a positive whole number of KiB, got 0.25 KiB'));
    expect(() => sizeToQuantity(Size.kibibytes(0))).toThrow(new Error('size must be a positive whole number of KiB, got 0 KiB'));
  });

  test('sizeToBytes converts without rounding, fractions of a KiB included', () => {
    expect(sizeToBytes(Size.mebibytes(1 / 1024 / 4))).toBe(256);
    expect(sizeToBytes(Size.gibibytes(2))).toBe(2 * 2 ** 30);
  });
});
