// Concurrency (issue 5, section 4): 1,000 traces in flight at once, each interleaving
// awaits, timers, setImmediate and Promise.all across nested spans. Every stored span
// must sit in its own run under its own parent, every event on its own span, and no
// trace context may leak into code that runs after a trace ended.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';

import { currentSpanId, currentTraceId, init, logEvent, observe, span, trace } from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { assertNoInvalidBatch, drain, useIngestServer } from './reliability-harness.js';

let server: IngestServer;
useIngestServer((started) => (server = started));

/** What a traced flow saw of its own context, compared with what was stored afterwards. */
interface Sighting {
  agent: number;
  where: string;
  traceId: string | undefined;
  spanId: string | undefined;
}

describe('concurrency', () => {
  it('1,000 concurrent traces with interleaved awaits, timers and Promise.all: every span and event lands on its own parent', async () => {
    init({ apiKey: server.apiKey, endpoint: server.url, flushIntervalMs: 60_000, batchSize: 2_000, maxQueueSize: 100_000 });
    const sightings: Sighting[] = [];
    const seen = (agent: number, where: string): void => {
      sightings.push({ agent, where, traceId: currentTraceId(), spanId: currentSpanId() });
    };
    // A wrapped tool shared by every trace: its span must attach to the caller's span.
    const fetchDoc = observe(async function fetchDoc(agent: number, which: string) {
      await sleep(agent % 3);
      seen(agent, `fetch-${which}`);
      logEvent('fetched', { agent, where: `fetch-${which}` });
      return which;
    }, { kind: 'tool' });

    const agent = trace(async function agent(i: number) {
      seen(i, 'run');
      await sleep(i % 5);
      const results = await Promise.all([
        span(`a-${i}`, async () => {
          await tick();
          seen(i, 'a');
          logEvent('step', { agent: i, where: 'a' });
          await span(`a-inner-${i}`, async () => {
            await new Promise<void>((resolve) => setTimeout(resolve, (i * 7) % 4));
            seen(i, 'a-inner');
            logEvent('step', { agent: i, where: 'a-inner' });
          });
          return fetchDoc(i, 'a');
        }),
        span(`b-${i}`, async () => {
          await new Promise<void>((resolve) => process.nextTick(resolve));
          seen(i, 'b');
          logEvent('step', { agent: i, where: 'b' });
          return fetchDoc(i, 'b');
        }),
      ]);
      // A timer set inside the trace fires inside it (the context follows the callback).
      await new Promise<void>((resolve) => setTimeout(() => (seen(i, 'timer'), resolve()), 1));
      logEvent('step', { agent: i, where: 'run' });
      return results.join('+');
    });

    const outputs = await Promise.all(Array.from({ length: 1000 }, (_, i) => agent(i)));
    assert.ok(outputs.every((o) => o === 'a+b'), 'every trace returned its own value');
    assert.equal(currentTraceId(), undefined, 'no context after the traces');
    await drain();
    assertNoInvalidBatch(server);

    // Index the stored records.
    const runOf = new Map<number, any>();
    for (const e of server.events.values()) if (e.type === 'user_input') runOf.set(e.content.i, server.runs.get(e.run_id));
    const spanByName = new Map<string, any>();
    for (const s of server.spans.values()) spanByName.set(s.run_id + '/' + s.name, s);
    assert.equal(server.runs.size, 1000);
    assert.equal(server.spans.size, 1000 * 5);

    for (let i = 0; i < 1000; i++) {
      const run = runOf.get(i);
      assert.ok(run, `run ${i}`);
      assert.equal(run.status, 'ok');
      const a = spanByName.get(`${run.id}/a-${i}`);
      const b = spanByName.get(`${run.id}/b-${i}`);
      const inner = spanByName.get(`${run.id}/a-inner-${i}`);
      assert.ok(a && b && inner, `spans of run ${i} are in run ${i}`);
      assert.equal(a.parent_span_id, undefined);
      assert.equal(b.parent_span_id, undefined);
      assert.equal(inner.parent_span_id, a.id, `a-inner-${i} under a-${i}`);
    }
    // The shared tool's spans: one under each a-i and b-i, in the right run.
    const fetchSpans = [...server.spans.values()].filter((s) => s.name === 'fetchDoc');
    assert.equal(fetchSpans.length, 2000);
    const spanById = new Map([...server.spans.values()].map((s) => [s.id, s]));
    for (const f of fetchSpans) {
      const parent = spanById.get(f.parent_span_id);
      assert.ok(parent, 'fetchDoc has a parent span');
      assert.equal(parent.run_id, f.run_id);
      assert.match(parent.name, /^[ab]-\d+$/);
    }

    // Every custom event sits on the span (or run) named by its own data.
    const expectedSpanName = (data: { agent: number; where: string }): string | undefined =>
      data.where === 'run' ? undefined : data.where.startsWith('fetch-') ? 'fetchDoc' : `${data.where}-${data.agent}`;
    let customs = 0;
    for (const e of server.events.values()) {
      if (e.type !== 'custom') continue;
      customs++;
      const data = e.content.data;
      const run = runOf.get(data.agent);
      assert.equal(e.run_id, run.id, `event of agent ${data.agent} in its run`);
      const name = expectedSpanName(data);
      if (name === undefined) {
        assert.equal(e.span_id, undefined);
      } else {
        const owner = spanById.get(e.span_id);
        assert.equal(owner?.name, name, `event ${data.where} of agent ${data.agent} on span ${name}`);
        if (name === 'fetchDoc') assert.equal(spanById.get(owner.parent_span_id).name, `${data.where.slice(6)}-${data.agent}`);
      }
    }
    assert.equal(customs, 1000 * 6);

    // What each flow saw while running matches what was stored.
    for (const s of sightings) {
      const run = runOf.get(s.agent);
      assert.equal(s.traceId, run.id, `agent ${s.agent} at ${s.where} saw its own trace`);
      const expected = s.where === 'run' || s.where === 'timer' ? undefined : s.where.startsWith('fetch-') ? 'fetchDoc' : `${s.where}-${s.agent}`;
      assert.equal(s.spanId === undefined ? undefined : spanById.get(s.spanId)?.name, expected, `agent ${s.agent} at ${s.where}`);
    }
  });

  it('no context leaks into code that runs after a trace ended', async () => {
    init({ apiKey: server.apiKey, endpoint: server.url, flushIntervalMs: 60_000 });
    const leaks: string[] = [];
    const check = (where: string): void => {
      if (currentTraceId() !== undefined || currentSpanId() !== undefined) leaks.push(where);
    };

    const asyncAgent = trace(async function asyncAgent() {
      await sleep(1);
      return span('s', async () => 'x');
    });
    const syncAgent = trace(function syncAgent() {
      return span('s', () => 'y');
    });

    await asyncAgent();
    check('after await of an async trace');
    syncAgent();
    check('after a sync trace');
    await trace('scoped', async () => sleep(1));
    check('after a scoped trace');
    try {
      await trace('failing', async () => {
        throw new Error('boom');
      });
    } catch {
      check('in the catch of a failing trace');
    }

    // Scheduled from outside, after the traces ended.
    await new Promise<void>((resolve) => setTimeout(() => (check('setTimeout scheduled after the end'), resolve()), 1));
    await new Promise<void>((resolve) => setImmediate(() => (check('setImmediate scheduled after the end'), resolve())));
    await new Promise<void>((resolve) => process.nextTick(() => (check('nextTick scheduled after the end'), resolve())));
    await Promise.resolve().then(() => check('microtask scheduled after the end'));

    // Concurrently: a trace in flight does not bleed into a sibling flow outside it.
    let release!: () => void;
    const open = trace('open', () => new Promise<void>((resolve) => (release = resolve)));
    check('sibling flow while another trace is open');
    await sleep(1);
    check('sibling flow after a timer while another trace is open');
    release();
    await open;
    check('after the open trace ended');

    assert.deepEqual(leaks, []);
    await drain();
    assert.equal(server.runs.size, 5);
  });
});
