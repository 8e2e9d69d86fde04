// Keeps the records of the last N finished runs in memory (`keepRuns: N`), so a test or
// a debugging session can `replay()` a run this process recorded. Off by default.

import type { EventRecord, PromptLinkRecord, RunRecord, ScoreRecord, SessionRecord, SpanRecord } from './records.js';
import type { Entry } from './record-queue.js';

/**
 * One run with everything recorded for it: the shape `getRecordedRun()` returns and
 * `replay()` accepts, the same as one run exported by the local viewer or the dashboard.
 */
export interface RunExport {
  readonly run: RunRecord;
  readonly session?: SessionRecord;
  readonly spans: readonly SpanRecord[];
  readonly events: readonly EventRecord[];
  readonly scores?: readonly ScoreRecord[];
  readonly prompt_links?: readonly PromptLinkRecord[];
}

interface Bucket {
  readonly run: Entry;
  session: Entry | undefined;
  readonly records: Set<Entry>;
}

/** Open runs followed at most, so runs that never end cannot grow memory without bound. */
const MAX_OPEN_RUNS = 1000;

/** Follows queued records by run; keeps the `capacity` most recently finished runs. */
export class RunRecorder {
  private readonly open = new Map<string, Bucket>();
  private readonly finished = new Map<string, Bucket>();

  constructor(private readonly capacity: number) {}

  /** Sees a record as it is queued (new or changed). */
  observe(entry: Entry): void {
    if (entry.table === 'sessions') return;
    if (entry.table === 'runs') {
      const record = entry.record as RunRecord;
      let bucket = this.open.get(entry.id) ?? this.finished.get(entry.id);
      if (bucket === undefined) {
        bucket = { run: entry, session: entry.parents.find((p) => p.table === 'sessions'), records: new Set() };
        this.open.set(entry.id, bucket);
        if (this.open.size > MAX_OPEN_RUNS) this.open.delete(this.open.keys().next().value!);
      }
      if (record.status !== 'running' && this.open.delete(entry.id)) {
        this.finished.set(entry.id, bucket);
        if (this.finished.size > this.capacity) this.finished.delete(this.finished.keys().next().value!);
      }
      return;
    }
    const record = entry.record as { run_id?: string; trace_id?: string };
    const runId = record.run_id ?? record.trace_id;
    if (runId === undefined) return;
    (this.open.get(runId) ?? this.finished.get(runId))?.records.add(entry);
  }

  /** A copy of a finished run's records (or of an open one's so far), or undefined when not kept. */
  get(traceId: string): RunExport | undefined {
    const bucket = this.finished.get(traceId) ?? this.open.get(traceId);
    if (bucket === undefined) return undefined;
    const of = <R>(table: Entry['table']): R[] => [...bucket.records].filter((e) => e.table === table).map((e) => e.record as R);
    const exported: RunExport = {
      run: bucket.run.record as RunRecord,
      ...(bucket.session ? { session: bucket.session.record as SessionRecord } : {}),
      spans: of<SpanRecord>('spans'),
      events: of<EventRecord>('events'),
      scores: of<ScoreRecord>('scores'),
      prompt_links: of<PromptLinkRecord>('prompt_links'),
    };
    // Live records keep changing; the caller gets a snapshot.
    return JSON.parse(JSON.stringify(exported)) as RunExport;
  }

  /** The ids of the runs kept, oldest first. */
  runIds(): string[] {
    return [...this.finished.keys()];
  }
}
