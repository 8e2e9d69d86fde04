// The one constructor path (src/tracing/open.ts) and the one handle family
// (src/tracing/handle-classes.ts), through the internal entry module the integrations use.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { currentModelSpan } from '../../decorators/index.js';
import { flush, ManualModelSpan, ManualRun, ManualSpan, modelCall, span, trace } from '../../src/index.js';
import { activeCore, contextObservation, currentObservation, openRun, openSpan, runInside, setContextResolver } from '../../src/internal.js';
import { assertNoRejections, suiteHarness, eventsOf, runNamed, spanNamed } from './ingest-harness.js';

const h = suiteHarness();

describe('openRun / openSpan / runInside', () => {
  it('open a run and its spans with inherited capture flags, and run a callback inside one', async () => {
    h.start({ captureInputs: false });
    const core = activeCore();
    assert.ok(core, 'an enabled client has a core');
    const run = openRun(core, 'opened-run', { tags: ['internal'] });
    assert.ok(run);
    assert.equal(run.captureInput, false, 'a run inherits the client setting');
    assert.equal(run.captureOutput, true);
    const child = openSpan(run, 'opened-span', { kind: 'tool', captureOutput: false });
    assert.ok(child);
    assert.equal(child.captureInput, false, 'a span inherits its parent');
    assert.equal(child.captureOutput, false, 'unless the spec overrides it');
    const model = openSpan(child, 'opened-model', { kind: 'model', model: 'gpt-4o-mini' });
    assert.ok(model);
    const seen = runInside(model, (a: number, b: number) => {
      assert.equal(currentObservation(), model);
      return a + b;
    }, 2, 3);
    assert.equal(seen, 5);
    assert.equal(currentObservation(), undefined, 'outside again afterwards');
    model.end();
    child.end();
    run.end();
    await flush();
    assertNoRejections(h.server);
    const stored = runNamed(h.server, 'opened-run');
    assert.deepEqual(stored.metadata.tags, ['internal']);
    assert.equal(spanNamed(h.server, 'opened-span').kind, 'tool');
    const modelSpan = spanNamed(h.server, 'opened-model');
    assert.equal(modelSpan.kind, 'model');
    assert.equal(modelSpan.parent_span_id, spanNamed(h.server, 'opened-span').id);
    assert.equal(modelSpan.attributes.model, 'gpt-4o-mini');
  });

  it('asks an integration\'s context resolver for the current observation, while one is set', async () => {
    h.start();
    const core = activeCore()!;
    const run = openRun(core, 'resolved-run', {})!;
    const other = openSpan(run, 'resolved-elsewhere', { kind: 'tool' })!;
    const asked: unknown[] = [];
    setContextResolver('spec', (store) => {
      asked.push(store);
      return other;
    });
    try {
      runInside(run, () => {
        assert.equal(currentObservation(), other, 'the resolver answers');
        assert.equal(contextObservation(), run, 'NorthStar\'s own context is still there');
        span('nested-by-resolver', () => undefined);
      });
      assert.deepEqual(asked.slice(0, 1), [run], 'the resolver gets NorthStar\'s own observation');
    } finally {
      setContextResolver('spec', undefined);
    }
    runInside(run, () => assert.equal(currentObservation(), run, 'without a resolver, the async context alone'));
    other.end();
    run.end();
    await flush();
    assertNoRejections(h.server);
    assert.equal(spanNamed(h.server, 'nested-by-resolver').parent_span_id, spanNamed(h.server, 'resolved-elsewhere').id);
  });

  it('links a run opened inside another by metadata.parent_trace_id', async () => {
    h.start();
    const core = activeCore()!;
    const outer = openRun(core, 'outer', {})!;
    const inner = openRun(core, 'inner', {}, outer)!;
    inner.end();
    outer.end();
    await flush();
    assert.equal(runNamed(h.server, 'inner').metadata.parent_trace_id, outer.id);
    assert.equal(runNamed(h.server, 'outer').metadata.parent_trace_id, undefined);
  });
});

describe('one handle family', () => {
  it('hands ManualRun, ManualSpan and ManualModelSpan to every scoped callback, never an observation', async () => {
    h.start();
    await trace('family', async (t) => {
      assert.ok(t instanceof ManualRun);
      span('step', (s) => {
        assert.ok(s instanceof ManualSpan);
        assert.equal(s.traceId, t.id);
        s.setAttributes({ step: 1 });
      });
      await modelCall('llm', { model: 'gpt-4o-mini' }, async (m) => {
        assert.ok(m instanceof ManualModelSpan);
        const current = currentModelSpan();
        assert.ok(current instanceof ManualModelSpan);
        assert.equal(current.id, m.id);
        m.recordUsage({ inputTokens: 3, outputTokens: 4 });
      });
      t.span('via-handle', undefined, (s) => assert.ok(s instanceof ManualSpan));
      // span() with kind 'model' stays a plain span (its result is a tool_result), as it always was.
      span('plain-model', { kind: 'model' }, () => 'plain result');
    });
    await flush();
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'family');
    assert.equal(spanNamed(h.server, 'step').attributes.step, 1);
    assert.equal(spanNamed(h.server, 'llm').attributes.input_tokens, 3);
    assert.equal(spanNamed(h.server, 'via-handle').run_id, run.id);
    const plainModel = spanNamed(h.server, 'plain-model');
    assert.equal(plainModel.kind, 'model');
    assert.equal(plainModel.attributes.pricing_source, undefined);
    assert.deepEqual(eventsOf(h.server, run.id, plainModel.id).map((e) => [e.type, e.content]), [['tool_result', 'plain result']]);
  });

  it('hands the shared no-op handles outside a trace', () => {
    h.start();
    span('outside', (s) => {
      assert.ok(s instanceof ManualSpan);
      assert.equal(s.id, '00000000-0000-0000-0000-000000000000');
      assert.throws(() => s.logMetric('m', Number.NaN), TypeError);
    });
  });
});
