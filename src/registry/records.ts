/** The record types of the ingest protocol (docs/protocol.md), as sent on the wire. */

/** `running`, `ok` or `error`. */
export type RecordStatus = 'running' | 'ok' | 'error';
/** What a span stands for; `tool` spans with arguments and result are listed as tool calls. */
export type SpanKind = 'agent' | 'workflow' | 'model' | 'tool' | 'custom';
/** What an event holds. */
export type EventType =
  | 'user_input'
  | 'system_message'
  | 'assistant_message'
  | 'reasoning'
  | 'tool_arguments'
  | 'tool_result'
  | 'final_response'
  | 'custom';
/** How a score's value reads. */
export type ScoreDataType = 'numeric' | 'categorical' | 'boolean';

export type JsonObject = { [key: string]: unknown };

/** `{ type, message, module? }`, kept small. */
export interface WireError {
  type: string;
  message: string;
  module?: string;
}

export interface SessionRecord {
  id: string;
  created_at: string;
  ended_at?: string;
  metadata?: JsonObject;
}

export interface RunRecord {
  id: string;
  session_id: string;
  name: string;
  started_at: string;
  status: RecordStatus;
  ended_at?: string;
  error?: WireError;
  metadata?: JsonObject;
}

export interface SpanRecord {
  id: string;
  run_id: string;
  kind: SpanKind;
  name: string;
  started_at: string;
  status: RecordStatus;
  parent_span_id?: string;
  ended_at?: string;
  error?: WireError;
  iteration?: number;
  attributes?: JsonObject;
}

export interface EventRecord {
  id: string;
  run_id: string;
  type: EventType;
  created_at: string;
  content: unknown;
  span_id?: string;
  attributes?: JsonObject;
}

export interface ScoreRecord {
  id: string;
  trace_id: string;
  name: string;
  value: number;
  data_type: ScoreDataType;
  source: 'api';
  created_at: string;
  span_id?: string;
  string_value?: string;
  comment?: string;
}

/** Links a model span to the prompt version it used; one per (span_id, prompt_version_id), no `id`. */
export interface PromptLinkRecord {
  trace_id: string;
  span_id: string;
  prompt_version_id: string;
  /** Left out when there are none (an explicit null is a 500). */
  variable_values?: JsonObject;
}

/** The body arrays, in the order the server stores them. */
export type Table = 'sessions' | 'runs' | 'spans' | 'events' | 'scores' | 'prompt_links';

export type WireRecord = SessionRecord | RunRecord | SpanRecord | EventRecord | ScoreRecord | PromptLinkRecord;
