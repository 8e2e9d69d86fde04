/** Token counts of one model call. */
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

/** Reads token usage from a provider response or usage object. STUB: replaced by the model-calls work. */
export function extractUsage(value: unknown): TokenUsage | undefined {
  const usage = (value as { usage?: Record<string, unknown> } | null)?.usage ?? value;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const inputTokens = num(u.prompt_tokens) ?? num(u.input_tokens) ?? num(u.promptTokens) ?? num(u.inputTokens);
  const outputTokens = num(u.completion_tokens) ?? num(u.output_tokens) ?? num(u.completionTokens) ?? num(u.outputTokens);
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens, outputTokens };
}

/** Reads the model name from a request or response. STUB: replaced by the model-calls work. */
export function extractModelName(value: unknown): string | undefined {
  const model = (value as { model?: unknown } | null)?.model;
  return typeof model === 'string' ? model : undefined;
}
