import { installedClient } from '../client/installed.js';
import type { ScoreOptions } from '../client/score-record.js';
import { activeCore } from '../tracing/open.js';

/**
 * Scores a trace (or one of its spans): a number, a boolean (stored as 1/0) or a
 * category string. Never throws (it is called from request handlers): a missing or
 * malformed trace id (`currentTraceId()` outside a trace), a blank name, a non-finite
 * number or a `dataType` that contradicts the value is reported (`onError` kind
 * `'invalid'`, debug log) and the score dropped.
 *
 * @example
 * score(traceId, 'helpfulness', 0.9);
 * score(traceId, 'resolved', true);
 * score(traceId, 'tone', 'friendly', { comment: 'from reviewer' });
 */
export function score(traceId: string | undefined, name: string, value: number | boolean | string, options: ScoreOptions = {}): void {
  activeCore(); // sets the SDK up from the environment on first use
  const client = installedClient();
  if (client === undefined) return;
  client.score(traceId, name, value, options);
}
