import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { fastYamlDocuments } from '../../src/report/fast-yaml';

/** What the full `yaml` library reads (documents as JSON), or the code of its first error. */
function full(text: string): { docs?: unknown[]; error?: string } {
  const docs = parseAllDocuments(text);
  for (const d of docs) if (d.errors.length > 0) return { error: d.errors[0].code };
  return { docs: docs.map((d) => d.toJSON()) };
}

const DIST = path.join(__dirname, '..', '..', 'dist');

describe('fastYamlDocuments', () => {
  test('reads every dist/ file itself, exactly as the yaml library does', () => {
    for (const f of fs.readdirSync(DIST)) {
      const text = fs.readFileSync(path.join(DIST, f), 'utf8');
      const fast = fastYamlDocuments(text);
      expect(`${f}: ${fast === undefined ? 'fallback' : 'fast'}`).toBe(`${f}: fast`);
      expect(fast).toEqual(full(text).docs);
    }
  });

  test.each([
    ['scalars of the core schema', 'a: 0x1F\nb: 0o17\nc: 1e3\nd: .inf\ne: -.5\nf: 1_000\ng: 012\nh: +12\ni: null\nj: ~\nk: True\nl: yes\nm: "8"\nn: \'on\'\no:\np: -.INF\nq: .NaN'],
    ['block and folded scalars', 'a: >-\n  folded\n  text\n\n  para\nb: |+\n  keep\n\nc: |\n  x\n   y\n'],
    ['quotes, escapes and folded plain scalars', 'a: "esc \\u00e9 \\n \\t \\" "\nb: \'it\'\'s\'\nc: plain\n  continued\nd: "two\n  lines"'],
    ['sequences of maps and nested sequences', 'a:\n- b: 1\n  c: [x, "y"]\n- - 1\n  - 2\nd: {}\ne: []\nf: {g: h}'],
    ['several documents and comments', '# head\na: 1 # trailing\n---\n---\nb: 2\n...\n'],
  ])('reads %s as the yaml library does', (_what, text) => {
    const fast = fastYamlDocuments(text);
    const expected = full(text).docs;
    if (fast !== undefined) expect(fast).toEqual(expected);
    else expect(expected).toBeDefined();
  });

  test.each([
    'kind: [', 'a: {b: 1', 'a: 1\n  b: 2', 'a:\n  - 1\n - 2', 'a: 1\na: 2', 'a: "x', "a: 'x", '\ta: 1', 'a: b: c', '- a\nb: 1', 'a:\n  b: 1\n c: 2',
    'key with\n newline: 1', '"a\nb": 1', 'a: @x', 'a: `x', 'a: ]', 'a: }', 'x: 1\n---\ny: [', 'a: [1, 2', `${'k'.repeat(1100)}: 1`,
  ])('fails over to the full library on malformed YAML: %j', (text) => {
    expect(full(text).error).toBeDefined();
    expect(fastYamlDocuments(text)).toBeUndefined();
  });

  test.each(['a: *x', 'a: &x 1', 'a: !!str 1', '? a\n: b', '%YAML 1.1\n---\na: yes', '1: one', 'a: [1, b: 2]'])('leaves anchors, tags, directives, complex and non-string keys to the full library: %j', (text) => {
    expect(fastYamlDocuments(text)).toBeUndefined();
  });

  test('property: any JSON value stringified by the yaml library reads back the same', () => {
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__');
    const leaf = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
      fc.constantFrom('yes', 'no', 'on', '0x1F', '1e3', '012', '~', 'null', 'True', '- x', ': y', '#z', '"q"', "'s'", 'a: b', 'line\nbreak', '  pad  ', '@at', '`tick'));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('tree'), { maxLength: 4 }),
      obj: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    }));
    let fastRuns = 0;
    fc.assert(fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), fc.constantFrom(20, 80), (obj, lineWidth) => {
      const text = stringify(obj, { lineWidth });
      const fast = fastYamlDocuments(text);
      const expected = full(text).docs;
      expect(expected).toBeDefined();
      if (fast !== undefined) {
        fastRuns++;
        expect(fast).toEqual(expected);
      }
    }), { numRuns: 300 });
    // Most generated texts take the fast path (the rest: numeric-looking keys and the like).
    expect(fastRuns).toBeGreaterThan(200);
  });
});
