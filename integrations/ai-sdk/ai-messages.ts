// Vercel AI SDK message shapes (`ModelMessage`, the provider prompt, step content) turned
// into the chat shapes the engine's model spans read: `{ role, content }` with Anthropic-
// style blocks for tool calls, tool results and reasoning. Pure parsing: no engine import.

type Bag = Record<string, unknown>;

const isBag = (value: unknown): value is Bag => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A chat message as the engine reads it. */
export interface ChatMessage {
  role: string;
  content: unknown;
  tool_call_id?: string;
  name?: string;
}

/** The value of an AI SDK tool result output (`{ type: 'json', value }` and friends). */
export function toolOutputValue(output: unknown): unknown {
  if (!isBag(output) || typeof output.type !== 'string') return output;
  switch (output.type) {
    case 'text':
    case 'json':
    case 'error-text':
    case 'error-json':
    case 'content':
      return output.value;
    case 'execution-denied':
      return { denied: true, reason: output.reason ?? null };
    default:
      return output;
  }
}

/** One AI SDK content part as a block (`text`, `thinking`, `tool_use`, `tool_result`), or the part as-is. */
function block(part: unknown): unknown {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isBag(part)) return part;
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'reasoning':
      return { type: 'thinking', thinking: part.text };
    case 'tool-call':
      return { type: 'tool_use', id: part.toolCallId, name: part.toolName, input: part.input ?? part.args };
    case 'tool-result':
      return { type: 'tool_result', tool_use_id: part.toolCallId, content: 'output' in part ? toolOutputValue(part.output) : part.result };
    case 'tool-error':
      return { type: 'tool_result', tool_use_id: part.toolCallId, content: String((part.error as Error | undefined)?.message ?? part.error), is_error: true };
    case 'image':
    case 'file':
      // Inline bytes are not worth recording: keep the media type.
      return { type: part.type, mediaType: part.mediaType ?? part.mimeType ?? null };
    default:
      return part;
  }
}

/** AI SDK messages (a `ModelMessage[]` or a provider prompt) as chat messages, instructions first. */
export function aiMessagesToChat(messages: unknown, instructions?: unknown): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const system of Array.isArray(instructions) ? instructions : [instructions]) {
    if (typeof system === 'string' && system !== '') out.push({ role: 'system', content: system });
    else if (isBag(system) && typeof system.content === 'string') out.push({ role: 'system', content: system.content });
  }
  if (typeof messages === 'string') {
    out.push({ role: 'user', content: messages });
    return out;
  }
  if (!Array.isArray(messages)) return out;
  for (const m of messages) {
    if (!isBag(m) || typeof m.role !== 'string') continue;
    const content = m.content;
    if (m.role === 'tool' && Array.isArray(content)) {
      for (const part of content) {
        if (!isBag(part)) continue;
        const message: ChatMessage = { role: 'tool', content: 'output' in part ? toolOutputValue(part.output) : part.result };
        if (typeof part.toolCallId === 'string') message.tool_call_id = part.toolCallId;
        if (typeof part.toolName === 'string') message.name = part.toolName;
        out.push(message);
      }
      continue;
    }
    out.push({ role: m.role, content: Array.isArray(content) ? content.map(block) : content });
  }
  return out;
}

/** The assistant message of a model call's or step's content parts. */
export function aiContentToMessage(content: unknown, text?: unknown): ChatMessage {
  if (Array.isArray(content) && content.length > 0) {
    // Tool results in step content belong to the tool spans, not to the model's answer.
    const parts = content.filter((p) => !(isBag(p) && (p.type === 'tool-result' || p.type === 'tool-error' || p.type === 'source')));
    return { role: 'assistant', content: parts.map(block) };
  }
  return { role: 'assistant', content: typeof text === 'string' ? text : '' };
}

/**
 * What a call's input reads as on the dashboard: the prompt text when it is one user
 * message of text, else the messages.
 */
export function promptInput(chat: readonly ChatMessage[]): unknown {
  const conversation = chat.filter((m) => m.role !== 'system');
  if (conversation.length === 1 && conversation[0]!.role === 'user') {
    const text = textOf(conversation[0]!.content);
    if (text !== undefined) return text;
  }
  return chat.map((m) => ({ role: m.role, content: textOf(m.content) ?? m.content }));
}

/** The text of a string or of an array of text blocks; undefined when it holds anything else. */
export function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    if (isBag(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else return undefined;
  }
  return texts.join('\n');
}

/** A provider id without its API suffix (`openai.chat` -> `openai`), for pricing. */
export function providerName(provider: unknown): string | undefined {
  if (typeof provider !== 'string' || provider === '') return undefined;
  const dot = provider.indexOf('.');
  return dot > 0 ? provider.slice(0, dot) : provider;
}

/** Token usage of an AI SDK `LanguageModelUsage` (or embedding usage) in the engine's words. */
export function aiUsage(usage: unknown): Record<string, number> | undefined {
  if (!isBag(usage)) return undefined;
  const out: Record<string, number> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) out[key] = value;
  };
  const inDetails = isBag(usage.inputTokenDetails) ? usage.inputTokenDetails : {};
  const outDetails = isBag(usage.outputTokenDetails) ? usage.outputTokenDetails : {};
  put('inputTokens', usage.inputTokens ?? usage.tokens);
  put('outputTokens', usage.outputTokens);
  put('totalTokens', usage.totalTokens);
  put('cacheReadTokens', inDetails.cacheReadTokens ?? usage.cachedInputTokens);
  put('cacheWriteTokens', inDetails.cacheWriteTokens);
  put('reasoningTokens', outDetails.reasoningTokens ?? usage.reasoningTokens);
  return Object.keys(out).length > 0 ? out : undefined;
}
