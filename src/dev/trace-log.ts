// Storage of the local viewer: an append-only NDJSON log of accepted batches, one line per
// batch, replayed into a TraceStore at start. Past the size cap the log is rewritten with
// the newest runs only (oldest first out). Plain files work the same on Node 20 and 24 and
// need no native build; README "Local viewer" gives the measurements behind the choice.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RECORD_TABLES, type Batch } from './protocol.js';
import { TraceStore } from './trace-store.js';

/** One line of the log. */
interface LogLine {
  /** When the collector accepted the batch. */
  readonly t: string;
  readonly b: Partial<Batch>;
}

/** The log file and the store it feeds. */
export class TraceLog {
  readonly store = new TraceStore();
  private bytes = 0;
  private fd: number | undefined;
  /** Lines that could not be read back at start (a torn last line after a crash). */
  skippedLines = 0;
  /** Runs removed by the size cap since start. */
  prunedRuns = 0;

  /**
   * Opens (or creates) the log at `file` and replays it. Only `file` and a temporary file
   * beside it are ever written.
   */
  constructor(readonly file: string, readonly maxBytes: number) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        try {
          // Every line was validated when it was accepted: replay only checks that it parses
          // and has the batch shape (a torn last line after a crash does not).
          const line = JSON.parse(raw) as LogLine;
          const batch = fillBatch(line.b);
          if (typeof line.t !== 'string' || !batch) throw new Error('invalid line');
          this.store.commit(batch, line.t, { owned: true });
        } catch {
          this.skippedLines += 1;
        }
      }
      this.bytes = statSync(file).size;
      // A torn last line must not glue onto the next append.
      if (text.length > 0 && !text.endsWith('\n')) this.bytes += this.write('\n');
    }
    if (this.bytes > maxBytes) this.compact();
    this.fd ??= openSync(file, 'a');
  }

  /** Size of the log file in bytes. */
  get size(): number {
    return this.bytes;
  }

  /** Appends an accepted batch (already committed to the store); prunes past the cap. Returns the pruned run ids. */
  append(batch: Batch, receivedAt: string): string[] {
    const line: LogLine = { t: receivedAt, b: stripEmpty(batch) };
    this.bytes += this.write(JSON.stringify(line) + '\n');
    return this.bytes > this.maxBytes ? this.compact() : [];
  }

  /** Closes the file; every append is already on disk (written synchronously). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Rewrites the log as one line per run, newest runs first kept, until it fits in 80%
   * of the cap (so pruning is not redone on every append). Returns the removed run ids.
   */
  private compact(): string[] {
    const summaries = this.store.summaries(); // newest first
    const target = this.maxBytes * 0.8;
    const kept: string[] = [];
    const removed: string[] = [];
    let total = 0;
    for (const summary of summaries) {
      const line = JSON.stringify({ t: summary.updated_at, b: stripEmpty(this.store.records(summary.id)!) } satisfies LogLine) + '\n';
      const size = Buffer.byteLength(line);
      if (removed.length === 0 && (total + size <= target || kept.length === 0)) {
        kept.push(line);
        total += size;
      } else {
        removed.push(summary.id);
      }
    }
    for (const id of removed) this.store.removeRun(id);
    this.prunedRuns += removed.length;
    this.close();
    const temporary = `${this.file}.compacting`;
    writeFileSync(temporary, kept.reverse().join(''));
    renameSync(temporary, this.file);
    this.bytes = total;
    return removed;
  }

  private write(text: string): number {
    this.fd ??= openSync(this.file, 'a');
    appendFileSync(this.fd, text);
    return Buffer.byteLength(text);
  }
}

function stripEmpty(batch: Batch): Partial<Batch> {
  const out: Partial<Batch> = {};
  for (const [table, records] of Object.entries(batch) as Array<[keyof Batch, Batch[keyof Batch]]>) {
    if (records.length > 0) out[table] = records;
  }
  return out;
}

function fillBatch(partial: unknown): Batch | undefined {
  if (typeof partial !== 'object' || partial === null) return undefined;
  const batch = {} as Batch;
  for (const table of RECORD_TABLES) {
    const records = (partial as Partial<Batch>)[table] ?? [];
    if (!Array.isArray(records)) return undefined;
    batch[table] = records;
  }
  return batch;
}
