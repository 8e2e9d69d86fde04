import { recordJson, recordLength } from './record-json.js';
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
  /** Size of the latest state's JSON (UTF-16 units, about bytes; estimated for a live record, see `stateBytes`), counted against `maxQueueBytes` while queued. */
  bytes: number;
  /** The JSON of the state at `jsonVersion` of a record that no longer changes, reused while it waits (a retry, an ancestor in several bodies). */
  json: string | undefined;
  jsonVersion: number;
  /** Spool files this record was loaded from; each is deleted once all its records are settled. */
  spoolFiles: SpoolSource[] | undefined;
}

/** A spool file whose records were loaded into the queue (see `src/export/spool.ts`). */
export interface SpoolSource {
  /** Records of the file not yet accepted, refused or dropped. */
  pending: number;
  /** Called once, when `pending` reaches 0. */
  settled(): void;
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
  /** Records dropped because the API key was refused (401, or 403 answered for a long time). */
  droppedUnauthorized: number;
  /** Size of the queued records' JSON, counted against `maxQueueBytes`. */
  queuedBytes: number;
  /** Events dropped because their run already had `maxEventsPerRun` events. */
  droppedRunEvents: number;
  /** Records written to the spool directory (to be delivered by a later process). */
  spooled: number;
  /** Records read back from the spool directory and queued again. */
  unspooled: number;
}

/** The counters of drops, whose sum makes a flush report false. */
type DropCounter = 'droppedQueueFull' | 'droppedRejected' | 'droppedUnauthorized' | 'droppedRunEvents';

/** Creates an entry for a new record. */
export function createEntry(table: Table, record: WireRecord, parents: readonly Entry[], live: boolean): Entry {
  // A prompt link has no id: its key is (span_id, prompt_version_id).
  const id = 'id' in record ? record.id : `${record.span_id}/${record.prompt_version_id}`;
  return { table, id, record, parents, version: 0, accepted: false, live, bytes: 0, json: undefined, jsonVersion: -1, spoolFiles: undefined };
}

/** A record that writes its own wire JSON (an event whose content is already JSON text). Duck-typed: another loaded copy may have made it. */
interface SelfWritten {
  wireJson(): string;
  wireLength(): number;
  wireParts(parts: WireParts): void;
}

function selfWritten(record: WireRecord): SelfWritten | undefined {
  return typeof (record as Partial<SelfWritten>).wireJson === 'function' ? (record as unknown as SelfWritten) : undefined;
}

/**
 * The JSON of an entry's latest state, as a body needs it: an event's written around its
 * ready content, any other record's by JSON.stringify, kept for its state (a record that no
 * longer changes is written once; a live one, changed in place, afresh for each body).
 */
export function entryJson(entry: Entry): string {
  const own = selfWritten(entry.record);
  if (own !== undefined) return own.wireJson();
  if (entry.json !== undefined && entry.jsonVersion === entry.version && !entry.live) return entry.json;
  return writeJson(entry);
}

/** Where a body takes its records' text: short texts joined, contents and whole records' JSON as pieces of their own. */
export interface WireParts {
  text(text: string): void;
  content(text: string): void;
}

/**
 * {@link entryJson}'s text given to a body, an event's in pieces around its content (see
 * `wireParts`). Any other record's JSON is a piece of its own, as a content is: the encoder
 * then flattens that very string, which the entry keeps while it waits (a run or span that
 * ended is written once), instead of a joined copy, leaving the queued entry holding the
 * tree of concatenations its JSON was built from.
 */
export function entryParts(entry: Entry, parts: WireParts): void {
  const own = selfWritten(entry.record);
  if (own !== undefined) own.wireParts(parts);
  else parts.content(entryJson(entry));
}

function writeJson(entry: Entry): string {
  const json = recordJson(entry.table, entry.record) ?? JSON.stringify(entry.record);
  entry.json = json;
  entry.jsonVersion = entry.version;
  return json;
}

/**
 * The size of an entry's latest state as JSON. An event's is counted around its ready
 * content. A run, span or session still open is estimated, not written: it changes in place
 * and most end before the next send, so only the state a body takes is ever written (for
 * most, once: the final one). Any other record is written now and kept: it is the JSON the
 * next body sends.
 */
function stateBytes(entry: Entry): number {
  const own = selfWritten(entry.record);
  if (own !== undefined) return own.wireLength();
  // Only sessions, runs and spans are ever open (live); recordLength measures them field by field.
  const estimate = entry.live ? recordLength(entry.table, entry.record) : undefined;
  return estimate ?? writeJson(entry).length;
}

/**
 * The queue: records waiting for the server, latest state winning, bounded by
 * `maxQueueSize` records and `maxQueueBytes` of JSON. A record changed while queued is
 * replaced in place, not queued twice.
 */
export class RecordQueue {
  private readonly queue = new Set<Entry>();
  private queuedBytes = 0;
  /** Queued runs by id, so a score for a not-yet-delivered trace can bring its run along. */
  private readonly queuedRuns = new Map<string, Entry>();
  private readonly counters: Omit<QueueStats, 'queued' | 'queuedBytes'> = {
    accepted: 0,
    droppedQueueFull: 0,
    droppedRejected: 0,
    droppedUnauthorized: 0,
    droppedRunEvents: 0,
    spooled: 0,
    unspooled: 0,
  };
  /** Set after a 401: nothing is queued any more. */
  private closedReason: string | undefined;
  /** Bumped by every enqueue; the exit hook uses it to avoid retrying an unchanged queue. */
  enqueueSeq = 0;

  constructor(
    private readonly maxQueueSize: number,
    private readonly maxQueueBytes: number = Infinity,
  ) {}

  get size(): number {
    return this.queue.size;
  }

  /** JSON size of everything queued. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Whether `bytes` more would still fit under both bounds. */
  hasRoom(bytes: number): boolean {
    return this.queue.size < this.maxQueueSize && this.queuedBytes + bytes <= this.maxQueueBytes;
  }

  /**
   * Queues the current state of `entry` (new or changed). Returns false when the record
   * was dropped because the queue is full. An update of an open record the server already
   * holds is never dropped (it would stay `running` there forever); a new one is, or the
   * bound would not hold during a long outage. `force` (records read back from the spool,
   * whose room was checked before) skips the bound; a refused record is not counted here:
   * the caller drops or spools it.
   */
  enqueue(entry: Entry, force = false): boolean {
    entry.version++;
    const bytes = stateBytes(entry);
    if (this.queue.has(entry)) {
      this.queuedBytes += bytes - entry.bytes;
      entry.bytes = bytes;
      return true;
    }
    // Also what the spool counts when there is no room.
    entry.bytes = bytes;
    if (this.closedReason !== undefined) {
      this.counters.droppedUnauthorized++;
      this.settleSpool(entry);
      return false;
    }
    if (!force && !this.hasRoom(bytes) && !(entry.live && entry.accepted)) return false;
    this.queuedBytes += bytes;
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
      if (entry.version === version && this.dequeue(entry)) {
        this.counters.accepted++;
        this.settleSpool(entry);
      }
    }
  }

  /** Drops a record the server refuses; returns whether it was still queued. */
  reject(entry: Entry): boolean {
    const was = this.dequeue(entry);
    if (was) {
      this.counters.droppedRejected++;
      this.settleSpool(entry);
    }
    return was;
  }

  /** Takes a queued record out without delivering it (it was written to the spool). */
  remove(entry: Entry): boolean {
    return this.dequeue(entry);
  }

  /** Counts records dropped elsewhere (per-run event bound, spool). */
  count(counter: DropCounter | 'spooled' | 'unspooled', n = 1): void {
    this.counters[counter] += n;
  }

  /** Every record dropped so far, whatever the reason. */
  droppedTotal(): number {
    const c = this.counters;
    return c.droppedQueueFull + c.droppedRejected + c.droppedUnauthorized + c.droppedRunEvents;
  }

  /** One record of a spool file is done with (delivered, refused or dropped). */
  private settleSpool(entry: Entry): void {
    const files = entry.spoolFiles;
    if (files === undefined) return;
    entry.spoolFiles = undefined;
    for (const file of files) if (--file.pending === 0) file.settled();
  }

  /** After a 401: empty the queue and refuse new records; returns how many were dropped. */
  close(reason: string): number {
    this.closedReason = reason;
    const dropped = this.queue.size;
    this.counters.droppedUnauthorized += dropped;
    const entries = [...this.queue];
    this.queue.clear();
    this.queuedRuns.clear();
    this.queuedBytes = 0;
    for (const entry of entries) entry.json = undefined;
    for (const entry of entries) this.settleSpool(entry);
    return dropped;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  stats(): QueueStats {
    return { queued: this.queue.size, queuedBytes: this.queuedBytes, ...this.counters };
  }

  private dequeue(entry: Entry): boolean {
    if (!this.queue.delete(entry)) return false;
    this.queuedBytes -= entry.bytes;
    // The record may stay referenced (a parent of later records); its JSON need not.
    entry.json = undefined;
    if (entry.table === 'runs') this.queuedRuns.delete(entry.id);
    return true;
  }
}
