// The server's tables: what it has accepted, with docs/protocol.md "Ordering" (references must
// resolve) and "Upserts" (a re-sent id updates the stored record) applied.

import { describeRecord, type Batch, type RecordTable, type WireRecord } from './protocol-rules.js';

/** The tables that key records by `id`. */
export type IdTable = Exclude<RecordTable, 'prompt_links'>;

/** The message the real server sends when a reference does not resolve. */
export const INVALID_REFERENCES = 'Payload contains invalid project references';

// What an update replaces, per docs/protocol.md "Upserts". A replaced field absent from the update
// is cleared ("a field left out of an update is cleared"); every other field keeps its
// first-insert value. Sessions treat `ended_at` specially (kept when absent), scores are
// replaced whole (docs/protocol.md does not list them; a score is one measurement).
const REPLACED_ON_UPDATE: Readonly<Record<Exclude<IdTable, 'scores'>, readonly string[]>> = {
  sessions: ['metadata'],
  runs: ['ended_at', 'status', 'error', 'metadata'],
  spans: ['ended_at', 'status', 'error', 'attributes'],
  events: ['content', 'attributes'],
};

// PROTOCOL "Prompts: links at ingest": one row per (span_id, prompt_version_id).
const promptLinkKey = (link: WireRecord): string => `${link.span_id}:${link.prompt_version_id}`;

/** In-memory tables with the upsert and reference semantics of the real database. */
export class IngestStore {
  readonly sessions = new Map<string, WireRecord>();
  readonly runs = new Map<string, WireRecord>();
  readonly spans = new Map<string, WireRecord>();
  readonly events = new Map<string, WireRecord>();
  readonly scores = new Map<string, WireRecord>();
  /** Keyed by (span_id, prompt_version_id): a re-sent link replaces `variable_values`. */
  readonly promptLinks: WireRecord[] = [];
  /** `${table}:${id}` → number of inserts plus updates of that record. */
  readonly insertCounts = new Map<string, number>();

  /** Empties every table in place, so maps held by specs stay live. */
  clear(): void {
    for (const table of [this.sessions, this.runs, this.spans, this.events, this.scores, this.insertCounts]) table.clear();
    this.promptLinks.length = 0;
  }

  /**
   * Why a reference in the batch resolves neither within the batch nor to a stored
   * record, or undefined. A prompt link's span must be stored or in the batch, and its
   * version one of the project's (`hasPromptVersion`); docs/protocol.md, "Prompts:
   * links at ingest", gives the rules.
   */
  findBrokenReference(batch: Batch, hasPromptVersion: (id: string) => boolean = () => true): string | undefined {
    const known = (table: IdTable, stored: Map<string, WireRecord>) =>
      new Set([...stored.keys(), ...batch[table].map((record) => record.id as string)]);
    const sessions = known('sessions', this.sessions);
    const runs = known('runs', this.runs);
    const spans = known('spans', this.spans);

    const checks: Array<[RecordTable, string, Set<string>]> = [
      ['runs', 'session_id', sessions],
      ['spans', 'run_id', runs],
      ['spans', 'parent_span_id', spans],
      ['events', 'run_id', runs],
      ['events', 'span_id', spans],
      ['scores', 'trace_id', runs],
      ['scores', 'span_id', spans],
      ['prompt_links', 'span_id', spans],
    ];
    for (const [table, field, targets] of checks) {
      for (const [index, record] of batch[table].entries()) {
        if (!(field in record)) continue;
        if (!targets.has(record[field])) {
          return `${describeRecord(table, index, record)}: ${field} ${JSON.stringify(record[field])} is neither in this batch nor stored`;
        }
        if (field === 'parent_span_id' && record[field] === record.id) {
          return `${describeRecord(table, index, record)}: parent_span_id is the span's own id`;
        }
      }
    }
    for (const [index, link] of batch.prompt_links.entries()) {
      if (!hasPromptVersion(link.prompt_version_id)) {
        return `${describeRecord('prompt_links', index, link)}: prompt_version_id ${JSON.stringify(link.prompt_version_id)} is not a version of this project's prompts`;
      }
    }
    return this.orderSpansParentFirst(batch.spans) ? undefined : 'spans: parent_span_id links form a cycle';
  }

  /**
   * A prompt link whose `trace_id` is not its span's run, or whose `variable_values` is
   * an explicit null: the real server fails those in the database (HTTP 500).
   */
  findLinkMismatch(batch: Batch): string | undefined {
    const runOf = new Map<string, string>([...this.spans].map(([id, span]) => [id, span.run_id as string]));
    for (const span of batch.spans) if (!runOf.has(span.id)) runOf.set(span.id, span.run_id);
    for (const [index, link] of batch.prompt_links.entries()) {
      const where = describeRecord('prompt_links', index, link);
      if ('variable_values' in link && link.variable_values === null) return `${where}: null value in column "variable_values" violates not-null constraint`;
      if (runOf.get(link.span_id) !== link.trace_id) return `${where}: trace_id ${JSON.stringify(link.trace_id)} is not the run of span ${JSON.stringify(link.span_id)}`;
    }
    return undefined;
  }

  /** Stores a batch that passed every check: sessions, runs, spans parent-first, events, scores. */
  commit(batch: Batch): void {
    for (const table of ['sessions', 'runs'] as const) {
      for (const record of batch[table]) this.upsert(table, record);
    }
    for (const span of this.orderSpansParentFirst(batch.spans)!) this.upsert('spans', span);
    for (const table of ['events', 'scores'] as const) {
      for (const record of batch[table]) this.upsert(table, record);
    }
    for (const link of batch.prompt_links) this.upsertPromptLink(link);
  }

  /**
   * The batch's spans in an order where each new span follows its new parent, or
   * undefined on a cycle. Spans already stored, and repeated occurrences of an id, come
   * after the first inserts in array order, so the last occurrence in a batch wins.
   */
  private orderSpansParentFirst(spans: readonly WireRecord[]): WireRecord[] | undefined {
    const firstIndex = new Map<string, number>();
    spans.forEach((span, i) => {
      if (!this.spans.has(span.id) && !firstIndex.has(span.id)) firstIndex.set(span.id, i);
    });
    const parentIndex = (i: number): number | undefined => firstIndex.get(spans[i]!.parent_span_id);

    const ordered: WireRecord[] = [];
    const state = new Map<number, 'visiting' | 'placed'>();
    for (const start of firstIndex.values()) {
      // Each span has at most one parent, so walking up the chain is linear; placing the
      // chain top-down puts every parent before its children.
      const chain: number[] = [];
      for (let i: number | undefined = start; i !== undefined && state.get(i) !== 'placed'; i = parentIndex(i)) {
        if (state.get(i) === 'visiting') return undefined;
        state.set(i, 'visiting');
        chain.push(i);
      }
      for (const i of chain.reverse()) {
        state.set(i, 'placed');
        ordered.push(spans[i]!);
      }
    }
    const firsts = new Set(firstIndex.values());
    spans.forEach((span, i) => firsts.has(i) || ordered.push(span));
    return ordered;
  }

  private upsert(table: IdTable, incoming: WireRecord): void {
    const stored = this[table];
    const existing = stored.get(incoming.id);
    const record = structuredClone(incoming);
    if (!existing || table === 'scores') {
      stored.set(incoming.id, record);
    } else {
      const merged = { ...existing };
      for (const field of REPLACED_ON_UPDATE[table]) {
        if (field in record) merged[field] = record[field];
        else delete merged[field];
      }
      if (table === 'sessions' && 'ended_at' in record) merged.ended_at = record.ended_at;
      stored.set(incoming.id, merged);
    }
    this.count(`${table}:${incoming.id}`);
  }

  private upsertPromptLink(incoming: WireRecord): void {
    const key = promptLinkKey(incoming);
    const index = this.promptLinks.findIndex((link) => promptLinkKey(link) === key);
    if (index === -1) this.promptLinks.push(structuredClone(incoming));
    else this.promptLinks[index] = structuredClone(incoming);
    this.count(`prompt_links:${key}`);
  }

  private count(key: string): void {
    this.insertCounts.set(key, (this.insertCounts.get(key) ?? 0) + 1);
  }
}
