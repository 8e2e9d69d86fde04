import { type Bag, isBag } from '../util/values.js';
import { extractModelName, extractUsage, type TokenUsage } from './usage.js';

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


/** Characters kept per assembled text or arguments string; a long answer stays bounded. */
const MAX_TEXT = 1_000_000;
/** Choices, content blocks, output items and tool calls kept per stream. */
const MAX_PARTS = 256;
/** Unrecognised chunks kept as they are. */
const MAX_OTHER = 100;

const append = (current: string | undefined, delta: unknown): string => {
  const base = current ?? '';
  if (typeof delta !== 'string' || base.length >= MAX_TEXT) return base;
  return base.length + delta.length > MAX_TEXT ? base + delta.slice(0, MAX_TEXT - base.length) : base + delta;
};

const slot = (index: unknown): number | undefined => (Number.isInteger(index) && (index as number) >= 0 && (index as number) < MAX_PARTS ? (index as number) : undefined);

/**
 * An accumulator that recognises OpenAI Chat Completions chunks, OpenAI Responses stream
 * events and Anthropic Messages stream events, and assembles them into the provider's
 * non-streaming response so `outputEvents` and `extractUsage` can read it. Plain string
 * chunks are concatenated. Memory stays bounded whatever the stream's length.
 */
export function createStreamAccumulator(): StreamAccumulator {
  let kind: 'chat' | 'responses' | 'anthropic' | 'text' | 'other' | undefined;
  let chat: ChatState | undefined;
  let responses: ResponsesState | undefined;
  let anthropic: Bag | undefined;
  let text: string | undefined;
  const other: unknown[] = [];

  return {
    push(chunk) {
      try {
        read(chunk);
      } catch {
        // A chunk we cannot read is skipped; the caller's stream is not ours to break.
      }
    },
    finish() {
      try {
        return summarize();
      } catch {
        return {};
      }
    },
  };

  function read(chunk: unknown): void {
    if (typeof chunk === 'string') {
      kind ??= 'text';
      if (kind === 'text') text = append(text, chunk);
      return;
    }
    if (!isBag(chunk)) return;
    const type = typeof chunk.type === 'string' ? chunk.type : undefined;
    if (chunk.object === 'chat.completion.chunk' || (type === undefined && Array.isArray(chunk.choices))) {
      kind ??= 'chat';
      if (kind === 'chat') pushChat((chat ??= newChat()), chunk);
    } else if (type?.startsWith('response.')) {
      kind ??= 'responses';
      if (kind === 'responses') pushResponses((responses ??= { items: [], final: undefined, base: undefined }), chunk);
    } else if (type !== undefined && ANTHROPIC_EVENTS.has(type)) {
      kind ??= 'anthropic';
      if (kind === 'anthropic') anthropic = pushAnthropic(anthropic, chunk);
    } else if (kind === undefined || kind === 'other') {
      kind = 'other';
      if (other.length < MAX_OTHER) other.push(chunk);
    }
  }

  function summarize(): StreamSummary {
    let message: unknown;
    switch (kind) {
      case 'chat':
        message = finishChat(chat!);
        break;
      case 'responses':
        message = finishResponses(responses!);
        break;
      case 'anthropic':
        message = finishAnthropic(anthropic);
        break;
      case 'text':
        message = text;
        break;
      case 'other':
        message = other;
        break;
    }
    if (message === undefined) return {};
    const summary: { message: unknown; usage?: TokenUsage; model?: string } = { message };
    const usage = extractUsage(message);
    if (usage !== undefined) summary.usage = usage;
    const model = extractModelName(message);
    if (model !== undefined) summary.model = model;
    return summary;
  }
}

// ---- OpenAI Chat Completions ----

interface ChatState {
  head: Bag;
  choices: Bag[];
  usage: Bag | undefined;
}

const newChat = (): ChatState => ({ head: {}, choices: [], usage: undefined });

function pushChat(state: ChatState, chunk: Bag): void {
  for (const key of ['id', 'created', 'model', 'system_fingerprint', 'service_tier'] as const) {
    if (chunk[key] !== undefined && chunk[key] !== null) state.head[key] = chunk[key];
  }
  // With `stream_options.include_usage` the last chunk has empty choices and the usage.
  if (isBag(chunk.usage)) state.usage = chunk.usage;
  if (!Array.isArray(chunk.choices)) return;
  for (const choice of chunk.choices) {
    if (!isBag(choice)) continue;
    const index = slot(choice.index ?? 0);
    if (index === undefined) continue;
    const target = (state.choices[index] ??= { index, message: { role: 'assistant', content: null }, finish_reason: null });
    if (choice.finish_reason) target.finish_reason = choice.finish_reason;
    const delta = choice.delta;
    if (!isBag(delta)) continue;
    const message = target.message as Bag;
    if (typeof delta.role === 'string') message.role = delta.role;
    if (typeof delta.content === 'string') message.content = append(message.content ?? undefined, delta.content);
    if (typeof delta.refusal === 'string') message.refusal = append(message.refusal ?? undefined, delta.refusal);
    if (Array.isArray(delta.tool_calls)) {
      const calls: Bag[] = (message.tool_calls ??= []);
      for (const fragment of delta.tool_calls) {
        if (!isBag(fragment)) continue;
        // Fragments of one call share its index; only the first carries id and name.
        const at = slot(fragment.index ?? calls.length);
        if (at === undefined) continue;
        const call = (calls[at] ??= { id: undefined, type: 'function', function: { name: '', arguments: '' } });
        if (typeof fragment.id === 'string') call.id = fragment.id;
        if (typeof fragment.type === 'string') call.type = fragment.type;
        if (isBag(fragment.function)) {
          if (typeof fragment.function.name === 'string') call.function.name = append(call.function.name, fragment.function.name);
          if (typeof fragment.function.arguments === 'string') call.function.arguments = append(call.function.arguments, fragment.function.arguments);
        }
      }
    }
  }
}

function finishChat(state: ChatState): Bag {
  const choices = state.choices.filter(Boolean).map((choice) => {
    const message = choice.message as Bag;
    if (Array.isArray(message.tool_calls)) message.tool_calls = message.tool_calls.filter(Boolean);
    return choice;
  });
  const completion: Bag = { ...state.head, object: 'chat.completion', choices };
  if (state.usage !== undefined) completion.usage = state.usage;
  return completion;
}

// ---- OpenAI Responses ----

interface ResponsesState {
  /** Output items by output_index, assembled from deltas when no final response arrives. */
  items: Bag[];
  /** The full response of `response.completed` / `incomplete` / `failed`. */
  final: Bag | undefined;
  /** The response of `response.created` / `in_progress`, for model and id. */
  base: Bag | undefined;
}

function pushResponses(state: ResponsesState, event: Bag): void {
  switch (event.type) {
    case 'response.created':
    case 'response.in_progress':
      if (isBag(event.response)) state.base = event.response;
      return;
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      if (isBag(event.response)) state.final = event.response;
      return;
  }
  if (state.final !== undefined) return;
  const index = slot(event.output_index);
  if (index === undefined) return;
  switch (event.type) {
    case 'response.output_item.added':
    case 'response.output_item.done':
      if (isBag(event.item)) {
        const previous = state.items[index];
        state.items[index] = event.type === 'response.output_item.done' || previous === undefined ? copyItem(event.item) : previous;
      }
      return;
    case 'response.output_text.delta': {
      const item = (state.items[index] ??= { type: 'message', role: 'assistant', content: [] });
      const content: Bag[] = Array.isArray(item.content) ? item.content : (item.content = []);
      const at = slot(event.content_index ?? 0) ?? 0;
      const part = (content[at] ??= { type: 'output_text', text: '' });
      part.text = append(part.text, event.delta);
      return;
    }
    case 'response.function_call_arguments.delta': {
      const item = (state.items[index] ??= { type: 'function_call', arguments: '' });
      item.arguments = append(item.arguments, event.delta);
      return;
    }
  }
}

/** A copy the deltas can grow without touching the event the caller holds. */
function copyItem(item: Bag): Bag {
  return Array.isArray(item.content) ? { ...item, content: item.content.map((part: unknown) => (isBag(part) ? { ...part } : part)) } : { ...item };
}

function finishResponses(state: ResponsesState): Bag {
  if (state.final !== undefined) return state.final;
  return { ...state.base, object: 'response', output: state.items.filter(Boolean) };
}

// ---- Anthropic Messages ----

const ANTHROPIC_EVENTS = new Set(['message_start', 'message_delta', 'message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop']);

/** Partial JSON of tool_use inputs, by block, parsed at the block's end. */
const partialJson = new WeakMap<Bag, string>();

function pushAnthropic(message: Bag | undefined, event: Bag): Bag | undefined {
  if (event.type === 'message_start') {
    if (!isBag(event.message)) return message;
    return { ...event.message, content: [], usage: isBag(event.message.usage) ? { ...event.message.usage } : undefined };
  }
  const current = message ?? { type: 'message', role: 'assistant', content: [] };
  const content: Bag[] = current.content;
  switch (event.type) {
    case 'content_block_start': {
      const index = slot(event.index);
      if (index !== undefined && isBag(event.content_block)) {
        const block: Bag = { ...event.content_block };
        if (Array.isArray(block.citations)) block.citations = [...block.citations];
        // tool_use starts with `input: {}`; the real input arrives as input_json_delta fragments.
        if (block.type === 'tool_use' || block.type === 'server_tool_use') partialJson.set(block, '');
        content[index] = block;
      }
      break;
    }
    case 'content_block_delta': {
      const index = slot(event.index);
      const block = index === undefined ? undefined : content[index];
      const delta = event.delta;
      if (block === undefined || !isBag(delta)) break;
      if (delta.type === 'text_delta') block.text = append(block.text, delta.text);
      else if (delta.type === 'thinking_delta') block.thinking = append(block.thinking, delta.thinking);
      else if (delta.type === 'signature_delta') block.signature = delta.signature;
      else if (delta.type === 'input_json_delta') partialJson.set(block, append(partialJson.get(block), delta.partial_json));
      else if (delta.type === 'citations_delta' && delta.citation !== undefined) {
        const citations: unknown[] = (block.citations ??= []);
        if (citations.length < MAX_PARTS) citations.push(delta.citation);
      }
      break;
    }
    case 'content_block_stop': {
      const index = slot(event.index);
      const block = index === undefined ? undefined : content[index];
      if (block !== undefined) settleInput(block);
      break;
    }
    case 'message_delta':
      if (isBag(event.delta)) {
        if (event.delta.stop_reason !== undefined) current.stop_reason = event.delta.stop_reason;
        if (event.delta.stop_sequence !== undefined) current.stop_sequence = event.delta.stop_sequence;
      }
      // Counts in message_delta are cumulative: a later non-null one replaces the earlier.
      if (isBag(event.usage)) {
        const usage: Bag = (current.usage ??= {});
        for (const [key, value] of Object.entries(event.usage)) if (value !== null && value !== undefined) usage[key] = value;
      }
      break;
  }
  return current;
}

function settleInput(block: Bag): void {
  const json = partialJson.get(block);
  if (json === undefined) return;
  partialJson.delete(block);
  if (json.trim() === '') return;
  try {
    block.input = JSON.parse(json);
  } catch {
    block.input = json;
  }
}

function finishAnthropic(message: Bag | undefined): Bag | undefined {
  if (message === undefined) return undefined;
  // A stream cut before content_block_stop still shows what its tool calls had received.
  for (const block of message.content as Bag[]) if (block !== undefined) settleInput(block);
  const result: Bag = { ...message, content: (message.content as Bag[]).filter(Boolean) };
  if (result.usage === undefined) delete result.usage;
  return result;
}
