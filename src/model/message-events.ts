import type { EventType } from '../registry/records.js';
import { type Bag, isBag } from '../util/values.js';

/** One event a model message turns into (docs/protocol.md, Model messages). */
export interface ModelEvent {
  readonly type: EventType;
  readonly content: unknown;
  readonly attributes?: Record<string, unknown>;
}


/** Input and output roles; anything else is recorded as-is under the side's default type. */
const ROLE_TYPES: Readonly<Record<string, EventType>> = {
  system: 'system_message',
  developer: 'system_message',
  user: 'user_input',
  assistant: 'assistant_message',
  model: 'assistant_message',
};

/** Parts whose `text` is the content a reader wants. */
const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

/** Keys under which a request (or the keyed arguments of a method) carries its messages. */
const MESSAGE_KEYS = ['messages', 'input', 'prompt'] as const;

/**
 * Events for what was sent to a model: an OpenAI or Anthropic messages array, a whole
 * request (Chat Completions, Responses, Messages), or the keyed arguments of a traced
 * method holding one. A shape it does not know is recorded as-is as `user_input`.
 */
export function inputEvents(input: unknown): ModelEvent[] {
  if (input === undefined) return [];
  try {
    const events: ModelEvent[] = [];
    if (!readRequest(input, events)) events.push({ type: 'user_input', content: input });
    return events;
  } catch {
    // A getter or Proxy that throws: the snapshot records what it safely can.
    return [{ type: 'user_input', content: input }];
  }
}

/** Messages read per array: a history longer than this is cut, and says so. */
const MAX_MESSAGES = 1000;

function items(list: unknown[], events: ModelEvent[], read: (item: unknown) => void): void {
  const n = Math.min(list.length, MAX_MESSAGES);
  for (let i = 0; i < n; i++) read(list[i]);
  if (list.length > n) events.push({ type: 'custom', content: { name: 'messages_truncated', data: { omitted: list.length - n } }, attributes: { northstar_type: 'event' } });
}

/** Reads a request, a messages array or a keyed-arguments object holding one into `events`; false when it is none. */
function readRequest(input: unknown, events: ModelEvent[]): boolean {
  if (typeof input === 'string') {
    events.push({ type: 'user_input', content: input });
    return true;
  }
  if (Array.isArray(input)) {
    if (!input.slice(0, MAX_MESSAGES).every(isMessageLike)) return false;
    items(input, events, (item) => inputItem(item, events));
    return true;
  }
  if (!isBag(input)) return false;
  if (isMessage(input)) {
    inputItem(input, events);
    return true;
  }
  const hasMessages = MESSAGE_KEYS.some((key) => isMessageList(input[key]));
  if (hasMessages || (typeof input.model === 'string' && MESSAGE_KEYS.some((key) => input[key] !== undefined))) {
    // Anthropic `system`, Responses `instructions`: both come before the conversation.
    for (const system of [input.system, input.instructions]) {
      if (system !== undefined && system !== null && system !== '') events.push({ type: 'system_message', content: readable(system) });
    }
    for (const key of MESSAGE_KEYS) {
      const value = input[key];
      if (value === undefined) continue;
      if (typeof value === 'string') events.push({ type: 'user_input', content: value });
      else if (Array.isArray(value)) items(value, events, (item) => inputItem(item, events));
      else events.push({ type: 'user_input', content: value });
      break;
    }
    return true;
  }
  // The keyed arguments of a traced method: `{ request }`, `{ messages, options }`...
  for (const key of Object.keys(input).slice(0, 16)) {
    const value = input[key];
    if (holdsMessages(value) && readRequest(value, events)) return true;
  }
  return false;
}

/** A value a keyed-arguments object may hold the conversation in: messages, one message, or a request. */
function holdsMessages(value: unknown): boolean {
  if (Array.isArray(value)) return isMessageList(value) && value.some((v) => isMessage(v) || (isBag(v) && BLOCK_TYPES.has(v.type)));
  if (!isBag(value)) return false;
  return isMessage(value) || MESSAGE_KEYS.some((key) => isMessageList(value[key]));
}

function isMessageList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.slice(0, MAX_MESSAGES).every(isMessageLike);
}

function isMessageLike(value: unknown): boolean {
  return typeof value === 'string' || isMessage(value) || (isBag(value) && typeof value.type === 'string');
}

function isMessage(value: unknown): boolean {
  return isBag(value) && typeof value.role === 'string' && ('content' in value || 'tool_calls' in value || 'parts' in value);
}

/** One message or Responses input item. */
function inputItem(item: unknown, events: ModelEvent[]): void {
  if (typeof item === 'string') {
    events.push({ type: 'user_input', content: item });
    return;
  }
  if (!isBag(item)) {
    events.push({ type: 'user_input', content: item });
    return;
  }
  if (typeof item.role === 'string') {
    message(item, 'user_input', events);
    return;
  }
  responsesItem(item, events);
}

/**
 * A chat message in either provider's shape. Tool results inside an Anthropic user
 * message and tool calls inside an assistant message become events of their own.
 */
function message(m: Bag, fallback: EventType, events: ModelEvent[]): void {
  const role = m.role as string;
  if (role === 'tool' || role === 'function') {
    const attributes: Bag = {};
    if (typeof m.tool_call_id === 'string') attributes.tool_call_id = m.tool_call_id;
    if (typeof m.name === 'string') attributes.name = m.name;
    events.push({ type: 'tool_result', content: readable(m.content), attributes });
    return;
  }
  const type = ROLE_TYPES[role] ?? fallback;
  const content = m.content ?? m.parts;
  if (Array.isArray(content) && content.some((b) => isBag(b) && typeof b.type === 'string' && BLOCK_TYPES.has(b.type))) {
    blocks(content, type, events);
  } else if (content !== undefined && content !== null && content !== '') {
    events.push({ type, content: readable(content) });
  } else if (typeof m.refusal !== 'string' && !Array.isArray(m.tool_calls) && !isBag(m.function_call)) {
    events.push({ type, content: content ?? null });
  }
  if (typeof m.refusal === 'string' && m.refusal !== '') events.push({ type: 'assistant_message', content: m.refusal, attributes: { refusal: true } });
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls) {
      if (!isBag(call)) continue;
      const fn = isBag(call.function) ? call.function : call;
      events.push(toolCall(call.id, fn.name, fn.arguments ?? fn.input));
    }
  }
  if (isBag(m.function_call)) events.push(toolCall(undefined, m.function_call.name, m.function_call.arguments));
}

/** Anthropic content blocks (and the Responses item types that match them) that carry a role of their own. */
const BLOCK_TYPES = new Set([
  'tool_use',
  'server_tool_use',
  'tool_result',
  'web_search_tool_result',
  'thinking',
  'redacted_thinking',
  'function_call',
  'function_call_output',
  'reasoning',
]);

/**
 * Content blocks in order: consecutive readable parts (text, images) make one event of
 * the message's type; tool calls, tool results and thinking make their own.
 */
function blocks(content: unknown[], type: EventType, events: ModelEvent[]): void {
  let run: unknown[] = [];
  const flush = () => {
    // Anthropic splits cited text into consecutive blocks of one answer: rejoin them as they were.
    if (run.length > 0) events.push({ type, content: readable(run, type === 'assistant_message' ? '' : '\n') });
    run = [];
  };
  for (const block of content) {
    if (!isBag(block) || typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) {
      run.push(block);
      continue;
    }
    flush();
    if (block.type === 'tool_use' || block.type === 'server_tool_use') {
      events.push(toolCall(block.id, block.name, block.input));
    } else if (block.type === 'tool_result' || block.type === 'web_search_tool_result') {
      const attributes: Bag = {};
      if (typeof block.tool_use_id === 'string') attributes.tool_call_id = block.tool_use_id;
      if (block.is_error === true) attributes.is_error = true;
      events.push({ type: 'tool_result', content: readable(block.content), attributes });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      events.push({ type: 'reasoning', content: block.type === 'thinking' ? (block.thinking ?? '') : '[redacted]' });
    } else {
      responsesItem(block, events);
    }
  }
  flush();
}

/** An OpenAI Responses input or output item that is not a plain message. */
function responsesItem(item: Bag, events: ModelEvent[]): void {
  switch (item.type) {
    case 'message':
      message({ ...item, role: item.role ?? 'assistant' }, 'assistant_message', events);
      return;
    case 'function_call':
    case 'custom_tool_call':
      events.push(toolCall(item.call_id ?? item.id, item.name, item.arguments ?? item.input));
      return;
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const attributes: Bag = {};
      if (typeof item.call_id === 'string') attributes.tool_call_id = item.call_id;
      events.push({ type: 'tool_result', content: readable(item.output), attributes });
      return;
    }
    case 'reasoning': {
      const parts = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])];
      const text = parts.map((p: unknown) => (isBag(p) && typeof p.text === 'string' ? p.text : '')).filter(Boolean).join('\n');
      events.push({ type: 'reasoning', content: text !== '' ? text : item });
      return;
    }
    default:
      if (TEXT_PARTS.has(item.type) || item.type === 'input_image' || item.type === 'image_url' || item.type === 'image') {
        events.push({ type: 'user_input', content: readable([item]) });
        return;
      }
      // A hosted tool call or anything newer than this code: kept whole, by its type.
      events.push({ type: 'custom', content: { name: String(item.type ?? 'item'), data: item }, attributes: { northstar_type: 'event' } });
  }
}

function toolCall(id: unknown, name: unknown, args: unknown): ModelEvent {
  const attributes: Bag = {};
  if (typeof id === 'string') attributes.tool_call_id = id;
  if (typeof name === 'string') attributes.name = name;
  return {
    type: 'tool_arguments',
    content: { id: typeof id === 'string' ? id : null, name: typeof name === 'string' ? name : null, arguments: parseArguments(args) },
    attributes,
  };
}

/** OpenAI sends tool arguments as a JSON string; the parsed object reads better and matches Anthropic's `input`. */
function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? null;
  const text = args.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return args;
  try {
    return JSON.parse(text);
  } catch {
    return args;
  }
}

/**
 * Message content a reader can use: strings stay strings, an array of text parts becomes
 * their text joined by newlines, other parts arrays stay arrays with inline base64 data
 * (images, audio, files) replaced by a short marker.
 */
function readable(content: unknown, separator = '\n'): unknown {
  if (!Array.isArray(content)) return isBag(content) ? shrinkInline(content) : content;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (isBag(part) && typeof part.text === 'string' && (part.type === undefined || TEXT_PARTS.has(part.type))) texts.push(part.text);
    else if (isBag(part) && part.type === 'refusal' && typeof part.refusal === 'string') texts.push(part.refusal);
    else return content.map((p) => (isBag(p) ? shrinkInline(p) : p));
  }
  return texts.join(separator);
}

const INLINE_DATA = /^data:([^;,]+)?(;[^,]*)?,/;

/** Replaces an inline base64 payload in one part with a marker, leaving the rest. */
function shrinkInline(part: Bag): Bag {
  // OpenAI image_url / input_image / file data URLs.
  const url = isBag(part.image_url) ? part.image_url.url : part.image_url;
  if (typeof url === 'string' && INLINE_DATA.test(url)) {
    const marker = dataMarker(url);
    return isBag(part.image_url) ? { ...part, image_url: { ...part.image_url, url: marker } } : { ...part, image_url: marker };
  }
  if (typeof part.file_data === 'string' && part.file_data.length > 256) return { ...part, file_data: `[${part.file_data.length} chars]` };
  if (isBag(part.file) && typeof part.file.file_data === 'string' && part.file.file_data.length > 256) {
    return { ...part, file: { ...part.file, file_data: dataMarker(part.file.file_data) } };
  }
  if (isBag(part.input_audio) && typeof part.input_audio.data === 'string') {
    return { ...part, input_audio: { ...part.input_audio, data: `[${part.input_audio.data.length} chars base64]` } };
  }
  // Anthropic image / document blocks.
  if (isBag(part.source) && part.source.type === 'base64' && typeof part.source.data === 'string') {
    return { ...part, source: { ...part.source, data: `[${part.source.data.length} chars base64]` } };
  }
  return part;
}

function dataMarker(url: string): string {
  const match = INLINE_DATA.exec(url);
  if (match === null) return `[${url.length} chars]`;
  return `${match[0]}[${url.length - match[0].length} chars]`;
}

/**
 * Events for what a model returned: an OpenAI ChatCompletion or Responses `response`, an
 * Anthropic Message, a plain `{ role, content }` message, or a string. A shape it does
 * not know is recorded as-is as `assistant_message`.
 */
export function outputEvents(output: unknown): ModelEvent[] {
  if (output === undefined || output === null) return [];
  try {
    return readOutput(output);
  } catch {
    return [{ type: 'assistant_message', content: output }];
  }
}

function readOutput(output: unknown): ModelEvent[] {
  if (typeof output === 'string') return [{ type: 'assistant_message', content: output }];
  const events: ModelEvent[] = [];
  if (Array.isArray(output)) {
    if (!output.slice(0, MAX_MESSAGES).every(isMessageLike)) return [{ type: 'assistant_message', content: output }];
    items(output, events, (item) => {
      if (isBag(item) && typeof item.role === 'string') message(item, 'assistant_message', events);
      else if (isBag(item)) responsesItem(item, events);
      else events.push({ type: 'assistant_message', content: item });
    });
    return events;
  }
  if (!isBag(output)) return [{ type: 'assistant_message', content: output }];

  // OpenAI Chat Completions: one message per choice (usually one).
  if (Array.isArray(output.choices)) {
    const many = output.choices.length > 1;
    for (const choice of output.choices) {
      if (!isBag(choice)) continue;
      const start = events.length;
      if (isBag(choice.message)) message({ role: 'assistant', ...choice.message }, 'assistant_message', events);
      else if (typeof choice.text === 'string') events.push({ type: 'assistant_message', content: choice.text });
      if (many) for (let i = start; i < events.length; i++) events[i] = withAttribute(events[i]!, 'choice_index', choice.index);
    }
    return events.length > 0 ? events : [{ type: 'assistant_message', content: output }];
  }
  // OpenAI Responses.
  if (Array.isArray(output.output) && (output.object === 'response' || output.output.every(isBag))) {
    for (const item of output.output) if (isBag(item)) responsesItem(item, events);
    if (events.length === 0 && typeof output.output_text === 'string') events.push({ type: 'assistant_message', content: output.output_text });
    return events;
  }
  // Anthropic Message (or any `{ role, content }` message).
  if (Array.isArray(output.content) && (output.type === 'message' || output.role === 'assistant')) {
    blocks(output.content, 'assistant_message', events);
    return events;
  }
  if (isMessage(output)) {
    message(output, 'assistant_message', events);
    return events;
  }
  // Gemini GenerateContentResponse.
  if (Array.isArray(output.candidates) && isBag(output.candidates[0]?.content)) {
    message({ role: 'assistant', ...output.candidates[0].content }, 'assistant_message', events);
    return events;
  }
  return [{ type: 'assistant_message', content: output }];
}

function withAttribute(event: ModelEvent, key: string, value: unknown): ModelEvent {
  return { ...event, attributes: { ...event.attributes, [key]: value } };
}
