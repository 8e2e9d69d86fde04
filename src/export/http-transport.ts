import ky, { type Options } from 'ky';
import { clipText } from '../util/text.js';
import { describeNetworkError, wrongEndpointResult } from './delivery-diagnostics.js';
import { answerText, createNodeHttpFetch, type HeldBody, WIRE_BODY, type WireBody } from './node-http-fetch.js';

/** What one request achieved, as the flusher needs to know it (docs/protocol.md, Responses). */
export type SendResult =
  | { readonly kind: 'accepted' }
  /** 400 or 413: this batch will never be stored as it is. */
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'unauthorized'; readonly message: string }
  /** Worth retrying later: network error, timeout, 403, 408/429/5xx, a redirect, or a 200 that did not store. */
  | { readonly kind: 'transient'; readonly status?: number; readonly retryAfterMs?: number; readonly message: string };

/**
 * Sends one request body (UTF-8 bytes, or text) to the ingest endpoint; `close`, where
 * present, releases what the transport holds (the worker transport's thread, idle
 * keep-alive sockets) once its client has delivered everything. `thread` marks the worker
 * transport.
 */
export type Transport = ((body: WireBody) => Promise<SendResult>) & { close?: () => void; thread?: true };
export type { WireBody };

/** Where and how the HTTP transport sends. */
export interface HttpTransportOptions {
  readonly endpoint: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

const MAX_ERROR_TEXT = 300;

/**
 * The HTTP transport, built on ky. Retries are left to the flusher (`retry: 0`): they
 * resend the latest state of each record, span flush cycles and must not hold a
 * finished process open, which ky's in-request retry sleeps would.
 */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const client = ky.create({
    timeout: options.timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    // A redirect is never followed: a 301/302/303 would turn the POST into a bodiless GET
    // whose answer proves nothing, and a 307/308 would re-post the traces (and the key) elsewhere.
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      'content-type': 'application/json',
    },
  });
  // On Node the body goes beside the Request, straight to a socket (src/export/node-http-fetch.ts).
  const direct = createNodeHttpFetch();
  // The body rides in a holder that the node:http fetch empties once it has written it, and
  // no frame below keeps it: a large body is not held here while its request is in flight.
  const send: Transport = (body) => post({ body });
  const post = async (held: HeldBody): Promise<SendResult> => {
    let response: Response;
    try {
      response = await (direct !== undefined && direct.usable()
        ? // The node:http fetch resolves once the whole answer is read: ky's timeout bounds all of it.
          client.post(options.endpoint, { fetch: direct.fetch as typeof fetch, [WIRE_BODY]: held } as Options)
        : // fetch resolves when the headers arrive, and ky's timeout with it; this signal also bounds reading the body.
          client.post(options.endpoint, { body: held.body, signal: bodyTimeout(options.timeoutMs * 2) }));
    } catch (error) {
      return { kind: 'transient', message: describeNetworkError(error) };
    }
    let text = answerText(response);
    if (text === undefined) {
      try {
        text = await response.text();
      } catch (error) {
        return { kind: 'transient', status: response.status, message: `reading the response failed: ${String(error)}` };
      }
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      if (acceptedBody(text)) return { kind: 'accepted' };
      return { kind: 'transient', status, message: `the server answered ${status} without "accepted": true: ${clip(text)}` };
    }
    if (status >= 300 && status < 400) {
      const to = redirectTarget(response.headers.get('location'), options.endpoint);
      return { kind: 'transient', status, message: `HTTP ${status}: the endpoint redirects${to}; redirects are not followed (set endpoint to the final URL)` };
    }
    const message = `HTTP ${status}: ${errorText(text)}`;
    // Only 401 means the key is refused; a 403 is as often a proxy or firewall page, retried (the flusher stops on a long run of them).
    if (status === 401) return { kind: 'unauthorized', message };
    if (status === 400 || status === 413 || status === 422) return { kind: 'rejected', status, message };
    const wrongUrl = wrongEndpointResult(status, options.endpoint, errorText(text));
    if (wrongUrl !== undefined) return wrongUrl;
    return { kind: 'transient', status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')), message };
  };
  if (direct !== undefined) send.close = () => direct.close();
  return send;
}

/** An abort signal after `ms`, where the runtime has `AbortSignal.timeout`. */
function bodyTimeout(ms: number): AbortSignal | undefined {
  return typeof AbortSignal !== 'undefined' && typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(ms) : undefined;
}

/** ` to <origin><path>` of a redirect's Location (no query, no credentials), or ''. */
function redirectTarget(location: string | null, base: string): string {
  if (location === null) return '';
  try {
    const url = new URL(location, base);
    return ` to ${url.origin}${url.pathname}`;
  } catch {
    return '';
  }
}

function acceptedBody(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && (parsed as { accepted?: unknown }).accepted === true;
  } catch {
    return false;
  }
}

function errorText(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error === 'string') return clip(error);
  } catch {
    // Not JSON: show the raw text.
  }
  return clip(text);
}

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${clipText(text, MAX_ERROR_TEXT)}…` : text;
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
