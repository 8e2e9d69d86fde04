// Delivery under faults (issue 5, section 2): whatever the network and the server do,
// every record that can be stored is stored, in its final state, and what is dropped is
// exactly what the drop policy says, counted and reported. Judged record by record on
// what the protocol-enforcing server finally stored.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { flush, init, logEvent, observe, shutdown, span, stats, trace } from '../../src/index.js';
import type { NorthstarOptions } from '../../src/index.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';
import { acceptedBodies, assertNoStaleOverwrite, diagnosticsSink, drain, useIngestServer } from './reliability-harness.js';

let server: IngestServer;
let sink = diagnosticsSink();

function start(options: NorthstarOptions = {}): void {
  sink = diagnosticsSink();
  init({
    apiKey: server.apiKey,
    endpoint: server.url,
    flushIntervalMs: 60_000,
    batchSize: 500,
    maxQueueSize: 100_000,
    requestTimeoutMs: 5_000,
    // flush() keeps retrying within its deadline since issue 10: backoff in milliseconds keeps specs fast.
    retryInitialDelayMs: 2,
    retryMaxDelayMs: 20,
    onError: sink.onError,
    ...options,
  });
}

useIngestServer((started) => (server = started));

/** One traced agent call: a tool span, a workflow span with a custom event, an error for every tenth. */
const lookup = observe(async function lookup(query: string) {
  await new Promise((resolve) => setImmediate(resolve));
  return { hits: [query] };
}, { kind: 'tool' });

const agent = trace(async function agent(i: number) {
  const found = await lookup(`q${i}`);
  await span('summarise', { kind: 'workflow' }, async (s) => {
    s.setAttributes({ i });
    logEvent('step', { i });
  });
  if (i % 10 === 0) throw new Error(`agent ${i} failed`);
  return { i, found };
});

async function runAgents(count: number, from = 0, concurrency = 200): Promise<void> {
  for (let base = from; base < from + count; base += concurrency) {
    const calls = [];
    for (let i = base; i < Math.min(base + concurrency, from + count); i++) calls.push(agent(i).catch(() => undefined));
    await Promise.all(calls);
  }
}

/** What the server stored, indexed by agent number (read from each run's `user_input` event). */
interface StoredIndex {
  runByAgent: Map<number, any>;
  spansByRun: Map<string, any[]>;
  eventsByRun: Map<string, any[]>;
}

function indexStore(): StoredIndex {
  const group = (values: Iterable<any>) => {
    const map = new Map<string, any[]>();
    for (const v of values) map.set(v.run_id, [...(map.get(v.run_id) ?? []), v]);
    return map;
  };
  const eventsByRun = group(server.events.values());
  const runByAgent = new Map<number, any>();
  for (const run of server.runs.values()) {
    const input = eventsByRun.get(run.id)?.find((e) => e.type === 'user_input');
    if (input !== undefined) runByAgent.set(input.content.i, run);
  }
  return { runByAgent, spansByRun: group(server.spans.values()), eventsByRun };
}

/** Asserts that agent `i` is stored completely, in its final state. */
function assertAgentStored(index: StoredIndex, i: number): void {
  const run = index.runByAgent.get(i);
  assert.ok(run, `run of agent ${i} stored`);
  const failed = i % 10 === 0;
  assert.equal(run.name, 'agent');
  assert.equal(run.status, failed ? 'error' : 'ok', `run of agent ${i} status`);
  assert.ok(run.ended_at, `run of agent ${i} ended_at`);
  if (failed) assert.deepEqual(run.error, { type: 'Error', message: `agent ${i} failed` });
  const spans = index.spansByRun.get(run.id) ?? [];
  assert.deepEqual(spans.map((s) => `${s.name}:${s.kind}:${s.status}`).sort(), ['lookup:tool:ok', 'summarise:workflow:ok']);
  for (const s of spans) assert.equal(s.parent_span_id, undefined);
  const lookupSpan = spans.find((s) => s.name === 'lookup');
  const summarise = spans.find((s) => s.name === 'summarise');
  const where = (e: any): string =>
    e.span_id === undefined ? 'run' : e.span_id === lookupSpan.id ? 'lookup' : e.span_id === summarise.id ? 'summarise' : '?';
  const shape = (index.eventsByRun.get(run.id) ?? []).map((e) => `${e.type}@${where(e)}`).sort();
  const expected = ['custom@summarise', 'tool_arguments@lookup', 'tool_result@lookup', 'user_input@run'];
  if (!failed) expected.push('final_response@run');
  assert.deepEqual(shape, expected.sort(), `events of agent ${i}`);
}

function assertAgentsStored(from: number, to: number): void {
  const index = indexStore();
  for (let i = from; i < to; i++) assertAgentStored(index, i);
}

describe('delivery under faults', () => {
  it('2,000 traces while every other request fails (503s and resets): every record stored once, final states correct', async () => {
    // A small body cap keeps requests many (a backlog would otherwise ride in a few large ones).
    start({ batchSize: 100, flushIntervalMs: 20, maxBatchBytes: 40_000 });
    // Half of the first 800 requests fail; the background flusher and flush() share them.
    for (let k = 0; k < 200; k++) {
      server.faults.failNext(1, 503);
      server.faults.passNext(1);
      server.faults.resetNext(1);
      server.faults.passNext(1);
    }
    await runAgents(2000);
    await drain();

    const failures = server.requests.filter((r) => r.status !== 200).length;
    assert.ok(failures >= 10, `faults were exercised (${failures} failed requests)`);
    assert.equal(server.runs.size, 2000);
    assert.equal(server.spans.size, 4000);
    assert.equal(server.events.size, 2000 * 4 + 1800);
    assert.equal(server.sessions.size, 1);
    assertAgentsStored(0, 2000);
    assert.ok([...server.runs.values()].every((r) => r.status !== 'running'));
    assert.ok([...server.spans.values()].every((s) => s.status !== 'running'));

    // Upserts only: every stored write is accounted for by an accepted request, no
    // record changed tables or came back in an older state.
    let writes = 0;
    for (const body of acceptedBodies(server)) {
      for (const table of ['sessions', 'runs', 'spans', 'events', 'scores']) writes += body[table].length;
    }
    assert.equal([...server.insertCounts.values()].reduce((a, b) => a + b, 0), writes);
    assert.equal(server.insertCounts.size, 1 + 2000 + 4000 + 9800, 'no record id outside the expected set');
    assertNoStaleOverwrite(server);

    const s = stats();
    assert.deepEqual([s.queued, s.droppedQueueFull, s.droppedRejected, s.droppedUnauthorized], [0, 0, 0, 0]);
    assert.equal(sink.of('rejected').length, 0);
    assert.ok(sink.of('delivery').length > 0, 'transient failures are reported');
  });

  it('an outage shorter than the queue loses nothing', async () => {
    start({ maxQueueSize: 2_000, batchSize: 100, flushIntervalMs: 10 });
    server.faults.failNext(100_000, 503);
    await runAgents(100);
    // flush() keeps retrying until its deadline since issue 10: short deadlines here.
    for (let round = 0; round < 5; round++) assert.equal(await flush({ timeoutMs: 50 }), false, 'flush() reports the outage');
    assert.equal(server.runs.size, 0);
    assert.equal(stats().droppedQueueFull, 0);

    server.faults.clear();
    await drain();
    assertAgentsStored(0, 100);
    assert.equal(stats().queued, 0);
  });

  it('an outage longer than the queue: memory bounded by maxQueueSize, new records dropped, counted and reported once', async () => {
    const maxQueueSize = 120;
    start({ maxQueueSize, batchSize: 50, flushIntervalMs: 10 });
    server.faults.failNext(100_000, 503);
    let peak = 0;
    for (let i = 0; i < 300; i++) {
      await agent(i).catch(() => undefined);
      peak = Math.max(peak, stats().queued);
    }
    assert.ok(peak <= maxQueueSize, `queued peaked at ${peak} > maxQueueSize ${maxQueueSize}`);
    const during = stats();
    assert.ok(during.droppedQueueFull > 0, 'drops are counted');
    assert.equal(sink.of('dropped').length, 1, 'the first drop is reported once through onError');
    assert.match(sink.of('dropped')[0]!.message, /maxQueueSize 120/);

    server.faults.clear();
    await drain();
    // What was kept arrives whole and consistent: no stored run or span is left running.
    assert.ok(server.runs.size > 0 && server.runs.size < 300, `${server.runs.size} runs stored`);
    assert.ok([...server.runs.values()].every((r) => r.status !== 'running' && r.ended_at), 'every stored run is finished');
    assert.ok([...server.spans.values()].every((s) => s.status !== 'running'), 'every stored span is finished');
    assert.equal(stats().queued, 0);
  });

  it('an open run admitted before the queue filled still gets its final state (updates of open runs are never dropped)', async () => {
    const maxQueueSize = 30;
    start({ maxQueueSize, batchSize: 1_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const open = trace('long-running', async () => {
      await gate;
      return 'done';
    });
    await drain(); // the server now holds the run as `running`
    server.faults.failNext(100_000, 503);
    for (let i = 0; i < 40; i++) await agent(i).catch(() => undefined);
    assert.ok(stats().droppedQueueFull > 0);
    release();
    await open;
    server.faults.clear();
    await drain();
    const run = [...server.runs.values()].find((r) => r.name === 'long-running');
    assert.equal(run?.status, 'ok', 'the final state of an admitted open run is never dropped');
    assert.ok(stats().queued === 0);
  });

  it('a poison record refused with 400: only it is dropped and reported, the rest arrive', async () => {
    start();
    server.faults.poison((record, table) => table === 'events' && (record as any).content?.data?.i === 7, 400);
    await runAgents(20);
    await drain();
    const poisoned = [...server.events.values()].filter((e) => e.type === 'custom' && e.content.data.i === 7);
    assert.equal(poisoned.length, 0);
    assert.equal(server.runs.size, 20);
    assert.equal(server.spans.size, 40);
    assert.equal(server.events.size, 20 * 4 + 18 - 1);
    assert.equal(stats().droppedRejected, 1);
    const rejected = sink.of('rejected');
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.message, /refused event [0-9a-f-]{36}; dropped it \(HTTP 400/);
  });

  it('a poison record failing with 500 every time: isolated after repeated 500s, only it is dropped', async () => {
    start();
    server.faults.poison((record, table) => table === 'events' && (record as any).content?.data?.i === 3, 500);
    await runAgents(20);
    await drain();
    assert.equal(server.runs.size, 20);
    assert.equal(server.events.size, 20 * 4 + 18 - 1);
    assert.equal([...server.events.values()].filter((e) => e.content?.data?.i === 3).length, 0);
    assert.equal(stats().droppedRejected, 1);
    assert.equal(sink.of('rejected').length, 1);
  });

  it('a 500 from every request is an outage, not poison: nothing is dropped', async () => {
    start();
    server.faults.failNext(30, 500);
    await runAgents(10);
    for (let round = 0; round < 10; round++) await flush({ timeoutMs: 50 });
    assert.equal(stats().droppedRejected, 0, 'nothing was stored meanwhile, so no record is blamed');
    await drain();
    assert.equal(server.runs.size, 10);
    assert.equal(stats().droppedRejected, 0);
  });

  it('isolating during a 500 outage costs few requests (no request per record)', async () => {
    start();
    server.faults.failNext(100_000, 500);
    await runAgents(20); // about 180 records in one batch
    for (let round = 0; round < 6; round++) assert.equal(await flush({ timeoutMs: 50 }), false);
    // A few requests per round; splitting down to every record would take over a thousand.
    assert.ok(server.requests.length <= 120, `${server.requests.length} requests during the outage`);
    assert.equal(stats().droppedRejected, 0);
    server.faults.clear();
    await drain();
    assert.equal(server.runs.size, 20);
  });

  it('a request that hangs is aborted by the timeout and retried; flush({timeoutMs}) returns false on time', async () => {
    start({ requestTimeoutMs: 300 });
    server.faults.hangNext(1);
    await agent(1);
    const started = Date.now();
    const ok = await flush({ timeoutMs: 100 });
    // The hang lasts until the server closes: returning at all proves the timeout; the
    // bound is generous because machines are noisy.
    assert.ok(Date.now() - started < 5_000, 'flush({ timeoutMs }) returned');
    assert.equal(ok, false);
    await drain();
    assert.equal(server.runs.size, 1);
    assert.equal(server.requests[0]!.error, 'fault: hanging');
    const runId = [...server.runs.keys()][0];
    assert.ok(acceptedBodies(server).some((b) => b.runs.some((r: any) => r.id === runId)), 'the batch was sent again');
    assert.ok(sink.of('delivery').some((d) => /Timeout/i.test(d.message)), 'the timeout is reported as a delivery failure');
  });

  it('429 with Retry-After: the wait is honoured (capped at 5 minutes) and reported, and an explicit flush still delivers', async () => {
    start();
    server.faults.failNext(1, 429, { retryAfter: '3600' });
    await agent(1);
    assert.equal(await flush(), false);
    assert.match(sink.of('delivery')[0]!.message, /HTTP 429.*next attempt in 300000 ms/);
    await drain();
    assert.equal(server.runs.size, 1);
  });

  it('401 (revoked key): sending stops, the queue is dropped, it is said once, nothing grows', async () => {
    start({ maxQueueSize: 50 });
    server.revokeKey();
    await runAgents(5);
    assert.equal(await flush(), false);
    const requestsAfterStop = server.requests.length;
    await runAgents(50, 5);
    assert.equal(await flush(), false);
    assert.equal(await flush(), false);
    assert.equal(server.requests.length, requestsAfterStop, 'no request after the 401');
    const s = stats();
    assert.equal(s.queued, 0);
    assert.ok(s.droppedUnauthorized > 0);
    assert.equal(sink.of('unauthorized').length, 1);
    assert.doesNotMatch(sink.of('unauthorized')[0]!.message, new RegExp(server.apiKey));
  });

  it('413 for bodies over the server limit: batches are split; a record too large on its own is the only one dropped', async () => {
    const small = await startIngestServer({ maxBodyBytes: 24_000 });
    try {
      sink = diagnosticsSink();
      init({ apiKey: small.apiKey, endpoint: small.url, flushIntervalMs: 60_000, batchSize: 500, limits: { maxStringLength: 100_000 }, onError: sink.onError });
      const echo = trace(async function echo(text: string) {
        return text.length;
      });
      for (let i = 0; i < 30; i++) await echo(`${i}:`.padEnd(1_000, 'x'));
      await echo('huge:'.padEnd(40_000, 'y'));
      await drain();
      assert.ok(small.requests.some((r) => r.status === 413), 'the server refused an oversized body');
      assert.equal(small.runs.size, 31);
      const inputs = [...small.events.values()].filter((e) => e.type === 'user_input');
      assert.equal(inputs.length, 30, 'only the oversized input event is missing');
      assert.ok(inputs.every((e) => !String(e.content.text).startsWith('huge:')));
      assert.equal(stats().droppedRejected, 1);
      await shutdown();
    } finally {
      await small.close();
    }
  });
});
