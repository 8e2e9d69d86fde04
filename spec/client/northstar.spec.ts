// The low-level client: runs and spans managed by hand, with its own flush and shutdown.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Northstar, currentTraceId } from '../../src/index.js';
import { assertNoRejections, suiteHarness, eventsOf, runNamed, spanNamed } from '../tracing/ingest-harness.js';

const h = suiteHarness();

describe('new Northstar()', () => {
  it('records runs and nested spans managed by hand, and sends them on its own flush', async () => {
    const ns = new Northstar({ apiKey: h.server.apiKey, endpoint: h.server.url, flushIntervalMs: 60_000, project: 'manual' });
    const run = ns.startRun('nightly', { tags: ['batch'], input: { day: 'mon' }, metadata: { owner: 'ops' } });
    assert.equal(currentTraceId(), undefined, 'a manual run is not bound to the async context');
    const load = run.startSpan('load', { kind: 'tool', attributes: { source: 's3' } });
    const parse = load.startSpan('parse');
    parse.logEvent('rows', { count: 3 });
    parse.end({ output: 3 });
    load.end({ error: new SyntaxError('bad row') });
    const model = run.startModelSpan('summarise', { model: 'gpt-4o-mini' });
    model.recordInputMessages([{ role: 'user', content: 'sum up' }]);
    model.recordOutputMessage({ role: 'assistant', content: 'done' });
    model.recordUsage({ promptTokens: 10, completionTokens: 5, costUsd: 0.001 });
    model.end();
    run.logMetric('rows', 3);
    run.end({ output: 'ok' });
    assert.equal(await ns.flush(), true);
    assertNoRejections(h.server);

    const stored = runNamed(h.server, 'nightly');
    assert.equal(stored.id, run.id);
    assert.equal(stored.session_id, ns.sessionId);
    assert.equal(stored.status, 'ok');
    assert.deepEqual(stored.metadata.tags, ['batch']);
    assert.equal(stored.metadata.owner, 'ops');
    assert.equal(stored.metadata.project, 'manual');
    assert.equal(stored.metadata.total_input_tokens, 10);
    assert.equal(stored.metadata.total_output_tokens, 5);
    assert.equal(stored.metadata.cost_usd, 0.001);
    const loadSpan = spanNamed(h.server, 'load');
    assert.equal(loadSpan.status, 'error');
    assert.deepEqual(loadSpan.error, { type: 'SyntaxError', message: 'bad row' });
    assert.equal(loadSpan.attributes.source, 's3');
    assert.equal(spanNamed(h.server, 'parse').parent_span_id, load.id);
    const summarise = spanNamed(h.server, 'summarise');
    assert.equal(summarise.kind, 'model');
    assert.equal(summarise.attributes.input_tokens, 10);
    assert.deepEqual(eventsOf(h.server, run.id, summarise.id).map((e) => e.type), ['user_input', 'assistant_message']);
    assert.deepEqual(eventsOf(h.server, run.id, null).map((e) => e.type), ['user_input', 'custom', 'final_response']);

    assert.equal(await ns.shutdown(), true);
    assert.ok(h.server.sessions.get(ns.sessionId!).ended_at);
  });

  it('sets session metadata before and after the session reached the server', async () => {
    const ns = new Northstar({ apiKey: h.server.apiKey, endpoint: h.server.url, flushIntervalMs: 60_000 });
    ns.setSessionMetadata({ user: 'u_1' });
    ns.startRun('first').end();
    assert.equal(await ns.flush(), true);
    assert.deepEqual(h.server.sessions.get(ns.sessionId!).metadata, { user: 'u_1' });
    ns.setSessionMetadata({ plan: 'pro', token: 'never sent' });
    assert.equal(await ns.flush(), true);
    assertNoRejections(h.server);
    assert.deepEqual(h.server.sessions.get(ns.sessionId!).metadata, { user: 'u_1', plan: 'pro', token: '[REDACTED]' });
    await ns.shutdown();
  });

  it('hands out no-op runs when disabled', async () => {
    const ns = new Northstar({ enabled: false });
    assert.equal(ns.enabled, false);
    assert.equal(ns.sessionId, undefined);
    const run = ns.startRun('nothing');
    run.startSpan('x').end();
    assert.throws(() => run.logMetric('m', Number.NaN), TypeError);
    run.end();
    assert.equal(await ns.flush(), true);
    assert.equal(ns.stats().enabled, false);
    assert.equal(h.server.requests.length, 0);
  });
});
