/**
 * dist/ is committed so Argo CD can sync it: it must equal a fresh synth of the example
 * app, byte for byte, whatever the time zone or locale of the machine that renders it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  return out;
}

/** Renders the example app in a child process with the given env; returns file → text. */
function render(env: Record<string, string>): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-dist-'));
  try {
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env, CDK8S_OUTDIR: outdir },
      stdio: 'pipe',
    });
    return readTree(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('dist/', () => {
  const committed = readTree(path.join(ROOT, 'dist'));

  test('equals a fresh synth of the example app (else: npm run synth and commit dist/)', () => {
    const fresh = render({ TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' });
    expect(Object.keys(fresh)).toEqual(Object.keys(committed));
    for (const f of Object.keys(fresh)) expect(`${f}\n${fresh[f]}`).toBe(`${f}\n${committed[f]}`);
  });

  test('is byte-identical when rendered under another time zone and locale', () => {
    const other = render({ TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
    expect(other).toEqual(committed);
  });
});
