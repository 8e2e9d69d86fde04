// The wrapper machinery is invisible: same `this`, same sync or async nature, the same
// promise object, the same generator object; and generators are traced to their end.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { currentTraceId, flush, observe, trace } from '../../src/index.js';
import { assertNoRejections, suiteHarness, eventsOf, only, runNamed, spanNamed } from './ingest-harness.js';

const h = suiteHarness();

describe('wrapper: invisible to the caller', () => {
  it('keeps this, name and length, and a sync function stays sync', async () => {
    h.start();
    const counter = {
      count: 40,
      add: trace(function add(this: { count: number }, by: number, _unused?: string) {
        this.count += by;
        return this.count;
      }),
    };
    const result = counter.add(2);
    assert.equal(result, 42, 'a sync function returns its value, not a promise');
    assert.equal(counter.count, 42);
    assert.equal(counter.add.name, 'add');
    assert.equal(counter.add.length, 2);
    await flush();
    assert.equal(runNamed(h.server, 'add').status, 'ok');
  });

  it('returns the very promise the function returned, and observes it', async () => {
    h.start();
    let resolve!: (v: string) => void;
    const pending = new Promise<string>((r) => (resolve = r));
    const wrapped = trace(function waits() {
      return pending;
    });
    const returned = wrapped();
    assert.equal(returned, pending, 'same promise object');
    resolve('later');
    assert.equal(await returned, 'later');
    await flush();
    const run = runNamed(h.server, 'waits');
    assert.equal(only(eventsOf(h.server, run.id).filter((e) => e.type === 'final_response')).content, 'later');
  });

  it('returns a promise subclass and a thenable unchanged', async () => {
    h.start();
    class TaggedPromise<T> extends Promise<T> {
      tag = 'kept';
    }
    const tagged = TaggedPromise.resolve(1) as TaggedPromise<number>;
    const thenable = { then: (ok: (v: number) => void) => ok(2) };
    assert.equal(trace(() => tagged)(), tagged);
    assert.equal(trace(() => thenable)(), thenable);
    assert.equal(observe(() => tagged)(), tagged, 'outside a trace observe is a direct call');
    await trace('outer', () => {
      assert.equal(observe(() => tagged)(), tagged);
    });
  });

  it('does not wrap the rejection of a returned promise in another error', async () => {
    h.start();
    const boom = new Error('nope');
    const rejected = Promise.reject(boom);
    const wrapped = trace(() => rejected);
    const returned = wrapped();
    assert.equal(returned, rejected);
    await assert.rejects(returned, (e) => e === boom);
  });

  it('calls the function directly when the SDK is not enabled', () => {
    // No client at all: after() of the previous test shut it down, so install a disabled one.
    h.start({ enabled: false });
    const self = {};
    const wrapped = trace(function plain(this: unknown) {
      return this;
    });
    assert.equal(wrapped.call(self), self);
    assert.equal(currentTraceId(), undefined);
  });
});

describe('wrapper: generators', () => {
  it('traces a sync generator to its end, returning the same generator object', async () => {
    h.start();
    let inside: string | undefined;
    const numbers = trace(function* numbers(n: number) {
      for (let i = 0; i < n; i++) {
        inside = currentTraceId();
        yield i;
      }
    });
    const generator = numbers(3);
    assert.equal(Object.prototype.toString.call(generator), '[object Generator]');
    assert.deepEqual([...generator], [0, 1, 2]);
    assert.ok(inside, 'the generator body runs inside the trace');
    await flush();
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'numbers');
    assert.equal(run.id, inside);
    assert.equal(run.status, 'ok');
    const events = eventsOf(h.server, run.id);
    assert.deepEqual(events.map((e) => e.type), ['user_input', 'final_response']);
    assert.deepEqual(events[1].content, [0, 1, 2]);
  });

  it('traces an async generator, and records an error thrown mid-stream', async () => {
    h.start();
    const boom = new Error('stream broke');
    const letters = trace(async function* letters() {
      yield 'a';
      await Promise.resolve();
      yield 'b';
      throw boom;
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const letter of letters()) seen.push(letter);
      })(),
      (e) => e === boom,
    );
    assert.deepEqual(seen, ['a', 'b']);
    await flush();
    const run = runNamed(h.server, 'letters');
    assert.equal(run.status, 'error');
    assert.deepEqual(run.error, { type: 'Error', message: 'stream broke' });
    // What arrived before the failure is still the recorded output.
    const output = only(eventsOf(h.server, run.id).filter((e) => e.type === 'final_response'));
    assert.deepEqual(output.content, ['a', 'b']);
  });

  it('ends the run when the consumer stops early', async () => {
    h.start();
    const endless = trace(function* endless() {
      let i = 0;
      for (;;) yield i++;
    });
    for (const i of endless()) if (i === 2) break;
    await flush();
    const run = runNamed(h.server, 'endless');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.stream_abandoned, true);
    assert.ok(run.ended_at);
  });

  it('traces a generator method observed as a span', async () => {
    h.start();
    const pages = observe(async function* pages() {
      yield 1;
      yield 2;
    }, { kind: 'tool' });
    await trace('reader', async () => {
      const got: number[] = [];
      for await (const page of pages()) got.push(page);
      assert.deepEqual(got, [1, 2]);
    });
    await flush();
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'reader');
    const spanRecord = spanNamed(h.server, 'pages');
    assert.equal(spanRecord.status, 'ok');
    assert.deepEqual(only(eventsOf(h.server, run.id, spanRecord.id).filter((e) => e.type === 'tool_result')).content, [1, 2]);
  });
});
