// The flusher against the protocol-enforcing server: background sends, retries that keep
// ids, isolation of refused records, 401, and batches that stand on their own.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, logEvent, shutdown, span, stats, trace } from '../../src/index.js';
import { Core } from '../../src/client/core.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { MAX_IN_FLIGHT } from '../../src/export/batch-flusher.js';
import { createHttpTransport, type SendResult, type Transport } from '../../src/export/http-transport.js';
import { ManualRun } from '../../src/tracing/handle-classes.js';
import { openRun } from '../../src/tracing/open.js';
import { assertNoStaleOverwrite } from '../reliability/reliability-harness.js';
import { assertNoRejections, createHarness, delay, eventsOf, type Harness, only, runNamed } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

/** Every record id in a request body, by table. */
function idsIn(body: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const table of ['sessions', 'runs', 'spans', 'events', 'scores']) out[table] = (body[table] ?? []).map((r: any) => r.id).sort();
  return out;
}

const storedCount = () => h.server.sessions.size + h.server.runs.size + h.server.spans.size + h.server.events.size;

describe('batch flusher: background delivery', () => {
  it('sends a full batch from the background, without a flush call', async () => {
    h.start({ batchSize: 5, flushIntervalMs: 60_000 });
    trace('busy', (t) => {
      for (let i = 0; i < 6; i++) t.logEvent('tick', { i });
    });
    await h.server.waitFor((s) => s.events.size >= 4);
    assertNoRejections(h.server);
    assert.ok(h.server.requests.length >= 1);
    const first = h.server.requests[0]!.body as any;
    // A full batch triggers the send; a request carries at most 20 batches' worth.
    assert.ok(first.events.length + first.runs.length + first.sessions.length <= 20 * 5 + 2, 'at most 20 batches plus ancestors');
  });

  it('sends what is queued every flushIntervalMs', async () => {
    h.start({ batchSize: 500, flushIntervalMs: 20 });
    trace('interval', () => 1);
    await h.server.waitFor((s) => s.runs.size === 1 && [...s.runs.values()][0].status === 'ok');
    assertNoRejections(h.server);
  });

  it('light traffic rides one request at a time', async () => {
    h.start({ batchSize: 5, flushIntervalMs: 5 });
    // Every answer comes 30 ms after the request. Without a full request's backlog
    // (20 batches) waiting, the next request cannot arrive before the previous answer.
    h.server.faults.slowDrain(30);
    // 81 records in all, in rounds: a backlog of a full request (100 records) never waits.
    for (let round = 0; round < 5; round++) {
      for (let n = 0; n < 8; n++) trace(`r${round}-${n}`, (t) => t.logEvent('e'));
      await delay(40);
    }
    assert.equal(await flush(), true);
    h.server.faults.clear();
    assert.equal(h.server.runs.size, 40);
    const arrivals = h.server.requests.map((r) => r.at);
    assert.ok(arrivals.length >= 2);
    for (let i = 1; i < arrivals.length; i++) {
      assert.ok(arrivals[i]! - arrivals[i - 1]! >= 20, `request ${i} arrived while request ${i - 1} was unanswered`);
    }
  });

  it('sends a child with the ancestors the server does not have yet, so each batch stands alone', async () => {
    h.start({ batchSize: 1, maxBatchBytes: 200 });
    await trace('ancestry', async () => {
      await span('parent', async () => {
        await span('child', async () => {
          logEvent('deep', { x: 1 });
        });
      });
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.ok(h.server.requests.length > 1, 'more than one batch');
    // The first request carries the session, the run, and nothing that points elsewhere.
    const first = h.server.requests[0]!.body as any;
    assert.equal(first.sessions.length, 1);
    assert.equal(first.runs.length, 1);
    assert.equal(h.server.spans.size, 2);
    assert.equal(h.server.events.size, 1);
  });
});

/**
 * The HTTP transport, watched: every request's record ids (by table) checked at the moment
 * it starts against every request still unanswered, so an overlap is seen exactly, not guessed from timing.
 */
function watchedTransport(inner: Transport) {
  const inFlight = new Set<Set<string>>();
  const watch = { most: 0, overlaps: [] as string[], afterFailure: [] as string[], requests: 0, failing: false };
  const transport: Transport = async (body) => {
    const parsed = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
    const ids = new Set<string>();
    for (const table of ['sessions', 'runs', 'spans', 'events', 'scores']) for (const r of parsed[table]) ids.add(`${table}:${r.id}`);
    for (const other of inFlight) for (const id of ids) if (other.has(id)) watch.overlaps.push(id);
    if (watch.failing && inFlight.size > 0) watch.afterFailure.push(`request ${watch.requests} started beside ${inFlight.size} while a failure was retried`);
    inFlight.add(ids);
    watch.requests++;
    watch.most = Math.max(watch.most, inFlight.size);
    let result: SendResult;
    try {
      result = await inner(body);
    } finally {
      inFlight.delete(ids);
    }
    watch.failing = result.kind !== 'accepted';
    return result;
  };
  return { transport, watch };
}

describe('batch flusher: more than one request in flight', () => {
  it('a backlog goes out in up to MAX_IN_FLIGHT requests at once, never two carrying the same record; retries go alone', async () => {
    const config = resolveConfig({ apiKey: h.server.apiKey, endpoint: h.server.url, batchSize: 5, flushIntervalMs: 60_000, retryInitialDelayMs: 2, retryMaxDelayMs: 20 }, {});
    const { transport, watch } = watchedTransport(createHttpTransport({ endpoint: config.endpoint, apiKey: config.apiKey, timeoutMs: 5_000 }));
    const core = new Core(config, transport);
    // Answers take 20 ms, so requests sent close together are in flight together.
    h.server.faults.slowDrain(20);
    try {
      // 40 runs stay open while their events pile up: a run is sent (as an ancestor) with
      // its first events and again when it ends, so requests over the same run would clash.
      const runs = Array.from({ length: 40 }, (_, i) => new ManualRun(openRun(core, `open-${i}`, {})));
      for (let round = 0; round < 5; round++) {
        if (round === 3) h.server.faults.failNext(2, 503);
        for (const [i, run] of runs.entries()) {
          const span = run.startSpan(`step-${round}`, { kind: 'tool' });
          for (let e = 0; e < 10; e++) span.logEvent('work', { i, round, e });
          span.end();
        }
        await delay(15);
      }
      for (const run of runs) run.end();
      assert.equal(await core.flush(20_000), true);
    } finally {
      h.server.faults.clear();
      await core.shutdown(2_000);
    }
    assert.deepEqual(watch.overlaps, [], 'no record was in two requests in flight at once');
    assert.deepEqual(watch.afterFailure, [], 'after a failure, one request at a time until one is stored');
    assert.ok(watch.most > 1, `more than one request was in flight (at most ${watch.most})`);
    assert.ok(watch.most <= MAX_IN_FLIGHT, `at most ${MAX_IN_FLIGHT} in flight, saw ${watch.most}`);
    assert.equal(h.server.runs.size, 40);
    assert.ok([...h.server.runs.values()].every((r) => r.status === 'ok'), 'every run stored in its final state');
    assert.equal(h.server.spans.size, 200);
    assert.equal([...h.server.events.values()].filter((e) => e.type === 'custom').length, 2_000);
    assertNoStaleOverwrite(h.server);
    assert.ok(h.server.requests.every((r) => r.status === 200 || r.status === 503), 'nothing was refused');
  });
});

describe('batch flusher: retries', () => {
  it('retries a batch that got a 503 with the same ids, storing nothing twice beyond upserts', async () => {
    h.start();
    h.server.faults.failNext(1, 503);
    trace('retried', (t) => {
      t.logEvent('once', { n: 1 });
      return 'out';
    });
    // Since issue 10 flush() keeps retrying within its deadline: one call rides out the 503.
    assert.equal(await flush(), true, 'the retry inside flush() succeeded');
    assertNoRejections({ ...h.server, requests: h.server.requests.slice(1) } as typeof h.server);
    const [failed, retried] = h.server.requests;
    assert.equal(failed!.status, 503);
    assert.deepEqual(idsIn(retried!.body), idsIn(failed!.body), 'the retry carries the same records');
    assert.equal(h.server.runs.size, 1);
    assert.equal(h.server.events.size, 2);
    for (const [key, count] of h.server.insertCounts) assert.equal(count, 1, `${key} stored once`);
  });

  it('retries in the background after a transient failure, honouring Retry-After', async () => {
    h.start({ batchSize: 2 });
    h.server.faults.failNext(1, 429, { retryAfter: '0' });
    h.server.faults.resetNext(1);
    trace('background-retry', (t) => t.logEvent('e'));
    await h.server.waitFor((s) => s.runs.size === 1 && s.events.size === 1);
    assert.deepEqual(h.server.requests.slice(0, 2).map((r) => r.status), [429, 0]);
    const runId = only(h.server.runs.keys());
    assert.equal(h.server.insertCounts.get(`runs:${runId}`), 1);
  });

  it('treats a 200 without accepted: true as a failure and resends', async () => {
    h.start();
    h.server.faults.acceptWithoutStoring(1, '{"ok":true}');
    trace('unconfirmed', () => 1);
    // Not counted as stored: flush() retries (issue 10) and the second request stores it.
    assert.equal(await flush(), true);
    assert.equal(h.server.requests[0]!.error, 'not accepted: {"ok":true}');
    assert.equal(h.server.requests.length, 2);
    assert.equal(h.server.runs.size, 1);
  });

  it('sends the latest state of a run that changed while a request failed', async () => {
    // A long backoff keeps the background from retrying; flush({ timeoutMs: 0 }) makes one attempt and returns.
    h.start({ retryInitialDelayMs: 60_000 });
    h.server.faults.failNext(1, 502);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const open = trace('changing', async () => {
      await gate;
      return 'late';
    });
    assert.equal(await flush({ timeoutMs: 0 }), false);
    await h.server.waitFor((s) => s.requests.length === 1);
    release();
    await open;
    assert.equal(await flush(), true);
    const run = runNamed(h.server, 'changing');
    assert.equal(run.status, 'ok');
    assert.equal(h.server.insertCounts.get(`runs:${run.id}`), 1, 'only the latest state was stored');
  });
});

describe('batch flusher: refused records', () => {
  it('drops only a record the server refuses with 400 and stores the rest', async () => {
    h.start();
    h.server.faults.poison((r, table) => table === 'events' && r.content?.name === 'poison', 400);
    trace('isolated', (t) => {
      t.logEvent('good-1');
      t.logEvent('poison');
      t.logEvent('good-2');
      span('kept', () => 'fine');
    });
    assert.equal(await flush(), false, 'a record was dropped');
    const run = runNamed(h.server, 'isolated');
    assert.equal(run.status, 'ok');
    const names = eventsOf(h.server, run.id)
      .filter((e) => e.type === 'custom')
      .map((e) => e.content.name);
    assert.deepEqual(names.sort(), ['good-1', 'good-2']);
    assert.equal(only(h.server.spans.values()).name, 'kept');
    assert.equal(stats().droppedRejected, 1);
    assert.equal(stats().queued, 0);
    const rejected = h.diagnostics.filter((d) => d.kind === 'rejected');
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.message, /event/);
    // Later records go through normally.
    trace('after', () => 1);
    assert.equal(await flush(), true);
    runNamed(h.server, 'after');
  });

  it('isolates a record that keeps failing with 500 (a value the database refuses) and stores the rest', async () => {
    h.start();
    h.server.faults.poison((r, table) => table === 'events' && r.content?.name === 'db-poison', 500);
    trace('db', (t) => {
      t.logEvent('fine');
      t.logEvent('db-poison');
    });
    for (let i = 0; i < 5 && h.server.events.size < 2; i++) await flush();
    const run = runNamed(h.server, 'db');
    const names = eventsOf(h.server, run.id).filter((e) => e.type === 'custom').map((e) => e.content.name);
    assert.deepEqual(names, ['fine']);
    assert.equal(stats().droppedRejected, 1);
    assert.equal(stats().queued, 0);
  });

  it('keeps everything queued while the server is down with 500s for every record', async () => {
    h.start();
    h.server.faults.failNext(1000, 500);
    trace('outage', (t) => t.logEvent('e'));
    // Past three 500s in a row the flusher narrows its probe; with nothing stored it is an outage.
    for (let i = 0; i < 5; i++) assert.equal(await flush({ timeoutMs: 100 }), false);
    assert.equal(stats().droppedRejected, 0, 'a 500 from a down server drops nothing');
    assert.ok(stats().queued > 0);
    h.server.faults.clear();
    assert.equal(await flush(), true);
    assert.equal(h.server.runs.size, 1);
    assert.equal(h.server.events.size, 1);
  });
});

describe('batch flusher: 401', () => {
  it('stops sending, says so once, and does not let the queue grow', async () => {
    h.start({ apiKey: 'wrong-key' });
    trace('refused', (t) => t.logEvent('e'));
    assert.equal(await flush(), false);
    const requestsAfterRefusal = h.server.requests.length;
    assert.equal(requestsAfterRefusal, 1);
    for (let i = 0; i < 20; i++) trace(`more-${i}`, (t) => t.logEvent('e'));
    assert.equal(await flush(), false);
    assert.equal(h.server.requests.length, requestsAfterRefusal, 'nothing is sent after a 401');
    assert.equal(stats().queued, 0, 'the queue does not grow');
    assert.ok(stats().droppedUnauthorized > 0);
    const unauthorized = h.diagnostics.filter((d) => d.kind === 'unauthorized');
    assert.equal(unauthorized.length, 1, 'said once');
    assert.equal(unauthorized[0]!.message.includes('wrong-key'), false, 'never shows the key');
    assert.equal(storedCount(), 0);
  });

  it('stops after a key is revoked mid-session', async () => {
    h.start();
    trace('before-revoke', () => 1);
    assert.equal(await flush(), true);
    h.server.revokeKey();
    trace('after-revoke', () => 2);
    assert.equal(await flush(), false);
    const count = h.server.requests.length;
    trace('ignored', () => 3);
    await flush();
    await shutdown();
    assert.equal(h.server.requests.length, count);
    assert.equal(h.diagnostics.filter((d) => d.kind === 'unauthorized').length, 1);
    await delay(0);
  });
});

describe('batch flusher: maxQueueSize', () => {
  it('drops new records past maxQueueSize, counts them in stats() and says so once', async () => {
    h.start({ maxQueueSize: 5 });
    trace('flood', (t) => {
      for (let i = 0; i < 20; i++) t.logEvent('e', { i });
    });
    const s = stats();
    assert.ok(s.droppedQueueFull > 0, 'records were dropped');
    assert.ok(s.queued <= 6, `queue stays bounded, got ${s.queued}`);
    assert.equal(h.diagnostics.filter((d) => d.kind === 'dropped').length, 1);
    // Issue 10: records dropped since the previous flush make it resolve false; the next one is true.
    assert.equal(await flush(), false, 'records were dropped since the previous flush');
    assert.equal(stats().queued, 0, 'what was kept is delivered');
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'flood');
    assert.equal(run.status, 'ok', 'the run (a live record) is never dropped');
    assert.equal(h.server.events.size + stats().droppedQueueFull, 20);
  });
});
