// OpenTelemetry spans in, NorthStar runs and spans out.
//
// One tree, whichever side started it. OpenTelemetry and NorthStar keep separate async
// contexts (OpenTelemetry's context manager, NorthStar's AsyncLocalStorage), so:
// - when an OpenTelemetry span starts, its NorthStar parent is the inner one of (a) the
//   observation of its OpenTelemetry parent span and (b) NorthStar's current observation
//   (a GenAI call inside a `@Trace` method); "inner" is the later started of the two;
// - the processor installs a context resolver in the engine (setContextResolver): when
//   NorthStar looks up its current observation (a `@Tool` method starting), the
//   observation of the active OpenTelemetry span wins if it is the inner one. This needs
//   a context manager (NodeTracerProvider.register() installs one); with none, only (a)
//   and (b) at span start apply. Wrapping the context manager was the alternative; it
//   would need one more line of set-up and miss providers registered before it.
import { context as otelContext, trace as otelTrace, type Context } from '@opentelemetry/api';
import {
  asModelObservation,
  contextObservation,
  coreOf,
  getClient,
  innermost,
  type ModelObservation,
  type Northstar,
  NorthstarConfigError,
  type Observation,
  openRun,
  openSpan,
  reportProblem,
  type RunObservation,
  setContextResolver,
  type SpanKind,
} from '../../src/internal.js';
import { aiContentToMessage, aiMessagesToChat, type ChatMessage, promptInput, providerName, textOf } from '../ai-sdk/ai-messages.js';
import { messagesFromEvents, parseJson, semconvMessagesToChat, systemInstructionsToChat, type SpanEventLike, usageFromAttributes } from './genai-messages.js';

/** Options of `NorthstarSpanProcessor`. */
export interface NorthstarSpanProcessorOptions {
  /** The client to report to. @default the client `init()` installed (looked up when each trace starts) */
  client?: Northstar;
  /**
   * Keep spans that are not GenAI (HTTP, database...) as `custom` spans. Left out, they
   * are skipped and their GenAI descendants attach to the nearest kept ancestor.
   * @default false
   */
  keepNonGenAiSpans?: boolean;
}

/** What the processor reads of an OpenTelemetry span (SDK 1.x and 2.x `Span`/`ReadableSpan` both fit). */
export interface OtelSpanLike {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly events?: readonly SpanEventLike[];
  readonly status?: { code: number; message?: string };
  spanContext(): { traceId: string; spanId: string };
  /** SDK 2.x. */
  readonly parentSpanContext?: { spanId: string } | undefined;
  /** SDK 1.x. */
  readonly parentSpanId?: string;
}

/** How an OpenTelemetry span maps to NorthStar. */
interface Mapping {
  kind: SpanKind;
  /** The AI SDK's legacy `ai.*` format. */
  legacy: boolean;
}

/** What the processor keeps per OpenTelemetry span while it is open. */
interface SpanState {
  readonly mapping: Mapping | undefined;
  /** Where descendants attach: its own observation, or (for a skipped span) its parent's. */
  readonly inner: Observation | undefined;
  /** Its own observation, when it has one. */
  readonly own: Observation | undefined;
  /** The run it opened, when it is a root. */
  readonly run: RunObservation | undefined;
  /** The observation its NorthStar span was opened under. */
  readonly parent: Observation | undefined;
  /** Per-message events that arrived as log records (the Logs API) while it was open. */
  logged?: SpanEventLike[];
}

const ERROR = 2;
/** Open spans remembered by id (for parents known only by their span context). */
const MAX_OPEN_SPANS = 10_000;

/** Operation names of the GenAI conventions and the span kind each becomes. */
const OPERATION_KINDS: Readonly<Record<string, SpanKind>> = {
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'workflow',
  chat: 'model',
  generate_content: 'model',
  text_completion: 'model',
  embeddings: 'model',
  execute_tool: 'tool',
  retrieval: 'tool',
};

/** Attributes whose content becomes events (or is too large or sensitive to copy). */
const CONTENT_KEYS = new Set([
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.prompt',
  'gen_ai.completion',
  'ai.prompt',
  'ai.prompt.messages',
  'ai.prompt.tools',
  'ai.response.text',
  'ai.response.toolCalls',
  'ai.response.object',
  'ai.response.reasoning',
  'ai.response.providerMetadata',
  'ai.toolCall.args',
  'ai.toolCall.result',
  'ai.value',
  'ai.values',
  'ai.embedding',
  'ai.embeddings',
  'ai.schema',
]);

/** How a span maps to NorthStar; undefined for a span that is not GenAI. */
export function mapSpan(name: string, attributes: Record<string, unknown>): Mapping | undefined {
  const operation = attributes['gen_ai.operation.name'];
  if (typeof operation === 'string') return { kind: OPERATION_KINDS[operation] ?? 'custom', legacy: false };
  const aiOperation = typeof attributes['ai.operationId'] === 'string' ? (attributes['ai.operationId'] as string) : name.startsWith('ai.') ? name : undefined;
  if (aiOperation !== undefined) {
    if (aiOperation === 'ai.toolCall') return { kind: 'tool', legacy: true };
    if (/\.(doGenerate|doStream|doEmbed)$/.test(aiOperation)) return { kind: 'model', legacy: true };
    if (/^ai\.(generateText|streamText|generateObject|streamObject)$/.test(aiOperation)) return { kind: 'agent', legacy: true };
    return { kind: 'custom', legacy: true };
  }
  let genAi = false;
  for (const key in attributes) {
    if (key.startsWith('gen_ai.') || key.startsWith('llm.')) {
      genAi = true;
      break;
    }
  }
  if (!genAi) return undefined;
  return { kind: attributes['gen_ai.request.model'] !== undefined || attributes['llm.request.type'] !== undefined ? 'model' : 'custom', legacy: false };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Processors alive in this process (shared by the ESM and CommonJS copies), asked by the context resolver and the log processor. */
const live: Set<NorthstarSpanProcessor> = ((globalThis as Record<symbol, unknown>)[Symbol.for('northstar-ai.otel.processors.v1')] ??= new Set()) as Set<NorthstarSpanProcessor>;

/**
 * An OpenTelemetry `SpanProcessor` that turns spans following the GenAI semantic
 * conventions (and the Vercel AI SDK's `ai.*` spans) into NorthStar runs and spans.
 *
 * @example
 * const provider = new NodeTracerProvider({ spanProcessors: [new NorthstarSpanProcessor()] });
 */
export class NorthstarSpanProcessor {
  private readonly client: Northstar | undefined;
  private readonly keepNonGenAi: boolean;
  private readonly states = new WeakMap<object, SpanState>();
  /** Open spans by span id, for parents known only by their span context. */
  private readonly open = new Map<string, SpanState>();
  private closed = false;

  constructor(options: NorthstarSpanProcessorOptions = {}) {
    if (options === null || typeof options !== 'object') throw new NorthstarConfigError('NorthstarSpanProcessor: options must be an object');
    const { client, keepNonGenAiSpans } = options;
    if (client !== undefined && (client === null || typeof client !== 'object' || !('config' in client) || typeof client.startRun !== 'function')) {
      throw new NorthstarConfigError('NorthstarSpanProcessor: option client must be a Northstar client (from init() or new Northstar())');
    }
    if (keepNonGenAiSpans !== undefined && typeof keepNonGenAiSpans !== 'boolean') {
      throw new NorthstarConfigError(`NorthstarSpanProcessor: option keepNonGenAiSpans must be a boolean, got ${typeof keepNonGenAiSpans}`);
    }
    this.client = client;
    this.keepNonGenAi = keepNonGenAiSpans ?? false;
    live.add(this);
    setContextResolver('otel', resolveCurrent);
  }

  /** Called by the SDK when a span starts: opens its run or span. */
  onStart(span: OtelSpanLike, parentContext: Context): void {
    if (this.closed) return;
    try {
      const mapping = mapSpan(span.name, span.attributes ?? {});
      const parentState = this.parentState(span, parentContext);
      const parent = innermost(parentState?.inner, contextObservation());
      let state: SpanState;
      if (mapping === undefined && !this.keepNonGenAi) {
        state = { mapping, inner: parent, own: undefined, run: undefined, parent };
      } else {
        state = this.openFor(span, mapping ?? { kind: 'custom', legacy: false }, parent, parentState);
      }
      this.states.set(span, state);
      this.open.set(span.spanContext().spanId, state);
      // A span that is never ended must not hold memory forever: forget the oldest.
      if (this.open.size > MAX_OPEN_SPANS) this.open.delete(this.open.keys().next().value!);
    } catch (error) {
      reportProblem(coreOf(this.client), `NorthstarSpanProcessor: could not map span ${span?.name}: ${String(error)}`, error);
    }
  }

  /** Called by the SDK when a span ends: records its messages, usage and status, and ends it. */
  onEnd(span: OtelSpanLike): void {
    let state: SpanState | undefined;
    try {
      state = this.states.get(span);
      this.open.delete(span.spanContext().spanId);
      if (state === undefined || state.own === undefined) return;
      record(state, span);
    } catch (error) {
      reportProblem(state?.own?.client, `NorthstarSpanProcessor: could not record span ${span?.name}: ${String(error)}`, error);
    }
    if (state?.own === undefined) return;
    try {
      const failure = span.status?.code === ERROR ? errorOf(span) : undefined;
      for (const observation of state.own === state.run ? [state.run] : [state.own, state.run]) {
        if (observation === undefined) continue;
        if (failure !== undefined) observation.fail(failure);
        else observation.end();
      }
    } catch (error) {
      reportProblem(state.own.client, `NorthstarSpanProcessor: could not end span ${span?.name}: ${String(error)}`, error);
    }
  }

  /** Sends what the NorthStar client queued; resolves when done, never rejects. */
  async forceFlush(): Promise<void> {
    try {
      await (this.client ?? getClient())?.flush();
    } catch {
      // flush() never rejects; nothing to add.
    }
  }

  /** Stops mapping new spans and flushes; the NorthStar client itself stays open. */
  async shutdown(): Promise<void> {
    this.closed = true;
    live.delete(this);
    if (live.size === 0) setContextResolver('otel', undefined);
    await this.forceFlush();
  }

  /** @internal The state of an open or recent span, by object or by span id. */
  stateOf(span: object | undefined, spanId?: string): SpanState | undefined {
    return (span === undefined ? undefined : this.states.get(span)) ?? (spanId === undefined ? undefined : this.open.get(spanId));
  }

  /** The state of the span `span` was started under, if this processor saw it. */
  private parentState(span: OtelSpanLike, parentContext: Context): SpanState | undefined {
    const parentSpan = parentContext === undefined ? undefined : otelTrace.getSpan(parentContext);
    const byObject = parentSpan === undefined ? undefined : this.states.get(parentSpan);
    if (byObject !== undefined) return byObject;
    const parentId = span.parentSpanContext?.spanId ?? span.parentSpanId;
    return parentId === undefined ? undefined : this.open.get(parentId);
  }

  /** Opens the run and/or span of a kept span. */
  private openFor(span: OtelSpanLike, mapping: Mapping, parent: Observation | undefined, parentState: SpanState | undefined): SpanState {
    const attributes = span.attributes ?? {};
    const options = {
      model: str(attributes['gen_ai.request.model']) ?? str(attributes['ai.model.id']),
      provider: providerName(attributes['gen_ai.provider.name'] ?? attributes['gen_ai.system'] ?? attributes['ai.model.provider']),
      attributes: { otel_span_id: span.spanContext().spanId },
    };
    // The AI SDK's legacy format nests a tool call under the model call that asked for it:
    // on the dashboard it sits beside it, under the step or call.
    let under = parent;
    if (mapping.kind === 'tool' && parentState?.own !== undefined && parentState.own === parent && asModelObservation(parent) !== undefined && parentState.parent !== undefined) {
      under = parentState.parent;
    }
    // A `model` kind opens a model span (openSpan), which records messages, usage and cost.
    const spec = { kind: mapping.kind, ...options };
    if (under !== undefined) {
      const own = openSpan(under, span.name, spec);
      return { mapping, inner: own ?? under, own, run: undefined, parent: under };
    }
    const name = str(attributes['ai.telemetry.functionId']) ?? span.name;
    const core = coreOf(this.client);
    const run = core === undefined ? undefined : openRun(core, name, { metadata: { otel_trace_id: span.spanContext().traceId } });
    if (run === undefined) return { mapping, inner: undefined, own: undefined, run: undefined, parent: undefined };
    // A root agent, workflow or other span is the run; a root model or tool call gets its span in it.
    const own = mapping.kind === 'model' || mapping.kind === 'tool' ? (openSpan(run, span.name, spec) ?? run) : run;
    return { mapping, inner: own, own, run, parent: own === run ? undefined : run };
  }
}


/**
 * NorthStar's current observation, given that of its own context: the observation of
 * the active OpenTelemetry span when that one is inner (a `@Tool` method running inside
 * an `execute_tool` span nests under it).
 */
function resolveCurrent(store: Observation | undefined): Observation | undefined {
  let active: object | undefined;
  try {
    active = otelTrace.getSpan(otelContext.active());
  } catch {
    return store;
  }
  if (active === undefined) return store;
  for (const processor of live) {
    const state = processor.stateOf(active);
    if (state !== undefined) return innermost(state.inner?.ended ? undefined : state.inner, store);
  }
  return store;
}

/** Records a finished span's content on its observation. */
function record(state: SpanState, span: OtelSpanLike): void {
  const own = state.own!;
  const attributes = span.attributes ?? {};
  const mapping = state.mapping ?? { kind: 'custom', legacy: false };
  own.logMetadata(plainAttributes(attributes));
  const model = asModelObservation(own);
  if (model !== undefined) {
    recordModel(model, attributes, [...(span.events ?? []), ...(state.logged ?? [])], mapping.legacy);
    return;
  }
  if (mapping.kind === 'tool') {
    const args = attributes['gen_ai.tool.call.arguments'] ?? attributes['ai.toolCall.args'];
    const result = attributes['gen_ai.tool.call.result'] ?? attributes['ai.toolCall.result'];
    const id = str(attributes['gen_ai.tool.call.id']) ?? str(attributes['ai.toolCall.id']);
    const name = str(attributes['gen_ai.tool.name']) ?? str(attributes['ai.toolCall.name']);
    if (id !== undefined || name !== undefined) own.logMetadata({ ...(id && { tool_call_id: id }), ...(name && { tool_name: name }) });
    if (args !== undefined) own.recordInput(parseJson(args));
    if (result !== undefined) own.setOutput(parseJson(result));
    return;
  }
  if (mapping.kind === 'agent' || mapping.kind === 'workflow') {
    const input = callInput(attributes, span.events ?? []);
    if (input !== undefined) own.recordInput(input);
    const output = callOutput(attributes);
    if (output !== undefined) own.setOutput(output);
  }
}

/** Input and output messages, usage and model of a model span. */
function recordModel(model: ModelObservation, attributes: Record<string, unknown>, events: readonly SpanEventLike[], legacy: boolean): void {
  const name = str(attributes['gen_ai.response.model']) ?? str(attributes['ai.response.model']) ?? str(attributes['gen_ai.request.model']) ?? str(attributes['ai.model.id']);
  if (name !== undefined) model.setModel(name);
  const fromEvents = messagesFromEvents(events.map(detailsEvent).flat());
  const input = inputMessages(attributes, fromEvents.input);
  if (input.length > 0) model.recordInputMessages(input);
  else if (attributes['ai.values'] !== undefined || attributes['ai.value'] !== undefined) model.recordInputMessages(String(parseJson(attributes['ai.values'] ?? attributes['ai.value'])));
  const output = outputMessages(attributes, fromEvents.output, legacy);
  if (output.length > 0) model.recordOutputMessage(output.length === 1 ? output[0] : output);
  const usage = usageFromAttributes(attributes);
  if (usage !== undefined) model.recordUsage(usage);
  const firstChunk = firstChunkMs(attributes, events);
  if (firstChunk !== undefined) model.setAttributes({ time_to_first_token_ms: firstChunk });
  const finish = attributes['gen_ai.response.finish_reasons'] ?? attributes['ai.response.finishReason'];
  if (finish !== undefined) model.setAttributes({ finish_reasons: Array.isArray(finish) ? finish : [finish] });
}

/** Time to the first streamed chunk in milliseconds: the AI SDK's `ai.*` attribute or event, or the GenAI one (in seconds). */
function firstChunkMs(attributes: Record<string, unknown>, events: readonly SpanEventLike[]): number | undefined {
  const legacy = attributes['ai.response.msToFirstChunk'] ?? events.find((e) => e.name === 'ai.stream.firstChunk')?.attributes?.['ai.response.msToFirstChunk'];
  if (typeof legacy === 'number' && Number.isFinite(legacy)) return legacy;
  const seconds = attributes['gen_ai.client.operation.time_to_first_chunk'] ?? attributes['gen_ai.response.time_to_first_chunk'];
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** `gen_ai.client.inference.operation.details` carries the message attributes as an event: read it like per-message events. */
function detailsEvent(event: SpanEventLike): SpanEventLike[] {
  if (event.name !== 'gen_ai.client.inference.operation.details' || event.attributes === undefined) return [event];
  const a = event.attributes;
  const input = [...systemInstructionsToChat(a['gen_ai.system_instructions']), ...semconvMessagesToChat(a['gen_ai.input.messages'])];
  const output = semconvMessagesToChat(a['gen_ai.output.messages']);
  return [
    ...input.map((m) => ({ name: `gen_ai.${m.role}.message`, attributes: { role: m.role, content: contentText(m.content), ...(m.tool_call_id && { id: m.tool_call_id }) } })),
    ...output.map((m) => ({ name: 'gen_ai.choice', attributes: { message: { role: m.role, content: contentText(m.content) } } })),
  ];
}

const contentText = (content: unknown): unknown => textOf(content) ?? content;

function inputMessages(attributes: Record<string, unknown>, fromEvents: ChatMessage[]): ChatMessage[] {
  const semconv = semconvMessagesToChat(attributes['gen_ai.input.messages']);
  if (semconv.length > 0) return [...systemInstructionsToChat(attributes['gen_ai.system_instructions']), ...semconv];
  const legacy = parseJson(attributes['ai.prompt.messages']);
  if (Array.isArray(legacy)) return aiMessagesToChat(legacy);
  return fromEvents;
}

function outputMessages(attributes: Record<string, unknown>, fromEvents: ChatMessage[], legacy: boolean): ChatMessage[] {
  const semconv = semconvMessagesToChat(attributes['gen_ai.output.messages']);
  if (semconv.length > 0) return semconv;
  if (legacy) {
    const text = attributes['ai.response.text'] ?? attributes['ai.response.object'];
    const calls = parseJson(attributes['ai.response.toolCalls']);
    const reasoning = attributes['ai.response.reasoning'];
    const content: unknown[] = [];
    if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
    if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
    if (Array.isArray(calls)) for (const call of calls) content.push({ type: 'tool-call', ...(call as object) });
    if (content.length > 0) return [aiContentToMessage(content)];
  }
  return fromEvents;
}

/** An agent's or workflow's input: its prompt text or its messages. */
function callInput(attributes: Record<string, unknown>, events: readonly SpanEventLike[]): unknown {
  const messages = inputMessages(attributes, messagesFromEvents(events).input);
  if (messages.length > 0) return promptInput(messages);
  const prompt = parseJson(attributes['ai.prompt']);
  if (prompt !== null && typeof prompt === 'object') {
    const p = prompt as Record<string, unknown>;
    return promptInput(aiMessagesToChat(p.messages ?? p.prompt, p.system));
  }
  return prompt;
}

/** An agent's or workflow's output: its answer text, else its output messages. */
function callOutput(attributes: Record<string, unknown>): unknown {
  const legacy = attributes['ai.response.text'] ?? attributes['ai.response.object'];
  if (typeof legacy === 'string') return attributes['ai.response.object'] !== undefined ? parseJson(legacy) : legacy;
  const messages = semconvMessagesToChat(attributes['gen_ai.output.messages']);
  if (messages.length === 0) return undefined;
  const last = messages[messages.length - 1]!;
  const texts = Array.isArray(last.content) ? last.content.filter((b) => (b as { type?: unknown }).type === 'text').map((b) => (b as { text: string }).text) : [];
  return texts.length > 0 ? texts.join('') : messages;
}

/** Attributes copied onto the NorthStar record: scalars and arrays, without message content or headers. */
function plainAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attributes)) {
    if (CONTENT_KEYS.has(key) || key.includes('headers') || key.startsWith('gen_ai.prompt.') || key.startsWith('gen_ai.completion.')) continue;
    out[key] = attributes[key];
  }
  return out;
}

/** The error of a failed span: its `exception` event, else its status message and `error.type`. */
function errorOf(span: OtelSpanLike): Error {
  const exception = (span.events ?? []).find((e) => e.name === 'exception')?.attributes;
  const message = str(exception?.['exception.message']) ?? str(span.status?.message) ?? 'span ended with error status';
  const error = new Error(message);
  const type = str(exception?.['exception.type']) ?? str(span.attributes?.['error.type']);
  if (type !== undefined) error.name = type;
  return error;
}

/** What the log processor reads of an OpenTelemetry log record (`@opentelemetry/sdk-logs`). */
export interface OtelLogRecordLike {
  readonly eventName?: string;
  readonly attributes?: Record<string, unknown>;
  readonly body?: unknown;
  readonly spanContext?: { spanId: string };
}

/**
 * An OpenTelemetry `LogRecordProcessor` for instrumentations that send the GenAI
 * per-message events as log records (`@opentelemetry/instrumentation-openai` does): it
 * hands them to the `NorthstarSpanProcessor` that holds their span, whose model span
 * then records the messages. Other log records are ignored.
 *
 * @example
 * const loggerProvider = new LoggerProvider({ processors: [new NorthstarLogRecordProcessor()] });
 */
export class NorthstarLogRecordProcessor {
  /** Called by the SDK for each log record: a GenAI message event joins its span. */
  onEmit(logRecord: OtelLogRecordLike, logContext?: Context): void {
    try {
      const name = logRecord.eventName ?? logRecord.attributes?.['event.name'];
      if (typeof name !== 'string' || !name.startsWith('gen_ai.')) return;
      const active = logContext === undefined ? undefined : otelTrace.getSpan(logContext);
      const spanId = logRecord.spanContext?.spanId;
      for (const processor of live) {
        const state = processor.stateOf(active, spanId);
        if (state === undefined) continue;
        const body = logRecord.body;
        const attributes = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : { content: body };
        (state.logged ??= []).push({ name, attributes });
        return;
      }
    } catch (error) {
      reportProblem(undefined, `NorthstarLogRecordProcessor: could not read a log record: ${String(error)}`, error);
    }
  }

  /** Nothing is buffered here: resolves at once. */
  async forceFlush(): Promise<void> {}

  /** Nothing to release: resolves at once. */
  async shutdown(): Promise<void> {}
}
