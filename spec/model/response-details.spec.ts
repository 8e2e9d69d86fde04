// Model spans record finish_reason, response id, request id, the responding model next to
// the requested one, and provider from every form; real `openai` and `@anthropic-ai/sdk`
// clients against the loopback LLM server.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { flush, instrumentAnthropic, instrumentOpenAI, modelCall, trace } from '../../src/index.js';
import { responseDetails } from '../../src/model/response-details.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { assertNoRejections, createHarness, type Harness, only, runNamed, spansOf } from '../tracing/ingest-harness.js';

let h: Harness;
let llm: LlmServer;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  h = await createHarness();
  llm = await startLlmServer();
  openai = instrumentOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0 }));
  anthropic = instrumentAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: llm.anthropicBaseURL, maxRetries: 0 }));
});
afterEach(() => h.stop());
after(async () => {
  await h.close();
  await llm.close();
});

async function onlySpan(runName: string) {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  return only(spansOf(h.server, runNamed(h.server, runName).id));
}

describe('model span details', () => {
  it('OpenAI chat: finish_reason, response_id, request_id, model asked for and response_model, provider', async () => {
    h.start();
    await trace('chat', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    const span = await onlySpan('chat');
    assert.equal(span.attributes.finish_reason, 'stop');
    assert.equal(span.attributes.response_id, 'chatcmpl-fixed-1');
    assert.equal(span.attributes.request_id, 'req_fixed_1');
    assert.equal(span.attributes.model, 'gpt-4o-mini');
    assert.match(span.attributes.response_model, /^gpt-4o-mini/);
    assert.equal(span.attributes.provider, 'openai');
  });

  it('OpenAI chat stream: the same details from the assembled response', async () => {
    h.start();
    await trace('chat-stream', async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const _chunk of stream) {
        // read it all
      }
    });
    const span = await onlySpan('chat-stream');
    assert.equal(span.attributes.finish_reason, 'stop');
    assert.equal(span.attributes.response_id, 'chatcmpl-fixed-1');
    assert.equal(span.attributes.model, 'gpt-4o-mini');
    assert.match(span.attributes.response_model, /^gpt-4o-mini/);
  });

  it('OpenAI Responses: status as finish_reason and the resp_ id', async () => {
    h.start();
    await trace('responses', () => openai.responses.create({ model: 'gpt-4o-mini', input: 'hi' }));
    const span = await onlySpan('responses');
    assert.equal(span.attributes.finish_reason, 'completed');
    assert.equal(span.attributes.response_id, 'resp_fixed_1');
    assert.equal(span.attributes.request_id, 'req_fixed_1');
  });

  it('Anthropic messages: stop_reason, msg_ id, request id', async () => {
    h.start();
    await trace('anthropic', () => anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }));
    const span = await onlySpan('anthropic');
    assert.equal(span.attributes.finish_reason, 'end_turn');
    assert.equal(span.attributes.response_id, 'msg_fixed_1');
    assert.equal(span.attributes.request_id, 'req_fixed_1');
    assert.equal(span.attributes.provider, 'anthropic');
    assert.equal(span.attributes.model, 'claude-sonnet-4-5');
  });

  it('modelCall(name, { provider }) records provider', async () => {
    h.start();
    await trace('by-hand', () => modelCall('m', { model: 'gpt-4o-mini', provider: 'azure' }, (m) => m.recordUsage({ promptTokens: 1, completionTokens: 1 })));
    const span = await onlySpan('by-hand');
    assert.equal(span.attributes.provider, 'azure');
  });

  it('responseDetails reads nothing from shapes it does not know', () => {
    assert.deepEqual(responseDetails({ foo: 1 }), {});
    assert.deepEqual(responseDetails('text'), {});
    assert.deepEqual(responseDetails(null), {});
  });
});
