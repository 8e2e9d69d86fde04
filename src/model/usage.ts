import { type Bag, isBag, nonNegative } from '../util/values.js';

/**
 * Token counts of one model call.
 *
 * `inputTokens` is every input token the provider billed, cached ones included:
 * `cacheReadTokens` and `cacheWriteTokens` are parts of it, not additions (OpenAI's
 * `prompt_tokens` already counts them; Anthropic's `input_tokens` does not, so
 * `extractUsage` adds Anthropic's cache counts in). `reasoningTokens` is likewise a part
 * of `outputTokens`.
 */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** True when counted by the SDK rather than reported by the provider. */
  estimated?: boolean;
}

const count = nonNegative;

const bag = (value: unknown): Bag | undefined => (isBag(value) ? value : undefined);

/**
 * Reads token usage from a provider response or a usage object: OpenAI Chat Completions
 * and Responses, Anthropic Messages, Gemini `usageMetadata`, or camelCase counts
 * (`inputTokens`/`promptTokens`...). Undefined when no count is found.
 *
 * @example extractUsage({ usage: { prompt_tokens: 12, completion_tokens: 3 } }) // { inputTokens: 12, outputTokens: 3, totalTokens: 15 }
 */
export function extractUsage(value: unknown): TokenUsage | undefined {
  try {
    return readUsage(value);
  } catch {
    // A getter or Proxy that throws has no usage we can trust.
    return undefined;
  }
}

function readUsage(value: unknown): TokenUsage | undefined {
  const outer = bag(value);
  if (outer === undefined) return undefined;
  const u = bag(outer.usage) ?? bag(outer.usageMetadata) ?? outer;

  // OpenAI Chat Completions.
  if (count(u.prompt_tokens) !== undefined || count(u.completion_tokens) !== undefined) {
    return build(
      count(u.prompt_tokens),
      count(u.completion_tokens),
      count(u.total_tokens),
      count(bag(u.prompt_tokens_details)?.cached_tokens),
      undefined,
      count(bag(u.completion_tokens_details)?.reasoning_tokens),
    );
  }
  // OpenAI Responses and Anthropic Messages share input_tokens/output_tokens; only
  // Anthropic reports cache tokens beside them, outside input_tokens.
  if (count(u.input_tokens) !== undefined || count(u.output_tokens) !== undefined) {
    const cacheRead = count(u.cache_read_input_tokens);
    const cacheWrite = count(u.cache_creation_input_tokens);
    const uncached = count(u.input_tokens);
    const input = uncached === undefined && cacheRead === undefined && cacheWrite === undefined ? undefined : (uncached ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
    return build(
      input,
      count(u.output_tokens),
      count(u.total_tokens),
      cacheRead ?? count(bag(u.input_tokens_details)?.cached_tokens),
      cacheWrite,
      count(bag(u.output_tokens_details)?.reasoning_tokens),
    );
  }
  // Gemini.
  if (count(u.promptTokenCount) !== undefined || count(u.candidatesTokenCount) !== undefined) {
    const thoughts = count(u.thoughtsTokenCount);
    const candidates = count(u.candidatesTokenCount);
    const output = candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0);
    return build(count(u.promptTokenCount), output, count(u.totalTokenCount), count(u.cachedContentTokenCount), undefined, thoughts);
  }
  // camelCase: this SDK's TokenUsage, the Vercel AI SDK, hand-written objects.
  const input = count(u.inputTokens) ?? count(u.promptTokens);
  const output = count(u.outputTokens) ?? count(u.completionTokens);
  if (input === undefined && output === undefined) return undefined;
  const usage = build(
    input,
    output,
    count(u.totalTokens),
    count(u.cacheReadTokens) ?? count(u.cachedInputTokens),
    count(u.cacheWriteTokens),
    count(u.reasoningTokens),
  );
  if (u.estimated === true) usage.estimated = true;
  return usage;
}

function build(
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  totalTokens: number | undefined,
  cacheReadTokens: number | undefined,
  cacheWriteTokens: number | undefined,
  reasoningTokens: number | undefined,
): TokenUsage {
  const usage: TokenUsage = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  const total = totalTokens ?? (inputTokens !== undefined || outputTokens !== undefined ? (inputTokens ?? 0) + (outputTokens ?? 0) : undefined);
  if (total !== undefined) usage.totalTokens = total;
  if (cacheReadTokens !== undefined) usage.cacheReadTokens = cacheReadTokens;
  if (cacheWriteTokens !== undefined) usage.cacheWriteTokens = cacheWriteTokens;
  if (reasoningTokens !== undefined) usage.reasoningTokens = reasoningTokens;
  return usage;
}

/**
 * Reads the model name from a request or response (`model`, or the one inside an
 * Anthropic `message_start` or a Responses stream event). Undefined when there is none.
 */
export function extractModelName(value: unknown): string | undefined {
  try {
    const v = bag(value);
    if (v === undefined) return undefined;
    for (const candidate of [v.model, bag(v.message)?.model, bag(v.response)?.model, v.modelVersion]) {
      if (typeof candidate === 'string' && candidate !== '') return candidate;
    }
  } catch {
    // Unreadable: no model name.
  }
  return undefined;
}
