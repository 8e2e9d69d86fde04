import type { Table, WireRecord } from './records.js';

/**
 * One record known to the queue: its latest state and what the server has of it.
 * Live runs, spans and sessions own their entry and update it in place.
 */
export interface Entry {
  readonly table: Table;
  readonly id: string;
  /** The latest full state; every re-send carries all of it (docs/protocol.md, Upserts). */
  record: WireRecord;
  /** Records this one points at (session, run, parent span); sent along until accepted. */
  readonly parents: readonly Entry[];
  /** Bumped by every change, so an answer to an older send cannot clear a newer state. */
  version: number;
  /** The server has stored some state of this record: children no longer need it in their batch. */
  accepted: boolean;
  /** A run, span or session still open: once the server holds a state of it, its updates are never refused by the queue bound. */
  live: boolean;
}

/** Counters readable through `stats()`. */
export interface QueueStats {
  /** Records waiting to be sent. */
  queued: number;
  /** Records the server has accepted. */
  accepted: number;
  /** Records dropped because the queue was full. */
  droppedQueueFull: number;
  /** Records the server refused (400, or a 500 that kept repeating for that record alone). */
  droppedRejected: number;
  /** Records dropped because the API key was refused (401). */
  droppedUnauthorized: number;
}

/** Creates an entry for a new record. */
export function createEntry(table: Table, record: WireRecord, parents: readonly Entry[], live: boolean): Entry {
  // A prompt link has no id: its key is (span_id, prompt_version_id).
  const id = 'id' in record ? record.id : `${record.span_id}/${record.prompt_version_id}`;
  return { table, id, record, parents, version: 0, accepted: false, live };
}

/**
 * The queue: records waiting for the server, latest state winning, bounded by
 * `maxQueueSize`. A record changed while queued is replaced in place, not queued twice.
 */
export class RecordQueue {
  private readonly queue = new Set<Entry>();
  /** Queued runs by id, so a score for a not-yet-delivered trace can bring its run along. */
  private readonly queuedRuns = new Map<string, Entry>();
  private readonly counters: Omit<QueueStats, 'queued'> = {
    accepted: 0,
    droppedQueueFull: 0,
    droppedRejected: 0,
    droppedUnauthorized: 0,
  };
  /** Set after a 401: nothing is queued any more. */
  private closedReason: string | undefined;
  /** Bumped by every enqueue; the exit hook uses it to avoid retrying an unchanged queue. */
  enqueueSeq = 0;

  constructor(private readonly maxQueueSize: number) {}

  get size(): number {
    return this.queue.size;
  }

  /**
   * Queues the current state of `entry` (new or changed). Returns false when the record
   * was dropped because the queue is full. An update of an open record the server already
   * holds is never dropped (it would stay `running` there forever); a new one is, or the
   * bound would not hold during a long outage.
   */
  enqueue(entry: Entry): boolean {
    entry.version++;
    if (this.queue.has(entry)) return true;
    if (this.closedReason !== undefined) {
      this.counters.droppedUnauthorized++;
      return false;
    }
    if (this.queue.size >= this.maxQueueSize && !(entry.live && entry.accepted)) {
      this.counters.droppedQueueFull++;
      return false;
    }
    this.queue.add(entry);
    if (entry.table === 'runs') this.queuedRuns.set(entry.id, entry);
    this.enqueueSeq++;
    return true;
  }

  /** Whether this entry's latest state is waiting to be sent. */
  isQueued(entry: Entry): boolean {
    return this.queue.has(entry);
  }

  /** The entries waiting now, in queue order. */
  pending(): Entry[] {
    return [...this.queue];
  }

  /** The queued entry of a run, if its latest state has not reached the server yet. */
  queuedRun(id: string): Entry | undefined {
    return this.queuedRuns.get(id);
  }

  /** Up to `max` queued entries, in queue order (the primaries of the next batch). */
  head(max: number): Entry[] {
    const entries: Entry[] = [];
    for (const entry of this.queue) {
      if (entries.length >= max) break;
      entries.push(entry);
    }
    return entries;
  }

  /** The server stored the batch: its records are accepted, and dequeued unless changed since. */
  accept(batch: { readonly sent: ReadonlyMap<Entry, number> }): void {
    for (const [entry, version] of batch.sent) {
      entry.accepted = true;
      if (entry.version === version && this.dequeue(entry)) this.counters.accepted++;
    }
  }

  /** Drops a record the server refuses; returns whether it was still queued. */
  reject(entry: Entry): boolean {
    const was = this.dequeue(entry);
    if (was) this.counters.droppedRejected++;
    return was;
  }

  /** After a 401: empty the queue and refuse new records; returns how many were dropped. */
  close(reason: string): number {
    this.closedReason = reason;
    const dropped = this.queue.size;
    this.counters.droppedUnauthorized += dropped;
    this.queue.clear();
    this.queuedRuns.clear();
    return dropped;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  stats(): QueueStats {
    return { queued: this.queue.size, ...this.counters };
  }

  private dequeue(entry: Entry): boolean {
    if (!this.queue.delete(entry)) return false;
    if (entry.table === 'runs') this.queuedRuns.delete(entry.id);
    return true;
  }
}
