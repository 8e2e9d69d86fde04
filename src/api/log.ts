import type { Attributes } from '../tracing/handles.js';
import { currentObservation } from '../tracing/open.js';
import { checkMetric } from '../tracing/observation.js';

/**
 * Records a named event with data on the current span (or trace). A no-op outside a trace.
 *
 * @example
 * logEvent('cache_miss', { key });
 */
export function logEvent(name: string, data?: unknown): void {
  const observation = currentObservation();
  if (observation === undefined) return;
  try {
    observation.logEvent(name, data);
  } catch (error) {
    observation.client.logger.problem('internal', `logEvent failed: ${String(error)}`, error);
  }
}

/**
 * Records a named numeric metric on the current span (or trace). Throws `TypeError` for
 * a boolean, a non-number or a non-finite number, even when the SDK is disabled.
 *
 * @example
 * logMetric('retrieved_docs', docs.length);
 */
export function logMetric(name: string, value: number): void {
  checkMetric(value);
  const observation = currentObservation();
  if (observation === undefined) return;
  try {
    observation.logMetric(name, value);
  } catch (error) {
    observation.client.logger.problem('internal', `logMetric failed: ${String(error)}`, error);
  }
}

/**
 * Merges metadata into the current trace (or the current span's attributes). A no-op
 * outside a trace.
 *
 * @example
 * logMetadata({ userId: 'u_123', plan: 'pro' });
 */
export function logMetadata(metadata: Attributes): void {
  const observation = currentObservation();
  if (observation === undefined) return;
  try {
    observation.logMetadata(metadata);
  } catch (error) {
    observation.client.logger.problem('internal', `logMetadata failed: ${String(error)}`, error);
  }
}
