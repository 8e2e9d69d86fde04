import { unrefTimer } from '../util/runtime.js';
import type { Logger } from '../debug/logger.js';
import type { Entry, RecordQueue } from '../registry/record-queue.js';
import type { SendResult, Transport } from './http-transport.js';
import { reportDeliveryFailure } from './delivery-diagnostics.js';
import { retryDelayMs } from './retry-policy.js';
import { type Batch, buildBatch, takeBatch, takeBody } from './wire-body.js';

/** Settings of one flusher (from the resolved configuration). */
export interface FlusherOptions {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxBatchBytes: number;
  /** First backoff step after a failure, in milliseconds. */
  readonly retryInitialDelayMs: number;
  /** Longest backoff step, in milliseconds. */
  readonly retryMaxDelayMs: number;
}

/** How a request ended for the caller: `broken` is an internal error (reported), which ends a flush like `stopped`. */
type Outcome = 'ok' | 'failed' | 'stopped' | 'broken';

/** How long a full batch waits for more records before it is sent, in milliseconds. */
const LINGER_MS = 5;

/** How many batches' worth of waiting records one request may carry (within maxBatchBytes). */
const BATCHES_PER_REQUEST = 20;

/**
 * Requests in flight at most (docs/protocol.md: two batches carrying the same record are
 * never in flight at once). A second and further request is sent only while the flusher is
 * healthy, over records none of whose state or unaccepted ancestors another request
 * carries (so over other runs, once the session is stored), and only for a backlog of at
 * least one full request (batchSize × BATCHES_PER_REQUEST records or maxBatchBytes), so
 * that ordinary traffic still rides in one large request at a time.
 */
export const MAX_IN_FLIGHT = 4;

/** After this many 500s in a row the request is narrowed down, in case it holds a value the database refuses. */
const SERVER_ERRORS_BEFORE_ISOLATION = 3;

/** Body cap of a probe (the one request sent after a failure), in bytes. */
const PROBE_BYTES = 64 * 1024;

/** A server answering only 403 for this long is treated like a refused key (401): sending stops. */
export const FORBIDDEN_STOP_MS = 15 * 60_000;

/**
 * Sends the registry's queue in the background: a batch when `batchSize` records are
 * waiting, otherwise every `flushIntervalMs`; one request in flight, up to MAX_IN_FLIGHT
 * over disjoint records while a backlog waits; unref'd timers; backoff on transient
 * failures, after which one small probe goes first (alone); bisection of refused batches
 * so only the offending records are dropped.
 */
export class BatchFlusher {
  private timer: NodeJS.Timeout | undefined;
  /** Requests in flight, each until its answer is settled (an isolation pass included); their batches are disjoint. */
  private readonly inFlight = new Map<Batch, Promise<Outcome>>();
  /** Failed requests so far: a success of a request sent before the latest failure does not end the failure state. */
  private failures = 0;
  /** Failed attempts in a row; drives the backoff. Above 0, the next request is a probe. */
  private attempt = 0;
  /** While backing off, a full batch waits for the timer instead of sending at once. */
  private backingOff = false;
  /** When the backoff (or the server's Retry-After) ends, as `Date.now()`. */
  private nextAttemptAt = 0;
  /** Set when the wait was the server's Retry-After, which a deadline does not shorten. */
  private retryAfterUntil = 0;
  private serverErrors = 0;
  /** During a 500 streak: the records the next probe carries (half of the previous failing one). */
  private suspects: Entry[] | undefined;
  /** A record that failed alone with 500: sent alone again right after a success, and dropped if it fails then. */
  private lone: Entry | undefined;
  private loneAfterSuccess = false;
  /** Send an empty batch next: with a lone suspect and nothing else queued, it tells an outage from a refused value. */
  private healthProbe = false;
  /** Start of the current run of 403 answers. */
  private forbiddenSince: number | undefined;
  private stopped = false;
  private kickScheduled = false;
  /** `registry.droppedTotal()` when the previous flush resolved. */
  private dropsReported = 0;
  /** Called after each stored batch, so spooled records are queued as room frees up. */
  refill: () => boolean = () => false;
  /** Bumped whenever `refill` queued records, so a flush knows its snapshot of the queue grew. */
  private refills = 0;
  /** Whether records wait outside the queue (this process's spool files): a flush is not done before they are sent. */
  backlog: () => boolean = () => false;

  constructor(
    private readonly registry: RecordQueue,
    private readonly transport: Transport,
    private readonly options: FlusherOptions,
    private readonly logger: Logger,
  ) {}

  /** Called after records were queued: sends at once when a batch is full, else arms the timer. */
  notify(): void {
    if (this.stopped) return;
    if (this.registry.size >= this.options.batchSize && !this.backingOff) {
      // Off the caller's stack: building and sending a batch is not the user's latency.
      // Lingering a few milliseconds lets a burst fill one request instead of many.
      if (!this.kickScheduled && (this.inFlight.size === 0 || this.backlogWaits())) {
        this.kickScheduled = true;
        unrefTimer(setTimeout(() => {
          this.kickScheduled = false;
          this.runInBackground();
        }, LINGER_MS));
      }
    } else {
      this.arm(this.options.flushIntervalMs);
    }
  }

  /**
   * Sends everything queued now, retrying transient failures (with the backoff and
   * Retry-After, capped to the time left) until all of it was accepted or `timeoutMs`
   * passes. Resolves true when all of it was accepted and nothing was dropped since the
   * previous flush; false otherwise. Never rejects. Its timers keep the process alive
   * until then: whoever awaits a flush wants it done.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    const cancel = { done: false };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
    });
    let delivered: boolean;
    try {
      delivered = await Promise.race([this.flushUntil(deadline, cancel), timeout]);
    } finally {
      cancel.done = true;
      clearTimeout(timer);
    }
    const drops = this.registry.droppedTotal();
    const clean = drops === this.dropsReported;
    this.dropsReported = drops;
    return delivered && clean;
  }

  /**
   * Stops the timer and releases the transport (the worker transport's thread); queued
   * records stay queued (a later `flush` still sends them, starting what it needs again).
   */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.transport.close?.();
    } catch (error) {
      this.logger.problem('internal', `closing the transport failed: ${String(error)}`, error);
    }
  }

  private async flushUntil(deadline: number, cancel: { done: boolean }): Promise<boolean> {
    try {
      let pending = this.registry.pending();
      let refillsSeen = this.refills;
      // Records leave the queue roughly in queue order, so a cursor that only moves forward
      // finds the first one still waiting: O(n) over the whole flush, not O(n) per batch.
      let cursor = 0;
      // An explicit flush sends at once, even while the background backs off.
      let immediate = true;
      while (!this.stopped && !cancel.done) {
        while (cursor < pending.length && !this.registry.isQueued(pending[cursor]!)) cursor++;
        if (cursor === pending.length) {
          if (!this.backlog() && this.refills === refillsSeen) return true;
          // Records spilled to disk during an outage (or read back meanwhile) belong to this flush too.
          if (this.refill()) this.refills++;
          refillsSeen = this.refills;
          pending = this.registry.pending();
          cursor = 0;
          if (pending.length === 0) return !this.backlog();
          continue;
        }
        if (!immediate && this.backingOff) {
          const now = Date.now();
          const left = deadline - now;
          if (left <= 0) return false;
          // The server asked for more time than is left: waiting would only hold the caller.
          if (this.retryAfterUntil > deadline) return false;
          const wait = this.nextAttemptAt - now;
          if (wait > 0) {
            // Capped so that one last attempt still has a moment to be answered.
            await sleep(Math.min(wait, Math.max(0, left - Math.min(1000, left / 4))));
            continue;
          }
        }
        immediate = false;
        const started = this.launch();
        if (started === undefined) {
          // Every slot is taken, or what waits is carried (or shares an ancestor) with a request in flight.
          if (this.inFlight.size === 0) return false;
          await Promise.race(this.inFlight.values());
          continue;
        }
        this.spread();
        const outcome = await started;
        if (outcome === 'stopped' || outcome === 'broken') return false;
      }
      return false;
    } catch (error) {
      this.logger.problem('internal', `flush failed: ${String(error)}`, error);
      return false;
    }
  }

  private arm(delayMs: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runInBackground();
    }, delayMs);
    // Never keep a finished process alive for telemetry; the exit hook flushes instead.
    unrefTimer(this.timer);
  }

  private runInBackground(): void {
    if (this.registry.size === 0 || this.stopped) return;
    // Beside a request in flight, a background request carries at least a batch; when none
    // can start, the request in flight moves the queue on once answered (afterRequest).
    if (this.launch(this.inFlight.size === 0 ? 1 : this.options.batchSize) !== undefined) this.spread();
  }

  /** After each request: a full batch goes soon (notify lingers), else the interval gathers more; while backing off, the backoff timer runs. */
  private afterRequest(outcome: Outcome): void {
    if (this.stopped || outcome === 'broken') return;
    if (this.backingOff) this.arm(Math.max(0, this.nextAttemptAt - Date.now()));
    else this.notify();
  }

  /** Healthy: no failure being retried, so more than one request may be in flight. */
  private healthy(): boolean {
    return this.attempt === 0 && !this.backingOff && this.suspects === undefined && this.lone === undefined && !this.healthProbe && !this.stopped;
  }

  /** A backlog of at least one full request waits beside what is in flight. */
  private backlogWaits(): boolean {
    const { batchSize, maxBatchBytes } = this.options;
    let records = 0;
    let bytes = 0;
    for (const batch of this.inFlight.keys()) {
      records += batch.sent.size;
      bytes += batch.length;
    }
    return this.registry.size - records >= batchSize * BATCHES_PER_REQUEST || this.registry.bytes - bytes >= maxBatchBytes;
  }

  /** Sends more requests beside the one just started while healthy, under MAX_IN_FLIGHT, and while a backlog waits. */
  private spread(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT && this.healthy() && this.backlogWaits()) {
      if (this.launch(this.options.batchSize) === undefined) return;
    }
  }

  /**
   * Starts the next request if a slot is free (one while a failure is being retried) and
   * it has records to carry that no request in flight carries; undefined otherwise. The
   * promise never rejects.
   */
  private launch(minRecords = 1): Promise<Outcome> | undefined {
    if (this.stopped || this.inFlight.size >= (this.healthy() ? MAX_IN_FLIGHT : 1)) return undefined;
    let batch: Batch | undefined;
    try {
      batch = this.nextBatch(minRecords);
    } catch (error) {
      this.logger.problem('internal', `building a request failed: ${String(error)}`, error);
      return undefined;
    }
    if (batch === undefined) return undefined;
    const promise = this.deliver(batch, this.failures);
    this.inFlight.set(batch, promise);
    return promise;
  }

  private async deliver(batch: Batch, failuresAtSend: number): Promise<Outcome> {
    let outcome: Outcome;
    try {
      const result = await this.transport(takeBody(batch));
      outcome = await this.settle(batch, result, failuresAtSend);
    } catch (error) {
      this.logger.problem('internal', `delivery failed: ${String(error)}`, error);
      outcome = 'broken';
    }
    this.inFlight.delete(batch);
    this.afterRequest(outcome);
    return outcome;
  }

  /** Free to send: neither the record nor an ancestor it would bring along is carried by a request in flight. */
  private free(entry: Entry): boolean {
    for (const batch of this.inFlight.keys()) if (batch.sent.has(entry)) return false;
    for (const parent of entry.parents) if (!parent.accepted && !this.free(parent)) return false;
    return true;
  }

  /**
   * The next request: normally several batches' worth; after a failure one small probe
   * (sent only when nothing else is in flight). Beside requests in flight, only records
   * free to send, and none when fewer than `minRecords` are.
   */
  private nextBatch(minRecords: number): Batch | undefined {
    const { registry, options } = this;
    if (this.lone !== undefined && this.loneAfterSuccess && registry.isQueued(this.lone)) return buildBatch([this.lone]);
    if (this.healthProbe) return buildBatch([]);
    if (this.attempt === 0) {
      const max = options.batchSize * BATCHES_PER_REQUEST;
      if (this.inFlight.size === 0) return takeBatch(registry, max, options.maxBatchBytes);
      // Records in flight sit at the head of the queue: look past them.
      let carried = 0;
      for (const batch of this.inFlight.keys()) carried += batch.primaries.length;
      const candidates = registry.head(max + carried).filter((e) => this.free(e)).slice(0, max);
      return candidates.length >= minRecords ? buildBatch(candidates, options.maxBatchBytes) : undefined;
    }
    const suspects = this.suspects?.filter((e) => registry.isQueued(e));
    if (suspects !== undefined && suspects.length > 0) return buildBatch(suspects, options.maxBatchBytes);
    this.suspects = undefined;
    return takeBatch(registry, options.batchSize, Math.min(options.maxBatchBytes, PROBE_BYTES));
  }

  private async settle(batch: Batch, result: SendResult, failuresAtSend: number): Promise<Outcome> {
    switch (result.kind) {
      case 'accepted':
        this.registry.accept(batch);
        // Sent before a failure that is still being retried: its records are stored, the failure stands.
        if (failuresAtSend === this.failures) this.succeeded(batch);
        else this.storedLate(batch);
        return 'ok';
      case 'unauthorized':
        this.stop(`the API key was refused (${result.message})`);
        return 'stopped';
      case 'rejected':
        return this.isolate(batch, result);
      case 'transient':
        return this.transientFailure(batch, result);
    }
  }

  private transientFailure(batch: Batch, result: SendResult & { kind: 'transient' }): Outcome {
    if (result.status === 403) {
      const now = Date.now();
      this.forbiddenSince ??= now;
      if (now - this.forbiddenSince >= FORBIDDEN_STOP_MS) {
        this.stop(`the server answered only 403 for ${Math.round((now - this.forbiddenSince) / 60_000)} minutes (${result.message})`);
        return 'stopped';
      }
    } else {
      this.forbiddenSince = undefined;
    }
    if (result.status === 500 && ++this.serverErrors >= SERVER_ERRORS_BEFORE_ISOLATION) {
      // A 500 that keeps repeating may be an outage or a value the database refuses. Each
      // retry narrows the probe by half (one request per attempt, never a burst); a record
      // that fails alone is blamed only if it fails again right after the server stored another.
      const primaries = batch.primaries;
      if (this.lone !== undefined && this.loneAfterSuccess && primaries.length === 1 && primaries[0] === this.lone) {
        this.drop(this.lone, result.message);
        this.lone = undefined;
        this.loneAfterSuccess = false;
        this.serverErrors = 0;
        return 'ok';
      }
      if (primaries.length > 1) {
        this.suspects = primaries.slice(0, Math.ceil(primaries.length / 2));
      } else {
        this.lone = primaries[0];
        this.loneAfterSuccess = false;
        const other = this.registry.pending().find((e) => e !== this.lone);
        this.suspects = other !== undefined ? [other] : undefined;
        this.healthProbe = other === undefined;
      }
    }
    this.failed(result);
    return 'failed';
  }

  /**
   * Splits a refused batch (400, 413) in halves, recursively, until the records the server
   * refuses on their own are found; drops only those. Each part is a batch that stands on
   * its own. The server answers these at once, so a refusal costs O(log n) quick requests;
   * any other failure on the way stops the pass with the records kept.
   */
  private async isolate(batch: Batch, cause: SendResult): Promise<Outcome> {
    this.logger.debug(`batch of ${batch.sent.size} records refused (${describe(cause)}); isolating the offending records`);
    const parts: Entry[][] = batch.primaries.length === 1 ? [] : halves(batch.primaries);
    if (batch.primaries.length === 1) this.drop(batch.primaries[0]!, describe(cause));
    while (!this.stopped && parts.length > 0) {
      const part = parts.shift()!.filter((e) => this.registry.isQueued(e));
      if (part.length === 0) continue;
      const sub = buildBatch(part);
      const result = await this.transport(takeBody(sub));
      if (result.kind === 'accepted') {
        this.registry.accept(sub);
        this.succeeded(sub);
      } else if (result.kind === 'unauthorized') {
        this.stop(`the API key was refused (${result.message})`);
        return 'stopped';
      } else if (result.kind === 'rejected') {
        if (part.length > 1) parts.unshift(...halves(part));
        else this.drop(part[0]!, describe(result));
      } else {
        this.failed(result);
        return 'failed';
      }
    }
    return 'ok';
  }

  private drop(entry: Entry, reason: string): void {
    if (!this.registry.reject(entry)) return;
    this.logger.problem('rejected', `the server refused ${entry.table.slice(0, -1)} ${entry.id}; dropped it (${reason})`);
  }

  private succeeded(batch: Batch): void {
    if (this.lone !== undefined) {
      if (batch.sent.has(this.lone)) this.lone = undefined;
      else this.loneAfterSuccess = true;
    }
    this.attempt = 0;
    this.backingOff = false;
    this.retryAfterUntil = 0;
    this.serverErrors = 0;
    this.suspects = undefined;
    this.healthProbe = false;
    this.forbiddenSince = undefined;
    this.logger.debug(`delivered ${batch.sent.size} records`);
    try {
      if (this.refill()) this.refills++;
    } catch (error) {
      this.logger.problem('internal', `reading the spool failed: ${String(error)}`, error);
    }
  }

  /** A request sent before the latest failure was stored: its records are done, the retry state stays. */
  private storedLate(batch: Batch): void {
    this.logger.debug(`delivered ${batch.sent.size} records`);
    try {
      if (this.refill()) this.refills++;
    } catch (error) {
      this.logger.problem('internal', `reading the spool failed: ${String(error)}`, error);
    }
  }

  private failed(result: SendResult): void {
    this.failures++;
    this.attempt++;
    this.backingOff = true;
    const retryAfterMs = result.kind === 'transient' ? result.retryAfterMs : undefined;
    const delay = retryDelayMs(this.attempt, retryAfterMs, Math.random, this.options.retryInitialDelayMs, this.options.retryMaxDelayMs);
    const now = Date.now();
    this.nextAttemptAt = now + delay;
    this.retryAfterUntil = retryAfterMs !== undefined ? now + delay : 0;
    reportDeliveryFailure(this.logger, result, `delivery failed (${describe(result)}); ${this.registry.size} records kept, next attempt in ${delay} ms`);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.arm(delay);
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.close();
    const dropped = this.registry.close(reason);
    this.logger.problem('unauthorized', `${reason}; sending stopped and ${dropped} queued records dropped. Check NORTHSTAR_API_KEY.`);
  }
}

/** A promise resolved after `ms`; the timer keeps the process alive (only awaited flushes sleep). */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function halves<T>(items: readonly T[]): T[][] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

function describe(result: SendResult): string {
  return result.kind === 'accepted' ? 'accepted' : result.message;
}
