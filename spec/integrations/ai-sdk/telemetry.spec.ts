// The AI SDK's own telemetry interface (`ai` 7), with its test models (`ai/test`) and with
// `@ai-sdk/openai` against the loopback OpenAI server; checked on what the
// protocol-enforcing server stored. Skipped on Node 20 (ai 7 needs Node >= 22).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import type { Telemetry } from 'ai';

import { NorthstarTelemetry } from '../../../integrations/ai-sdk/index.js';
import { flush, NorthstarConfigError, span, trace } from '../../../src/index.js';
import { startLlmServer, type LlmServer } from '../../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, spansOf } from '../../tracing/ingest-harness.js';
import { loadAi, skipUnlessAi7, TEXT_RESULT, TEXT_STREAM, TOOL_CALL_RESULT } from './ai-sdk-support.js';

let harness: Harness;
let llm: LlmServer;
let sdk: Awaited<ReturnType<typeof loadAi>>;
// Typed as the AI SDK's interface: the class must stay assignable to it.
const telemetry: Telemetry = new NorthstarTelemetry({ abandonedStreamTimeoutMs: 50 });

const byStart = (spans: any[]) => [...spans].sort((a, b) => a.started_at.localeCompare(b.started_at));
const childrenOf = (spans: any[], id: string | undefined) => byStart(spans.filter((s) => s.parent_span_id === id));

describe('NorthstarTelemetry (ai 7)', { skip: skipUnlessAi7 }, () => {
  before(async () => {
    harness = await createHarness();
    llm = await startLlmServer();
    sdk = await loadAi();
    sdk.ai.registerTelemetry(telemetry);
  });
  after(async () => {
    await llm?.close();
    await harness?.close();
  });
  beforeEach(() => harness.start());

  const weatherTool = () =>
    sdk.ai.tool({
      description: 'Weather of a city',
      inputSchema: sdk.z.object({ city: sdk.z.string() }),
      // A NorthStar span opened inside the tool (a @Tool method) nests under the tool span.
      execute: async ({ city }: { city: string }) => span('forecast-db', { kind: 'tool' }, () => ({ city, temp: 21 })),
    });

  it('generateText with a tool loop: run > step > model call and tool, messages, usage, cost, totals', async () => {
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: [TOOL_CALL_RESULT, TEXT_RESULT] });
    const result = await sdk.ai.generateText({ model, system: 'You are terse.', prompt: 'Weather in Paris?', tools: { weather: weatherTool() }, stopWhen: sdk.ai.stepCountIs(3) });
    assert.equal(result.text, 'Sunny in Paris.');
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = only(server.runs.values(), 'run');
    assert.equal(run.name, 'generateText');
    assert.equal(run.status, 'ok');
    assert.deepEqual(eventsOf(server, run.id, null).map((e) => [e.type, e.content]), [
      ['user_input', 'Weather in Paris?'],
      ['final_response', 'Sunny in Paris.'],
    ]);
    const spans = spansOf(server, run.id);
    const steps = childrenOf(spans, undefined);
    assert.deepEqual(steps.map((s) => s.name), ['step 1', 'step 2']);
    const [step1, step2] = steps;
    assert.deepEqual(childrenOf(spans, step1.id).map((s) => `${s.kind}:${s.name}`), ['model:gpt-4o-mini', 'tool:weather']);
    assert.deepEqual(childrenOf(spans, step2.id).map((s) => `${s.kind}:${s.name}`), ['model:gpt-4o-mini']);
    const [model1, tool] = childrenOf(spans, step1.id);
    assert.deepEqual(childrenOf(spans, tool.id).map((s) => s.name), ['forecast-db']);

    assert.deepEqual(eventsOf(server, run.id, model1.id).map((e) => [e.type, e.content]), [
      ['system_message', 'You are terse.'],
      ['user_input', 'Weather in Paris?'],
      ['tool_arguments', { id: 'call_1', name: 'weather', arguments: { city: 'Paris' } }],
    ]);
    assert.deepEqual(eventsOf(server, run.id, tool.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', { city: 'Paris' }],
      ['tool_result', { city: 'Paris', temp: 21 }],
    ]);
    const model2 = childrenOf(spans, step2.id)[0];
    const m2 = eventsOf(server, run.id, model2.id);
    assert.deepEqual(m2.map((e) => e.type), ['system_message', 'user_input', 'tool_arguments', 'tool_result', 'assistant_message']);
    assert.deepEqual(m2[3].content, { city: 'Paris', temp: 21 });
    assert.equal(m2[3].attributes.tool_call_id, 'call_1');
    assert.equal(m2[4].content, 'Sunny in Paris.');

    for (const m of [model1, model2]) {
      assert.equal(m.attributes.model, 'gpt-4o-mini');
      assert.equal(m.attributes.input_tokens, 100);
      assert.equal(m.attributes.output_tokens, 20);
      assert.equal(m.attributes.cache_read_tokens, 40);
      assert.equal(m.attributes.reasoning_tokens, 5);
      assert.equal(m.attributes.pricing_source, 'genai-prices');
      assert.ok(m.attributes.cost_usd > 0);
    }
    assert.equal(run.metadata.total_input_tokens, 200, 'each model call counted once');
    assert.equal(run.metadata.total_output_tokens, 40);
    await harness.stop();
  });

  it('streamText streamed to the end records the streamed answer and time to first token', async () => {
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks: TEXT_STREAM, chunkDelayInMs: 1 }) }) });
    const result = sdk.ai.streamText({ model, prompt: 'Say hello' });
    let text = '';
    for await (const chunk of result.textStream) text += chunk;
    assert.equal(text, 'Hello, world!');
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'streamText');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.stream_abandoned, undefined);
    assert.deepEqual(eventsOf(harness.server, run.id, null).map((e) => e.content), ['Say hello', 'Hello, world!']);
    const model1 = byStart(spansOf(harness.server, run.id)).find((s) => s.kind === 'model');
    assert.deepEqual(eventsOf(harness.server, run.id, model1.id).map((e) => [e.type, e.content]), [
      ['user_input', 'Say hello'],
      ['assistant_message', 'Hello, world!'],
    ]);
    assert.equal(typeof model1.attributes.time_to_first_token_ms, 'number');
    assert.equal(run.metadata.total_output_tokens, 20);
    await harness.stop();
  });

  it('an aborted streamText ends the call and its open spans as errors', async () => {
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks: TEXT_STREAM, chunkDelayInMs: 20 }) }) });
    const controller = new AbortController();
    const result = sdk.ai.streamText({ model, prompt: 'Say hello', abortSignal: controller.signal });
    try {
      for await (const _chunk of result.textStream) controller.abort();
    } catch {
      // The abort surfaces to the reader.
    }
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.status, 'error');
    assert.equal(run.error.type, 'AbortError');
    assert.equal(run.metadata.aborted, true);
    const spans = spansOf(harness.server, run.id);
    assert.ok(spans.length >= 2);
    assert.ok(spans.every((s) => s.status === 'error'), 'the step and model call end as errors');
    await harness.stop();
  });

  it('an abandoned streamText (reader stops early) still ends, marked stream_abandoned', async () => {
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doStream: async () => ({ stream: sdk.test.simulateReadableStream({ chunks: TEXT_STREAM, chunkDelayInMs: 1 }) }) });
    const result = sdk.ai.streamText({ model, prompt: 'Say hello' });
    for await (const _chunk of result.textStream) break;
    // The model call finishes in the background; the call is ended after abandonedStreamTimeoutMs.
    let run: any;
    for (let i = 0; i < 200 && run?.status !== 'ok'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await flush();
      run = [...harness.server.runs.values()][0];
    }
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.stream_abandoned, true);
    assert.ok(spansOf(harness.server, run.id).every((s) => s.status === 'ok'));
    await harness.stop();
  });

  it('generateObject records the object as output and the model call with usage', async () => {
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: { ...TEXT_RESULT, content: [{ type: 'text', text: '{"name":"Ada","born":1815}' }] } });
    const previous = (globalThis as any).AI_SDK_LOG_WARNINGS;
    (globalThis as any).AI_SDK_LOG_WARNINGS = false;
    const result = await sdk.ai.generateObject({ model, schema: sdk.z.object({ name: sdk.z.string(), born: sdk.z.number() }), prompt: 'Who wrote the first program?' });
    (globalThis as any).AI_SDK_LOG_WARNINGS = previous;
    assert.deepEqual(result.object, { name: 'Ada', born: 1815 });
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'generateObject');
    assert.deepEqual(eventsOf(harness.server, run.id, null).map((e) => e.content), ['Who wrote the first program?', { name: 'Ada', born: 1815 }]);
    const model1 = only(spansOf(harness.server, run.id), 'span');
    assert.equal(model1.kind, 'model');
    assert.equal(model1.attributes.input_tokens, 100);
    assert.deepEqual(eventsOf(harness.server, run.id, model1.id).map((e) => e.type), ['user_input', 'assistant_message']);
    await harness.stop();
  });

  it('embedMany records one model span per embedding call with its token usage', async () => {
    const model = new sdk.test.MockEmbeddingModelV3({
      provider: 'openai.embedding',
      modelId: 'text-embedding-3-small',
      maxEmbeddingsPerCall: 1,
      doEmbed: async ({ values }: { values: string[] }) => ({ embeddings: values.map(() => [0.1, 0.2, 0.3]), usage: { tokens: 7 }, warnings: [] }),
    });
    const result = await sdk.ai.embedMany({ model, values: ['sunny', 'rainy'] });
    assert.equal(result.embeddings.length, 2);
    assert.equal(await flush(), true);
    assertNoRejections(harness.server);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'embedMany');
    const spans = spansOf(harness.server, run.id);
    assert.deepEqual(spans.map((s) => s.kind), ['model', 'model']);
    for (const s of spans) {
      assert.equal(s.attributes.input_tokens, 7);
      assert.equal(s.attributes.dimensions, 3);
      assert.equal(s.attributes.pricing_source, 'genai-prices');
    }
    assert.equal(run.metadata.total_input_tokens, 14);
    await harness.stop();
  });

  it('@ai-sdk/openai against the loopback server, inside a NorthStar trace: one tree, failed calls as errors', async () => {
    const openai = sdk.openai.createOpenAI({ apiKey: 'sk-test-loopback', baseURL: llm.openaiBaseURL });
    const tools = {
      get_weather: sdk.ai.tool({ inputSchema: sdk.z.object({ city: sdk.z.string(), unit: sdk.z.string() }), execute: async ({ city }: { city: string }) => ({ city, temp: 21 }) }),
      get_time: sdk.ai.tool({ inputSchema: sdk.z.object({ tz: sdk.z.string() }), execute: async () => '12:00' }),
    };
    const answer = await trace('support-request', async () =>
      sdk.ai.generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'Weather and time in Paris?', tools, stopWhen: sdk.ai.stepCountIs(4), headers: { 'x-scenario': 'agent' } }),
    );
    assert.equal(answer.text, 'It is 18°C and sunny in Paris.');
    await assert.rejects(trace('failing-request', async () => sdk.ai.generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'x', maxRetries: 0, headers: { 'x-scenario': 'error-400' } })));
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = [...server.runs.values()].find((r) => r.name === 'support-request');
    const spans = spansOf(server, run.id);
    const call = only(childrenOf(spans, undefined), 'call span');
    assert.equal(call.kind, 'agent');
    assert.equal(call.name, 'generateText');
    const steps = childrenOf(spans, call.id);
    assert.equal(steps.length, 2);
    assert.deepEqual(childrenOf(spans, steps[0].id).map((s) => `${s.kind}:${s.name}`), ['model:gpt-4o-mini', 'tool:get_weather', 'tool:get_time']);
    const model1 = childrenOf(spans, steps[0].id)[0];
    assert.equal(model1.attributes.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(model1.attributes.input_tokens, 120);
    assert.equal(model1.attributes.output_tokens, 30);
    assert.ok(model1.attributes.cost_usd > 0);
    const weather = childrenOf(spans, steps[0].id)[1];
    assert.deepEqual(eventsOf(server, run.id, weather.id).map((e) => [e.type, e.content]), [
      ['tool_arguments', { city: 'Paris', unit: 'celsius' }],
      ['tool_result', { city: 'Paris', temp: 21 }],
    ]);
    assert.equal(run.metadata.total_input_tokens, 240);

    const failing = [...server.runs.values()].find((r) => r.name === 'failing-request');
    assert.equal(failing.status, 'error');
    const failedCall = only(childrenOf(spansOf(server, failing.id), undefined), 'call span');
    assert.equal(failedCall.status, 'error');
    assert.ok(failedCall.error.message.length > 0);
    await harness.stop();
  });

  it('streamText with @ai-sdk/openai against the loopback server: streamed answer, usage and cost', async () => {
    const openai = sdk.openai.createOpenAI({ apiKey: 'sk-test-loopback', baseURL: llm.openaiBaseURL });
    const result = sdk.ai.streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Capital of France?' });
    let text = '';
    for await (const chunk of result.textStream) text += chunk;
    assert.equal(text, 'Paris is the capital of France.');
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    const model = byStart(spansOf(harness.server, run.id)).find((s) => s.kind === 'model');
    assert.deepEqual(eventsOf(harness.server, run.id, model.id).map((e) => [e.type, e.content]), [
      ['user_input', 'Capital of France?'],
      ['assistant_message', 'Paris is the capital of France.'],
    ]);
    assert.equal(model.attributes.input_tokens, 120);
    assert.equal(model.attributes.cache_read_tokens, 20);
    assert.ok(model.attributes.cost_usd > 0);
    await harness.stop();
  });

  it('works when registered per call (telemetry.integrations) and refuses bad options', async () => {
    const global = (globalThis as any).AI_SDK_TELEMETRY_INTEGRATIONS;
    (globalThis as any).AI_SDK_TELEMETRY_INTEGRATIONS = [];
    try {
      const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: TEXT_RESULT });
      await sdk.ai.generateText({ model, prompt: 'hi', telemetry: { functionId: 'per-call', integrations: [new NorthstarTelemetry()] } });
    } finally {
      (globalThis as any).AI_SDK_TELEMETRY_INTEGRATIONS = global;
    }
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.name, 'per-call');
    assert.equal(eventsOf(harness.server, run.id, null).length, 2, 'input and output');
    await harness.stop();

    // The AI SDK's own privacy switches: no messages, usage and cost still recorded.
    harness.start();
    const model = new sdk.test.MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-4o-mini', doGenerate: TEXT_RESULT });
    await sdk.ai.generateText({ model, prompt: 'secret question', telemetry: { functionId: 'private', recordInputs: false, recordOutputs: false } });
    assert.equal(await flush(), true);
    const quiet = only(harness.server.runs.values(), 'run');
    assert.deepEqual(eventsOf(harness.server, quiet.id), []);
    assert.equal(quiet.metadata.total_input_tokens, 100);
    assert.throws(() => new NorthstarTelemetry({ abandonedStreamTimeoutMs: -1 }), (e: Error) => e instanceof NorthstarConfigError && /abandonedStreamTimeoutMs/.test(e.message));
    await harness.stop();
  });
});
