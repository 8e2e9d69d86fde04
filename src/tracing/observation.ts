import { hideInternals } from '../debug/inspect.js';
import { CapturedEventRecord } from '../registry/captured-event.js';
import type { EventType, JsonObject, RunRecord, SpanKind, SpanRecord, WireError } from '../registry/records.js';
import { createEntry, type Entry } from '../registry/record-queue.js';
import { jsonString } from '../serialize/json-text.js';
import { sanitizeString } from '../serialize/sanitize-string.js';
import { clipText } from '../util/text.js';
import type { ClientCore } from '../context/client-core.js';
import { errorDetails } from './error-details.js';
import type { Attributes } from './handles.js';
import { elapsedMs, newId, nowIso, nowMicros, stampPrefix } from './timing.js';

const MAX_NAME_LENGTH = 500;
// The attributes of named custom events and metrics (docs/protocol.md, Conventions), as JSON.
const CUSTOM_EVENT_ATTRIBUTES = '{"northstar_type":"event"}';
const METRIC_ATTRIBUTES = '{"northstar_type":"metric"}';
const MAX_ERROR_MESSAGE = 2000;

/** A record name: sanitised, capped, never empty, with credential forms cut out (a span named after a URL with its password). */
export function recordName(client: ClientCore, name: unknown, fallback: string): string {
  const text = typeof name === 'string' ? sanitizeString(name).trim() : '';
  if (text === '') return fallback;
  // Scanned before the cap (a credential cut in half is no longer found), written up to it
  // after (a replaced credential can make the name longer). Duck-typed: the client may come
  // from another loaded copy of the package.
  if (typeof client.redactName !== 'function') return clipText(text, MAX_NAME_LENGTH);
  return clipText(client.redactName(clipText(text, 2 * MAX_NAME_LENGTH)), MAX_NAME_LENGTH);
}

// The parents of a run, one array per session shared by all its runs: a queued run holds
// fewer objects for the GC to copy. Weak: a session is let go with its client.
const SESSION_PARENTS = new WeakMap<Entry, readonly Entry[]>();

function sessionParents(session: Entry): readonly Entry[] {
  let parents = SESSION_PARENTS.get(session);
  if (parents === undefined) SESSION_PARENTS.set(session, (parents = [session]));
  return parents;
}

/** `{ type, message }` of anything thrown, secrets redacted (and masked) exactly once. */
export function wireError(client: ClientCore, error: unknown): WireError {
  let type = 'Error';
  let message = '';
  // A snapshot is already redacted and masked: its JSON is not redacted a second time.
  let redacted = false;
  try {
    if (error instanceof Error) {
      // Many SDK errors (openai's APIError family) keep the inherited name 'Error': the class says more.
      const className = error.constructor?.name;
      type = (error.name && error.name !== 'Error' ? error.name : className) || error.name || 'Error';
      message = String(error.message);
    } else if (error !== null && typeof error === 'object') {
      type = (error as object).constructor?.name ?? 'Object';
      const m = (error as { message?: unknown }).message;
      if (typeof m === 'string') {
        message = m;
      } else {
        message = client.snapshotJson(error);
        redacted = true;
      }
    } else {
      type = typeof error;
      message = String(error);
    }
  } catch {
    message = '[unreadable error]';
  }
  if (!redacted) message = client.redactText(sanitizeString(message));
  if (message.length > MAX_ERROR_MESSAGE) message = `${clipText(message, MAX_ERROR_MESSAGE)}…`;
  return { type: sanitizeString(String(type)) || 'Error', message };
}

/** Merges snapshot `source` into `target` without ever touching a prototype. */
export function mergeInto(target: JsonObject, source: unknown): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return;
  for (const key of Object.keys(source)) {
    Object.defineProperty(target, key, {
      value: (source as JsonObject)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/**
 * A fresh metadata/attributes object. User keys only ever enter through `mergeInto`
 * (defineProperty), so `__proto__` stays a plain key; an ordinary object (not a
 * null-prototype one, which V8 keeps in dictionary mode) keeps JSON.stringify fast.
 */
export const emptyObject = (): JsonObject => ({});

/** What runs and spans share: events, output, metrics. */
export abstract class Observation {
  readonly id: string = newId();
  abstract readonly entry: Entry;
  abstract readonly run: RunObservation;
  ended = false;
  /** Input and output capture for this observation and (by inheritance) its children. */
  captureInput: boolean;
  captureOutput: boolean;
  protected readonly startedAt = performance.now();
  private outputEntry: Entry | undefined;
  /** The parents of the records under this observation (its run, and the span itself for a span): one array for all its events and child spans. */
  private childParentsArray: readonly Entry[] | undefined;

  constructor(
    readonly client: ClientCore,
    captureInput: boolean,
    captureOutput: boolean,
  ) {
    this.captureInput = captureInput;
    this.captureOutput = captureOutput;
  }

  /** The event type of this observation's input and output. */
  protected abstract readonly inputType: EventType;
  protected abstract readonly outputType: EventType;
  /** The span id to put on events, or undefined for the run itself. */
  abstract readonly spanId: string | undefined;

  /** Whether an instrumented call should read its input for this observation (`recordInput` is called only then). */
  get wantsInput(): boolean {
    return this.captureInput;
  }

  /** Records a value as this observation's input (its JSON written now), unless input capture is off. */
  recordInput(value: unknown): void {
    if (this.captureInput) this.addEvent(this.inputType, this.client.snapshotJson(value));
  }

  /** Records the output, unless output capture is off: the flags govern explicit values too. */
  setOutput(value: unknown): void {
    if (this.captureOutput) this.recordOutputJson(this.client.snapshotJson(value));
  }

  /** Records an output already written as JSON by the snapshotter; a second call replaces the same event's content. */
  protected recordOutputJson(contentJson: string): void {
    if (this.outputEntry) {
      (this.outputEntry.record as CapturedEventRecord).setContentJson(contentJson);
      this.client.enqueue(this.outputEntry);
    } else {
      this.outputEntry = this.addEvent(this.outputType, contentJson);
    }
  }

  get hasOutput(): boolean {
    return this.outputEntry !== undefined;
  }

  logEvent(name: string, data?: unknown): void {
    const content = `{"name":${jsonString(recordName(this.client, name, 'event'))},"data":${this.client.snapshotJson(data)}}`;
    this.addEvent('custom', content, CUSTOM_EVENT_ATTRIBUTES);
  }

  logMetric(name: string, value: number): void {
    checkMetric(value);
    this.addEvent('custom', JSON.stringify({ name: recordName(this.client, name, 'metric'), value }), METRIC_ATTRIBUTES);
  }

  abstract logMetadata(metadata: Attributes): void;

  /** The parents of a record under this observation; shared, so a queued record holds fewer objects for the GC to copy. */
  childParents(): readonly Entry[] {
    return (this.childParentsArray ??= this.spanId === undefined ? [this.run.entry] : [this.run.entry, this.entry]);
  }

  /**
   * Queues an event on this observation. Its content (and attributes) are JSON text the
   * snapshotter wrote: kept as they are and spliced into the request body unchanged.
   */
  addEvent(type: EventType, contentJson: string, attributesJson?: string): Entry {
    const spanId = this.spanId;
    // The event is its own queue entry, its stamp kept in parts (see CapturedEventRecord).
    const micros = nowMicros();
    const entry = new CapturedEventRecord(newId(), this.run.id, type, stampPrefix(), contentJson, spanId, attributesJson, this.childParents(), micros);
    const run = this.run;
    // A run's own input and output always fit; any other event counts against maxEventsPerRun.
    const own = spanId === undefined && (type === this.inputType || type === this.outputType);
    if (!own && ++run.eventCount > this.client.config.maxEventsPerRun) {
      this.client.runEventDropped((run.entry.record as RunRecord).name);
      run.noteDroppedEvent();
    } else if (!this.client.enqueue(entry)) {
      run.noteDroppedEvent();
    }
    return entry;
  }

  /** Ends the observation successfully. */
  end(): void {
    this.finish(undefined, false);
  }

  /** Ends the observation with an error. */
  fail(error: unknown): void {
    this.finish(error, true);
  }

  /** Sets what a run or span adds to its final state (latency, totals, attributes). */
  protected abstract finalize(latencyMs: number): void;

  /** Called once the final state is queued. */
  protected afterEnd(): void {}

  private finish(error: unknown, failed: boolean): void {
    if (this.ended) return;
    this.ended = true;
    const record = this.entry.record as RunRecord | SpanRecord;
    record.ended_at = nowIso();
    record.status = failed ? 'error' : 'ok';
    if (failed) {
      record.error = wireError(this.client, error);
      const details = errorDetails(this.client, error);
      if (details !== undefined) this.logMetadata(details);
    }
    try {
      this.finalize(elapsedMs(this.startedAt));
    } catch (e) {
      this.client.logger.problem('internal', `finishing ${record.name} failed: ${String(e)}`, e);
    }
    this.client.enqueue(this.entry);
    this.entry.live = false;
    this.afterEnd();
  }
}

/** Model totals a run sums over its model spans. */
interface ModelTotals {
  costUsd: number;
  hasCost: boolean;
  inputTokens: number;
  outputTokens: number;
}

/** A trace: one run of an agent. */
// An observation is never handed to a caller, but an integration holds one: util.inspect,
// console.log and JSON.stringify of it show its id, never the client behind it.
hideInternals(Observation, (observation) => ({ id: observation.id, ended: observation.ended }));

export class RunObservation extends Observation {
  readonly entry: Entry;
  readonly run: RunObservation = this;
  protected readonly inputType = 'user_input';
  protected readonly outputType = 'final_response';
  readonly spanId = undefined;
  private readonly metadata: JsonObject;
  private totals: ModelTotals | undefined;
  /** Events of this run (its spans' included) counted against `maxEventsPerRun`. */
  eventCount = 0;
  private droppedEvents = 0;

  constructor(
    client: ClientCore,
    name: string,
    options: { metadata?: unknown; tags?: readonly string[]; captureInput: boolean; captureOutput: boolean },
  ) {
    super(client, options.captureInput, options.captureOutput);
    const metadata = emptyObject();
    const { project, environment, release } = client.config;
    if (project !== undefined) metadata.project = sanitizeString(project);
    if (environment !== undefined) metadata.environment = sanitizeString(environment);
    if (release !== undefined) metadata.release = sanitizeString(release);
    if (options.metadata !== undefined) mergeInto(metadata, client.snapshot(options.metadata));
    if (options.tags !== undefined && options.tags.length > 0) metadata.tags = client.snapshot(options.tags.map(String));
    this.metadata = metadata;
    const record: RunRecord = {
      id: this.id,
      session_id: client.sessionEntry.id,
      name: recordName(client, name, 'trace'),
      started_at: nowIso(),
      status: 'running',
      metadata,
    };
    this.entry = createEntry('runs', record, sessionParents(client.sessionEntry), true);
    client.runStarted();
    client.enqueue(this.entry);
  }

  logMetadata(metadata: Attributes): void {
    mergeInto(this.metadata, this.client.snapshot(metadata));
  }

  /** One of this run's events was dropped: the run says so in `metadata.northstar_dropped_events`, its final state included. */
  noteDroppedEvent(): void {
    this.metadata.northstar_dropped_events = ++this.droppedEvents;
    if (this.ended) this.client.enqueue(this.entry);
  }

  /** Adds a finished model span's tokens and cost to this run's totals. */
  addModelUsage(inputTokens: number | undefined, outputTokens: number | undefined, costUsd: number | undefined): void {
    const totals = (this.totals ??= { costUsd: 0, hasCost: false, inputTokens: 0, outputTokens: 0 });
    totals.inputTokens += inputTokens ?? 0;
    totals.outputTokens += outputTokens ?? 0;
    if (costUsd !== undefined) {
      totals.costUsd += costUsd;
      totals.hasCost = true;
    }
  }

  protected finalize(latencyMs: number): void {
    this.metadata.latency_ms = latencyMs;
    if (this.totals) {
      if (this.totals.hasCost) this.metadata.cost_usd = roundUsd(this.totals.costUsd);
      this.metadata.total_input_tokens = this.totals.inputTokens;
      this.metadata.total_output_tokens = this.totals.outputTokens;
    }
  }

  protected override afterEnd(): void {
    this.client.runEnded();
  }
}

/** A child span of a run (a tool, a step, a sub-agent, a model call). */
export class SpanObservation extends Observation {
  readonly entry: Entry;
  readonly run: RunObservation;
  protected readonly inputType = 'tool_arguments';
  protected readonly outputType = 'tool_result';
  readonly spanId: string;
  protected readonly attributes: JsonObject = emptyObject();

  constructor(
    parent: Observation,
    name: string,
    kind: SpanKind,
    options: { attributes?: unknown; iteration?: number; captureInput: boolean; captureOutput: boolean },
  ) {
    super(parent.client, options.captureInput, options.captureOutput);
    this.run = parent.run;
    this.spanId = this.id;
    const record: SpanRecord = {
      id: this.id,
      run_id: this.run.id,
      kind,
      name: recordName(this.client, name, kind),
      started_at: nowIso(),
      status: 'running',
    };
    // Duck-typed rather than instanceof: the parent may come from another loaded copy.
    const parentSpan = parent.spanId !== undefined ? parent : undefined;
    if (parentSpan) record.parent_span_id = parentSpan.id;
    if (options.iteration !== undefined) {
      if (Number.isInteger(options.iteration) && options.iteration >= -2147483648 && options.iteration <= 2147483647) {
        record.iteration = options.iteration;
      } else {
        this.client.logger.problemOnce('iteration', 'invalid', `span ${record.name}: iteration ${String(options.iteration)} is not a 32-bit integer; left out`);
      }
    }
    if (options.attributes !== undefined) {
      mergeInto(this.attributes, this.client.snapshot(options.attributes));
      record.attributes = this.attributes;
    }
    // The parent's shared array; one of another loaded copy of the package may not have it.
    const parents = typeof parent.childParents === 'function' ? parent.childParents() : parentSpan ? [this.run.entry, parentSpan.entry] : [this.run.entry];
    this.entry = createEntry('spans', record, parents, true);
    this.client.enqueue(this.entry);
  }

  get traceId(): string {
    return this.run.id;
  }

  setAttributes(attributes: Attributes): void {
    mergeInto(this.attributes, this.client.snapshot(attributes));
    (this.entry.record as SpanRecord).attributes = this.attributes;
  }

  logMetadata(metadata: Attributes): void {
    this.setAttributes(metadata);
  }

  /** Adds kind-specific attributes just before the final state is queued. */
  protected beforeEnd(): void {}

  protected finalize(latencyMs: number): void {
    this.attributes.latency_ms = latencyMs;
    // The attributes go out even if a kind-specific hook fails.
    (this.entry.record as SpanRecord).attributes = this.attributes;
    this.beforeEnd();
  }
}

/** Throws the `TypeError` of `logMetric` for anything but a finite number (booleans included). */
export function checkMetric(value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const shown = typeof value === 'number' ? String(value) : typeof value;
    throw new TypeError(`logMetric: value must be a finite number, got ${shown}`);
  }
}

/** USD rounded to 1e-10, so sums of float prices stay readable. */
export const roundUsd = (value: number): number => Math.round(value * 1e10) / 1e10;
