import type { Attributes } from '../tracing/handles.js';
import { currentObservation } from '../tracing/open.js';
import { checkMetric, type Observation } from '../tracing/observation.js';

/**
 * Records a named event with data on the current span (or trace). A no-op outside a trace.
 *
 * @example
 * logEvent('cache_miss', { key });
 */
export function logEvent(name: string, data?: unknown): void {
  onCurrent('logEvent', (observation) => observation.logEvent(name, data));
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
  onCurrent('logMetric', (observation) => observation.logMetric(name, value));
}

/**
 * Merges metadata into the current trace (or the current span's attributes). A no-op
 * outside a trace.
 *
 * @example
 * logMetadata({ userId: 'u_123', plan: 'pro' });
 */
export function logMetadata(metadata: Attributes): void {
  onCurrent('logMetadata', (observation) => observation.logMetadata(metadata));
}

/** Records on the current observation, if any; what fails is reported, never thrown. */
function onCurrent(what: string, record: (observation: Observation) => void): void {
  const observation = currentObservation();
  if (observation === undefined) return;
  try {
    record(observation);
  } catch (error) {
    observation.client.logger.problem('internal', `${what} failed: ${String(error)}`, error);
  }
}
