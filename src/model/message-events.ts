import type { EventType } from '../registry/records.js';

/** One event a model message turns into (PROTOCOL.md, "Model messages"). */
export interface ModelEvent {
  readonly type: EventType;
  readonly content: unknown;
  readonly attributes?: Record<string, unknown>;
}

const ROLE_TYPES: Readonly<Record<string, EventType>> = {
  system: 'system_message',
  developer: 'system_message',
  user: 'user_input',
  assistant: 'assistant_message',
  tool: 'tool_result',
};

/** Events for the messages sent to a model (a messages array, or a request holding one). STUB: replaced by the model-calls work. */
export function inputEvents(input: unknown): ModelEvent[] {
  const messages = Array.isArray(input) ? input : (input as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return input === undefined ? [] : [{ type: 'user_input', content: input }];
  return messages.map((m: { role?: string; content?: unknown }) => ({
    type: ROLE_TYPES[m?.role ?? ''] ?? 'custom',
    content: m?.content ?? m,
  }));
}

/** Events for what a model returned (a message or a provider response). STUB: replaced by the model-calls work. */
export function outputEvents(output: unknown): ModelEvent[] {
  if (output === undefined) return [];
  const content = (output as { content?: unknown } | null)?.content ?? output;
  return [{ type: 'assistant_message', content }];
}
