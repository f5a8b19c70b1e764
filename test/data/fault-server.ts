/**
 * A local HTTP server with fault injection for the fetch-script tests.
 *
 * Every route serves one body and consumes a queue of faults, one per request; when the
 * queue is empty the route serves normally (Range requests honoured unless
 * `ranges: false`). The server records every request with its Range header, status and
 * the number of body bytes written, so tests can prove resumes and count downloads.
 */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

export type Fault =
  /** Serve normally. */
  | { readonly kind: 'ok' }
  /** Send `at` body bytes, then destroy the connection. */
  | { readonly kind: 'cut'; readonly at: number }
  /** Announce the full Content-Length, send `at` bytes, then close cleanly (FIN). */
  | { readonly kind: 'short'; readonly at: number }
  /** Answer with this status and a small text body. */
  | { readonly kind: 'status'; readonly code: number }
  /** Send `at` body bytes, then nothing more, keeping the connection open. */
  | { readonly kind: 'stall'; readonly at: number }
  /** Serve the right length with one flipped byte per KiB. */
  | { readonly kind: 'corrupt' }
  /** Serve normally but throttled: `chunk` bytes every `everyMs` milliseconds. */
  | { readonly kind: 'slow'; readonly chunk: number; readonly everyMs: number }
  /** Send `at` body bytes, then the rest once `release` resolves (a download held open by the test). */
  | { readonly kind: 'hold'; readonly at: number; readonly release: Promise<void> };

export interface RouteOptions {
  readonly body: Buffer;
  /** Faults consumed in order, one per request. */
  readonly faults?: Fault[];
  /** Behaviour once `faults` is empty. @default { kind: 'ok' } */
  readonly otherwise?: Fault;
  /** Honour Range requests. @default true */
  readonly ranges?: boolean;
  /** Answer every Range request with 416 (a server that refuses any resume). @default false */
  readonly rejectRanges?: boolean;
  /** A header the request must carry (name lowercase), else 401. */
  readonly requireHeader?: readonly [string, string];
}

export interface RequestRecord {
  readonly path: string;
  readonly range?: string;
  readonly fault: Fault['kind'];
  status: number;
  /** First body byte served (from the Range header). */
  readonly start: number;
  /** Body bytes written to the socket. */
  bytesSent: number;
}

interface Route extends RouteOptions {
  queue: Fault[];
}

export class FaultServer {
  private readonly server: http.Server;
  private readonly routes = new Map<string, Route>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly log: RequestRecord[] = [];
  private port = 0;

  constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.server.unref(); // never keep jest alive, even if a suite fails before afterAll
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Registers (or replaces) a route and returns its URL. */
  route(path: string, options: RouteOptions): string {
    this.routes.set(path, { ...options, queue: [...(options.faults ?? [])] });
    return this.url(path);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  requests(path: string): RequestRecord[] {
    return this.log.filter((r) => r.path === path);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const route = this.routes.get(path);
    if (!route) {
      this.record(path, req, 'status', 404, 0);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const fault: Fault = route.queue.shift() ?? route.otherwise ?? { kind: 'ok' };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const asked = range ? Number(range[1]) : 0;
    if (route.requireHeader && req.headers[route.requireHeader[0]] !== route.requireHeader[1]) {
      this.record(path, req, fault.kind, 401, asked);
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    if (fault.kind === 'status') {
      this.record(path, req, fault.kind, fault.code, asked);
      res.writeHead(fault.code, { 'content-type': 'text/plain' }).end(`status ${fault.code}\n`);
      return;
    }

    const total = route.body.length;
    if (range && route.rejectRanges) {
      this.record(path, req, fault.kind, 416, asked);
      res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
      return;
    }
    let start = 0;
    let status = 200;
    if (range && route.ranges !== false) {
      start = asked;
      if (start >= total) {
        this.record(path, req, fault.kind, 416, asked);
        res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
        return;
      }
      status = 206;
    }
    let body = route.body.subarray(start);
    if (fault.kind === 'corrupt') {
      body = Buffer.from(body);
      for (let i = 0; i < body.length; i += 1024) body[i] ^= 0xff;
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      'accept-ranges': route.ranges === false ? 'none' : 'bytes',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${total - 1}/${total}`;
    const rec = this.record(path, req, fault.kind, status, start);
    res.writeHead(status, headers);
    res.flushHeaders();

    const send = (chunk: Buffer, done?: () => void) => {
      rec.bytesSent += chunk.length;
      if (chunk.length === 0) {
        done?.();
        return;
      }
      res.write(chunk, () => done?.());
    };
    switch (fault.kind) {
      case 'cut':
        send(body.subarray(0, fault.at), () => res.socket?.destroy());
        return;
      case 'short':
        send(body.subarray(0, fault.at), () => res.socket?.end());
        return;
      case 'stall':
        send(body.subarray(0, fault.at));
        return; // never finished; close() destroys the socket
      case 'hold':
        send(body.subarray(0, fault.at));
        void fault.release.then(() => {
          if (res.destroyed || res.socket?.destroyed) return;
          const rest = body.subarray(fault.at);
          rec.bytesSent += rest.length;
          res.end(rest);
        });
        return;
      case 'slow': {
        let off = 0;
        const tick = () => {
          if (res.destroyed || res.socket?.destroyed) return;
          const chunk = body.subarray(off, off + fault.chunk);
          off += chunk.length;
          if (off >= body.length) {
            rec.bytesSent += chunk.length;
            res.end(chunk);
            return;
          }
          send(chunk);
          const t = setTimeout(() => {
            this.timers.delete(t);
            tick();
          }, fault.everyMs);
          this.timers.add(t);
        };
        tick();
        return;
      }
      default:
        rec.bytesSent += body.length;
        res.end(body);
    }
  }

  private record(path: string, req: http.IncomingMessage, fault: Fault['kind'], status: number, start: number): RequestRecord {
    const rec: RequestRecord = { path, range: req.headers.range, fault, status, start, bytesSent: 0 };
    this.log.push(rec);
    return rec;
  }
}

/** Deterministic PRNG (mulberry32) for seeded fault trials. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
