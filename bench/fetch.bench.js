#!/usr/bin/env node
// Benchmarks of the DatasetInit fetch program (src/data/fetch.sh) over loopback:
//   1. throughput, 256 MiB and 1 GiB: fetch.sh with its defaults (sha256 streamed while
//      downloading + durable publish) against `curl -o` alone and `openssl dgst -sha256`
//      alone of the same file; goal: <= 1.2x the slower of the two (the limit when
//      download and hash overlap). Also the script without sha256/fsync vs `curl -o`
//      (same work), `curl -o` then `openssl dgst` (the two steps in a row), and the overlap
//      floor of the machine: `curl -o` and a hash of a cached copy started together with
//      nothing linking them (what perfect streaming would cost here);
//   2. the same through a link throttled to 200 MB/s (server-side pacing): fetch.sh
//      default vs `curl -o`, goal >= 0.9x (hashing and flushing hidden behind the download);
//   3. stall detection: data flows, then stops; time from the last byte to the exit of
//      fetch.sh with FETCH_STALL_SECONDS=2 (goal <= N + 1 s = 3 s);
//   4. fixed cost on a 1 KiB file; warm start with a valid marker over a 1 GiB (sparse)
//      dataset (goal <= 0.2 s); a transfer cut at 50% and resumed (extra bytes, goal <= 5%).
// Variants of one comparison run alternately (round-robin) in the same run; ratios are
// medians of the per-round ratios; a global `sync` (untimed) before each run keeps one
// variant's dirty pages from being written back during the next. The load average is
// printed with the figures.
// Run by bench/run.js (`npm run bench fetch`) or standalone: `node bench/fetch.bench.js`.
// Environment: FETCH_BENCH_SIZES (MiB, default "256,1024"), FETCH_BENCH_RUNS (default 5),
// FETCH_BENCH_THROTTLE_MIB (size of the throttled series, default 256).
'use strict';
const { spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const SCRIPT = path.resolve(__dirname, '..', 'src', 'data', 'fetch.sh');
const MIB = 1024 * 1024;

function have(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd]).status === 0;
}

/** Loopback server: serves `body` with Range support; `cutNext` cuts the next response at a byte offset. */
function startServer(body) {
  const state = { requests: 0, bytesWritten: 0, cutNext: undefined, stallAt: 0, rate: 200e6, throttleSize: 0, limit: 0 };
  const tiny = body.subarray(0, 1024);
  const server = http.createServer((req, res) => {
    state.requests++;
    if (state.stallAt && !state.afterStallAt) state.afterStallAt = performance.now(); // the retry after a stall
    if (req.url === '/tiny.bin') {
      res.writeHead(200, { 'content-length': tiny.length }).end(tiny);
      return;
    }
    if (req.url === '/stall.bin') {
      // 64 KiB, then nothing with the connection kept open: a stall after data flowed.
      // 64 KiB fit in the loopback socket buffers, so the last byte leaves at once.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.write(body.subarray(0, 64 * 1024));
      if (!state.stallAt) {
        state.stallAt = performance.now(); // the first stall of a run
        res.socket.once('close', () => (state.stallClosedAt = performance.now())); // curl stopped
      }
      return;
    }
    if (req.url === '/throttled.bin') {
      // Paced to state.rate bytes/s (token bucket on the clock, 1 MiB writes).
      const part = body.subarray(0, state.throttleSize);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': part.length });
      const t0 = performance.now();
      let off = 0;
      const tick = () => {
        if (res.destroyed) return;
        const allowed = Math.min(part.length, Math.floor(((performance.now() - t0) / 1000) * state.rate));
        while (off < allowed) {
          const end = Math.min(allowed, off + MIB);
          const ok = res.write(part.subarray(off, end));
          off = end;
          if (!ok) {
            res.once('drain', tick);
            return;
          }
        }
        if (off >= part.length) res.end();
        else setTimeout(tick, 2);
      };
      tick();
      return;
    }
    const full = state.limit ? body.subarray(0, state.limit) : body;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0;
    if (start >= full.length) {
      res.writeHead(416, { 'content-range': `bytes */${full.length}` }).end();
      return;
    }
    const headers = { 'content-type': 'application/octet-stream', 'content-length': full.length - start, 'accept-ranges': 'bytes' };
    if (m) headers['content-range'] = `bytes ${start}-${full.length - 1}/${full.length}`;
    res.writeHead(m ? 206 : 200, headers);
    const part = full.subarray(start);
    if (state.cutNext !== undefined) {
      // A network cut: stream up to the offset in 1 MiB chunks, then reset the connection
      // (RST), which discards what is still in flight in socket buffers, as a real cut does.
      // Every byte handed to the socket counts as transferred.
      const at = state.cutNext - start;
      state.cutNext = undefined;
      let off = 0;
      const pump = () => {
        while (off < at) {
          const chunk = part.subarray(off, Math.min(at, off + MIB));
          off += chunk.length;
          state.bytesWritten += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.socket.resetAndDestroy();
      };
      pump();
      return;
    }
    state.bytesWritten += part.length;
    res.end(part);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, state, url: `http://127.0.0.1:${server.address().port}/dataset.bin` }));
  });
}

/** Runs argv to its end; resolves with its output, rejects on a non-zero exit. */
async function runCmd(argv, env) {
  const { code, out } = await runCode(argv, env);
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}:\n${out}`);
  return out;
}

/** Runs argv to its end; resolves with the exit code (no rejection on failure). */
function runCode(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

function loadavg() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

function summary(label, times, note = '') {
  const t = [...times].sort((a, b) => a - b);
  const mid = Math.floor(t.length / 2);
  const median = t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
  return { label, median, min: t[0], max: t[t.length - 1], runs: t.length, note };
}

/** Timed runs after warm-up, with an untimed `setup` before each call. Times in ms. */
async function measure(label, fn, { setup = () => {}, warmup = 1, runs = 5, note = '' } = {}) {
  const [row] = await interleaved([{ label, fn, setup, note }], { warmup, runs });
  return row;
}

/**
 * Measures several variants round-robin (run i of every variant before run i+1 of any),
 * so that load changes on a shared machine hit all variants alike. Returns one row each.
 */
async function interleaved(variants, { warmup = 1, runs = 5, quiesce = false } = {}) {
  const times = variants.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [k, v] of variants.entries()) {
      (v.setup || (() => {}))();
      // Untimed: write back what earlier runs left dirty (hundreds of MiB), so that the
      // kernel's flusher does not bill one variant for another's data.
      if (quiesce) spawnSync('sync');
      const t0 = performance.now();
      await v.fn();
      if (i >= warmup) times[k].push(performance.now() - t0);
    }
  }
  const rows = variants.map((v, k) => summary(v.label, times[k], v.note || ''));
  rows.times = times;
  return rows;
}

/** Median (min-max) of per-round ratios f(round) over the rounds of `interleaved`. */
function roundRatio(label, times, f, goal) {
  const rs = times[0].map((_, i) => f(times.map((t) => t[i])));
  const row = summary(label, rs, goal ? `goal ${goal}` : '');
  row.note = `${row.note} (per-round ratios ${rs.map((r) => r.toFixed(2)).join(' ')})`.trim();
  return row;
}

const mbps = (bytes, ms) => `${((bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s`;

async function run(h) {
  const rows = [];
  if (!have('curl')) {
    return [{ label: 'fetch: SKIPPED (curl not installed)', median: NaN, min: NaN, max: NaN, runs: 0 }];
  }
  const sizes = (process.env.FETCH_BENCH_SIZES || '256,1024').split(',').map(Number);
  const throttleMib = Number(process.env.FETCH_BENCH_THROTTLE_MIB || 256);
  const size = 256 * MIB; // warm start, cut + resume
  const runs = Math.max(3, Number(process.env.FETCH_BENCH_RUNS || 5));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-bench-'));
  const body = crypto.randomBytes(Math.max(size, ...sizes.map((m) => m * MIB), throttleMib * MIB));
  const shaOf = {};
  for (const mib of [...sizes, 256]) shaOf[mib] = crypto.createHash('sha256').update(body.subarray(0, mib * MIB)).digest('hex');
  const sha = shaOf[256];
  const { server, state, url } = await startServer(body);
  const root = path.join(work, 'root');
  const baseEnv = {
    PATH: process.env.PATH,
    HOME: work,
    FETCH_SOURCE: 'http',
    FETCH_URL: url,
    FETCH_ROOT: root,
    FETCH_FINGERPRINT: `bench-${sha.slice(0, 16)}`,
    FETCH_BACKOFF_SECONDS: '0',
    FETCH_PROGRESS_SECONDS: '10',
  };
  const sh = ['/bin/sh', SCRIPT];
  const clean = () => fs.rmSync(root, { recursive: true, force: true });
  const curlOut = path.join(work, 'curl.out');
  const cleanCurl = () => fs.rmSync(curlOut, { force: true });
  const hasOpenssl = have('openssl');
  try {
    // 1. Throughput at each size, variants round-robin so machine noise hits all alike.
    rows.push({ label: `load average before (1/5/15 min): ${loadavg()}`, median: NaN, min: NaN, max: NaN, runs: '' });
    const dgst = hasOpenssl ? ['openssl', 'dgst', '-sha256'] : ['sha256sum'];
    const refFile = path.join(work, 'ref.bin');
    for (const mib of sizes) {
      const n = mib * MIB;
      const sizeUrl = `${url}?mib=${mib}`;
      state.limit = n;
      const sha = shaOf[mib];
      const env = { ...baseEnv, FETCH_URL: sizeUrl, FETCH_FINGERPRINT: `bench-${sha.slice(0, 16)}` };
      await runCmd(['curl', '-q', '-sS', '-o', refFile, sizeUrl], baseEnv);
      const rounds = await interleaved(
        [
          { label: `curl -o, ${mib} MiB`, fn: () => runCmd(['curl', '-q', '-sS', '-o', curlOut, sizeUrl], baseEnv), setup: cleanCurl },
          { label: `${dgst.join(' ')} alone, ${mib} MiB (page cache)`, fn: () => runCmd([...dgst, refFile], baseEnv) },
          { label: `fetch.sh default (sha256 + durable publish), ${mib} MiB`, fn: () => runCmd(sh, { ...env, FETCH_SHA256: sha }), setup: clean },
          { label: `fetch.sh (no sha256, FETCH_FSYNC=0), ${mib} MiB`, fn: () => runCmd(sh, { ...env, FETCH_FSYNC: '0' }), setup: clean },
          {
            label: `curl -o then ${dgst.join(' ')}, ${mib} MiB`,
            fn: () => runCmd(['sh', '-c', `curl -q -sS -o "$1" "$2" && ${dgst.join(' ')} "$1" >/dev/null`, 'sh', curlOut, sizeUrl], baseEnv),
            setup: cleanCurl,
          },
          { label: `fetch.sh sha256, FETCH_FSYNC=0, ${mib} MiB`, fn: () => runCmd(sh, { ...env, FETCH_SHA256: sha, FETCH_FSYNC: '0' }), setup: clean },
          {
            label: `curl -o then sync FILE (durable curl), ${mib} MiB`,
            fn: () => runCmd(['sh', '-c', 'curl -q -sS -o "$1" "$2" && sync "$1"', 'sh', curlOut, sizeUrl], baseEnv),
            setup: cleanCurl,
          },
          {
            // The overlap floor of this machine: the download and a hash of an identical,
            // already cached copy started together, with nothing linking them (no pipe, no
            // shared file). No streaming design can finish before both of them.
            label: `curl -o || ${dgst.join(' ')} of a cached copy, started together, ${mib} MiB`,
            fn: () => runCmd(['sh', '-c', `curl -q -sS -o "$1" "$2" & c=$!; ${dgst.join(' ')} "$3" >/dev/null || exit 1; wait "$c"`, 'sh', curlOut, sizeUrl, refFile], baseEnv),
            setup: cleanCurl,
          },
          {
            // The same with the hash fed through a pipe, as any hash of a file that is still
            // growing must be (openssl stops at the current end of a regular file).
            label: `curl -o || dd of the cached copy | ${dgst.join(' ')}, started together, ${mib} MiB`,
            fn: () => runCmd(['sh', '-c', `curl -q -sS -o "$1" "$2" & c=$!; dd if="$3" bs=1M 2>/dev/null | ${dgst.join(' ')} >/dev/null || exit 1; wait "$c"`, 'sh', curlOut, sizeUrl, refFile], baseEnv),
            setup: cleanCurl,
          },
        ],
        { warmup: 1, runs, quiesce: true },
      );
      for (const r of rounds) r.note = mbps(n, r.median);
      rows.push(...rounds);
      rows.push(roundRatio(`fetch.sh default / max(curl -o, ${dgst[0]}), ${mib} MiB`, rounds.times, ([c, d, f]) => f / Math.max(c, d), '<= 1.2'));
      rows.push(roundRatio(`throughput fetch.sh / curl -o (same work), ${mib} MiB`, rounds.times, ([c, , , p]) => c / p, '>= 0.9'));
      rows.push(roundRatio(`throughput fetch.sh default / curl -o then ${dgst[0]}, ${mib} MiB`, rounds.times, ([, , f, , cs]) => cs / f, '(info)'));
      rows.push(roundRatio(`fetch.sh sha256 FSYNC=0 / max(curl -o, ${dgst[0]}), ${mib} MiB`, rounds.times, ([c, d, , , , s0]) => s0 / Math.max(c, d), '(info: hashing overlap alone)'));
      rows.push(roundRatio(`fetch.sh default / max(curl -o + sync, ${dgst[0]}), ${mib} MiB`, rounds.times, ([, d, f, , , , cy]) => f / Math.max(cy, d), '(info: against a durable curl)'));
      rows.push(roundRatio(`overlap floor / max(curl -o, ${dgst[0]}), ${mib} MiB`, rounds.times, ([c, d, , , , , , fl]) => fl / Math.max(c, d), '(info: the best any overlap reaches here)'));
      rows.push(roundRatio(`piped overlap floor / max(curl -o, ${dgst[0]}), ${mib} MiB`, rounds.times, ([c, d, , , , , , , pf]) => pf / Math.max(c, d), '(info: the best a pipe-fed hash reaches here)'));
      rows.push(roundRatio(`fetch.sh sha256 FSYNC=0 / piped overlap floor, ${mib} MiB`, rounds.times, ([, , , , , s0, , , pf]) => s0 / pf, '(info: cost of following the growing file)'));
      rows.push(roundRatio(`fetch.sh default / piped overlap floor, ${mib} MiB`, rounds.times, ([, , f, , , , , , pf]) => f / pf, '(info)'));
      cleanCurl();
      clean();
      fs.rmSync(refFile, { force: true });
    }

    // 2. Through a link throttled to 200 MB/s.
    {
      const mib = throttleMib;
      state.throttleSize = mib * MIB;
      const tUrl = url.replace('dataset.bin', 'throttled.bin');
      const sha = crypto.createHash('sha256').update(body.subarray(0, mib * MIB)).digest('hex');
      const env = { ...baseEnv, FETCH_URL: tUrl, FETCH_FINGERPRINT: `bench-thr-${sha.slice(0, 16)}`, FETCH_SHA256: sha };
      const rounds = await interleaved(
        [
          { label: `curl -o, ${mib} MiB at 200 MB/s`, fn: () => runCmd(['curl', '-q', '-sS', '-o', curlOut, tUrl], baseEnv), setup: cleanCurl },
          { label: `fetch.sh default, ${mib} MiB at 200 MB/s`, fn: () => runCmd(sh, env), setup: clean },
        ],
        { warmup: 1, runs, quiesce: true },
      );
      for (const r of rounds) r.note = mbps(mib * MIB, r.median);
      rows.push(...rounds);
      rows.push(roundRatio(`throughput fetch.sh default / curl -o at 200 MB/s, ${mib} MiB`, rounds.times, ([c, f]) => c / f, '>= 0.9'));
      cleanCurl();
      clean();
    }

    // 3. Stall detection after data flowed (FETCH_STALL_SECONDS=2): from the last byte
    // sent to curl's connection closing (the stall detected and curl stopped), and to the
    // retry's request (backoff 0).
    {
      const detect = [];
      const retry = [];
      for (let i = 0; i < 3; i++) {
        clean();
        state.stallAt = 0;
        state.stallClosedAt = 0;
        state.afterStallAt = 0;
        const stallEnv = { ...baseEnv, FETCH_URL: url.replace('dataset.bin', 'stall.bin'), FETCH_STALL_SECONDS: '2', FETCH_RETRIES: '0', FETCH_FINGERPRINT: 'bench-stall' };
        const r = await runCode(sh, stallEnv);
        if (r.code === 0 || !state.stallAt || !state.stallClosedAt || state.afterStallAt < state.stallAt || !/stalled: no data for 2s/.test(r.out)) {
          throw new Error(`stall run: exit ${r.code} stallAt ${state.stallAt} closed ${state.stallClosedAt} retry ${state.afterStallAt}\n${r.out}`);
        }
        detect.push(state.stallClosedAt - state.stallAt);
        retry.push(state.afterStallAt - state.stallAt);
      }
      rows.push({ ...summary('stall detection, FETCH_STALL_SECONDS=2: last byte -> curl stopped', detect), note: 'goal <= 3000 ms (N + 1 s)' });
      rows.push({ ...summary('stall, FETCH_STALL_SECONDS=2: last byte -> retry request', retry), note: '(info: detection + restart)' });
      clean();
    }
    rows.push({ label: `load average after throughput (1/5/15 min): ${loadavg()}`, median: NaN, min: NaN, max: NaN, runs: '' });

    // Fixed cost of the script (process starts, lock, staging, publish) on a 1 KiB file.
    const tinyUrl = url.replace('dataset.bin', 'tiny.bin');
    const [tinyCurl, tinyScript] = await interleaved(
      [
        { label: 'curl -o, 1 KiB', fn: () => runCmd(['curl', '-q', '-sS', '-o', curlOut, tinyUrl], baseEnv), setup: cleanCurl },
        { label: 'fetch.sh (FETCH_FSYNC=0), 1 KiB', fn: () => runCmd(sh, { ...baseEnv, FETCH_URL: tinyUrl, FETCH_FSYNC: '0' }), setup: clean },
      ],
      { warmup: 1, runs },
    );
    tinyScript.note = `fixed cost ~${(tinyScript.median - tinyCurl.median).toFixed(0)} ms over curl`;
    rows.push(tinyCurl, tinyScript);
    cleanCurl();

    state.limit = size;
    // Warm start over a 1 GiB sparse dataset with a valid marker.
    clean();
    fs.mkdirSync(path.join(root, 'data'), { recursive: true });
    const fd = fs.openSync(path.join(root, 'data', 'model.bin'), 'w');
    fs.ftruncateSync(fd, 1024 * MIB);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(root, '.complete'), `fingerprint=${baseEnv.FETCH_FINGERPRINT}\nsha256=${sha}\n`);
    const before = state.requests;
    const warmEnv = { ...baseEnv, FETCH_SHA256: sha };
    const warm = await measure('warm start, valid marker, 1 GiB dataset (dash)', () => runCmd(sh, warmEnv), { warmup: 2, runs: 10, note: 'goal <= 200 ms' });
    rows.push(warm);
    if (have('busybox')) {
      rows.push(await measure('warm start, valid marker, 1 GiB dataset (busybox sh)', () => runCmd(['busybox', 'sh', SCRIPT], warmEnv), { warmup: 2, runs: 10, note: 'goal <= 200 ms' }));
    }
    if (state.requests !== before) throw new Error(`warm start made ${state.requests - before} requests`);

    // Cut at 50%, then resume: extra bytes over the file size.
    const extras = [];
    const resume = await measure(
      `cut at 50% + resume, ${size / MIB} MiB (sha256 on)`,
      async () => {
        const w0 = state.bytesWritten;
        const r0 = state.requests;
        state.cutNext = Math.floor(size / 2);
        const out = await runCmd(sh, { ...baseEnv, FETCH_SHA256: sha });
        if (state.requests - r0 !== 2 || !/resuming at byte/.test(out)) throw new Error(`expected one cut and one resume:\n${out}`);
        extras.push(state.bytesWritten - w0 - size);
      },
      { setup: clean, warmup: 0, runs: 3 },
    );
    const maxExtra = Math.max(...extras);
    resume.note = `extra bytes ${extras.join('/')} (max ${((100 * maxExtra) / size).toFixed(3)}% of file; goal <= 5%)`;
    rows.push(resume);
  } finally {
    server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

module.exports = { name: 'DatasetInit fetch.sh', run };

if (require.main === module) {
  const h = require('./harness');
  run(h)
    .then((rows) => console.log(h.table(rows)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
