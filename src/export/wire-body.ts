// The request body of the ingest endpoint (docs/protocol.md, Body): which queued records
// go into one batch, with the ancestors the server does not have yet, encoded from each record's JSON.
import type { Table } from '../registry/records.js';
import { entryParts } from '../registry/record-queue.js';
import type { Entry, RecordQueue } from '../registry/record-queue.js';

/** A batch taken from the queue: the request body and the state versions it carries. */
export interface Batch {
  /** The records asked for (ancestors come along but are not primaries). */
  readonly primaries: readonly Entry[];
  /** Every record in the body with the version sent. */
  readonly sent: ReadonlyMap<Entry, number>;
  /** The request body as UTF-8, until {@link takeBody} hands it to the transport. */
  body: Uint8Array;
  /** The body's length in bytes, kept after it was handed over. */
  readonly length: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The body, handed over once: the batch stops holding it, so that its bytes (hundreds of
 * KB) are not kept alive by the batch while the request is in flight.
 */
export function takeBody(batch: Batch): Uint8Array {
  const body = batch.body;
  batch.body = NO_BYTES;
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
 * would pass `maxBytes` (at least one). The body is encoded from the records' JSON.
 */
export function buildBatch(candidates: readonly Entry[], maxBytes: number = Infinity): Batch {
  let count = candidates.length;
  for (;;) {
    const { primaries, sent, parts, chars } = pick(candidates, count);
    const last = primaries.length <= 1;
    // A UTF-16 unit is at least one byte: a body of more characters than maxBytes is too big unencoded.
    const body = chars <= maxBytes || last ? encode(parts, chars) : undefined;
    const size = body?.length ?? chars;
    if (body !== undefined && (size <= maxBytes || last)) return { primaries, sent, body, length: size };
    // Shrink in proportion (rarely more than one more pass), and always by at least one.
    count = Math.max(1, Math.min(primaries.length - 1, Math.floor((primaries.length * maxBytes) / size)));
  }
}

/** The records of one body before it is encoded: its JSON pieces in order and their length in UTF-16 units. */
interface Picked {
  readonly primaries: Entry[];
  readonly sent: Map<Entry, number>;
  readonly parts: string[];
  readonly chars: number;
}

/** The first `count` candidates (scores past the per-batch limit wait) with their missing ancestors. */
function pick(candidates: readonly Entry[], count: number): Picked {
  const primaries: Entry[] = [];
  const sent = new Map<Entry, number>();
  const body: Record<Table, Entry[]> = { sessions: [], runs: [], spans: [], events: [], scores: [], prompt_links: [] };
  const add = (entry: Entry): void => {
    if (sent.has(entry)) return;
    for (const parent of entry.parents) if (!parent.accepted) add(parent);
    sent.set(entry, entry.version);
    body[entry.table].push(entry);
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
  // (an event's in pieces around its captured content text; any other record written once
  // per state), encoded once (see encode): no body-sized string is made.
  const parts = new BodyParts(`{"schema_version":${SCHEMA_VERSION}`);
  for (const table of TABLES) {
    const records = body[table];
    parts.text(`,"${table}":[`);
    for (let i = 0; i < records.length; i++) {
      if (i > 0) parts.text(',');
      entryParts(records[i]!, parts);
    }
    parts.text(']');
  }
  parts.text('}');
  return { primaries, sent, parts: parts.done(), chars: parts.chars };
}

/**
 * A body's text as the pieces it is encoded from: each captured content as it was written
 * at capture (one flat string, a few KB) and each other record's JSON as its own piece, the
 * short texts between them (an event's other fields, commas, brackets) joined into one. So an
 * event is not copied into a joined string of its own for each body, and the encoder is
 * called about twice per event, not once per field.
 */
class BodyParts {
  private readonly parts: string[] = [];
  chars = 0;

  constructor(private pending: string) {}

  /** Short text, joined to the pending piece. */
  text(text: string): void {
    this.pending += text;
  }

  /** A captured content text or a record's JSON, its own piece. */
  content(text: string): void {
    this.endPending();
    this.parts.push(text);
    this.chars += text.length;
  }

  done(): string[] {
    this.endPending();
    return this.parts;
  }

  private endPending(): void {
    if (this.pending.length === 0) return;
    this.parts.push(this.pending);
    this.chars += this.pending.length;
    this.pending = '';
  }
}

type NodeBuffer = Uint8Array & { write(text: string, offset: number): number };
type BufferStatics = { allocUnsafeSlow(size: number): NodeBuffer; byteLength(text: string): number };
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferStatics }).Buffer;
const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : undefined;

/**
 * The UTF-8 bytes of the pieces' text, written piece by piece into one buffer (on Node):
 * joining them into a string and encoding that copied the body twice, through a string of
 * hundreds of KB (a large object, promoted whole by the GC if it outlives a scavenge).
 */
function encode(parts: readonly string[], chars: number): Uint8Array {
  if (NodeBuffer === undefined) return encoder!.encode(parts.join(''));
  // Room for the characters and an eighth more (non-ASCII text); grown when a piece may not fit.
  let buffer = NodeBuffer.allocUnsafeSlow(chars + (chars >> 3) + 16);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    // The commas and brackets between records (ASCII): one byte, without a call into the runtime.
    if (part.length === 1 && part.charCodeAt(0) < 0x80) {
      if (at === buffer.length) buffer = grow(buffer, at, 1 + parts.length - i);
      buffer[at++] = part.charCodeAt(0);
      continue;
    }
    if (buffer.length - at < part.length * 3) {
      const need = NodeBuffer.byteLength(part);
      if (buffer.length - at < need) buffer = grow(buffer, at, need + parts.length - i);
    }
    at += buffer.write(part, at);
  }
  return buffer.subarray(0, at);
}

/** A larger buffer holding the first `used` bytes of `buffer`, with room for at least `more`. */
function grow(buffer: NodeBuffer, used: number, more: number): NodeBuffer {
  const size = used + more;
  const grown = NodeBuffer!.allocUnsafeSlow(size + (size >> 2));
  grown.set(buffer.subarray(0, used));
  return grown;
}

/** The body's arrays, in the order of docs/protocol.md (Body). */
const TABLES: readonly Table[] = ['sessions', 'runs', 'spans', 'events', 'scores', 'prompt_links'];
