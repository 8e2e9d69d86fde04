// instrumentOpenAI with the real `openai` client against the loopback LLM server: model
// spans with events, tokens and cost; streams; errors; and a caller that receives exactly
// what an uninstrumented client returns.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';

import { flush, instrumentOpenAI, modelCall, trace, uninstrument } from '../../src/index.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spanNamed, spansOf } from '../tracing/ingest-harness.js';

let h: Harness;
let llm: LlmServer;
let plain: OpenAI;
let traced: OpenAI;

before(async () => {
  h = await createHarness();
  llm = await startLlmServer();
  const options = { apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0 };
  plain = new OpenAI(options);
  traced = instrumentOpenAI(new OpenAI(options));
});
afterEach(() => h.stop());
after(async () => {
  await h.close();
  await llm.close();
});

const scenario = (name: string) => ({ headers: { 'x-scenario': name } });

const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'text', text: 'And the time?' }] },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'lookup', arguments: '{"q":"paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_0', content: 'Paris, France' },
];

const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

/** gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output. */
const CHAT_COST = (100 * 0.15 + 20 * 0.075 + 30 * 0.6) / 1e6;

async function stored(runName: string) {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  const run = runNamed(h.server, runName);
  return { run, spans: spansOf(h.server, run.id) };
}

const compact = (events: any[]) => events.map((e) => ({ type: e.type, content: e.content, ...(e.attributes ? { attributes: e.attributes } : {}) }));

describe('instrumentOpenAI: chat.completions.create', () => {
  it('records messages, tool calls, request parameters, tokens and cost; the caller gets what the plain client returns', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: MESSAGES, tools: TOOLS, tool_choice: 'auto' as const, temperature: 0.2, max_tokens: 300 };
    const [mine, theirs] = await trace('chat', async () => [
      await traced.chat.completions.create(params, scenario('tools')),
      await plain.chat.completions.create(params, scenario('tools')),
    ]);
    assert.deepStrictEqual(mine, theirs);
    assert.equal(mine._request_id, theirs._request_id);
    assert.deepEqual(llm.requests.at(-2)!.body, llm.requests.at(-1)!.body, 'the request is sent unchanged');

    const { run, spans } = await stored('chat');
    const span = only(spans, 'model span');
    assert.equal(span.kind, 'model');
    assert.equal(span.name, 'openai.chat.completions.create');
    assert.equal(span.status, 'ok');
    const a = span.attributes;
    assert.equal(a.model, 'gpt-4o-mini');
    assert.equal(a.provider, 'openai');
    assert.equal(a.temperature, 0.2);
    assert.equal(a.max_tokens, 300);
    assert.deepEqual(a.tools, ['get_weather', 'get_time']);
    assert.equal(a.tool_choice, 'auto');
    assert.equal(a.input_tokens, 120);
    assert.equal(a.output_tokens, 30);
    assert.equal(a.total_tokens, 150);
    assert.equal(a.cache_read_tokens, 20);
    assert.equal(a.pricing_source, 'genai-prices');
    assert.ok(Math.abs(a.cost_usd - CHAT_COST) < 1e-12, `cost ${a.cost_usd} != ${CHAT_COST}`);
    assert.equal(run.metadata.total_input_tokens, 120);
    assert.equal(run.metadata.total_output_tokens, 30);
    assert.ok(Math.abs(run.metadata.cost_usd - CHAT_COST) < 1e-12);

    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [
      { type: 'system_message', content: 'You are a weather bot.' },
      { type: 'user_input', content: 'Weather in Paris?\nAnd the time?' },
      { type: 'tool_arguments', content: { id: 'call_0', name: 'lookup', arguments: { q: 'paris' } }, attributes: { tool_call_id: 'call_0', name: 'lookup' } },
      { type: 'tool_result', content: 'Paris, France', attributes: { tool_call_id: 'call_0' } },
      { type: 'tool_arguments', content: { id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }, attributes: { tool_call_id: 'call_weather_1', name: 'get_weather' } },
      { type: 'tool_arguments', content: { id: 'call_time_2', name: 'get_time', arguments: { tz: 'Europe/Paris' } }, attributes: { tool_call_id: 'call_time_2', name: 'get_time' } },
    ]);
  });

  it('streams: the caller gets every chunk unchanged; the span has the assembled message, usage and time to first token', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Weather?' }], tools: TOOLS, stream: true as const, stream_options: { include_usage: true } };
    const mine: unknown[] = [];
    const theirs: unknown[] = [];
    await trace('stream', async () => {
      for await (const chunk of await traced.chat.completions.create(params, scenario('tools'))) mine.push(chunk);
      for await (const chunk of await plain.chat.completions.create(params, scenario('tools'))) theirs.push(chunk);
    });
    assert.ok(mine.length > 5);
    assert.deepStrictEqual(mine, theirs);

    const { run, spans } = await stored('stream');
    const span = only(spans);
    assert.equal(span.status, 'ok');
    assert.equal(span.attributes.stream, true);
    assert.equal(span.attributes.input_tokens, 120);
    assert.equal(span.attributes.cache_read_tokens, 20);
    assert.ok(Math.abs(span.attributes.cost_usd - CHAT_COST) < 1e-12);
    assert.equal(typeof span.attributes.time_to_first_token_ms, 'number');
    const out = compact(eventsOf(h.server, run.id, span.id)).filter((e) => e.type === 'tool_arguments');
    assert.deepEqual(
      out.map((e) => e.content),
      [
        { id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
        { id: 'call_time_2', name: 'get_time', arguments: { tz: 'Europe/Paris' } },
      ],
    );
  });

  it('a stream without usage records the text and pricing_source unknown, no cost', async () => {
    h.start();
    await trace('no-usage', async () => {
      const stream = await traced.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Capital?' }], stream: true });
      for await (const _ of stream);
    });
    const { run, spans } = await stored('no-usage');
    const span = only(spans);
    assert.equal(span.attributes.pricing_source, 'unknown');
    assert.equal(span.attributes.cost_usd, undefined);
    assert.equal(span.attributes.input_tokens, undefined);
    const last = eventsOf(h.server, run.id, span.id).at(-1);
    assert.deepEqual([last.type, last.content], ['assistant_message', 'Paris is the capital of France.']);
  });

  it('tee() and toReadableStream() still work and are observed', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Capital?' }], stream: true as const };
    const texts = await trace('tee', async () => {
      const [left, right] = (await traced.chat.completions.create(params)).tee();
      const read = async (s: AsyncIterable<any>) => {
        let text = '';
        for await (const c of s) text += c.choices[0]?.delta.content ?? '';
        return text;
      };
      const both = await Promise.all([read(left), read(right)]);
      const readable = (await traced.chat.completions.create(params)).toReadableStream();
      let lines = '';
      for await (const bytes of readable as unknown as AsyncIterable<Uint8Array>) lines += new TextDecoder().decode(bytes);
      return [...both, lines.trim().split('\n').length];
    });
    assert.deepEqual(texts, ['Paris is the capital of France.', 'Paris is the capital of France.', 7]);
    const { spans } = await stored('tee');
    assert.equal(spans.length, 2);
    for (const span of spans) assert.equal(span.status, 'ok');
  });

  it('withResponse() and asResponse() keep working; asResponse leaves the body to the caller', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Capital?' }] };
    await trace('raw', async () => {
      const { data, response, request_id } = await traced.chat.completions.create(params).withResponse();
      assert.equal(data.choices[0]!.message.content, 'Paris is the capital of France.');
      assert.equal(response.status, 200);
      assert.equal(request_id, 'req_fixed_1');
      const raw = await traced.chat.completions.create(params).asResponse();
      const body = (await raw.json()) as any;
      assert.equal(body.id, 'chatcmpl-fixed-1');
    });
    const { spans } = await stored('raw');
    assert.equal(spans.length, 2);
    for (const span of spans) assert.equal(span.status, 'ok');
    assert.equal(spans.filter((s) => s.attributes.input_tokens === 120).length, 1, 'only the parsed call has usage');
  });

  for (const [status, name] of [
    [400, 'BadRequestError'],
    [429, 'RateLimitError'],
    [500, 'InternalServerError'],
  ] as const) {
    it(`records a ${status} and rethrows the client's own error`, async () => {
      h.start();
      const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'x' }] };
      let seen: unknown;
      await trace(`error-${status}`, async () => {
        const promise = traced.chat.completions.create(params, scenario(`error-${status}`));
        seen = await promise.catch((e: unknown) => e);
        assert.equal(await promise.catch((e: unknown) => e), seen, 'the same error object every time');
      });
      const expected = await plain.chat.completions.create(params, scenario(`error-${status}`)).catch((e: unknown) => e);
      assert.ok(seen instanceof OpenAI.APIError);
      assert.equal(seen.constructor, (expected as object).constructor);
      assert.equal(seen.status, status);
      assert.equal(seen.message, (expected as Error).message);
      const { spans } = await stored(`error-${status}`);
      const span = only(spans);
      assert.equal(span.status, 'error');
      assert.equal(span.error.type, name);
      assert.equal(span.attributes.pricing_source, 'unknown');
    });
  }

  it('a stream cut mid-way fails the span with the client error the caller sees', async () => {
    h.start();
    const received: unknown[] = [];
    const error = await trace('cut', async () => {
      try {
        const stream = await traced.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true }, scenario('cut'));
        for await (const chunk of stream) received.push(chunk);
      } catch (e) {
        return e;
      }
      return undefined;
    });
    assert.ok(error instanceof Error, 'iteration throws');
    assert.ok(received.length > 0, 'the first half arrived');
    const { run, spans } = await stored('cut');
    assert.equal(only(spans).status, 'error');
    assert.equal(run.status, 'ok', 'the trace returned normally');
  });
});

describe('instrumentOpenAI: responses.create', () => {
  /** 200 input tokens of which 50 cached, 80 output. */
  const RESPONSES_COST = (150 * 0.15 + 50 * 0.075 + 80 * 0.6) / 1e6;

  it('records instructions, input, reasoning and function calls, with usage and cost', async () => {
    h.start();
    const params = {
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: [
        { role: 'user' as const, content: 'Weather in Paris?' },
        { type: 'function_call_output' as const, call_id: 'call_prev', output: '{"ok":true}' },
      ],
      tools: [{ type: 'function' as const, name: 'get_weather', parameters: {}, strict: false }],
      max_output_tokens: 500,
    };
    const [mine, theirs] = await trace('responses', async () => [
      await traced.responses.create(params, scenario('tools')),
      await plain.responses.create(params, scenario('tools')),
    ]);
    assert.deepStrictEqual(mine, theirs);
    assert.equal(mine.output_text, theirs.output_text);

    const { run, spans } = await stored('responses');
    const span = only(spans);
    assert.equal(span.name, 'openai.responses.create');
    assert.equal(span.attributes.max_output_tokens, 500);
    assert.deepEqual(span.attributes.tools, ['get_weather']);
    assert.equal(span.attributes.input_tokens, 200);
    assert.equal(span.attributes.reasoning_tokens, 32);
    assert.ok(Math.abs(span.attributes.cost_usd - RESPONSES_COST) < 1e-12);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [
      { type: 'system_message', content: 'Be brief.' },
      { type: 'user_input', content: 'Weather in Paris?' },
      { type: 'tool_result', content: '{"ok":true}', attributes: { tool_call_id: 'call_prev' } },
      { type: 'reasoning', content: 'The user asks about the weather; call the tool.' },
      { type: 'tool_arguments', content: { id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Paris' } }, attributes: { tool_call_id: 'call_weather_1', name: 'get_weather' } },
    ]);
  });

  it('streams: events unchanged, the completed response becomes the output', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', input: 'Capital of France?', stream: true as const };
    const mine: unknown[] = [];
    const theirs: unknown[] = [];
    await trace('responses-stream', async () => {
      for await (const e of await traced.responses.create(params)) mine.push(e);
      for await (const e of await plain.responses.create(params)) theirs.push(e);
    });
    assert.deepStrictEqual(mine, theirs);
    const { run, spans } = await stored('responses-stream');
    const span = only(spans);
    assert.equal(span.attributes.output_tokens, 80);
    // `model` is the model asked for; the dated name the provider answered with is `response_model`.
    assert.equal(span.attributes.model, 'gpt-4o-mini');
    assert.equal(span.attributes.response_model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [
      { type: 'user_input', content: 'Capital of France?' },
      { type: 'assistant_message', content: 'Paris is the capital of France.' },
    ]);
  });
});

describe('modelCall around a plain client', () => {
  it('a model span returning the APIPromise itself records the response; asResponse() stays readable', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Capital?' }] };
    const completion = await trace('scoped', () => modelCall('ask', { provider: 'openai' }, () => plain.chat.completions.create(params)));
    assert.equal(completion.choices[0]!.message.content, 'Paris is the capital of France.');
    const raw = await trace('scoped-raw', () => modelCall('ask-raw', {}, () => plain.chat.completions.create(params)).asResponse());
    assert.equal(((await raw.json()) as any).id, 'chatcmpl-fixed-1');
    const { spans } = await stored('scoped');
    const span = only(spans);
    assert.equal(span.attributes.model, 'gpt-4o-mini-2024-07-18', 'no model given: the response names it');
    assert.equal(span.attributes.input_tokens, 120);
    assert.ok(Math.abs(span.attributes.cost_usd - CHAT_COST) < 1e-12);
    assert.equal(spanNamed(h.server, 'ask-raw').status, 'ok');
  });
});

describe('instrumentOpenAI: scope', () => {
  it('does nothing outside a trace, and nothing after uninstrument()', async () => {
    h.start();
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'x' }] };
    assert.deepStrictEqual(await traced.chat.completions.create(params), await plain.chat.completions.create(params));
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0 }));
    assert.equal(instrumentOpenAI(client), client, 'instrumenting twice is a no-op');
    uninstrument(client);
    assert.equal(Object.hasOwn(client.chat.completions, 'create'), false, 'the prototype method is back');
    await trace('after-unpatch', () => client.chat.completions.create(params));
    const { spans } = await stored('after-unpatch');
    assert.equal(spans.length, 0);
    assert.equal(h.server.spans.size, 0);
  });

  it('the chat.completions.stream() helper goes through create() and is one span', async () => {
    h.start();
    const final = await trace('helper', async () => {
      const stream = traced.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } });
      return stream.finalChatCompletion();
    });
    assert.equal(final.choices[0]!.message.content, 'Paris is the capital of France.');
    const { spans } = await stored('helper');
    const span = only(spans);
    assert.equal(span.status, 'ok');
    assert.equal(span.attributes.output_tokens, 30);
  });
});
