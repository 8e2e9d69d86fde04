import type { Logger } from '../debug/logger.js';
import { RETRY_AFTER_MAX_MS } from './retry-policy.js';

/**
 * The transient send result of a wrong endpoint (one of http-transport's `SendResult`s;
 * spelt out here so that the transport can import this file without a cycle).
 */
export interface WrongEndpointResult {
  readonly kind: 'transient';
  readonly status: number;
  readonly retryAfterMs: number;
  readonly message: string;
}

/** HTTP statuses that mean the URL is wrong, not that the server is struggling. */
const WRONG_URL: ReadonlySet<number> = new Set([404, 405, 410]);

/** The endpoint as it may be shown: no user, password, query or fragment. */
export function publicUrl(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '[the configured endpoint]';
  }
}

/**
 * A failed request's result when the status says the endpoint is wrong (404, 405, 410):
 * one message that says what to fix, and the longest wait before the next attempt. The
 * records are kept (bounded by `maxQueueSize`), so a route that comes back still
 * delivers, but the URL is not hammered. Undefined for other statuses.
 */
export function wrongEndpointResult(status: number, endpoint: string, serverText: string): WrongEndpointResult | undefined {
  if (!WRONG_URL.has(status)) return undefined;
  const message =
    `HTTP ${status} from ${publicUrl(endpoint)}${serverText ? ` (${serverText})` : ''}: check the endpoint ` +
    '(the endpoint option / NORTHSTAR_ENDPOINT, or projectId / NORTHSTAR_PROJECT_ID); records are kept and retried every 5 minutes';
  return { kind: 'transient', status, retryAfterMs: RETRY_AFTER_MAX_MS, message };
}

/** A network error with its cause shown: `fetch failed (ECONNREFUSED 127.0.0.1:4318)`. */
export function describeNetworkError(error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const cause = describeCause((error as { cause?: unknown } | null)?.cause);
  return `${name}: ${message}${cause ? ` (${cause})` : ''}`;
}

function describeCause(cause: unknown, depth = 0): string | undefined {
  if (cause === null || typeof cause !== 'object' || depth > 3) return undefined;
  const c = cause as { code?: unknown; address?: unknown; port?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  // Several addresses tried (localhost as ::1 and 127.0.0.1): an AggregateError lists each.
  if (Array.isArray(c.errors) && c.errors.length > 0) {
    const parts = c.errors.map((e) => describeCause(e, depth + 1)).filter((p): p is string => p !== undefined);
    if (parts.length > 0) return [...new Set(parts)].join(', ');
  }
  if (typeof c.code === 'string') {
    const where = typeof c.address === 'string' ? ` ${c.address}${typeof c.port === 'number' ? `:${c.port}` : ''}` : '';
    return `${c.code}${where}`;
  }
  const inner = describeCause(c.cause, depth + 1);
  if (inner !== undefined) return inner;
  return typeof c.message === 'string' && c.message !== '' ? c.message : undefined;
}

/** Reports a failed delivery: a wrong endpoint once (it will not fix itself), anything else each time. */
export function reportDeliveryFailure(logger: Logger, result: { readonly kind: string; readonly status?: number }, message: string): void {
  if (result.kind === 'transient' && result.status !== undefined && WRONG_URL.has(result.status)) {
    logger.problemOnce(`endpoint-${result.status}`, 'endpoint', message);
  } else {
    logger.problem('delivery', message);
  }
}
