// The current trace and span follow the async flow: across awaits, Promise.all fan-out,
// timers and event emitters; concurrent traces never mix.

import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, it } from 'node:test';

import { currentSpanId, currentTraceId, flush, logEvent, span, trace } from '../../src/index.js';
import type { SpanHandle } from '../../src/index.js';
import { assertNoRejections, suiteHarness, delay, eventsOf, runNamed, spanNamed, spansOf } from './ingest-harness.js';

const h = suiteHarness();

describe('async context', () => {
  it('keeps the trace and span across awaits, timers and event emitters', async () => {
    h.start();
    const emitter = new EventEmitter();
    let traceId = '';
    await trace('flow', undefined, async (t) => {
      traceId = t.id;
      await delay(1);
      assert.equal(currentTraceId(), t.id);
      await span('timers', async (s) => {
        const fromTimer = await new Promise<[string | undefined, string | undefined]>((resolve) => {
          setTimeout(() => {
            logEvent('from_timer');
            resolve([currentTraceId(), currentSpanId()]);
          }, 1);
        });
        assert.deepEqual(fromTimer, [t.id, s.id]);
        const fromImmediate = await new Promise<string | undefined>((resolve) => setImmediate(() => resolve(currentSpanId())));
        assert.equal(fromImmediate, s.id);
        const fromMicrotask = await new Promise<string | undefined>((resolve) => queueMicrotask(() => resolve(currentSpanId())));
        assert.equal(fromMicrotask, s.id);
      });
      await span('emitter', async (s) => {
        const heard: Array<string | undefined> = [];
        emitter.on('ping', () => {
          heard.push(currentSpanId());
          logEvent('heard_ping');
        });
        setTimeout(() => emitter.emit('ping'), 1);
        await once(emitter, 'ping');
        assert.deepEqual(heard, [s.id]);
      });
    });
    assert.equal(currentTraceId(), undefined);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const timers = spanNamed(h.server, 'timers');
    const emitterSpan = spanNamed(h.server, 'emitter');
    assert.deepEqual(eventsOf(h.server, traceId, timers.id).map((e) => e.content.name), ['from_timer']);
    assert.deepEqual(eventsOf(h.server, traceId, emitterSpan.id).map((e) => e.content.name), ['heard_ping']);
  });

  it('gives each branch of a Promise.all fan-out its own span, parented to the fan-out point', async () => {
    h.start();
    const ids = await trace('fan-out', undefined, async () =>
      span('parallel', { kind: 'workflow' }, (parent) =>
        Promise.all(
          [30, 10, 20, 0].map((ms, i) =>
            span(`branch-${i}`, { kind: 'tool' }, async (s) => {
              await delay(ms % 7);
              assert.equal(currentSpanId(), s.id);
              await span(`leaf-${i}`, async (leaf) => {
                await delay(1);
                logEvent('leaf', { i });
                return leaf.id;
              });
              assert.equal(currentSpanId(), s.id, 'back in the branch after the leaf');
              return { parent: parent.id, branch: s.id };
            }),
          ),
        ),
      ),
    );
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'fan-out');
    assert.equal(spansOf(h.server, run.id).length, 9);
    ids.forEach(({ parent, branch }, i) => {
      assert.equal(spanNamed(h.server, `branch-${i}`).parent_span_id, parent);
      const leaf = spanNamed(h.server, `leaf-${i}`);
      assert.equal(leaf.parent_span_id, branch);
      assert.deepEqual(eventsOf(h.server, run.id, leaf.id).filter((e) => e.type === 'custom').map((e) => e.content.data), [{ i }]);
    });
  });

  it('never mixes concurrent traces', async () => {
    h.start();
    const count = 25;
    const work = trace(async function job(n: number) {
      const id = currentTraceId();
      await delay((n * 7) % 5);
      await span('step', { kind: 'tool' }, async () => {
        await delay((n * 3) % 4);
        assert.equal(currentTraceId(), id);
        logEvent('progress', { n });
        await span('sub', async () => {
          await delay(n % 3);
          logEvent('deep', { n });
        });
      });
      assert.equal(currentTraceId(), id);
      return n;
    });
    const results = await Promise.all(Array.from({ length: count }, (_, n) => work(n)));
    assert.deepEqual(results, Array.from({ length: count }, (_, n) => n));
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(h.server.runs.size, count);
    for (const run of h.server.runs.values()) {
      const input = eventsOf(h.server, run.id).find((e) => e.type === 'user_input');
      const n = input.content.n;
      const spans = spansOf(h.server, run.id);
      assert.equal(spans.length, 2, `run ${n} has its own two spans`);
      const [step, sub] = spans;
      assert.equal(sub.parent_span_id, step.id);
      for (const event of eventsOf(h.server, run.id).filter((e) => e.type === 'custom')) {
        assert.equal(event.content.data.n, n, 'an event lands in the run that logged it');
        assert.ok(spans.some((s) => s.id === event.span_id));
      }
      assert.equal(eventsOf(h.server, run.id).find((e) => e.type === 'final_response').content, n);
    }
  });

  it('never parents a span to a span of another trace', async () => {
    h.start();
    let leaked: SpanHandle | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = trace('first', async () => {
      await span('first-span', async (s) => {
        leaked = s;
        await gate;
      });
    });
    // A second trace started while the first one's span is open, from outside it.
    const second = trace('second', async () => {
      await delay(1);
      span('second-span', () => {});
      // A trace started inside a span of another trace is a run of its own.
    });
    await delay(2);
    assert.ok(leaked);
    await span('outside', () => 'untraced');
    await second;
    release();
    await first;
    // A trace nested inside another trace's span: its spans belong to it alone.
    await trace('outer', async () => {
      await span('outer-span', async () => {
        await trace('inner', async () => {
          span('inner-span', () => {});
        });
      });
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const secondRun = runNamed(h.server, 'second');
    const secondSpan = spanNamed(h.server, 'second-span');
    assert.equal(secondSpan.run_id, secondRun.id);
    assert.equal('parent_span_id' in secondSpan, false);
    assert.equal([...h.server.spans.values()].some((s) => s.name === 'outside'), false, 'no span outside a trace');

    const outer = runNamed(h.server, 'outer');
    const inner = runNamed(h.server, 'inner');
    const innerSpan = spanNamed(h.server, 'inner-span');
    assert.equal(innerSpan.run_id, inner.id);
    assert.equal('parent_span_id' in innerSpan, false);
    assert.equal(inner.metadata.parent_trace_id, outer.id);
    assert.equal(inner.session_id, outer.session_id);
  });
});
