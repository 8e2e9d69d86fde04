// The OpenTelemetry span processor with the real OpenTelemetry SDK: spans built with the
// OpenTelemetry API in the shapes the GenAI semantic conventions define (v1.37+ message
// attributes, the deprecated per-message events, the older usage names), checked on what
// the protocol-enforcing server stored.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { context, trace as otelTrace, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { NorthstarSpanProcessor } from '../../../integrations/otel/index.js';
import { flush, NorthstarConfigError, span, trace } from '../../../src/index.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, spansOf } from '../../tracing/ingest-harness.js';

let harness: Harness;
let tracer: Tracer;
let provider: BasicTracerProvider;
// Typed as the SDK's interface: the processor must stay assignable to it.
const processor: SpanProcessor = new NorthstarSpanProcessor();
const keeping = new NorthstarSpanProcessor({ keepNonGenAiSpans: true });

const json = (value: unknown) => JSON.stringify(value);

before(async () => {
  harness = await createHarness();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new BasicTracerProvider({ spanProcessors: [processor] });
  otelTrace.setGlobalTracerProvider(provider);
  tracer = otelTrace.getTracer('spec');
});
after(async () => {
  await provider.shutdown();
  await keeping.shutdown();
  await harness.close();
});
beforeEach(() => harness.start());

/** An agent run in today's conventions: invoke_agent > chat (tool call) > execute_tool > chat (answer). */
async function agentRun(t: Tracer = tracer): Promise<void> {
  await t.startActiveSpan('invoke_agent weather-bot', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-bot', 'gen_ai.provider.name': 'openai' } }, async (agent) => {
    const chat1 = t.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' } });
    chat1.setAttributes({
      'gen_ai.system_instructions': json([{ type: 'text', content: 'You are terse.' }]),
      'gen_ai.input.messages': json([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' }]),
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 40,
    });
    chat1.end();
    await t.startActiveSpan('execute_tool get_weather', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_1' } }, async (tool) => {
      tool.setAttribute('gen_ai.tool.call.arguments', json({ city: 'Paris' }));
      // A NorthStar span opened by the tool's own code (a @Tool method) nests under the OTel tool span.
      const result = span('lookup-forecast', { kind: 'tool' }, (s) => {
        s.setOutput({ temp: 21 });
        return { temp: 21 };
      });
      tool.setAttribute('gen_ai.tool.call.result', json(result));
      tool.end();
    });
    const chat2 = t.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' } });
    chat2.setAttributes({
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { temp: 21 } }] },
      ]),
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, 21°C.' }], finish_reason: 'stop' }]),
      'gen_ai.usage.input_tokens': 150,
      'gen_ai.usage.output_tokens': 10,
    });
    chat2.end();
    // The agent's aggregate usage: must not be added on top of its model calls.
    agent.setAttributes({
      'gen_ai.input.messages': json([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      'gen_ai.output.messages': json([{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, 21°C.' }] }]),
      'gen_ai.usage.input_tokens': 250,
      'gen_ai.usage.output_tokens': 30,
    });
    agent.end();
  });
}

describe('NorthstarSpanProcessor', () => {
  it('maps an invoke_agent root to a run with model and tool spans, messages by role, usage, cost and run totals', async () => {
    await agentRun();
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = only(server.runs.values(), 'run');
    assert.equal(run.name, 'invoke_agent weather-bot');
    assert.equal(run.status, 'ok');
    const spans = spansOf(server, run.id);
    assert.deepEqual(spans.map((s) => `${s.kind}:${s.name}`).sort(), ['model:chat gpt-4o-mini', 'model:chat gpt-4o-mini', 'tool:execute_tool get_weather', 'tool:lookup-forecast'].sort());
    const [chat1, chat2] = spans.filter((s) => s.kind === 'model').sort((a, b) => a.started_at.localeCompare(b.started_at));
    const tool = spans.find((s) => s.name === 'execute_tool get_weather')!;
    const inner = spans.find((s) => s.name === 'lookup-forecast')!;
    assert.equal(chat1.parent_span_id, undefined);
    assert.equal(tool.parent_span_id, undefined);
    assert.equal(inner.parent_span_id, tool.id, 'a NorthStar span opened inside an OTel execute_tool span nests under it');

    assert.deepEqual(eventsOf(server, run.id, null).map((e) => [e.type, e.content]), [
      ['user_input', 'Weather in Paris?'],
      ['final_response', 'Sunny, 21°C.'],
    ]);
    const m1 = eventsOf(server, run.id, chat1.id);
    assert.deepEqual(m1.map((e) => e.type), ['system_message', 'user_input', 'tool_arguments']);
    assert.equal(m1[0].content, 'You are terse.');
    assert.deepEqual(m1[2].content, { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } });
    const m2 = eventsOf(server, run.id, chat2.id);
    assert.deepEqual(m2.map((e) => e.type), ['user_input', 'tool_arguments', 'tool_result', 'assistant_message']);
    assert.deepEqual(m2[2].content, { temp: 21 });
    assert.equal(m2[2].attributes.tool_call_id, 'call_1');
    assert.equal(m2[3].content, 'Sunny, 21°C.');
    assert.deepEqual(eventsOf(server, run.id, tool.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', { city: 'Paris' }],
      ['tool_result', { temp: 21 }],
    ]);

    assert.equal(chat1.attributes.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(chat1.attributes.input_tokens, 100);
    assert.equal(chat1.attributes.output_tokens, 20);
    assert.equal(chat1.attributes.cache_read_tokens, 40);
    assert.equal(chat1.attributes.pricing_source, 'genai-prices');
    assert.ok(chat1.attributes.cost_usd > 0);
    assert.equal(run.metadata.total_input_tokens, 250, 'each model call counted once; the agent aggregate is not added');
    assert.equal(run.metadata.total_output_tokens, 30);
    assert.ok(Math.abs(run.metadata.cost_usd - (chat1.attributes.cost_usd + chat2.attributes.cost_usd)) < 1e-9);
    await harness.stop();
  });

  it('leaves non-GenAI spans out by default, attaching their GenAI descendants to the nearest kept ancestor', async () => {
    await tracer.startActiveSpan('GET /weather', { attributes: { 'http.request.method': 'GET', 'url.path': '/weather' } }, async (http) => {
      await tracer.startActiveSpan('SELECT cities', { attributes: { 'db.system.name': 'postgresql' } }, async (db) => {
        await agentRun();
        db.end();
      });
      http.end();
    });
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'invoke_agent weather-bot');
    assert.ok(!spansOf(harness.server, run.id).some((s) => s.name === 'GET /weather' || s.name === 'SELECT cities'));
    await harness.stop();
  });

  it('keeps non-GenAI spans as custom spans when asked, with their attributes', async () => {
    const keepProvider = new BasicTracerProvider({ spanProcessors: [keeping] });
    const keepTracer = keepProvider.getTracer('spec-keep');
    await keepTracer.startActiveSpan('GET /weather', { attributes: { 'http.request.method': 'GET' } }, async (http) => {
      await keepTracer.startActiveSpan('SELECT cities', { attributes: { 'db.system.name': 'postgresql' } }, async (db) => {
        await agentRun(keepTracer);
        db.end();
      });
      http.end();
    });
    assert.equal(await flush(), true);
    assertNoRejections(harness.server);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'GET /weather');
    const spans = spansOf(harness.server, run.id);
    const db = spans.find((s) => s.name === 'SELECT cities')!;
    assert.equal(db.kind, 'custom');
    assert.equal(db.attributes['db.system.name'], 'postgresql');
    const agent = spans.find((s) => s.name === 'invoke_agent weather-bot')!;
    assert.equal(agent.kind, 'agent');
    assert.equal(agent.parent_span_id, db.id);
    assert.equal(run.metadata.total_input_tokens, 250);
    await harness.stop();
  });

  it('makes a GenAI span started inside a NorthStar trace a child of the current span', async () => {
    await trace('support-request', async () => {
      await span('plan', { kind: 'workflow' }, async () => {
        await agentRun();
      });
    });
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'support-request');
    const spans = spansOf(harness.server, run.id);
    const plan = spans.find((s) => s.name === 'plan')!;
    const agent = spans.find((s) => s.name === 'invoke_agent weather-bot')!;
    assert.equal(agent.kind, 'agent');
    assert.equal(agent.parent_span_id, plan.id);
    assert.ok(spans.filter((s) => s.kind === 'model').every((s) => s.parent_span_id === agent.id));
    assert.equal(run.metadata.total_input_tokens, 250);
    await harness.stop();
  });

  it('reads the deprecated per-message events, gen_ai.system and prompt/completion token names', async () => {
    const chat = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' } });
    chat.addEvent('gen_ai.system.message', { content: 'Be brief.' });
    chat.addEvent('gen_ai.user.message', { content: 'What time is it in Paris?' });
    chat.addEvent('gen_ai.assistant.message', { tool_calls: json([{ id: 'call_9', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } }]) });
    chat.addEvent('gen_ai.tool.message', { id: 'call_9', content: '12:00' });
    chat.addEvent('gen_ai.choice', { index: 0, finish_reason: 'stop', message: json({ role: 'assistant', content: 'It is noon.' }) });
    chat.setAttributes({ 'gen_ai.usage.prompt_tokens': 50, 'gen_ai.usage.completion_tokens': 5 });
    chat.end();
    assert.equal(await flush(), true);
    assertNoRejections(harness.server);
    const run = only(harness.server.runs.values(), 'run');
    const model = only(spansOf(harness.server, run.id), 'span');
    assert.equal(model.kind, 'model');
    const events = eventsOf(harness.server, run.id, model.id);
    assert.deepEqual(events.map((e) => e.type), ['system_message', 'user_input', 'tool_arguments', 'tool_result', 'assistant_message']);
    assert.deepEqual(events[2].content, { id: 'call_9', name: 'get_time', arguments: { tz: 'Europe/Paris' } });
    assert.equal(events[3].content, '12:00');
    assert.equal(events[4].content, 'It is noon.');
    assert.equal(model.attributes.input_tokens, 50);
    assert.equal(model.attributes.output_tokens, 5);
    assert.equal(model.attributes.pricing_source, 'genai-prices');
    assert.equal(run.metadata.total_input_tokens, 50);
    await harness.stop();
  });

  it('records an error status with the exception type and message', async () => {
    await tracer.startActiveSpan('invoke_agent failing', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } }, async (agent) => {
      const tool = tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' } });
      const error = new RangeError('index offline');
      tool.recordException(error);
      tool.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      tool.end();
      agent.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
      agent.setAttribute('error.type', 'ToolError');
      agent.end();
    });
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.status, 'error');
    assert.deepEqual(run.error, { type: 'ToolError', message: 'tool failed' });
    const tool = only(spansOf(harness.server, run.id), 'span');
    assert.equal(tool.status, 'error');
    assert.deepEqual(tool.error, { type: 'RangeError', message: 'index offline' });
    await harness.stop();
  });

  it('refuses bad options at construction, naming the option', () => {
    assert.throws(() => new NorthstarSpanProcessor({ keepNonGenAiSpans: 'yes' as unknown as boolean }), (e: Error) => e instanceof NorthstarConfigError && /keepNonGenAiSpans/.test(e.message));
    assert.throws(() => new NorthstarSpanProcessor({ client: {} as never }), (e: Error) => e instanceof NorthstarConfigError && /client/.test(e.message));
  });
});
