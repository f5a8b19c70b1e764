/**
 * The published package holds what the library loads at run time and its docs, nothing else:
 * `npm pack --dry-run --json` (its prepack script builds lib/ first) lists the files.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const MAX_UNPACKED_BYTES = 10 * 1024 * 1024;

/** Every file type the package may hold, with why. A new kind of file needs a line here. */
const ALLOWED: Array<[RegExp, string]> = [
  [/^package\.json$/, 'the manifest'],
  [/^(README|CONTRIBUTING)\.md$/, 'docs'],
  [/^docs\/[a-zA-Z-]+\.md$/, 'docs the README links (design notes, fetch contract)'],
  [/^lib\/(src|imports)\/([a-z0-9-]+\/)*[a-zA-Z0-9_.-]+\.(js|d\.ts)$/, 'compiled library and its typings'],
  [/^src\/data\/fetch\.sh$/, 'the dataset fetch script DatasetInit renders into a ConfigMap'],
  [/^schemas\/kubernetes\/v\d+\.\d+\.\d+\/_definitions\.json$/, 'Kubernetes definitions the validator loads'],
  [/^schemas\/crd-schemas\/[a-zA-Z0-9_.-]+\.json$/, 'compiled CRD schemas the validator loads'],
  [/^schemas\/SOURCES\.md$/, 'sources and licenses of the vendored schemas'],
];

interface PackFile { readonly path: string; readonly size: number }
let pack: { files: PackFile[]; unpackedSize: number; entryCount: number };

beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  pack = JSON.parse(out.slice(out.indexOf('[')))[0];
}, 180_000);

const listed = () => new Set(pack.files.map((f) => f.path));

test(`the package is at most ${MAX_UNPACKED_BYTES / 1024 / 1024} MB unpacked`, () => {
  expect(pack.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);
  expect(pack.entryCount).toBe(pack.files.length);
});

test('fails when a file type the library does not load creeps in (every packed file matches an allowed kind)', () => {
  const unexpected = pack.files.map((f) => f.path).filter((p) => !ALLOWED.some(([re]) => re.test(p)));
  expect(unexpected).toEqual([]);
  // Neither TypeScript sources, raw CRD YAML, tests, benchmarks nor the example app.
  expect(pack.files.filter((f) => /\.ts$/.test(f.path) && !f.path.endsWith('.d.ts')).map((f) => f.path)).toEqual([]);
  expect(pack.files.filter((f) => /^(imports|schemas\/crds|test|bench|dist|scripts|lib\/src\/example)\//.test(f.path) || f.path.startsWith('lib/src/main.')).map((f) => f.path)).toEqual([]);
});

test('every file the library reads at run time is packed', () => {
  const files = listed();
  expect(files).toContain('src/data/fetch.sh');
  for (const v of ['1.28', '1.31', '1.33']) expect(files).toContain(`schemas/kubernetes/v${v}.0/_definitions.json`);
  const index = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'crd-schemas', 'index.json'), 'utf8')) as { kinds: Record<string, string> };
  const schemaFiles = [...new Set(Object.values(index.kinds))];
  expect(schemaFiles.length).toBeGreaterThan(20);
  for (const f of ['index.json', ...schemaFiles]) expect(files).toContain(`schemas/crd-schemas/${f}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const entry of [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]) expect(files).toContain(entry);
});

test('every module lib/ requires (from the main entry and the CLI, transitively) is packed', () => {
  const files = listed();
  const seen = new Set<string>();
  const missing: string[] = [];
  const visit = (rel: string) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    if (!files.has(rel)) missing.push(rel);
    if (!fs.existsSync(path.join(ROOT, rel))) return;
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    for (const m of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]));
      // Node's resolution: the file itself, `<name>.js`, or a folder's `index.js`.
      const candidates = [target, `${target}.js`, `${target}/index.js`];
      visit(candidates.find((c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile()) ?? `${target}.js`);
    }
  };
  visit('lib/src/index.js');
  visit('lib/src/cli/main.js');
  expect(missing).toEqual([]);
  expect(seen.size).toBeGreaterThan(50);
});

/** Relative links of a packed markdown file that do not resolve to a packed file. */
function brokenLinks(doc: string): string[] {
  const files = listed();
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith('#'));
  return links.filter((l) => !files.has(path.posix.normalize(path.posix.join(path.posix.dirname(doc), l.split('#')[0]))));
}

test('every relative link in README.md resolves to a file in the package', () => {
  // Passes once the README is restructured for users (its links point into docs/).
  expect(brokenLinks('README.md')).toEqual([]);
});

test('every relative link in the other packed docs (CONTRIBUTING.md, docs/) resolves to a file in the package', () => {
  const docs = pack.files.map((f) => f.path).filter((p) => p.endsWith('.md') && p !== 'README.md');
  expect(docs).toEqual(expect.arrayContaining(['CONTRIBUTING.md', 'docs/DESIGN.md', 'docs/FETCH.md', 'docs/FAST-SYNTH.md']));
  expect(docs.flatMap((d) => brokenLinks(d).map((l) => `${d}: ${l}`))).toEqual([]);
});
