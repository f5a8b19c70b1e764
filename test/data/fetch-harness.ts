/**
 * Helpers for running the real fetch script (src/data/fetch.sh) under real shells.
 *
 * Shells: the host's /bin/sh (dash on Debian) with the host tools, and busybox sh with
 * busybox applets only (plus curl), which is what Alpine-based curl/rclone images have.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

export const SCRIPT = path.resolve(__dirname, '../../src/data/fetch.sh');

export interface Shell {
  readonly name: string;
  readonly argv: string[];
  /** PATH the script runs with (before fake tool dirs). */
  readonly path: string;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out.startsWith('/') ? out : undefined;
}

/** Shells to test with; busybox is skipped (with a visible message) when missing. */
export function detectShells(workDir: string): { shells: Shell[]; skipped: string[] } {
  const shells: Shell[] = [];
  const skipped: string[] = [];
  const sh = fs.realpathSync('/bin/sh');
  shells.push({ name: `${path.basename(sh)} (/bin/sh, host tools)`, argv: ['/bin/sh'], path: process.env.PATH ?? '/usr/bin:/bin' });
  const busybox = which('busybox');
  const curl = which('curl');
  if (busybox && curl) {
    const bb = path.join(workDir, 'busybox-bin');
    fs.mkdirSync(bb, { recursive: true });
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const a of applets) {
      if (!fs.existsSync(path.join(bb, a))) fs.symlinkSync(busybox, path.join(bb, a));
    }
    const onlyCurl = path.join(workDir, 'curl-bin');
    fs.mkdirSync(onlyCurl, { recursive: true });
    if (!fs.existsSync(path.join(onlyCurl, 'curl'))) fs.symlinkSync(curl, path.join(onlyCurl, 'curl'));
    shells.push({ name: 'busybox sh (busybox applets + curl)', argv: [busybox, 'sh'], path: `${bb}:${onlyCurl}` });
  } else {
    skipped.push(`busybox sh: ${busybox ? 'curl' : 'busybox'} not installed (apt-get install -y busybox curl)`);
  }
  return { shells, skipped };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout + stderr, for messages. */
  readonly output: string;
}

export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<RunResult>;
  /** SIGKILL to the whole process group (what a container kill does). */
  kill9(): void;
  /** stdout printed so far (the script is still running). */
  stdoutSoFar(): string;
}

/** Starts the script in its own process group with exactly `env` (plus PATH). */
export function startFetch(shell: Shell, env: Record<string, string>, extraPath: string[] = [], timeoutMs = 30_000): Running {
  const child = spawn(shell.argv[0], [...shell.argv.slice(1), SCRIPT], {
    env: { HOME: os.tmpdir(), LC_ALL: 'C', ...env, PATH: [...extraPath, shell.path].join(':') },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const kill9 = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(kill9, timeoutMs);
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output: `${stdout}${stderr}` });
    });
  });
  return { child, done, kill9, stdoutSoFar: () => stdout };
}

export function sha256(buf: Buffer | string): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** Files expected under data/: relative path -> content. */
export type Tree = Record<string, Buffer>;

function walk(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Returns why `dir` does not hold exactly `tree`, or undefined when it does. */
export function treeMismatch(dir: string, tree: Tree): string | undefined {
  let files: string[];
  try {
    files = walk(dir);
  } catch (e) {
    return `cannot read ${dir}: ${(e as Error).message}`;
  }
  const want = Object.keys(tree).sort();
  if (JSON.stringify(files) !== JSON.stringify(want)) return `files ${JSON.stringify(files)} != ${JSON.stringify(want)}`;
  for (const f of want) {
    let got: Buffer;
    try {
      got = fs.readFileSync(path.join(dir, f));
    } catch (e) {
      return `cannot read ${f}: ${(e as Error).message}`; // e.g. data/ renamed while we read
    }
    if (!got.equals(tree[f])) return `${f}: ${got.length} bytes (sha ${sha256(got).slice(0, 12)}) != ${tree[f].length} bytes (sha ${sha256(tree[f]).slice(0, 12)})`;
  }
  return undefined;
}

export function markerFingerprint(root: string): string | undefined {
  try {
    const first = fs.readFileSync(path.join(root, '.complete'), 'utf8').split('\n')[0];
    return first.startsWith('fingerprint=') ? first.slice('fingerprint='.length) : `?${first}`;
  } catch {
    return undefined;
  }
}

/**
 * Polls `root` while a run is in progress and records every moment at which data/
 * holds something other than one of the `allowed` complete trees, or the marker names
 * `fingerprint` while data/ does not hold `trees[fingerprint]`.
 */
export class InvariantObserver {
  readonly violations: string[] = [];
  private timer?: NodeJS.Timeout;
  samples = 0;

  constructor(
    private readonly root: string,
    private readonly trees: Record<string, Tree>,
  ) {}

  start(everyMs = 15): this {
    const tick = () => {
      this.check();
      this.timer = setTimeout(tick, everyMs);
    };
    tick();
    return this;
  }

  stop(): string[] {
    if (this.timer) clearTimeout(this.timer);
    this.check();
    return this.violations;
  }

  check(): void {
    this.samples++;
    const data = path.join(this.root, 'data');
    const fp1 = markerFingerprint(this.root);
    const existed = fs.existsSync(data);
    let holds: string | undefined;
    const reasons: string[] = [];
    if (existed) {
      for (const [name, tree] of Object.entries(this.trees)) {
        const why = treeMismatch(data, tree);
        if (!why) {
          holds = name;
          break;
        }
        reasons.push(why);
      }
    }
    const fp2 = markerFingerprint(this.root);
    // data/ only changes by rename, so a mismatch is real unless data/ was swapped
    // while we read it: then it must be complete on a second look.
    if (existed && holds === undefined && fs.existsSync(data)) {
      if (!Object.values(this.trees).some((tree) => !treeMismatch(data, tree))) {
        this.violations.push(`data/ is partial or wrong: ${reasons.join('; ')}`);
      }
    }
    // The marker describes data/ whenever it is stable across our reads.
    if (fp1 !== undefined && fp1 === fp2 && fp1 in this.trees && holds !== fp1) {
      if (!existed) this.violations.push(`marker ${fp1.slice(0, 12)} without data/`);
      else if (holds !== undefined) this.violations.push(`marker ${fp1.slice(0, 12)} but data/ holds ${holds.slice(0, 12)}`);
    }
  }
}

/** Paths under root that must not exist after a successful run. */
export function leftovers(root: string): string[] {
  const bad: string[] = [];
  for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (name === 'data' || name === '.complete') continue;
    bad.push(name);
  }
  return bad;
}

// --- archive builders (no host tar/zip needed) -------------------------------------------

function tarHeader(name: string, size: number, type: '0' | '2' | '5', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => h.write(s, off, Math.min(len, Buffer.byteLength(s)), 'utf8');
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  put(name, 0, 100);
  put(oct(type === '5' ? 0o755 : 0o644, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(1_700_000_000, 12), 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put(linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

export interface TarEntry {
  readonly name: string;
  readonly content?: Buffer;
  readonly symlink?: string;
}

/** A ustar archive; `gzip` compresses it. Directories are implied by names. */
export function makeTar(entries: TarEntry[], gzip = true): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.symlink !== undefined) {
      parts.push(tarHeader(e.name, 0, '2', e.symlink));
      continue;
    }
    const body = e.content ?? Buffer.alloc(0);
    parts.push(tarHeader(e.name, body.length, '0'), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  return gzip ? zlib.gzipSync(tar) : tar;
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A zip archive with stored (uncompressed) entries. */
export function makeZip(files: Tree): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of Object.entries(files)) {
    const n = Buffer.from(name);
    const crc = crc32(body);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(10, 4);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(body.length, 22);
    lh.writeUInt16LE(n.length, 26);
    local.push(lh, n, body);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(10, 6);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(body.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    central.push(ch, n);
    offset += lh.length + n.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, cd, end]);
}

/** Resolves when `fn` returns true (polling), rejects after `timeoutMs`. */
export async function until(fn: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function fileSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return -1;
  }
}
