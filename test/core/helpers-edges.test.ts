/**
 * Edge values of the small core helpers: error rendering (errors.ts), hashing (hash.ts),
 * image references (image.ts), the target Kubernetes version (version.ts) and the standard
 * labels (labels.ts). Expected values are spelled out or come from node's crypto directly.
 */
import { createHash } from 'crypto';
import { App, Chart } from 'cdk8s';
import { MlValidationError, fail, show } from '../../src/core/errors';
import { shortHash, sortKeys, stableStringify } from '../../src/core/hash';
import { validateImage } from '../../src/core/image';
import { MANAGED_BY, selectorLabels, standardLabels } from '../../src/core/labels';
import {
  KUBERNETES_VERSION_CONTEXT, KubernetesVersion, requireKubernetesVersion, setTargetKubernetesVersion, targetKubernetesVersion,
} from '../../src/core/version';

const chart = () => new Chart(new App(), 'ml');
const sha = (text: string, n: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, n);

describe('errors', () => {
  test('fail throws an MlValidationError with the construct path and the problem', () => {
    let error: unknown;
    try {
      fail(chart(), 'bad value 3');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlValidationError);
    expect(error).toMatchObject({ name: 'MlValidationError', constructPath: 'ml', problem: 'bad value 3', message: 'ml: bad value 3' });
  });

  test('show quotes strings and renders everything else readably', () => {
    expect(show('a"b')).toBe('"a\\"b"');
    expect(show('')).toBe('""');
    expect(show(3)).toBe('3');
    expect(show(-0.5)).toBe('-0.5');
    expect(show(NaN)).toBe('NaN');
    expect(show(-Infinity)).toBe('-Infinity');
    expect(show(false)).toBe('false');
    expect(show(true)).toBe('true');
    expect(show(undefined)).toBe('undefined');
    expect(show(null)).toBe('null');
    expect(show({ a: [1] })).toBe('{"a":[1]}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(show(circular)).toBe('[object Object]');
    expect(show(10n)).toBe('10');
  });
});

describe('hash', () => {
  test('shortHash is the SHA-256 hex prefix of a string, or of its sorted JSON', () => {
    expect(shortHash('abc')).toBe(sha('abc', 8));
    expect(shortHash('abc', 4)).toBe(sha('abc', 4));
    expect(shortHash('abc', 64)).toBe(sha('abc', 64));
    expect(shortHash({ b: 1, a: 2 }, 10)).toBe(sha('{"a":2,"b":1}', 10));
  });

  test('shortHash refuses lengths outside 4..64 and non-integers', () => {
    for (const n of [3, 65, 4.5]) expect(() => shortHash('x', n)).toThrow(`shortHash: length must be 4..64, got ${n}`);
  });

  test('stableStringify sorts keys at every depth and drops undefined members', () => {
    expect(stableStringify({ b: undefined, a: 1 })).toBe('{"a":1}');
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(stableStringify([{ z: 1, y: [{ d: 1, c: 2 }] }, null, 'x'])).toBe('[{"y":[{"c":2,"d":1}],"z":1},null,"x"]');
    expect(stableStringify({ a: { c: 1, b: 2 }, b: 1 })).toBe('{"a":{"b":2,"c":1},"b":1}');
    expect(stableStringify({ a: 1, b: { d: 1, c: 2 } })).toBe('{"a":1,"b":{"c":2,"d":1}}');
    expect(stableStringify('s')).toBe('"s"');
    expect(stableStringify(null)).toBe('null');
  });

  test('stableStringify leaves sorted input untouched and copies objects with toJSON or another prototype', () => {
    const sorted = { a: 1, b: [1, { c: 1 }] };
    expect(stableStringify(sorted)).toBe('{"a":1,"b":[1,{"c":1}]}');
    expect(sorted).toEqual({ a: 1, b: [1, { c: 1 }] });
    const withToJson = { b: 1, a: 2, toJSON: () => ({ z: 1 }) };
    expect(stableStringify(withToJson)).toBe('{"z":1}'); // what JSON.stringify gives: toJSON is kept
    expect(stableStringify({ b: { toJSON: () => ({ d: 1, c: 2 }) }, a: 1 })).toBe('{"a":1,"b":{"d":1,"c":2}}');
    class Point { constructor(public y = 1, public x = 2) {} }
    expect(stableStringify(new Point())).toBe('{"x":2,"y":1}');
    const bare = Object.assign(Object.create(null), { a: 1, b: 2 });
    expect(stableStringify(bare)).toBe('{"a":1,"b":2}');
  });
});

describe('sortKeys (what stableStringify serializes)', () => {
  test('sorted plain objects and arrays are shared, at every depth, undefined members and all', () => {
    const inner = { c: 1, d: undefined };
    const list = [1, inner, 'x', null];
    const sorted = { a: list, b: { e: inner } };
    expect(sortKeys(sorted)).toBe(sorted);
    expect(sortKeys(list)).toBe(list);
    const bare = Object.assign(Object.create(null), { a: 1, b: { c: 2 } });
    expect(sortKeys(bare)).toBe(bare);
    expect(sortKeys({})).toEqual({});
    const single = { z: { y: 1 } };
    expect(sortKeys(single)).toBe(single);
  });

  test('an unsorted object is copied with sorted keys and without undefined members; sorted parts inside are shared', () => {
    const shared = { a: 1, b: 2 };
    const out = sortKeys({ z: shared, y: undefined, x: [shared] }) as Record<string, any>;
    expect(Object.keys(out)).toEqual(['x', 'z']);
    expect(out.z).toBe(shared);
    expect(out.x[0]).toBe(shared);
    // three keys, only the last pair out of order
    expect(Object.keys(sortKeys({ a: 1, c: 2, b: 3 }) as object)).toEqual(['a', 'b', 'c']);
  });

  test('a sorted object holding an unsorted one is copied once, its other members shared', () => {
    const keep = [1, 2];
    const input = { a: keep, b: { d: 1, c: 2 } };
    const out = sortKeys(input) as Record<string, any>;
    expect(out).not.toBe(input);
    expect(out.a).toBe(keep);
    expect(Object.keys(out.b)).toEqual(['c', 'd']);
    expect(input.b).toEqual({ d: 1, c: 2 });
    expect(Object.keys(input.b)).toEqual(['d', 'c']);
    const arrayInput = [keep, { d: 1, c: 2 }, 'x'];
    const arrayOut = sortKeys(arrayInput) as unknown[];
    expect(arrayOut).not.toBe(arrayInput);
    expect(arrayOut[0]).toBe(keep);
    expect(arrayOut[2]).toBe('x');
    expect(arrayOut).toHaveLength(3);
    expect(Object.keys(arrayInput[1] as object)).toEqual(['d', 'c']);
  });

  test('objects with toJSON, another prototype or an own __proto__ key are copied even when sorted', () => {
    const withToJson = { a: 1, toJSON: () => 'j' };
    expect(sortKeys(withToJson)).not.toBe(withToJson);
    const arrayWithToJson = Object.assign([{ b: 1, a: 2 }], { toJSON: () => 'j' });
    const mapped = sortKeys(arrayWithToJson) as unknown[];
    expect(mapped).not.toBe(arrayWithToJson);
    expect(Object.keys(mapped[0] as object)).toEqual(['a', 'b']);
    class Point { constructor(public x = 1, public y = 2) {} }
    const point = new Point();
    const copied = sortKeys(point);
    expect(copied).not.toBe(point);
    expect(copied).toEqual({ x: 1, y: 2 });
    const proto = JSON.parse('{"__proto__": {"a": 1}, "b": 1}');
    expect(sortKeys(proto)).not.toBe(proto);
  });
});

describe('validateImage', () => {
  test('accepts tags, digests, registries with ports and localhost', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const ok of ['ghcr.io/acme/t:1.0.0', 'nginx:1.27', `nginx@${digest}`, `nginx:latest@${digest}`, 'registry:5000/x/y:2', 'localhost/x:1', 'a.b.c/d__e/f-g:v1_x', 'x:' + 'v'.repeat(128)]) {
      expect(validateImage(chart(), 'image', ok)).toBe(ok);
    }
  });

  test('registry hosts as in Docker\'s reference grammar: dotted (any case) with an optional port, a name with a port, localhost', () => {
    for (const ok of [
      'registry.example.com:5000/team/app:1.0', 'Registry.Example.COM/app:1', 'ab.cd.ef/app:1', 'ab.c/d:1', 'my-registry:5000/app:1',
      // no "." and no port: the first component is part of the path
      'x/app:1', 'ab-cd/ef:1',
      // a single name: "host:5000" is image "host" tagged "5000"
      'host:5000', 'abc:1', 'app12:1', 'app:1.0-rc_1',
      // separators inside path components: ".", "_", "__", one or more "-"
      'a--b/c--d:1', 'a.b_c__d-e/f:1', 'acme/my-app:1', 'acme/my.app/v2_x:1',
    ]) {
      expect(validateImage(chart(), 'image', ok)).toBe(ok);
    }
  });

  test('fails on a malformed registry host, port or tag', () => {
    for (const bad of ['-/app:1', 'a.b:50x/app:1', 'ghcr.io:/app:1', 'a..b/app:1', '.b/app:1', 'a./app:1', 'app:.1', 'app:-1']) {
      expect(() => validateImage(chart(), 'image', bad)).toThrow(`ml: image is not a valid image reference, got ${JSON.stringify(bad)}`);
    }
  });

  test('fails on an invalid reference', () => {
    for (const bad of ['Nginx:1', 'x:' + 'v'.repeat(129), 'x:-1', 'x@sha256:abc', 'a//b:1', '']) {
      expect(() => validateImage(chart(), 'image', bad)).toThrow(`ml: image is not a valid image reference, got ${JSON.stringify(bad)}`);
    }
    expect(() => validateImage(chart(), 'image', 7 as unknown as string)).toThrow('ml: image is not a valid image reference, got 7');
  });

  test('fails on an unpinned image and on latest', () => {
    expect(() => validateImage(chart(), 'serving image', 'ghcr.io/acme/t')).toThrow('ml: serving image must be pinned to a tag or digest (e.g. "ghcr.io/acme/t:1.0.0"), got "ghcr.io/acme/t"');
    expect(() => validateImage(chart(), 'image', 'app:latest')).toThrow('ml: image must not use the "latest" tag (pin a version or digest), got "app:latest"');
  });
});

describe('Kubernetes version', () => {
  test('parses major.minor with an optional v and patch', () => {
    expect(KubernetesVersion.of('1.29').toString()).toBe('1.29');
    expect(KubernetesVersion.of('v1.31.4').toString()).toBe('1.31');
    expect(KubernetesVersion.of('2.0')).toMatchObject({ major: 2, minor: 0 });
    expect(KubernetesVersion.of('10.2')).toMatchObject({ major: 10, minor: 2 });
    expect(KubernetesVersion.of('1.28.12')).toMatchObject({ major: 1, minor: 28 });
    for (const bad of ['1', '1.x', '1.28.', 'x1.28', '1.28.1.2']) {
      expect(() => KubernetesVersion.of(bad)).toThrow(`invalid Kubernetes version ${JSON.stringify(bad)}; expected "1.28" style`);
    }
  });

  test('isAtLeast compares major first, then minor', () => {
    const v = (s: string) => KubernetesVersion.of(s);
    expect(v('1.29').isAtLeast(v('1.29'))).toBe(true);
    expect(v('1.30').isAtLeast(v('1.29'))).toBe(true);
    expect(v('1.28').isAtLeast(v('1.29'))).toBe(false);
    expect(v('2.0').isAtLeast(v('1.33'))).toBe(true);
    expect(v('1.33').isAtLeast(v('2.0'))).toBe(false);
  });

  test('the named versions', () => {
    expect([KubernetesVersion.V1_28, KubernetesVersion.V1_29, KubernetesVersion.V1_30, KubernetesVersion.V1_31, KubernetesVersion.V1_32, KubernetesVersion.V1_33].map(String))
      .toEqual(['1.28', '1.29', '1.30', '1.31', '1.32', '1.33']);
  });

  test('the target defaults to 1.28 and follows the context', () => {
    expect(KUBERNETES_VERSION_CONTEXT).toBe('cdk8s-ml:kubernetesVersion');
    const c = chart();
    expect(targetKubernetesVersion(c).toString()).toBe('1.28');
    setTargetKubernetesVersion(c, KubernetesVersion.V1_31);
    expect(c.node.tryGetContext('cdk8s-ml:kubernetesVersion')).toBe('1.31');
    expect(targetKubernetesVersion(c).toString()).toBe('1.31');
  });

  test('fails on a malformed version in the context', () => {
    const c = chart();
    c.node.setContext(KUBERNETES_VERSION_CONTEXT, 'latest');
    expect(() => targetKubernetesVersion(c)).toThrow('ml: context cdk8s-ml:kubernetesVersion: invalid Kubernetes version "latest"; expected "1.28" style');
  });

  test('requireKubernetesVersion passes at and above the minimum', () => {
    const c = chart();
    setTargetKubernetesVersion(c, KubernetesVersion.V1_29);
    expect(() => requireKubernetesVersion(c, 'x', KubernetesVersion.V1_29)).not.toThrow();
    expect(() => requireKubernetesVersion(c, 'x', KubernetesVersion.V1_28)).not.toThrow();
  });

  test('fails requireKubernetesVersion below the minimum, with and without a reason', () => {
    const c = chart();
    expect(() => requireKubernetesVersion(c, 'successPolicy', KubernetesVersion.V1_31)).toThrow(
      'ml: successPolicy needs Kubernetes 1.31 or newer, but the target version is 1.28 (set it with setTargetKubernetesVersion)',
    );
    expect(() => requireKubernetesVersion(c, 'sidecars', KubernetesVersion.V1_29, 'the kubelet ignores restartPolicy Always')).toThrow(
      'ml: sidecars needs Kubernetes 1.29 or newer, but the target version is 1.28: the kubelet ignores restartPolicy Always; set setTargetKubernetesVersion(app, KubernetesVersion.V1_29)',
    );
  });
});

describe('labels', () => {
  test('standard labels: instance defaults to the name, optional labels only when set, managed-by last', () => {
    expect(MANAGED_BY).toBe('cdk8s-ml');
    expect(Object.entries(standardLabels({ name: 'llm' }))).toEqual([
      ['app.kubernetes.io/name', 'llm'],
      ['app.kubernetes.io/instance', 'llm'],
      ['app.kubernetes.io/managed-by', 'cdk8s-ml'],
    ]);
    expect(standardLabels({ name: 'llm', instance: 'llm-a', component: 'serving', partOf: 'chat', version: '1.2' })).toEqual({
      'app.kubernetes.io/name': 'llm',
      'app.kubernetes.io/instance': 'llm-a',
      'app.kubernetes.io/component': 'serving',
      'app.kubernetes.io/part-of': 'chat',
      'app.kubernetes.io/version': '1.2',
      'app.kubernetes.io/managed-by': 'cdk8s-ml',
    });
  });

  test('selector labels: name and instance only', () => {
    expect(selectorLabels({ name: 'llm', version: '1.2', component: 'serving' })).toEqual({ 'app.kubernetes.io/name': 'llm', 'app.kubernetes.io/instance': 'llm' });
    expect(selectorLabels({ name: 'llm', instance: 'b' })).toEqual({ 'app.kubernetes.io/name': 'llm', 'app.kubernetes.io/instance': 'b' });
  });
});
