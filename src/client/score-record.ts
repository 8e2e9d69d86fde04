import type { ScoreRecord } from '../registry/records.js';
import { sanitizeString } from '../serialize/sanitize-string.js';
import { newId, nowIso } from '../tracing/timing.js';

/** Options of a score. */
export interface ScoreOptions {
  /** The span the score is about. */
  spanId?: string;
  /** Inferred from the value: boolean → `boolean`, string → `categorical`, number → `numeric`. */
  dataType?: 'numeric' | 'categorical' | 'boolean';
  comment?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates a score (docs/protocol.md, Scores) and builds its record; throws `TypeError` on
 * misuse. Its strings are made safe for the database (no U+0000, no lone surrogate); the
 * client redacts the free text (`comment`, a categorical value) before it is queued.
 */
export function buildScore(traceId: string, name: string, value: number | boolean | string, options: ScoreOptions): ScoreRecord {
  if (typeof traceId !== 'string' || !UUID.test(traceId)) throw new TypeError(`score: traceId must be a trace id (UUID), got ${String(traceId)}`);
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError('score: name must be a non-blank string');
  if (options.spanId !== undefined && (typeof options.spanId !== 'string' || !UUID.test(options.spanId))) {
    throw new TypeError(`score: spanId must be a span id (UUID), got ${String(options.spanId)}`);
  }
  const inferred = typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'categorical' : 'numeric';
  const dataType = options.dataType ?? inferred;
  if (dataType !== inferred) {
    throw new TypeError(`score: dataType '${dataType}' conflicts with a ${typeof value} value (${inferred} expected)`);
  }
  const record: ScoreRecord = {
    id: newId(),
    trace_id: traceId,
    name: sanitizeString(name),
    value: 0,
    data_type: dataType,
    source: 'api',
    created_at: nowIso(),
  };
  if (typeof value === 'boolean') record.value = value ? 1 : 0;
  else if (typeof value === 'string') {
    if (value.trim() === '') throw new TypeError('score: a categorical value must be a non-blank string');
    record.string_value = sanitizeString(value);
  } else {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`score: value must be a finite number, a boolean or a string, got ${String(value)}`);
    record.value = value;
  }
  if (options.spanId !== undefined) record.span_id = options.spanId;
  if (options.comment !== undefined) record.comment = sanitizeString(String(options.comment));
  return record;
}
