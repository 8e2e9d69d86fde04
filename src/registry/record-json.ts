// The wire JSON of sessions, runs and spans, written field by field. JSON.stringify of one
// small record cost about 1.2 µs (its set-up per call outweighs the few fields), and every
// run and span is written when a body takes it: four of them per agent call. The text is
// what JSON.stringify of the record gives, keys in the order the SDK sets them; only the
// protocol's keys are written (docs/protocol.md, Body: any other key makes the server
// refuse the batch). A flat nested object (latency_ms, the model totals: the rule) is
// written by hand too; any other goes through JSON.stringify.
import { jsonLength, jsonString } from '../serialize/json-text.js';
import type { RunRecord, SessionRecord, SpanRecord, Table, WireRecord } from './records.js';

/** The JSON of a session, run or span; undefined for the other tables (written by JSON.stringify). */
export function recordJson(table: Table, record: WireRecord): string | undefined {
  switch (table) {
    case 'runs':
      return runJson(record as RunRecord);
    case 'spans':
      return spanJson(record as SpanRecord);
    case 'sessions':
      return sessionJson(record as SessionRecord);
    default:
      return undefined;
  }
}

/**
 * About the length of {@link recordJson}'s text for a session, run or span, without writing
 * it (top-level strings counted without their escapes, nested objects exactly); undefined
 * for the other tables. The queue counts an open record by it at each change.
 */
export function recordLength(table: Table, record: WireRecord): number | undefined {
  switch (table) {
    case 'runs': {
      const run = record as RunRecord;
      // {"id":"","session_id":"","name":"","started_at":"","status":""}
      return 63 + run.id.length + run.session_id.length + run.name.length + run.started_at.length + run.status.length + optional(run.metadata, 12) + optionalText(run.ended_at, 14) + optional(run.error, 9);
    }
    case 'spans': {
      const span = record as SpanRecord;
      // {"id":"","run_id":"","kind":"","name":"","started_at":"","status":""}
      return 69 + span.id.length + span.run_id.length + span.kind.length + span.name.length + span.started_at.length + span.status.length
        + optionalText(span.parent_span_id, 20) + optional(span.iteration, 13) + optionalText(span.ended_at, 14) + optional(span.error, 9) + optional(span.attributes, 14);
    }
    case 'sessions': {
      const session = record as SessionRecord;
      // {"id":"","created_at":""}
      return 25 + session.id.length + session.created_at.length + optionalText(session.ended_at, 14) + optional(session.metadata, 12);
    }
    default:
      return undefined;
  }
}

/** `,"key":` (`head` characters) and the value's JSON, or 0 when absent. */
function optional(value: unknown, head: number): number {
  return value === undefined ? 0 : head + jsonLength(value);
}

/** `,"key":"…"` (`head` characters before the text, with its quotes), or 0 when absent. */
function optionalText(value: string | undefined, head: number): number {
  return value === undefined ? 0 : head + value.length;
}

function sessionJson(record: SessionRecord): string {
  let json = `{"id":${jsonString(record.id)},"created_at":${jsonString(record.created_at)}`;
  if (record.ended_at !== undefined) json += `,"ended_at":${jsonString(record.ended_at)}`;
  if (record.metadata !== undefined) json += `,"metadata":${objectJson(record.metadata)}`;
  return `${json}}`;
}

// A run is created with its metadata and gets ended_at and error when it ends.
function runJson(record: RunRecord): string {
  let json = `{"id":${jsonString(record.id)},"session_id":${jsonString(record.session_id)},"name":${jsonString(record.name)},"started_at":${jsonString(record.started_at)},"status":${jsonString(record.status)}`;
  if (record.metadata !== undefined) json += `,"metadata":${objectJson(record.metadata)}`;
  if (record.ended_at !== undefined) json += `,"ended_at":${jsonString(record.ended_at)}`;
  if (record.error !== undefined) json += `,"error":${JSON.stringify(record.error)}`;
  return `${json}}`;
}

// A span gets ended_at and error when it ends, and its attributes then unless it had some
// from the start (their key then comes last here and before ended_at in JSON.stringify's
// text: the same object).
function spanJson(record: SpanRecord): string {
  let json = `{"id":${jsonString(record.id)},"run_id":${jsonString(record.run_id)},"kind":${jsonString(record.kind)},"name":${jsonString(record.name)},"started_at":${jsonString(record.started_at)},"status":${jsonString(record.status)}`;
  if (record.parent_span_id !== undefined) json += `,"parent_span_id":${jsonString(record.parent_span_id)}`;
  if (record.iteration !== undefined) json += `,"iteration":${JSON.stringify(record.iteration)}`;
  if (record.ended_at !== undefined) json += `,"ended_at":${jsonString(record.ended_at)}`;
  if (record.error !== undefined) json += `,"error":${JSON.stringify(record.error)}`;
  if (record.attributes !== undefined) json += `,"attributes":${objectJson(record.attributes)}`;
  return `${json}}`;
}

/** JSON.stringify of a metadata or attributes object, written by hand while its values are strings, numbers and booleans. */
function objectJson(value: object): string {
  if (value === null || Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  let json = '{';
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    let text: string;
    switch (typeof item) {
      case 'string':
        text = jsonString(item);
        break;
      case 'number':
        text = Number.isFinite(item) ? `${item}` : 'null';
        break;
      case 'boolean':
        text = item ? 'true' : 'false';
        break;
      case 'undefined':
        continue;
      default:
        // Nested values, toJSON, symbols and functions: JSON.stringify's own rules.
        return JSON.stringify(value);
    }
    json += json.length === 1 ? `${jsonString(key)}:${text}` : `,${jsonString(key)}:${text}`;
  }
  return `${json}}`;
}
