import type { TokenUsage } from './usage.js';

/** The cost of one model call and where the price came from. */
export interface Price {
  readonly costUsd?: number;
  /** `'genai-prices'`, `'user'` (explicit costUsd) or `'unknown'`. */
  readonly pricingSource: string;
}

/** USD cost of a call. STUB: replaced by the model-calls work. */
export function priceFor(model: string | undefined, usage: TokenUsage, provider?: string): Price {
  void model;
  void usage;
  void provider;
  return { pricingSource: 'unknown' };
}
