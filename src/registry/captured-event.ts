import { stampLength, stampText } from '../util/iso-stamp.js';
import type { Entry, SpoolSource, WireParts } from './record-queue.js';
import type { EventRecord, EventType, JsonObject, WireRecord } from './records.js';

/** Marks a value not parsed yet (`undefined` and `null` are contents). */
const UNPARSED: unknown = Symbol('unparsed');

/** The parents of an event made without any (specs, spool checks). */
const NO_PARENTS: readonly Entry[] = [];

/**
 * An event record whose content (and attributes) are kept as the JSON text the snapshotter
 * wrote, once, at capture: its wire JSON is that text with the other fields written around
 * it, and the request body splices it in unchanged. `content` and `attributes` parse the text
 * on first read (replay, the evals, `getRecordedRun()`, tests) and keep the value; this is
 * the one way in-process code reads a captured content. Ids, timestamps and the type are
 * ASCII (UUIDs, `nowIso()`, an `EventType`) and are written without escaping.
 *
 * It is also its own queue {@link Entry} (`record` is itself), and keeps its creation time
 * as a millisecond prefix shared with the other stamps of that millisecond and the
 * microsecond digits (see `nowMicros`): an event waits in the queue as three objects (this,
 * its id, its content), not five, and the queued records are what every scavenge copies.
 */
export class CapturedEventRecord implements EventRecord, Entry {
  // The queue state of a new entry, as `createEntry` sets it for every other record.
  readonly table = 'events' as const;
  readonly live = false;
  version = 0;
  accepted = false;
  bytes = 0;
  json: string | undefined = undefined;
  jsonVersion = -1;
  spoolFiles: SpoolSource[] | undefined = undefined;
  private parsedContent: unknown = UNPARSED;
  private parsedAttributes: unknown = UNPARSED;

  /**
   * `createdAt` is the creation time, or with `createdMicros` >= 0 its millisecond prefix
   * (`stampPrefix()` after `nowMicros()`).
   */
  constructor(
    readonly id: string,
    readonly run_id: string,
    readonly type: EventType,
    private readonly createdAt: string,
    private contentText: string,
    readonly span_id: string | undefined,
    private readonly attributesText: string | undefined,
    readonly parents: readonly Entry[] = NO_PARENTS,
    private readonly createdMicros: number = -1,
  ) {}

  /** The queue entry's record: this event. */
  get record(): WireRecord {
    return this;
  }

  /** The creation time (ISO 8601). */
  get created_at(): string {
    return stampText(this.createdAt, this.createdMicros);
  }

  /** The content, parsed from its JSON on first read. */
  get content(): unknown {
    if (this.parsedContent === UNPARSED) this.parsedContent = JSON.parse(this.contentText) as unknown;
    return this.parsedContent;
  }

  /** The attributes, parsed from their JSON on first read; undefined when there are none. */
  get attributes(): JsonObject | undefined {
    if (this.attributesText === undefined) return undefined;
    if (this.parsedAttributes === UNPARSED) this.parsedAttributes = JSON.parse(this.attributesText) as unknown;
    return this.parsedAttributes as JsonObject;
  }

  /** The content as JSON text. */
  get contentJson(): string {
    return this.contentText;
  }

  /** Replaces the content (an output recorded again); the queue must be told (enqueue). */
  setContentJson(json: string): void {
    this.contentText = json;
    this.parsedContent = UNPARSED;
  }

  /** This record's wire JSON: the same text as `JSON.stringify` of the record, keys in the same order. */
  wireJson(): string {
    const joined = { json: '', text: (text: string) => void (joined.json += text), content: (text: string) => void (joined.json += text) };
    this.wireParts(joined);
    return joined.json;
  }

  /**
   * This record's wire JSON given to a body in pieces: the fields around the content as
   * text, the content text itself as its own piece (see `BodyParts` in src/export/wire-body.ts).
   */
  wireParts(parts: WireParts): void {
    parts.text(`{"id":"${this.id}","run_id":"${this.run_id}","type":"${this.type}","created_at":"${stampText(this.createdAt, this.createdMicros)}","content":`);
    parts.content(this.contentText);
    if (this.span_id !== undefined) parts.text(`,"span_id":"${this.span_id}"`);
    if (this.attributesText !== undefined) {
      parts.text(',"attributes":');
      parts.content(this.attributesText);
    }
    parts.text('}');
  }

  /** `wireJson().length`, counted without writing it. */
  wireLength(): number {
    // {"id":"","run_id":"","type":"","created_at":"","content":} is 58 characters.
    let length = 58 + this.id.length + this.run_id.length + this.type.length + stampLength(this.createdAt, this.createdMicros) + this.contentText.length;
    if (this.span_id !== undefined) length += 13 + this.span_id.length;
    if (this.attributesText !== undefined) length += 14 + this.attributesText.length;
    return length;
  }

  /** The plain record (content parsed), for `JSON.stringify` in process (a run's export for replay). */
  toJSON(): EventRecord {
    const record: EventRecord = { id: this.id, run_id: this.run_id, type: this.type, created_at: this.created_at, content: this.content };
    if (this.span_id !== undefined) record.span_id = this.span_id;
    const attributes = this.attributes;
    if (attributes !== undefined) record.attributes = attributes;
    return record;
  }
}
