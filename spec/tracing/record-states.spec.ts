// Issue 13: fewer records on the wire without changing what the server stores. A run or
// span that ends before the first send goes out once, in its final state; one still open
// when a send goes out is sent again when it ends, and the final state is what the server
// keeps. Captured contents reach the server as the snapshotter's JSON, and in-process readers
// (getRecordedRun) see the same values.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';

import { flush, getRecordedRun, observe, trace } from '../../src/index.js';
import { assertNoRejections, runNamed, spanNamed, suiteHarness } from './ingest-harness.js';

const h = suiteHarness();

/** Every state of a run or span the server received, by id, in arrival order. */
function statesReceived(table: 'runs' | 'spans'): Map<string, string[]> {
  const states = new Map<string, string[]>();
  for (const request of h.server.requests) {
    const body = request.body as { runs?: { id: string; status: string }[]; spans?: { id: string; status: string }[] };
    for (const record of body[table] ?? []) states.set(record.id, [...(states.get(record.id) ?? []), record.status]);
  }
  return states;
}

describe('record states on the wire', () => {
  it('sends a run and spans that end before the first send once each, in their final state', async () => {
    // Small batches, sent on their own (5 ms linger) between the calls, as in an I/O-bound agent.
    h.start({ batchSize: 12 });
    const retrieve = observe(async (query: string) => [{ id: 'doc-1', text: `about ${query}` }], { name: 'retrieve', kind: 'tool' });
    const rank = observe(async (docs: unknown[]) => docs, { name: 'rank' });
    const agent = trace(async (query: string) => rank(await retrieve(query)), { name: 'agent' });
    for (let i = 0; i < 30; i++) {
      await agent(`q${i}`);
      await turn();
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 8));
    }
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.ok(h.server.requests.length > 1, 'the background sends went out during the calls');

    const runs = statesReceived('runs');
    const spans = statesReceived('spans');
    assert.equal(runs.size, 30);
    assert.equal(spans.size, 60);
    for (const [id, states] of [...runs, ...spans]) assert.deepEqual(states, ['ok'], `record ${id} was sent as ${states.join(', ')}`);
    for (const id of runs.keys()) assert.equal(h.server.insertCounts.get(`runs:${id}`), 1);
    assert.equal(h.server.events.size, 30 * 6);
  });

  it('sends a run open at a send again when it ends; the server keeps the final state', async () => {
    h.start();
    const step = observe(async () => 'done', { name: 'step' });
    await trace(
      async () => {
        await step();
        // A send while the run is open: it goes out as running, with its ended span.
        assert.equal(await flush(), true);
        return 'answer';
      },
      { name: 'long-run' },
    )();
    assert.equal(await flush(), true);
    assertNoRejections(h.server);

    const run = runNamed(h.server, 'long-run');
    assert.deepEqual(statesReceived('runs').get(run.id), ['running', 'ok']);
    assert.deepEqual(statesReceived('spans').get(spanNamed(h.server, 'step').id), ['ok']);
    assert.equal(run.status, 'ok');
    assert.equal(typeof run.metadata.latency_ms, 'number');
  });

  it('records arguments by parameter name, a parameter named __proto__ included, without touching any prototype', async () => {
    h.start({});
    // eslint-disable-next-line no-new-func -- a parameter named __proto__ cannot be written as a literal function here
    const fn = new Function('__proto__', 'constructor', 'return __proto__ + constructor;') as (a: number, b: number) => number;
    Object.defineProperty(fn, 'name', { value: 'sum' });
    const traced = trace(fn, { name: 'proto-args' });
    assert.equal(traced(1, 2), 3);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'proto-args');
    const input = [...h.server.events.values()].find((e) => e.run_id === run.id && e.type === 'user_input');
    assert.deepEqual(JSON.stringify(input?.content), '{"__proto__":1,"constructor":2}');
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('delivers captured contents as the snapshot wrote them, and getRecordedRun reads the same values', async () => {
    h.start({ keepRuns: 5, redactKeys: ['ssn'] });
    const value = { text: 'line\nbreak "quoted" \u2028 é', ssn: '123', nested: [1, -0, NaN, { deep: 'x\u0000y' }], map: new Map([['k', 1]]) };
    let traceId = '';
    await trace('contents', { input: value }, async (t) => {
      traceId = t.id;
      t.setOutput('first');
      t.setOutput({ final: value.text });
      return 'ignored';
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);

    const expected = { text: value.text, ssn: '[REDACTED]', nested: [1, 0, 'NaN', { deep: 'xy' }], map: { k: 1 } };
    const stored = [...h.server.events.values()].filter((e) => e.run_id === traceId);
    assert.deepEqual(
      stored.map((e) => e.type),
      ['user_input', 'final_response'],
    );
    assert.deepEqual(stored[0].content, expected);
    assert.deepEqual(stored[1].content, { final: value.text }, 'the second setOutput replaced the content');

    const recorded = getRecordedRun(traceId);
    assert.ok(recorded);
    assert.deepEqual(
      recorded.events.map((e) => e.content),
      [expected, { final: value.text }],
    );
  });
});
