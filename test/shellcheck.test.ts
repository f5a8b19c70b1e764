/** Shell scripts we ship pass `shellcheck -s sh` (Debian's shellcheck; .ci/run installs it). */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

function shellScripts(): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', '.git', 'lib', '.work'].includes(entry.name)) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(p);
      else if (entry.name.endsWith('.sh')) out.push(path.relative(ROOT, p));
    }
  };
  visit(ROOT);
  return out.sort();
}

const scripts = shellScripts();

test('there are shell scripts to check', () => {
  expect(scripts).toContain('scripts/import-crds.sh');
});

test.each(scripts)('%s passes shellcheck -s sh', (script) => {
  // Scripts under test/cluster may be bash; they declare it with a shebang and are checked as such.
  const text = fs.readFileSync(path.join(ROOT, script), 'utf8');
  const shell = /^#!.*\bbash\b/.test(text) ? 'bash' : 'sh';
  const result = (() => {
    try {
      execFileSync('shellcheck', ['-s', shell, script], { cwd: ROOT, stdio: 'pipe' });
      return '';
    } catch (e: any) {
      return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e);
    }
  })();
  expect(result).toBe('');
});
