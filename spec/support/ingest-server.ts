// A local stand-in for the NorthStar ingest endpoint that enforces every rule of
// docs/protocol.md and keeps what it accepts, for the SDK specs, the demo and the benchmarks.
// It deliberately imports nothing from src/ or decorators/: it is an independent check.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { findDatabaseRefusal } from './database-rules.js';
import { ScriptedFaults, type FaultAction, type FaultScript } from './fault-script.js';
import { INVALID_REFERENCES, IngestStore } from './ingest-store.js';
import { PROMPTS_RESOLVE_PATH, PromptStore } from './prompt-store.js';
import { validateBatch, type WireRecord } from './protocol-rules.js';

export type { FaultScript, PoisonPredicate } from './fault-script.js';
export { PROMPT_FIXTURE_IDS, PROMPTS_RESOLVE_PATH } from './prompt-store.js';
export type { PromptStore, StoredPrompt, StoredPromptVersion } from './prompt-store.js';

/** The path the real endpoint serves; every other path is a 404. */
export const INGEST_PATH = '/functions/v1/ingest-traces';

/** One request the server received, as it was answered. */
export interface StoredBatchLog {
  /** HTTP status sent, or 0 when a fault reset the connection or left it hanging. */
  status: number;
  /** Size of the request body in bytes. */
  bytes: number;
  /** The body parsed as JSON, or the raw text when it is not JSON ('' when over maxBodyBytes). */
  body: unknown;
  /** Why the request was not stored: the error sent back, or the fault applied. */
  error?: string;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** Options of {@link startIngestServer}. */
export interface IngestServerOptions {
  /** The only API key the server accepts. @default 'test-key' */
  apiKey?: string;
  /** Bodies larger than this get a 413. @default 5 MiB */
  maxBodyBytes?: number;
  /** Port to listen on, on 127.0.0.1. @default a free port */
  port?: number;
}

/** A running protocol-enforcing ingest server and everything it has stored. */
export interface IngestServer {
  /** The ingest URL, e.g. `http://127.0.0.1:PORT/functions/v1/ingest-traces`. */
  url: string;
  /** The only valid API key. */
  apiKey: string;
  /** Stored records by id, merged by upsert; spans in insertion (parent-first) order. */
  sessions: Map<string, any>;
  runs: Map<string, any>;
  spans: Map<string, any>;
  events: Map<string, any>;
  scores: Map<string, any>;
  /** Stored prompt links, one per (span_id, prompt_version_id). */
  promptLinks: any[];
  /** The prompts resolve URL, `http://127.0.0.1:PORT/functions/v1/prompts/resolve`. */
  promptsUrl: string;
  /** The project's prompts (fixtures: `support-reply` v1/v2 with `prod`/`staging`, `triage-chat`); move labels or add versions here. */
  prompts: PromptStore;
  /** Every request to a prompts path, in arrival order (not in `requests`). */
  promptRequests: StoredBatchLog[];
  /** Faults for the prompts endpoint (consumed by POSTs to the resolve path only). */
  promptFaults: FaultScript;
  /** Every request received, in arrival order. */
  requests: StoredBatchLog[];
  /** `${table}:${id}` → how many times the record was inserted or updated. */
  insertCounts: Map<string, number>;
  /** Faults to inject; consumed by POSTs to the ingest path only (not by 404s and 405s). */
  faults: FaultScript;
  /** From now on every request gets a 401, as when a key is revoked. */
  revokeKey(): void;
  /** Resolves once `predicate(server)` holds; rejects with the server's state after `timeoutMs` (default 5000). */
  waitFor(predicate: (server: IngestServer) => boolean, timeoutMs?: number): Promise<void>;
  /** Clears stored data, the request log and faults, and un-revokes the key. */
  reset(): void;
  /** Stops the server and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}

/** What the server does with one request once it has read it. */
type Outcome =
  | { kind: 'respond'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' };

const json = (status: number, payload: unknown, headers?: Record<string, string>): Outcome => ({
  kind: 'respond',
  status,
  body: JSON.stringify(payload),
  headers: { 'content-type': 'application/json', ...headers },
});

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** Reads a whole body, counting past the limit without keeping it, so a 413 can still be answered cleanly. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<{ text: string; bytes: number; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= maxBytes) chunks.push(chunk);
  }
  const tooLarge = bytes > maxBytes;
  // Invalid UTF-8 becomes U+FFFD, as in the real (Deno) endpoint's `req.json()`.
  return { text: tooLarge ? '' : new TextDecoder().decode(Buffer.concat(chunks)), bytes, tooLarge };
}

class LocalIngestServer implements IngestServer {
  readonly apiKey: string;
  url = '';
  readonly requests: StoredBatchLog[] = [];
  readonly faults = new ScriptedFaults();
  readonly promptFaults = new ScriptedFaults();
  readonly prompts = new PromptStore();
  readonly promptRequests: StoredBatchLog[] = [];
  promptsUrl = '';

  private readonly store = new IngestStore();
  private readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly maxBodyBytes: number;
  // Aborts pending slowDrain delays so close() is prompt.
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private revoked = false;

  readonly sessions = this.store.sessions;
  readonly runs = this.store.runs;
  readonly spans = this.store.spans;
  readonly events = this.store.events;
  readonly scores = this.store.scores;
  readonly promptLinks = this.store.promptLinks;
  readonly insertCounts = this.store.insertCounts;

  constructor(options: IngestServerOptions) {
    this.apiKey = options.apiKey ?? 'test-key';
    this.maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port: actual } = this.http.address() as AddressInfo;
    this.url = `http://127.0.0.1:${actual}${INGEST_PATH}`;
    this.promptsUrl = `http://127.0.0.1:${actual}${PROMPTS_RESOLVE_PATH}`;
  }

  revokeKey(): void {
    this.revoked = true;
  }

  get isRevoked(): boolean {
    return this.revoked;
  }

  private decidePrompts(req: IncomingMessage, text: string): Outcome {
    return decidePromptsRequest(this, req, text);
  }

  async waitFor(predicate: (server: IngestServer) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (predicate(this)) return;
        lastError = undefined;
      } catch (error) {
        // A predicate may look at records that have not arrived yet; keep polling.
        lastError = error;
      }
      if (Date.now() >= deadline) break;
      await sleep(5);
    }
    const thrown = lastError === undefined ? '' : `\n  last predicate error: ${String(lastError)}`;
    throw new Error(
      `ingest server: waitFor timed out after ${timeoutMs} ms waiting for ${predicate.toString()}${thrown}\n  ${this.describeState()}`,
    );
  }

  reset(): void {
    this.store.clear();
    this.requests.length = 0;
    this.faults.clear();
    this.prompts.reset();
    this.promptRequests.length = 0;
    this.promptFaults.clear();
    this.revoked = false;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      this.http.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closed;
  }

  /** One line of counts and request outcomes, for failure messages. */
  describeState(): string {
    const outcomes = this.requests.map((r) => (r.error ? `${r.status} (${r.error})` : String(r.status)));
    return (
      `stored: ${this.sessions.size} sessions, ${this.runs.size} runs, ${this.spans.size} spans, ` +
      `${this.events.size} events, ${this.scores.size} scores, ${this.promptLinks.length} prompt links; ` +
      `requests: [${outcomes.join(', ')}]`
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const at = Date.now();
      const { text, bytes, tooLarge } = await readBody(req, this.maxBodyBytes);
      const parsed = parseJson(text);
      const log: StoredBatchLog = { status: 0, bytes, body: parsed.ok ? parsed.value : text, at };
      const promptsPath = new URL(req.url ?? '/', 'http://localhost').pathname.startsWith('/functions/v1/prompts');
      (promptsPath ? this.promptRequests : this.requests).push(log);

      const outcome = promptsPath ? this.decidePrompts(req, text) : this.decide(req, parsed, tooLarge);
      if (outcome.kind === 'respond') {
        log.status = outcome.status;
        if (outcome.status !== 200 || (!promptsPath && outcome.body !== '{"accepted":true}')) log.error = describeRejection(outcome.body);
      } else {
        log.error = outcome.kind === 'reset' ? 'fault: connection reset' : 'fault: hanging';
      }

      if (!promptsPath && this.faults.delayMs > 0 && outcome.kind !== 'hang') {
        await sleep(this.faults.delayMs, undefined, { signal: this.closing.signal });
      }
      if (outcome.kind === 'respond') {
        const headers = { 'content-length': String(Buffer.byteLength(outcome.body)), ...outcome.headers };
        res.writeHead(outcome.status, headers).end(outcome.body);
      } else if (outcome.kind === 'reset') {
        // An RST rather than a FIN: the client sees ECONNRESET, like a dropped proxy.
        req.socket.resetAndDestroy();
      }
      // 'hang': answer nothing; close() destroys the socket.
    } catch {
      // The client went away mid-body, or close() aborted a delay: nothing to answer.
      req.socket.destroy();
    }
  }

  /**
   * Applies the endpoint's checks in the order the real stack does: routing, body size,
   * injected faults (they model the network and proxies in front of the function),
   * authentication, validation, references, poison, database, then one atomic commit.
   */
  private decide(req: IncomingMessage, parsed: ReturnType<typeof parseJson>, tooLarge: boolean): Outcome {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== INGEST_PATH) return json(404, { error: `Not found: ${path}` });
    if (req.method !== 'POST') return json(405, { error: `Method ${req.method} not allowed; use POST` }, { allow: 'POST' });
    if (tooLarge) return json(413, { error: `Payload too large: body exceeds ${this.maxBodyBytes} bytes` });

    const fault = this.faults.takeNext();
    if (fault) return faultOutcome(fault);

    const authorization = req.headers.authorization;
    if (authorization === undefined) return json(401, { error: 'Missing Authorization header' });
    if (authorization !== `Bearer ${this.apiKey}`) return json(401, { error: 'Invalid API key' });
    if (this.revoked) return json(401, { error: 'API key has been revoked' });

    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return json(400, { error: `Content-Type must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}` });
    }
    if (!parsed.ok) return json(400, { error: 'Body is not valid JSON' });

    const validation = validateBatch(parsed.value);
    if (!validation.ok) return json(400, { error: validation.error });
    const { batch } = validation;

    const brokenReference = this.store.findBrokenReference(batch, (id) => this.prompts.hasVersion(id));
    // The real server says only the first sentence; `detail` helps whoever debugs a spec.
    if (brokenReference) return json(400, { error: INVALID_REFERENCES, detail: brokenReference });

    const { sessions, runs, spans, events, scores } = batch;
    const poisoned = this.faults.findPoison({ sessions, runs, spans, events, scores });
    if (poisoned) return json(poisoned.status, { error: `fault: poisoned record at ${poisoned.where}` });

    const refusal = findDatabaseRefusal(batch) ?? this.store.findLinkMismatch(batch);
    if (refusal) return json(500, { error: `Database insert failed: ${refusal}` });

    this.store.commit(batch);
    return json(200, { accepted: true });
  }
}

/** The prompts endpoint: routing, faults, authentication, then the resolve itself. */
function decidePromptsRequest(server: LocalIngestServer, req: IncomingMessage, text: string): Outcome {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!path.endsWith('/resolve')) return json(404, { error: 'Not found' });
  if (req.method === 'OPTIONS') return { kind: 'respond', status: 204, body: '', headers: { allow: 'POST, OPTIONS' } };
  if (req.method !== 'POST') return json(405, { error: 'Method not allowed' }, { allow: 'POST, OPTIONS' });
  const fault = server.promptFaults.takeNext();
  if (fault) return faultOutcome(fault);
  const authorization = req.headers.authorization;
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return json(401, { error: 'Missing or invalid authorization header' });
  if (authorization !== `Bearer ${server.apiKey}` || server.isRevoked) return json(401, { error: 'Invalid or revoked API key' });
  const answer = server.prompts.resolve(text);
  return json(answer.status, answer.body);
}

function faultOutcome(fault: FaultAction): Outcome {
  switch (fault.kind) {
    case 'fail': {
      const body = fault.body ?? JSON.stringify({ error: `fault: injected HTTP ${fault.status}` });
      const headers: Record<string, string> = {
        'content-type': parseJson(body).ok ? 'application/json' : 'text/plain; charset=utf-8',
      };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      if (fault.location !== undefined) headers.location = fault.location;
      return { kind: 'respond', status: fault.status, body, headers };
    }
    case 'accept-without-storing':
      return {
        kind: 'respond',
        status: 200,
        body: fault.body,
        headers: { 'content-type': parseJson(fault.body).ok ? 'application/json' : 'text/plain; charset=utf-8' },
      };
    default:
      return { kind: fault.kind };
  }
}

/** The log's `error` for a non-accepting response: the body's `error` (and `detail`), else the body. */
function describeRejection(body: string): string {
  const parsed = parseJson(body);
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) {
    const { error, detail } = parsed.value as WireRecord;
    if (typeof error === 'string') return typeof detail === 'string' ? `${error}: ${detail}` : error;
  }
  return `not accepted: ${body}`;
}

/**
 * Starts a protocol-enforcing ingest server on 127.0.0.1.
 *
 * @example
 * const server = await startIngestServer();
 * init({ apiKey: server.apiKey, endpoint: server.url });
 * await server.waitFor((s) => s.runs.size === 1);
 * await server.close();
 */
export async function startIngestServer(options: IngestServerOptions = {}): Promise<IngestServer> {
  const server = new LocalIngestServer(options);
  await server.listen(options.port);
  return server;
}

/**
 * One line per request the server did not accept (`#index status error`), empty when
 * every request was stored; `assert.deepEqual(summarizeRejections(server), [])` shows
 * why a spec's batches were refused.
 */
export function summarizeRejections(server: IngestServer): string[] {
  return server.requests.flatMap((request, index) =>
    request.error === undefined ? [] : [`#${index} ${request.status} ${request.error}`],
  );
}
