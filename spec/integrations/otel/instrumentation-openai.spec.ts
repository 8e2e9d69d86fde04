// The span processor with the official `@opentelemetry/instrumentation-openai` on the real
// `openai` client against the loopback OpenAI server. That instrumentation sends the
// per-message events through the Logs API, so `NorthstarLogRecordProcessor` joins them to
// their span. The ESM `openai` module is patched through the instrumentation's own module
// definitions (what its require/import hooks would do).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { context, metrics, trace as otelTrace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import * as openaiModule from 'openai';
import OpenAI from 'openai';

import { NorthstarLogRecordProcessor, NorthstarSpanProcessor } from '../../../integrations/otel/index.js';
import { flush, trace } from '../../../src/index.js';
import { startLlmServer, type LlmServer } from '../../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, spansOf } from '../../tracing/ingest-harness.js';

let harness: Harness;
let llm: LlmServer;
let provider: BasicTracerProvider;
let loggerProvider: LoggerProvider;
const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });

before(async () => {
  harness = await createHarness();
  llm = await startLlmServer();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new BasicTracerProvider({ spanProcessors: [new NorthstarSpanProcessor()] });
  loggerProvider = new LoggerProvider({ processors: [new NorthstarLogRecordProcessor()] });
  otelTrace.setGlobalTracerProvider(provider);
  instrumentation.setTracerProvider(provider);
  instrumentation.setLoggerProvider(loggerProvider);
  // Its metric instruments must exist (the error path records a duration): the API's no-op meter will do.
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(openaiModule, '6.0.0');
});
after(async () => {
  for (const definition of instrumentation.getModuleDefinitions()) definition.unpatch?.(openaiModule, '6.0.0');
  await provider.shutdown();
  await loggerProvider.shutdown();
  await llm.close();
  await harness.close();
});
beforeEach(() => harness.start());

describe('NorthstarSpanProcessor with @opentelemetry/instrumentation-openai', () => {
  it('a chat completion inside a NorthStar trace: model span with messages by role, tool calls, usage and cost', async () => {
    const client = new OpenAI({ apiKey: 'sk-test-loopback', baseURL: llm.openaiBaseURL, maxRetries: 0 });
    await trace('support-request', async () =>
      client.chat.completions.create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'Weather and time in Paris?' },
          ],
        },
        { headers: { 'x-scenario': 'tools' } },
      ),
    );
    assert.equal(await flush(), true);
    const { server } = harness;
    assertNoRejections(server);
    const run = only(server.runs.values(), 'run');
    assert.equal(run.name, 'support-request');
    const model = only(spansOf(server, run.id), 'span');
    assert.equal(model.kind, 'model');
    assert.equal(model.name, 'chat gpt-4o-mini');
    assert.equal(model.attributes.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(model.attributes.input_tokens, 120);
    assert.equal(model.attributes.output_tokens, 30);
    assert.equal(model.attributes.pricing_source, 'genai-prices');
    assert.ok(model.attributes.cost_usd > 0);
    const events = eventsOf(server, run.id, model.id);
    assert.deepEqual(events.map((e) => e.type), ['system_message', 'user_input', 'tool_arguments', 'tool_arguments']);
    assert.equal(events[0].content, 'You are terse.');
    assert.equal(events[1].content, 'Weather and time in Paris?');
    assert.deepEqual(events[2].content, { id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } });
    assert.equal(run.metadata.total_input_tokens, 120);
    await harness.stop();
  });

  it('a failed call is a model span with status error, its own run when no trace is open', async () => {
    const client = new OpenAI({ apiKey: 'sk-test-loopback', baseURL: llm.openaiBaseURL, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-scenario': 'error-400' } }));
    assert.equal(await flush(), true);
    const run = only(harness.server.runs.values(), 'run');
    assert.equal(run.status, 'error');
    const model = only(spansOf(harness.server, run.id), 'span');
    assert.equal(model.status, 'error');
    assert.ok(model.error.message.length > 0);
    await harness.stop();
  });
});
