// A loopback stand-in for the OpenAI and Anthropic HTTP APIs, for driving the real
// `openai` and `@anthropic-ai/sdk` clients in specs: fixed, realistic JSON bodies and
// server-sent-event streams, the providers' error bodies, and a stream cut mid-way.
// Every answer is deterministic (fixed ids and timestamps), so two identical calls get
// identical results. Like the ingest server it imports nothing from src/.
//
// The scenario comes from the `x-scenario` request header (default `text`):
//   text | tools | thinking (Anthropic) | reasoning (Responses) | multi (two chat choices)
//   error-400 | error-429 | error-500 | cut (stream only: the socket is destroyed mid-SSE)
//   reply (chat, not streamed: the message content is the URL-encoded `x-reply` header)
//   agent (Chat Completions and Responses): answers like a model in an agent loop, from the
//     request itself: after a tool result, the final text; else one call of every tool
//     offered that is not a handoff (`transfer_to_*`), its arguments filled from the tool's
//     declared parameters (`AGENT_ARGUMENTS`); else a call of the handoff; else text.
// `POST /v1/traces/ingest` (the OpenAI Agents SDK's trace exporter) is accepted and logged.
// `stream: true` in the body selects the streamed form of the same answer. A base URL of
// `/scenario/<name>/v1` (see `scenarioBaseURL`) selects a scenario without the header.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the server received. */
export interface LlmRequest {
  path: string;
  scenario: string;
  body: any;
}

/** A running fake of both providers' APIs. */
export interface LlmServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `baseURL` for `new OpenAI(...)`. */
  openaiBaseURL: string;
  /** `baseURL` for `new Anthropic(...)`. */
  anthropicBaseURL: string;
  /** An OpenAI `baseURL` that selects `scenario` for every request (for clients built by a framework). */
  scenarioBaseURL(scenario: string): string;
  /** Every request, in arrival order. */
  requests: LlmRequest[];
  close(): Promise<void>;
}

export const CREATED = 1_750_000_000;

/** Starts the server on a free port of 127.0.0.1. */
export async function startLlmServer(): Promise<LlmServer> {
  const sockets = new Set<Socket>();
  const requests: LlmRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res, requests);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    scenarioBaseURL: (scenario) => `${url}/scenario/${scenario}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, log: LlmRequest[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: any;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  let path = (req.url ?? '').split('?')[0]!;
  let scenario = String(req.headers['x-scenario'] ?? 'text');
  // `/scenario/<name>/v1/...`: the scenario in the base URL, for clients a spec cannot give headers.
  const prefixed = /^\/scenario\/([\w-]+)(\/.*)$/.exec(path);
  if (prefixed) [, scenario, path] = prefixed as unknown as [string, string, string];
  log.push({ path, scenario, body });
  const anthropic = path === '/v1/messages';
  const error = /^error-(\d{3})$/.exec(scenario);
  if (error) return sendError(res, Number(error[1]), anthropic);
  if (req.method !== 'POST' || body === undefined) return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  // `reply`: a chat completion whose message content is the `x-reply` header (URL-encoded), e.g. an LLM judge's verdict.
  if (scenario === 'reply' && path === '/v1/chat/completions' && !body.stream) {
    const completion = chatCompletion('text', body);
    completion.choices[0].message.content = decodeURIComponent(String(req.headers['x-reply'] ?? ''));
    return sendJson(res, 200, completion);
  }
  switch (path) {
    case '/v1/chat/completions':
      return body.stream ? sendSse(res, chatChunks(scenario, body), scenario, 'openai') : sendJson(res, 200, chatCompletion(scenario, body));
    case '/v1/responses':
      return body.stream ? sendSse(res, responseEvents(scenario, body), scenario, 'named') : sendJson(res, 200, response(scenario, body));
    case '/v1/traces/ingest':
      return sendJson(res, 200, {});
    case '/v1/messages':
      return body.stream ? sendSse(res, anthropicEvents(scenario, body), scenario, 'named') : sendJson(res, 200, anthropicMessage(scenario, body));
    default:
      return sendJson(res, 404, { error: { message: `no route ${path}` } });
  }
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': 'req_fixed_1', 'request-id': 'req_fixed_1', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, anthropic: boolean): void {
  const kinds: Record<number, [string, string]> = {
    400: ['invalid_request_error', 'messages: at least one message is required'],
    429: ['rate_limit_error', 'Rate limit reached for requests'],
    500: ['api_error', 'The server had an error while processing your request.'],
  };
  const [type, message] = kinds[status] ?? ['api_error', 'error'];
  const headers: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
  if (anthropic) return sendJson(res, status, { type: 'error', error: { type, message }, request_id: 'req_fixed_1' }, headers);
  sendJson(res, status, { error: { message, type: status === 429 ? 'requests' : type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } }, headers);
}

/** Writes SSE events; `openai` style is `data:` lines and `[DONE]`, `named` adds `event:` lines. */
function sendSse(res: ServerResponse, events: any[], scenario: string, style: 'openai' | 'named'): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_fixed_1', 'request-id': 'req_fixed_1' });
  const cutAt = scenario === 'cut' ? Math.ceil(events.length / 2) : events.length;
  for (const event of events.slice(0, cutAt)) {
    res.write(style === 'openai' ? `data: ${JSON.stringify(event)}\n\n` : `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
  if (scenario === 'cut') {
    // Let the first half reach the client, then drop the connection without ending the body.
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  if (style === 'openai') res.write('data: [DONE]\n\n');
  res.end();
}

// ---- OpenAI Chat Completions ----

const CHAT_USAGE = {
  prompt_tokens: 120,
  completion_tokens: 30,
  total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 20, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

const chatModel = (body: any) => (body.model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : String(body.model));

const WEATHER_CALLS = [
  { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
  { id: 'call_time_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
];

function chatMessage(scenario: string, body: any): any {
  if (scenario === 'agent') return agentChatMessage(body);
  if (scenario === 'tools') return { role: 'assistant', content: null, tool_calls: WEATHER_CALLS, refusal: null, annotations: [] };
  return { role: 'assistant', content: 'Paris is the capital of France.', refusal: null, annotations: [] };
}

/** The completion id: fixed, but one per step in the agent loop (frameworks key messages by it). */
const chatId = (scenario: string, message: any): string => (scenario === 'agent' ? `chatcmpl-agent-${message.tool_calls ? 'tool' : 'final'}` : 'chatcmpl-fixed-1');

function chatCompletion(scenario: string, body: any): any {
  const message = chatMessage(scenario, body);
  const choices = [{ index: 0, message, logprobs: null, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }];
  if (scenario === 'multi') choices.push({ index: 1, message: { role: 'assistant', content: 'It is Paris.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' });
  return {
    id: chatId(scenario, message),
    object: 'chat.completion',
    created: CREATED,
    model: chatModel(body),
    choices,
    usage: CHAT_USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_fixed',
  };
}

function chatChunks(scenario: string, body: any): any[] {
  const base = { id: chatId(scenario, chatMessage(scenario, body)), object: 'chat.completion.chunk', created: CREATED, model: chatModel(body), service_tier: 'default', system_fingerprint: 'fp_fixed' };
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: any, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
  const chunks: any[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  const message = chatMessage(scenario, body);
  if (message.tool_calls) {
    (message.tool_calls as typeof WEATHER_CALLS).forEach((call, index) => {
      chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      const args = call.function.arguments;
      for (let i = 0; i < args.length; i += 7) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 7) } }] }));
    });
    chunks.push(chunk({}, 'tool_calls'));
  } else {
    for (const piece of textPieces(message.content, ['Paris', ' is the', ' capital', ' of France', '.'])) chunks.push(chunk({ content: piece }));
    chunks.push(chunk({}, 'stop'));
  }
  if (includeUsage) chunks.push({ ...base, choices: [], usage: CHAT_USAGE });
  return chunks;
}

// ---- OpenAI Responses ----

const RESPONSES_USAGE = {
  input_tokens: 200,
  input_tokens_details: { cached_tokens: 50 },
  output_tokens: 80,
  output_tokens_details: { reasoning_tokens: 32 },
  total_tokens: 280,
};

function responseOutput(scenario: string, body: any): any[] {
  if (scenario === 'agent') return agentResponseItems(body);
  const output: any[] = [];
  if (scenario === 'reasoning' || scenario === 'tools') {
    output.push({ id: 'rs_fixed_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user asks about the weather; call the tool.' }] });
  }
  if (scenario === 'tools') {
    output.push({ id: 'fc_fixed_1', type: 'function_call', status: 'completed', call_id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' });
  } else {
    output.push({
      id: 'msg_fixed_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Paris is the capital of France.', annotations: [], logprobs: [] }],
    });
  }
  return output;
}

function response(scenario: string, body: any, status = 'completed'): any {
  return {
    id: 'resp_fixed_1',
    object: 'response',
    created_at: CREATED,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : String(body.model),
    output: status === 'completed' ? responseOutput(scenario, body) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage: status === 'completed' ? RESPONSES_USAGE : null,
    user: null,
    metadata: {},
  };
}

function responseEvents(scenario: string, body: any): any[] {
  let seq = 0;
  const ev = (type: string, rest: any) => ({ type, sequence_number: seq++, ...rest });
  const events: any[] = [ev('response.created', { response: response(scenario, body, 'in_progress') }), ev('response.in_progress', { response: response(scenario, body, 'in_progress') })];
  responseOutput(scenario, body).forEach((item, output_index) => {
    if (item.type === 'message') {
      events.push(ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } }));
      events.push(ev('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }));
      for (const delta of textPieces(item.content[0].text, ['Paris is', ' the capital', ' of France.'])) {
        events.push(ev('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta, logprobs: [] }));
      }
      events.push(ev('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text: item.content[0].text, logprobs: [] }));
      events.push(ev('response.content_part.done', { item_id: item.id, output_index, content_index: 0, part: item.content[0] }));
    } else if (item.type === 'function_call') {
      events.push(ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } }));
      for (const delta of [item.arguments.slice(0, 7), item.arguments.slice(7)]) events.push(ev('response.function_call_arguments.delta', { item_id: item.id, output_index, delta }));
      events.push(ev('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments }));
    } else {
      events.push(ev('response.output_item.added', { output_index, item }));
    }
    events.push(ev('response.output_item.done', { output_index, item }));
  });
  events.push(ev('response.completed', { response: response(scenario, body) }));
  return events;
}

// ---- The `agent` scenario: a model in an agent loop ----

const AGENT_ANSWER = 'It is 18°C and sunny in Paris.';
const TEXT = 'Paris is the capital of France.';

/** Stream pieces of `text`: the fixed pieces of the usual answer, else word by word. */
function textPieces(text: string, usual: string[]): string[] {
  return text === TEXT ? usual : text.split(/(?= )/);
}

/** Argument values of the agent scenario's tool calls, by parameter name (anything else: `"x"`). */
const AGENT_ARGUMENTS: Record<string, string> = { city: 'Paris', unit: 'celsius', tz: 'Europe/Paris' };

interface AgentCall {
  name: string;
  id: string;
  args: string;
}

/** A tool offered by the request (Chat Completions nests it under `function`). */
function offeredTools(body: any): { name: string; parameters: any }[] {
  const tools: any[] = Array.isArray(body.tools) ? body.tools : [];
  return tools.map((t) => t?.function ?? t).filter((t) => typeof t?.name === 'string');
}

/** The calls of the next step of an agent loop: every non-handoff tool, else the handoff; none means the final text. */
function agentStep(lastIsToolResult: boolean, body: any): AgentCall[] {
  if (lastIsToolResult) return [];
  const offered = offeredTools(body);
  const tools = offered.filter((t) => !t.name.startsWith('transfer_to_'));
  if (tools.length > 0) {
    return tools.map((t, index) => {
      const names = Object.keys(t.parameters?.properties ?? {});
      const args = Object.fromEntries(names.map((name) => [name, AGENT_ARGUMENTS[name] ?? 'x']));
      return { name: t.name, id: `call_tool_${index + 1}`, args: JSON.stringify(args) };
    });
  }
  const handoff = offered.find((t) => t.name.startsWith('transfer_to_'));
  return handoff === undefined ? [] : [{ name: handoff.name, id: 'call_handoff_1', args: '{}' }];
}

function agentChatMessage(body: any): any {
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const calls = agentStep(last?.role === 'tool', body);
  if (calls.length === 0) return { role: 'assistant', content: AGENT_ANSWER, refusal: null, annotations: [] };
  const toolCalls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
  return { role: 'assistant', content: null, tool_calls: toolCalls, refusal: null, annotations: [] };
}

function agentResponseItems(body: any): any[] {
  const input: any[] = Array.isArray(body.input) ? body.input : [];
  const last = input[input.length - 1];
  // A handoff's output hands the turn to the next agent: only a real tool result ends the loop.
  const toolResult = last?.type === 'function_call_output' && !String(last.call_id).startsWith('call_handoff');
  const calls = agentStep(toolResult, body);
  if (calls.length === 0) {
    return [{ id: 'msg_agent_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: AGENT_ANSWER, annotations: [], logprobs: [] }] }];
  }
  return calls.map((call) => ({ id: `fc_${call.id}`, type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.args }));
}

// ---- Anthropic Messages ----

const ANTHROPIC_USAGE = {
  input_tokens: 50,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 100,
  output_tokens: 40,
  service_tier: 'standard',
};

const anthropicModel = (body: any) => (body.model === 'claude-sonnet-4-5' ? 'claude-sonnet-4-5-20250929' : String(body.model));

function anthropicContent(scenario: string): any[] {
  if (scenario === 'tools') {
    return [
      { type: 'text', text: 'I will check the weather in Paris.' },
      { type: 'tool_use', id: 'toolu_fixed_1', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
    ];
  }
  if (scenario === 'thinking') {
    return [
      { type: 'thinking', thinking: 'The capital of France is Paris.', signature: 'sig_fixed' },
      { type: 'text', text: 'Paris is the capital of France.' },
    ];
  }
  return [{ type: 'text', text: 'Paris is the capital of France.' }];
}

function anthropicMessage(scenario: string, body: any): any {
  return {
    id: 'msg_fixed_1',
    type: 'message',
    role: 'assistant',
    model: anthropicModel(body),
    content: anthropicContent(scenario),
    stop_reason: scenario === 'tools' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  };
}

function anthropicEvents(scenario: string, body: any): any[] {
  const message = anthropicMessage(scenario, body);
  const events: any[] = [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...ANTHROPIC_USAGE, output_tokens: 1 } } },
  ];
  message.content.forEach((block: any, index: number) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (let i = 0; i < block.text.length; i += 9) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text.slice(i, i + 9) } });
    } else if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      const json = JSON.stringify(block.input);
      for (let i = 0; i < json.length; i += 8) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 8) } });
    } else if (block.type === 'thinking') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: ANTHROPIC_USAGE.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}
