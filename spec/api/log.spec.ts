// logEvent / logMetric / logMetadata: where they land, and logMetric's validation.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, init, logEvent, logMetadata, logMetric, modelCall, shutdown, span, trace } from '../../src/index.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spanNamed } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

const BAD_METRICS: unknown[] = [true, false, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '3', null, undefined, 3n, {}];

describe('logMetric validation', () => {
  it('throws TypeError for booleans, NaN, Infinity and non-numbers with no client at all', async () => {
    await shutdown();
    for (const value of BAD_METRICS) assert.throws(() => logMetric('m', value as number), TypeError, String(value));
  });

  it('throws TypeError when the SDK is disabled, also on the no-op handles', () => {
    init({ enabled: false });
    for (const value of BAD_METRICS) {
      assert.throws(() => logMetric('m', value as number), TypeError);
      assert.throws(() => trace('t', (t) => t.logMetric('m', value as number)), TypeError);
      assert.throws(() => span('s', (s) => s.logMetric('m', value as number)), TypeError);
      assert.throws(() => modelCall('llm', (m) => m.logMetric('m', value as number)), TypeError);
    }
    logMetric('ok', 1);
  });

  it('throws TypeError inside a trace and records nothing for the bad value', async () => {
    h.start();
    trace('metrics', (t) => {
      for (const value of BAD_METRICS) {
        assert.throws(() => logMetric('m', value as number), TypeError);
        assert.throws(() => t.logMetric('m', value as number), TypeError);
      }
      logMetric('good', -1.5);
      t.logMetric('zero', 0);
    });
    assert.equal(await flush(), true);
    const run = runNamed(h.server, 'metrics');
    const metrics = eventsOf(h.server, run.id).filter((e) => e.attributes?.northstar_type === 'metric');
    assert.deepEqual(metrics.map((e) => e.content), [{ name: 'good', value: -1.5 }, { name: 'zero', value: 0 }]);
    assert.equal(run.status, 'ok', 'a TypeError caught by the caller does not fail the run');
  });

  it('names the problem in the message', () => {
    assert.throws(() => logMetric('m', true as unknown as number), /logMetric: value must be a finite number, got boolean/);
    assert.throws(() => logMetric('m', Number.NaN), /got NaN/);
  });
});

describe('logEvent / logMetric / logMetadata: targets', () => {
  it('act on the current span if any, else the current trace', async () => {
    h.start();
    trace('targets', () => {
      logEvent('on-run', { a: 1 });
      logMetric('run-metric', 1);
      logMetadata({ run_meta: 'yes' });
      span('step', { kind: 'tool' }, () => {
        logEvent('on-span', [1, 2]);
        logMetric('span-metric', 2);
        logMetadata({ span_attr: 'yes' });
      });
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, 'targets');
    const step = spanNamed(h.server, 'step');
    assert.equal(run.metadata.run_meta, 'yes');
    assert.equal(run.metadata.span_attr, undefined);
    assert.equal(step.attributes.span_attr, 'yes');
    const onRun = eventsOf(h.server, run.id, null).filter((e) => e.type === 'custom');
    const onSpan = eventsOf(h.server, run.id, step.id).filter((e) => e.type === 'custom');
    assert.deepEqual(onRun.map((e) => e.content), [{ name: 'on-run', data: { a: 1 } }, { name: 'run-metric', value: 1 }]);
    assert.deepEqual(onSpan.map((e) => e.content), [{ name: 'on-span', data: [1, 2] }, { name: 'span-metric', value: 2 }]);
    assert.deepEqual(onSpan.map((e) => e.attributes.northstar_type), ['event', 'metric']);
  });

  it('are no-ops outside a trace', async () => {
    h.start();
    logEvent('nowhere', { x: 1 });
    logMetric('nowhere', 1);
    logMetadata({ x: 1 });
    assert.equal(await flush(), true);
    assert.equal(h.server.requests.length, 0);
  });

  it('records an event without data as data null, and redacts secrets in event data', async () => {
    h.start();
    trace('event-data', () => {
      logEvent('bare');
      logEvent('secretive', { nested: { password: 'p', list: [{ token: 't' }] } });
    });
    await flush();
    const run = runNamed(h.server, 'event-data');
    const [bare, secretive] = eventsOf(h.server, run.id).filter((e) => e.type === 'custom');
    assert.deepEqual(bare.content, { name: 'bare', data: null });
    assert.deepEqual(secretive.content.data, { nested: { password: '[REDACTED]', list: [{ token: '[REDACTED]' }] } });
  });

  it('never throws from logEvent or logMetadata, whatever the data', async () => {
    h.start();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    trace('hostile', () => {
      logEvent('circular', circular);
      logEvent('hostile', hostile);
      logMetadata(hostile as Record<string, unknown>);
      logMetadata(null as unknown as Record<string, unknown>);
    });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    only([...h.server.runs.values()]);
  });
});
