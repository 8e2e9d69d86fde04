// extractUsage / extractModelName on the providers' real usage shapes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { extractModelName, extractUsage } from '../../src/model/usage.js';

describe('extractUsage', () => {
  it('reads OpenAI Chat Completions usage with cached and reasoning details', () => {
    const completion = {
      object: 'chat.completion',
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 256, audio_tokens: 0 },
      },
    };
    assert.deepEqual(extractUsage(completion), { inputTokens: 1200, outputTokens: 300, totalTokens: 1500, cacheReadTokens: 1024, reasoningTokens: 256 });
  });

  it('reads OpenAI Responses usage', () => {
    const usage = { input_tokens: 200, input_tokens_details: { cached_tokens: 50 }, output_tokens: 80, output_tokens_details: { reasoning_tokens: 32 }, total_tokens: 280 };
    assert.deepEqual(extractUsage({ object: 'response', usage }), { inputTokens: 200, outputTokens: 80, totalTokens: 280, cacheReadTokens: 50, reasoningTokens: 32 });
  });

  it('counts Anthropic cache tokens into inputTokens (Anthropic reports them beside input_tokens)', () => {
    const usage = { input_tokens: 50, cache_creation_input_tokens: 2000, cache_read_input_tokens: 100, output_tokens: 40, service_tier: 'standard' };
    assert.deepEqual(extractUsage({ type: 'message', usage }), { inputTokens: 2150, outputTokens: 40, totalTokens: 2190, cacheReadTokens: 100, cacheWriteTokens: 2000 });
    assert.deepEqual(extractUsage({ input_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 2 }), { inputTokens: 10, outputTokens: 2, totalTokens: 12 });
  });

  it('reads camelCase counts (this SDK, the Vercel AI SDK) and Gemini usageMetadata', () => {
    assert.deepEqual(extractUsage({ promptTokens: 5, completionTokens: 7 }), { inputTokens: 5, outputTokens: 7, totalTokens: 12 });
    assert.deepEqual(extractUsage({ inputTokens: 5, outputTokens: 1, cachedInputTokens: 2, estimated: true }), { inputTokens: 5, outputTokens: 1, totalTokens: 6, cacheReadTokens: 2, estimated: true });
    assert.deepEqual(extractUsage({ usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6, totalTokenCount: 20 } }), {
      inputTokens: 10,
      outputTokens: 10,
      totalTokens: 20,
      reasoningTokens: 6,
    });
  });

  it('gives undefined for no usage, null usage, and nonsense counts', () => {
    for (const value of [undefined, null, 'text', 42, [], {}, { usage: null }, { choices: [] }, { prompt_tokens: -1 }, { input_tokens: Number.NaN }]) {
      assert.equal(extractUsage(value), undefined, JSON.stringify(value));
    }
  });
});

describe('extractModelName', () => {
  it('reads the model of a request, a response, and stream events', () => {
    assert.equal(extractModelName({ model: 'gpt-4o-mini', messages: [] }), 'gpt-4o-mini');
    assert.equal(extractModelName({ type: 'message_start', message: { model: 'claude-sonnet-4-5-20250929' } }), 'claude-sonnet-4-5-20250929');
    assert.equal(extractModelName({ type: 'response.completed', response: { model: 'gpt-4.1' } }), 'gpt-4.1');
    assert.equal(extractModelName({ model: '' }), undefined);
    assert.equal(extractModelName('gpt-4o'), undefined);
  });
});
