/**
 * A thin Kubernetes REST client on node's built-in `https`, authenticated with the client
 * certificate of the kubeconfig that provision.sh writes.
 *
 * Why not @kubernetes/client-node: v1 is ESM-only ("type": "module", no CommonJS entry),
 * which jest + ts-jest (CommonJS) cannot require. The tier also needs raw access to what
 * a typed client hides: every `Warning` response header, exact status codes, `dryRun`,
 * `fieldValidation=Strict` and server-side apply.
 */
import * as fs from 'fs';
import * as https from 'https';
import { parse as parseYaml } from 'yaml';

export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  /** Text of every `Warning` response header (RFC 7234 warn-text, unquoted). */
  readonly warnings: string[];
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
}

/** Error for a non-2xx response; `status` and `body` come from the API server. */
export class KubeError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly response: KubeResponse,
  ) {
    super(`${method} ${path}: HTTP ${response.status}: ${response.body?.message ?? response.text.slice(0, 2000)}`);
  }
  get status(): number {
    return this.response.status;
  }
}

/** API resource metadata from discovery. */
export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

export const FIELD_MANAGER = 'cdk8s-ml-cluster-test';

export class Kube {
  static fromKubeconfig(file: string): Kube {
    const cfg = parseYaml(fs.readFileSync(file, 'utf8'));
    const ctxName = cfg['current-context'];
    const ctx = (cfg.contexts ?? []).find((c: any) => c.name === ctxName)?.context;
    if (!ctx) throw new Error(`${file}: no current context`);
    const cluster = (cfg.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
    const user = (cfg.users ?? []).find((u: any) => u.name === ctx.user)?.user;
    if (!cluster || !user) throw new Error(`${file}: context ${ctxName} names a missing cluster or user`);
    const data = (v: string | undefined, what: string) => {
      if (!v) throw new Error(`${file}: ${what} missing (only embedded *-data certificates are supported)`);
      return Buffer.from(v, 'base64');
    };
    return new Kube(
      cluster.server,
      data(cluster['certificate-authority-data'], 'certificate-authority-data'),
      data(user['client-certificate-data'], 'client-certificate-data'),
      data(user['client-key-data'], 'client-key-data'),
    );
  }

  private readonly url: URL;
  private readonly agent: https.Agent;
  private discovery?: Map<string, ResourceInfo>;

  constructor(server: string, ca: Buffer, cert: Buffer, key: Buffer) {
    this.url = new URL(server);
    this.agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 8 });
  }

  /** Closes idle keep-alive sockets so jest can exit. */
  close(): void {
    this.agent.destroy();
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const query = Object.entries(opts.query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          agent: this.agent,
          hostname: this.url.hostname,
          port: this.url.port,
          method,
          path: `${path}${query ? `?${query}` : ''}`,
          timeout: 60_000,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: any = undefined;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = undefined;
            }
            const warnings: string[] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i].toLowerCase() === 'warning') warnings.push(parseWarning(res.rawHeaders[i + 1]));
            }
            resolve({ status: res.statusCode ?? 0, body, text, warnings });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like request, but throws KubeError unless the status is 2xx. */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const res = await this.request(method, path, opts);
    if (res.status < 200 || res.status > 299) throw new KubeError(method, path, res);
    return res;
  }

  async get(path: string): Promise<any> {
    return (await this.call('GET', path)).body;
  }

  /** GET that returns undefined on 404. */
  async tryGet(path: string): Promise<any> {
    const res = await this.request('GET', path);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw new KubeError('GET', path, res);
    return res.body;
  }

  /** Maps `apiVersion/kind` to its REST resource, from the server's discovery documents. */
  async resources(refresh = false): Promise<Map<string, ResourceInfo>> {
    if (this.discovery && !refresh) return this.discovery;
    const groupVersions: string[] = ['v1'];
    const groups = await this.get('/apis');
    for (const g of groups.groups) for (const v of g.versions) groupVersions.push(v.groupVersion);
    const out = new Map<string, ResourceInfo>();
    await Promise.all(
      groupVersions.map(async (gv) => {
        const list = await this.get(gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
        for (const r of list.resources) {
          if (r.name.includes('/')) continue; // subresource
          out.set(`${gv}/${r.kind}`, { apiVersion: gv, kind: r.kind, resource: r.name, namespaced: r.namespaced });
        }
      }),
    );
    this.discovery = out;
    return out;
  }

  async resourceFor(obj: { apiVersion: string; kind: string }): Promise<ResourceInfo> {
    const info = (await this.resources()).get(`${obj.apiVersion}/${obj.kind}`);
    if (!info) throw new Error(`the API server serves no resource for apiVersion ${obj.apiVersion} kind ${obj.kind} (missing CRD?)`);
    return info;
  }

  /** Collection path, e.g. /apis/batch/v1/namespaces/ns/jobs. */
  collectionPath(info: ResourceInfo, namespace?: string): string {
    const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
    return info.namespaced ? `${base}/namespaces/${namespace ?? 'default'}/${info.resource}` : `${base}/${info.resource}`;
  }

  async objectPath(obj: any): Promise<string> {
    const info = await this.resourceFor(obj);
    return `${this.collectionPath(info, obj.metadata?.namespace)}/${encodeURIComponent(obj.metadata.name)}`;
  }

  /**
   * Server-side apply with `fieldValidation=Strict` (unknown or duplicate fields are
   * errors), forcing conflicts unless `force: false`. Returns the raw response; callers decide what a warning or error means.
   */
  async apply(obj: any, opts: { dryRun?: boolean; fieldManager?: string; force?: boolean } = {}): Promise<KubeResponse> {
    const path = await this.objectPath(obj);
    return this.request('PATCH', path, {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: opts.fieldManager ?? FIELD_MANAGER,
        force: opts.force ?? true,
        fieldValidation: 'Strict',
        dryRun: opts.dryRun ? 'All' : undefined,
      },
    });
  }

  /**
   * Server-side applies `obj` again as `fieldManager` without force (how Argo CD syncs) and
   * tells what the apply wrote, or undefined when it wrote nothing. A controller may write the
   * object (its status) between our read and our apply, which moves resourceVersion too; the
   * apply itself is a no-op when its answer carries the resourceVersion read just before it,
   * and a write of ours shows as a new generation or a new managedFields entry of
   * `fieldManager`. Retried while only such a race explains the new resourceVersion.
   */
  async reapplyChange(obj: any, fieldManager: string, attempts = 5): Promise<string | undefined> {
    const p = await this.objectPath(obj);
    const entry = (o: any) => JSON.stringify((o.metadata.managedFields ?? []).find((m: any) => m.manager === fieldManager && m.operation === 'Apply'));
    let last = '';
    for (let attempt = 0; attempt < attempts; attempt++) {
      const before = await this.get(p);
      const res = await this.apply(obj, { fieldManager, force: false });
      if (res.status < 200 || res.status > 299) return `HTTP ${res.status}: ${res.body?.message ?? res.text}`;
      const after = res.body;
      if (after.metadata.resourceVersion === before.metadata.resourceVersion) return undefined;
      if (after.metadata.generation !== before.metadata.generation) return `generation ${before.metadata.generation} → ${after.metadata.generation}`;
      if (entry(after) !== entry(before)) return `${fieldManager}'s managed fields changed (resourceVersion ${before.metadata.resourceVersion} → ${after.metadata.resourceVersion})`;
      last = `resourceVersion ${before.metadata.resourceVersion} → ${after.metadata.resourceVersion}`;
    }
    return `${last} on each of ${attempts} attempts`;
  }

  /** POST with `fieldValidation=Strict`, optionally as a server-side dry run. */
  async create(obj: any, opts: { dryRun?: boolean } = {}): Promise<KubeResponse> {
    const info = await this.resourceFor(obj);
    return this.request('POST', this.collectionPath(info, obj.metadata?.namespace), {
      body: obj,
      query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  async list(apiVersion: string, kind: string, namespace?: string, query: Record<string, string> = {}): Promise<any[]> {
    const info = await this.resourceFor({ apiVersion, kind });
    const res = await this.call('GET', this.collectionPath(info, namespace), { query });
    return res.body.items;
  }
}

function parseWarning(value: string): string {
  // warn-code SP warn-agent SP warn-text, e.g. 299 - "unknown field \"spec.foo\""
  const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(value);
  return m ? m[1].replace(/\\(.)/g, '$1') : value;
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after
 * `timeoutMs` with the text of `describe()` (what was last seen). For waiting on
 * conditions the API server reports; never a blind sleep.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${describe ? `: ${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}
