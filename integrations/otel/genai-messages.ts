// OpenTelemetry GenAI semantic-convention values read into the chat shapes the engine's
// model spans take: `gen_ai.input.messages` / `gen_ai.output.messages` /
// `gen_ai.system_instructions` (v1.37+, `{ role, parts }`), the deprecated per-message
// events (`gen_ai.user.message`, `gen_ai.choice`, ...), and usage counters under their
// current and older names. Pure parsing: no engine or OpenTelemetry import.
import type { ChatMessage } from '../ai-sdk/ai-messages.js';

type Bag = Record<string, unknown>;

const isBag = (value: unknown): value is Bag => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A JSON string parsed (OpenTelemetry JS attributes carry structured values as JSON); anything else as is. */
export function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!(text.startsWith('{') || text.startsWith('[') || text.startsWith('"'))) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

/** One semconv part as a block the engine reads. */
function block(part: unknown): unknown {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isBag(part)) return part;
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.content ?? part.text };
    case 'reasoning':
      return { type: 'thinking', thinking: part.content };
    case 'tool_call':
      return { type: 'tool_use', id: part.id, name: part.name, input: parseJson(part.arguments) ?? null };
    case 'tool_call_response':
      return { type: 'tool_result', tool_use_id: part.id, content: parseJson(part.response) };
    case 'blob':
      // Inline bytes are not worth recording: keep what they were.
      return { type: 'blob', modality: part.modality ?? null, mime_type: part.mime_type ?? null };
    default:
      return part;
  }
}

/** `{ role, parts }` messages (a JSON string or an array) as chat messages. */
export function semconvMessagesToChat(value: unknown): ChatMessage[] {
  const messages = parseJson(value);
  if (!Array.isArray(messages)) return [];
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (!isBag(m)) continue;
    const role = typeof m.role === 'string' ? m.role : 'user';
    const parts = Array.isArray(m.parts) ? m.parts : m.content !== undefined ? [m.content] : [];
    if (role === 'tool') {
      for (const part of parts) {
        const message: ChatMessage = { role: 'tool', content: isBag(part) && 'response' in part ? parseJson(part.response) : block(part) };
        if (isBag(part) && typeof part.id === 'string') message.tool_call_id = part.id;
        out.push(message);
      }
      continue;
    }
    const message: ChatMessage = { role, content: parts.map(block) };
    if (typeof m.name === 'string') message.name = m.name;
    out.push(message);
  }
  return out;
}

/** `gen_ai.system_instructions` (parts, a JSON string of them, or plain text) as system messages. */
export function systemInstructionsToChat(value: unknown): ChatMessage[] {
  const parsed = parseJson(value);
  if (typeof parsed === 'string') return parsed === '' ? [] : [{ role: 'system', content: parsed }];
  const parts = Array.isArray(parsed) ? parsed : isBag(parsed) ? [parsed] : [];
  const texts = parts.map((p) => (isBag(p) ? (p.content ?? p.text) : p)).filter((t): t is string => typeof t === 'string');
  return texts.length > 0 ? [{ role: 'system', content: texts.join('\n') }] : [];
}

/** Names of the deprecated per-message span events and the role each stands for. */
const MESSAGE_EVENTS: Readonly<Record<string, string>> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

/** A span event as the processor reads it. */
export interface SpanEventLike {
  name: string;
  attributes?: Bag;
}

/** An old-style (`{ content, tool_calls }`, OpenAI-like) message body as a chat message. */
function eventMessage(role: string, body: Bag): ChatMessage {
  const content = parseJson(body.content);
  if (role === 'tool') {
    const message: ChatMessage = { role: 'tool', content };
    const id = body.id ?? body.tool_call_id;
    if (typeof id === 'string') message.tool_call_id = id;
    return message;
  }
  const calls = parseJson(body.tool_calls);
  if (Array.isArray(calls) && calls.length > 0) {
    const blocks: unknown[] = content === undefined || content === null || content === '' ? [] : [{ type: 'text', text: content }];
    for (const call of calls) {
      if (!isBag(call)) continue;
      const fn = isBag(call.function) ? call.function : call;
      blocks.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseJson(fn.arguments) ?? null });
    }
    return { role, content: blocks };
  }
  return { role, content: content ?? null };
}

/** Input and output messages carried by the deprecated per-message events of a span. */
export function messagesFromEvents(events: readonly SpanEventLike[]): { input: ChatMessage[]; output: ChatMessage[] } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const event of events) {
    const attributes = event.attributes ?? {};
    const role = MESSAGE_EVENTS[event.name];
    if (role !== undefined) {
      input.push(eventMessage(typeof attributes.role === 'string' ? attributes.role : role, attributes));
    } else if (event.name === 'gen_ai.choice') {
      const body = parseJson(attributes.message);
      const message = isBag(body) ? body : attributes;
      output.push(eventMessage(typeof message.role === 'string' ? message.role : 'assistant', message));
    }
  }
  return { input, output };
}

const COUNT_KEYS = {
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.usage.prompt_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.usage.completion_tokens'],
  totalTokens: ['gen_ai.usage.total_tokens', 'llm.usage.total_tokens'],
  cacheReadTokens: [
    'gen_ai.usage.cache_read.input_tokens',
    'gen_ai.usage.cache_read_input_tokens',
    'gen_ai.usage.cached_tokens',
    'gen_ai.usage.input_tokens.cached',
  ],
  cacheWriteTokens: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens'],
  reasoningTokens: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'gen_ai.usage.output_tokens.reasoning'],
} as const;

/** Legacy AI SDK (`ai.usage.*`) names of the same counters. */
const AI_COUNT_KEYS = {
  inputTokens: ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'],
  outputTokens: ['ai.usage.outputTokens', 'ai.usage.completionTokens'],
  totalTokens: ['ai.usage.totalTokens'],
  cacheReadTokens: ['ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'],
  cacheWriteTokens: ['ai.usage.inputTokenDetails.cacheWriteTokens'],
  reasoningTokens: ['ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'],
} as const;

/** Token counts of a span's attributes (GenAI names first, then the AI SDK's); undefined when none. */
export function usageFromAttributes(attributes: Bag): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const table of [COUNT_KEYS, AI_COUNT_KEYS]) {
    for (const [name, keys] of Object.entries(table)) {
      if (out[name] !== undefined) continue;
      for (const key of keys) {
        const value = attributes[key];
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
          out[name] = value;
          break;
        }
      }
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
