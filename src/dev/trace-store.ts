// The local collector's tables: what it has accepted, with PROTOCOL "Ordering" (every
// reference resolves within the batch or to a stored record) and "Upserts" (a re-sent id
// updates the stored record) applied, plus per-run indexes the viewer reads.
import { describeRecord, findDatabaseRefusal, isObject, type Batch, type Refusal, type WireRecord } from './protocol.js';

/** The reason the hosted server gives when a reference does not resolve. */
export const INVALID_REFERENCES = 'Payload contains invalid project references';

// What an update replaces, per PROTOCOL "Upserts"; a replaced field left out is cleared.
const REPLACED: Readonly<Record<'sessions' | 'runs' | 'spans' | 'events', readonly string[]>> = {
  sessions: ['metadata'],
  runs: ['ended_at', 'status', 'error', 'metadata'],
  spans: ['ended_at', 'status', 'error', 'attributes'],
  events: ['content', 'attributes'],
};

/** One run's line in the runs list. */
export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly session_id: string;
  readonly started_at: string;
  readonly ended_at?: string;
  readonly duration_ms?: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cost_usd?: number;
  readonly tags: readonly string[];
  readonly environment?: string;
  readonly project?: string;
  readonly spans: number;
  readonly events: number;
  readonly errors: number;
  readonly error?: string;
  /** When the collector last received something of this run. */
  readonly updated_at: string;
}

/** Everything of one run, in the shape of an ingest batch (what export writes). */
export type RunRecords = Batch;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** In-memory tables with the upsert and reference semantics of the hosted database. */
export class TraceStore {
  readonly sessions = new Map<string, WireRecord>();
  readonly runs = new Map<string, WireRecord>();
  readonly spans = new Map<string, WireRecord>();
  readonly events = new Map<string, WireRecord>();
  readonly scores = new Map<string, WireRecord>();
  /** Keyed `${span_id}:${prompt_version_id}`. */
  readonly promptLinks = new Map<string, WireRecord>();
  private readonly spansOfRun = new Map<string, Set<string>>();
  private readonly eventsOfRun = new Map<string, Set<string>>();
  private readonly scoresOfRun = new Map<string, Set<string>>();
  private readonly linksOfRun = new Map<string, Set<string>>();
  private readonly updatedAt = new Map<string, string>();

  /** Why the hosted server would refuse this validated batch (400 or 500), or undefined. */
  check(batch: Batch): Refusal | undefined {
    const known = (table: 'sessions' | 'runs' | 'spans', stored: Map<string, WireRecord>) => {
      const inBatch = new Set(batch[table].map((r) => r.id as string));
      return { has: (id: string) => inBatch.has(id) || stored.has(id) };
    };
    const sessions = known('sessions', this.sessions);
    const runs = known('runs', this.runs);
    const spans = known('spans', this.spans);
    const checks: Array<['runs' | 'spans' | 'events' | 'scores' | 'prompt_links', string, { has(id: string): boolean }]> = [
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
        if (!targets.has(record[field] as string)) {
          return { status: 400, error: `${INVALID_REFERENCES}: ${describeRecord(table, index, record)}: ${field} ${JSON.stringify(record[field])} is neither in this batch nor stored` };
        }
        if (field === 'parent_span_id' && record[field] === record.id) {
          return { status: 400, error: `${INVALID_REFERENCES}: ${describeRecord(table, index, record)}: parent_span_id is the span's own id` };
        }
      }
    }
    if (!this.orderSpans(batch.spans)) return { status: 400, error: `${INVALID_REFERENCES}: spans: parent_span_id links form a cycle` };
    const refused = findDatabaseRefusal(batch);
    if (refused) return refused;
    // PROTOCOL: a link whose trace_id is not its span's run fails in the database (500).
    const batchSpanRun = new Map(batch.spans.map((s) => [s.id as string, s.run_id as string]));
    for (const [index, link] of batch.prompt_links.entries()) {
      const spanRun = this.spans.get(link.span_id as string)?.run_id ?? batchSpanRun.get(link.span_id as string);
      if (spanRun !== link.trace_id) {
        return { status: 500, error: `${describeRecord('prompt_links', index, link)}: trace_id ${JSON.stringify(link.trace_id)} is not the run of span ${JSON.stringify(link.span_id)}` };
      }
    }
    return undefined;
  }

  /**
   * Stores a batch that passed `check`; returns the ids of the runs it touched. With
   * `owned`, the records are kept as they are (the caller hands them over) instead of copied.
   */
  commit(batch: Batch, receivedAt: string = new Date().toISOString(), options: { owned?: boolean } = {}): Set<string> {
    const copy = options.owned ? <T>(value: T): T => value : structuredClone;
    const touched = new Set<string>();
    for (const session of batch.sessions) this.upsert('sessions', session, copy);
    for (const run of batch.runs) {
      this.upsert('runs', run, copy);
      touched.add(run.id as string);
    }
    for (const span of this.orderSpans(batch.spans) ?? batch.spans) {
      // A span's run is fixed at first insert.
      const runId = (this.spans.get(span.id as string)?.run_id ?? span.run_id) as string;
      this.upsert('spans', span, copy);
      this.index(this.spansOfRun, runId, span.id as string);
      touched.add(runId);
    }
    for (const event of batch.events) {
      const runId = (this.events.get(event.id as string)?.run_id ?? event.run_id) as string;
      this.upsert('events', event, copy);
      this.index(this.eventsOfRun, runId, event.id as string);
      touched.add(runId);
    }
    for (const score of batch.scores) {
      this.scores.set(score.id as string, copy(score));
      this.index(this.scoresOfRun, score.trace_id as string, score.id as string);
      touched.add(score.trace_id as string);
    }
    for (const link of batch.prompt_links) {
      const key = `${link.span_id}:${link.prompt_version_id}`;
      this.promptLinks.set(key, copy(link));
      this.index(this.linksOfRun, link.trace_id as string, key);
      touched.add(link.trace_id as string);
    }
    for (const id of touched) this.updatedAt.set(id, receivedAt);
    return touched;
  }

  /** Everything of one run as a batch (its session included), or undefined. */
  records(runId: string): RunRecords | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const pick = (ids: Set<string> | undefined, table: Map<string, WireRecord>) =>
      [...(ids ?? [])].map((id) => table.get(id)).filter((r): r is WireRecord => r !== undefined);
    const session = this.sessions.get(run.session_id as string);
    return {
      sessions: session ? [session] : [],
      runs: [run],
      spans: pick(this.spansOfRun.get(runId), this.spans),
      events: pick(this.eventsOfRun.get(runId), this.events),
      scores: pick(this.scoresOfRun.get(runId), this.scores),
      prompt_links: pick(this.linksOfRun.get(runId), this.promptLinks),
    };
  }

  /** Removes a run and everything under it; its session goes once no run refers to it. */
  removeRun(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    for (const [ids, table] of [
      [this.spansOfRun, this.spans],
      [this.eventsOfRun, this.events],
      [this.scoresOfRun, this.scores],
      [this.linksOfRun, this.promptLinks],
    ] as const) {
      for (const id of ids.get(runId) ?? []) table.delete(id);
      ids.delete(runId);
    }
    this.runs.delete(runId);
    this.updatedAt.delete(runId);
    const sessionId = run.session_id;
    if (![...this.runs.values()].some((r) => r.session_id === sessionId)) this.sessions.delete(sessionId as string);
  }

  /** The list line of one run: duration, tokens and cost summed over its model spans. */
  summary(runId: string): RunSummary | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const metadata = isObject(run.metadata) ? run.metadata : {};
    let input = 0;
    let output = 0;
    let cost: number | undefined;
    let errors = run.status === 'error' ? 1 : 0;
    for (const id of this.spansOfRun.get(runId) ?? []) {
      const span = this.spans.get(id);
      if (!span) continue;
      if (span.status === 'error') errors += 1;
      const a = isObject(span.attributes) ? span.attributes : {};
      if (span.kind === 'model') {
        input += num(a.input_tokens) ?? 0;
        output += num(a.output_tokens) ?? 0;
        const c = num(a.cost_usd);
        if (c !== undefined) cost = (cost ?? 0) + c;
      }
    }
    input = num(metadata.total_input_tokens) ?? input;
    output = num(metadata.total_output_tokens) ?? output;
    cost = num(metadata.cost_usd) ?? cost;
    const started = Date.parse(run.started_at as string);
    const ended = typeof run.ended_at === 'string' ? Date.parse(run.ended_at) : NaN;
    const error = isObject(run.error) ? `${str(run.error.type) ?? 'Error'}: ${str(run.error.message) ?? ''}` : undefined;
    return {
      id: runId,
      name: run.name as string,
      status: run.status as string,
      session_id: run.session_id as string,
      started_at: run.started_at as string,
      ...(typeof run.ended_at === 'string' ? { ended_at: run.ended_at } : {}),
      ...(Number.isFinite(ended) ? { duration_ms: num(metadata.latency_ms) ?? ended - started } : {}),
      input_tokens: input,
      output_tokens: output,
      ...(cost !== undefined ? { cost_usd: cost } : {}),
      tags: Array.isArray(metadata.tags) ? metadata.tags.filter((t): t is string => typeof t === 'string') : [],
      ...(str(metadata.environment) ? { environment: str(metadata.environment) } : {}),
      ...(str(metadata.project) ? { project: str(metadata.project) } : {}),
      spans: this.spansOfRun.get(runId)?.size ?? 0,
      events: this.eventsOfRun.get(runId)?.size ?? 0,
      errors,
      ...(error ? { error } : {}),
      updated_at: this.updatedAt.get(runId) ?? (run.started_at as string),
    };
  }

  /** Every run's summary, newest first. */
  summaries(): RunSummary[] {
    return [...this.runs.keys()]
      .map((id) => this.summary(id)!)
      .sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
  }

  /** Ids of the runs whose records contain `text` (case-insensitive) anywhere. */
  search(text: string): string[] {
    const needle = text.toLowerCase();
    if (needle === '') return [...this.runs.keys()];
    const hits: string[] = [];
    for (const id of this.runs.keys()) {
      const records = this.records(id)!;
      if (JSON.stringify([records.runs, records.spans, records.events, records.scores]).toLowerCase().includes(needle)) hits.push(id);
    }
    return hits;
  }

  private index(map: Map<string, Set<string>>, runId: string, id: string): void {
    let ids = map.get(runId);
    if (!ids) map.set(runId, (ids = new Set()));
    ids.add(id);
  }

  private upsert(table: 'sessions' | 'runs' | 'spans' | 'events', incoming: WireRecord, copy: <T>(value: T) => T): void {
    const stored = this[table];
    const existing = stored.get(incoming.id as string);
    const record = copy(incoming);
    if (!existing) {
      stored.set(incoming.id as string, record);
      return;
    }
    const merged = { ...existing };
    for (const field of REPLACED[table]) {
      if (field in record) merged[field] = record[field];
      else delete merged[field];
    }
    if (table === 'sessions' && 'ended_at' in record) merged.ended_at = record.ended_at;
    stored.set(incoming.id as string, merged);
  }

  /** The batch's spans with each new span after its new parent, or undefined on a cycle. */
  private orderSpans(spans: readonly WireRecord[]): WireRecord[] | undefined {
    const first = new Map<string, number>();
    spans.forEach((span, i) => {
      if (!this.spans.has(span.id as string) && !first.has(span.id as string)) first.set(span.id as string, i);
    });
    const ordered: WireRecord[] = [];
    const state = new Map<number, 'visiting' | 'placed'>();
    for (const start of first.values()) {
      const chain: number[] = [];
      for (let i: number | undefined = start; i !== undefined && state.get(i) !== 'placed'; i = first.get(spans[i]!.parent_span_id as string)) {
        if (state.get(i) === 'visiting') return undefined;
        state.set(i, 'visiting');
        chain.push(i);
      }
      for (const i of chain.reverse()) {
        state.set(i, 'placed');
        ordered.push(spans[i]!);
      }
    }
    const firsts = new Set(first.values());
    spans.forEach((span, i) => firsts.has(i) || ordered.push(span));
    return ordered;
  }
}
