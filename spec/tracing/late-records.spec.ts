// Records made after their run or parent span ended (a timer that outlives its trace),
// and a re-init with records still queued.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { flush, init, logEvent, shutdown, span, trace } from '../../src/index.js';
import { startIngestServer } from '../support/ingest-server.js';
import { assertNoRejections, suiteHarness, delay, eventsOf, only, runNamed, spanNamed } from './ingest-harness.js';

const h = suiteHarness();

describe('late records', () => {
  it('stores an event and a span made by a timer that outlives its trace, in that trace', async () => {
    h.start();
    let fired!: Promise<void>;
    trace('short', () => {
      fired = new Promise((resolve) => {
        setTimeout(() => {
          logEvent('late');
          span('late-span', () => 1);
          resolve();
        }, 5);
      });
    });
    assert.equal(await flush(), true, 'the run is delivered before the timer fires');
    await fired;
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'short');
    assert.equal(run.status, 'ok');
    assert.equal(spanNamed(h.server, 'late-span').run_id, run.id);
    assert.deepEqual(eventsOf(h.server, run.id, null).map((e) => e.type), ['custom']);
  });

  it('delivers what the first client queued when init is called again without a flush', async () => {
    const second = await startIngestServer();
    try {
      h.start();
      trace('queued-then-reinit', (t) => t.logEvent('e'));
      init({ apiKey: second.apiKey, endpoint: second.url, flushIntervalMs: 60_000 });
      await h.server.waitFor((s) => s.runs.size === 1 && [...s.sessions.values()].every((x) => x.ended_at));
      assertNoRejections(h.server);
      assert.equal(runNamed(h.server, 'queued-then-reinit').status, 'ok');
      assert.equal(h.server.events.size, 1);
      assert.equal(second.requests.length, 0);
    } finally {
      await shutdown();
      await second.close();
    }
  });

  it('ends a span that is still open when its trace returns, at its own end', async () => {
    h.start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inner!: Promise<unknown>;
    trace('detached', () => {
      inner = span('background', async () => {
        await gate;
        return 'bg';
      });
    });
    await delay(1);
    release();
    await inner;
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const bg = only([...h.server.spans.values()]);
    assert.equal(bg.status, 'ok');
    assert.ok(bg.ended_at);
  });
});
