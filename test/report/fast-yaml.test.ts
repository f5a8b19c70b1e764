import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { fastYamlDocuments } from '../../src/report/fast-yaml';
import { lineYamlDocument } from '../../src/report/line-yaml';

/** What the full `yaml` library reads (documents as JSON), or the code of its first error. */
function full(text: string): { docs?: unknown[]; error?: string } {
  const docs = parseAllDocuments(text);
  for (const d of docs) if (d.errors.length > 0) return { error: d.errors[0].code };
  try {
    return { docs: docs.map((d) => d.toJSON()) };
  } catch (e: any) {
    return { error: String(e?.message ?? e) }; // an unresolved alias
  }
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

describe('lineYamlDocument', () => {
  const docsOf = (text: string) => text.split(/^---[ \t]*$/m).filter((d) => d.trim() !== '');

  test('reads the documents of dist/ as the yaml library does (most of them itself)', () => {
    let read = 0;
    let total = 0;
    for (const f of fs.readdirSync(DIST)) {
      for (const doc of docsOf(fs.readFileSync(path.join(DIST, f), 'utf8'))) {
        total++;
        const value = lineYamlDocument(doc);
        if (value === undefined) continue;
        read++;
        expect(value).toEqual(full(doc).docs![0]);
      }
    }
    expect(read).toBeGreaterThan(total * 0.8);
  });

  test.each([
    ['nested maps, sequences at and below their key, compact maps in sequences', 'a:\n  b: 1\n  c:\n  - x\n  - y: 2\n    z: []\nd:\n  - --port\n  - "8000"\n  - \'it\'\'s\'\n  - -1\n  - :8000\ne: {}\nf: []\ng: "esc \\" \\\\ \\u00e9"\nh:\ni: ~\n'],
    ['block scalars with each chomping', 'a: |\n  line 1\n    indented\n\n  line 3\nb: |-\n  strip\n\n\nc: |+\n  keep\n\n\nd: x\n'],
    ['a block scalar in a sequence', 'a:\n  - |\n    script\n    more\n  - b\n'],
  ])('reads %s as the yaml library does', (_what, text) => {
    const value = lineYamlDocument(text);
    expect(value).not.toBeUndefined();
    expect(value).toEqual(full(text).docs![0]);
  });

  test.each([
    'kind: [', 'a: {b: 1', 'a: 1\n  b: 2', 'a:\n  - 1\n - 2', 'a: 1\na: 2', 'a: "x', "a: 'x", '\ta: 1', 'a: b: c', '- a\nb: 1', 'a:\n  b: 1\n c: 2',
    'key with\n newline: 1', '"a\nb": 1', 'a: @x', 'a: `x', 'a: ]', 'a: }', 'a: [1, 2', `${'k'.repeat(1100)}: 1`, 'a: 1\n- b', '- a: 1\n  - b',
    'a: |\n  x\n y', 'a: "\\q"', "a: 'x'y'", 'a:  b', 'a: b  ', 'a: b #c', '# c\na: 1', 'a: &x 1', 'a: *x', 'a: !t 1', '? a\n: b', 'a: >\n  x', 'a: |2\n  x',
    'a:\r\n  b: 1', '1: one', '"q": 1', 'a: - b', 'a: - ', '- - a',
  ])('never reads what it does not know, malformed or not: %j', (text) => {
    const value = lineYamlDocument(text);
    if (value !== undefined) expect(value).toEqual(full(text).docs![0]);
    if (full(text).error !== undefined) expect(value).toBeUndefined();
  });

  test('property: any JSON object stringified without folding (as cdk8s writes) reads back the same', () => {
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__');
    const leaf = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
      fc.constantFrom('yes', '0x1F', '1e3', '012', '~', 'null', 'True', '- x', '--port', ':8000', '-1', '#z', '"q"', "'s'", 'a: b', 'line\nbreak', 'two\n\nlines\n', '  pad  ', '@at'));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('tree'), { maxLength: 4 }),
      obj: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
    }));
    let read = 0;
    fc.assert(fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }), (obj) => {
      const text = stringify(obj, { lineWidth: 0 });
      const value = lineYamlDocument(text);
      if (value !== undefined) {
        read++;
        expect(value).toEqual(full(text).docs![0]);
      }
    }), { numRuns: 400 });
    expect(read).toBeGreaterThan(50);
  });
});
