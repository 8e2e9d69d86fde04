import type {
  EvalMessage,
  EvalMetrics,
  EvalRun,
  EvalTraceDag,
  EvalTraceEvent,
  EvalTraceSpan,
  ToolCall,
  ToolOutput,
} from './types.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Json => (isObject(value) ? value : {});

/** Text of a message content: a string, or the text parts of a content array (OpenAI and Anthropic shapes). */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((part) => (typeof part === 'string' ? part : isObject(part) ? (str(part.text) ?? str(part.content)) : undefined))
      .filter((t): t is string => t !== undefined);
    return parts.length > 0 ? parts.join('\n') : undefined;
  }
  return undefined;
}

/** A value as text: strings as they are, anything else as sorted-key JSON. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(sortKeys(value)) ?? '';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/**
 * The run the graders see, from a recorded conversation (OpenAI message shape; Anthropic
 * `tool_use` / `tool_result` blocks are read too) and, when given, its trace. Tool calls
 * and outputs come from the trace's tool spans when the conversation has none.
 */
export function normalizeRun(messages: readonly EvalMessage[], options: { trace?: EvalTraceDag; metrics?: EvalMetrics; metadata?: Json } = {}): EvalRun {
  const run: EvalRun = {
    messages: [...messages],
    system_prompts: [],
    user_messages: [],
    assistant_messages: [],
    tool_calls: [],
    tool_outputs: [],
    metrics: { ...options.metrics },
    metadata: { ...options.metadata },
    ...(options.trace ? { trace: options.trace } : {}),
  };
  for (const message of messages) {
    const role = str(message.role);
    const text = contentText(message.content);
    if (role === 'system' || role === 'developer') {
      if (text !== undefined) run.system_prompts.push(text);
    } else if (role === 'user') {
      if (text !== undefined) run.user_messages.push(text);
      // Anthropic puts tool results in user messages.
      for (const block of blocks(message.content, 'tool_result')) {
        run.tool_outputs.push({ ...(str(block.tool_use_id) ? { tool_call_id: str(block.tool_use_id) } : {}), content: block.content });
      }
    } else if (role === 'assistant') {
      if (text !== undefined && text !== '') {
        run.assistant_messages.push(text);
        run.final_response = text;
      }
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        const fn = obj(obj(call).function);
        const name = str(fn.name) ?? str(obj(call).name);
        if (name !== undefined) run.tool_calls.push(withId({ name, arguments: fn.arguments ?? obj(call).arguments }, str(obj(call).id)));
      }
      for (const block of blocks(message.content, 'tool_use')) {
        if (str(block.name)) run.tool_calls.push(withId({ name: block.name as string, arguments: block.input }, str(block.id)));
      }
    } else if (role === 'tool') {
      const output: ToolOutput = { content: message.content };
      if (str(message.tool_call_id)) output.tool_call_id = message.tool_call_id as string;
      if (str(message.name)) output.name = message.name as string;
      run.tool_outputs.push(output);
    }
  }
  if (options.trace) fillFromTrace(run, options.trace);
  return run;
}

function withId(call: ToolCall, id: string | undefined): ToolCall {
  return id === undefined ? call : { id, ...call };
}

function blocks(content: unknown, type: string): Json[] {
  return Array.isArray(content) ? content.filter((b): b is Json => isObject(b) && b.type === type) : [];
}

/** Tool calls, outputs, final response and metrics from a trace, where the conversation did not give them. */
function fillFromTrace(run: EvalRun, trace: EvalTraceDag): void {
  const toolSpans = trace.spans.filter((s) => s.kind === 'tool');
  if (run.tool_calls.length === 0 && toolSpans.length > 0) {
    const bySpan = new Map<string, EvalTraceEvent[]>();
    for (const event of trace.events) {
      if (event.span_id === undefined) continue;
      const list = bySpan.get(event.span_id) ?? [];
      list.push(event);
      bySpan.set(event.span_id, list);
    }
    // Tool spans in the order they started (stored timestamps are strictly increasing).
    const ordered = [...toolSpans].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''));
    for (const span of ordered) {
      const events = bySpan.get(span.id) ?? [];
      const args = events.find((e) => e.type === 'tool_arguments');
      const result = events.find((e) => e.type === 'tool_result');
      run.tool_calls.push({ id: span.id, name: span.name, arguments: args?.content });
      if (result !== undefined) run.tool_outputs.push({ tool_call_id: span.id, name: span.name, content: result.content });
    }
  }
  if (run.final_response === undefined) {
    const final = [...trace.events].reverse().find((e) => e.type === 'final_response' && e.span_id === undefined);
    if (final !== undefined && final.content !== undefined && final.content !== null) run.final_response = toText(final.content);
  }
  const metadata = trace.run.metadata;
  if (run.metrics.latency_ms === undefined && typeof metadata.latency_ms === 'number') run.metrics.latency_ms = metadata.latency_ms;
  if (run.metrics.cost_usd === undefined && typeof metadata.cost_usd === 'number') run.metrics.cost_usd = metadata.cost_usd;
}

/**
 * A trace DAG from a recorded payload: `{ run_id?, runs?: [run], run?: run, spans, events }`
 * (the ingest body's arrays, the local viewer's export or the Python SDK's case `trace`).
 * Events are put in time order (then id) and numbered. Undefined when no run id is found.
 */
export function normalizeTrace(payload: unknown): EvalTraceDag | undefined {
  if (!isObject(payload)) return undefined;
  const runs = Array.isArray(payload.runs) ? payload.runs.filter(isObject) : [];
  const runRecord = isObject(payload.run) ? payload.run : runs[0];
  const runId = str(payload.run_id) ?? str(runRecord?.id);
  if (runId === undefined) return undefined;
  const spans: EvalTraceSpan[] = (Array.isArray(payload.spans) ? payload.spans : []).filter(isObject).map((s) => ({
    id: String(s.id),
    run_id: str(s.run_id) ?? runId,
    ...(str(s.parent_span_id) ? { parent_span_id: s.parent_span_id as string } : {}),
    kind: str(s.kind) ?? 'custom',
    name: str(s.name) ?? '',
    ...(str(s.started_at) ? { started_at: s.started_at as string } : {}),
    ...(str(s.ended_at) ? { ended_at: s.ended_at as string } : {}),
    ...(str(s.status) ? { status: s.status as string } : {}),
    ...(isObject(s.error) ? { error: s.error } : {}),
    ...(typeof s.iteration === 'number' ? { iteration: s.iteration } : {}),
    attributes: obj(s.attributes),
  }));
  const events = (Array.isArray(payload.events) ? payload.events : [])
    .filter(isObject)
    .map((e) => ({
      id: String(e.id),
      run_id: str(e.run_id) ?? runId,
      ...(str(e.span_id) ? { span_id: e.span_id as string } : {}),
      type: str(e.type) ?? 'custom',
      ...(str(e.created_at) ? { created_at: e.created_at as string } : {}),
      content: e.content,
      attributes: obj(e.attributes),
      order: typeof e.order === 'number' ? e.order : 0,
    }))
    .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.order - b.order || a.id.localeCompare(b.id))
    .map((e, order) => ({ ...e, order }));
  const run = runRecord ?? {};
  return {
    run: {
      run_id: runId,
      ...(str(run.name) ? { name: run.name as string } : {}),
      ...(str(run.status) ? { status: run.status as string } : {}),
      ...(str(run.started_at) ? { started_at: run.started_at as string } : {}),
      ...(str(run.ended_at) ? { ended_at: run.ended_at as string } : {}),
      ...(isObject(run.error) ? { error: run.error } : {}),
      metadata: obj(run.metadata),
    },
    spans,
    events,
  };
}
