// replay(): the steps of a run this process recorded (keepRuns) or of a run export,
// tool calls re-run against a registry of tool functions, and the diff with the recording.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';

import { currentTraceId, flush, getClient, getRecordedRun, instrumentOpenAI, modelCall, observe, replay, trace, type RunExport } from '../../src/index.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { assertNoRejections, createHarness, type Harness } from '../tracing/ingest-harness.js';

let h: Harness;
let llm: LlmServer;

before(async () => {
  h = await createHarness();
  llm = await startLlmServer();
});
afterEach(() => h.stop());
after(async () => {
  await h.close();
  await llm.close();
});

const lookupOrder = observe(
  async function lookup_order(orderId: string) {
    return { orderId, status: 'shipped', items: [{ sku: 'A1', qty: 2 }] };
  },
  { kind: 'tool' },
);
const refund = observe(
  function refund_order(orderId: string) {
    if (orderId === 'bad') throw new Error('no such order');
    return { refunded: true };
  },
  { kind: 'tool' },
);

/** The trace id of the last agent run. */
let lastTraceId = '';

/** A small agent: a planning model call asking for a tool, two tool spans, an answering model call. */
const agent = trace(async function support_agent(question: string) {
  lastTraceId = currentTraceId()!;
  const history: any[] = [
    { role: 'system', content: 'You help with orders.' },
    { role: 'user', content: question },
  ];
  const call = { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"orderId":"42"}' } };
  await modelCall('plan', { model: 'gpt-4o-mini' }, (m) => {
    m.recordInputMessages(history);
    m.recordOutputMessage({ role: 'assistant', content: null, tool_calls: [call] });
  });
  const order = await lookupOrder('42');
  try {
    refund('bad');
  } catch {
    // The agent carries on.
  }
  history.push({ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: JSON.stringify(order) });
  await modelCall('answer', { model: 'gpt-4o-mini' }, (m) => {
    m.recordInputMessages(history);
    m.recordOutputMessage({ role: 'assistant', content: 'Your order 42 has shipped.' });
  });
  return 'Your order 42 has shipped.';
});

describe('replay', () => {
  it('gives the ordered steps of a recorded run: input, model messages once each, tool calls with results, final response', async () => {
    h.start({ keepRuns: 5 });
    await agent('Where is order 42?');
    await flush();
    assertNoRejections(h.server);
    const traceId = lastTraceId;
    assert.ok(h.server.runs.has(traceId));
    const r = replay(getRecordedRun(traceId)!);
    assert.equal(r.traceId, traceId);
    assert.equal(r.name, 'support_agent');
    const summary = r.steps.map((s) => (s.kind === 'tool_call' ? `tool_call ${s.name}` : `${s.kind}${s.spanId ? ' (model)' : ''}`));
    assert.deepEqual(summary, [
      'user_input',
      'system_message (model)',
      'user_input (model)',
      'tool_call lookup_order',
      'tool_call refund_order',
      'assistant_message (model)',
      'final_response',
    ]);
    assert.deepEqual(r.input, { question: 'Where is order 42?' });
    assert.equal(r.output, 'Your order 42 has shipped.');
    const [lookup, failed] = r.toolCalls;
    assert.deepEqual(lookup!.arguments, { orderId: '42' });
    assert.deepEqual(lookup!.result, { orderId: '42', status: 'shipped', items: [{ sku: 'A1', qty: 2 }] });
    assert.equal(failed!.error?.message, 'no such order');
    assert.deepEqual(r.steps.map((s) => s.index), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('invokes tool calls against a registry and diffs the results with the recording, step by step', async () => {
    h.start({ keepRuns: 1 });
    await agent('Where is order 42?');
    const r = replay(lastTraceId);
    const same = await r.invokeAll({
      lookup_order: ({ orderId }: { orderId: string }) => ({ orderId, status: 'shipped', items: [{ sku: 'A1', qty: 2 }] }),
      refund_order: () => {
        throw new Error('no such order');
      },
    });
    assert.equal(same.length, 2);
    assert.equal(r.diff().equal, true, r.diff().toString());

    const changed = await r.invoke(r.toolCalls[0]!, { lookup_order: async ({ orderId }: { orderId: string }) => ({ orderId, status: 'delayed', items: [{ sku: 'A1', qty: 3 }], eta: new Date(0) }) });
    assert.equal((changed.output as { status: string }).status, 'delayed');
    const diff = r.diff();
    assert.equal(diff.equal, false);
    assert.deepEqual(diff.steps[0]!.differences, [
      '$.status: recorded "shipped", replayed "delayed"',
      '$.items[0].qty: recorded 2, replayed 3',
      '$.eta: not recorded, replayed "1970-01-01T00:00:00.000Z"',
    ]);
    assert.match(diff.toString(), /step \d lookup_order: differs\n {2}\$\.status/);
    await assert.rejects(r.invoke(0, {}), /not a tool call/);
    await assert.rejects(r.invoke(r.toolCalls[0]!, {}), /no tool named "lookup_order"/);
  });

  it('keeps nothing without keepRuns, and only the last N finished runs with it', async () => {
    h.start();
    await agent('q');
    assert.equal(getRecordedRun(lastTraceId), undefined);
    h.start({ keepRuns: 1 });
    await agent('first');
    const first = lastTraceId;
    await agent('second');
    assert.equal(getRecordedRun(first), undefined, 'the oldest run was evicted');
    assert.deepEqual(replay(lastTraceId).input, { question: 'second' });
    assert.throws(() => replay('00000000-0000-0000-0000-000000000000'), /no recorded run/);
    const manual = getClient()!.startRun('manual', { input: 'by hand' });
    manual.end({ output: 'done' });
    assert.deepEqual([replay(manual).input, replay(manual).output], ['by hand', 'done'], 'a run handle replays its recording');
    assert.equal(replay({ runs: [getRecordedRun(manual.id)!.run], spans: [], events: [] } as unknown as RunExport).traceId, manual.id);
  });

  it('replays a run export loaded from JSON (the local viewer shape), model tool calls included', async () => {
    h.start({ keepRuns: 1 });
    const openai = instrumentOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0 }));
    let traceId = '';
    await trace('weather', async () => {
      traceId = currentTraceId()!;
      const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }] }, { headers: { 'x-scenario': 'tools' } });
      const calls = first.choices[0]!.message.tool_calls!;
      await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          first.choices[0]!.message,
          ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: c.type === 'function' && c.function.name === 'get_weather' ? '18C' : '14:00' })),
        ],
      });
    });
    const exported = JSON.stringify(getRecordedRun(traceId));
    const parsed = JSON.parse(exported) as RunExport;
    assert.ok(parsed.run && Array.isArray(parsed.spans) && Array.isArray(parsed.events) && Array.isArray(parsed.prompt_links) && parsed.session);
    const r = replay(exported);
    assert.deepEqual(
      r.toolCalls.map((s) => [s.name, s.arguments, s.result, s.toolCallId]),
      [
        ['get_weather', { city: 'Paris', unit: 'celsius' }, '18C', 'call_weather_1'],
        ['get_time', { tz: 'Europe/Paris' }, '14:00', 'call_time_2'],
      ],
    );
    assert.equal(r.steps.filter((s) => s.kind === 'user_input').length, 1, 'the repeated history is listed once');
    await r.invokeAll({ get_weather: ({ city }: { city: string }) => (city === 'Paris' ? '18C' : '?'), get_time: () => '15:00' });
    assert.deepEqual(
      r.diff().steps.map((s) => [s.name, s.equal]),
      [
        ['get_weather', true],
        ['get_time', false],
      ],
    );
    assert.throws(() => replay({ spans: [] } as unknown as RunExport), /no run/);
  });
});
