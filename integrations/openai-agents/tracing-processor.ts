// A `TracingProcessor` for the OpenAI Agents SDK: each Agents trace becomes a NorthStar
// run (or a child span when it starts inside a NorthStar trace), each Agents span a
// NorthStar span. Only types are imported from `@openai/agents`: this module loads
// nothing of the framework, and works next to (or instead of) OpenAI's own exporter.

import type { Span, Trace, TracingProcessor } from '@openai/agents';

import {
  asModelObservation,
  type Bag,
  coreOf,
  currentObservation,
  endObservation,
  getClient,
  isBag,
  type ModelObservation,
  nonEmptyString,
  type Observation,
  openRoot,
  openSpan,
  parseJsonText,
  reportProblem,
  type SpanKind,
} from '../../src/internal.js';

type AnySpan = Span<any>;

/** What one Agents trace opened. */
interface TraceState {
  observation: Observation | undefined;
  /** The trace's name: a runner task of the same name is the trace itself, not a span of its own. */
  name: string;
  /** Spans of the trace still open. */
  open: number;
  /** The last assistant text a model span of the trace returned: the run's final response. */
  lastText: string | undefined;
  /** The error of a failed top-level span (the runner's task): the trace failed with it. */
  error: AgentsSpanError | undefined;
  /** The trace ended while spans of it were still to end (their ends come through other processors first). */
  ending?: ReturnType<typeof setTimeout>;
}

/** One open Agents span. */
interface SpanState {
  observation: Observation | undefined;
  traceId: string;
  /** A runner task that stands for the whole trace: it adds to the trace's record rather than opening a span. */
  isTrace: boolean;
}

/** Traces that failed are kept this long (by count) so that a late span still finds its run. */
const MAX_FAILED_TRACES = 256;
/** How long a trace that ended waits for the ends of its last spans before its run ends anyway. */
const LATE_SPAN_WAIT_MS = 5000;
/** Ended span ids remembered (a start is at most a few processors late). */
const MAX_ENDED_SPANS = 1024;
/** Open traces kept at most: a trace the SDK never ends (an abandoned stream) must not hold memory for ever. */
const MAX_OPEN_TRACES = 10_000;

/** The error a failed Agents span ends with (the SDK reports `{ message, data }`, not an Error). */
class AgentsSpanError extends Error {
  override readonly name = 'AgentsSpanError';
}

/**
 * Sends the OpenAI Agents SDK's traces to NorthStar: a trace becomes a run (its
 * `workflow_name` the run name, its `group_id` in the metadata), agents, tools,
 * handoffs, guardrails and model calls become spans and events. Reports to the client
 * `init()` installed; a trace that starts inside a NorthStar trace becomes its child span.
 *
 * @example
 * import { addTraceProcessor } from '@openai/agents';
 * import { NorthstarTracingProcessor } from 'northstar-ai/openai-agents';
 * addTraceProcessor(new NorthstarTracingProcessor());
 */
export class NorthstarTracingProcessor implements TracingProcessor {
  private readonly traces = new Map<string, TraceState>();
  private readonly spans = new Map<string, SpanState>();
  private readonly failedTraces = new Map<string, Observation | undefined>();
  /** Ids of recently ended spans, so that a start arriving after its end opens nothing. */
  private readonly endedSpans = new Set<string>();

  /** Opens the run (or the child span of the current NorthStar observation) of a trace. */
  async onTraceStart(trace: Trace): Promise<void> {
    try {
      if (this.traces.has(trace.traceId)) return;
      const name = trace.name || 'Agent workflow';
      const metadata: Bag = { framework: 'openai-agents', workflow_name: trace.name, openai_trace_id: trace.traceId };
      if (trace.groupId) metadata.group_id = trace.groupId;
      if (isBag(trace.metadata) && Object.keys(trace.metadata).length > 0) metadata.trace_metadata = trace.metadata;
      if (this.traces.size >= MAX_OPEN_TRACES) this.evictOldestTrace();
      const observation = openRoot(coreOf(undefined), name, { kind: 'workflow', metadata });
      this.traces.set(trace.traceId, { observation, name, open: 0, lastText: undefined, error: undefined });
    } catch (error) {
      problem(undefined, 'openai-agents: onTraceStart failed', error);
    }
  }

  /** Ends the run of a trace, with the last assistant text as its final response. */
  async onTraceEnd(trace: Trace): Promise<void> {
    try {
      this.failedTraces.delete(trace.traceId);
      const state = this.traces.get(trace.traceId);
      if (state === undefined) return;
      if (state.open <= 0) {
        this.finishTrace(trace.traceId, state);
        return;
      }
      // Span ends are not awaited by the SDK: the run ends (with its totals) once the last one arrives.
      const timer = setTimeout(() => this.finishTrace(trace.traceId, state), LATE_SPAN_WAIT_MS);
      timer.unref?.();
      state.ending = timer;
    } catch (error) {
      problem(undefined, 'openai-agents: onTraceEnd failed', error);
    }
  }

  /** Opens the span of an Agents span under its parent span or its trace. */
  async onSpanStart(span: AnySpan): Promise<void> {
    try {
      this.startOnce(span);
    } catch (error) {
      problem(undefined, 'openai-agents: onSpanStart failed', error);
    }
  }

  /** Opens a span once: a start that comes after its end (processors run one after another) is ignored. */
  private startOnce(span: AnySpan): SpanState | undefined {
    const known = this.spans.get(span.spanId);
    if (known !== undefined || this.endedSpans.has(span.spanId)) return known;
    const data = span.spanData as Bag;
    const state = this.traces.get(span.traceId);
    if (state !== undefined) state.open++;
    let opened: SpanState;
    if (state !== undefined && !span.parentId && data.type === 'task' && data.name === state.name) {
      opened = { observation: state.observation, traceId: span.traceId, isTrace: true };
    } else {
      const parent = this.parentOf(span);
      opened = { observation: parent === undefined ? undefined : startSpan(parent, data), traceId: span.traceId, isTrace: false };
    }
    this.spans.set(span.spanId, opened);
    return opened;
  }

  /** Records what the span's data holds once it is done, and ends it. */
  async onSpanEnd(span: AnySpan): Promise<void> {
    let open: SpanState | undefined;
    try {
      // An end that overtook its start: open it now so that it is recorded (and ended) all the same.
      open = this.startOnce(span);
    } catch (error) {
      problem(undefined, 'openai-agents: onSpanEnd failed', error);
    }
    if (open === undefined) return;
    this.spans.delete(span.spanId);
    if (this.endedSpans.size >= MAX_ENDED_SPANS) this.endedSpans.delete(this.endedSpans.values().next().value as string);
    this.endedSpans.add(span.spanId);
    const { observation } = open;
    const state = this.traces.get(span.traceId);
    if (state !== undefined) state.open--;
    try {
      const data = span.spanData as Bag;
      const error = span.error;
      const failure = error ? new AgentsSpanError(`${String(error.message)}${isBag(error.data) && typeof error.data.error === 'string' ? `: ${error.data.error}` : ''}`) : undefined;
      if (observation !== undefined) {
        if (open.isTrace) {
          if (isBag(data.usage)) observation.logMetadata({ aggregate_usage: data.usage });
        } else {
          const text = finishSpan(observation, data);
          if (state !== undefined && text !== undefined) state.lastText = text;
          if (error && isBag(error.data)) observation.logMetadata({ error_data: error.data });
          endObservation(observation, { error: failure });
        }
      }
      if (state !== undefined && failure !== undefined && (open.isTrace || !span.parentId)) {
        state.error ??= failure;
        // The SDK never ends a trace whose run threw: end it once nothing of it is open.
        if (state.open <= 0) this.endFailedTrace(span.traceId, state);
      }
      if (state?.ending !== undefined && state.open <= 0) this.finishTrace(span.traceId, state);
    } catch (error) {
      problem(observation, 'openai-agents: onSpanEnd failed', error);
      if (!open.isTrace) endObservation(observation);
    }
  }

  /** Ends what is still open (as interrupted) and flushes the NorthStar client. The client itself stays up: `shutdown()` of `northstar-ai` ends it. */
  async shutdown(timeout?: number): Promise<void> {
    for (const open of this.spans.values()) {
      if (!open.isTrace) endObservation(open.observation, { error: new AgentsSpanError('the tracing processor shut down before the span ended') });
    }
    this.spans.clear();
    for (const [traceId, state] of [...this.traces]) {
      if (state.ending === undefined) state.error ??= new AgentsSpanError('the tracing processor shut down before the trace ended');
      this.finishTrace(traceId, state);
    }
    this.traces.clear();
    this.failedTraces.clear();
    await flushInstalled(timeout);
  }

  /** Flushes the NorthStar client that `init()` installed. */
  async forceFlush(): Promise<void> {
    await flushInstalled();
  }

  /** Ends the oldest open trace as abandoned, with its open spans. */
  private evictOldestTrace(): void {
    const traceId = this.traces.keys().next().value as string;
    const state = this.traces.get(traceId)!;
    this.traces.delete(traceId);
    const abandoned = new AgentsSpanError('the trace was never ended (too many open traces)');
    for (const [spanId, open] of this.spans) {
      if (open.traceId !== traceId) continue;
      this.spans.delete(spanId);
      if (!open.isTrace) endObservation(open.observation, { error: abandoned });
    }
    state.error ??= abandoned;
    this.finishTrace(traceId, state);
  }

  /** Ends the run of a trace (once). */
  private finishTrace(traceId: string, state: TraceState): void {
    if (state.ending !== undefined) clearTimeout(state.ending);
    state.ending = undefined;
    if (this.traces.get(traceId) === state) this.traces.delete(traceId);
    endObservation(state.observation, { output: state.lastText, error: state.error });
  }

  private endFailedTrace(traceId: string, state: TraceState): void {
    this.finishTrace(traceId, state);
    if (this.failedTraces.size >= MAX_FAILED_TRACES) this.failedTraces.delete(this.failedTraces.keys().next().value as string);
    this.failedTraces.set(traceId, state.observation);
  }

  private parentOf(span: AnySpan): Observation | undefined {
    if (span.parentId) {
      const parent = this.spans.get(span.parentId);
      if (parent !== undefined) return parent.observation;
    }
    const state = this.traces.get(span.traceId);
    if (state !== undefined) return state.observation;
    if (this.failedTraces.has(span.traceId)) return this.failedTraces.get(span.traceId);
    // A span of a trace this processor never saw start (added mid-trace): keep it inside the current NorthStar trace if any.
    return currentObservation();
  }
}

/** Reports a problem of the processor through the observation's client (else the installed one), never throwing. */
function problem(observation: Observation | undefined, what: string, error: unknown): void {
  reportProblem(observation?.client, `${what}: ${String(error)}`, error);
}

/** Flushes the client `init()` installed (the SDK's `forceFlush`/`shutdown`); flush() never rejects. */
async function flushInstalled(timeoutMs?: number): Promise<void> {
  await getClient()?.flush(timeoutMs === undefined ? {} : { timeoutMs });
}

/** The NorthStar kind and name of an Agents span. */
function kindAndName(data: Bag): [SpanKind, string] {
  switch (data.type) {
    case 'agent':
      return ['agent', str(data.name) ?? 'agent'];
    case 'task':
      return ['workflow', str(data.name) ?? 'task'];
    case 'turn':
      return ['custom', `turn ${String(data.turn ?? '')}`.trim()];
    case 'function':
      return ['tool', str(data.name) ?? 'function'];
    case 'generation':
      return ['model', str(data.model) ?? 'openai.chat.completions'];
    case 'response':
      return ['model', 'openai.responses'];
    case 'handoff':
      return ['custom', data.to_agent ? `handoff to ${String(data.to_agent)}` : 'handoff'];
    case 'guardrail':
      return ['custom', `guardrail ${str(data.name) ?? ''}`.trim()];
    case 'mcp_tools':
      return ['tool', data.server ? `mcp list tools (${String(data.server)})` : 'mcp list tools'];
    case 'transcription':
    case 'speech':
      return ['model', str(data.model) ?? String(data.type)];
    default:
      return ['custom', str(data.name) ?? str(data.type) ?? 'span'];
  }
}

function startSpan(parent: Observation, data: Bag): Observation | undefined {
  const [kind, name] = kindAndName(data);
  const attributes: Bag = { openai_agents_span_type: data.type };
  if (data.type === 'agent') {
    if (Array.isArray(data.handoffs)) attributes.handoffs = data.handoffs;
    if (Array.isArray(data.tools)) attributes.tools = data.tools;
    if (data.output_type !== undefined) attributes.output_type = data.output_type;
  } else if (data.type === 'turn') {
    attributes.turn = data.turn;
    if (data.agent_name !== undefined) attributes.agent_name = data.agent_name;
  } else if (data.type === 'custom' && isBag(data.data)) {
    attributes.data = data.data;
  }
  if (kind === 'model') return asModelObservation(openSpan(parent, name, { kind, attributes, model: str(data.model), provider: 'openai' }));
  const input = data.type === 'function' && data.input ? parseJson(data.input) : undefined;
  const span = openSpan(parent, name, { kind, attributes });
  if (span !== undefined && input !== undefined) {
    span.recordInput(input);
    startedWithInput.add(span);
  }
  return span;
}

/** Function spans whose arguments were recorded at start (the SDK usually fills them in later). */
const startedWithInput = new WeakSet<Observation>();

/** Records the finished span's data; returns the assistant text of a model span, if any. */
function finishSpan(observation: Observation, data: Bag): string | undefined {
  switch (data.type) {
    case 'generation':
      return finishGeneration(observation as ModelObservation, data);
    case 'response':
      return finishResponse(observation as ModelObservation, data);
    case 'function': {
      if (!startedWithInput.has(observation) && data.input !== undefined && data.input !== '') observation.recordInput(parseJson(data.input));
      if (data.mcp_data !== undefined) observation.logMetadata({ mcp_data: data.mcp_data });
      if (data.output !== undefined) observation.setOutput(parseJson(data.output));
      return undefined;
    }
    case 'handoff': {
      const handoff = { from_agent: data.from_agent ?? null, to_agent: data.to_agent ?? null };
      observation.logMetadata(handoff);
      observation.logEvent('handoff', handoff);
      return undefined;
    }
    case 'guardrail': {
      const result = { name: data.name ?? null, triggered: data.triggered === true };
      observation.logMetadata({ guardrail: result.name, triggered: result.triggered });
      observation.logEvent('guardrail_result', result);
      return undefined;
    }
    case 'task':
    case 'turn':
      // The SDK's own sums of the model calls below: kept apart so run totals count each call once.
      if (isBag(data.usage)) observation.logMetadata({ aggregate_usage: data.usage });
      return undefined;
    case 'agent':
      if (Array.isArray(data.handoffs)) observation.logMetadata({ handoffs: data.handoffs });
      if (Array.isArray(data.tools)) observation.logMetadata({ tools: data.tools });
      return undefined;
    case 'mcp_tools':
      if (data.result !== undefined) observation.setOutput(data.result);
      return undefined;
    case 'transcription':
    case 'speech':
    case 'speech_group':
      if (data.model_config !== undefined) observation.logMetadata({ model_config: data.model_config });
      if (typeof data.input === 'string') observation.recordInput(data.input);
      if (typeof data.output === 'string') observation.setOutput(data.output);
      return undefined;
    default:
      return undefined;
  }
}

/** A Chat Completions call (`OpenAIChatCompletionsModel`): messages in `input`, the completion in `output`. */
function finishGeneration(model: ModelObservation, data: Bag): string | undefined {
  if (typeof data.model === 'string') model.setModel(data.model);
  if (isBag(data.model_config)) model.logMetadata({ model_config: data.model_config });
  if (data.input !== undefined) model.recordInputMessages(data.input);
  let text: string | undefined;
  if (Array.isArray(data.output)) {
    for (const item of data.output) {
      model.recordOutputMessage(item);
      text = assistantText(item) ?? text;
    }
  }
  if (isBag(data.usage)) model.recordUsage(usageOf(data.usage));
  return text;
}

/** A Responses call (`OpenAIResponsesModel`): the request input in `_input`, the whole response in `_response`. */
function finishResponse(model: ModelObservation, data: Bag): string | undefined {
  const response = isBag(data._response) ? data._response : undefined;
  if (typeof response?.model === 'string') model.setModel(response.model);
  if (data.response_id !== undefined) model.logMetadata({ response_id: data.response_id });
  if (data._input !== undefined) {
    const instructions = typeof response?.instructions === 'string' ? response.instructions : undefined;
    const input = wireItems(data._input);
    model.recordInputMessages(instructions === undefined ? input : { model: response?.model ?? 'unknown', instructions, input });
  }
  if (response === undefined) return undefined;
  model.recordOutputMessage(response);
  return assistantText(response);
}

/**
 * The SDK's own input items (`function_call` with `callId`, `function_call_result`) in the
 * wire shapes the engine reads, so tool calls and results pair up by call id.
 */
function wireItems(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((item: unknown) => {
    if (!isBag(item)) return item;
    if (item.type === 'function_call') {
      return { type: 'function_call', call_id: item.callId ?? item.call_id ?? item.id, name: item.name, arguments: item.arguments };
    }
    if (item.type === 'function_call_result') {
      return { role: 'tool', tool_call_id: item.callId ?? item.call_id, name: item.name, content: resultText(item.output) };
    }
    return item;
  });
}

/** A function call result's output (`{ type: 'text', text }`, parts, or a string) as the text the model read. */
function resultText(output: unknown): unknown {
  if (typeof output === 'string') return output;
  if (isBag(output) && typeof output.text === 'string') return output.text;
  if (Array.isArray(output)) {
    const texts = output.map((part) => (isBag(part) && typeof part.text === 'string' ? part.text : undefined));
    if (texts.every((t) => t !== undefined)) return texts.join('');
  }
  return output;
}

/** Agents usage (`input_tokens`, `output_tokens`, `details`) as the engine's token counts. */
function usageOf(usage: Bag): Bag {
  const details = isBag(usage.details) ? usage.details : {};
  const inputDetails = isBag(usage.input_tokens_details) ? usage.input_tokens_details : isBag(details.input_tokens_details) ? details.input_tokens_details : {};
  const outputDetails = isBag(usage.output_tokens_details) ? usage.output_tokens_details : isBag(details.output_tokens_details) ? details.output_tokens_details : {};
  const counts: Bag = {};
  const set = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) counts[key] = value;
  };
  set('inputTokens', usage.input_tokens);
  set('outputTokens', usage.output_tokens);
  set('totalTokens', usage.total_tokens ?? details.total_tokens);
  set('cacheReadTokens', inputDetails.cached_tokens ?? details.cached_tokens ?? usage.cached_input_tokens);
  set('reasoningTokens', outputDetails.reasoning_tokens ?? details.reasoning_tokens);
  return counts;
}

/** The assistant text of a Responses response or a chat completion. */
function assistantText(output: unknown): string | undefined {
  if (!isBag(output)) return undefined;
  if (typeof output.output_text === 'string' && output.output_text !== '') return output.output_text;
  if (Array.isArray(output.output)) {
    const texts: string[] = [];
    for (const item of output.output) {
      if (!isBag(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
      for (const part of item.content) if (isBag(part) && part.type === 'output_text' && typeof part.text === 'string') texts.push(part.text);
    }
    return texts.length > 0 ? texts.join('') : undefined;
  }
  const message = Array.isArray(output.choices) && isBag(output.choices[0]) ? output.choices[0].message : output;
  return isBag(message) && typeof message.content === 'string' && message.content !== '' ? message.content : undefined;
}

const str = nonEmptyString;

/** Tool arguments and results arrive as JSON text: record the value when it parses. */
const parseJson = parseJsonText;
