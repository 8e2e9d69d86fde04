import { globalState } from '../context/global-state.js';
import { activeClient } from '../tracing/instrument.js';
import type { Northstar, ScoreOptions } from '../tracing/northstar-client.js';

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
  activeClient(); // sets the SDK up from the environment on first use
  const client = globalState.client as Northstar | undefined;
  if (client === undefined) return;
  client.score(traceId, name, value, options);
}
