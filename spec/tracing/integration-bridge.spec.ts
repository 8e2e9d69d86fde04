// The engine bridge of the framework integrations (src/tracing/integration-bridge.ts, on
// top of openRun/openSpan/runInside): a framework's root step is a run, or a child span
// inside a NorthStar trace; spans open under a given parent or the current observation;
// code run inside a framework span nests under it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { flush, span, trace } from '../../src/index.js';
import { coreOf, currentObservation, endObservation, openRoot, openSpan, runInside } from '../../src/internal.js';
import { asModelObservation } from '../../src/tracing/model-observation.js';
import { assertNoRejections, suiteHarness, eventsOf, only, runNamed, spansOf } from './ingest-harness.js';

const h = suiteHarness();

describe('integration bridge', () => {
  it('records nothing without a client, and never throws', () => {
    assert.equal(coreOf(undefined), undefined);
    assert.equal(openRoot(coreOf(undefined), 'no-client', {}), undefined);
    assert.equal(currentObservation(), undefined);
    endObservation(undefined, { error: new Error('ignored') });
  });

  it('opens a run at the root, child and model spans under it, and nests code run within a span', async () => {
    h.start();
    const root = openRoot(coreOf(undefined), 'framework-run', { metadata: { framework: 'spec' } });
    assert.ok(root);
    root.recordInput({ question: 'q' });
    const step = openSpan(root, 'step', { kind: 'agent', attributes: { n: 1 }, iteration: 2 });
    assert.ok(step);
    step.recordInput({ a: 1 });
    const model = asModelObservation(openSpan(step, 'llm', { kind: 'model', model: 'gpt-4o-mini', provider: 'openai' }));
    assert.ok(model);
    model?.recordInputMessages([{ role: 'user', content: 'hi' }]);
    model?.recordUsage({ inputTokens: 10, outputTokens: 5 });
    endObservation(model);
    // `span()` inside runInside nests under the framework's span (what @Span/@Tool code does).
    const inner = runInside(step, () => span('inner', () => 'x'));
    assert.equal(inner, 'x');
    endObservation(step, { error: new TypeError('step failed') });
    endObservation(root, { output: 'done' });

    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'framework-run');
    assert.equal(run.metadata.framework, 'spec');
    assert.equal(run.metadata.total_input_tokens, 10);
    assert.deepEqual(eventsOf(h.server, run.id, null).map((e) => [e.type, e.content]), [
      ['user_input', { question: 'q' }],
      ['final_response', 'done'],
    ]);
    const spans = spansOf(h.server, run.id);
    const stepSpan = only(spans.filter((s) => s.name === 'step'));
    assert.deepEqual([stepSpan.kind, stepSpan.iteration, stepSpan.status, stepSpan.error], ['agent', 2, 'error', { type: 'TypeError', message: 'step failed' }]);
    assert.equal(only(spans.filter((s) => s.name === 'llm')).parent_span_id, stepSpan.id);
    assert.equal(only(spans.filter((s) => s.name === 'inner')).parent_span_id, stepSpan.id);
  });

  it('opens a child span of the current trace instead of a run when a NorthStar trace is active', async () => {
    h.start();
    await trace('outer', async () => {
      const root = openRoot(coreOf(undefined), 'framework-run', { kind: 'workflow' });
      const parent = currentObservation();
      assert.ok(parent);
      const leaf = openSpan(parent, 'current-parent', { kind: 'tool' });
      endObservation(leaf);
      endObservation(root);
    });
    assert.equal(await flush(), true);
    assert.equal(h.server.runs.size, 1);
    const run = runNamed(h.server, 'outer');
    const spans = spansOf(h.server, run.id);
    assert.equal(only(spans.filter((s) => s.name === 'framework-run')).kind, 'workflow');
    assert.equal(only(spans.filter((s) => s.name === 'current-parent')).parent_span_id, undefined);
  });
});
