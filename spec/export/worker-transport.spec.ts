// The worker transport (issue 13) against the protocol-enforcing server, in this process:
// records go out from the delivery thread with the same results as in-thread delivery
// (retries, 400 isolation, 401), a thread killed with a request in flight loses nothing,
// shutdown() ends the thread, and the `transport` option is validated.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, logEvent, Northstar, NorthstarConfigError, shutdown, span, stats, trace } from '../../src/index.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { AUTO_MIN_CPUS, createTransport, createWorkerTransport, crashDeliveryWorker, deliveryWorkerStats } from '../../src/export/worker-transport.js';
import { cgroupCpuQuota, cpuBudget } from '../../src/util/runtime.js';
import { createHttpTransport } from '../../src/export/http-transport.js';
import { assertNoRejections, createHarness, delay, type Harness } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

const quiet = { debug() {}, problem() {}, problemOnce() {} };

/** Traces `count` runs of one tool span with one event each (4 records a run: run, span, 2 events with the run input). */
function traceRuns(count: number, prefix = 'job'): void {
  for (let i = 0; i < count; i++) {
    trace(`${prefix}-${i}`, () => span('step', { kind: 'tool' }, () => logEvent('work', { i })));
  }
}

describe('worker transport: delivery', () => {
  it('delivers every record from the delivery thread; flush() resolves true', async () => {
    const before = deliveryWorkerStats().answered;
    h.start({ transport: 'worker' });
    traceRuns(30);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(h.server.runs.size, 30);
    assert.equal(h.server.spans.size, 30);
    assert.ok(deliveryWorkerStats().answered > before, 'the requests were answered through the thread');
    assert.equal(deliveryWorkerStats().running, true);
  });

  it('answers exactly like the in-thread transport (accepted, 400, 401, 5xx with Retry-After, a redirect)', async () => {
    const options = { endpoint: h.server.url, apiKey: h.server.apiKey, timeoutMs: 5_000 };
    const inThread = createHttpTransport(options);
    const viaWorker = createWorkerTransport(options, quiet);
    const body = (runs: unknown[]) => JSON.stringify({ schema_version: 2, sessions: [], runs, spans: [], events: [], scores: [], prompt_links: [] });
    const cases: Array<[string, () => void, string]> = [
      ['accepted', () => undefined, body([])],
      ['400', () => undefined, body([{ id: 'not-a-uuid' }])],
      ['503', () => h.server.faults.failNext(1, 503, { retryAfter: '2' }), body([])],
      ['302', () => h.server.faults.failNext(1, 302, { location: 'https://elsewhere.example/ingest?key=1' }), body([])],
      ['200 without accepted', () => h.server.faults.acceptWithoutStoring(1, '{"ok":1}'), body([])],
    ];
    try {
      for (const [label, arrange, payload] of cases) {
        arrange();
        const a = await inThread(payload);
        arrange();
        const b = await viaWorker(payload);
        assert.deepEqual(b, a, label);
      }
      h.server.revokeKey();
      assert.deepEqual(await viaWorker(body([])), await inThread(body([])), '401');
    } finally {
      viaWorker.close?.();
    }
  });

  it('retries transient failures through the thread, keeping every record', async () => {
    h.start({ transport: 'worker' });
    h.server.faults.failNext(2, 503);
    traceRuns(10);
    let rounds = 0;
    while (!(await flush()) && rounds++ < 50);
    assert.ok(rounds < 50);
    assert.deepEqual([...new Set(h.server.requests.map((r) => r.status))].sort(), [200, 503]);
    assert.equal(h.server.runs.size, 10);
    assert.equal(stats().droppedRejected, 0);
  });

  it('isolates the one record the server refuses (400) and keeps the rest', async () => {
    h.start({ transport: 'worker' });
    h.server.faults.poison((record, table) => table === 'events' && (record as any).content?.data?.i === 3, 400);
    traceRuns(8);
    assert.equal(await flush(), false, 'a dropped record makes flush() resolve false');
    assert.equal(stats().droppedRejected, 1);
    assert.equal(h.server.runs.size, 8);
    assert.equal([...h.server.events.values()].filter((e) => e.type === 'custom').length, 7);
  });

  it('stops sending on a refused key (401) and says so', async () => {
    h.start({ transport: 'worker' });
    h.server.revokeKey();
    traceRuns(3);
    assert.equal(await flush(), false);
    assert.ok(stats().droppedUnauthorized > 0);
    assert.ok(h.diagnostics.some((d) => d.kind === 'unauthorized'));
  });
});

describe('worker transport: the thread stops', () => {
  it('a thread killed with a request in flight loses nothing: the request is retried by a new thread', async () => {
    h.start({ transport: 'worker' });
    traceRuns(3, 'warm');
    assert.equal(await flush(), true);
    const { starts, stops } = deliveryWorkerStats();
    const sent = h.server.requests.length;
    h.server.faults.hangNext(1);
    traceRuns(20, 'crash');
    const pending = flush({ timeoutMs: 60_000 });
    // The request hangs at the server: the thread owes an answer when it is killed.
    await h.server.waitFor((s) => s.requests.length > sent);
    await crashDeliveryWorker();
    assert.equal(await pending, true, 'the flush goes on after the failure and delivers everything');
    assert.equal(h.server.runs.size, 23);
    assert.equal(stats().droppedRejected + stats().droppedQueueFull, 0);
    const after = deliveryWorkerStats();
    assert.equal(after.stops, stops + 1);
    assert.equal(after.starts, starts + 1, 'a new thread took over');
    assert.ok(h.diagnostics.some((d) => d.kind === 'delivery' && /delivery worker stopped/.test(d.message)), 'the failure is reported');
  });

  it('shutdown() ends the thread; a client used again starts a new one', async () => {
    h.start({ transport: 'worker' });
    traceRuns(2);
    assert.equal(await flush(), true);
    assert.equal(deliveryWorkerStats().running, true);
    assert.equal(await shutdown(), true);
    assert.equal(deliveryWorkerStats().running, false);
    h.server.reset();
    h.start({ transport: 'worker' });
    traceRuns(2);
    assert.equal(await flush(), true);
    assert.equal(h.server.runs.size, 2);
    assert.equal(deliveryWorkerStats().running, true);
  });

  it('a thread shared by two clients ends only with the second', async () => {
    const a = new Northstar({ apiKey: h.server.apiKey, endpoint: h.server.url, transport: 'worker', flushIntervalMs: 60_000 });
    const b = new Northstar({ apiKey: h.server.apiKey, endpoint: h.server.url, transport: 'worker', flushIntervalMs: 60_000 });
    a.startRun('a').end();
    b.startRun('b').end();
    assert.equal(await a.flush(), true);
    assert.equal(await b.flush(), true);
    assert.equal(await a.shutdown(), true);
    assert.equal(deliveryWorkerStats().running, true, 'b still uses it');
    b.startRun('b2').end();
    assert.equal(await b.shutdown(), true);
    assert.equal(deliveryWorkerStats().running, false);
    assert.deepEqual([...h.server.runs.values()].map((r) => r.name).sort(), ['a', 'b', 'b2']);
  });
});

describe('worker transport: auto', () => {
  it("'auto' sends on the caller's thread until delivery is sustained, then from the thread", async () => {
    const lines: string[] = [];
    const logger = { ...quiet, debug: (m: string) => lines.push(m) };
    const transport = createWorkerTransport({ endpoint: h.server.url, apiKey: h.server.apiKey, timeoutMs: 5_000 }, logger, true);
    const empty = JSON.stringify({ schema_version: 2, sessions: [], runs: [], spans: [], events: [], scores: [], prompt_links: [] });
    try {
      const answered = deliveryWorkerStats().answered;
      for (let i = 0; i < 8; i++) assert.deepEqual(await transport(empty), { kind: 'accepted' });
      assert.equal(deliveryWorkerStats().answered, answered, 'the first requests went out on this thread');
      // The ninth starts the thread; requests go on inline until it is ready, then from it.
      for (let i = 0; i < 500 && deliveryWorkerStats().answered === answered; i++) {
        assert.deepEqual(await transport(empty), { kind: 'accepted' });
        await delay(10);
      }
      assert.ok(deliveryWorkerStats().answered > answered, 'sustained delivery moved to the thread');
      assert.ok(lines.some((l) => /moving delivery to a worker thread/.test(l)));
    } finally {
      transport.close?.();
    }
  });
});

describe('worker transport: where auto stays inline', () => {
  it("under a test runner (this one sets NODE_TEST_CONTEXT), 'auto' is the in-thread transport; 'worker' is not", () => {
    assert.ok(process.env.NODE_TEST_CONTEXT !== undefined, 'run by node --test');
    const options = { endpoint: h.server.url, apiKey: h.server.apiKey, timeoutMs: 5_000 };
    const auto = createTransport('auto', options, quiet);
    assert.equal(auto.thread, undefined, 'the HTTP transport');
    auto.close?.();
    const worker = createTransport('worker', options, quiet);
    assert.equal(worker.thread, true);
    worker.close?.();
  });

  it(`outside a test runner, 'auto' takes the worker only with at least ${AUTO_MIN_CPUS} CPUs to use`, () => {
    const options = { endpoint: h.server.url, apiKey: h.server.apiKey, timeoutMs: 5_000 };
    const saved = process.env.NODE_TEST_CONTEXT;
    delete process.env.NODE_TEST_CONTEXT;
    let transport;
    try {
      transport = createTransport('auto', options, quiet);
    } finally {
      process.env.NODE_TEST_CONTEXT = saved;
    }
    const cpus = cpuBudget();
    assert.ok(cpus !== undefined && cpus > 0);
    assert.equal(transport.thread === true, cpus >= AUTO_MIN_CPUS, `${cpus} CPUs`);
    transport.close?.();
  });

  it('reads a container CPU quota (cgroup v2 cpu.max, v1 quota and period)', () => {
    assert.equal(cgroupCpuQuota('max 100000\n'), undefined);
    assert.equal(cgroupCpuQuota('150000 100000\n'), 1.5);
    assert.equal(cgroupCpuQuota(undefined, '-1\n', '100000\n'), undefined);
    assert.equal(cgroupCpuQuota(undefined, '400000', '100000'), 4);
    assert.equal(cgroupCpuQuota(undefined), undefined);
  });

  it("'auto' stays on the caller's thread once fetch was replaced (nock, msw): the thread would not see the patch", async () => {
    const original = globalThis.fetch;
    let seen = 0;
    globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
      seen++;
      return original(...args);
    }) as typeof fetch;
    const transport = createWorkerTransport({ endpoint: h.server.url, apiKey: h.server.apiKey, timeoutMs: 5_000 }, quiet, true);
    const empty = JSON.stringify({ schema_version: 2, sessions: [], runs: [], spans: [], events: [], scores: [], prompt_links: [] });
    try {
      for (let i = 0; i < 20; i++) assert.deepEqual(await transport(empty), { kind: 'accepted' });
      assert.equal(seen, 20, 'every request went through the patched fetch');
    } finally {
      globalThis.fetch = original;
      transport.close?.();
    }
  });
});

describe('transport option', () => {
  it("accepts 'auto', 'worker' and 'inline' (option or NORTHSTAR_TRANSPORT), 'auto' by default", () => {
    const base = { apiKey: 'k', endpoint: 'http://127.0.0.1:1/x' };
    assert.equal(resolveConfig(base, {}).transport, 'auto');
    for (const choice of ['auto', 'worker', 'inline'] as const) assert.equal(resolveConfig({ ...base, transport: choice }, {}).transport, choice);
    assert.equal(resolveConfig(base, { NORTHSTAR_TRANSPORT: 'Inline' }).transport, 'inline');
    assert.equal(resolveConfig({ ...base, transport: 'worker' }, { NORTHSTAR_TRANSPORT: 'inline' }).transport, 'worker', 'the option wins');
  });

  it('refuses anything else, naming the option', () => {
    const base = { apiKey: 'k', endpoint: 'http://127.0.0.1:1/x' };
    assert.throws(() => resolveConfig({ ...base, transport: 'thread' as never }, {}), (e: unknown) => e instanceof NorthstarConfigError && /option transport must be 'auto', 'worker' or 'inline', got the string "thread"/.test(e.message));
    assert.throws(() => resolveConfig({ ...base, transport: true as never }, {}), /option transport/);
    assert.throws(() => resolveConfig(base, { NORTHSTAR_TRANSPORT: 'fast' }), /NORTHSTAR_TRANSPORT="fast" must be auto, worker or inline/);
  });
});
