import type { EventRecord, EventType, JsonObject } from './records.js';

/** Marks a value not parsed yet (`undefined` and `null` are contents). */
const UNPARSED: unknown = Symbol('unparsed');

/**
 * An event record whose content (and attributes) are kept as the JSON text the snapshotter
 * wrote, once, at capture: its wire JSON is that text with the other fields written around
 * it, and the request body splices it in unchanged. `content` and `attributes` parse the text
 * on first read (replay, the evals, `getRecordedRun()`, tests) and keep the value; this is
 * the one way in-process code reads a captured content. Ids, timestamps and the type are
 * ASCII (UUIDs, `nowIso()`, an `EventType`) and are written without escaping.
 */
export class CapturedEventRecord implements EventRecord {
  private parsedContent: unknown = UNPARSED;
  private parsedAttributes: unknown = UNPARSED;

  constructor(
    readonly id: string,
    readonly run_id: string,
    readonly type: EventType,
    readonly created_at: string,
    private contentText: string,
    readonly span_id: string | undefined,
    private readonly attributesText: string | undefined,
  ) {}

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
    let json = `{"id":"${this.id}","run_id":"${this.run_id}","type":"${this.type}","created_at":"${this.created_at}","content":${this.contentText}`;
    if (this.span_id !== undefined) json += `,"span_id":"${this.span_id}"`;
    if (this.attributesText !== undefined) json += `,"attributes":${this.attributesText}`;
    return `${json}}`;
  }

  /** `wireJson().length`, counted without writing it. */
  wireLength(): number {
    // {"id":"","run_id":"","type":"","created_at":"","content":} is 58 characters.
    let length = 58 + this.id.length + this.run_id.length + this.type.length + this.created_at.length + this.contentText.length;
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
