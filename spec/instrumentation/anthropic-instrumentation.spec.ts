// instrumentAnthropic with the real `@anthropic-ai/sdk` client against the loopback LLM
// server: messages with tool_use and thinking, cache-token pricing, streams (raw and the
// MessageStream helper), errors, and results identical to an uninstrumented client's.

import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, instrumentAnthropic, modelCall, trace } from '../../src/index.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spansOf } from '../tracing/ingest-harness.js';

let h: Harness;
let llm: LlmServer;
let plain: Anthropic;
let traced: Anthropic;

before(async () => {
  h = await createHarness();
  llm = await startLlmServer();
  const options = { apiKey: 'sk-ant-test', baseURL: llm.anthropicBaseURL, maxRetries: 0 };
  plain = new Anthropic(options);
  traced = instrumentAnthropic(new Anthropic(options));
});
afterEach(() => h.stop());
after(async () => {
  await h.close();
  await llm.close();
});

const scenario = (name: string) => ({ headers: { 'x-scenario': name } });

/** claude-sonnet-4-5: $3/M input, $0.30/M cache read, $15/M output; 50 uncached + 100 cached in, 40 out. */
const COST = (50 * 3 + 100 * 0.3 + 40 * 15) / 1e6;

const PARAMS = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  system: [{ type: 'text' as const, text: 'You are a weather bot.' }],
  messages: [
    { role: 'user' as const, content: 'Weather in Paris?' },
    { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_0', name: 'lookup', input: { q: 'paris' } }] },
    { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_0', content: 'Paris, France' }, { type: 'text' as const, text: 'Go on.' }] },
  ],
  tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }],
  tool_choice: { type: 'tool' as const, name: 'get_weather' },
};

async function stored(runName: string) {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  const run = runNamed(h.server, runName);
  return { run, spans: spansOf(h.server, run.id) };
}

const compact = (events: any[]) => events.map((e) => ({ type: e.type, content: e.content, ...(e.attributes ? { attributes: e.attributes } : {}) }));

const INPUT_EVENTS = [
  { type: 'system_message', content: 'You are a weather bot.' },
  { type: 'user_input', content: 'Weather in Paris?' },
  { type: 'tool_arguments', content: { id: 'toolu_0', name: 'lookup', arguments: { q: 'paris' } }, attributes: { tool_call_id: 'toolu_0', name: 'lookup' } },
  { type: 'tool_result', content: 'Paris, France', attributes: { tool_call_id: 'toolu_0' } },
  { type: 'user_input', content: 'Go on.' },
];

const TOOL_OUTPUT = [
  { type: 'assistant_message', content: 'I will check the weather in Paris.' },
  { type: 'tool_arguments', content: { id: 'toolu_fixed_1', name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }, attributes: { tool_call_id: 'toolu_fixed_1', name: 'get_weather' } },
];

describe('instrumentAnthropic: messages.create', () => {
  it('records system, tool_use/tool_result blocks, the answer, cache-aware tokens and cost', async () => {
    h.start();
    const [mine, theirs] = await trace('message', async () => [
      await traced.messages.create(PARAMS, scenario('tools')),
      await plain.messages.create(PARAMS, scenario('tools')),
    ]);
    assert.deepStrictEqual(mine, theirs);
    assert.deepEqual(llm.requests.at(-2)!.body, llm.requests.at(-1)!.body);

    const { run, spans } = await stored('message');
    const span = only(spans);
    assert.equal(span.name, 'anthropic.messages.create');
    const a = span.attributes;
    assert.equal(a.provider, 'anthropic');
    assert.equal(a.max_tokens, 1024);
    assert.deepEqual(a.tools, ['get_weather']);
    assert.equal(a.tool_choice, 'get_weather');
    // Anthropic's input_tokens leave cache tokens out; the span counts every input token.
    assert.equal(a.input_tokens, 150);
    assert.equal(a.cache_read_tokens, 100);
    assert.equal(a.output_tokens, 40);
    assert.equal(a.total_tokens, 190);
    assert.ok(Math.abs(a.cost_usd - COST) < 1e-12, `cost ${a.cost_usd} != ${COST}`);
    assert.equal(run.metadata.total_input_tokens, 150);
    assert.ok(Math.abs(run.metadata.cost_usd - COST) < 1e-12);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [...INPUT_EVENTS, ...TOOL_OUTPUT]);
  });

  it('records thinking as reasoning', async () => {
    h.start();
    await trace('thinking', () => traced.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Capital?' }] }, scenario('thinking')));
    const { run, spans } = await stored('thinking');
    const span = only(spans);
    assert.equal(span.attributes.thinking_budget_tokens, 1024);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)).slice(1), [
      { type: 'reasoning', content: 'The capital of France is Paris.' },
      { type: 'assistant_message', content: 'Paris is the capital of France.' },
    ]);
  });

  it('streams with stream: true: events unchanged, the assembled message and usage recorded', async () => {
    h.start();
    const mine: unknown[] = [];
    const theirs: unknown[] = [];
    await trace('stream', async () => {
      for await (const e of await traced.messages.create({ ...PARAMS, stream: true }, scenario('tools'))) mine.push(e);
      for await (const e of await plain.messages.create({ ...PARAMS, stream: true }, scenario('tools'))) theirs.push(e);
    });
    assert.deepStrictEqual(mine, theirs);
    const { run, spans } = await stored('stream');
    const span = only(spans);
    assert.equal(span.status, 'ok');
    assert.equal(span.attributes.input_tokens, 150);
    assert.equal(span.attributes.output_tokens, 40);
    assert.ok(Math.abs(span.attributes.cost_usd - COST) < 1e-12);
    assert.equal(typeof span.attributes.time_to_first_token_ms, 'number');
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [...INPUT_EVENTS, ...TOOL_OUTPUT]);
  });

  it('the messages.stream() helper (MessageStream) works and is one span', async () => {
    h.start();
    const [mine, theirs] = await trace('helper', async () => {
      const texts: string[] = [];
      const stream = traced.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Capital?' }] });
      stream.on('text', (t) => texts.push(t));
      const final = await stream.finalMessage();
      const other = await plain.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Capital?' }] }).finalMessage();
      assert.equal(texts.join(''), 'Paris is the capital of France.');
      return [final, other];
    });
    assert.deepStrictEqual(mine, theirs);
    const { run, spans } = await stored('helper');
    const span = only(spans);
    assert.equal(span.status, 'ok');
    assert.equal(span.attributes.output_tokens, 40);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)).at(-1), { type: 'assistant_message', content: 'Paris is the capital of France.' });
  });

  for (const [status, name] of [
    [400, 'BadRequestError'],
    [429, 'RateLimitError'],
    [500, 'InternalServerError'],
  ] as const) {
    it(`records a ${status} and rethrows the client's own error`, async () => {
      h.start();
      const params = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user' as const, content: 'x' }] };
      const seen = await trace(`error-${status}`, () => traced.messages.create(params, scenario(`error-${status}`)).catch((e: unknown) => e));
      const expected = await plain.messages.create(params, scenario(`error-${status}`)).catch((e: unknown) => e);
      assert.ok(seen instanceof Anthropic.APIError);
      assert.equal(seen.constructor, (expected as object).constructor);
      assert.equal(seen.status, status);
      assert.equal(seen.message, (expected as Error).message);
      const { spans } = await stored(`error-${status}`);
      const span = only(spans);
      assert.equal(span.status, 'error');
      assert.equal(span.error.type, name);
    });
  }

  it('a stream cut mid-way fails the span; the trace goes on', async () => {
    h.start();
    const received: unknown[] = [];
    const error = await trace('cut', async () => {
      try {
        for await (const e of await traced.messages.create({ ...PARAMS, stream: true }, scenario('cut'))) received.push(e);
      } catch (e) {
        return e;
      }
      return undefined;
    });
    assert.ok(error instanceof Error);
    assert.ok(received.length > 0);
    const { run, spans } = await stored('cut');
    assert.equal(only(spans).status, 'error');
    assert.equal(run.status, 'ok');
  });

  it('inside a declared model span, the call adds its usage to that span instead of a second span', async () => {
    h.start();
    const text = await trace('declared', () =>
      modelCall('ask', { model: 'claude-sonnet-4-5', provider: 'anthropic' }, async (m) => {
        m.recordInputMessages(PARAMS.messages);
        const message = await traced.messages.create(PARAMS, scenario('text'));
        return (message.content[0] as { text: string }).text;
      }),
    );
    assert.equal(text, 'Paris is the capital of France.');
    const { run, spans } = await stored('declared');
    const span = only(spans);
    assert.equal(span.name, 'ask');
    assert.equal(span.attributes.input_tokens, 150);
    assert.ok(Math.abs(span.attributes.cost_usd - COST) < 1e-12);
    assert.equal(run.metadata.total_input_tokens, 150, 'counted once');
  });
});
