// trace() in its three forms, checked on what the protocol-enforcing server stored.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { currentSpanId, currentTraceId, flush, logEvent, logMetadata, logMetric, observe, span, trace } from '../../src/index.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spanNamed, spansOf } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

// Microseconds since issue 10 (strictly increasing, from the monotonic clock).
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('trace: the seed example', () => {
  it('stores a run with metadata and tags, a child span, an event and a metric, with types, order, parents and redaction', async () => {
    h.start({ project: 'support-bot', environment: 'test', redactKeys: ['ssn'] });
    const lookup = observe(async function lookup(query: string, apiKey: string) {
      logEvent('cache_miss', { key: query, token: 'tok-1' });
      return { docs: ['a', 'b'], secret: 's3' };
    }, { kind: 'tool' });
    const answer = trace(
      async function answer(question: string, user: { name: string; password: string; ssn: string }) {
        const found = await lookup(question, 'sk-live');
        logMetric('docs_found', found.docs.length);
        logMetadata({ plan: 'pro' });
        return `answer to ${question} for ${user.name}`;
      },
      { metadata: { team: 'core', authorization: 'Bearer x' }, tags: ['seed', 'demo'] },
    );

    const result = await answer('why?', { name: 'ada', password: 'hunter2', ssn: '123' });
    assert.equal(result, 'answer to why? for ada');
    assert.equal(await flush(), true);
    assertNoRejections(h.server);

    const run = runNamed(h.server, 'answer');
    assert.equal(run.status, 'ok');
    assert.match(run.started_at, ISO);
    assert.match(run.ended_at, ISO);
    assert.ok(run.ended_at >= run.started_at);
    assert.equal(run.session_id, only(h.server.sessions.keys(), 'session'));
    assert.equal(run.metadata.project, 'support-bot');
    assert.equal(run.metadata.environment, 'test');
    assert.equal(run.metadata.team, 'core');
    assert.equal(run.metadata.authorization, '[REDACTED]');
    assert.deepEqual(run.metadata.tags, ['seed', 'demo']);
    assert.equal(run.metadata.plan, 'pro');
    assert.equal(typeof run.metadata.latency_ms, 'number');
    assert.equal('error' in run, false);

    const tool = spanNamed(h.server, 'lookup');
    assert.equal(tool.run_id, run.id);
    assert.equal(tool.kind, 'tool');
    assert.equal(tool.status, 'ok');
    assert.equal('parent_span_id' in tool, false, 'a top-level span has no parent span');
    assert.equal(typeof tool.attributes.latency_ms, 'number');

    const runEvents = eventsOf(h.server, run.id, null);
    assert.deepEqual(
      runEvents.map((e) => e.type),
      ['user_input', 'custom', 'final_response'],
    );
    assert.deepEqual(runEvents[0].content, { question: 'why?', user: { name: 'ada', password: '[REDACTED]', ssn: '[REDACTED]' } });
    assert.deepEqual(runEvents[1].content, { name: 'docs_found', value: 2 });
    assert.deepEqual(runEvents[1].attributes, { northstar_type: 'metric' });
    assert.equal(runEvents[2].content, 'answer to why? for ada');

    const toolEvents = eventsOf(h.server, run.id, tool.id);
    assert.deepEqual(
      toolEvents.map((e) => e.type),
      ['tool_arguments', 'custom', 'tool_result'],
    );
    assert.deepEqual(toolEvents[0].content, { query: 'why?', apiKey: '[REDACTED]' });
    assert.deepEqual(toolEvents[1].content, { name: 'cache_miss', data: { key: 'why?', token: '[REDACTED]' } });
    assert.deepEqual(toolEvents[1].attributes, { northstar_type: 'event' });
    assert.deepEqual(toolEvents[2].content, { docs: ['a', 'b'], secret: '[REDACTED]' });

    // Events in stored order are in time order.
    const all = eventsOf(h.server, run.id);
    assert.deepEqual(all.map((e) => e.created_at), all.map((e) => e.created_at).sort());
  });
});

describe('trace: nesting and handles', () => {
  it('gives nested spans their parent span id, all in the same run', async () => {
    h.start();
    await trace('nested', undefined, async () => {
      await span('outer', { kind: 'agent' }, async () => {
        await span('middle', { kind: 'workflow' }, async () => {
          span('inner', { kind: 'tool', iteration: 3 }, () => 1);
        });
        span('sibling', () => 2);
      });
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'nested');
    const [outer, middle, inner, sibling] = ['outer', 'middle', 'inner', 'sibling'].map((n) => spanNamed(h.server, n));
    assert.equal(spansOf(h.server, run.id).length, 4);
    assert.equal('parent_span_id' in outer, false);
    assert.equal(middle.parent_span_id, outer.id);
    assert.equal(inner.parent_span_id, middle.id);
    assert.equal(sibling.parent_span_id, outer.id);
    assert.deepEqual([outer.kind, middle.kind, inner.kind, sibling.kind], ['agent', 'workflow', 'tool', 'custom']);
    assert.equal(inner.iteration, 3);
  });

  it('hands out an id equal to currentTraceId() inside, and undefined after', async () => {
    h.start();
    let handleId: string | undefined;
    let spanHandleId: string | undefined;
    await trace('ids', undefined, async (t) => {
      handleId = t.id;
      assert.equal(currentTraceId(), t.id);
      assert.equal(currentSpanId(), undefined);
      await Promise.resolve();
      assert.equal(currentTraceId(), t.id);
      span('child', (s) => {
        spanHandleId = s.id;
        assert.equal(currentSpanId(), s.id);
        assert.equal(s.traceId, t.id);
        assert.equal(currentTraceId(), t.id);
      });
      assert.equal(currentSpanId(), undefined);
    });
    assert.equal(currentTraceId(), undefined);
    assert.equal(currentSpanId(), undefined);
    assert.equal(await flush(), true);
    assert.ok(h.server.runs.has(handleId!));
    assert.equal(h.server.spans.get(spanHandleId!)?.run_id, handleId);
  });

  it('records the scoped handle output, events, metrics and metadata', async () => {
    h.start();
    const value = trace('scoped', { metadata: { a: 1 } }, (t) => {
      t.logEvent('step', { n: 1 });
      t.logMetric('score', 0.5);
      t.logMetadata({ b: 2 });
      t.setOutput({ final: true });
      return 'returned';
    });
    assert.equal(value, 'returned');
    assert.equal(await flush(), true);
    const run = runNamed(h.server, 'scoped');
    assert.equal(run.metadata.a, 1);
    assert.equal(run.metadata.b, 2);
    const events = eventsOf(h.server, run.id, null);
    assert.deepEqual(events.map((e) => e.type), ['custom', 'custom', 'final_response']);
    assert.deepEqual(events[2].content, { final: true }, 'setOutput wins over the returned value');
  });

  it('records what a scoped async callback resolves to as the final response', async () => {
    h.start();
    const value = await trace('scoped-async', async () => {
      await Promise.resolve();
      return { ok: 1 };
    });
    assert.deepEqual(value, { ok: 1 });
    await flush();
    const run = runNamed(h.server, 'scoped-async');
    const final = only(eventsOf(h.server, run.id, null).filter((e) => e.type === 'final_response'));
    assert.deepEqual(final.content, { ok: 1 });
  });

  it('names a run after the function, or the given name, or "trace"', async () => {
    h.start();
    trace(function namedFn() {})();
    trace((() => () => 1)())();
    trace('factory-name')(function ignored() {})();
    trace({ name: 'option-name' })(function ignored2() {})();
    trace(function overridden() {}, { name: 'explicit' })();
    await flush();
    const names = [...h.server.runs.values()].map((r) => r.name).sort();
    assert.deepEqual(names, ['explicit', 'factory-name', 'namedFn', 'option-name', 'trace']);
  });
});

describe('trace: inputs', () => {
  it('records an explicit input: null or input: undefined as content null', async () => {
    h.start();
    trace(function withNull(_a: number) {}, { input: null })(1);
    trace(function withUndefined(_a: number) {}, { input: undefined })(1);
    trace('scoped-null', { input: null }, () => {});
    trace(function withValue(_a: number) {}, { input: { q: 'given' } })(1);
    await flush();
    assertNoRejections(h.server);
    for (const name of ['withNull', 'withUndefined', 'scoped-null']) {
      const run = runNamed(h.server, name);
      const input = only(eventsOf(h.server, run.id).filter((e) => e.type === 'user_input'), `${name} input`);
      assert.equal('content' in input, true);
      assert.equal(input.content, null, name);
    }
    const given = only(eventsOf(h.server, runNamed(h.server, 'withValue').id).filter((e) => e.type === 'user_input'));
    assert.deepEqual(given.content, { q: 'given' }, 'explicit input wins over the arguments');
  });

  it('records no input event for a scoped trace without an input option', async () => {
    h.start();
    trace('no-input', () => 1);
    await flush();
    const run = runNamed(h.server, 'no-input');
    assert.deepEqual(eventsOf(h.server, run.id).map((e) => e.type), ['final_response']);
  });
});

describe('trace: capture flags', () => {
  it('honours global captureInputs/captureOutputs: false, in runs and their spans', async () => {
    h.start({ captureInputs: false, captureOutputs: false });
    const tool = observe(function tool(x: number) {
      return x * 2;
    });
    trace(function quiet(x: number) {
      return tool(x);
    })(2);
    await flush();
    const run = runNamed(h.server, 'quiet');
    assert.deepEqual(eventsOf(h.server, run.id), []);
    assert.equal(spanNamed(h.server, 'tool').status, 'ok');
  });

  it('lets per-trace flags override the global ones, and children inherit them', async () => {
    h.start({ captureInputs: false, captureOutputs: true });
    const tool = observe(function tool(x: number) {
      return x + 1;
    });
    const pinned = observe(function pinned(x: number) {
      return x + 2;
    }, { captureInput: false, captureOutput: true });
    trace(function flipped(x: number) {
      return tool(x) + pinned(x);
    }, { captureInput: true, captureOutput: false })(1);
    await flush();
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'flipped');
    assert.deepEqual(eventsOf(h.server, run.id, null).map((e) => e.type), ['user_input']);
    const toolSpan = spanNamed(h.server, 'tool');
    assert.deepEqual(eventsOf(h.server, run.id, toolSpan.id).map((e) => e.type), ['tool_arguments'], 'inherits the trace flags');
    const pinnedSpan = spanNamed(h.server, 'pinned');
    assert.deepEqual(eventsOf(h.server, run.id, pinnedSpan.id).map((e) => e.type), ['tool_result'], 'its own flags win');
  });

  it('lets a scoped span inherit the trace flags', async () => {
    h.start();
    trace('scoped-flags', { captureOutput: false }, () => {
      span('child', () => 'hidden too');
      return 'hidden';
    });
    await flush();
    const run = runNamed(h.server, 'scoped-flags');
    assert.deepEqual(eventsOf(h.server, run.id).map((e) => e.type), []);
  });
});

describe('trace: errors', () => {
  it('records a sync throw as status error with {type, message} and rethrows the same object', async () => {
    h.start();
    const boom = new TypeError('bad input');
    const failing = trace(function failing() {
      throw boom;
    });
    assert.throws(() => failing(), (e) => e === boom);
    await flush();
    const run = runNamed(h.server, 'failing');
    assert.equal(run.status, 'error');
    assert.deepEqual(run.error, { type: 'TypeError', message: 'bad input' });
    assert.match(run.ended_at, ISO);
  });

  it('records a rejection and hands the caller the same promise, rejecting with the same object', async () => {
    h.start();
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const boom = new QuotaError('over quota');
    const failing = trace(async function failingAsync() {
      await Promise.resolve();
      throw boom;
    });
    await assert.rejects(failing(), (e) => e === boom);
    await flush();
    const run = runNamed(h.server, 'failingAsync');
    assert.equal(run.status, 'error');
    assert.deepEqual(run.error, { type: 'QuotaError', message: 'over quota' });
  });

  it('records errors of scoped traces and spans, the span as error and the run as error', async () => {
    h.start();
    const boom = new RangeError('deep');
    await assert.rejects(
      trace('scoped-fail', async () => {
        await span('step', async () => {
          throw boom;
        });
      }),
      (e) => e === boom,
    );
    await flush();
    assertNoRejections(h.server);
    assert.equal(runNamed(h.server, 'scoped-fail').status, 'error');
    const step = spanNamed(h.server, 'step');
    assert.equal(step.status, 'error');
    assert.deepEqual(step.error, { type: 'RangeError', message: 'deep' });
  });

  it('records a thrown non-Error value and rethrows it unchanged', async () => {
    h.start();
    const thrown = trace(function throwsString() {
      throw 'plain string';
    });
    assert.throws(() => thrown(), (e) => e === 'plain string');
    await flush();
    const run = runNamed(h.server, 'throwsString');
    assert.equal(run.status, 'error');
    assert.equal(run.error.message, 'plain string');
    assert.equal(typeof run.error.type, 'string');
  });
});
