import { warnOnce } from '../config/environment.js';
import type { NorthstarOptions, ResolvedConfig } from '../config/options.js';
import { resolveConfig } from '../config/resolve-config.js';
import { hideInternals } from '../debug/inspect.js';
import { createLogger } from '../debug/logger.js';
import { publicUrl } from '../export/delivery-diagnostics.js';
import { createTransport } from '../export/worker-transport.js';
import type { PromptVersion } from '../prompts/prompt-version.js';
import { pullPromptWith, type PullPromptOptions } from '../prompts/pull-prompt.js';
import { createEntry, type Entry, type QueueStats } from '../registry/record-queue.js';
import type { RunExport } from '../registry/run-recorder.js';
import type { ScoreRecord } from '../registry/records.js';
import { REDACTED } from '../serialize/redaction.js';
import { ManualRun, NOOP_RUN } from '../tracing/handle-classes.js';
import type { Attributes } from '../tracing/handles.js';
import { openRun } from '../tracing/open.js';
import { identityMetadata } from '../tracing/run-identity.js';
import { Core, zeroStats } from './core.js';
import { buildScore, type ScoreOptions } from './score-record.js';

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
  /** The end user this run served, stored as `metadata.user_id`. */
  userId?: string;
  /** The conversation this run belongs to, stored as `metadata.session_id` and `metadata.conversation_id`. */
  sessionId?: string;
  /** Your app's release, stored as `metadata.release` (overrides `init({ release })`). */
  release?: string;
}

/** The SDK's counters: what is queued, delivered and dropped. */
export interface NorthstarStats extends QueueStats {
  /** False when the client is disabled (no API key, no endpoint, or `enabled: false`). */
  enabled: boolean;
  /** Runs not recorded because the head sampler (`sampleRate`, `sampler`) left them out. */
  sampledOut: number;
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
      const { endpoint, apiKey, requestTimeoutMs: timeoutMs } = this.config;
      // The transport's own debug lines (which thread sends), scrubbed of the key like the core's.
      const transportLog = createLogger({ debug: this.config.debug, secret: apiKey });
      const transport = createTransport(this.config.transport, { endpoint, apiKey, timeoutMs }, transportLog);
      this.core = new Core(this.config, transport);
      this.core.logger.debug(
        this.config.dev
          ? `dev mode (NORTHSTAR_DEV): sending to the local viewer at ${publicUrl(this.config.endpoint)}; no API key or project needed (start it with \`npx northstar-ai dev\`)`
          : `enabled; sending to ${publicUrl(this.config.endpoint)}`,
      );
    } else if (this.config.misconfigured !== undefined) {
      // Tracing was asked for and is not happening: say so whatever the debug setting.
      warnOnce(`tracing is off: ${this.config.misconfigured}`);
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
    if (core === undefined) return NOOP_RUN;
    // Not bound to the async context, so never linked to the trace the caller is in.
    const run = openRun(core, name, { metadata: identityMetadata(options), tags: options.tags });
    if (run === undefined) return NOOP_RUN;
    try {
      if ('input' in options) run.recordInput(options.input);
    } catch (error) {
      core.logger.problem('internal', `startRun failed: ${String(error)}`, error);
    }
    return new ManualRun(run);
  }

  /**
   * Records a score for a run (see `score()`). Never throws: an invalid score (no trace
   * id, a bad value) is reported (`onError` kind `'invalid'`, debug log) and dropped.
   */
  score(traceId: string | undefined, name: string, value: number | boolean | string, options: ScoreOptions = {}): void {
    const core = this.core;
    let record: ScoreRecord;
    try {
      record = buildScore(traceId as string, name, value, options ?? {});
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const hint = traceId === undefined ? ' (currentTraceId() is undefined outside a trace)' : '';
      if (core !== undefined) core.logger.problem('invalid', `${why}${hint}; the score is dropped`, error);
      else if (this.config.debug) createLogger({ debug: true }).debug(`${why}${hint}; the score is dropped`);
      return;
    }
    if (core === undefined) return;
    try {
      // A judge's comment may quote what it graded: credentials and masked values stay here.
      if (record.comment !== undefined) record.comment = core.redactText(record.comment);
      // A categorical value must stay non-blank (docs/protocol.md), whatever the mask returns.
      if (record.string_value !== undefined) record.string_value = core.redactText(record.string_value).trim() || REDACTED;
      const parents: Entry[] = [];
      const run = core.queue.queuedRun(record.trace_id);
      if (run !== undefined) parents.push(run);
      core.enqueue(createEntry('scores', record, parents, false));
    } catch (error) {
      core.logger.problem('internal', `score failed: ${String(error)}`, error);
    }
  }

  /** Sends everything queued, retrying transient failures until `timeoutMs` (default `flushTimeoutMs`); true when all of it was accepted and nothing was dropped since the previous flush. Never rejects. */
  flush(options: FlushOptions = {}): Promise<boolean> {
    if (!this.core) return Promise.resolve(this.config.misconfigured === undefined);
    // Never rejects, whatever the runtime: a failure inside is reported and resolves false.
    return this.core.flush(waitLimit(options)).catch((error: unknown) => this.failedFlush(error));
  }

  /** Ends the session (`ended_at`) and flushes. Idempotent; never rejects. */
  shutdown(options: FlushOptions = {}): Promise<boolean> {
    if (!this.core) return Promise.resolve(this.config.misconfigured === undefined);
    return this.core.shutdown(waitLimit(options)).catch((error: unknown) => this.failedFlush(error));
  }

  private failedFlush(error: unknown): false {
    try {
      this.core?.logger.problem('internal', `flush failed: ${String(error)}`, error);
    } catch {
      // Reporting must not turn into a rejection either.
    }
    return false;
  }

  /** Pulls a prompt version with this client's key and endpoint (see `pullPrompt`). */
  pullPrompt<T extends string = string>(slug: string, options: PullPromptOptions = {}): Promise<PromptVersion<T>> {
    return pullPromptWith<T>(this.config, slug, options);
  }

  /** The records of a run this client recorded, kept when `keepRuns` > 0 (for `replay()`); else undefined. */
  getRecordedRun(traceId: string): RunExport | undefined {
    return this.core?.recorder?.get(traceId);
  }

  /** Counters of queued, accepted and dropped records. */
  stats(): NorthstarStats {
    const base = this.core?.stats() ?? zeroStats();
    return { enabled: this.enabled, ...base, sampledOut: this.core?.sampledOut ?? 0 };
  }
}

// util.inspect, console.log and JSON.stringify show what a reader needs, never the client's
// machinery (which holds the configuration and the transport).
hideInternals(Northstar, (client) => ({ enabled: client.enabled, sessionId: client.sessionId, endpoint: publicUrl(client.config.endpoint) }));
