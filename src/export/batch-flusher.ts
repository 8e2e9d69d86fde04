import { unrefTimer } from '../util/runtime.js';
import type { Logger } from '../debug/logger.js';
import type { Entry, RecordQueue } from '../registry/record-queue.js';
import type { SendResult, Transport } from './http-transport.js';
import { reportDeliveryFailure } from './delivery-diagnostics.js';
import { retryDelayMs } from './retry-policy.js';
import { type Batch, buildBatch, takeBatch } from './wire-body.js';

/** Settings of one flusher (from the resolved configuration). */
export interface FlusherOptions {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxBatchBytes: number;
}

type Outcome = 'ok' | 'failed' | 'stopped';

/** How long a full batch waits for more records before it is sent, in milliseconds. */
const LINGER_MS = 5;

/** How many batches' worth of waiting records one request may carry (within maxBatchBytes). */
const BATCHES_PER_REQUEST = 20;

/** After this many 500s in a row the batch is suspected of holding a value the database refuses. */
const SERVER_ERRORS_BEFORE_ISOLATION = 3;

/**
 * Sends the registry's queue in the background: a batch when `batchSize` records are
 * waiting, otherwise every `flushIntervalMs`; one request in flight; unref'd timers;
 * backoff on transient failures; bisection of refused batches so only the offending
 * records are dropped.
 */
export class BatchFlusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Outcome> | undefined;
  /** Failed attempts in a row; drives the backoff. */
  private attempt = 0;
  /** While backing off, a full batch waits for the timer instead of sending at once. */
  private backingOff = false;
  private serverErrors = 0;
  private stopped = false;
  private kickScheduled = false;
  /** Bumped whenever a record is dropped by the server, so `flush` can report it. */
  private droppedSeq = 0;

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
      if (!this.running && !this.kickScheduled) {
        this.kickScheduled = true;
        unrefTimer(setTimeout(() => {
          this.kickScheduled = false;
          void this.runInBackground();
        }, LINGER_MS));
      }
    } else {
      this.arm(this.options.flushIntervalMs);
    }
  }

  /**
   * Sends everything queued now and waits for the answer. Resolves true when all of it
   * was accepted, false on a failure, a refusal or the timeout. Never rejects.
   */
  async flush(timeoutMs?: number): Promise<boolean> {
    const work = this.flushNow();
    if (timeoutMs === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      unrefTimer(timer);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the timer; queued records stay queued (a later `flush` still sends them). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async flushNow(): Promise<boolean> {
    try {
      const droppedBefore = this.droppedSeq;
      const pending = this.registry.pending();
      // Records leave the queue roughly in queue order, so a cursor that only moves forward
      // finds the first one still waiting: O(n) over the whole flush, not O(n) per batch.
      let cursor = 0;
      while (!this.stopped) {
        if (this.running) await this.running;
        if (this.stopped) return false;
        while (cursor < pending.length && !this.registry.isQueued(pending[cursor]!)) cursor++;
        if (cursor === pending.length) return this.droppedSeq === droppedBefore;
        const outcome = await this.exclusive(() => this.sendOne());
        if (outcome !== 'ok') return false;
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
      void this.runInBackground();
    }, delayMs);
    // Never keep a finished process alive for telemetry; the exit hook flushes instead.
    unrefTimer(this.timer);
  }

  private async runInBackground(): Promise<void> {
    if (this.running) return;
    let outcome: Outcome = 'ok';
    try {
      if (this.registry.size > 0 && !this.stopped) outcome = await this.exclusive(() => this.sendOne());
    } catch (error) {
      this.logger.problem('internal', `background delivery failed: ${String(error)}`, error);
    }
    // A full batch waiting: send again soon (notify lingers); otherwise the interval gathers more.
    if (outcome === 'ok') this.notify();
  }

  /** Runs one delivery with nothing else in flight. */
  private async exclusive(work: () => Promise<Outcome>): Promise<Outcome> {
    while (this.running) await this.running;
    const promise = work();
    this.running = promise;
    try {
      return await promise;
    } finally {
      this.running = undefined;
    }
  }

  private async sendOne(): Promise<Outcome> {
    // A full batch triggers a send; when more is waiting (a burst, or after an outage) one
    // request carries several batches' worth, so delivery keeps up with the producer.
    const batch = takeBatch(this.registry, this.options.batchSize * BATCHES_PER_REQUEST, this.options.maxBatchBytes);
    if (!batch) return 'ok';
    const result = await this.transport(batch.body);
    return this.settle(batch, result);
  }

  private async settle(batch: Batch, result: SendResult): Promise<Outcome> {
    switch (result.kind) {
      case 'accepted':
        this.registry.accept(batch);
        this.succeeded(batch);
        return 'ok';
      case 'unauthorized':
        this.stop(result.message);
        return 'stopped';
      case 'rejected':
        return this.isolate(batch, result);
      case 'transient':
        if (result.status === 500 && ++this.serverErrors >= SERVER_ERRORS_BEFORE_ISOLATION) {
          return this.isolate(batch, result);
        }
        this.failed(result);
        return 'failed';
    }
  }

  /**
   * Splits a refused batch in halves, recursively, until the records the server refuses
   * on their own are found; drops only those. Each part is a batch that stands on its own.
   */
  private async isolate(batch: Batch, cause: SendResult): Promise<Outcome> {
    this.logger.debug(`batch of ${batch.sent.size} records refused (${describe(cause)}); isolating the offending records`);
    let healthy = false;
    // Parts that failed with 500 before the server stored anything in this pass. An outage
    // looks exactly like that, so they are neither blamed nor split further (an outage then
    // costs O(log n) requests, not O(n)) until something is stored; then they are retried.
    const deferred: Entry[][] = [];
    const parts: Entry[][] = batch.primaries.length === 1 ? [] : halves(batch.primaries);
    if (batch.primaries.length === 1) {
      if (cause.kind === 'rejected') this.drop(batch.primaries[0]!, describe(cause));
      else deferred.push([batch.primaries[0]!]);
    }
    while (!this.stopped) {
      if (parts.length === 0) {
        if (!healthy || deferred.length === 0) break;
        parts.push(...deferred.splice(0));
      }
      const part = parts.shift()!.filter((e) => this.registry.isQueued(e));
      if (part.length === 0) continue;
      const sub = buildBatch(part);
      const result = await this.transport(sub.body);
      if (result.kind === 'accepted') {
        this.registry.accept(sub);
        this.succeeded(sub);
        healthy = true;
      } else if (result.kind === 'unauthorized') {
        this.stop(result.message);
        return 'stopped';
      } else if (result.kind === 'rejected') {
        if (part.length > 1) parts.unshift(...halves(part));
        else this.drop(part[0]!, describe(result));
      } else if (result.status === 500) {
        // A record that fails alone with 500 while others are stored holds a value the
        // database refuses; if nothing was stored at all, the server is down instead.
        if (!healthy && (deferred.length > 0 || part.length === 1)) deferred.push(part);
        else if (part.length > 1) parts.unshift(...halves(part));
        else this.drop(part[0]!, describe(result));
      } else {
        this.failed(result);
        return 'failed';
      }
    }
    if (deferred.length > 0) {
      this.failed(cause);
      return 'failed';
    }
    this.serverErrors = 0;
    return 'ok';
  }

  private drop(entry: Entry, reason: string): void {
    if (!this.registry.reject(entry)) return;
    this.droppedSeq++;
    this.logger.problem('rejected', `the server refused ${entry.table.slice(0, -1)} ${entry.id}; dropped it (${reason})`);
  }

  private succeeded(batch: Batch): void {
    this.attempt = 0;
    this.backingOff = false;
    this.serverErrors = 0;
    this.logger.debug(`delivered ${batch.sent.size} records`);
  }

  private failed(result: SendResult): void {
    this.attempt++;
    this.backingOff = true;
    const retryAfterMs = result.kind === 'transient' ? result.retryAfterMs : undefined;
    const delay = retryDelayMs(this.attempt, retryAfterMs);
    reportDeliveryFailure(this.logger, result, `delivery failed (${describe(result)}); ${this.registry.size} records kept, next attempt in ${delay} ms`);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.arm(delay);
  }

  private stop(message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.close();
    const dropped = this.registry.close(message);
    this.logger.problem('unauthorized', `the API key was refused (${message}); sending stopped and ${dropped} queued records dropped. Check NORTHSTAR_API_KEY.`);
  }
}

function halves<T>(items: readonly T[]): T[][] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

function describe(result: SendResult): string {
  return result.kind === 'accepted' ? 'accepted' : result.message;
}
