/**
 * The README's quick start is exactly the program the fresh-app tier (test/newcomer) installs
 * and synthesizes in a new cdk8s app: test/newcomer/quick-start.ts, verbatim, as a ```ts block.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

test('the README quick start is test/newcomer/quick-start.ts verbatim', () => {
  const quickStart = fs.readFileSync(path.join(ROOT, 'test', 'newcomer', 'quick-start.ts'), 'utf8');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.some((b) => b === quickStart)).toBe(true);
});
