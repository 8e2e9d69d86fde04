// score(): numeric, boolean and categorical rules of docs/protocol.md; invalid scores are reported and dropped, never thrown.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, init, score, shutdown, trace } from '../../src/index.js';
import { assertNoRejections, createHarness, type Harness, only } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

const scoresNamed = (name: string) => [...h.server.scores.values()].filter((s) => s.name === name);

describe('score', () => {
  it('stores numeric, boolean (1/0) and categorical (value 0 + string_value) scores', async () => {
    h.start();
    let traceId = '';
    let spanId = '';
    trace('scored', (t) => {
      traceId = t.id;
      t.span('step', undefined, (s) => {
        spanId = s.id;
      });
    });
    score(traceId, 'accuracy', 0.75, { comment: 'good' });
    score(traceId, 'resolved', true);
    score(traceId, 'hallucinated', false, { spanId });
    score(traceId, 'tone', 'friendly');
    score(traceId, 'explicit', 2, { dataType: 'numeric' });
    assert.equal(await flush(), true);
    assertNoRejections(h.server);

    const accuracy = only(scoresNamed('accuracy'));
    assert.deepEqual(
      { trace_id: accuracy.trace_id, value: accuracy.value, data_type: accuracy.data_type, source: accuracy.source, comment: accuracy.comment },
      { trace_id: traceId, value: 0.75, data_type: 'numeric', source: 'api', comment: 'good' },
    );
    assert.equal('string_value' in accuracy, false);
    assert.equal(only(scoresNamed('resolved')).value, 1);
    assert.equal(only(scoresNamed('resolved')).data_type, 'boolean');
    const hallucinated = only(scoresNamed('hallucinated'));
    assert.equal(hallucinated.value, 0);
    assert.equal(hallucinated.span_id, spanId);
    const tone = only(scoresNamed('tone'));
    assert.deepEqual([tone.value, tone.data_type, tone.string_value], [0, 'categorical', 'friendly']);
    assert.equal(only(scoresNamed('explicit')).value, 2);
  });

  it('keeps credentials, masked values, U+0000 and lone surrogates out of names, labels and comments', async () => {
    h.start({ mask: (text) => text.replace(/[\w.]+@[\w.]+/g, '<email>') });
    const id = trace('judged', (t) => t.id);
    const key = 'sk-proj-abcdefghijklmnop0123456789';
    score(id, 'judge\u0000', 0.5, { comment: `quoted ${key} from ada@example.com \ud800` });
    score(id, 'label', `tone ${key}`);
    score(id, 'masked-away', 'ada@example.com');
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const judged = only(scoresNamed('judge'));
    assert.equal(judged.comment, 'quoted [REDACTED] from <email> \ufffd');
    assert.equal(only(scoresNamed('label')).string_value, 'tone [REDACTED]');
    assert.equal(only(scoresNamed('masked-away')).string_value, '<email>');
  });

  it('scores a trace whose run has not been sent yet (the run comes along)', async () => {
    h.start();
    const id = trace('fresh', (t) => t.id);
    score(id, 'q', 1);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(only(h.server.scores.values()).trace_id, id);
  });

  it('scores a trace after it was delivered', async () => {
    h.start();
    const id = trace('delivered', (t) => t.id);
    assert.equal(await flush(), true);
    score(id, 'late', 0.5);
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(only(h.server.scores.values()).trace_id, id);
  });

  it('never throws: an invalid score is reported (onError kind invalid) and dropped, enabled or not', async () => {
    const id = '6f1c2a4e-8b1d-4c55-9a7e-2f0d3c4b5a69';
    const misuse: Array<[string | undefined, string, unknown, object, RegExp]> = [
      [id, 'n', true, { dataType: 'numeric' }, /dataType .* conflicts/],
      [id, 'n', 1, { dataType: 'boolean' }, /dataType .* conflicts/],
      [id, 'n', 'x', { dataType: 'numeric' }, /dataType .* conflicts/],
      [id, 'n', 1, { dataType: 'categorical' }, /dataType .* conflicts/],
      [id, 'n', Number.NaN, {}, /finite number/],
      [id, 'n', Number.POSITIVE_INFINITY, {}, /finite number/],
      [id, '  ', 1, {}, /name must be a non-blank string/],
      [id, 'n', '  ', {}, /categorical value must be a non-blank string/],
      ['not-a-uuid', 'n', 1, {}, /traceId must be a trace id/],
      [undefined, 'n', 1, {}, /traceId must be a trace id.*outside a trace/],
      [id, 'n', 1, { spanId: 'nope' }, /spanId must be a span id/],
      [id, 'n', {}, {}, /finite number, a boolean or a string/],
    ];
    for (const setup of [() => shutdown(), () => init({ enabled: false })]) {
      await setup();
      for (const [traceId, name, value, options] of misuse) {
        assert.doesNotThrow(() => score(traceId, name, value as number, options));
      }
    }
    const diagnostics: Array<{ kind: string; message: string }> = [];
    init({ apiKey: h.server.apiKey, endpoint: h.server.url, onError: (d) => diagnostics.push(d) });
    for (const [traceId, name, value, options, why] of misuse) {
      assert.doesNotThrow(() => score(traceId, name, value as number, options));
      const last = diagnostics.pop();
      assert.equal(last?.kind, 'invalid');
      assert.match(last?.message ?? '', why);
      assert.match(last?.message ?? '', /the score is dropped/);
    }
    await flush();
    assert.equal(h.server.scores.size, 0);
  });
});
