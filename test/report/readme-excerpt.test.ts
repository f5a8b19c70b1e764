/** The README's report and diff excerpts are what the tools print for the example app. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffApps, diffMarkdown } from '../../src/report/diff';
import { readRendered } from '../../src/report/input';
import { reportMarkdown } from '../../src/report/report';
import { editedExampleCopy } from './example-change';

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function excerpt(name: string): string {
  const m = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)\\n<!-- /${name} -->`).exec(readme);
  if (!m) throw new Error(`README has no ${name}`);
  return m[1];
}

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-readme-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the report excerpt is a verbatim part of `cdk8s-ml report dist`', () => {
  const text = excerpt('report-excerpt');
  expect(text.split('\n').length).toBeGreaterThan(20);
  expect(text).toContain('### Quota `ml-quota`');
  expect(reportMarkdown(readRendered(DIST))).toContain(`\n${text}\n`);
});

test('the diff excerpt is `cdk8s-ml diff` of dist/ and the hand-edited copy the README describes', () => {
  const edited = path.join(dir, 'edited');
  editedExampleCopy(DIST, edited);
  const out = diffMarkdown(diffApps(readRendered(DIST), readRendered(edited))).split('\n').slice(2).join('\n').trim();
  expect(excerpt('diff-excerpt')).toBe(out);
  expect(out.split('\n').filter((l) => l.startsWith('- **')).map((l) => /^- \*\*([a-z-]+)\*\*/.exec(l)![1])).toEqual(['refused', 'rollout', 'quota', 'scale', 'prune']);
});
