// The OpenTelemetry span processor reading what `@ai-sdk/otel` emits, in its GenAI format
// (`OpenTelemetry`) and its legacy `ai.*` format (`LegacyOpenTelemetry`), with the real
// OpenTelemetry SDK and the AI SDK's test models. Skipped on Node 20 (ai 7 needs Node >= 22).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { context, trace as otelTrace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

import { NorthstarSpanProcessor } from '../../../integrations/otel/index.js';
import { flush, span, trace } from '../../../src/index.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, spansOf } from '../../tracing/ingest-harness.js';
import { loadAi, skipUnlessAi7, TEXT_RESULT, TEXT_STREAM, TOOL_CALL_RESULT } from './ai-sdk-support.js';

let harness: Harness;
let provider: BasicTracerProvider;
let sdk: Awaited<ReturnType<typeof loadAi>>;
let otel: typeof import('@ai-sdk/otel');

const byStart = (spans: any[]) => [...spans].sort((a, b) => a.started_at.localeCompare(b.started_at));
const childrenOf = (spans: any[], id: string | undefined) => byStart(spans.filter((s) => s.parent_span_id === id));

/** Makes `integration` the only AI SDK telemetry integration of the process. */
function use(integration: object): void {
  (globalThis as any).AI_SDK_TELEMETRY_INTEGRATIONS = [integration];
}

describe('NorthstarSpanProcessor with @ai-sdk/otel', { skip: skipUnlessAi7 }, () => {
  before(async () => {
    harness = await createHarness();
    sdk = await loadAi();
    otel = await import('@ai-sdk/otel');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    provider = new BasicTracerProvider({ spanProcessors: [new NorthstarSpanProcessor()] });
    otelTrace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    await provider?.shutdown();
    await harness?.close();
  });
  beforeEach(() => harness.start());

  const tools = () => ({
    weather: sdk.ai.tool({
      inputSchema: sdk.z.object({ city: sdk.z.string() }),
      execute: async ({ city }: { city: string }) => span('forecast-db', { kind: 'tool' }, () => ({ city, temp: 21 })),
    }),
  });

  it('GenAI format: invoke_agent run > steps > chat and execute_tool, messages, usage once', async () => {
    use(new otel.OpenTelemetry());
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: [TOOL_CALL_RESULT, TEXT_RESULT] });
    await sdk.ai.generateText({ model, system: 'You are terse.', prompt: 'Weather in Paris?', tools: tools(), stopWhen: sdk.ai.stepCountIs(3) });
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = only(server.runs.values(), 'run');
    assert.equal(run.name, 'invoke_agent gpt-4o-mini');
    assert.deepEqual(eventsOf(server, run.id, null).map((e) => [e.type, e.content]), [
      ['user_input', 'Weather in Paris?'],
      ['final_response', 'Sunny in Paris.'],
    ]);
    const spans = spansOf(server, run.id);
    const steps = childrenOf(spans, undefined);
    assert.deepEqual(steps.map((s) => `${s.kind}:${s.name}`), ['custom:step 1', 'custom:step 2']);
    assert.deepEqual(childrenOf(spans, steps[0].id).map((s) => `${s.kind}:${s.name}`), ['model:chat gpt-4o-mini', 'tool:execute_tool weather']);
    const [chat, tool] = childrenOf(spans, steps[0].id);
    assert.deepEqual(childrenOf(spans, tool.id).map((s) => s.name), ['forecast-db'], 'a NorthStar span inside the tool nests under execute_tool');
    assert.deepEqual(eventsOf(server, run.id, chat.id).map((e) => e.type), ['system_message', 'user_input', 'tool_arguments']);
    assert.deepEqual(eventsOf(server, run.id, tool.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', { city: 'Paris' }],
      ['tool_result', { city: 'Paris', temp: 21 }],
    ]);
    assert.equal(chat.attributes.input_tokens, 100);
    assert.equal(chat.attributes.cache_read_tokens, 40);
    assert.ok(chat.attributes.cost_usd > 0);
    assert.equal(run.metadata.total_input_tokens, 200, 'the invoke_agent aggregate is not added on top of the chat spans');
    assert.equal(run.metadata.total_output_tokens, 40);
    await harness.stop();
  });

  it('legacy ai.* format: ai.generateText run > doGenerate model spans and ai.toolCall tool spans', async () => {
    use(new otel.LegacyOpenTelemetry());
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: [TOOL_CALL_RESULT, TEXT_RESULT] });
    await sdk.ai.generateText({ model, system: 'You are terse.', prompt: 'Weather in Paris?', tools: tools(), stopWhen: sdk.ai.stepCountIs(3) });
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = only(server.runs.values(), 'run');
    assert.equal(run.name, 'ai.generateText');
    assert.deepEqual(eventsOf(server, run.id, null).map((e) => [e.type, e.content]), [
      ['user_input', 'Weather in Paris?'],
      ['final_response', 'Sunny in Paris.'],
    ]);
    const spans = spansOf(server, run.id);
    assert.deepEqual(childrenOf(spans, undefined).map((s) => `${s.kind}:${s.name}`), ['model:ai.generateText.doGenerate', 'tool:ai.toolCall', 'model:ai.generateText.doGenerate']);
    const [gen1, tool, gen2] = childrenOf(spans, undefined);
    assert.deepEqual(eventsOf(server, run.id, gen1.id).map((e) => e.type), ['system_message', 'user_input', 'tool_arguments']);
    assert.deepEqual(eventsOf(server, run.id, tool.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', { city: 'Paris' }],
      ['tool_result', { city: 'Paris', temp: 21 }],
    ]);
    assert.equal(tool.attributes.tool_name, 'weather');
    assert.deepEqual(eventsOf(server, run.id, gen2.id).map((e) => e.type), ['system_message', 'user_input', 'tool_arguments', 'tool_result', 'assistant_message']);
    assert.equal(gen1.attributes.model, 'gpt-4o-mini');
    assert.equal(gen1.attributes.input_tokens, 100);
    assert.equal(gen1.attributes.reasoning_tokens, 5);
    assert.equal(gen1.attributes.cache_read_tokens, 40);
    assert.equal(run.metadata.total_input_tokens, 200);
    await harness.stop();
  });

  it('legacy format, streamText inside a NorthStar trace: ai.streamText span > doStream with msToFirstChunk', async () => {
    use(new otel.LegacyOpenTelemetry());
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks: TEXT_STREAM, chunkDelayInMs: 1 }) }) });
    await trace('chat-turn', async () => {
      const result = sdk.ai.streamText({ model, prompt: 'Say hello' });
      let text = '';
      for await (const chunk of result.textStream) text += chunk;
      return text;
    });
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'chat-turn');
    const spans = spansOf(harness.server, run.id);
    const call = only(childrenOf(spans, undefined), 'call span');
    assert.equal(call.name, 'ai.streamText');
    assert.equal(call.kind, 'agent');
    const doStream = only(childrenOf(spans, call.id), 'doStream span');
    assert.equal(doStream.kind, 'model');
    assert.equal(typeof doStream.attributes.time_to_first_token_ms, 'number');
    assert.deepEqual(eventsOf(harness.server, run.id, doStream.id).map((e) => [e.type, e.content]), [
      ['user_input', 'Say hello'],
      ['assistant_message', 'Hello, world!'],
    ]);
    assert.deepEqual(eventsOf(harness.server, run.id, call.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', 'Say hello'],
      ['tool_result', 'Hello, world!'],
    ]);
    await harness.stop();
  });

  it('GenAI format, streamText: chat span with the streamed answer and time to first chunk', async () => {
    use(new otel.OpenTelemetry());
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks: TEXT_STREAM, chunkDelayInMs: 1 }) }) });
    const result = sdk.ai.streamText({ model, prompt: 'Say hello' });
    let text = '';
    for await (const chunk of result.textStream) text += chunk;
    assert.equal(text, 'Hello, world!');
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.deepEqual(eventsOf(harness.server, run.id, null).map((e) => e.content), ['Say hello', 'Hello, world!']);
    const chat = only(spansOf(harness.server, run.id).filter((s) => s.kind === 'model'), 'model span');
    assert.deepEqual(eventsOf(harness.server, run.id, chat.id).map((e) => [e.type, e.content]), [
      ['user_input', 'Say hello'],
      ['assistant_message', 'Hello, world!'],
    ]);
    assert.equal(typeof chat.attributes.time_to_first_token_ms, 'number');
    assert.equal(run.metadata.total_output_tokens, 20);
    await harness.stop();
  });

  it('legacy format, generateObject: the parsed object is the output; a failed call is an error run', async () => {
    use(new otel.LegacyOpenTelemetry());
    (globalThis as any).AI_SDK_LOG_WARNINGS = false;
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: { ...TEXT_RESULT, content: [{ type: 'text', text: '{"name":"Ada"}' }] } });
    await sdk.ai.generateObject({ model, schema: sdk.z.object({ name: sdk.z.string() }), prompt: 'Who?' });
    const failing = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: async () => { throw new TypeError('provider exploded'); } });
    await assert.rejects(sdk.ai.generateText({ model: failing, prompt: 'x', maxRetries: 0 }));
    assert.equal(await flush(), true);
    assertNoRejections(harness.server);
    const object = [...harness.server.runs.values()].find((r) => r.name === 'ai.generateObject');
    assert.deepEqual(eventsOf(harness.server, object.id, null).map((e) => e.content), ['Who?', { name: 'Ada' }]);
    assert.equal(only(spansOf(harness.server, object.id), 'span').attributes.input_tokens, 100);
    const failed = [...harness.server.runs.values()].find((r) => r.name === 'ai.generateText');
    assert.equal(failed.status, 'error');
    assert.match(failed.error.message, /provider exploded/);
    await harness.stop();
  });

  it('GenAI format: embeddings become model spans with token usage', async () => {
    use(new otel.OpenTelemetry({ embedding: true }));
    const model = new sdk.test.MockEmbeddingModelV3({
      provider: 'openai.embedding',
      modelId: 'text-embedding-3-small',
      doEmbed: async ({ values }: { values: string[] }) => ({ embeddings: values.map(() => [0.1, 0.2]), usage: { tokens: 9 }, warnings: [] }),
    });
    await sdk.ai.embed({ model, value: 'sunny' });
    assert.equal(await flush(), true);
    assertNoRejections(harness.server);
    const models = [...harness.server.spans.values()].filter((s) => s.kind === 'model');
    assert.ok(models.length >= 1, 'an embeddings model span');
    assert.ok(models.some((s) => s.attributes.input_tokens === 9));
    await harness.stop();
  });
});
