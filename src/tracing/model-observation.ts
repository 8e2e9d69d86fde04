import { inputEvents, outputEvents } from '../model/message-events.js';
import { priceFor } from '../model/pricing.js';
import { type ResponseDetails, responseDetails } from '../model/response-details.js';
import { createStreamAccumulator, type StreamAccumulator } from '../model/stream-accumulator.js';
import { extractModelName, extractUsage, type TokenUsage } from '../model/usage.js';
import { boundPrompt } from '../prompts/prompt-link.js';
import type { CompiledPrompt } from '../prompts/prompt-version.js';
import { sanitizeString } from '../serialize/sanitize-string.js';
import { nonNegative } from '../util/values.js';
import type { UsageInput } from './handles.js';
import { type Observation, roundUsd, SpanObservation } from './observation.js';
import { linkPrompt } from './prompt-links.js';

/**
 * The model span behind `observation`, if it is one. The package's one test for "is this
 * our object": by shape, never by `instanceof`, because the async context is shared by
 * every loaded copy of the package (ESM and CommonJS) and may hold another copy's span.
 */
export function asModelObservation(observation: Observation | undefined): ModelObservation | undefined {
  return observation !== undefined && typeof (observation as Partial<ModelObservation>).recordResult === 'function' ? (observation as ModelObservation) : undefined;
}

/** A model span: messages in and out become events, usage and cost become attributes. */
export class ModelObservation extends SpanObservation {
  private model: string | undefined;
  private readonly provider: string | undefined;
  private usage: TokenUsage | undefined;
  private explicitCostUsd: number | undefined;
  private outputRecorded = false;
  private details: ResponseDetails = {};

  constructor(
    parent: Observation,
    name: string,
    options: { attributes?: unknown; iteration?: number; model?: string; provider?: string; prompt?: CompiledPrompt; captureInput: boolean; captureOutput: boolean },
  ) {
    super(parent, name, 'model', options);
    this.model = options.model;
    this.provider = options.provider;
    this.linkPrompt(options.prompt ?? boundPrompt());
  }

  /** Links this model span to a compiled prompt's version (`prompt_links`); undefined links nothing. */
  linkPrompt(prompt: CompiledPrompt | undefined): void {
    try {
      linkPrompt(this, prompt);
    } catch (error) {
      this.client.logger.problem('internal', `linking a prompt failed: ${String(error)}`, error);
    }
  }

  setModel(model: string): void {
    if (typeof model === 'string' && model !== '') this.model = model;
  }

  /** The model a response (or a stream's summary) says answered: `response_model`, and `model` when none was asked for. */
  setResponseModel(model: string): void {
    if (typeof model !== 'string' || model === '') return;
    this.details.responseModel = model;
    this.model ??= model;
  }

  /** Reads id, request id, finish reason and responding model from a provider response. */
  private readDetails(response: unknown): void {
    const found = responseDetails(response);
    for (const key of Object.keys(found) as Array<keyof ResponseDetails>) {
      if (found[key] !== undefined) this.details[key] = found[key];
    }
  }

  recordInputMessages(messages: unknown): void {
    if (!this.captureInput) return;
    for (const event of inputEvents(messages)) {
      this.addEvent(event.type, this.client.snapshotJson(event.content), attributesJson(this, event.attributes));
    }
  }

  recordOutputMessage(message: unknown): void {
    this.outputRecorded = true;
    this.readDetails(message);
    if (this.model === undefined) this.model = extractModelName(message);
    const usage = extractUsage(message);
    if (usage && this.usage === undefined) this.usage = usage;
    if (!this.captureOutput) return;
    for (const event of outputEvents(message)) {
      this.addEvent(event.type, this.client.snapshotJson(event.content), attributesJson(this, event.attributes));
    }
  }

  recordUsage(usage: UsageInput | TokenUsage | object): void {
    const u = usage as UsageInput & TokenUsage;
    // extractUsage reads camelCase counts too, cache and reasoning tokens included (a stream's summary carries them).
    const parsed = extractUsage(usage);
    if (parsed) this.usage = { ...this.usage, ...stripUndefined(parsed) };
    const cost = nonNegative(u.costUsd);
    if (cost !== undefined) this.explicitCostUsd = cost;
  }

  /** Records the input of an instrumented call: the messages argument or request. */
  override recordInput(value: unknown): void {
    if (this.model === undefined) this.model = extractModelName(value);
    this.recordInputMessages(value);
  }

  /** Records the return value of an instrumented call unless output was recorded by hand. */
  recordResult(value: unknown): void {
    if (this.outputRecorded) {
      if (this.usage === undefined) this.usage = extractUsage(value);
      this.readDetails(value);
      return;
    }
    this.recordOutputMessage(value);
  }

  /** Whether the output was already recorded by hand inside the call. */
  get outputRecordedByHand(): boolean {
    return this.outputRecorded;
  }

  /** The input of an instrumented call is read even with input capture off: it names the model. */
  override get wantsInput(): boolean {
    return true;
  }

  /** An accumulator for a streamed response; its summary becomes the output. */
  streamAccumulator(): StreamAccumulator {
    return createStreamAccumulator();
  }

  protected override beforeEnd(): void {
    const attrs = this.attributes;
    if (this.model !== undefined) attrs.model = sanitizeString(this.model);
    const { responseModel, finishReason, responseId, requestId } = this.details;
    if (responseModel !== undefined) attrs.response_model = sanitizeString(responseModel);
    if (finishReason !== undefined) attrs.finish_reason = sanitizeString(finishReason);
    if (responseId !== undefined) attrs.response_id = sanitizeString(responseId);
    if (requestId !== undefined) attrs.request_id = sanitizeString(requestId);
    if (this.provider !== undefined && attrs.provider === undefined) attrs.provider = sanitizeString(this.provider);
    const usage = this.usage;
    if (usage?.inputTokens !== undefined) attrs.input_tokens = usage.inputTokens;
    if (usage?.outputTokens !== undefined) attrs.output_tokens = usage.outputTokens;
    const total = usage?.totalTokens ?? (usage && (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
    if (total !== undefined) attrs.total_tokens = total;
    if (usage?.cacheReadTokens !== undefined) attrs.cache_read_tokens = usage.cacheReadTokens;
    if (usage?.cacheWriteTokens !== undefined) attrs.cache_write_tokens = usage.cacheWriteTokens;
    if (usage?.reasoningTokens !== undefined) attrs.reasoning_tokens = usage.reasoningTokens;
    if (usage?.estimated) attrs.tokens_estimated = true;
    let cost: number | undefined;
    if (this.explicitCostUsd !== undefined) {
      cost = this.explicitCostUsd;
      attrs.pricing_source = 'user';
    } else if (usage) {
      const price = priceFor(this.model, usage, this.provider);
      cost = price.costUsd;
      attrs.pricing_source = price.pricingSource;
    } else {
      attrs.pricing_source = 'unknown';
    }
    if (cost !== undefined) attrs.cost_usd = roundUsd(cost);
    this.run.addModelUsage(usage?.inputTokens, usage?.outputTokens, cost);
  }
}

function stripUndefined(usage: TokenUsage): TokenUsage {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(usage)) if (v !== undefined) out[k] = v;
  return out as TokenUsage;
}

function attributesJson(span: ModelObservation, extra: Record<string, unknown> | undefined): string | undefined {
  return extra === undefined ? undefined : span.client.snapshotJson(extra);
}
