// Issue 10: deadlines that keep retrying, bounds that fit real work, answers read
// correctly, a final state for unreadable return values, and timestamps that keep order.
// Judged record by record on what the protocol-enforcing server stored.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { flush, init, logEvent, observe, span, stats, trace } from '../../src/index.js';
import type { NorthstarOptions } from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { diagnosticsSink, useIngestServer } from './reliability-harness.js';

let server: IngestServer;
let sink = diagnosticsSink();

function start(options: NorthstarOptions = {}): void {
  sink = diagnosticsSink();
  init({
    apiKey: server.apiKey,
    endpoint: server.url,
    flushIntervalMs: 60_000,
    batchSize: 500,
    retryInitialDelayMs: 20,
    retryMaxDelayMs: 200,
    onError: sink.onError,
    ...options,
  });
}

useIngestServer((started) => (server = started));

// The bench workload (bench/workload.mjs): an agent awaiting retrieve, rank and generate.
const TEXT = 'Retrieval augmented generation grounds a model in documents fetched for the query at hand. '.padEnd(200, '.');
const retrieve = observe(async function retrieve(query: string) {
  const docs = [];
  for (let i = 0; i < 5; i++) docs.push({ id: `doc-${i}`, title: `Result ${i} for ${query.length}`, text: TEXT });
  return docs;
}, { kind: 'tool' });
const rank = observe(async function rank(docs: unknown[]) {
  return docs;
}, { kind: 'tool' });
const generate = observe(async function generate(query: string, docs: unknown[]) {
  return `Answer to "${query}" from ${docs.length} documents`.padEnd(300, '.');
}, { kind: 'model' });
const agent = trace(async function agent(query: string) {
  const docs = await retrieve(query);
  return generate(query, await rank(docs));
});

/** Asserts that agent call `query` is stored whole: the run ok, 3 spans ok, 8 input/output events. */
function assertAgentStored(byQuery: Map<string, any>, query: string): void {
  const run = byQuery.get(query);
  assert.ok(run, `run of ${query} stored`);
  assert.equal(run.status, 'ok');
  assert.ok(run.ended_at);
}

function runsByQuery(): Map<string, any> {
  const byQuery = new Map<string, any>();
  for (const event of server.events.values()) {
    if (event.type === 'user_input' && event.span_id === undefined) byQuery.set(event.content.query, server.runs.get(event.run_id));
  }
  return byQuery;
}

describe('deadlines that keep retrying', () => {
  it('flush({ timeoutMs }) rides out a 4 s outage: true, every record stored', async () => {
    start();
    server.faults.failNext(100_000, 503);
    server.faults.resetNext(1);
    for (let i = 0; i < 50; i++) await agent(`q${i}`);
    const outage = setTimeout(() => server.faults.clear(), 4_000);
    try {
      assert.equal(await flush({ timeoutMs: 20_000 }), true);
    } finally {
      clearTimeout(outage);
    }
    const byQuery = runsByQuery();
    for (let i = 0; i < 50; i++) assertAgentStored(byQuery, `q${i}`);
    assert.equal(server.spans.size, 150);
    assert.equal(server.events.size, 400);
    assert.ok(server.requests.some((r) => r.status === 503), 'the outage was seen');
    assert.equal(stats().queued, 0);
  });

  it('after a failure one small probe goes first: a 500 outage is one request per retry, never a burst', async () => {
    start({ batchSize: 10 });
    server.faults.failNext(100_000, 500);
    for (let i = 0; i < 20; i++) await agent(`p${i}`);
    assert.equal(await flush({ timeoutMs: 400 }), false);
    const failed = server.requests.filter((r) => r.status === 500);
    assert.ok(failed.length >= 3, `${failed.length} attempts`);
    const records = (body: any): number => ['sessions', 'runs', 'spans', 'events', 'scores'].reduce((n, t) => n + body[t].length, 0);
    assert.ok(records(failed[0]!.body) > 100, 'the first request carried the backlog');
    for (const request of failed.slice(1)) {
      // A probe: at most batchSize records plus the ancestors they need.
      assert.ok(records(request.body) <= 10 * 3, `a retry carried ${records(request.body)} records`);
    }
    assert.equal(stats().droppedRejected, 0, 'an outage blames no record');
    server.faults.clear();
    assert.equal(await flush(), true);
    const byQuery = runsByQuery();
    for (let i = 0; i < 20; i++) assertAgentStored(byQuery, `p${i}`);
  });

  it('a record the database refuses is still isolated one probe at a time, and only it is dropped', async () => {
    start({ batchSize: 10 });
    server.faults.poison((r, table) => table === 'events' && r.content?.data === 'db-poison', 500);
    trace('mixed', (t) => {
      for (let i = 0; i < 12; i++) t.logEvent('fine', i);
      t.logEvent('bad', 'db-poison');
    });
    assert.equal(await flush(), false, 'a record was dropped');
    assert.equal(stats().droppedRejected, 1);
    const custom = [...server.events.values()].filter((e) => e.type === 'custom');
    assert.deepEqual(custom.map((e) => e.content.data).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(sink.of('rejected').length, 1);
  });
});

describe('bounds that fit real work', () => {
  it('carries a 5,000-call burst of the bench workload whole with default options', async () => {
    sink = diagnosticsSink();
    init({ apiKey: server.apiKey, endpoint: server.url, onError: sink.onError });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 5_000; i++) calls.push(agent(`b${i}`));
    await Promise.all(calls);
    assert.equal(await flush(), true);
    const s = stats();
    assert.equal(s.droppedQueueFull, 0);
    assert.equal(s.queued, 0);
    assert.equal(server.runs.size, 5_000);
    assert.equal(server.spans.size, 15_000);
    assert.equal(server.events.size, 40_000);
    const byQuery = runsByQuery();
    for (let i = 0; i < 5_000; i++) assertAgentStored(byQuery, `b${i}`);
    // A transient failure (a reused connection the server closed, on a loaded machine) is retried; nothing may be dropped.
    assert.deepEqual(sink.list.filter((d) => d.kind !== 'delivery'), []);
  });

  it('10,000 events in one run: bounded per run, counted, reported once, flush false, the run marked, other runs whole', async () => {
    start({ maxEventsPerRun: 1_000 });
    const runaway = trace('runaway', (t) => {
      for (let i = 0; i < 10_000; i++) t.logEvent('tick', i);
      return t.id;
    });
    await agent('neighbour');
    assert.equal(stats().droppedRunEvents, 9_000);
    assert.equal(await flush(), false, 'records were dropped since the previous flush');
    const run = server.runs.get(runaway)!;
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.northstar_dropped_events, 9_000, 'the run says it is incomplete');
    const ticks = [...server.events.values()].filter((e) => e.run_id === runaway && e.type === 'custom');
    assert.equal(ticks.length, 1_000);
    assert.deepEqual(ticks.map((e) => e.content.data).sort((a, b) => a - b), Array.from({ length: 1_000 }, (_, i) => i), 'the first 1,000 are kept');
    assertAgentStored(runsByQuery(), 'neighbour');
    const dropped = sink.of('dropped');
    assert.equal(dropped.length, 1, 'reported once');
    assert.match(dropped[0]!.message, /maxEventsPerRun/);
    assert.equal(await flush(), true, 'nothing dropped since');
  });
});

describe('answers read correctly', () => {
  for (const status of [302, 307, 308]) {
    it(`a ${status} is not followed: nothing reaches the other server, the records are kept, retried and the redirect reported`, async () => {
      const elsewhere: string[] = [];
      const trap: Server = createServer((req, res) => {
        elsewhere.push(`${req.method} ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":true}');
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
      try {
        const location = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/elsewhere`;
        start();
        server.faults.failNext(2, status, { location, body: '' });
        await agent(`r${status}`);
        assert.equal(await flush(), true, 'delivered once the redirects stopped');
        assert.deepEqual(elsewhere, [], 'nothing was sent to the redirect target');
        assert.deepEqual(server.requests.slice(0, 2).map((r) => r.status), [status, status]);
        assertAgentStored(runsByQuery(), `r${status}`);
        const reported = sink.of('delivery');
        assert.ok(reported.some((d) => d.message.includes(`HTTP ${status}`) && /redirect/.test(d.message)), 'the redirect is reported');
        assert.equal(stats().droppedUnauthorized + stats().droppedRejected, 0);
      } finally {
        await new Promise((resolve) => trap.close(resolve));
      }
    });
  }

  it('a single 403 (a proxy page) is retried and reported, not taken for a refused key: everything arrives', async () => {
    start();
    server.faults.failNext(1, 403, { body: '<html><body>Forbidden by proxy</body></html>' });
    await agent('forbidden-once');
    trace('second', () => 2);
    assert.equal(await flush(), true);
    assertAgentStored(runsByQuery(), 'forbidden-once');
    assert.ok([...server.runs.values()].some((r) => r.name === 'second' && r.status === 'ok'));
    assert.equal(sink.of('unauthorized').length, 0);
    assert.ok(sink.of('delivery').some((d) => d.message.includes('HTTP 403')));
    // Sending goes on afterwards.
    trace('third', () => 3);
    assert.equal(await flush(), true);
    assert.ok([...server.runs.values()].some((r) => r.name === 'third'));
  });

  it('a return value that cannot be read (throwing or revoked Proxy) still ends the run and span, with a marker as output', async () => {
    start();
    const hostile = new Proxy({}, {
      get() { throw new Error('no get'); },
      has() { throw new Error('no has'); },
      ownKeys() { throw new Error('no keys'); },
      getOwnPropertyDescriptor() { throw new Error('no descriptor'); },
      getPrototypeOf() { throw new Error('no prototype'); },
    });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const giveHostile = trace(function giveHostile() {
      return hostile;
    });
    const giveRevoked = observe(function giveRevoked() {
      return revoked;
    });
    assert.equal(giveHostile(), hostile, 'the same value reaches the caller');
    const outer = trace(function outer() {
      return giveRevoked() === revoked;
    });
    assert.equal(outer(), true);
    assert.equal(await flush(), true);
    const runs = [...server.runs.values()];
    const hostileRun = runs.find((r) => r.name === 'giveHostile')!;
    assert.equal(hostileRun.status, 'ok');
    assert.ok(hostileRun.ended_at);
    const finalOf = (runId: string, spanId?: string) =>
      [...server.events.values()].find((e) => e.run_id === runId && e.span_id === spanId && (e.type === 'final_response' || e.type === 'tool_result'));
    assert.match(String(finalOf(hostileRun.id)?.content), /^\[Unreadable/);
    const revokedSpan = [...server.spans.values()].find((s) => s.name === 'giveRevoked')!;
    assert.equal(revokedSpan.status, 'ok');
    assert.ok(revokedSpan.ended_at);
    assert.match(String(finalOf(revokedSpan.run_id, revokedSpan.id)?.content), /^\[Unreadable/);
  });
});

describe('order kept', () => {
  it('an agent run ordered by stored timestamps alone comes out in the order things happened', async () => {
    start();
    const step = observe(async function step(n: number) {
      logEvent('inside', { n });
      return n;
    }, { kind: 'tool' });
    const ordered = trace(async function ordered(k: number) {
      logEvent('begin', { k });
      for (let n = 0; n < 3; n++) await step(n);
      await span('sync-burst', () => {
        for (let n = 0; n < 20; n++) logEvent('burst', { n });
      });
      return 'done';
    });
    for (let k = 0; k < 4; k++) await ordered(k);
    assert.equal(await flush(), true);

    const runs = [...server.runs.values()].sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
    assert.equal(runs.length, 4);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
    const label = (e: any): string => {
      const where = e.span_id === undefined ? 'run' : server.spans.get(e.span_id).name;
      const data = e.content?.data ?? e.content?.n ?? '';
      return `${e.type}@${where}${typeof data === 'object' ? `:${data.n ?? data.k}` : ''}`;
    };
    const expected = ['user_input@run', 'custom@run:'];
    for (let n = 0; n < 3; n++) expected.push('tool_arguments@step', `custom@step:${n}`, 'tool_result@step');
    for (let n = 0; n < 20; n++) expected.push(`custom@sync-burst:${n}`);
    expected.push('final_response@run');
    const stamps = new Set<string>();
    runs.forEach((run, k) => {
      const events = [...server.events.values()].filter((e) => e.run_id === run.id).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
      for (const e of events) {
        assert.match(e.created_at, iso);
        assert.ok(!stamps.has(e.created_at), `timestamp ${e.created_at} used twice`);
        stamps.add(e.created_at);
      }
      assert.equal(events.find((e) => e.type === 'user_input' && e.span_id === undefined).content.k, k, 'runs in call order');
      const labels = events.map(label);
      expected[1] = `custom@run:${k}`;
      assert.deepEqual(labels, expected, `events of run ${k} in the order they happened`);
      const spans = [...server.spans.values()].filter((s) => s.run_id === run.id).sort((a, b) => (a.started_at < b.started_at ? -1 : 1));
      assert.deepEqual(spans.map((s) => s.name), ['step', 'step', 'step', 'sync-burst']);
      for (const [i, s] of spans.entries()) {
        const inside = events.find((e) => e.span_id === s.id && e.type === 'custom');
        if (i < 3) assert.equal(inside.content.data.n, i, 'spans in start order');
        assert.ok(run.started_at < s.started_at && s.started_at < s.ended_at && s.ended_at < run.ended_at);
      }
    });
  });
});
