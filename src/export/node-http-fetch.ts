// The fetch ky sends ingest requests with on Node: node:http(s) over one keep-alive agent,
// the body handed over beside the Request instead of inside it. ky clones every
// Request before it sends it (for its retries), and cloning a body means teeing its stream
// and copying every chunk: with undici's fetch a 600 KB batch cost about 5 ms of the caller's
// CPU, against under 2 ms written straight to a socket (bench/README.md, "Where the time
// goes"). ky still does everything else: timeout, hooks, the error and response handling.
//
// Used only where nothing else is expected to see the requests: not when `fetch` was
// replaced (nock, msw, a tracing agent), not when a non-default undici dispatcher is set
// (a proxy, a mock agent), not with NODE_USE_ENV_PROXY, and not outside Node (Bun, Deno,
// edge runtimes keep their own fetch). There the body goes inside the Request as before.
import type * as Http from 'node:http';
import { nodeBuiltin } from '../util/runtime.js';

/** The ky option that carries the body to {@link NodeHttpFetch} (ky passes unknown options on to fetch). */
export const WIRE_BODY = 'northstarWireBody';

/** A request body: UTF-8 bytes (what the flusher builds), or text. */
export type WireBody = Uint8Array | string;

/** The body, taken out (`body` set to undefined) by the fetch that sends it. */
export interface HeldBody {
  body: WireBody | undefined;
}

/** The second argument ky gives fetch: the options it does not know itself. */
type FetchExtras = { readonly [WIRE_BODY]?: HeldBody };

/** A fetch for ky over node:http(s), and whether it may be used for the next request. */
export interface NodeHttpFetch {
  readonly fetch: (request: Request, extras?: FetchExtras) => Promise<Response>;
  /** False when `fetch` was replaced since the SDK loaded, a non-default undici dispatcher is set or NODE_USE_ENV_PROXY is: send through fetch then. */
  usable(): boolean;
  /** Closes the idle keep-alive sockets (they never hold the process open: the agent unrefs them). */
  close(): void;
}

type HttpModule = typeof Http;
type Dispatcher = { constructor?: { name?: unknown } } | undefined;

const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
// `fetch` as this module found it: a later replacement means someone watches or steers fetch.
const LOADED_FETCH: unknown = (globalThis as { fetch?: unknown }).fetch;
// Responses without a body: `new Response(body, { status })` refuses a body for them.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
// The text of each answer this fetch read: the Response it resolves with has no body stream
// (building one and reading it back cost more than the request's own socket work).
const answers = new WeakMap<Response, string>();
// Below the 5 s keep-alive timeout of Node's own server and most proxies, so that a socket
// is not reused just as the server closes it; a shorter `Keep-Alive: timeout=` hint wins.
const IDLE_SOCKET_MS = 4_000;
// The ingest answer is a few bytes; past this much of an answer the rest is not kept.
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Whether `fetch` was replaced since the SDK loaded (nock, msw, a tracing agent): requests
 * then go through it on the caller's thread, where the replacement can see them.
 */
export function fetchReplaced(): boolean {
  return globalThis.fetch !== LOADED_FETCH;
}

/**
 * The body of an answer {@link NodeHttpFetch} read, as text; undefined for any other
 * Response (read that one with `text()`). ky hands the Response on unchanged (no
 * afterResponse hooks here).
 */
export function answerText(response: Response): string | undefined {
  return answers.get(response);
}

/** The node:http fetch, or undefined where requests must go through the runtime's fetch. */
export function createNodeHttpFetch(): NodeHttpFetch | undefined {
  const host = globalThis as { process?: { versions?: { node?: unknown; bun?: unknown }; env?: Record<string, string | undefined> }; Deno?: unknown };
  const versions = host.process?.versions;
  if (typeof versions?.node !== 'string' || versions.bun !== undefined || host.Deno !== undefined) return undefined;
  const http = nodeBuiltin<HttpModule>('node:http');
  const https = nodeBuiltin<HttpModule>('node:https');
  if (http === undefined || https === undefined) return undefined;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  };
  const modules = { 'http:': http, 'https:': https };

  return {
    fetch(request, extras) {
      const held = extras?.[WIRE_BODY];
      const protocol = request.url.startsWith('https:') ? 'https:' : request.url.startsWith('http:') ? 'http:' : undefined;
      if (held === undefined || protocol === undefined) return (globalThis.fetch as typeof fetch)(request);
      // Sent once: a second attempt with the same holder (ky's own retries are off) must not go out empty.
      if (held.body === undefined) return Promise.reject(new TypeError('fetch failed', { cause: new Error('the request body was already sent') }));
      const bytes = typeof held.body === 'string' ? Buffer.from(held.body, 'utf8') : held.body;
      held.body = undefined;
      return send(modules[protocol], agents[protocol], request, bytes);
    },
    usable() {
      if (fetchReplaced() || host.process?.env?.NODE_USE_ENV_PROXY) return false;
      // Node creates a plain undici Agent on its first fetch; anything else (ProxyAgent, MockAgent) was set by the program.
      const dispatcher = (globalThis as Record<symbol, Dispatcher>)[DISPATCHER];
      return dispatcher === undefined || dispatcher.constructor?.name === 'Agent';
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * One POST of `bytes` on the agent's sockets, answered once the whole answer is read (so
 * ky's timeout bounds reading it too) with a bodiless Response whose text is in `answers`;
 * fails as fetch does (`TypeError: fetch failed`, the cause kept).
 */
function send(module: HttpModule, agent: Http.Agent, request: Request, bytes: Uint8Array): Promise<Response> {
  const signal = request.signal;
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['content-length'] = String(bytes.byteLength);
    let settled = false;
    const finish = (error: unknown, response?: Response): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (response !== undefined) resolve(response);
      else reject(error);
    };
    const fail = (cause: unknown): void => finish(new TypeError('fetch failed', { cause }));
    const req = module.request(request.url, { method: request.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept >= MAX_ANSWER_BYTES) return;
        chunks.push(chunk);
        kept += chunk.length;
      });
      res.on('error', fail);
      // A connection closed mid-answer: without this the request would wait for ky's timeout.
      res.on('close', () => {
        if (!res.complete) fail(new Error('the connection closed before the response ended'));
      });
      res.on('end', () => {
        try {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i] as string, raw[i + 1] as string);
          const response = new Response(null, { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
          answers.set(response, NULL_BODY_STATUS.has(status) ? '' : Buffer.concat(chunks).toString('utf8'));
          finish(undefined, response);
        } catch (error) {
          // A status the Response constructor refuses (outside 200-599): not an HTTP answer fetch would give either.
          fail(error);
        }
      });
    });
    const onAbort = (): void => {
      finish(signal.reason);
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(bytes);
  });
}
