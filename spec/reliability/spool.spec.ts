// The durable spool (issue 10, item 2): real child processes run spec/support/child-scripts/
// spool-child.mjs against the built package (`dist/esm`). A process that ends by
// process.exit(), an uncaught exception or SIGKILL leaves its undelivered records in the
// spool directory; a later process delivers them exactly once. Corrupt files are skipped,
// and two processes sharing one directory never send the same file.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { flush, init, logEvent, shutdown, stats, trace } from '../../src/index.js';
import { type Exit, killRunningChildren, launchNode } from '../support/child-process.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'spec/support/child-scripts')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
const ROOT = repoRoot();
const SCRIPT = join(ROOT, 'spec/support/child-scripts/spool-child.mjs');

function launch(env: Record<string, string>, onStdout?: (text: string, child: ChildProcess) => void): Promise<Exit> {
  return launchNode([SCRIPT], env, { cwd: ROOT, label: 'spool-child', timeoutMs: 30_000, onStdout });
}

let server: IngestServer;
let dir: string;
const dirs: string[] = [];

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/esm/src/index.js')), 'the package is built (npm test builds it; or run node scripts/build.mjs)');
  server = await startIngestServer();
});
afterEach(() => {
  killRunningChildren();
  server.reset();
});
after(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'northstar-spool-'));
  dirs.push(d);
  return d;
}

/** Every record in the spool files, by table and id (the last file's state wins, as delivery does). */
function spooledRecords(d: string): { files: string[]; byTable: Record<string, Map<string, any>> } {
  const files = readdirSync(d).filter((f) => f.endsWith('.json')).sort();
  const byTable: Record<string, Map<string, any>> = { sessions: new Map(), runs: new Map(), spans: new Map(), events: new Map(), scores: new Map() };
  for (const file of files) {
    const body = JSON.parse(readFileSync(join(d, file), 'utf8'));
    assert.equal(body.schema_version, 2, `${file} is a batch body`);
    for (const table of Object.keys(byTable)) for (const record of body[table]) byTable[table]!.set(record.id, record);
  }
  return { files, byTable };
}

/** What a deliver process printed. */
async function deliver(d: string): Promise<{ ok: boolean; stats: any; diagnostics: string[] }> {
  const exit = await launch({ NS_MODE: 'deliver', NS_SPOOL: d, NS_KEY: server.apiKey, NS_URL: server.url });
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.stderr, '');
  return JSON.parse(exit.stdout.trim().split('\n').pop()!);
}

/** Every spooled record is stored in the spooled state or a later one; every event exactly once. */
function assertDeliveredOnce(spooled: Record<string, Map<string, any>>): void {
  for (const [table, records] of Object.entries(spooled)) {
    const stored = (server as any)[table] as Map<string, any>;
    for (const [id, record] of records) {
      assert.ok(stored.has(id), `${table} ${id} stored`);
      if (table === 'runs' || table === 'spans') assert.equal(stored.get(id).status, record.status, `${table} ${id} in its last spooled state`);
      if (table === 'events') assert.equal(server.insertCounts.get(`events:${id}`), 1, `event ${id} sent exactly once`);
    }
  }
}

describe('spool: what each exit path leaves, and the next process delivers', () => {
  for (const mode of ['exit', 'throw'] as const) {
    it(`${mode === 'exit' ? 'process.exit()' : 'an uncaught exception'} right after tracing: everything is in the spool, then delivered once`, async () => {
      dir = freshDir();
      const exit = await launch({ NS_MODE: mode, NS_SPOOL: dir, NS_TRACES: '20', NS_KEY: server.apiKey, NS_URL: server.url });
      assert.equal(exit.code, mode === 'exit' ? 0 : 1);
      if (mode === 'throw') assert.match(exit.stderr, /crash right after tracing/);
      assert.equal(server.requests.length, 0, 'nothing was sent before the process ended');
      const { files, byTable } = spooledRecords(dir);
      assert.ok(files.length >= 1);
      assert.equal(byTable.runs!.size, 20);
      assert.ok([...byTable.runs!.values()].every((r) => r.status === 'ok' && r.ended_at), 'final states were spooled');
      assert.equal(byTable.spans!.size, 20);

      const second = await deliver(dir);
      assert.equal(second.ok, true);
      assert.ok(second.stats.unspooled >= byTable.runs!.size);
      assertDeliveredOnce(byTable);
      assert.equal(server.runs.size, 20);
      assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.corrupt')), [], 'the spool is empty again');
      // A third process finds nothing left to send.
      const requests = server.requests.length;
      const third = await deliver(dir);
      assert.equal(third.ok, true);
      assert.equal(third.stats.unspooled, 0);
      assert.equal(server.requests.length, requests);
    });
  }

  it('SIGKILL during an outage loses only what was not yet written: spilled records are delivered by the next process', async () => {
    dir = freshDir();
    const down = await startIngestServer();
    const url = down.url;
    await down.close();
    let ready = '';
    const exit = await launch(
      { NS_MODE: 'sigkill', NS_SPOOL: dir, NS_KEY: server.apiKey, NS_URL: url, NS_MAX_QUEUE_BYTES: '20000', NS_MAX_BATCH_BYTES: '10000' },
      (stdout, child) => {
        if (!ready && stdout.includes('\n')) {
          ready = stdout;
          child.kill('SIGKILL');
        }
      },
    );
    assert.equal(exit.signal, 'SIGKILL');
    const atKill = JSON.parse(ready.replace(/^ready /, ''));
    assert.ok(atKill.spooled > 0);
    const { byTable } = spooledRecords(dir);
    assert.ok(byTable.events!.size > 0, 'spilled events are on disk');
    const second = await deliver(dir);
    assert.equal(second.ok, true);
    assertDeliveredOnce(byTable);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an outage during shutdown(): every record stored once the server is back 4 s later', async () => {
    // The script: 50 traces while the server is unreachable, then await shutdown().
    const gone = await startIngestServer();
    const port = Number(new URL(gone.url).port);
    const url = gone.url;
    await gone.close();
    let back: IngestServer | undefined;
    const timer = setTimeout(async () => {
      back = await startIngestServer({ port });
    }, 4_000);
    try {
      const exit = await launch({ NS_MODE: 'outage', NS_TRACES: '50', NS_KEY: server.apiKey, NS_URL: url });
      assert.equal(exit.code, 0, exit.stderr);
      assert.equal(exit.stderr, '');
      const result = JSON.parse(exit.stdout.trim());
      assert.equal(result.ok, true, 'shutdown() kept retrying until the server was back');
      assert.ok(back);
      assert.equal(back.runs.size, 50);
      assert.ok([...back.runs.values()].every((r) => r.status === 'ok' && r.ended_at));
      assert.equal(back.spans.size, 50);
      assert.equal([...back.events.values()].filter((e) => e.type === 'custom').length, 50);
      assert.ok([...back.sessions.values()][0].ended_at, 'the session was closed');
    } finally {
      clearTimeout(timer);
      await back?.close();
    }
  });
});

describe('spool: damaged files and shared directories', () => {
  it('a corrupt or truncated spool file is skipped with a diagnostic; the good ones are delivered', async () => {
    dir = freshDir();
    const session = { id: '6f1c1f8e-2b7a-4a53-9b8e-000000000001', created_at: '2026-12-01T08:00:00.000001Z' };
    const run = { id: '6f1c1f8e-2b7a-4a53-9b8e-000000000002', session_id: session.id, name: 'kept', started_at: '2026-12-01T08:00:00.000002Z', status: 'ok', ended_at: '2026-12-01T08:00:00.000003Z' };
    const good = JSON.stringify({ schema_version: 2, sessions: [session], runs: [run], spans: [], events: [], scores: [], prompt_links: [] });
    writeFileSync(join(dir, '00000000000001-999991-corrupta-000001.json'), '{"schema_version":2,"runs":[{"id":');
    writeFileSync(join(dir, 'garbage.json'), 'not json at all');
    writeFileSync(join(dir, '00000000000002-999992-goodfile-000001.json'), good);
    const result = await deliver(dir);
    assert.equal(result.ok, true);
    assert.equal(server.runs.get(run.id)?.status, 'ok', 'the good file was delivered');
    const corrupt = result.diagnostics.filter((d) => /corrupt or truncated/.test(d));
    assert.equal(corrupt.length, 2, result.diagnostics.join('\n'));
    assert.deepEqual(readdirSync(dir).sort(), ['00000000000001-999991-corrupta-000001.json.corrupt', 'garbage.json.corrupt'], 'set aside, not retried');
  });

  it('two processes sharing one spool directory deliver every file once between them', async () => {
    dir = freshDir();
    // Three earlier processes, each leaving several small files.
    for (let k = 0; k < 3; k++) {
      const exit = await launch({ NS_MODE: 'exit', NS_SPOOL: dir, NS_TRACES: '30', NS_MAX_BATCH_BYTES: '4000', NS_KEY: server.apiKey, NS_URL: server.url });
      assert.equal(exit.code, 0);
    }
    const { files, byTable } = spooledRecords(dir);
    assert.ok(files.length >= 6, `${files.length} files`);
    const [a, b] = await Promise.all([deliver(dir), deliver(dir)]);
    assert.equal(a.ok && b.ok, true);
    assertDeliveredOnce(byTable);
    assert.equal(server.runs.size, 90);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('spool: spilling during an outage', () => {
  it('records past the memory bound go to disk, and this process delivers them once the server is back', async () => {
    dir = freshDir();
    init({
      apiKey: server.apiKey,
      endpoint: server.url,
      flushIntervalMs: 60_000,
      batchSize: 1_000,
      maxQueueBytes: 20_000,
      maxBatchBytes: 10_000,
      retryInitialDelayMs: 5,
      retryMaxDelayMs: 20,
      spool: { dir },
    });
    server.faults.failNext(100_000, 503);
    const job = trace(function job(i: number) {
      logEvent('work', { i, pad: 'x'.repeat(300) });
      return i;
    });
    for (let i = 0; i < 200; i++) job(i);
    assert.ok(stats().spooled > 0, 'records went to disk');
    // New records are refused past the bound; a record already queued may still grow by its final fields.
    assert.ok(stats().queuedBytes <= 21_000, `memory stayed bounded: ${stats().queuedBytes}`);
    assert.equal(stats().droppedQueueFull, 0, 'nothing was dropped');
    assert.ok(readdirSync(dir).length > 0);
    assert.equal(await flush({ timeoutMs: 100 }), false, 'the outage is reported');
    server.faults.clear();
    assert.equal(await flush(), true);
    assert.equal(server.runs.size, 200);
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok'), 'final states won over spooled ones');
    const work = [...server.events.values()].filter((e) => e.type === 'custom').map((e) => e.content.data.i).sort((x, y) => x - y);
    assert.deepEqual(work, Array.from({ length: 200 }, (_, i) => i));
    for (const [key, count] of server.insertCounts) if (key.startsWith('events:')) assert.equal(count, 1, `${key} sent once`);
    assert.deepEqual(readdirSync(dir), [], 'delivered files are deleted');
    assert.equal(await shutdown(), true);
  });
});
