// Shared helpers of the local-viewer specs: a collector on a free port with its own
// temporary data folder, raw HTTP requests (with any Host header), records that follow
// PROTOCOL.md, and the repository root for the built bin.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevServer, type DevServer, type DevServerOptions } from '../../src/dev/dev-server.js';

/** The repository root: the nearest folder up whose package.json is this package's. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'northstar-ai') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
}

/** A fresh temporary folder. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'northstar-dev-'));

/** A collector on a free port writing into its own temporary folder. */
export async function startCollector(options: Partial<DevServerOptions> = {}): Promise<DevServer & { dataFile: string }> {
  const dataFile = options.dataFile ?? join(tempDir(), '.northstar', 'dev.ndjson');
  const server = await startDevServer({ port: 0, maxBytes: 100 * 1024 * 1024, ...options, dataFile });
  return Object.assign(server, { dataFile });
}

/** A response read whole. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One HTTP request to 127.0.0.1:port with exactly the headers given (Host included). */
export function raw(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** POSTs a batch to the collector's ingest path. */
export function ingest(port: number, body: unknown): Promise<RawResponse> {
  return raw(port, {
    method: 'POST',
    path: '/functions/v1/ingest-traces',
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', authorization: 'Bearer anything' },
    body: JSON.stringify(body),
  });
}

/** GET of a viewer API path, parsed. */
export async function api(port: number, path: string): Promise<any> {
  const response = await raw(port, { path, headers: { host: `127.0.0.1:${port}` } });
  return response.json;
}

/** A session, a run, a model span with two events and a score: a valid batch (times from 2026-01-01, or `baseMs`). */
export function sampleBatch(overrides: { offsetMs?: number; name?: string; padding?: number; baseMs?: number } = {}) {
  const base = overrides.baseMs ?? Date.parse('2026-01-01T00:00:00.000Z');
  const now = (offsetMs = 0): string => new Date(base + offsetMs).toISOString();
  const t = overrides.offsetMs ?? 0;
  const session = { id: randomUUID(), created_at: now(t) };
  const run = {
    id: randomUUID(), session_id: session.id, name: overrides.name ?? 'agent', started_at: now(t), status: 'ok', ended_at: now(t + 50),
    metadata: { tags: ['sample'], latency_ms: 50 },
  };
  const span = {
    id: randomUUID(), run_id: run.id, kind: 'model', name: 'llm', started_at: now(t + 5), status: 'ok', ended_at: now(t + 40),
    attributes: { model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 5, cost_usd: 0.001, padding: 'x'.repeat(overrides.padding ?? 0) },
  };
  const events = [
    { id: randomUUID(), run_id: run.id, span_id: span.id, type: 'user_input', created_at: now(t + 6), content: 'hello' },
    { id: randomUUID(), run_id: run.id, span_id: span.id, type: 'assistant_message', created_at: now(t + 39), content: 'hi there' },
  ];
  const score = { id: randomUUID(), trace_id: run.id, name: 'helpful', value: 1, data_type: 'boolean', source: 'api', created_at: now(t + 60) };
  return { schema_version: 2, sessions: [session], runs: [run], spans: [span], events, scores: [score], prompt_links: [] as unknown[] };
}
