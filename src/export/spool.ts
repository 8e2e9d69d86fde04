import type { Logger } from '../debug/logger.js';
import type { Table, WireRecord } from '../registry/records.js';
import { createEntry, type Entry, type RecordQueue, type SpoolSource } from '../registry/record-queue.js';
import { buildBatch } from './wire-body.js';

type Fs = typeof import('node:fs');

/** The tables of a batch body, ancestors first (docs/protocol.md, Ordering). */
const TABLES: readonly Table[] = ['sessions', 'runs', 'spans', 'events', 'scores', 'prompt_links'];
/** A record's queue key: its id, or (span, version) for a prompt link, as `createEntry` keys it. */
const keyOf = (record: WireRecord): string => ('id' in record ? record.id : `${record.span_id}/${record.prompt_version_id}`);

/** Settings of the spool (from the resolved configuration). */
export interface SpoolSettings {
  readonly dir: string;
  readonly maxBytes: number;
  /** Body cap of one file (one request), in bytes. */
  readonly maxBatchBytes: number;
}

/** Records spilled during a run are written in files of about this size. */
const SPILL_CHUNK_BYTES = 256 * 1024;
/** `<time>-<pid>-<origin>-<seq>.json`: one origin (one client of one process) per group, delivered in `seq` order. */
const FILE_NAME = /^(\d{14})-(\d+)-([a-z0-9]+)-(\d{6})\.json$/;
const CLAIM = /^(.+\.json)\.claim-(\d+)$/;

/** node:fs when running on Node (or a runtime that offers it), loaded only when a spool is configured. */
function loadFs(): Fs | undefined {
  try {
    const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return typeof host?.getBuiltinModule === 'function' ? (host.getBuiltinModule('node:fs') as Fs | undefined) : undefined;
  } catch {
    return undefined;
  }
}

interface Group {
  /** Files in delivery order. */
  readonly files: string[];
  readonly claimed: boolean;
  readonly owner: number | undefined;
}

/**
 * The durable spool (opt-in): records that cannot stay in memory (past the queue bound
 * during an outage, or still undelivered when the process ends) go to files in one
 * directory, each a self-contained batch body (records with the ancestors the server does
 * not have). A later process with the same directory claims a dead process's files by
 * atomic rename and queues their records again; a file is deleted once all its records
 * are settled. Files of one origin are read in order, so the latest state of a record wins.
 */
export class Spool {
  private readonly fs: Fs;
  private readonly pid: number;
  private readonly origin = Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  private seq = 0;
  private dirBytes = 0;
  /** Records past the queue bound, written as one file once SPILL_CHUNK_BYTES gather. */
  private spillBuffer: Entry[] = [];
  private spillBytes = 0;
  /** This process's files not read back yet, oldest first. */
  private readonly ownFiles: string[] = [];
  /** Entries that were ancestors (or open records) in this process's files: their in-memory state is newer than the file's. */
  private readonly ownAncestors = new Map<string, Entry>();
  /** Records read back, by id, so a later file's state of the same record updates it. */
  private readonly loaded = new Map<string, Entry>();
  private loadedPending = 0;
  /** Claimed files being delivered, by path. */
  private readonly claims = new Set<string>();
  /** Set after a write failed: nothing more is spilled (records are dropped and counted instead). */
  private broken = false;

  private constructor(
    fs: Fs,
    private readonly settings: SpoolSettings,
    private readonly queue: RecordQueue,
    private readonly logger: Logger,
  ) {
    this.fs = fs;
    this.pid = process.pid;
    fs.mkdirSync(settings.dir, { recursive: true });
    for (const name of fs.readdirSync(settings.dir)) {
      try {
        this.dirBytes += fs.statSync(this.path(name)).size;
      } catch {
        // Gone meanwhile (another process delivered it).
      }
    }
  }

  /** The spool, or undefined (reported) when the runtime has no file system or the directory is unusable. */
  static open(settings: SpoolSettings, queue: RecordQueue, logger: Logger): Spool | undefined {
    const fs = loadFs();
    if (fs === undefined) {
      logger.problem('spool', 'spool: node:fs is not available here (the spool needs Node >= 20.16, or a runtime with process.getBuiltinModule); the spool is disabled');
      return undefined;
    }
    try {
      return new Spool(fs, settings, queue, logger);
    } catch (error) {
      logger.problem('spool', `spool: the directory cannot be used (${String(error)}); the spool is disabled`, error);
      return undefined;
    }
  }

  /** Whether this process has spilled records not delivered yet. */
  get backlog(): boolean {
    return this.ownFiles.length > 0 || this.spillBuffer.length > 0;
  }

  /** Takes a record the queue has no room for; false when the spool is full too (the caller drops it). */
  spill(entry: Entry, bytes: number): boolean {
    if (this.broken || this.dirBytes + this.spillBytes + bytes > this.settings.maxBytes) return false;
    this.spillBuffer.push(entry);
    this.spillBytes += bytes;
    if (this.spillBytes >= Math.min(SPILL_CHUNK_BYTES, this.settings.maxBatchBytes)) this.writeSpill();
    return true;
  }

  /** Writes the spilled records gathered so far (synchronously: a crash right after loses nothing of them). */
  writeSpill(): void {
    const entries = this.spillBuffer;
    this.spillBuffer = [];
    this.spillBytes = 0;
    if (entries.length === 0) return;
    for (const name of this.writeEntries(entries)) this.ownFiles.push(name);
  }

  /**
   * At process exit (synchronously): writes every record still queued or spilled, plus the
   * current state of the ancestors in this process's unread files, so that the next process
   * ends with the newest state of each. Claimed files are then deleted: their records are in
   * the new files.
   */
  writeForExit(): void {
    const entries = [...this.queue.pending(), ...this.spillBuffer];
    this.spillBuffer = [];
    const queued = new Set(entries);
    if (this.ownFiles.length > 0) for (const entry of this.ownAncestors.values()) if (!queued.has(entry)) entries.push(entry);
    if (entries.length > 0) this.writeEntries(entries);
    for (const claim of this.claims) this.unlink(claim);
    this.claims.clear();
  }

  /**
   * Queues the records of spool files while the queue has room for them: this process's
   * own spilled files first, then files of processes that are gone. Returns whether
   * anything was queued.
   */
  refill(): boolean {
    const before = this.queue.stats().unspooled + this.queue.size;
    this.refillOwn();
    // Whole groups (one origin's files, in order), while there is room (an empty queue takes any).
    while (this.queue.size === 0 || this.queue.hasRoom(this.settings.maxBatchBytes)) {
      if (!this.adoptNextGroup()) break;
    }
    return this.queue.stats().unspooled + this.queue.size !== before;
  }

  private refillOwn(): void {
    while (this.ownFiles.length > 0) {
      const name = this.ownFiles[0]!;
      if (!this.load(this.path(name), name, true)) return;
      this.ownFiles.shift();
    }
    // Spilled records not written yet are newer than the files: they go back after them.
    if (this.spillBuffer.length > 0 && (this.queue.size === 0 || this.queue.hasRoom(this.spillBytes))) {
      const entries = this.spillBuffer;
      this.spillBuffer = [];
      this.spillBytes = 0;
      for (const entry of entries) this.queue.enqueue(entry, true);
    }
  }

  /** Claims and queues the oldest group of files no live process owns; false when there is none. */
  private adoptNextGroup(): boolean {
    let names: string[];
    try {
      names = this.fs.readdirSync(this.settings.dir);
    } catch (error) {
      this.logger.problemOnce('spool-read', 'spool', `spool: reading ${this.settings.dir} failed (${String(error)})`, error);
      return false;
    }
    for (const group of this.groups(names)) {
      if (group.owner !== undefined && alive(group.owner)) continue;
      const paths = this.claimGroup(group);
      if (paths.length === 0) continue;
      for (const path of paths) this.load(path, basename(path), false, true);
      return true;
    }
    return false;
  }

  /** Groups the directory's files by origin; each group's files sorted by sequence. */
  private groups(names: readonly string[]): Group[] {
    const groups = new Map<string, { files: string[]; claimed: boolean; owner: number | undefined; first: string }>();
    for (const name of names) {
      const claim = CLAIM.exec(name);
      const base = claim ? claim[1]! : name;
      if (!base.endsWith('.json') || base.startsWith('.')) continue;
      const match = FILE_NAME.exec(base);
      const key = match ? `${match[2]}-${match[3]}` : base;
      const owner = match ? Number(match[2]) : undefined;
      if (match && owner === this.pid && match[3] === this.origin) continue;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { files: [], claimed: false, owner, first: base }));
      if (claim) {
        // Claimed by a live process: that group is being delivered. A dead claimer's file is taken over.
        const claimer = Number(claim[2]);
        if (claimer === this.pid || alive(claimer)) group.claimed = true;
        else group.files.push(name);
      } else {
        group.files.push(name);
      }
      if (base < group.first) group.first = base;
    }
    const list = [...groups.values()].filter((g) => !g.claimed && g.files.length > 0);
    list.sort((a, b) => (a.first < b.first ? -1 : 1));
    for (const g of list) g.files.sort((a, b) => (stripClaim(a) < stripClaim(b) ? -1 : 1));
    return list;
  }

  /** Claims a group's files oldest first by atomic rename; stops at the first file another process won. */
  private claimGroup(group: Group): string[] {
    const claimed: string[] = [];
    for (const name of group.files) {
      const target = this.path(`${stripClaim(name)}.claim-${this.pid}`);
      try {
        this.fs.renameSync(this.path(name), target);
      } catch {
        break;
      }
      this.claims.add(target);
      claimed.push(target);
    }
    return claimed;
  }

  /**
   * Reads one file and queues its records. Returns false, leaving it for later, when the
   * queue has no room (unless `force`); a corrupt file is set aside with a diagnostic.
   */
  private load(path: string, label: string, own: boolean, force = false): boolean {
    let text: string;
    try {
      text = this.fs.readFileSync(path, 'utf8');
    } catch (error) {
      this.logger.problem('spool', `spool: reading ${label} failed (${String(error)}); skipped`, error);
      this.claims.delete(path);
      return true;
    }
    if (!force && this.queue.size > 0 && !this.queue.hasRoom(text.length)) return false;
    const body = parseBody(text);
    if (body === undefined) {
      this.logger.problem('spool', `spool: ${label} is corrupt or truncated; skipped (kept as ${stripClaim(label)}.corrupt)`);
      this.claims.delete(path);
      this.setAside(path);
      return true;
    }
    const source: SpoolSource = { pending: 0, settled: () => this.settled(path, text.length) };
    const index = (id: unknown): Entry | undefined => (typeof id === 'string' ? (own ? this.ownAncestors.get(id) : undefined) ?? this.loaded.get(id) : undefined);
    const fresh: Entry[] = [];
    for (const table of TABLES) {
      for (const record of body[table]) {
        const known = index(keyOf(record));
        if (own && known !== undefined && this.ownAncestors.get(keyOf(record)) === known) {
          // Still held in memory with a newer state: that state is (re)sent instead of the file's.
          if (!this.queue.isQueued(known)) this.queue.enqueue(known, true);
          continue;
        }
        if (known !== undefined) {
          // This process still holds the record (its state is newer), or an earlier file had it.
          if (!own && this.loaded.get(keyOf(record)) === known) {
            known.record = record;
            fresh.push(known);
          }
          continue;
        }
        const parents = parentIds(table, record).map(index).filter((e): e is Entry => e !== undefined);
        const entry = createEntry(table, record, parents, false);
        this.loaded.set(entry.id, entry);
        fresh.push(entry);
      }
    }
    for (const entry of fresh) {
      (entry.spoolFiles ??= []).push(source);
      source.pending++;
      this.loadedPending++;
    }
    this.queue.count('unspooled', fresh.length);
    if (source.pending === 0) source.settled();
    // Refused only once the key was refused: the queue then counts and settles the record.
    for (const entry of fresh) this.queue.enqueue(entry, true);
    this.logger.debug(`spool: queued ${fresh.length} records from ${label}`);
    return true;
  }

  private settled(path: string, bytes: number): void {
    this.unlink(path);
    this.claims.delete(path);
    this.dirBytes = Math.max(0, this.dirBytes - bytes);
    // `pending` of each file was added to loadedPending; recount from the entries still waiting.
    this.loadedPending = 0;
    for (const entry of this.loaded.values()) if (entry.spoolFiles !== undefined) this.loadedPending++;
    if (this.loadedPending === 0) this.loaded.clear();
  }

  /** Writes entries as self-contained batch files of at most maxBatchBytes; returns their names. */
  private writeEntries(entries: readonly Entry[]): string[] {
    const names: string[] = [];
    let rest = entries;
    while (rest.length > 0) {
      const batch = buildBatch(rest, this.settings.maxBatchBytes);
      const count = batch.primaries.length;
      const name = this.nextName();
      if (this.dirBytes + batch.body.length > this.settings.maxBytes) {
        this.queue.count('droppedQueueFull', rest.length);
        this.logger.problemOnce('spool-full', 'dropped', `spool: ${this.settings.dir} is full (maxBytes ${this.settings.maxBytes}); ${rest.length} records dropped and counted in stats().droppedQueueFull`);
        break;
      }
      try {
        const tmp = this.path(`.${name}.tmp`);
        this.fs.writeFileSync(tmp, batch.body);
        this.fs.renameSync(tmp, this.path(name));
      } catch (error) {
        this.broken = true;
        this.queue.count('droppedQueueFull', rest.length);
        this.logger.problem('spool', `spool: writing ${name} failed (${String(error)}); ${rest.length} records dropped`, error);
        break;
      }
      this.dirBytes += batch.body.length;
      this.queue.count('spooled', count);
      names.push(name);
      for (const [entry] of batch.sent) if (entry.live || !batch.primaries.includes(entry)) this.ownAncestors.set(entry.id, entry);
      rest = rest.slice(count);
    }
    return names;
  }

  private nextName(): string {
    return `${String(Date.now()).padStart(14, '0')}-${this.pid}-${this.origin}-${String(++this.seq).padStart(6, '0')}.json`;
  }

  private setAside(path: string): void {
    try {
      this.fs.renameSync(path, `${this.path(stripClaim(basename(path)))}.corrupt`);
    } catch {
      this.unlink(path);
    }
  }

  private unlink(path: string): void {
    try {
      this.fs.unlinkSync(path);
    } catch {
      // Already gone.
    }
  }

  private path(name: string): string {
    return name.startsWith(this.settings.dir) ? name : `${this.settings.dir.replace(/[\\/]+$/, '')}/${name}`;
  }
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

function stripClaim(name: string): string {
  const claim = CLAIM.exec(basename(name));
  return claim ? claim[1]! : basename(name);
}

/** Whether process `pid` (on this machine) still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

type Body = Record<Table, WireRecord[]>;

/** A spool file's batch body, or undefined when it is not one. */
function parseBody(text: string): Body | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const body = {} as Body;
  for (const table of TABLES) {
    const records = (parsed as Record<string, unknown>)[table] ?? [];
    if (!Array.isArray(records)) return undefined;
    body[table] = records.filter((r): r is WireRecord => {
      if (r === null || typeof r !== 'object') return false;
      const x = r as { id?: unknown; span_id?: unknown; prompt_version_id?: unknown };
      return table === 'prompt_links' ? typeof x.span_id === 'string' && typeof x.prompt_version_id === 'string' : typeof x.id === 'string';
    });
  }
  return body;
}

/** The ids a record points at (docs/protocol.md, Ordering), in the order `createEntry` wants its parents. */
function parentIds(table: Table, record: WireRecord): unknown[] {
  const r = record as unknown as Record<string, unknown>;
  switch (table) {
    case 'sessions':
      return [];
    case 'runs':
      return [r.session_id];
    case 'spans':
      return [r.run_id, r.parent_span_id];
    case 'events':
      return [r.run_id, r.span_id];
    case 'prompt_links':
      return [r.span_id];
    case 'scores':
      return [r.trace_id, r.span_id];
  }
}
