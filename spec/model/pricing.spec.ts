// priceFor over @pydantic/genai-prices: dated ids, provider prefixes, cache rates, unknowns.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { priceFor } from '../../src/model/pricing.js';

const close = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

describe('priceFor', () => {
  it('prices a known model from the bundled table', () => {
    const price = priceFor('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 }, 'openai');
    assert.equal(price.pricingSource, 'genai-prices');
    close(price.costUsd, 0.15 + 0.6);
  });

  it('resolves dated model ids and provider prefixes to the same price', () => {
    const usage = { inputTokens: 1000, outputTokens: 100 };
    const base = priceFor('claude-sonnet-4-5', usage, 'anthropic').costUsd!;
    close(base, (1000 * 3 + 100 * 15) / 1e6);
    close(priceFor('claude-sonnet-4-5-20250929', usage, 'anthropic').costUsd, base);
    close(priceFor('claude-sonnet-4-5-20250929', usage).costUsd, base);
    close(priceFor('anthropic/claude-sonnet-4-5', usage).costUsd, base);
    close(priceFor('gpt-4o-2024-08-06', usage, 'openai').costUsd, priceFor('gpt-4o', usage, 'openai').costUsd!);
  });

  it('applies cached-read and cache-write rates to the parts of inputTokens they cover', () => {
    // 1000 input = 700 uncached + 200 cache reads + 100 cache writes.
    const price = priceFor('claude-sonnet-4-5', { inputTokens: 1000, cacheReadTokens: 200, cacheWriteTokens: 100, outputTokens: 0 }, 'anthropic');
    close(price.costUsd, (700 * 3 + 200 * 0.3 + 100 * 3.75) / 1e6);
  });

  it('still prices a known model behind a provider name the table does not know', () => {
    assert.equal(priceFor('gpt-4o-mini', { inputTokens: 10, outputTokens: 10 }, 'my-gateway').pricingSource, 'genai-prices');
  });

  it('an unknown model, no model, or no token counts is unknown with no cost', () => {
    for (const [model, usage] of [
      ['no-such-model-xyz', { inputTokens: 10, outputTokens: 1 }],
      [undefined, { inputTokens: 10 }],
      ['  ', { inputTokens: 10 }],
      ['gpt-4o', {}],
    ] as const) {
      const price = priceFor(model, usage);
      assert.deepEqual(price, { pricingSource: 'unknown' });
      assert.equal('costUsd' in price, false);
    }
    // A second miss comes from the miss cache and says the same.
    assert.deepEqual(priceFor('no-such-model-xyz', { inputTokens: 10, outputTokens: 1 }), { pricingSource: 'unknown' });
  });
});
