import { priceTable } from './price-table.js';
import type { TokenUsage } from './usage.js';

/** The cost of one model call and where the price came from. */
export interface Price {
  readonly costUsd?: number;
  /** `'genai-prices'`, `'user'` (explicit costUsd) or `'unknown'`. */
  readonly pricingSource: string;
}

// The price table is @pydantic/genai-prices' bundled snapshot, loaded on the first call
// that needs a price (./price-table.ts). It never fetches anything unless `updatePrices`
// is called, which this SDK does not do.

const UNKNOWN: Price = Object.freeze({ pricingSource: 'unknown' });
const SOURCE = 'genai-prices';

/** `provider|model` pairs the table does not know, so a miss is computed once. */
const misses = new Set<string>();
const MAX_MISSES = 1000;

/**
 * USD cost of a call from its model, token usage and (optionally) provider. Dated model
 * ids and provider prefixes (`openai/gpt-4o`) resolve to the table's entry; cached
 * tokens get their own rate. An unknown model gives `{ pricingSource: 'unknown' }`.
 *
 * @example priceFor('gpt-4o-2024-08-06', { inputTokens: 1000, outputTokens: 100 }, 'openai') // { costUsd: 0.0035, pricingSource: 'genai-prices' }
 */
export function priceFor(model: string | undefined, usage: TokenUsage, provider?: string): Price {
  if (typeof model !== 'string' || model.trim() === '') return UNKNOWN;
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return UNKNOWN;
  const key = `${provider ?? ''}|${model}`;
  if (misses.has(key)) return UNKNOWN;

  // genai-prices wants cache tokens as parts of input_tokens, as TokenUsage keeps them.
  const cacheRead = Math.min(usage.cacheReadTokens ?? 0, input);
  const cacheWrite = Math.min(usage.cacheWriteTokens ?? 0, input - cacheRead);
  const tokens: Record<string, number> = { input_tokens: input, output_tokens: output };
  if (cacheRead > 0) tokens.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) tokens.cache_write_tokens = cacheWrite;

  const calcPrice = priceTable();
  if (calcPrice === undefined) return UNKNOWN; // not loadable here (yet): no miss is remembered
  const cost = lookup(calcPrice, tokens, model, provider);
  if (cost === undefined) {
    if (misses.size >= MAX_MISSES) misses.clear();
    misses.add(key);
    return UNKNOWN;
  }
  return { costUsd: cost, pricingSource: SOURCE };
}

function lookup(
  calcPrice: NonNullable<ReturnType<typeof priceTable>>,
  tokens: Record<string, number>,
  model: string,
  provider: string | undefined,
): number | undefined {
  const providerId = provider?.trim().toLowerCase() || undefined;
  const slash = model.lastIndexOf('/');
  const attempts: Array<[string, string | undefined]> = [[model, providerId]];
  // A provider we do not know (a proxy, a gateway) should not hide a model we do.
  if (providerId !== undefined) attempts.push([model, undefined]);
  // `openai/gpt-4o` (OpenRouter, LiteLLM): the prefix names the provider.
  if (slash > 0) attempts.push([model.slice(slash + 1), model.slice(0, slash).toLowerCase()], [model.slice(slash + 1), undefined]);
  for (const [modelId, id] of attempts) {
    try {
      const result = calcPrice(tokens, modelId, id === undefined ? undefined : { providerId: id });
      if (result !== null && Number.isFinite(result.total_price) && result.total_price >= 0) return result.total_price;
    } catch {
      // Malformed usage for this model's price shape: try the next reading, else unknown.
    }
  }
  return undefined;
}
