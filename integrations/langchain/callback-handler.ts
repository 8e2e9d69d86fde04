// A LangChain.js callback handler: every LangChain run (chain, chat model, LLM, tool,
// retriever, LangGraph node) becomes a NorthStar span, placed in the tree by its run id
// and parent run id. A root run becomes a NorthStar run, or a child span when it starts
// inside a NorthStar trace (`@Trace`, `trace()`).

import { BaseCallbackHandler, type BaseCallbackHandlerInput } from '@langchain/core/callbacks/base';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

import {
  asModelObservation,
  type Bag,
  coreOf,
  currentObservation,
  endObservation,
  innermost,
  isBag,
  type ModelObservation,
  nonEmptyString,
  type Observation,
  openRoot,
  openSpan,
  parseJsonText,
  reportProblem,
  setContextResolver,
  type SpanKind,
} from '../../src/internal.js';


/** LangGraph and LangChain mark their plumbing runs (`__start__`, channel writes, branches) with this tag. */
const HIDDEN_TAG = 'langsmith:hidden';

/** Open runs kept at most: a run LangChain never ends (an abandoned stream) must not hold memory for ever. */
const MAX_OPEN_RUNS = 50_000;

/** One open LangChain run. */
interface OpenRun {
  observation: Observation;
  /** The run this handler opened for a root model or tool call, ended with it. */
  root?: Observation;
}

/** What every copy of one handler shares (LangChain may `copy()` a handler). */
interface HandlerState {
  runs: Map<string, OpenRun>;
  /** Hidden runs: their children attach to the nearest shown ancestor. */
  hidden: Map<string, Observation | undefined>;
}

/** The observation of every open run by LangChain run id, shared by all handlers and copies of this module. */
const openRuns: Map<string, Observation> = ((globalThis as Record<symbol, unknown>)[Symbol.for('northstar-ai.langchain.runs.v1')] ??= new Map()) as Map<string, Observation>;

/**
 * The context resolver of this integration: code running inside a LangChain run (a
 * `@Tool` method called from a tool's function) sees, through LangChain's own async
 * context, the callback manager of that run's children; the run's span is current when
 * it is inner to NorthStar's own current observation.
 */
function resolveCurrent(store: Observation | undefined): Observation | undefined {
  if (openRuns.size === 0) return store;
  try {
    const callbacks = (AsyncLocalStorageProviderSingleton.getRunnableConfig() as { callbacks?: { _parentRunId?: unknown } } | undefined)?.callbacks;
    const runId = callbacks?._parentRunId;
    return typeof runId === 'string' ? innermost(openRuns.get(runId), store) : store;
  } catch {
    return store;
  }
}

/** Options of `NorthstarCallbackHandler` (LangChain's own handler options). */
export type NorthstarCallbackHandlerOptions = BaseCallbackHandlerInput;

/**
 * Sends LangChain.js and LangGraph runs to NorthStar: chains and graph nodes become
 * spans, chat models and LLMs model spans (messages by role, `usage_metadata`, cost),
 * tools and retrievers tool spans with their arguments and results, errors error status.
 * Reports to the client `init()` installed.
 *
 * @example
 * import { NorthstarCallbackHandler } from 'northstar-ai/langchain';
 * await chain.invoke(input, { callbacks: [new NorthstarCallbackHandler()] });
 */
export class NorthstarCallbackHandler extends BaseCallbackHandler {
  /** The handler's name, as LangChain lists it. */
  name = 'northstar';
  private readonly state: HandlerState;

  constructor(options?: NorthstarCallbackHandlerOptions) {
    super(options);
    // Called inline (not queued in the background) so a root run sees the caller's async context and nests in its trace.
    this.awaitHandlers = (options as { _awaitHandler?: boolean } | undefined)?._awaitHandler ?? true;
    this.state = options instanceof NorthstarCallbackHandler ? options.state : { runs: new Map(), hidden: new Map() };
    setContextResolver('langchain', resolveCurrent);
  }

  /**
   * A chain, runnable or LangGraph node started. The parameters are in the order the
   * callback manager passes them (`runId, parentRunId, tags, metadata, runType, runName`).
   */
  override handleChainStart(
    chain: Serialized,
    inputs: Record<string, unknown>,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    this.guard('handleChainStart', () => {
      if (tags?.includes(HIDDEN_TAG) && parentRunId !== undefined) {
        const { hidden } = this.state;
        if (hidden.size >= MAX_OPEN_RUNS) hidden.delete(hidden.keys().next().value as string);
        hidden.set(runId, this.parentOf(parentRunId));
        return;
      }
      const name = runName ?? serializedName(chain) ?? 'chain';
      // Every run inside a LangGraph node inherits its metadata: the node itself is the run named after it.
      const node = typeof metadata?.langgraph_node === 'string' && metadata.langgraph_node === name;
      const attributes = chainAttributes(tags, metadata, runType, node);
      const input = simplify(inputs);
      const parent = this.parentOf(parentRunId);
      if (parent === undefined) {
        // A root run, or one whose parent this handler never saw outside any NorthStar trace: a run of its own.
        const observation = openRoot(coreOf(undefined), name, { kind: runType === 'agent' ? 'agent' : 'workflow', metadata: attributes, tags: tags?.filter(visibleTag) });
        if (observation === undefined) return;
        if (input !== undefined) observation.recordInput(input);
        this.track(runId, { observation });
        return;
      }
      const kind: SpanKind = runType === 'agent' ? 'agent' : node ? 'workflow' : 'custom';
      const step = metadata?.langgraph_step;
      const observation = openSpan(parent, name, { kind, attributes, iteration: node && typeof step === 'number' ? step : undefined });
      if (observation === undefined) return;
      if (input !== undefined) observation.recordInput(input);
      this.track(runId, { observation });
    });
  }

  /** A chain finished. */
  override handleChainEnd(outputs: Record<string, unknown>, runId: string): void {
    this.guard('handleChainEnd', () => this.end(runId, { output: simplify(outputs) }));
  }

  /** A chain failed. */
  override handleChainError(error: unknown, runId: string): void {
    this.guard('handleChainError', () => this.end(runId, { error }));
  }

  /** A chat model call started: its messages are recorded by role. */
  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.guard('handleChatModelStart', () => {
      const model = this.openModel(llm, runId, parentRunId, extraParams, tags, metadata, runName);
      model?.recordInputMessages((messages[0] ?? []).map(roleMessage));
    });
  }

  /** A text-completion LLM call started: each prompt is a user message. */
  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.guard('handleLLMStart', () => {
      const model = this.openModel(llm, runId, parentRunId, extraParams, tags, metadata, runName);
      model?.recordInputMessages(prompts.map((content) => ({ role: 'user', content })));
    });
  }

  /** A model call finished: the generated message, usage and model name. */
  override handleLLMEnd(output: LLMResult, runId: string): void {
    this.guard('handleLLMEnd', () => {
      const open = this.state.runs.get(runId);
      if (open === undefined) return;
      const model = open.observation as ModelObservation;
      recordGenerations(model, output);
      this.end(runId, {});
    });
  }

  /** A model call failed. */
  override handleLLMError(error: unknown, runId: string): void {
    this.guard('handleLLMError', () => this.end(runId, { error }));
  }

  /** A tool call started: its arguments become the span's `tool_arguments`. */
  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    this.guard('handleToolStart', () => {
      const name = runName ?? serializedName(tool) ?? 'tool';
      const attributes = chainAttributes(tags, metadata, undefined, false);
      if (toolCallId !== undefined) attributes.tool_call_id = toolCallId;
      this.openLeaf(name, 'tool', runId, parentRunId, attributes, parseJson(input));
    });
  }

  /** A tool call finished: its result becomes the span's `tool_result`. */
  override handleToolEnd(output: unknown, runId: string): void {
    this.guard('handleToolEnd', () => {
      // A tool called with a tool call returns a ToolMessage: its content is the result.
      const result = isMessage(output) ? parseJson((output as Bag).content) : simplify(output);
      this.end(runId, { output: result ?? null });
    });
  }

  /** A tool call failed. */
  override handleToolError(error: unknown, runId: string): void {
    this.guard('handleToolError', () => this.end(runId, { error }));
  }

  /** A retriever started: the query is the span's input. */
  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.guard('handleRetrieverStart', () => {
      const attributes = chainAttributes(tags, metadata, 'retriever', false);
      this.openLeaf(name ?? serializedName(retriever) ?? 'retriever', 'tool', runId, parentRunId, attributes, { query });
    });
  }

  /** A retriever finished: the documents are the span's output. */
  override handleRetrieverEnd(documents: unknown[], runId: string): void {
    this.guard('handleRetrieverEnd', () => {
      const open = this.state.runs.get(runId);
      open?.observation.logMetadata({ document_count: documents.length });
      this.end(runId, { output: simplify(documents) });
    });
  }

  /** A retriever failed. */
  override handleRetrieverError(error: unknown, runId: string): void {
    this.guard('handleRetrieverError', () => this.end(runId, { error }));
  }

  /** A legacy agent chose an action: an `agent_action` event on its run. */
  override handleAgentAction(action: { tool: string; toolInput: unknown; log: string }, runId: string): void {
    this.guard('handleAgentAction', () => {
      this.state.runs.get(runId)?.observation.logEvent('agent_action', { tool: action.tool, tool_input: simplify(action.toolInput), log: action.log });
    });
  }

  /** A legacy agent finished: an `agent_finish` event on its run. */
  override handleAgentEnd(action: { returnValues: unknown; log: string }, runId: string): void {
    this.guard('handleAgentEnd', () => {
      this.state.runs.get(runId)?.observation.logEvent('agent_finish', { return_values: simplify(action.returnValues), log: action.log });
    });
  }

  /** A custom event (`dispatchCustomEvent`): a named event on the run that sent it. */
  override handleCustomEvent(eventName: string, data: unknown, runId: string): void {
    this.guard('handleCustomEvent', () => {
      const observation = this.state.runs.get(runId)?.observation ?? this.state.hidden.get(runId);
      observation?.logEvent(eventName, simplify(data));
    });
  }

  /** The observation a child of `parentRunId` goes under. */
  private parentOf(parentRunId: string | undefined): Observation | undefined {
    if (parentRunId === undefined) return undefined;
    const open = this.state.runs.get(parentRunId);
    if (open !== undefined) return open.observation;
    if (this.state.hidden.has(parentRunId)) return this.state.hidden.get(parentRunId);
    // A parent this handler never saw (it was attached to an inner call only): nest in the current NorthStar trace if any.
    return currentObservation();
  }

  /** The parent of a model or tool call, opening a run of its own when it is a root with no NorthStar trace around it. */
  private leafParent(name: string, parentRunId: string | undefined, kind: SpanKind): { parent?: Observation; root?: Observation } {
    const parent = this.parentOf(parentRunId) ?? currentObservation();
    if (parent !== undefined) return { parent };
    const root = openRoot(coreOf(undefined), name, { kind });
    return { parent: root, root };
  }

  private openModel(
    llm: Serialized,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Record<string, unknown> | undefined,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
    runName: string | undefined,
  ): ModelObservation | undefined {
    const name = runName ?? serializedName(llm) ?? 'model';
    const { parent, root } = this.leafParent(name, parentRunId, 'agent');
    if (parent === undefined) return undefined;
    const params = isBag(extraParams?.invocation_params) ? extraParams.invocation_params : {};
    const model = str(metadata?.ls_model_name) ?? str(params.model) ?? str(params.model_name) ?? str(params.modelName);
    const provider = str(metadata?.ls_provider);
    const attributes = chainAttributes(tags, metadata, undefined, false);
    for (const key of ['temperature', 'max_tokens', 'max_completion_tokens', 'top_p', 'stop', 'tool_choice']) {
      if (params[key] !== undefined && params[key] !== null) attributes[key] = params[key];
    }
    if (Array.isArray(params.tools)) attributes.tools = params.tools.map((t: Bag) => t?.function?.name ?? t?.name).filter((n: unknown) => typeof n === 'string');
    const observation = asModelObservation(openSpan(parent, name, { kind: 'model', attributes, model, provider }));
    if (observation !== undefined) this.track(runId, { observation, root });
    else endObservation(root);
    return observation;
  }

  private openLeaf(name: string, kind: SpanKind, runId: string, parentRunId: string | undefined, attributes: Bag, input: unknown): void {
    const { parent, root } = this.leafParent(name, parentRunId, 'agent');
    if (parent === undefined) return;
    const observation = openSpan(parent, name, { kind, attributes });
    if (observation === undefined) {
      endObservation(root);
      return;
    }
    if (input !== undefined) observation.recordInput(input);
    this.track(runId, { observation, root });
  }

  /** Keeps an opened run until its end callback, within the cap. */
  private track(runId: string, open: OpenRun): void {
    const { runs } = this.state;
    if (runs.size >= MAX_OPEN_RUNS) {
      const oldest = runs.keys().next().value as string;
      this.end(oldest, { error: new Error('LangChain never ended this run (too many open runs)') });
    }
    runs.set(runId, open);
    openRuns.set(runId, open.observation);
  }

  private end(runId: string, result: { output?: unknown; error?: unknown }): void {
    this.state.hidden.delete(runId);
    const open = this.state.runs.get(runId);
    if (open === undefined) return;
    this.state.runs.delete(runId);
    if (openRuns.get(runId) === open.observation) openRuns.delete(runId);
    endObservation(open.observation, result);
    if (open.root !== undefined) endObservation(open.root, result.error === undefined ? {} : { error: result.error });
  }

  /** Runs a callback body; a failure is reported, never thrown into LangChain. */
  private guard(what: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      reportProblem(undefined, `langchain: ${what} failed: ${String(error)}`, error);
    }
  }
}

/** The generations of a model call as the model span's output, usage and model name. */
function recordGenerations(model: ModelObservation, output: LLMResult): void {
  const generations = Array.isArray(output?.generations) ? output.generations : [];
  let usage: Bag | undefined;
  for (const generation of generations[0] ?? []) {
    const g = generation as Bag;
    if (isMessage(g.message)) {
      const message = g.message as Bag;
      model.recordOutputMessage(roleMessage(message as BaseMessage));
      const responseModel = str(message.response_metadata?.model_name) ?? str(message.response_metadata?.model);
      if (responseModel !== undefined) model.setModel(responseModel);
      if (isBag(message.usage_metadata)) usage ??= fromUsageMetadata(message.usage_metadata);
      const finish = message.response_metadata?.finish_reason ?? message.response_metadata?.stop_reason;
      if (typeof finish === 'string') model.logMetadata({ finish_reason: finish });
    } else if (typeof g.text === 'string') {
      model.recordOutputMessage({ role: 'assistant', content: g.text });
    }
  }
  const llmOutput = isBag(output?.llmOutput) ? output.llmOutput : undefined;
  if (usage === undefined && llmOutput !== undefined) {
    const tokenUsage = llmOutput.tokenUsage ?? llmOutput.estimatedTokenUsage ?? llmOutput.usage;
    if (isBag(tokenUsage)) usage = tokenUsage;
  }
  if (usage !== undefined) model.recordUsage(usage);
}

/** LangChain `usage_metadata` as the engine's token counts (cache and reasoning details included). */
function fromUsageMetadata(u: Bag): Bag {
  const counts: Bag = {};
  const set = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) counts[key] = value;
  };
  set('inputTokens', u.input_tokens);
  set('outputTokens', u.output_tokens);
  set('totalTokens', u.total_tokens);
  const input = isBag(u.input_token_details) ? u.input_token_details : {};
  const output = isBag(u.output_token_details) ? u.output_token_details : {};
  set('cacheReadTokens', input.cache_read);
  set('cacheWriteTokens', input.cache_creation);
  set('reasoningTokens', output.reasoning);
  return counts;
}

/** LangChain message types as chat roles. */
const ROLES: Readonly<Record<string, string>> = { human: 'user', ai: 'assistant', system: 'system', developer: 'developer', tool: 'tool', function: 'function', generic: 'user' };

function messageType(message: Bag): string | undefined {
  try {
    if (typeof message.getType === 'function') return String(message.getType());
    if (typeof message._getType === 'function') return String(message._getType());
  } catch {
    // Fall through to the plain field.
  }
  return typeof message.type === 'string' ? message.type : typeof message.role === 'string' ? message.role : undefined;
}

function isMessage(value: unknown): boolean {
  return isBag(value) && 'content' in value && (typeof value.getType === 'function' || typeof value._getType === 'function');
}

/** A LangChain message in the `{ role, content, tool_calls, tool_call_id }` shape the engine reads. */
function roleMessage(message: BaseMessage): Bag {
  const m = message as unknown as Bag;
  const type = messageType(m) ?? 'generic';
  const role = type === 'generic' && typeof m.role === 'string' ? m.role : (ROLES[type] ?? type);
  const out: Bag = { role, content: m.content ?? null };
  if (role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((call: Bag) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } }));
    if (out.content === '') out.content = null;
  }
  if (role === 'tool' && typeof m.tool_call_id === 'string') out.tool_call_id = m.tool_call_id;
  if (typeof m.name === 'string' && m.name !== '') out.name = m.name;
  return out;
}

/** Inputs and outputs with LangChain messages and documents in readable form (not their serialisation internals). */
function simplify(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (isMessage(value)) return roleMessage(value as BaseMessage);
  if (Array.isArray(value)) return value.map((item) => simplify(item, depth + 1));
  const bag = value as Bag;
  if (typeof bag.pageContent === 'string') return { page_content: bag.pageContent, metadata: bag.metadata, ...(bag.id !== undefined ? { id: bag.id } : {}) };
  // LangChain prompt values (ChatPromptValue) hold their messages.
  if (Array.isArray(bag.messages) && typeof bag.toChatMessages === 'function') return { messages: simplify(bag.messages, depth + 1) };
  const proto = Object.getPrototypeOf(bag);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Bag = {};
  for (const key of Object.keys(bag)) out[key] = simplify(bag[key], depth + 1);
  return out;
}

/** Tags, run type, thread, model hints and (on a graph node) its LangGraph position as span attributes. */
function chainAttributes(tags: string[] | undefined, metadata: Record<string, unknown> | undefined, runType: string | undefined, node: boolean): Bag {
  const attributes: Bag = { framework: 'langchain' };
  if (runType !== undefined) attributes.run_type = runType;
  const visible = tags?.filter(visibleTag);
  if (visible !== undefined && visible.length > 0) attributes.tags = visible;
  if (metadata !== undefined) {
    const keys = node ? ['langgraph_node', 'langgraph_step', 'langgraph_triggers', 'thread_id'] : ['thread_id', 'ls_provider', 'ls_model_name'];
    for (const key of keys) if (metadata[key] !== undefined) attributes[key] = metadata[key];
  }
  return attributes;
}

/** LangGraph's internal step tags (`graph:step:3`) and the hidden marker say nothing to a reader. */
const visibleTag = (tag: string): boolean => tag !== HIDDEN_TAG && !tag.startsWith('graph:step:');

function serializedName(serialized: Serialized | undefined): string | undefined {
  const s = serialized as Bag | undefined;
  if (s === undefined || s === null) return undefined;
  if (typeof s.name === 'string' && s.name !== '') return s.name;
  return Array.isArray(s.id) && typeof s.id[s.id.length - 1] === 'string' ? s.id[s.id.length - 1] : undefined;
}

const str = nonEmptyString;

/** Tool input arrives as text (JSON for structured tools): record the value when it parses. */
function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? parseJsonText(text) : simplify(text);
}
