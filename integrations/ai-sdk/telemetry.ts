import {
  asModelObservation,
  coreOf,
  currentObservation,
  type ModelObservation,
  type Northstar,
  NorthstarConfigError,
  type Observation,
  openRoot,
  openSpan,
  reportProblem,
  runInside,
  type SpanObservation,
} from '../../src/internal.js';
import { aiContentToMessage, aiMessagesToChat, aiUsage, promptInput, providerName } from './ai-messages.js';

/** Options of `NorthstarTelemetry`. */
export interface NorthstarTelemetryOptions {
  /** The client to report to. @default the client `init()` installed (looked up at each call) */
  client?: Northstar;
  /**
   * How long a streamed call (`streamText`, `streamObject`) may stay open after its last
   * model call ended before it is ended as abandoned (its consumer stopped reading, so
   * the AI SDK never reports its end). Calls still open when the process exits end then.
   * @default 30000
   */
  abandonedStreamTimeoutMs?: number;
}

type Bag = Record<string, any>;

/** What is open for one AI SDK call (`callId`). */
interface CallState {
  /** The call's run, or its span inside the current NorthStar trace. */
  readonly root: Observation;
  readonly ownsRun: boolean;
  readonly streaming: boolean;
  /** The call's `telemetry.recordInputs` / `recordOutputs` (the AI SDK's privacy switches). */
  readonly inputs: boolean;
  readonly outputs: boolean;
  step: SpanObservation | undefined;
  model: ModelObservation | undefined;
  readonly tools: Map<string, SpanObservation>;
  readonly embeds: Map<string, ModelObservation>;
  /** Ends a streamed call whose consumer stopped reading (no `onEnd` ever comes). */
  abandonTimer: ReturnType<typeof setTimeout> | undefined;
}

const ABANDON_AFTER_MS = 30_000;

const STREAMING = new Set(['ai.streamText', 'ai.streamObject']);

/** Calls left open by an abandoned stream, ended at exit if their timer has not fired. */
const pending = new Set<() => void>();
let exitHook = false;

/**
 * A Vercel AI SDK (`ai` 7) telemetry integration that records each `generateText`,
 * `streamText`, `generateObject` and `embed` call as a NorthStar run (or as a span of
 * the current trace): one span per step, one model span per model call with its
 * messages, usage and cost, one tool span per tool execution. No OpenTelemetry needed.
 *
 * @example
 * registerTelemetry(new NorthstarTelemetry());
 */
// Structurally an `ai` `Telemetry` (checked in the specs) without naming it, so the
// declarations load no types of `ai` (a CommonJS or `ai`-less project type-checks too).
export class NorthstarTelemetry {
  private readonly client: Northstar | undefined;
  private readonly abandonAfterMs: number;
  private readonly calls = new Map<string, CallState>();

  constructor(options: NorthstarTelemetryOptions = {}) {
    if (options === null || typeof options !== 'object') throw new NorthstarConfigError('NorthstarTelemetry: options must be an object');
    const { client } = options;
    if (client !== undefined && (client === null || typeof client !== 'object' || !('config' in client) || typeof client.startRun !== 'function')) {
      throw new NorthstarConfigError('NorthstarTelemetry: option client must be a Northstar client (from init() or new Northstar())');
    }
    const timeout = options.abandonedStreamTimeoutMs;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
      throw new NorthstarConfigError(`NorthstarTelemetry: option abandonedStreamTimeoutMs must be a non-negative number of milliseconds, got ${String(timeout)}`);
    }
    this.client = client;
    this.abandonAfterMs = timeout ?? ABANDON_AFTER_MS;
  }

  /** A call begins: opens its run, or its span inside the current trace. */
  onStart(event: Bag): void {
    this.guard('onStart', () => {
      const operation = String(event.operationId ?? 'ai.call');
      const name = typeof event.functionId === 'string' && event.functionId !== '' ? event.functionId : operation.replace(/^ai\./, '');
      const attributes: Bag = { operation, model_id: event.modelId, provider: event.provider };
      if (typeof event.functionId === 'string') attributes.function_id = event.functionId;
      const parent = currentObservation();
      const kind = operation.startsWith('ai.embed') ? 'custom' : 'agent';
      const root = openRoot(coreOf(this.client), name, { kind, metadata: attributes }, parent);
      if (root === undefined) return;
      const state: CallState = {
        root,
        ownsRun: parent === undefined || parent.ended,
        streaming: STREAMING.has(operation),
        inputs: event.recordInputs !== false,
        outputs: event.recordOutputs !== false,
        step: undefined,
        model: undefined,
        tools: new Map(),
        embeds: new Map(),
        abandonTimer: undefined,
      };
      this.calls.set(event.callId, state);
      if (!state.inputs) return;
      if (operation.startsWith('ai.embed')) root.recordInput(event.value);
      else root.recordInput(promptInput(aiMessagesToChat(event.messages ?? event.prompt, event.instructions ?? event.system)));
    });
  }

  /** A step (one model call and the tools it asked for) begins. */
  onStepStart(event: Bag): void {
    this.guard('onStepStart', () => {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      const stepNumber = typeof event.stepNumber === 'number' ? event.stepNumber : 0;
      state.step = openSpan(state.root, `step ${stepNumber + 1}`, { kind: 'custom', iteration: stepNumber });
    });
  }

  /** A provider call begins: opens its model span with the messages sent. */
  onLanguageModelCallStart(event: Bag): void {
    this.guard('onLanguageModelCallStart', () => {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      this.cancelAbandon(state);
      const model = modelSpan(state.step ?? state.root, String(event.modelId ?? 'model'), {
        model: event.modelId,
        provider: providerName(event.provider),
        attributes: { provider: event.provider },
      });
      state.model = model;
      if (state.inputs) model?.recordInputMessages(aiMessagesToChat(event.messages, event.instructions));
    });
  }

  /** A provider call ends: its answer, usage and cost. */
  onLanguageModelCallEnd(event: Bag): void {
    this.guard('onLanguageModelCallEnd', () => {
      const state = this.calls.get(event.callId);
      const model = state?.model;
      if (state === undefined || model === undefined) return;
      state.model = undefined;
      endModel(model, event.modelId, state.outputs ? aiContentToMessage(event.content) : undefined, event.usage, event.finishReason, event.performance?.timeToFirstOutputMs, event.responseId);
      // A stream whose consumer stops reading never reports its end: close it later.
      if (state.streaming && event.finishReason !== 'tool-calls') this.scheduleAbandon(event.callId, state);
    });
  }

  /** generateObject / streamObject: the one model call begins. */
  onObjectStepStart(event: Bag): void {
    this.guard('onObjectStepStart', () => {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      const model = modelSpan(state.root, String(event.modelId ?? 'model'), { model: event.modelId, provider: providerName(event.provider), attributes: { provider: event.provider } });
      state.model = model;
      if (state.inputs) model?.recordInputMessages(aiMessagesToChat(event.promptMessages));
    });
  }

  /** generateObject / streamObject: the model call ends with the object's text. */
  onObjectStepEnd(event: Bag): void {
    this.guard('onObjectStepEnd', () => {
      const state = this.calls.get(event.callId);
      const model = state?.model;
      if (state === undefined || model === undefined) return;
      state.model = undefined;
      endModel(model, event.response?.modelId ?? event.modelId, state.outputs ? { role: 'assistant', content: String(event.objectText ?? '') } : undefined, event.usage, event.finishReason, event.msToFirstChunk, event.response?.id);
    });
  }

  /** A tool execution begins: opens its tool span with the arguments. */
  onToolExecutionStart(event: Bag): void {
    this.guard('onToolExecutionStart', () => {
      const state = this.calls.get(event.callId);
      const call = event.toolCall as Bag | undefined;
      if (state === undefined || call === undefined) return;
      const tool = openSpan(state.step ?? state.root, String(call.toolName ?? 'tool'), { kind: 'tool', attributes: { tool_call_id: call.toolCallId } });
      if (tool === undefined) return;
      state.tools.set(String(call.toolCallId), tool);
      if (state.inputs) tool.recordInput(call.input);
    });
  }

  /** A tool execution ends: its result, or its error. */
  onToolExecutionEnd(event: Bag): void {
    this.guard('onToolExecutionEnd', () => {
      const state = this.calls.get(event.callId);
      const id = String(event.toolCall?.toolCallId);
      const tool = state?.tools.get(id);
      if (state === undefined || tool === undefined) return;
      state.tools.delete(id);
      const output = event.toolOutput as Bag | undefined;
      if (output?.type === 'tool-error') tool.fail(output.error);
      else {
        if (state.outputs) tool.setOutput(output?.output);
        tool.end();
      }
    });
  }

  /** Runs the tool's `execute` inside its tool span, so NorthStar spans it opens (a `@Tool` method) nest under it. */
  executeTool<T>(options: { callId: string; toolCallId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    return within(this.calls.get(options.callId)?.tools.get(options.toolCallId), options.execute);
  }

  /** Runs the provider call inside its model span, so an instrumented client's spans nest under it. */
  executeLanguageModelCall<T>(options: { callId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    return within(this.calls.get(options.callId)?.model, options.execute);
  }

  /** A step ends. */
  onStepEnd(event: Bag): void {
    this.guard('onStepEnd', () => {
      const state = this.calls.get(event.callId);
      const step = state?.step;
      if (state === undefined || step === undefined) return;
      state.step = undefined;
      if (typeof event.finishReason === 'string') step.setAttributes({ finish_reason: event.finishReason });
      step.end();
    });
  }

  /** A step fails before it has a result. */
  onStepError(event: Bag): void {
    this.guard('onStepError', () => {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      state.model?.fail(event.error);
      state.model = undefined;
      state.step?.fail(event.error);
      state.step = undefined;
    });
  }

  /** generateText/embed...: one embedding model call begins. */
  onEmbedStart(event: Bag): void {
    this.guard('onEmbedStart', () => {
      const state = this.calls.get(event.callId);
      if (state === undefined) return;
      const model = modelSpan(state.root, String(event.modelId ?? 'embedding'), { model: event.modelId, provider: providerName(event.provider), attributes: { provider: event.provider, operation: event.operationId } });
      if (model === undefined) return;
      state.embeds.set(String(event.embedCallId), model);
      if (state.inputs) model.recordInputMessages(Array.isArray(event.values) ? event.values.map((v: unknown) => ({ role: 'user', content: String(v) })) : event.values);
    });
  }

  /** One embedding model call ends: its usage (the vectors are not recorded, only their count). */
  onEmbedEnd(event: Bag): void {
    this.guard('onEmbedEnd', () => {
      const state = this.calls.get(event.callId);
      const id = String(event.embedCallId);
      const model = state?.embeds.get(id);
      if (state === undefined || model === undefined) return;
      state.embeds.delete(id);
      const usage = aiUsage(event.usage);
      if (usage !== undefined) model.recordUsage(usage);
      const embeddings = Array.isArray(event.embeddings) ? event.embeddings : [];
      model.setAttributes({ embedding_count: embeddings.length, ...(Array.isArray(embeddings[0]) && { dimensions: embeddings[0].length }) });
      model.end();
    });
  }

  /** The call ends: its output, then the run (or span) ends. */
  onEnd(event: Bag): void {
    this.guard('onEnd', () => {
      const state = this.take(event.callId);
      if (state === undefined) return;
      if ('object' in event && event.error !== undefined && event.error !== null) {
        closeOpen(state, event.error);
        state.root.fail(event.error);
        return;
      }
      if (!state.outputs) {
        // Recorded nothing of the answer, as the call asked.
      } else if ('object' in event) {
        state.root.setOutput(event.object);
      } else if ('embedding' in event) {
        state.root.setOutput({ embeddings: Array.isArray(event.embedding) && Array.isArray(event.embedding[0]) ? event.embedding.length : 1 });
      } else if (typeof event.text === 'string') {
        state.root.setOutput(event.text);
      }
      if (typeof event.finishReason === 'string') state.root.logMetadata({ finish_reason: event.finishReason });
      closeOpen(state, undefined);
      state.root.end();
    });
  }

  /** A streamed call is aborted: what arrived stays, open spans and the call end as errors. */
  onAbort(event: Bag): void {
    this.guard('onAbort', () => {
      const state = this.take(event.callId);
      if (state === undefined) return;
      const reason = abortError(event.reason);
      closeOpen(state, reason);
      state.root.logMetadata({ aborted: true });
      state.root.fail(reason);
    });
  }

  /** The call fails. */
  onError(event: unknown): void {
    this.guard('onError', () => {
      const callId = (event as Bag | undefined)?.callId;
      const state = typeof callId === 'string' ? this.take(callId) : undefined;
      if (state === undefined) return;
      const error = (event as Bag).error ?? event;
      closeOpen(state, error);
      state.root.fail(error);
    });
  }

  private take(callId: string): CallState | undefined {
    const state = this.calls.get(callId);
    if (state === undefined) return undefined;
    this.calls.delete(callId);
    this.cancelAbandon(state);
    return state;
  }

  private scheduleAbandon(callId: string, state: CallState): void {
    this.cancelAbandon(state);
    const finish = (): void => {
      pending.delete(finish);
      if (this.calls.get(callId) !== state) return;
      this.calls.delete(callId);
      this.guard('abandon', () => {
        closeOpen(state, undefined);
        state.root.logMetadata({ stream_abandoned: true });
        state.root.end();
      });
    };
    const timer = setTimeout(finish, this.abandonAfterMs);
    timer.unref?.();
    state.abandonTimer = timer;
    pending.add(finish);
    (state as { finish?: () => void }).finish = finish;
    if (!exitHook) {
      exitHook = true;
      // Before the process exits, calls still waiting for their end count as abandoned.
      process.once('beforeExit', () => {
        exitHook = false;
        for (const end of [...pending]) end();
      });
    }
  }

  private cancelAbandon(state: CallState): void {
    if (state.abandonTimer === undefined) return;
    clearTimeout(state.abandonTimer);
    state.abandonTimer = undefined;
    const finish = (state as { finish?: () => void }).finish;
    if (finish !== undefined) pending.delete(finish);
  }

  /** Runs bookkeeping so that nothing reaches the AI SDK (and so the user's call). */
  private guard(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      reportProblem(coreOf(this.client), `NorthstarTelemetry.${what} failed: ${String(error)}`, error);
    }
  }
}

/** Opens a model span under `parent` (the one constructor path, `kind: 'model'`); undefined when it cannot be recorded. */
function modelSpan(parent: Observation, name: string, spec: { model?: string; provider?: string; attributes?: Bag }): ModelObservation | undefined {
  return asModelObservation(openSpan(parent, name, { ...spec, kind: 'model' }));
}

/** Runs `execute` with `observation` as NorthStar's current observation (as is when there is none). */
function within<T>(observation: Observation | undefined, execute: () => PromiseLike<T>): PromiseLike<T> {
  return observation === undefined ? execute() : runInside(observation, execute);
}

/** Records a model call's answer, usage and timings, and ends its span. */
function endModel(model: ModelObservation, modelId: unknown, message: unknown | undefined, usage: unknown, finishReason: unknown, firstChunkMs: unknown, responseId: unknown): void {
  if (typeof modelId === 'string' && modelId !== '') model.setModel(modelId);
  if (message !== undefined) model.recordOutputMessage(message);
  const counts = aiUsage(usage);
  if (counts !== undefined) model.recordUsage(counts);
  const attributes: Bag = {};
  if (typeof finishReason === 'string') attributes.finish_reason = finishReason;
  if (typeof firstChunkMs === 'number') attributes.time_to_first_token_ms = firstChunkMs;
  if (typeof responseId === 'string') attributes.response_id = responseId;
  model.setAttributes(attributes);
  model.end();
}

/** Ends whatever the call still has open: with `error` when given, else ok. */
function closeOpen(state: CallState, error: unknown): void {
  const open: Observation[] = [...state.tools.values(), ...state.embeds.values()];
  if (state.model !== undefined) open.push(state.model);
  if (state.step !== undefined) open.push(state.step);
  for (const observation of open) {
    if (error === undefined) observation.end();
    else observation.fail(error);
  }
  state.tools.clear();
  state.embeds.clear();
  state.model = undefined;
  state.step = undefined;
}

/** The abort reason as an error the record can name. */
function abortError(reason: unknown): unknown {
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' && reason !== '' ? reason : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}
