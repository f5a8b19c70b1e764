#!/usr/bin/env node
// Benchmarks of the DatasetInit fetch program (src/data/fetch.sh) over loopback:
//   1. throughput of a 256 MiB download: the script vs plain `curl -o` in the same run
//      (goal >= 0.9x), plus the script's full default path (sha256 + fsync) against
//      `curl -o` + `openssl dgst -sha256`;
//   2. warm start with a valid marker over a 1 GiB (sparse) dataset (goal <= 0.2 s);
//   3. a transfer cut at 50% and resumed: bytes transferred beyond the file size
//      (goal <= 5%).
// Run by bench/run.js (`npm run bench fetch`) or standalone: `node bench/fetch.bench.js`.
// Environment: FETCH_BENCH_MIB (default 256), FETCH_BENCH_RUNS (default 5).
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
  const state = { requests: 0, bytesWritten: 0, cutNext: undefined };
  const tiny = body.subarray(0, 1024);
  const server = http.createServer((req, res) => {
    state.requests++;
    if (req.url === '/tiny.bin') {
      res.writeHead(200, { 'content-length': tiny.length }).end(tiny);
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const headers = { 'content-type': 'application/octet-stream', 'content-length': body.length - start, 'accept-ranges': 'bytes' };
    if (m) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(m ? 206 : 200, headers);
    const part = body.subarray(start);
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

function runCmd(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}:\n${out}`))));
  });
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
async function interleaved(variants, { warmup = 1, runs = 5 } = {}) {
  const times = variants.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [k, v] of variants.entries()) {
      (v.setup || (() => {}))();
      const t0 = performance.now();
      await v.fn();
      if (i >= warmup) times[k].push(performance.now() - t0);
    }
  }
  return variants.map((v, k) => summary(v.label, times[k], v.note || ''));
}

const mbps = (bytes, ms) => `${((bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s`;

async function run(h) {
  const rows = [];
  if (!have('curl')) {
    return [{ label: 'fetch: SKIPPED (curl not installed)', median: NaN, min: NaN, max: NaN, runs: 0 }];
  }
  const size = Number(process.env.FETCH_BENCH_MIB || 256) * MIB;
  const runs = Math.max(3, Number(process.env.FETCH_BENCH_RUNS || 5));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-bench-'));
  const body = crypto.randomBytes(size);
  const sha = crypto.createHash('sha256').update(body).digest('hex');
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
    // 1. Throughput. Variants run round-robin so machine noise hits all of them alike.
    const curlCmd = () => runCmd(['curl', '-q', '-sS', '-o', curlOut, url], baseEnv);
    const [curl, plain, curlSha, full] = await interleaved(
      [
        { label: `curl -o, ${size / MIB} MiB`, fn: curlCmd, setup: cleanCurl },
        { label: `fetch.sh (no sha256, FETCH_FSYNC=0), ${size / MIB} MiB`, fn: () => runCmd(sh, { ...baseEnv, FETCH_FSYNC: '0' }), setup: clean },
        {
          label: `curl -o + ${hasOpenssl ? 'openssl dgst' : 'sha256sum'}, ${size / MIB} MiB`,
          fn: () => runCmd(['sh', '-c', `curl -q -sS -o "$1" "$2" && ${hasOpenssl ? 'openssl dgst -sha256' : 'sha256sum'} "$1" >/dev/null`, 'sh', curlOut, url], baseEnv),
          setup: cleanCurl,
        },
        { label: `fetch.sh default (sha256 + fsync), ${size / MIB} MiB`, fn: () => runCmd(sh, { ...baseEnv, FETCH_SHA256: sha }), setup: clean },
      ],
      { warmup: 1, runs },
    );
    for (const r of [curl, plain, curlSha, full]) r.note = mbps(size, r.median);
    rows.push(curl, plain, curlSha, full);
    rows.push(h.ratio('throughput fetch.sh / curl -o (same work)', curl, plain, '>= 0.9'));
    rows.push(h.ratio('throughput fetch.sh default / curl -o + sha256', curlSha, full, '(info)'));
    rows.push(h.ratio('throughput fetch.sh default / curl -o', curl, full, '(info)'));
    cleanCurl();

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

    // 2. Warm start over a 1 GiB sparse dataset with a valid marker.
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

    // 3. Cut at 50%, then resume: extra bytes over the file size.
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
