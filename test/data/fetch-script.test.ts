/**
 * Real tests of src/data/fetch.sh: the script runs under real shells (/bin/sh = dash with
 * host tools; busybox sh with busybox applets) against a local HTTP server that injects
 * faults. Nothing is mocked except rclone and huggingface-cli (fake commands on PATH that
 * write files). After every run: data/ holds nothing or the complete verified data (also
 * polled while the script runs), the marker exists only after verification, and a
 * successful run leaves no staging, lock or temp files.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FetchExitCodes, PERMANENT_FETCH_EXIT_CODES, RETRYABLE_FETCH_EXIT_CODES } from '../../src/data/exit-codes';
import { Fault, FaultServer, seededRandom } from './fault-server';
import {
  InvariantObserver,
  RunResult,
  SCRIPT,
  Shell,
  Tree,
  detectShells,
  fileSize,
  leftovers,
  makeTar,
  makeZip,
  markerFingerprint,
  sha256,
  startFetch,
  treeMismatch,
  until,
} from './fetch-harness';

jest.setTimeout(60_000);

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-script-'));
const { shells, skipped } = detectShells(WORK);
for (const why of skipped) process.stderr.write(`\n*** fetch-script tests SKIPPED for ${why} ***\n\n`);

const server = new FaultServer();
const ready = server.start(); // concurrent tests may start before beforeAll hooks
afterAll(async () => {
  await server.close();
  fs.rmSync(WORK, { recursive: true, force: true });
});

const SIZE = 256 * 1024;
function bytes(seed: number, n: number): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}
const PAYLOAD = bytes(1, SIZE);
const PAYLOAD_SHA = sha256(PAYLOAD);
const FILE = 'payload.bin';
const TREE: Tree = { [FILE]: PAYLOAD };
const FP = `fp-${PAYLOAD_SHA.slice(0, 16)}`;

let counter = 0;
interface Case {
  readonly root: string;
  readonly dir: string;
  readonly route: string;
}
function newCase(name: string): Case {
  const n = ++counter;
  const dir = path.join(WORK, `${n}-${name.replace(/[^a-z0-9]+/gi, '-')}`);
  fs.mkdirSync(dir, { recursive: true });
  return { dir, root: path.join(dir, 'root'), route: `/${n}/${FILE}` };
}

function env(c: Case, url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FETCH_SOURCE: 'http',
    FETCH_URL: url,
    FETCH_SHA256: PAYLOAD_SHA,
    FETCH_ROOT: c.root,
    FETCH_FINGERPRINT: FP,
    FETCH_RETRIES: '5',
    FETCH_BACKOFF_SECONDS: '0',
    FETCH_STALL_SECONDS: '2',
    FETCH_CONNECT_TIMEOUT_SECONDS: '3',
    FETCH_PROGRESS_SECONDS: '1',
    FETCH_LOCK_STALE_SECONDS: '3',
    ...extra,
  };
}

interface Observed extends RunResult {
  readonly violations: string[];
}

/** Runs the script to completion while an observer polls the invariants. */
async function run(shell: Shell, e: Record<string, string>, trees: Record<string, Tree> = { [FP]: TREE }, extraPath: string[] = []): Promise<Observed> {
  await ready;
  const obs = new InvariantObserver(e.FETCH_ROOT, trees).start();
  const r = await startFetch(shell, e, extraPath).done;
  return { ...r, violations: obs.stop() };
}

/** Exit code, with the script output in the failure message. */
function expectCode(r: RunResult & { violations?: string[] }, code: number): void {
  if (r.code !== code || r.signal !== null) {
    throw new Error(`expected exit ${code}, got ${r.code ?? r.signal}; script output:\n${r.output}`);
  }
  expect(r.violations ?? []).toEqual([]);
}

/** A concurrent test that starts once the server listens (concurrent tests start before hooks). */
function tc(name: string, fn: () => Promise<void>): void {
  test.concurrent(name, async () => {
    await ready;
    await fn();
  });
}

function expectPublished(c: Case, r: Observed, tree: Tree = TREE, fp = FP): void {
  expectCode(r, 0);
  expect(treeMismatch(path.join(c.root, 'data'), tree)).toBeUndefined();
  const marker = fs.readFileSync(path.join(c.root, '.complete'), 'utf8');
  expect(marker.split('\n')[0]).toBe(`fingerprint=${fp}`);
  expect(leftovers(c.root)).toEqual([]);
}

function expectNothingPublished(c: Case, r: Observed, code: number): void {
  expectCode(r, code);
  expect(fs.existsSync(path.join(c.root, 'data'))).toBe(false);
  expect(fs.existsSync(path.join(c.root, '.complete'))).toBe(false);
  expect(fs.existsSync(path.join(c.root, '.lock'))).toBe(false);
}

const stagedFile = (c: Case, pod: string) => path.join(c.root, '.staging', pod, 'dl', FILE);

/** Seeds a staging dir as a killed earlier run of `pod` would leave it. */
function seedStaging(c: Case, pod: string, content: Buffer): void {
  fs.mkdirSync(path.dirname(stagedFile(c, pod)), { recursive: true });
  fs.writeFileSync(stagedFile(c, pod), content);
  fs.writeFileSync(path.join(c.root, '.staging', pod, '.fingerprint'), `${FP}\n`);
}

/** A lock left by a dead pod ('pod-dead', heartbeat never moving) plus a .lock.break; returns the lock dir. */
function seedDeadLockAndBreaker(c: Case): string {
  const lock = path.join(c.root, '.lock');
  fs.mkdirSync(lock, { recursive: true });
  fs.writeFileSync(path.join(lock, 'owner'), 'pod-dead\n');
  fs.writeFileSync(path.join(lock, 'token'), 'pod-dead:1:1\n');
  fs.writeFileSync(path.join(lock, 'heartbeat'), '1 7\n');
  fs.mkdirSync(path.join(c.root, '.lock.break'));
  return lock;
}

// --- fake rclone / huggingface-cli: write files like the real tools ---------------------
const FAKE_BIN = path.join(WORK, 'fake-bin');
fs.mkdirSync(FAKE_BIN, { recursive: true });
const FAKE_TOOL = `#!/bin/sh
# fake $0: copies $FAKE_SRC into the destination; FAKE_MODE picks a failure.
state=$FAKE_STATE
n=$(cat "$state/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$state/count"
printf '%s\\n' "$@" > "$state/args.$n"
case "$(basename "$0")" in
  rclone) dst=$3 ;;
  *) dst=; prev=; for a in "$@"; do [ "$prev" = --local-dir ] && dst=$a; prev=$a; done ;;
esac
case "\${FAKE_MODE:-ok}" in
  notfound) echo "ERROR : directory not found" >&2; exit 3 ;;
  hf404) echo "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error." >&2; exit 1 ;;
  flaky) if [ "$n" -eq 1 ]; then mkdir -p "$dst"; echo partial > "$dst/partial.tmp"; echo "connection reset" >&2; exit 5; fi ;;
esac
mkdir -p "$dst"
rm -f "$dst/partial.tmp"
cp -R "$FAKE_SRC"/. "$dst"/
echo "Transferred: done"
`;
for (const tool of ['rclone', 'huggingface-cli']) {
  fs.writeFileSync(path.join(FAKE_BIN, tool), FAKE_TOOL, { mode: 0o755 });
}
// `hf` alone in its own dir: fetch.sh prefers hf over huggingface-cli when both exist.
const FAKE_BIN_HF = path.join(WORK, 'fake-bin-hf');
fs.mkdirSync(FAKE_BIN_HF, { recursive: true });
fs.writeFileSync(path.join(FAKE_BIN_HF, 'hf'), FAKE_TOOL, { mode: 0o755 });

function writeTree(dir: string, tree: Tree): void {
  for (const [rel, body] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
}

function manifestOf(tree: Tree): string {
  return Object.entries(tree)
    .map(([rel, body]) => `${sha256(body)}  ${rel}\n`)
    .join('');
}

// --- contract checks that do not depend on a shell --------------------------------------

test('fetch.sh passes shellcheck -s sh', () => {
  const r = spawnSync('shellcheck', ['-s', 'sh', SCRIPT], { encoding: 'utf8' });
  if (r.error) {
    process.stderr.write('\n*** shellcheck not installed (apt-get install -y shellcheck): check SKIPPED ***\n\n');
    return;
  }
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
});

test('exit codes agree between fetch.sh, exit-codes.ts and FETCH.md', () => {
  const script = fs.readFileSync(SCRIPT, 'utf8');
  const inScript = [...script.matchAll(/^EX_[A-Z0-9_]+=(\d+)/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const inModule = Object.values(FetchExitCodes)
    .filter((c) => c !== 0)
    .sort((a, b) => a - b);
  expect(inScript).toEqual(inModule);
  expect([...PERMANENT_FETCH_EXIT_CODES, ...RETRYABLE_FETCH_EXIT_CODES].sort((a, b) => a - b)).toEqual(inModule);
  expect(PERMANENT_FETCH_EXIT_CODES.every((c) => c >= 20)).toBe(true);
  expect(RETRYABLE_FETCH_EXIT_CODES.every((c) => c >= 10 && c < 20)).toBe(true);
  const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/FETCH.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| (\d+) \| `([A-Z_]+)` \| (retryable|permanent|success) \|/gm)];
  const docCodes = Object.fromEntries(rows.map((m) => [m[2], Number(m[1])]));
  expect(docCodes).toEqual(FetchExitCodes);
  for (const m of rows) {
    const code = Number(m[1]);
    const kind = code === 0 ? 'success' : PERMANENT_FETCH_EXIT_CODES.includes(code) ? 'permanent' : 'retryable';
    expect(`${m[2]} ${m[3]}`).toBe(`${m[2]} ${kind}`);
  }
});

test('every FETCH_ variable the script reads is documented in FETCH.md', () => {
  const script = fs.readFileSync(SCRIPT, 'utf8');
  const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/FETCH.md'), 'utf8');
  const vars = new Set([...script.matchAll(/\$\{?(FETCH_[A-Z0-9_]+)/g)].map((m) => m[1]));
  expect(vars.size).toBeGreaterThan(15);
  for (const v of vars) expect(`${v}: ${doc.includes(`\`${v}\``)}`).toBe(`${v}: true`);
});

if (skipped.length) test.skip(`fetch.sh under ${skipped.join(', ')}`, () => undefined);

describe.each(shells.map((s) => [s.name, s] as const))('fetch.sh under %s', (_name, shell) => {
  // zip needs an unzip on this shell's PATH (busybox has the applet; Debian needs `unzip`).
  const hasUnzip = spawnSync('sh', ['-c', 'command -v unzip'], { env: { PATH: shell.path } }).status === 0;
  if (!hasUnzip) process.stderr.write(`\n*** ${shell.name}: unzip not installed (apt-get install -y unzip): zip cases SKIPPED ***\n\n`);
  // --- HTTP happy path, warm start, fingerprints --------------------------------------

  tc('downloads, verifies and publishes; the marker carries fingerprint and sha256', async () => {
    const c = newCase('happy');
    const url = server.route(c.route, { body: PAYLOAD });
    const r = await run(shell, env(c, url));
    expectPublished(c, r);
    expect(fs.readFileSync(path.join(c.root, '.complete'), 'utf8')).toContain(`sha256=${PAYLOAD_SHA}\n`);
    expect(server.requests(c.route)).toHaveLength(1);
    expect(r.stdout).toMatch(/sha256 ok/);
    expect(r.stdout).toMatch(/done: 262144 bytes .* transferred=262144 bytes in 1 attempts/);
  });

  tc('warm restart with a valid marker makes no request and does not read the data', async () => {
    const c = newCase('warm');
    const url = server.route(c.route, { body: PAYLOAD });
    expectPublished(c, await run(shell, env(c, url)));
    const r = await run(shell, env(c, url));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/already complete/);
    // The marker is trusted: a changed data file is not even looked at (constant time).
    fs.writeFileSync(path.join(c.root, 'data', FILE), 'not the payload');
    const r2 = await startFetch(shell, env(c, url)).done;
    expectCode(r2, 0);
    expect(server.requests(c.route)).toHaveLength(1);
  });

  tc('the default fingerprint (no FETCH_FINGERPRINT) also gives a warm start', async () => {
    const c = newCase('default-fp');
    const url = server.route(c.route, { body: PAYLOAD });
    const e = env(c, url);
    delete (e as Record<string, string | undefined>).FETCH_FINGERPRINT;
    const fp = await startFetch(shell, e).done;
    expectCode(fp, 0);
    const marker = markerFingerprint(c.root)!;
    expect(marker).toMatch(/^[0-9a-f]{64}$/);
    const r = await run(shell, e, { [marker]: TREE });
    expectPublished(c, r, TREE, marker);
    expect(r.stdout).toMatch(/already complete/);
    expect(server.requests(c.route)).toHaveLength(1);
  });

  tc('a marker of another fingerprint causes a refetch; data/ is old-complete or new-complete throughout', async () => {
    const c = newCase('refetch');
    const oldBody = bytes(2, SIZE);
    const oldUrl = server.route(`/old${c.route}`, { body: oldBody });
    const oldTree = { [FILE]: oldBody };
    expectPublished(c, await run(shell, env(c, oldUrl, { FETCH_SHA256: sha256(oldBody), FETCH_FINGERPRINT: 'fp-old' }), { 'fp-old': oldTree }), oldTree, 'fp-old');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'cut', at: 100_000 }] });
    const r = await run(shell, env(c, url), { 'fp-old': oldTree, [FP]: TREE });
    expectPublished(c, r);
    expect(server.requests(c.route)).toHaveLength(2);
  });

  tc('stray staging dirs and lock leftovers are cleaned, also on a warm start', async () => {
    const c = newCase('stray');
    const url = server.route(c.route, { body: PAYLOAD });
    for (const d of ['ghost/dl', '.hidden', 'other-fp/dl']) fs.mkdirSync(path.join(c.root, '.staging', d), { recursive: true });
    fs.writeFileSync(path.join(c.root, '.staging/ghost/dl/junk'), 'junk');
    fs.writeFileSync(path.join(c.root, '.staging/other-fp/.fingerprint'), 'fp-other\n');
    fs.writeFileSync(path.join(c.root, '.staging/other-fp/dl', FILE), 'old partial');
    fs.mkdirSync(path.join(c.root, '.lock.stale.dead.1'));
    fs.writeFileSync(path.join(c.root, '.complete.tmp.dead'), 'x');
    const r = await run(shell, env(c, url));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/removing stale staging dir ghost/);
    expect(server.requests(c.route)[0].range).toBeUndefined();
    // A holder killed between publishing and cleaning up leaves staging next to a valid marker.
    fs.mkdirSync(path.join(c.root, '.staging/killed-after-publish/dl'), { recursive: true });
    const warm = await run(shell, env(c, url));
    expectPublished(c, warm);
    expect(server.requests(c.route)).toHaveLength(1);
  });

  // --- transfer faults --------------------------------------------------------------------

  tc('50 seeded trials of cuts, truncated bodies and 503s at random offsets: resumes exactly where it stopped', async () => {
    await ready;
    const rnd = seededRandom(0xc0ffee);
    const trials = Array.from({ length: 50 }, () => {
      const n = 1 + Math.floor(rnd() * 3);
      return Array.from({ length: n }, (): Fault => {
        const k = rnd();
        const at = Math.floor(rnd() * SIZE * 0.5);
        return k < 0.5 ? { kind: 'cut', at } : k < 0.8 ? { kind: 'short', at } : { kind: 'status', code: 503 };
      });
    });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < trials.length) {
        const i = next++;
        const c = newCase(`trial-${i}`);
        const url = server.route(c.route, { body: PAYLOAD, faults: trials[i] });
        const r = await run(shell, env(c, url, { FETCH_PROGRESS_SECONDS: '0', FETCH_FSYNC: i % 5 === 0 ? '1' : '0' }));
        const reqs = server.requests(c.route);
        const why: string[] = [];
        if (r.code !== 0) why.push(`exit ${r.code}: ${r.output}`);
        why.push(...r.violations);
        const m = treeMismatch(path.join(c.root, 'data'), TREE);
        if (m) why.push(m);
        if (markerFingerprint(c.root) !== FP) why.push('no marker');
        if (leftovers(c.root).length) why.push(`leftovers ${leftovers(c.root)}`);
        if (reqs.length > trials[i].length + 1) why.push(`${reqs.length} requests for ${trials[i].length} faults`);
        // Resume proof: every request starts exactly where the bytes received so far end.
        let have = 0;
        for (const q of reqs) {
          if (q.start !== have) why.push(`request starts at ${q.start}, expected ${have}`);
          if (have > 0 && q.range !== `bytes=${have}-`) why.push(`range ${q.range} with ${have} bytes on disk`);
          have = q.start + q.bytesSent;
        }
        if (reqs.reduce((s, q) => s + q.bytesSent, 0) !== SIZE) why.push('bytes sent != payload size');
        if (why.length) failures.push(`trial ${i} ${JSON.stringify(trials[i])}: ${why.join(' | ')}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  });

  tc('10 seeded trials against a server without Range support: starts over correctly', async () => {
    await ready;
    const rnd = seededRandom(0xbadda7a);
    for (let i = 0; i < 10; i++) {
      const c = newCase(`norange-${i}`);
      const url = server.route(c.route, { body: PAYLOAD, ranges: false, faults: [{ kind: 'cut', at: 1 + Math.floor(rnd() * (SIZE - 2)) }] });
      const r = await run(shell, env(c, url, { FETCH_PROGRESS_SECONDS: '0' }));
      expectPublished(c, r);
      expect(r.stdout).toMatch(/does not support ranges; restarting from zero/);
      const reqs = server.requests(c.route);
      expect(reqs[reqs.length - 1]).toMatchObject({ range: undefined, status: 200, bytesSent: SIZE });
    }
  });

  tc('500 then 503 then success, with doubling backoff', async () => {
    const c = newCase('5xx');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'status', code: 500 }, { kind: 'status', code: 503 }] });
    const r = await run(shell, env(c, url, { FETCH_BACKOFF_SECONDS: '1', FETCH_BACKOFF_MAX_SECONDS: '2' }));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/HTTP 500; retrying in 1s/);
    expect(r.stdout).toMatch(/HTTP 503; retrying in 2s/);
    expect(server.requests(c.route).map((q) => q.status)).toEqual([500, 503, 200]);
  });

  tc('429 is retried; persistent 503 ends with the retryable code after FETCH_RETRIES', async () => {
    const c = newCase('429');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'status', code: 429 }] });
    expectPublished(c, await run(shell, env(c, url)));
    const c2 = newCase('503-forever');
    const url2 = server.route(c2.route, { body: PAYLOAD, otherwise: { kind: 'status', code: 503 } });
    const r = await run(shell, env(c2, url2, { FETCH_RETRIES: '2' }));
    expectNothingPublished(c2, r, FetchExitCodes.HTTP_SERVER_ERROR);
    expect(server.requests(c2.route)).toHaveLength(3);
  });

  tc('a stall (no bytes for FETCH_STALL_SECONDS) is retried and resumed; a permanent stall exits 12', async () => {
    const c = newCase('stall');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'stall', at: 30_000 }] });
    const r = await run(shell, env(c, url, { FETCH_STALL_SECONDS: '1' }));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/stalled: no data for 1s/);
    // The resume starts where the staged file ends. When the watchdog (not curl's own
    // timer) stops curl, the bytes curl still held in its write buffer (< 4 KiB) are
    // not in the file and are fetched again.
    const resumed = server.requests(c.route)[1];
    expect(resumed.start).toBeGreaterThan(30_000 - 4096);
    expect(resumed.start).toBeLessThanOrEqual(30_000);
    expect(resumed.range).toBe(`bytes=${resumed.start}-`);

    const c2 = newCase('stall-forever');
    const url2 = server.route(c2.route, { body: PAYLOAD, otherwise: { kind: 'stall', at: 0 } });
    const r2 = await run(shell, env(c2, url2, { FETCH_STALL_SECONDS: '1', FETCH_RETRIES: '1' }));
    expectNothingPublished(c2, r2, FetchExitCodes.STALLED);
    expect(server.requests(c2.route)).toHaveLength(2);
  });

  // Restarts from zero count against FETCH_RETRIES: a1 is cut (progress), a2 is refused
  // (200 to a Range request, or 416), and every later attempt starts from zero and is cut
  // at the same point, getting no further than a1 did. Exit after FETCH_RETRIES + 1
  // failures without progress, i.e. FETCH_RETRIES + 2 requests, not FETCH_MAX_ATTEMPTS.
  tc('fails with the retry budget when a server ignores Range and cuts every transfer', async () => {
    const c = newCase('norange-cut-forever');
    const url = server.route(c.route, { body: PAYLOAD, ranges: false, otherwise: { kind: 'cut', at: SIZE / 2 } });
    const r = await run(shell, env(c, url, { FETCH_RETRIES: '3', FETCH_PROGRESS_SECONDS: '0' }));
    expectNothingPublished(c, r, FetchExitCodes.NETWORK_ERROR);
    expect(r.stderr).toMatch(/giving up after 5 attempts/);
    const reqs = server.requests(c.route);
    expect(reqs).toHaveLength(5);
    // Once the server showed that it ignores Range, no later request asks for one.
    expect(reqs.map((q) => q.range)).toEqual([undefined, `bytes=${SIZE / 2}-`, undefined, undefined, undefined]);
  });

  tc('fails with the retry budget when a server answers 416 to every resume and cuts every transfer', async () => {
    const c = newCase('416-cut-forever');
    const url = server.route(c.route, { body: PAYLOAD, rejectRanges: true, otherwise: { kind: 'cut', at: SIZE / 2 } });
    const r = await run(shell, env(c, url, { FETCH_RETRIES: '3', FETCH_PROGRESS_SECONDS: '0' }));
    expectNothingPublished(c, r, FetchExitCodes.NETWORK_ERROR);
    expect(server.requests(c.route).map((q) => q.status)).toEqual([200, 416, 200, 416, 200]);
  });

  tc('200 with a truncated body (Content-Length larger than sent) is resumed', async () => {
    const c = newCase('short');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'short', at: 50_000 }] });
    const r = await run(shell, env(c, url));
    expectPublished(c, r);
    expect(server.requests(c.route).map((q) => q.range)).toEqual([undefined, 'bytes=50000-']);
  });

  tc('wrong bytes: checksum mismatch is permanent (20), nothing published, staging removed', async () => {
    const c = newCase('corrupt');
    const url = server.route(c.route, { body: PAYLOAD, otherwise: { kind: 'corrupt' } });
    const r = await run(shell, env(c, url));
    expectNothingPublished(c, r, FetchExitCodes.CHECKSUM_MISMATCH);
    expect(r.stderr).toMatch(/sha256 mismatch/);
    expect(server.requests(c.route)).toHaveLength(1);
    expect(fs.existsSync(path.join(c.root, '.staging'))).toBe(false);
  });

  tc('a mismatch after a resume (object changed mid-way) triggers one clean download', async () => {
    const c = newCase('corrupt-resume');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'cut', at: 100_000 }, { kind: 'corrupt' }] });
    const r = await run(shell, env(c, url));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/downloading once more from zero/);
    expect(server.requests(c.route).map((q) => q.range)).toEqual([undefined, 'bytes=100000-', undefined]);
  });

  tc('404 is permanent (21) after a single request', async () => {
    const c = newCase('404');
    const url = server.route(c.route, { body: PAYLOAD, otherwise: { kind: 'status', code: 404 } });
    const r = await run(shell, env(c, url));
    expectNothingPublished(c, r, FetchExitCodes.HTTP_CLIENT_ERROR);
    expect(server.requests(c.route)).toHaveLength(1);
    expect(fs.existsSync(path.join(c.root, '.staging'))).toBe(false);
  });

  tc('FETCH_HEADERS_FILE adds headers (401 without it, 21); the secret is never logged', async () => {
    const c = newCase('auth');
    const url = server.route(c.route, { body: PAYLOAD, requireHeader: ['authorization', 'Bearer s3cr3t-t0ken'] });
    const r1 = await run(shell, env(c, url));
    expectNothingPublished(c, r1, FetchExitCodes.HTTP_CLIENT_ERROR);
    const headers = path.join(c.dir, 'headers');
    fs.writeFileSync(headers, 'Authorization: Bearer s3cr3t-t0ken\n');
    const r2 = await run(shell, env(c, url, { FETCH_HEADERS_FILE: headers }));
    expectPublished(c, r2);
    expect(r1.output + r2.output).not.toContain('s3cr3t');
  });

  tc('a partial that is already complete is accepted on 416; an oversized one starts over', async () => {
    const c = newCase('416-complete');
    const url = server.route(c.route, { body: PAYLOAD });
    seedStaging(c, 'pod-a', PAYLOAD);
    expectPublished(c, await run(shell, env(c, url, { FETCH_POD_ID: 'pod-a' })));
    expect(server.requests(c.route).map((q) => q.status)).toEqual([416]);

    const c2 = newCase('416-oversized');
    const url2 = server.route(c2.route, { body: PAYLOAD });
    seedStaging(c2, 'pod-a', Buffer.alloc(SIZE + 1000, 7));
    const r = await run(shell, env(c2, url2, { FETCH_POD_ID: 'pod-a' }));
    expectPublished(c2, r);
    expect(server.requests(c2.route).map((q) => q.status)).toEqual([416, 200]);
  });

  tc('prints progress lines with bytes, percent and MB/s', async () => {
    const c = newCase('progress');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'slow', chunk: 8192, everyMs: 80 }] });
    const r = await run(shell, env(c, url, { FETCH_PROGRESS_SECONDS: '1', FETCH_STALL_SECONDS: '3' }));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/^fetch: progress bytes=\d+\/262144 \(\d{1,3}%\) \d+\.\d MB\/s$/m);
  });

  // --- concurrency, kills, locks ------------------------------------------------------------

  tc('three fetchers on one volume: all exit 0, exactly one download', async () => {
    const c = newCase('three');
    // The server holds the one download open until both other pods report that they
    // wait for the lock holder, so the overlap is certain rather than a timing accident.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'hold', at: 32 * 1024, release: held }] });
    await ready;
    const obs = new InvariantObserver(c.root, { [FP]: TREE }).start();
    const fetchers = ['pod-a', 'pod-b', 'pod-c'].map((pod) => startFetch(shell, env(c, url, { FETCH_POD_ID: pod, FETCH_STALL_SECONDS: '60' })));
    const waiting = () => fetchers.filter((f) => /waiting for 'pod-.' to finish/.test(f.stdoutSoFar())).length;
    try {
      await until(() => server.requests(c.route).length === 1 && waiting() === 2, 20_000, 'one download and two waiting pods');
    } finally {
      release();
    }
    const runs = await Promise.all(fetchers.map((f) => f.done));
    expect(obs.stop()).toEqual([]);
    for (const r of runs) expectCode(r, 0);
    expect(server.requests(c.route)).toHaveLength(1);
    expect(runs.filter((r) => /attempt 1: downloading/.test(r.stdout))).toHaveLength(1);
    expect(runs.filter((r) => /waiting for 'pod-.' to finish/.test(r.stdout))).toHaveLength(2);
    expect(runs.filter((r) => /completed by another pod/.test(r.stdout))).toHaveLength(2);
    expect(treeMismatch(path.join(c.root, 'data'), TREE)).toBeUndefined();
    expect(leftovers(c.root)).toEqual([]);
  });

  // The first download of each kill test is held open after HELD_AT bytes, so the kill
  // lands mid-transfer however slow the machine is.
  const HELD_AT = 64 * 1024;
  const NEVER = new Promise<void>(() => undefined);

  tc('kill -9 mid-download, rerun in the same pod: takes over its lock and resumes', async () => {
    const c = newCase('kill-same-pod');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'hold', at: HELD_AT, release: NEVER }] });
    await ready;
    const obs = new InvariantObserver(c.root, { [FP]: TREE }).start();
    const first = startFetch(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    await until(() => fileSize(stagedFile(c, 'pod-a')) >= HELD_AT, 10_000, 'partial download');
    first.kill9();
    expect((await first.done).signal).toBe('SIGKILL');
    const kept = fileSize(stagedFile(c, 'pod-a'));
    expect(kept).toBeLessThan(SIZE);
    expect(fs.existsSync(path.join(c.root, '.lock'))).toBe(true);
    expect(fs.existsSync(path.join(c.root, 'data'))).toBe(false);
    const r = await run(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    expect(obs.stop()).toEqual([]);
    expectPublished(c, r);
    expect(r.stdout).toMatch(/earlier run of this pod/);
    expect(server.requests(c.route)[1]).toMatchObject({ range: `bytes=${kept}-`, start: kept });
  });

  tc('kill -9 mid-download, another pod: waits out the lease, takes over the stale lock, adopts and resumes', async () => {
    const c = newCase('kill-other-pod');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'hold', at: HELD_AT, release: NEVER }] });
    await ready;
    const first = startFetch(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    await until(() => fileSize(stagedFile(c, 'pod-a')) >= HELD_AT, 10_000, 'partial download');
    first.kill9();
    await first.done;
    const kept = fileSize(stagedFile(c, 'pod-a'));
    const r = await run(shell, env(c, url, { FETCH_POD_ID: 'pod-b', FETCH_LOCK_STALE_SECONDS: '2' }));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/lock held by 'pod-a' is stale/);
    expect(r.stdout).toMatch(/adopted partial download of pod-a/);
    expect(server.requests(c.route)[1]).toMatchObject({ range: `bytes=${kept}-`, start: kept });
  });

  tc('the sha256 is computed while the download runs (a hash stream follows the staged file), also across a resume', async () => {
    const c = newCase('hash-stream');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'cut', at: 100_000 }, { kind: 'hold', at: 50_000, release: held }] });
    await ready;
    const f = startFetch(shell, env(c, url, { FETCH_POD_ID: 'pod-a', FETCH_STALL_SECONDS: '60' }));
    const stage = path.join(c.root, '.staging', 'pod-a');
    try {
      // Mid-transfer of the resumed attempt, the hasher is already reading its fifo.
      await until(() => server.requests(c.route).length === 2 && fileSize(stagedFile(c, 'pod-a')) > 140_000, 20_000, 'the resumed transfer');
      expect(fs.statSync(path.join(stage, 'hash.fifo')).isFIFO()).toBe(true);
    } finally {
      release();
    }
    const r = await f.done;
    expectCode(r, 0);
    expect(r.stdout).toMatch(/sha256 ok/);
    expect(r.stdout).not.toMatch(/verifying/);
    expect(server.requests(c.route).map((q) => q.range)).toEqual([undefined, 'bytes=100000-']);
  });

  tc('an empty staged file (a run killed before its first byte) is not truncated by curl: curl creates its own, the hash follows it', async () => {
    // curl opens an existing file with O_TRUNC when it starts from byte 0, and ext4/XFS then
    // write the whole file back synchronously at close(). A second hard link to the seeded
    // file shows whether curl wrote through it (it would then hold the payload).
    const c = newCase('empty-staged');
    const url = server.route(c.route, { body: PAYLOAD });
    seedStaging(c, 'pod-a', Buffer.alloc(0));
    const other = path.join(c.dir, 'seeded-link');
    fs.linkSync(stagedFile(c, 'pod-a'), other);
    const r = await run(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    expectPublished(c, r);
    expect(fs.statSync(other).size).toBe(0);
    expect(r.stdout).toMatch(/sha256 ok/);
    expect(r.stdout).not.toMatch(/verifying/);
    expect(server.requests(c.route).map((q) => q.range)).toEqual([undefined]);
  });

  tc('SIGTERM mid-download: exits 143, releases the lock, keeps the partial for a resume', async () => {
    const c = newCase('sigterm');
    const url = server.route(c.route, { body: PAYLOAD, faults: [{ kind: 'hold', at: HELD_AT, release: NEVER }] });
    await ready;
    const first = startFetch(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    await until(() => fileSize(stagedFile(c, 'pod-a')) >= HELD_AT, 10_000, 'partial download');
    process.kill(first.child.pid!, 'SIGTERM');
    const r = await first.done;
    expectCode(r, 143);
    expect(fs.existsSync(path.join(c.root, '.lock'))).toBe(false);
    expect(fs.existsSync(path.join(c.root, 'data'))).toBe(false);
    const kept = fileSize(stagedFile(c, 'pod-a'));
    expect(kept).toBeGreaterThan(0);
    const r2 = await run(shell, env(c, url, { FETCH_POD_ID: 'pod-a' }));
    expectPublished(c, r2);
    expect(server.requests(c.route)[1]).toMatchObject({ start: kept });
  });

  tc('a live lock (heartbeat moving) is never broken; FETCH_LOCK_WAIT_SECONDS gives up with 13', async () => {
    const c = newCase('lock-wait');
    const url = server.route(c.route, { body: PAYLOAD });
    const lock = path.join(c.root, '.lock');
    fs.mkdirSync(lock, { recursive: true });
    fs.writeFileSync(path.join(lock, 'owner'), 'pod-live\n');
    fs.writeFileSync(path.join(lock, 'token'), 'pod-live:1:1\n');
    let beat = 0;
    const hb = setInterval(() => fs.writeFileSync(path.join(lock, 'heartbeat'), `${beat++}\n`), 300);
    try {
      // A lease of 3 s against a 300 ms heartbeat: only a stall of this test's event loop
      // longer than 3 s (a loaded machine) could make the lock look stale.
      const r = await run(shell, env(c, url, { FETCH_LOCK_STALE_SECONDS: '3', FETCH_LOCK_WAIT_SECONDS: '5' }));
      expectCode(r, FetchExitCodes.LOCK_TIMEOUT);
      expect(r.stdout).toMatch(/waiting for 'pod-live'/);
      expect(fs.readFileSync(path.join(lock, 'owner'), 'utf8')).toBe('pod-live\n');
      expect(server.requests(c.route)).toHaveLength(0);
    } finally {
      clearInterval(hb);
    }
  });

  tc('a dead lock holder plus a leftover .lock.break from a killed breaker: both are cleared after the lease', async () => {
    const c = newCase('lock-break-leftover');
    const url = server.route(c.route, { body: PAYLOAD });
    seedDeadLockAndBreaker(c);
    const r = await run(shell, env(c, url, { FETCH_LOCK_STALE_SECONDS: '1' }));
    expectPublished(c, r);
    expect(r.stdout).toMatch(/removing a leftover .*\.lock\.break/);
    expect(r.stdout).toMatch(/lock held by 'pod-dead' is stale/);
    expect(r.stdout).toMatch(/took over the lock of 'pod-dead'/);
  });

  tc('a waiter that loses the race to break a stale lock never says it takes the lock over', async () => {
    const c = newCase('lock-break-lost');
    const url = server.route(c.route, { body: PAYLOAD });
    // A dead holder, and another waiter breaking its stale lock right now (it holds .lock.break) ...
    const lock = seedDeadLockAndBreaker(c);
    await ready;
    // A lease of 5 s: the stale lock is noticed after 5 s, and a .lock.break is only
    // treated as a killed breaker's leftover after 5 more, long after the swap below.
    const waiter = startFetch(shell, env(c, url, { FETCH_LOCK_STALE_SECONDS: '5', FETCH_POD_ID: 'pod-loser' }));
    let hb: NodeJS.Timeout | undefined;
    try {
      await until(() => /lock held by 'pod-dead' is stale/.test(waiter.stdoutSoFar()), 20_000, 'the stale lock to be noticed');
      // ... and wins: it replaces the lock with its own, heartbeats, then drops .lock.break.
      fs.rmSync(lock, { recursive: true });
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'owner'), 'pod-winner\n');
      fs.writeFileSync(path.join(lock, 'token'), 'pod-winner:2:2\n');
      let beat = 0;
      const beatOnce = () => fs.writeFileSync(path.join(lock, 'heartbeat'), `2 ${beat++}\n`);
      beatOnce();
      hb = setInterval(beatOnce, 200);
      fs.rmdirSync(path.join(c.root, '.lock.break'));
      await until(() => /waiting for 'pod-winner'/.test(waiter.stdoutSoFar()), 20_000, 'the waiter to wait for the winner');
      // The winner publishes; the loser sees the marker and exits 0 without downloading.
      writeTree(path.join(c.root, 'data'), TREE);
      fs.writeFileSync(path.join(c.root, '.complete'), `fingerprint=${FP}\n`);
      const r = await waiter.done;
      expectCode(r, 0);
      expect(r.stdout).toMatch(/completed by another pod/);
      expect(r.stdout).not.toMatch(/took over|taking it over/);
      expect(server.requests(c.route)).toHaveLength(0);
      expect(fs.readFileSync(path.join(lock, 'owner'), 'utf8')).toBe('pod-winner\n');
    } finally {
      if (hb) clearInterval(hb);
    }
  });

  // --- publish: kill -9 around the renames, durability order -----------------------------------

  // `mv` and `sync` wrappers first on PATH: they log every call (then run the real tool),
  // and the mv wrapper kill -9s the script's whole process group (what a container kill
  // does) right before or after the rename named by KILL_AT.
  const realTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: shell.path }, encoding: 'utf8' }).stdout.trim();
  const WRAP = path.join(WORK, `wrap-${shell.argv.length}`);
  fs.mkdirSync(WRAP, { recursive: true });
  fs.writeFileSync(
    path.join(WRAP, 'mv'),
    `#!/bin/sh
for a in "$@"; do dst=$a; done
[ -n "\${TOOL_LOG:-}" ] && echo "mv $*" >> "$TOOL_LOG"
case "\${KILL_AT:-}:$dst" in aside-before:*/old | marker-before:*/.complete) kill -9 0 ;; esac
"${realTool('mv')}" "$@"
rc=$?
case "\${KILL_AT:-}:$dst" in aside-after:*/old | data-after:*/data | marker-after:*/.complete) kill -9 0 ;; esac
exit $rc
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(WRAP, 'sync'), `#!/bin/sh\n[ -n "\${TOOL_LOG:-}" ] && echo "sync $*" >> "$TOOL_LOG"\nexec "${realTool('sync')}" "$@"\n`, { mode: 0o755 });

  const KILL_POINTS = ['aside-before', 'aside-after', 'data-after', 'marker-before', 'marker-after'] as const;
  test.concurrent.each(KILL_POINTS.map((p, i) => [p, i % 2 === 0 ? 'pod-a' : 'pod-b'] as const))(
    'kill -9 at %s while publishing a refetch: the rerun (%s) re-verifies at most once and never downloads again',
    async (point, rerunPod) => {
      await ready;
      const c = newCase(`kill-publish-${point}`);
      const oldBody = bytes(6, SIZE);
      const oldTree = { [FILE]: oldBody };
      const oldUrl = server.route(`/old${c.route}`, { body: oldBody });
      const trees = { 'fp-old': oldTree, [FP]: TREE };
      expectPublished(c, await run(shell, env(c, oldUrl, { FETCH_SHA256: sha256(oldBody), FETCH_FINGERPRINT: 'fp-old' }), trees), oldTree, 'fp-old');
      const url = server.route(c.route, { body: PAYLOAD });
      const obs = new InvariantObserver(c.root, trees).start();
      const first = await startFetch(shell, { ...env(c, url, { FETCH_POD_ID: 'pod-a' }), KILL_AT: point }, [WRAP]).done;
      expect({ signal: first.signal, output: first.output }).toMatchObject({ signal: 'SIGKILL' });
      // The other pod finds the killed pod's lock and waits out its lease (1 s).
      const r = await startFetch(shell, env(c, url, { FETCH_POD_ID: rerunPod, FETCH_LOCK_STALE_SECONDS: '1' })).done;
      expect(obs.stop()).toEqual([]);
      expectPublished(c, { ...r, violations: [] });
      expect(server.requests(c.route)).toHaveLength(1);
      expect(r.stdout).not.toMatch(/attempt \d+:/);
      expect((r.stdout.match(/sha256 ok/g) ?? []).length).toBeLessThanOrEqual(1);
      const expected: Record<(typeof KILL_POINTS)[number], RegExp> = {
        'aside-before': /verified result of an interrupted run is staged; re-verifying/,
        'aside-after': /verified result of an interrupted run is staged; re-verifying/,
        'data-after': /published by an interrupted run; re-verifying/,
        'marker-before': /published by an interrupted run; re-verifying/,
        'marker-after': /already complete/,
      };
      expect(r.stdout).toMatch(expected[point]);
    },
  );

  tc('durable publish: fsyncs only the published files and directories, each before the rename that depends on it', async () => {
    const c = newCase('fsync-order');
    const url = server.route(c.route, { body: PAYLOAD });
    const toolLog = path.join(c.dir, 'tools.log');
    const r = await run(shell, { ...env(c, url, { FETCH_POD_ID: 'pod-a' }), TOOL_LOG: toolLog }, { [FP]: TREE }, [WRAP]);
    expectPublished(c, r);
    const calls = fs.readFileSync(toolLog, 'utf8').trim().split('\n');
    const out = path.join(c.root, '.staging/pod-a/out');
    const at = (re: RegExp, from = 0) => calls.findIndex((l, i) => i >= from && re.test(l));
    const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Never the node's whole page cache or the whole filesystem: every sync names files.
    expect(calls.filter((l) => /^sync( -f)?( |$)/.test(l) && !/^sync (?!-)\S/.test(l))).toEqual([]);
    const dataIn = at(new RegExp(`^mv ${esc(out)} ${esc(path.join(c.root, 'data'))}$`));
    const markerIn = at(new RegExp(`^mv -f ${esc(c.root)}/\\.complete\\.tmp\\.pod-a ${esc(c.root)}/\\.complete$`));
    expect(dataIn).toBeGreaterThan(0);
    expect(markerIn).toBeGreaterThan(dataIn);
    // The file's data and the directory that holds its entry, before the rename into data/.
    const fileSynced = at(new RegExp(`^sync .*${esc(out)}/${esc(FILE)}( |$)`));
    const dirSynced = at(new RegExp(`^sync .*${esc(out)}( |$)`));
    expect(fileSynced).toBeGreaterThanOrEqual(0);
    expect(fileSynced).toBeLessThan(dataIn);
    expect(dirSynced).toBeGreaterThanOrEqual(0);
    expect(dirSynced).toBeLessThan(dataIn);
    // The root directory after the data/ rename and before the marker rename; the
    // marker's temp file before its rename; the root again after it.
    const names = (p: string) => new RegExp(`^sync (.* )?${esc(p)}( |$)`);
    const rootSynced = at(names(c.root), dataIn);
    expect(rootSynced).toBeGreaterThan(dataIn);
    expect(rootSynced).toBeLessThan(markerIn);
    const tmpSynced = at(names(`${c.root}/.complete.tmp.pod-a`), dataIn);
    expect(tmpSynced).toBeGreaterThan(dataIn);
    expect(tmpSynced).toBeLessThan(markerIn);
    expect(at(new RegExp(`^sync ${esc(c.root)}$`), markerIn)).toBeGreaterThan(markerIn);
  });

  tc('durable publish of an extracted tree: every file and directory is fsynced before the rename into data/', async () => {
    const c = newCase('fsync-tree');
    const tree: Tree = { 'a.txt': Buffer.from('a\n'), 'sub/b.bin': bytes(9, 5000), 'sub/deeper/c.bin': bytes(10, 3000) };
    const archive = makeTar(Object.entries(tree).map(([name, content]) => ({ name, content })));
    const url = server.route(c.route, { body: archive });
    const toolLog = path.join(c.dir, 'tools.log');
    const r = await run(shell, { ...env(c, url, { FETCH_POD_ID: 'pod-a', FETCH_SHA256: sha256(archive), FETCH_EXTRACT: 'tar.gz' }), TOOL_LOG: toolLog }, { [FP]: tree }, [WRAP]);
    expectPublished(c, r, tree);
    const calls = fs.readFileSync(toolLog, 'utf8').trim().split('\n');
    const out = path.join(c.root, '.staging/pod-a/out');
    const dataIn = calls.indexOf(`mv ${out} ${path.join(c.root, 'data')}`);
    expect(dataIn).toBeGreaterThan(0);
    const synced = new Set(calls.slice(0, dataIn).filter((l) => l.startsWith('sync ')).flatMap((l) => l.slice(5).split(' ')));
    for (const p of ['', '/a.txt', '/sub', '/sub/b.bin', '/sub/deeper', '/sub/deeper/c.bin']) expect(`${p}: ${synced.has(`${out}${p}`)}`).toBe(`${p}: true`);
    expect(calls.filter((l) => /^sync( -f)?$/.test(l) || /^sync -f /.test(l))).toEqual([]);
  });

  // --- archives and manifests ------------------------------------------------------------------

  const ARCHIVE_TREE: Tree = {
    'README.txt': Buffer.from('hello\n'),
    'train/part-0.bin': bytes(3, 40_000),
    'train/part-1.bin': bytes(4, 30_000),
  };
  const WITH_SUMS: Tree = { ...ARCHIVE_TREE, SHA256SUMS: Buffer.from(manifestOf(ARCHIVE_TREE)) };
  const archives: Array<[string, Buffer]> = [
    ['tar.gz', makeTar(Object.entries(WITH_SUMS).map(([name, content]) => ({ name, content })))],
    ['tar', makeTar(Object.entries(WITH_SUMS).map(([name, content]) => ({ name: `./${name}`, content })), false)],
    ['zip', makeZip(WITH_SUMS)],
  ];

  test.concurrent.each(archives.filter(([kind]) => kind !== 'zip' || hasUnzip))('extracts a %s archive inside staging and verifies the manifest in it', async (kind, archive) => {
    await ready;
    const c = newCase(`extract-${kind}`);
    const url = server.route(c.route, { body: archive, faults: [{ kind: 'cut', at: Math.floor(archive.length / 2) }] });
    const e = env(c, url, { FETCH_SHA256: sha256(archive), FETCH_EXTRACT: kind, FETCH_SHA256_MANIFEST: 'SHA256SUMS', FETCH_EXPECTED_BYTES: String(archive.length) });
    const r = await run(shell, e, { [FP]: WITH_SUMS });
    expectPublished(c, r, WITH_SUMS);
    expect(r.stdout).toMatch(/manifest ok \(3 files\)/);
  });

  tc('a bad archive is permanent (22); unsafe member paths are refused before extraction', async () => {
    const cases: Array<[string, Buffer, string]> = [
      ['garbage', bytes(5, 5000), 'tar.gz'],
      ['dotdot', makeTar([{ name: 'ok.txt', content: Buffer.from('x') }, { name: '../escaped.txt', content: Buffer.from('x') }]), 'tar.gz'],
      ['abslink', makeTar([{ name: 'etc-link', symlink: '/etc' }]), 'tar.gz'],
      ['zip-dotdot', makeZip({ '../escaped.txt': Buffer.from('x') }), 'zip'],
    ].filter(([, , kind]) => kind !== 'zip' || hasUnzip) as Array<[string, Buffer, string]>;
    for (const [name, body, kind] of cases) {
      const c = newCase(`bad-archive-${name}`);
      const url = server.route(c.route, { body });
      const r = await run(shell, env(c, url, { FETCH_SHA256: sha256(body), FETCH_EXTRACT: kind }));
      expectNothingPublished(c, r, FetchExitCodes.BAD_ARCHIVE);
      expect(fs.existsSync(path.join(c.dir, 'escaped.txt'))).toBe(false);
      expect(fs.existsSync(path.join(c.root, 'escaped.txt'))).toBe(false);
      expect(fs.existsSync(path.join(c.root, '.staging'))).toBe(false);
    }
  });

  tc('a manifest mismatch inside the archive is permanent (20)', async () => {
    const c = newCase('manifest-mismatch');
    const bad: Tree = { ...ARCHIVE_TREE, SHA256SUMS: Buffer.from(manifestOf({ ...ARCHIVE_TREE, 'README.txt': Buffer.from('other') })) };
    const archive = makeTar(Object.entries(bad).map(([name, content]) => ({ name, content })));
    const url = server.route(c.route, { body: archive });
    const r = await run(shell, env(c, url, { FETCH_SHA256: sha256(archive), FETCH_EXTRACT: 'tar.gz', FETCH_SHA256_MANIFEST: 'SHA256SUMS' }));
    expectNothingPublished(c, r, FetchExitCodes.CHECKSUM_MISMATCH);
    expect(r.stderr).toMatch(/README\.txt: FAILED/);
  });

  // --- configuration and space ----------------------------------------------------------------

  tc('bad configuration exits 24 before any request', async () => {
    const c = newCase('config');
    const url = server.route(c.route, { body: PAYLOAD });
    const bad: Array<Record<string, string>> = [
      { FETCH_SOURCE: 'ftp' },
      { FETCH_URL: '' },
      { FETCH_URL: 'file:///etc/passwd' },
      { FETCH_SHA256: 'abc123' },
      { FETCH_SHA256: 'z'.repeat(64) },
      { FETCH_ROOT: 'relative/dir' },
      { FETCH_EXTRACT: 'rar' },
      { FETCH_RETRIES: 'five' },
      { FETCH_STALL_SECONDS: '0' },
      { FETCH_EXPECTED_BYTES: '-1' },
      { FETCH_HEADERS_FILE: '/nonexistent/headers' },
      { FETCH_SHA256_MANIFEST: '../outside' },
      { FETCH_SOURCE: 'hf', FETCH_URL: 'org/model' },
      { FETCH_SOURCE: 'hf', FETCH_URL: 'org/$(reboot)', FETCH_SHA256: '' },
      { FETCH_INCLUDE: '*.bin' },
      { FETCH_SOURCE: 'hf', FETCH_URL: 'org/model', FETCH_SHA256: '', FETCH_INCLUDE: '*.json\n--force-download' },
    ];
    for (const extra of bad) {
      const r = await run(shell, env(c, url, extra));
      expect({ extra, code: r.code, output: r.output }).toMatchObject({ code: FetchExitCodes.BAD_CONFIG });
      expect(r.stderr).toMatch(/FETCH_[A-Z0-9_]+/);
    }
    expect(server.requests(c.route)).toHaveLength(0);
    expect(fs.existsSync(path.join(c.root, 'data'))).toBe(false);
  });

  tc('not enough free space for FETCH_EXPECTED_BYTES exits 23 before downloading', async () => {
    const c = newCase('space');
    const url = server.route(c.route, { body: PAYLOAD });
    const r = await run(shell, env(c, url, { FETCH_EXPECTED_BYTES: String(10 ** 17) }));
    expectNothingPublished(c, r, FetchExitCodes.NO_SPACE);
    expect(r.stderr).toMatch(/not enough space/);
    expect(server.requests(c.route)).toHaveLength(0);
  });

  // --- rclone (s3/gcs) and Hugging Face through fake commands -----------------------------

  function fakeEnv(c: Case, mode = 'ok'): Record<string, string> {
    const state = path.join(c.dir, 'fake-state');
    fs.mkdirSync(state, { recursive: true });
    return { FAKE_STATE: state, FAKE_SRC: path.join(c.dir, 'remote'), FAKE_MODE: mode };
  }
  const fakeArgs = (c: Case, n: number) => fs.readFileSync(path.join(c.dir, 'fake-state', `args.${n}`), 'utf8').split('\n').filter(Boolean);

  tc('s3 via rclone: copies into staging, verifies an absolute manifest, publishes, then warm-starts', async () => {
    const c = newCase('s3');
    writeTree(path.join(c.dir, 'remote'), ARCHIVE_TREE);
    const manifest = path.join(c.dir, 'manifest.sha256');
    fs.writeFileSync(manifest, manifestOf(ARCHIVE_TREE));
    const e = { ...env(c, 's3://bucket/datasets/v1', { FETCH_SOURCE: 's3', FETCH_SHA256: '', FETCH_SHA256_MANIFEST: manifest }), ...fakeEnv(c) };
    const r = await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]);
    expectPublished(c, r, ARCHIVE_TREE);
    expect(fakeArgs(c, 1).slice(0, 2)).toEqual(['copy', ':s3:bucket/datasets/v1']);
    expect(fakeArgs(c, 1)[2]).toBe(path.join(c.root, '.staging', fs.readFileSync(path.join(c.root, '.complete'), 'utf8').match(/pod=(.*)/)![1], 'dl'));
    const again = await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]);
    expectPublished(c, again, ARCHIVE_TREE);
    expect(fs.readFileSync(path.join(c.dir, 'fake-state/count'), 'utf8').trim()).toBe('1');
  });

  tc('gcs via rclone: a failing copy is retried, a missing object is permanent (21), a bad manifest is 20', async () => {
    const c = newCase('gcs-flaky');
    writeTree(path.join(c.dir, 'remote'), ARCHIVE_TREE);
    const r = await run(shell, { ...env(c, 'gs://bucket/ds', { FETCH_SOURCE: 'gcs', FETCH_SHA256: '' }), ...fakeEnv(c, 'flaky') }, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]);
    expectPublished(c, r, ARCHIVE_TREE);
    expect(fakeArgs(c, 2).slice(0, 2)).toEqual(['copy', ':gcs:bucket/ds']);

    const c2 = newCase('gcs-missing');
    const r2 = await run(shell, { ...env(c2, 'gs://bucket/missing', { FETCH_SOURCE: 'gcs', FETCH_SHA256: '' }), ...fakeEnv(c2, 'notfound') }, {}, [FAKE_BIN]);
    expectNothingPublished(c2, r2, FetchExitCodes.HTTP_CLIENT_ERROR);

    const c3 = newCase('gcs-bad-manifest');
    writeTree(path.join(c3.dir, 'remote'), ARCHIVE_TREE);
    const manifest = path.join(c3.dir, 'manifest');
    fs.writeFileSync(manifest, manifestOf({ ...ARCHIVE_TREE, 'train/part-1.bin': Buffer.from('x') }));
    const r3 = await run(shell, { ...env(c3, 'gs://bucket/ds', { FETCH_SOURCE: 'gcs', FETCH_SHA256: '', FETCH_SHA256_MANIFEST: manifest }), ...fakeEnv(c3) }, {}, [FAKE_BIN]);
    expectNothingPublished(c3, r3, FetchExitCodes.CHECKSUM_MISMATCH);
  });

  tc('s3 single-object archive: sha256 of the object, then extraction', async () => {
    const c = newCase('s3-archive');
    const archive = makeTar(Object.entries(ARCHIVE_TREE).map(([name, content]) => ({ name, content })));
    writeTree(path.join(c.dir, 'remote'), { 'ds.tar.gz': archive });
    const e = { ...env(c, 's3://bucket/ds.tar.gz', { FETCH_SOURCE: 's3', FETCH_SHA256: sha256(archive), FETCH_EXTRACT: 'tar.gz' }), ...fakeEnv(c) };
    expectPublished(c, await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]), ARCHIVE_TREE);
  });

  tc('hf via huggingface-cli: passes repo, revision and local dir; a missing repo is permanent (21)', async () => {
    const c = newCase('hf');
    writeTree(path.join(c.dir, 'remote'), ARCHIVE_TREE);
    const e = { ...env(c, 'hf://org/model', { FETCH_SOURCE: 'hf', FETCH_SHA256: '', FETCH_REVISION: 'abc123', FETCH_HF_REPO_TYPE: 'model' }), ...fakeEnv(c) };
    expectPublished(c, await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]), ARCHIVE_TREE);
    const args = fakeArgs(c, 1);
    expect(args.slice(0, 2)).toEqual(['download', 'org/model']);
    expect(args).toEqual(expect.arrayContaining(['--revision', 'abc123', '--repo-type', 'model', '--local-dir']));

    expect(args).not.toContain('--include');

    const c2 = newCase('hf-404');
    const r = await run(shell, { ...env(c2, 'org/missing', { FETCH_SOURCE: 'hf', FETCH_SHA256: '' }), ...fakeEnv(c2, 'hf404') }, {}, [FAKE_BIN]);
    expectNothingPublished(c2, r, FetchExitCodes.HTTP_CLIENT_ERROR);
    expect(fs.readFileSync(path.join(c2.dir, 'fake-state/count'), 'utf8').trim()).toBe('1');
  });

  // Patterns with glob characters and spaces must reach the CLI verbatim (no globbing, no
  // word splitting); blank lines in FETCH_INCLUDE are skipped. The script runs in the repo
  // root, where an expanded '*.json' would turn into package.json etc.
  const INCLUDE = ['*.json', 'dir with space/*.safetensors'];

  tc('hf via hf: FETCH_INCLUDE becomes one --include per pattern; the download still publishes atomically', async () => {
    const c = newCase('hf-include');
    writeTree(path.join(c.dir, 'remote'), ARCHIVE_TREE);
    const e = { ...env(c, 'org/model', { FETCH_SOURCE: 'hf', FETCH_SHA256: '', FETCH_REVISION: 'abc123', FETCH_INCLUDE: `${INCLUDE.join('\n')}\n\n` }), ...fakeEnv(c) };
    expectPublished(c, await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN_HF]), ARCHIVE_TREE);
    const args = fakeArgs(c, 1);
    expect(args.slice(0, 2)).toEqual(['download', 'org/model']);
    expect(args.slice(-4)).toEqual(['--include', INCLUDE[0], '--include', INCLUDE[1]]);
    expect(args.filter((a) => a === '--include')).toHaveLength(2);
  });

  tc('hf via huggingface-cli: FETCH_INCLUDE becomes one --include followed by every pattern (argparse keeps only the last --include)', async () => {
    const c = newCase('hf-cli-include');
    writeTree(path.join(c.dir, 'remote'), ARCHIVE_TREE);
    const e = { ...env(c, 'org/model', { FETCH_SOURCE: 'hf', FETCH_SHA256: '', FETCH_REVISION: 'abc123', FETCH_INCLUDE: INCLUDE.join('\n') }), ...fakeEnv(c) };
    expectPublished(c, await run(shell, e, { [FP]: ARCHIVE_TREE }, [FAKE_BIN]), ARCHIVE_TREE);
    const args = fakeArgs(c, 1);
    expect(args.slice(0, 2)).toEqual(['download', 'org/model']);
    expect(args.slice(-3)).toEqual(['--include', ...INCLUDE]);
    expect(args.filter((a) => a === '--include')).toHaveLength(1);
  });
});
