import type { NorthstarOptions, ResolvedConfig } from '../config/options.js';
import { resolveConfig } from '../config/resolve-config.js';
import { globalState, installExitHook } from '../context/global-state.js';
import { createLogger, type Logger } from '../debug/logger.js';
import { BatchFlusher } from '../export/batch-flusher.js';
import { createHttpTransport, type Transport } from '../export/http-transport.js';
import { Spool } from '../export/spool.js';
import type { ScoreRecord, SessionRecord } from '../registry/records.js';
import { createEntry, type Entry, type RegistryStats, RunRegistry } from '../registry/run-registry.js';
import { compileRedaction } from '../serialize/redaction.js';
import { createSnapshotter, redactText, type Snapshotter } from '../serialize/snapshot.js';
import { sanitizeString } from '../serialize/sanitize-string.js';
import type { ClientCore } from './client-core.js';
import type { Attributes, ModelCallOptions, SpanOptions } from './handles.js';
import { ModelObservation } from './model-observation.js';
import { checkMetric, emptyObject, mergeInto, type Observation, RunObservation, SpanObservation } from './observation.js';
import { NIL_ID } from './scopes.js';
import { newId, nowIso } from './timing.js';

/** Options of `flush()`. */
export interface FlushOptions {
  /** Keep retrying transient failures for at most this many milliseconds, then resolve false (delivery goes on in the background). @default the `flushTimeoutMs` option (30000) */
  timeoutMs?: number;
  /** @deprecated The same as `timeoutMs` (milliseconds), for code written against `flush({ timeout })`. */
  timeout?: number;
}

/** The wait limit of a flush, in milliseconds; a non-finite or negative one means no limit. */
function waitLimit(options: FlushOptions): number | undefined {
  const value = options?.timeoutMs ?? options?.timeout;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Options of a manually managed run. */
export interface RunOptions {
  metadata?: Attributes;
  tags?: readonly string[];
  /** Recorded as the run's `user_input` event. */
  input?: unknown;
}

/** The SDK's counters: what is queued, delivered and dropped. */
export interface NorthstarStats extends RegistryStats {
  /** False when the client is disabled (no API key, no endpoint, or `enabled: false`). */
  enabled: boolean;
}

/** The enabled machinery of a client. */
class Core implements ClientCore {
  readonly logger: Logger;
  readonly snapshot: Snapshotter;
  readonly sessionEntry: Entry;
  readonly registry: RunRegistry;
  readonly flusher: BatchFlusher;
  readonly spool: Spool | undefined;
  private readonly redactKey: (key: string) => boolean;
  private openRuns = 0;
  private closing = false;
  private exitSeq = -1;

  constructor(
    readonly config: ResolvedConfig,
    transport: Transport,
  ) {
    this.logger = createLogger({ debug: config.debug, onError: config.onError, secret: config.apiKey });
    this.redactKey = compileRedaction(config.redactKeys);
    this.snapshot = createSnapshotter({ ...config.limits, redactKey: this.redactKey, mask: config.mask });
    this.registry = new RunRegistry(config.maxQueueSize, config.maxQueueBytes);
    this.flusher = new BatchFlusher(this.registry, transport, config, this.logger);
    this.spool = config.spool ? Spool.open({ ...config.spool, maxBatchBytes: config.maxBatchBytes }, this.registry, this.logger) : undefined;
    if (this.spool !== undefined) {
      const spool = this.spool;
      this.flusher.refill = () => spool.refill();
      this.flusher.backlog = () => spool.backlog;
    }
    const session: SessionRecord = { id: newId(), created_at: nowIso() };
    // The session is sent along with its first run (as an ancestor), not on its own.
    this.sessionEntry = createEntry('sessions', session, [], true);
    globalState.clients.add(this);
    globalState.tracing = true;
    installExitHook();
    if (this.spool !== undefined) {
      // Leftovers of earlier processes sharing the directory.
      try {
        this.spool.refill();
      } catch (error) {
        this.logger.problem('spool', `spool: reading the directory failed: ${String(error)}`, error);
      }
      if (this.registry.size > 0) this.flusher.notify();
    }
  }

  enqueue(entry: Entry): boolean {
    // A shut-down client that is still used must still be flushed at exit.
    if (this.closing) globalState.clients.add(this);
    if (this.registry.enqueue(entry)) {
      this.flusher.notify();
      return true;
    }
    if (this.registry.closed) return false;
    if (this.spool !== undefined && this.spool.spill(entry, entry.json?.length ?? 0)) return true;
    this.registry.count('droppedQueueFull');
    this.logger.problemOnce(
      'queue-full',
      'dropped',
      `the queue is full (maxQueueSize ${this.config.maxQueueSize} records, maxQueueBytes ${this.config.maxQueueBytes})${this.spool ? ' and so is the spool' : ''}; new records are dropped and counted in stats().droppedQueueFull`,
    );
    return false;
  }

  runEventDropped(runName: string): void {
    this.registry.count('droppedRunEvents');
    this.logger.problemOnce(
      'run-events',
      'dropped',
      `run ${runName} reached maxEventsPerRun (${this.config.maxEventsPerRun}); further events of a run past the bound are dropped, counted in stats().droppedRunEvents and in the run's metadata.northstar_dropped_events`,
    );
  }

  /** At process exit, synchronously: what could not be delivered goes to the spool. */
  spoolForExit(): void {
    if (this.spool === undefined) return;
    try {
      this.spool.writeForExit();
    } catch {
      // Nothing can be reported any more; the process is ending.
    }
  }

  redactText(text: string): string {
    const redacted = redactText(text, this.redactKey);
    const mask = this.config.mask;
    if (mask === undefined) return redacted;
    // Error messages often quote the very values the mask hides (emails, card numbers).
    try {
      const masked = mask(redacted);
      return typeof masked === 'string' ? sanitizeString(masked) : '[MASK_ERROR]';
    } catch {
      return '[MASK_ERROR]';
    }
  }

  runStarted(): void {
    this.openRuns++;
  }

  runEnded(): void {
    this.openRuns--;
    // The last run of a client that was shut down (by a second init) delivers at once.
    if (this.closing && this.openRuns === 0) void this.flush();
  }

  async flush(timeoutMs: number = this.config.flushTimeoutMs): Promise<boolean> {
    const ok = await this.flusher.flush(timeoutMs);
    if (this.closing && this.openRuns === 0 && this.registry.size === 0) {
      this.flusher.close();
      globalState.clients.delete(this);
    }
    return ok;
  }

  async flushForExit(): Promise<unknown> {
    if (this.registry.size === 0 || this.registry.enqueueSeq === this.exitSeq) return;
    this.exitSeq = this.registry.enqueueSeq;
    return this.flush(this.config.exitFlushTimeoutMs);
  }

  async shutdown(timeoutMs?: number): Promise<boolean> {
    if (!this.closing) {
      this.closing = true;
      const session = this.sessionEntry.record as SessionRecord;
      session.ended_at = nowIso();
      // A session with no run was never sent; there is nothing to close on the server.
      if (this.sessionEntry.accepted || this.registry.size > 0) this.enqueue(this.sessionEntry);
      this.sessionEntry.live = false;
    }
    return this.flush(timeoutMs);
  }

  stats(): RegistryStats {
    return this.registry.stats();
  }

  setSessionMetadata(metadata: Attributes): void {
    const session = this.sessionEntry.record as SessionRecord;
    const merged = session.metadata ?? emptyObject();
    mergeInto(merged, this.snapshot(metadata));
    session.metadata = merged;
    // Not sent yet: it rides with the first run. Sent already: send the new state.
    if (this.sessionEntry.accepted) this.enqueue(this.sessionEntry);
  }
}

/**
 * A NorthStar client. `init()` creates one and makes it the one the API functions and
 * decorators use; create one yourself to manage runs and spans by hand.
 *
 * @example
 * const ns = new Northstar({ apiKey, endpoint });
 * const run = ns.startRun('nightly-eval', { tags: ['batch'] });
 * const span = run.startSpan('load', { kind: 'tool' });
 * span.end();
 * run.end();
 * await ns.shutdown();
 */
export class Northstar {
  /** The resolved configuration (the API key is in it; never log it). */
  readonly config: ResolvedConfig;
  /** @internal */
  readonly core: Core | undefined;

  constructor(options: NorthstarOptions = {}) {
    this.config = resolveConfig(options);
    if (this.config.enabled) {
      const transport = createHttpTransport({
        endpoint: this.config.endpoint,
        apiKey: this.config.apiKey,
        timeoutMs: this.config.requestTimeoutMs,
      });
      this.core = new Core(this.config, transport);
      this.core.logger.debug(`enabled; sending to ${displayUrl(this.config.endpoint)}`);
    } else {
      createLogger({ debug: this.config.debug }).debug(`disabled: ${this.config.disabledReason}`);
    }
  }

  /** True when this client records and sends. */
  get enabled(): boolean {
    return this.core !== undefined;
  }

  /** The id of this client's session (one per client), or undefined when disabled. */
  get sessionId(): string | undefined {
    return this.core?.sessionEntry.id;
  }

  /** Merges metadata into this client's session (sent with its runs, or again if already sent). */
  setSessionMetadata(metadata: Attributes): void {
    try {
      this.core?.setSessionMetadata(metadata);
    } catch (error) {
      this.core?.logger.problem('internal', `setSessionMetadata failed: ${String(error)}`, error);
    }
  }

  /** Starts a run you end yourself (not bound to the async context). */
  startRun(name: string, options: RunOptions = {}): ManualRun {
    const core = this.core;
    if (core === undefined) return NOOP_MANUAL_RUN;
    try {
      const run = new RunObservation(core, name, {
        metadata: options.metadata,
        tags: options.tags,
        captureInput: core.config.captureInputs,
        captureOutput: core.config.captureOutputs,
      });
      if ('input' in options) run.recordInput(options.input);
      return new ManualRun(run);
    } catch (error) {
      core.logger.problem('internal', `startRun failed: ${String(error)}`, error);
      return NOOP_MANUAL_RUN;
    }
  }

  /** Records a score for a trace (see `score()`). */
  score(traceId: string, name: string, value: number | boolean | string, options: ScoreOptions = {}): void {
    const record = buildScore(traceId, name, value, options);
    const core = this.core;
    if (core === undefined) return;
    try {
      const parents: Entry[] = [];
      const run = core.registry.queuedRun(record.trace_id);
      if (run !== undefined) parents.push(run);
      core.enqueue(createEntry('scores', record, parents, false));
    } catch (error) {
      core.logger.problem('internal', `score failed: ${String(error)}`, error);
    }
  }

  /** Sends everything queued, retrying transient failures until `timeoutMs` (default `flushTimeoutMs`); true when all of it was accepted and nothing was dropped since the previous flush. Never rejects. */
  flush(options: FlushOptions = {}): Promise<boolean> {
    return this.core ? this.core.flush(waitLimit(options)) : Promise.resolve(true);
  }

  /** Ends the session (`ended_at`) and flushes. Idempotent; never rejects. */
  shutdown(options: FlushOptions = {}): Promise<boolean> {
    return this.core ? this.core.shutdown(waitLimit(options)) : Promise.resolve(true);
  }

  /** Counters of queued, accepted and dropped records. */
  stats(): NorthstarStats {
    const base = this.core?.stats() ?? {
      queued: 0,
      queuedBytes: 0,
      accepted: 0,
      droppedQueueFull: 0,
      droppedRejected: 0,
      droppedUnauthorized: 0,
      droppedRunEvents: 0,
      spooled: 0,
      unspooled: 0,
    };
    return { enabled: this.enabled, ...base };
  }
}

/** Options of a score. */
export interface ScoreOptions {
  /** The span the score is about. */
  spanId?: string;
  /** Inferred from the value: boolean → `boolean`, string → `categorical`, number → `numeric`. */
  dataType?: 'numeric' | 'categorical' | 'boolean';
  comment?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates a score (PROTOCOL.md) and builds its record; throws `TypeError` on misuse. */
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
    name: name.replace(/\0/g, ''),
    value: 0,
    data_type: dataType,
    source: 'api',
    created_at: nowIso(),
  };
  if (typeof value === 'boolean') record.value = value ? 1 : 0;
  else if (typeof value === 'string') {
    if (value.trim() === '') throw new TypeError('score: a categorical value must be a non-blank string');
    record.string_value = value.replace(/\0/g, '');
  } else {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`score: value must be a finite number, a boolean or a string, got ${String(value)}`);
    record.value = value;
  }
  if (options.spanId !== undefined) record.span_id = options.spanId;
  if (options.comment !== undefined) record.comment = String(options.comment).replace(/\0/g, '');
  return record;
}

/** What runs and spans managed by hand share. Every method is a no-op when disabled. */
abstract class ManualObservation<O extends Observation> {
  /** @internal */
  constructor(readonly observation: O | undefined) {}

  /** The record id (the nil UUID when nothing is recorded). */
  get id(): string {
    return this.observation?.id ?? NIL_ID;
  }

  /** Starts a child span you end yourself. */
  startSpan(name: string, options: SpanOptions = {}): ManualSpan {
    return startManualSpan(this.observation, name, options);
  }

  /** Starts a model span you end yourself. */
  startModelSpan(name: string, options: ModelCallOptions = {}): ManualModelSpan {
    const parent = this.observation;
    if (parent === undefined) return new ManualModelSpan(undefined);
    try {
      return new ManualModelSpan(
        new ModelObservation(parent, name, {
          ...options,
          captureInput: options.captureInput ?? parent.captureInput,
          captureOutput: options.captureOutput ?? parent.captureOutput,
        }),
      );
    } catch (error) {
      parent.client.logger.problem('internal', `startModelSpan failed: ${String(error)}`, error);
      return new ManualModelSpan(undefined);
    }
  }

  setOutput(value: unknown): void {
    this.observation?.setOutput(value);
  }
  logEvent(name: string, data?: unknown): void {
    this.observation?.logEvent(name, data);
  }
  /** Throws `TypeError` for anything but a finite number, even when disabled. */
  logMetric(name: string, value: number): void {
    checkMetric(value);
    this.observation?.logMetric(name, value);
  }
  logMetadata(metadata: Attributes): void {
    this.observation?.logMetadata(metadata);
  }

  /** Ends it: `ok`, or `error` when an error is given; `output` is recorded first. */
  end(options: { error?: unknown; output?: unknown } = {}): void {
    endObservation(this.observation, options);
  }
}

/** A run managed by hand (see `Northstar.startRun`). */
export class ManualRun extends ManualObservation<RunObservation> {}

/** A span managed by hand. */
export class ManualSpan extends ManualObservation<SpanObservation> {
  setAttributes(attributes: Attributes): void {
    this.observation?.setAttributes(attributes);
  }
}

/** A model span managed by hand. */
export class ManualModelSpan extends ManualSpan {
  declare readonly observation: ModelObservation | undefined;
  recordInputMessages(messages: unknown): void {
    this.observation?.recordInputMessages(messages);
  }
  recordOutputMessage(message: unknown): void {
    this.observation?.recordOutputMessage(message);
  }
  recordUsage(usage: Parameters<ModelObservation['recordUsage']>[0]): void {
    this.observation?.recordUsage(usage);
  }
}

function startManualSpan(parent: Observation | undefined, name: string, options: SpanOptions): ManualSpan {
  if (parent === undefined) return new ManualSpan(undefined);
  try {
    return new ManualSpan(
      new SpanObservation(parent, name, options.kind ?? 'custom', {
        attributes: options.attributes,
        iteration: options.iteration,
        captureInput: options.captureInput ?? parent.captureInput,
        captureOutput: options.captureOutput ?? parent.captureOutput,
      }),
    );
  } catch (error) {
    parent.client.logger.problem('internal', `startSpan failed: ${String(error)}`, error);
    return new ManualSpan(undefined);
  }
}

function endObservation(observation: Observation | undefined, options: { error?: unknown; output?: unknown }): void {
  if (observation === undefined) return;
  try {
    if ('output' in options) observation.setOutput(options.output);
    if ('error' in options && options.error !== undefined) observation.fail(options.error);
    else observation.end();
  } catch (error) {
    observation.client.logger.problem('internal', `end failed: ${String(error)}`, error);
  }
}
const NOOP_MANUAL_RUN = new ManualRun(undefined);

/** An endpoint without credentials or query, for log lines. */
function displayUrl(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[endpoint]';
  }
}
