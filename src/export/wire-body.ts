// The request body of the ingest endpoint (docs/protocol.md, Body): which queued records
// go into one batch, with the ancestors the server does not have yet, joined from each record's JSON.
import type { Table } from '../registry/records.js';
import { entryJson } from '../registry/record-queue.js';
import { utf8Length } from '../util/runtime.js';
import type { Entry, RecordQueue } from '../registry/record-queue.js';

/** A batch taken from the queue: the request body and the state versions it carries. */
export interface Batch {
  /** The records asked for (ancestors come along but are not primaries). */
  readonly primaries: readonly Entry[];
  /** Every record in the body with the version sent. */
  readonly sent: ReadonlyMap<Entry, number>;
  /** The request body, until {@link takeBody} hands it to the transport. */
  body: string;
  /** The body's length, kept after it was handed over. */
  readonly length: number;
}

/**
 * The body, handed over once: the batch stops holding it, so that the text (a large object
 * of hundreds of KB) is not kept alive, and promoted by the GC, while the request is in flight.
 */
export function takeBody(batch: Batch): string {
  const body = batch.body;
  batch.body = '';
  return body;
}

const SCHEMA_VERSION = 2;
/** docs/protocol.md, Limits: at most 500 scores per batch. */
const MAX_SCORES_PER_BATCH = 500;

/**
 * Builds the next batch: up to `maxRecords` queued records in queue order, each with
 * the ancestors the server does not have yet, under `maxBytes` (at least one record).
 */
export function takeBatch(queue: RecordQueue, maxRecords: number, maxBytes: number): Batch | undefined {
  const primaries = queue.head(maxRecords);
  return primaries.length === 0 ? undefined : buildBatch(primaries, maxBytes);
}

/**
 * Builds a batch of these primaries (and their missing ancestors), fewer when the body
 * would pass `maxBytes` (at least one). The body is joined from the records' JSON.
 */
export function buildBatch(candidates: readonly Entry[], maxBytes: number = Infinity): Batch {
  let count = candidates.length;
  for (;;) {
    const batch = assemble(candidates, count);
    const size = batch.body.length * 3 <= maxBytes ? batch.body.length : utf8Length(batch.body);
    if (size <= maxBytes || batch.primaries.length <= 1) return batch;
    // Shrink in proportion (rarely more than one more pass), and always by at least one.
    count = Math.max(1, Math.min(batch.primaries.length - 1, Math.floor((batch.primaries.length * maxBytes) / size)));
  }
}

/** The first `count` candidates (scores past the per-batch limit wait) with their missing ancestors. */
function assemble(candidates: readonly Entry[], count: number): Batch {
  const primaries: Entry[] = [];
  const sent = new Map<Entry, number>();
  const body: Record<Table, string[]> = { sessions: [], runs: [], spans: [], events: [], scores: [], prompt_links: [] };
  const add = (entry: Entry): void => {
    if (sent.has(entry)) return;
    for (const parent of entry.parents) if (!parent.accepted) add(parent);
    sent.set(entry, entry.version);
    body[entry.table].push(entryJson(entry));
  };
  let scores = 0;
  for (let i = 0; i < candidates.length && primaries.length < count; i++) {
    const candidate = candidates[i]!;
    // The server refuses a batch with more than 500 scores; the rest wait for the next one.
    if (candidate.table === 'scores' && ++scores > MAX_SCORES_PER_BATCH) continue;
    primaries.push(candidate);
    add(candidate);
  }
  // The same text JSON.stringify of the whole body would give, from each record's own JSON
  // (an event's around its captured content text; any other record written once per state),
  // joined once: joining each table and then concatenating made a second copy of the body,
  // flattened when its byte length was counted.
  const parts: string[] = [`{"schema_version":${SCHEMA_VERSION}`];
  for (const table of TABLES) {
    const records = body[table];
    parts.push(`,"${table}":[`);
    for (let i = 0; i < records.length; i++) {
      if (i > 0) parts.push(',');
      parts.push(records[i]!);
    }
    parts.push(']');
  }
  parts.push('}');
  const json = parts.join('');
  return { primaries, sent, body: json, length: json.length };
}

/** The body's arrays, in the order of docs/protocol.md (Body). */
const TABLES: readonly Table[] = ['sessions', 'runs', 'spans', 'events', 'scores', 'prompt_links'];
