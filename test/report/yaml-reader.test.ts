import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readRendered, RenderedInputError } from '../../src/report/input';
import { toManifests } from '../../src/validation/validate';

// report and diff read YAML with js-yaml (speed); validate reads it with the `yaml` library.
// Both must see the same objects, or report/diff would describe a different app than validate
// checks. The expected objects come from the `yaml` library, not from the code under test.
// One known difference, outside what cdk8s writes: js-yaml reads a float without a leading digit
// (`-.5`) as a string; cdk8s (the `yaml` library) writes `-0.5`.
const DIST = path.join(__dirname, '..', '..', 'dist');

function byYamlLibrary(text: string): unknown[] {
  return toManifests(parseAllDocuments(text).map((d) => d.toJSON()).filter((d) => d !== null) as any[]);
}

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-yaml-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('the report/diff YAML reader', () => {
  test('reads every dist/ file to exactly the objects the yaml library reads', () => {
    const app = readRendered(DIST);
    const files = fs.readdirSync(DIST).filter((f) => f.endsWith('.yaml')).sort();
    expect(app.files).toEqual(files);
    for (const f of files) {
      const mine = app.objects.filter((o) => o.file === f).map((o) => o.object);
      expect(mine).toEqual(byYamlLibrary(fs.readFileSync(path.join(DIST, f), 'utf8')));
    }
  });

  test.each([
    ['scalars of the YAML 1.2 core schema', 'a: 0x1F\nb: 0o17\nc: 1e3\nd: .inf\ne: -0.5\nf: "1_000"\ng: "012"\nh: +12\ni: null\nj: ~\nl: "yes"\nm: "8"\nn: \'on\'\no:\np: -.INF'],
    ['block and folded scalars', 'a: >-\n  folded\n  text\n\n  para\nb: |+\n  keep\n\nc: |\n  x\n   y\n'],
    ['quotes, escapes and folded plain scalars', 'a: "esc \\u00e9 \\n \\t \\" "\nb: \'it\'\'s\'\nc: plain\n  continued\nd: "two\n  lines"'],
    ['flow collections, nested sequences, anchors', 'a:\n- b: 1\n  c: [x, "y"]\n- - 1\n  - 2\nd: {}\ne: []\nf: {g: h}\nx: &v 5\ny: *v'],
  ])('reads %s as the yaml library does', (_what, data) => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nspec:\n${data.split('\n').map((l) => `  ${l}`).join('\n')}\n---\n# a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n`;
    const app = readRendered(folder({ 'a.yaml': text }));
    expect(app.objects.map((o) => o.object)).toEqual(byYamlLibrary(text));
    expect(app.objects.map((o) => o.object.kind)).toEqual(['ConfigMap', 'Secret']);
  });

  test('fails on malformed YAML naming the file', () => {
    const dir = folder({ 'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'bad.yaml': 'apiVersion: v1\nkind: [\n' });
    expect(() => readRendered(dir)).toThrow(RenderedInputError);
    expect(() => readRendered(dir)).toThrow(path.join(dir, 'bad.yaml'));
  });
});
