import { installedClient } from '../client/installed.js';
import { buildScore, type ScoreOptions } from '../client/score-record.js';

/**
 * Scores a trace (or one of its spans): a number, a boolean (stored as 1/0) or a
 * category string. Throws `TypeError` for an invalid value or a `dataType` that
 * contradicts the value, even when the SDK is disabled.
 *
 * @example
 * score(traceId, 'helpfulness', 0.9);
 * score(traceId, 'resolved', true);
 * score(traceId, 'tone', 'friendly', { comment: 'from reviewer' });
 */
export function score(traceId: string, name: string, value: number | boolean | string, options: ScoreOptions = {}): void {
  const client = installedClient();
  if (client === undefined) {
    buildScore(traceId, name, value, options);
    return;
  }
  client.score(traceId, name, value, options);
}
