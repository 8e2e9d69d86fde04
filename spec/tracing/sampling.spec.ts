// Head sampling (`sampleRate`, `NORTHSTAR_SAMPLE_RATE`, `sampler`): decided once when a
// run starts; an unsampled run records nothing, its spans and model spans follow it, and
// scores and flush are unaffected. Checked against the protocol-enforcing server.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Observe, Trace } from '../../decorators/index.js';
import { currentTraceId, flush, getClient, modelCall, Northstar, NorthstarConfigError, observe, score, span, stats, trace } from '../../src/index.js';
import { assertNoRejections, runNamed, spansOf, suiteHarness } from './ingest-harness.js';

const h = suiteHarness();

const lookup = observe(async function lookup(query: string) {
  return `found ${query}`;
}, { kind: 'tool' });

const agent = trace(async function agent(query: string) {
  const found = await lookup(query);
  const reply = await modelCall('answer', { model: 'gpt-4o-mini' }, (m) => {
    m.recordUsage({ inputTokens: 3, outputTokens: 4 });
    return `${found}!`;
  });
  return reply;
});

class Desk {
  @Observe({ kind: 'tool' })
  async fetch(id: number): Promise<string> {
    return `doc ${id}`;
  }

  @Trace('desk-run')
  async handle(id: number): Promise<string> {
    return this.fetch(id);
  }
}

describe('head sampling', () => {
  it('sampleRate 0 sends nothing but scores, and counts the runs left out', async () => {
    h.start();
    let keptId: string | undefined;
    await trace('scored', async () => {
      keptId = currentTraceId();
    });
    assert.equal(await flush(), true);
    const before = { runs: h.server.runs.size, spans: h.server.spans.size, events: h.server.events.size };

    h.start({ sampleRate: 0 });
    assert.equal(await agent('refund'), 'found refund!', 'the traced function still runs and returns');
    let seen: string | undefined = 'unset';
    await trace('scoped', async (t) => {
      seen = currentTraceId();
      t.logEvent('ignored', { a: 1 });
      await span('inner', (s) => s.setAttributes({ x: 1 }));
    });
    assert.equal(seen, undefined, 'no current trace inside an unsampled run');
    const manual = getClient()!.startRun('manual');
    manual.startSpan('manual-child').end();
    manual.end();
    assert.equal(await new Desk().handle(7), 'doc 7');
    score(keptId!, 'quality', 0.9);
    assert.equal(await flush(), true, 'an explicit flush still delivers (the score)');

    assertNoRejections(h.server);
    assert.deepEqual({ runs: h.server.runs.size, spans: h.server.spans.size, events: h.server.events.size }, before, 'no run, span or event of the unsampled runs arrived');
    const stored = [...h.server.scores.values()];
    assert.equal(stored.length, 1);
    assert.equal(stored[0].trace_id, keptId);
    const s = stats();
    assert.equal(s.sampledOut, 4, 'agent, scoped, manual, desk-run');
    assert.equal(s.droppedQueueFull + s.droppedRejected, 0);
  });

  it('sampleRate 1 (the default) records everything, and sampledOut stays 0', async () => {
    h.start({ sampleRate: 1 });
    await agent('a');
    await agent('b');
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(h.server.runs.size, 2);
    assert.equal(h.server.spans.size, 4, 'each run keeps its tool span and its model span');
    assert.equal(stats().sampledOut, 0);
  });

  it('a sampler decides by name, metadata and tags, once per run', async () => {
    const asked: { name: string; metadata: unknown; tags: readonly string[] | undefined }[] = [];
    h.start({
      sampler: (run) => {
        asked.push(run);
        return run.name !== 'agent';
      },
    });
    await agent('x');
    await trace('kept', { metadata: { team: 'core' }, tags: ['nightly'] }, async () => {
      await lookup('y');
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.deepEqual([...h.server.runs.values()].map((r) => r.name), ['kept']);
    const kept = runNamed(h.server, 'kept');
    assert.deepEqual(spansOf(h.server, kept.id).map((s) => s.name), ['lookup']);
    assert.deepEqual(asked.map((a) => a.name), ['agent', 'kept'], 'asked once per run, never per span');
    assert.deepEqual(asked[1]!.metadata, { team: 'core' });
    assert.deepEqual(asked[1]!.tags, ['nightly']);
    assert.equal(stats().sampledOut, 1);
  });

  it('an unsampled trace nested in a sampled one leaves the outer run clean', async () => {
    h.start({ sampler: (run) => run.name === 'outer' });
    await trace('outer', async () => {
      await lookup('before');
      assert.equal(await agent('nested'), 'found nested!');
      await new Desk().handle(1);
      await trace('inner-scoped', async () => {
        await lookup('inside');
      });
      await lookup('after');
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.deepEqual([...h.server.runs.values()].map((r) => r.name), ['outer']);
    const outer = runNamed(h.server, 'outer');
    assert.deepEqual(spansOf(h.server, outer.id).map((s) => s.name), ['lookup', 'lookup'], 'only the outer run\'s own spans');
    assert.deepEqual([...h.server.spans.values()].map((s) => s.run_id), [outer.id, outer.id]);
    assert.equal(stats().sampledOut, 3);
  });

  it('a decorated @Trace follows the sampler, and its @Observe children follow it', async () => {
    let calls = 0;
    h.start({ sampler: () => ++calls % 2 === 1 });
    const desk = new Desk();
    for (let i = 0; i < 4; i++) assert.equal(await desk.handle(i), `doc ${i}`);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const runs = [...h.server.runs.values()];
    assert.equal(runs.length, 2);
    for (const run of runs) assert.deepEqual(spansOf(h.server, run.id).map((s) => s.name), ['fetch']);
    assert.equal(h.server.spans.size, 2);
    assert.equal(stats().sampledOut, 2);
  });

  it('an unsampled trace is invisible: same this, every argument, same promise, sync stays sync, same error', async () => {
    h.start({ sampleRate: 0 });
    const self = { base: 40 };
    const add = trace(function add(this: { base: number }, a: number, ...rest: number[]) {
      return [this.base + a, arguments.length, ...rest];
    });
    assert.deepEqual(add.call(self, 2, 7, 8), [42, 3, 7, 8], 'sync value, this and every argument (beyond length too)');
    const pending = Promise.resolve('later');
    assert.equal(trace(() => pending)(), pending, 'the very promise');
    const boom = new Error('boom');
    assert.throws(
      () =>
        trace(function fails() {
          throw boom;
        })(),
      (e: unknown) => e === boom,
    );
    class Counter {
      count = 1;
      @Trace()
      bump(by: number, extra?: number): number {
        this.count += by + (extra ?? 0);
        return this.count;
      }
      @Trace()
      async explode(): Promise<never> {
        throw boom;
      }
    }
    const counter = new Counter();
    assert.equal(counter.bump(2, 3), 6, 'a decorated method keeps this and its arguments');
    await assert.rejects(counter.explode(), (e: unknown) => e === boom);
    assert.equal(await flush(), true);
    assert.equal(h.server.runs.size, 0);
    assert.equal(stats().sampledOut, 5);
  });

  it('an unsampled trace nested in a sampled one runs outside it, and a trace inside an unsampled one is sampled on its own', async () => {
    h.start({ sampler: (run) => run.name !== 'left-out' });
    const leftOut = trace(async function leftOut(inner: () => Promise<unknown>) {
      assert.equal(currentTraceId(), undefined, 'no current trace inside the unsampled run');
      await lookup('ignored');
      return inner();
    }, { name: 'left-out' });
    const kept = trace(async function kept() {
      await lookup('kept');
      return currentTraceId();
    });
    let outerId: string | undefined;
    let keptId: unknown;
    await trace('outer', async () => {
      outerId = currentTraceId();
      keptId = await leftOut(kept);
      assert.equal(currentTraceId(), outerId, 'the outer run is current again');
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.deepEqual([...h.server.runs.values()].map((r) => r.name).sort(), ['kept', 'outer']);
    const inner = runNamed(h.server, 'kept');
    assert.equal(inner.id, keptId);
    assert.equal((inner.metadata as Record<string, unknown>).parent_trace_id, undefined, 'not linked to a run that is not stored');
    assert.deepEqual(spansOf(h.server, inner.id).map((s) => s.name), ['lookup']);
    assert.deepEqual(spansOf(h.server, outerId!), [], 'nothing of the unsampled run landed in the outer one');
    assert.equal(stats().sampledOut, 1);
  });

  it('a throwing sampler keeps the run and is reported once', async () => {
    h.start({
      sampler: () => {
        throw new Error('sampler bug');
      },
    });
    await agent('one');
    await agent('two');
    assert.equal(await flush(), true);
    assert.equal(h.server.runs.size, 2);
    const reports = h.diagnostics.filter((d) => d.message.includes('sampler'));
    assert.equal(reports.length, 1, 'reported once');
    assert.equal(stats().sampledOut, 0);
  });

  it('NORTHSTAR_SAMPLE_RATE sets the rate; the option wins over it', () => {
    const previous = process.env.NORTHSTAR_SAMPLE_RATE;
    try {
      process.env.NORTHSTAR_SAMPLE_RATE = '0.25';
      assert.equal(new Northstar({ enabled: false }).config.sampleRate, 0.25);
      assert.equal(new Northstar({ enabled: false, sampleRate: 1 }).config.sampleRate, 1);
      process.env.NORTHSTAR_SAMPLE_RATE = 'half';
      assert.throws(() => new Northstar({ enabled: false }), (e: unknown) => e instanceof NorthstarConfigError && /NORTHSTAR_SAMPLE_RATE/.test(e.message));
    } finally {
      if (previous === undefined) delete process.env.NORTHSTAR_SAMPLE_RATE;
      else process.env.NORTHSTAR_SAMPLE_RATE = previous;
    }
    assert.equal(new Northstar({ enabled: false }).config.sampleRate, 1, 'default 1');
  });

  it('rejects a bad sampleRate or sampler at setup, naming the option', () => {
    for (const bad of [-0.1, 1.5, Number.NaN, Infinity, '0.5', null]) {
      assert.throws(
        () => new Northstar({ enabled: false, sampleRate: bad as unknown as number }),
        (e: unknown) => e instanceof NorthstarConfigError && /sampleRate/.test(e.message),
        `sampleRate ${String(bad)}`,
      );
    }
    assert.throws(
      () => new Northstar({ enabled: false, sampler: true as unknown as () => boolean }),
      (e: unknown) => e instanceof NorthstarConfigError && /option sampler/.test(e.message),
    );
  });
});
