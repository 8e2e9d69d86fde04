import type { SpanKind } from '../registry/records.js';
import type { TokenUsage } from '../model/usage.js';
import type { CompiledPrompt } from '../prompts/prompt-version.js';

/** Plain attributes or metadata: a JSON object. */
export type Attributes = Record<string, unknown>;

/** What every open run or span handle can record. */
export interface ObservationHandle {
  /** The record id (a UUID). */
  readonly id: string;
  /** Records the output (the run's `final_response`, a span's `tool_result`); the last call wins. */
  setOutput(value: unknown): void;
  /** A named custom event with data. */
  logEvent(name: string, data?: unknown): void;
  /** A named numeric metric; throws `TypeError` for anything but a finite number. */
  logMetric(name: string, value: number): void;
  /** Merged into the run's metadata (or the span's attributes). */
  logMetadata(metadata: Attributes): void;
}

/** Options of a child span. */
export interface SpanOptions {
  /** @default 'custom' */
  kind?: SpanKind;
  /** Loop iteration this span belongs to (a 32-bit integer). */
  iteration?: number;
  attributes?: Attributes;
  /** Record the span's input; @default the parent's setting */
  captureInput?: boolean;
  /** Record the span's output; @default the parent's setting */
  captureOutput?: boolean;
}

/** Options of a model span. */
export interface ModelCallOptions {
  /** The model name, used for pricing (e.g. `gpt-4o-mini`, `claude-sonnet-4-5`). */
  model?: string;
  /** The provider (`openai`, `anthropic`, ...); helps pricing resolve the model. */
  provider?: string;
  attributes?: Attributes;
  iteration?: number;
  captureInput?: boolean;
  captureOutput?: boolean;
  /** Links the span to this compiled prompt's version (`prompt_links`). @default the prompt bound by `withPrompt`, if any */
  prompt?: CompiledPrompt;
}

/** Usage as reported by hand to `ModelSpan.recordUsage`. */
export interface UsageInput {
  promptTokens?: number;
  completionTokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** An explicit cost wins over the price table. */
  costUsd?: number;
}

/** An open child span. */
export interface SpanHandle extends ObservationHandle {
  /** The id of the run it belongs to. */
  readonly traceId: string;
  /** Merged into the span's attributes. */
  setAttributes(attributes: Attributes): void;
}

/** An open model span: records what was sent, what came back, tokens and cost. */
export interface ModelSpan extends SpanHandle {
  /** The messages sent (OpenAI, Anthropic or plain `{role, content}` shapes, or a whole request). */
  recordInputMessages(messages: unknown): void;
  /** The message (or whole provider response) that came back. */
  recordOutputMessage(message: unknown): void;
  /** Token usage (and optionally cost); also accepts a provider `usage` object. */
  recordUsage(usage: UsageInput | TokenUsage | object): void;
  /** Sets or corrects the model name. */
  setModel(model: string): void;
  /** Links this model call to a compiled prompt's version, with its variable values (redacted like any captured value). */
  linkPrompt(prompt: CompiledPrompt): void;
}

/** An open run: what `trace(name, fn)` hands to `fn` (the dashboard shows a run as a trace). */
export interface TraceHandle extends ObservationHandle {
  /** Runs `fn` inside a child span of this run. */
  span<R>(name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R;
  /** Runs `fn` inside a model span of this run. */
  modelCall<R>(name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R;
}
