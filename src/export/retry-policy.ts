/** Base of the exponential backoff between failed deliveries, in milliseconds (the `retryInitialDelayMs` default). */
export const BACKOFF_BASE_MS = 500;
/** Longest wait between two attempts, in milliseconds (the `retryMaxDelayMs` default). */
export const BACKOFF_MAX_MS = 30_000;
/** Longest `Retry-After` honoured, in milliseconds; a server asking for more gets retried then. */
export const RETRY_AFTER_MAX_MS = 300_000;

/**
 * Delay before delivery attempt number `attempt` (1 = first retry): exponential with
 * "equal jitter" (half fixed, half random), or the server's `Retry-After` when it gave one.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
  baseMs: number = BACKOFF_BASE_MS,
  maxMs: number = BACKOFF_MAX_MS,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), RETRY_AFTER_MAX_MS);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
