import type { ResolvedConfig } from '../config/options.js';
import type { ClientCore } from '../context/client-core.js';
import { globalState, installExitHook } from '../context/global-state.js';
import { createLogger, type Logger } from '../debug/logger.js';
import { BatchFlusher } from '../export/batch-flusher.js';
import type { Transport } from '../export/http-transport.js';
import { Spool } from '../export/spool.js';
import type { SessionRecord } from '../registry/records.js';
import { createEntry, type Entry, type QueueStats, RecordQueue } from '../registry/record-queue.js';
import { RunRecorder } from '../registry/run-recorder.js';
import { notifyRecordTaps, recordTaps } from '../tracing/record-tap.js';
import { compileRedaction } from '../serialize/redaction.js';
import { createJsonSnapshotter, createSnapshotter, createCredentialScan, createTextRedactor, type JsonSnapshotter, type SnapshotOptions, type Snapshotter } from '../serialize/snapshot.js';
import type { Attributes } from '../tracing/handles.js';
import { emptyObject, mergeInto } from '../tracing/observation.js';
import { newId, nowIso } from '../tracing/timing.js';

/** The counters of a client that has recorded nothing (or is disabled). */
export function zeroStats(): QueueStats {
  return {
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
}

/** Record names kept with their scanned form (see `redactName`). */
const MAX_KNOWN_NAMES = 512;

/** The core of an enabled `Northstar` client: its queue, flusher, spool, logger and snapshotter. */
export class Core implements ClientCore {
  readonly logger: Logger;
  readonly snapshot: Snapshotter;
  readonly snapshotJson: JsonSnapshotter;
  readonly sessionEntry: Entry;
  readonly queue: RecordQueue;
  readonly flusher: BatchFlusher;
  /** The last `keepRuns` finished runs, for `getRecordedRun()` (only when `keepRuns` > 0). */
  readonly recorder: RunRecorder | undefined;
  /** Error messages: the snapshotter's own string redaction (key rules, forms, redactPatterns, then mask). */
  private readonly redactMessage: (text: string) => string;
  /** Record names: the credential scan of keys (no mask); names repeat, so the last few hundred are kept. */
  private readonly scanName: (text: string) => string;
  private readonly names = new Map<string, string>();
  readonly spool: Spool | undefined;
  private openRuns = 0;
  /** Runs the head sampler left out (`stats().sampledOut`). */
  sampledOut = 0;
  private closing = false;
  private exitSeq = -1;

  constructor(
    readonly config: ResolvedConfig,
    transport: Transport,
  ) {
    this.logger = createLogger({ debug: config.debug, onError: config.onError, secret: config.apiKey });
    const capture: SnapshotOptions = {
      ...config.limits,
      redactKey: compileRedaction(config.redactKeys),
      mask: config.mask,
      redactPatterns: config.redactPatterns,
    };
    this.snapshot = createSnapshotter(capture);
    this.snapshotJson = createJsonSnapshotter(capture);
    this.redactMessage = createTextRedactor(capture);
    this.scanName = createCredentialScan(capture);
    this.queue = new RecordQueue(config.maxQueueSize, config.maxQueueBytes);
    this.flusher = new BatchFlusher(this.queue, transport, config, this.logger);
    this.recorder = config.keepRuns > 0 ? new RunRecorder(config.keepRuns) : undefined;
    this.spool = config.spool ? Spool.open({ ...config.spool, maxBatchBytes: config.maxBatchBytes }, this.queue, this.logger) : undefined;
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
      if (this.queue.size > 0) this.flusher.notify();
    }
  }

  enqueue(entry: Entry): boolean {
    // A shut-down client that is still used must still be flushed at exit.
    if (this.closing) globalState.clients.add(this);
    this.recorder?.observe(entry);
    if (recordTaps.size !== 0) notifyRecordTaps(entry.table, entry.record);
    if (this.queue.enqueue(entry)) {
      this.flusher.notify();
      return true;
    }
    if (this.queue.closed) return false;
    if (this.spool !== undefined && this.spool.spill(entry, entry.bytes)) return true;
    this.queue.count('droppedQueueFull');
    this.logger.problemOnce(
      'queue-full',
      'dropped',
      `the queue is full (maxQueueSize ${this.config.maxQueueSize} records, maxQueueBytes ${this.config.maxQueueBytes})${this.spool ? ' and so is the spool' : ''}; new records are dropped and counted in stats().droppedQueueFull`,
    );
    return false;
  }

  runEventDropped(runName: string): void {
    this.queue.count('droppedRunEvents');
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
    // Error messages often quote the very values the mask hides (emails, card numbers) and
    // the credentials a captured string would lose: the same redaction, applied once.
    return this.redactMessage(text);
  }

  redactName(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    const clean = this.scanName(name);
    // Names made from data (a URL per span) must not grow the table without bound: start again.
    if (this.names.size >= MAX_KNOWN_NAMES) this.names.clear();
    this.names.set(name, clean);
    return clean;
  }

  sampleRun(name: string, metadata: unknown, tags: readonly string[] | undefined): boolean {
    const { sampleRate, sampler } = this.config;
    let keep: boolean;
    if (sampler === undefined) {
      if (sampleRate >= 1) return true;
      keep = sampleRate > 0 && Math.random() < sampleRate;
    } else {
      keep = this.askSampler(sampler, name, metadata, tags);
    }
    if (!keep) this.sampledOut++;
    return keep;
  }

  /** A sampler that throws or answers something other than a boolean keeps the run (reported once). */
  private askSampler(sampler: NonNullable<ResolvedConfig['sampler']>, name: string, metadata: unknown, tags: readonly string[] | undefined): boolean {
    let answer: unknown;
    try {
      answer = sampler({ name, metadata, tags });
    } catch (error) {
      this.logger.problemOnce('sampler-threw', 'internal', `the sampler threw for run ${name}; such runs are recorded: ${String(error)}`, error);
      return true;
    }
    if (typeof answer === 'boolean') return answer;
    this.logger.problemOnce('sampler-answer', 'internal', `the sampler returned ${typeof answer} for run ${name}, not a boolean; such runs are recorded`);
    return true;
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
    if (this.closing && this.openRuns === 0 && this.queue.size === 0) {
      this.flusher.close();
      globalState.clients.delete(this);
    }
    return ok;
  }

  async flushForExit(): Promise<unknown> {
    if (this.queue.size === 0 || this.queue.enqueueSeq === this.exitSeq) return;
    this.exitSeq = this.queue.enqueueSeq;
    return this.flush(this.config.exitFlushTimeoutMs);
  }

  async shutdown(timeoutMs?: number): Promise<boolean> {
    if (!this.closing) {
      this.closing = true;
      const session = this.sessionEntry.record as SessionRecord;
      session.ended_at = nowIso();
      // A session with no run was never sent; there is nothing to close on the server.
      if (this.sessionEntry.accepted || this.queue.size > 0) this.enqueue(this.sessionEntry);
      this.sessionEntry.live = false;
    }
    return this.flush(timeoutMs);
  }

  stats(): QueueStats {
    return this.queue.stats();
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
