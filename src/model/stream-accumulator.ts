import type { TokenUsage } from './usage.js';

/** What a finished model stream adds up to. */
export interface StreamSummary {
  /** The assembled message (text and tool calls) in the provider's non-streaming shape, or undefined. */
  readonly message?: unknown;
  readonly usage?: TokenUsage;
  readonly model?: string;
}

/** Collects the chunks of a model stream as the caller reads them. */
export interface StreamAccumulator {
  push(chunk: unknown): void;
  finish(): StreamSummary;
}

/** An accumulator that recognises OpenAI and Anthropic stream chunks. STUB: replaced by the model-calls work. */
export function createStreamAccumulator(): StreamAccumulator {
  const chunks: unknown[] = [];
  return {
    push(chunk) {
      if (chunks.length < 1000) chunks.push(chunk);
    },
    finish() {
      return { message: chunks };
    },
  };
}
