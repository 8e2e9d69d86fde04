// The HTTP side of `northstar-ai dev`: the ingest endpoint (the hosted contract), the
// viewer's JSON API, a server-sent-events stream and the prebuilt viewer page. Bound to
// 127.0.0.1; every request must name a loopback Host (DNS rebinding) and, when it carries
// an Origin, a loopback one (no other web page may post here). No CORS headers at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DEV_INGEST_PATH } from '../config/dev-switch.js';
import { isObject, validateBatch } from './protocol.js';
import { TraceLog } from './trace-log.js';

/** What `/api/health` answers; a second start reads it to recognise a running viewer. */
export const SERVICE_NAME = 'northstar-ai dev';

/** Options of `startDevServer`. */
export interface DevServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The NDJSON log file. */
  readonly dataFile: string;
  /** Size cap of the log file in bytes. */
  readonly maxBytes: number;
  /** Folder of the built viewer page (index.html and its assets); absent: API only. */
  readonly assetsDir?: string;
  /** Request body cap in bytes (413 past it). @default 16 MiB */
  readonly maxBodyBytes?: number;
}

/** A refused batch, shown in the viewer's "Rejected batches" panel. */
export interface Rejection {
  readonly at: string;
  readonly status: number;
  readonly error: string;
  /** Record counts of the refused body, when it parsed. */
  readonly counts?: Readonly<Record<string, number>>;
  /** The start of the refused body, for inspection. */
  readonly excerpt: string;
}

/** A running viewer. */
export interface DevServer {
  readonly url: string;
  readonly port: number;
  readonly log: TraceLog;
  readonly rejections: readonly Rejection[];
  /** Stops accepting, ends the event streams and closes the log. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;
const MAX_REJECTIONS = 200;
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

/** True when a Host (or Origin host) names this machine's loopback interface. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && isLoopbackHost(url.host);
  } catch {
    return false;
  }
}

/** The files of the built page, read once at start: requests only ever pick from this map. */
function loadAssets(dir: string | undefined): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  if (!dir) return assets;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type) assets.set(`/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(text);
}

const counts = (body: unknown): Record<string, number> | undefined => {
  if (!isObject(body)) return undefined;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(body)) if (Array.isArray(value)) out[key] = value.length;
  return out;
};

/** The file name an export of a run is offered under (only safe characters). */
const exportName = (name: string, id: string): string =>
  `${name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'run'}-${id.slice(0, 8)}.json`;

/** Starts the collector and viewer on 127.0.0.1. Rejects with EADDRINUSE when the port is taken. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = new TraceLog(options.dataFile, options.maxBytes);
  const assets = loadAssets(options.assetsDir);
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const rejections: Rejection[] = [];
  const streams = new Set<ServerResponse>();
  const pending = new Set<string>();
  const removed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const broadcast = (event: string, data: unknown): void => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  // Runs that change in a burst of batches are pushed once, a quarter second later.
  const schedule = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      const runs = [...pending].map((id) => log.store.summary(id)).filter((s) => s !== undefined);
      if (runs.length > 0 || removed.size > 0) broadcast('runs', { runs, removed: [...removed] });
      pending.clear();
      removed.clear();
    }, 250);
    timer.unref();
  };

  const reject = (status: number, error: string, raw: Buffer, parsed?: unknown): Rejection => {
    const rejection: Rejection = {
      at: new Date().toISOString(),
      status,
      error,
      ...(parsed !== undefined && counts(parsed) ? { counts: counts(parsed)! } : {}),
      excerpt: raw.subarray(0, 2000).toString('utf8'),
    };
    rejections.unshift(rejection);
    rejections.length = Math.min(rejections.length, MAX_REJECTIONS);
    broadcast('rejected', rejection);
    return rejection;
  };

  /** Validates, checks references, stores and logs one batch. */
  const ingest = (raw: Buffer, body: unknown): { status: number; body: unknown; runs?: string[] } => {
    const valid = validateBatch(body);
    if (!('batch' in valid)) return { status: valid.status, body: { error: reject(valid.status, valid.error, raw, body).error } };
    const refused = log.store.check(valid.batch);
    if (refused) return { status: refused.status, body: { error: reject(refused.status, refused.error, raw, body).error } };
    const at = new Date().toISOString();
    const touched = log.store.commit(valid.batch, at);
    for (const id of log.append(valid.batch, at)) {
      removed.add(id);
      touched.delete(id);
      pending.delete(id);
    }
    for (const id of touched) pending.add(id);
    schedule();
    return { status: 200, body: { accepted: true }, runs: [...touched] };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isLoopbackHost(req.headers.host)) {
      send(res, 403, { error: 'Host header is not a loopback name; this viewer only answers http://127.0.0.1 or http://localhost' });
      return;
    }
    if (!originAllowed(req.headers.origin)) {
      send(res, 403, { error: 'requests from other web pages are refused' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === DEV_INGEST_PATH || path === '/api/import') {
      if (method !== 'POST') {
        send(res, 405, { error: 'Method not allowed' }, { allow: 'POST' });
        return;
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBody);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          reject(413, `request body over ${maxBody} bytes`, Buffer.alloc(0));
          send(res, 413, { error: `request body over the ${maxBody}-byte cap` }, { connection: 'close' });
          return;
        }
        throw error;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        send(res, 400, { error: reject(400, 'Invalid JSON body', raw).error });
        return;
      }
      if (path === '/api/import') {
        // An export file: { northstar_export: 1, batch: { schema_version: 2, ... } }.
        const batch = isObject(body) && isObject(body.batch) ? body.batch : body;
        const result = ingest(raw, batch);
        send(res, result.status, result.status === 200 ? { accepted: true, runs: result.runs } : result.body);
        return;
      }
      const result = ingest(raw, body);
      send(res, result.status, result.body);
      return;
    }
    if (path === '/functions/v1/prompts/resolve') {
      send(res, 404, { error: 'Prompt not found' });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, 405, { error: 'Method not allowed' }, { allow: 'GET' });
      return;
    }
    if (path === '/api/health') {
      send(res, 200, { service: SERVICE_NAME, pid: process.pid, data: options.dataFile, runs: log.store.runs.size, bytes: log.size });
      return;
    }
    if (path === '/api/runs') {
      send(res, 200, { runs: log.store.summaries(), rejected: rejections.length, bytes: log.size, max_bytes: log.maxBytes });
      return;
    }
    if (path === '/api/rejected') {
      send(res, 200, { rejected: rejections });
      return;
    }
    if (path === '/api/search') {
      send(res, 200, { ids: log.store.search(url.searchParams.get('q') ?? '') });
      return;
    }
    const runMatch = /^\/api\/runs\/([0-9a-fA-F-]{36})(\/export)?$/.exec(path);
    if (runMatch) {
      const records = log.store.records(runMatch[1]!);
      if (!records) {
        send(res, 404, { error: 'no such run' });
        return;
      }
      const exported = { northstar_export: 1, exported_at: new Date().toISOString(), batch: { schema_version: 2, ...records } };
      if (runMatch[2]) {
        const name = exportName(records.runs[0]!.name as string, runMatch[1]!);
        send(res, 200, exported, { 'content-disposition': `attachment; filename="${name}"` });
      } else {
        send(res, 200, { summary: log.store.summary(runMatch[1]!), ...exported });
      }
      return;
    }
    if (path === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
      res.write('retry: 2000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const asset = assets.get(path);
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    send(res, 404, { error: 'Not found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port, '127.0.0.1', () => {
        server.off('error', rejectListen);
        resolve();
      });
    });
  } catch (error) {
    log.close();
    clearInterval(heartbeat);
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    log,
    rejections,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        if (timer) clearTimeout(timer);
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => {
          log.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What the viewer's health endpoint on a port says, or undefined when nothing of ours answers. */
export async function probeDevServer(port: number, timeoutMs = 1500): Promise<{ service: string; pid?: number; data?: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body: unknown = await response.json();
    return isObject(body) && body.service === SERVICE_NAME ? (body as { service: string; pid?: number; data?: string }) : undefined;
  } catch {
    return undefined;
  }
}
