// What framework integrations (`northstar-ai/openai-agents`, `northstar-ai/langchain`)
// need from the engine, and nothing more: open a run or a span for a framework's own
// trace or step, end it, and run code inside it. Framework telemetry arrives as callbacks
// keyed by the framework's ids, so these handles are opened and ended by hand, never
// bound to the async context on their own. Internal: not re-exported by any barrel.

import { globalState } from '../context/global-state.js';
import type { SpanKind } from '../registry/records.js';
import { activeClient, currentObservation } from './instrument.js';
import { ModelObservation } from './model-observation.js';
import { type Observation, RunObservation, SpanObservation } from './observation.js';

/** An open run or span opened for a framework step. */
export type BridgeObservation = Observation;

/** An open model span opened for a framework's model call. */
export type BridgeModelObservation = ModelObservation;

/** What a framework's root step (a trace, a root chain) opens with. */
export interface BridgeRootOptions {
  /** Kind of the span it becomes when it starts inside a NorthStar observation. @default 'agent' */
  kind?: SpanKind;
  /** Run metadata (or span attributes when it becomes a child span). */
  metadata?: Record<string, unknown>;
  tags?: readonly string[];
  /** Recorded as the run's `user_input` (or the span's `tool_arguments`) when given. */
  input?: unknown;
}

/** What a framework's child step opens with. */
export interface BridgeSpanOptions {
  attributes?: Record<string, unknown>;
  /** Recorded as the span's `tool_arguments` when given (and input capture is on). */
  input?: unknown;
  /** The step number (a 32-bit integer; anything else is left out). */
  iteration?: number;
}

/** What a framework's model call opens with. */
export interface BridgeModelOptions {
  attributes?: Record<string, unknown>;
  model?: string;
  provider?: string;
}

/** The observation the current async flow is in (a `@Trace`/`trace()` run or a span), if any. */
export function currentBridgeParent(): BridgeObservation | undefined {
  return currentObservation();
}

/**
 * Opens the observation of a framework's root step: a child span of `parent` (or of the
 * current NorthStar observation) when there is one, so a framework run inside a
 * `@Trace` method nests in it; otherwise a new run of the client `init()` installed.
 * Undefined when nothing is recorded (no enabled client) or opening failed.
 */
export function openRoot(name: string, options: BridgeRootOptions = {}, parent: BridgeObservation | undefined = currentObservation()): BridgeObservation | undefined {
  if (parent !== undefined && !parent.ended) {
    return openSpan(parent, name, options.kind ?? 'agent', { attributes: options.metadata, input: options.input });
  }
  const client = activeClient();
  if (client === undefined) return undefined;
  try {
    const run = new RunObservation(client, name, {
      metadata: options.metadata,
      tags: options.tags,
      captureInput: client.config.captureInputs,
      captureOutput: client.config.captureOutputs,
    });
    if (options.input !== undefined) run.recordInput(options.input);
    return run;
  } catch (error) {
    client.logger.problem('internal', `could not start run ${name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Opens a child span of `parent` (undefined: of the current NorthStar observation); undefined when there is no parent or opening failed. */
export function openSpan(parent: BridgeObservation | undefined, name: string, kind: SpanKind, options: BridgeSpanOptions = {}): BridgeObservation | undefined {
  parent ??= currentObservation();
  if (parent === undefined) return undefined;
  try {
    const span = new SpanObservation(parent, name, kind, {
      attributes: options.attributes,
      iteration: options.iteration,
      captureInput: parent.captureInput,
      captureOutput: parent.captureOutput,
    });
    if (options.input !== undefined) span.recordInput(options.input);
    return span;
  } catch (error) {
    parent.client.logger.problem('internal', `could not start span ${name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Opens a model span under `parent` (undefined: under the current NorthStar observation); undefined when there is no parent or opening failed. */
export function openModelSpan(parent: BridgeObservation | undefined, name: string, options: BridgeModelOptions = {}): BridgeModelObservation | undefined {
  parent ??= currentObservation();
  if (parent === undefined) return undefined;
  try {
    return new ModelObservation(parent, name, {
      attributes: options.attributes,
      model: options.model,
      provider: options.provider,
      captureInput: parent.captureInput,
      captureOutput: parent.captureOutput,
    });
  } catch (error) {
    parent.client.logger.problem('internal', `could not start model span ${name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Ends an observation: `error` when `error` is given (anything thrown, or `{ message }`), else `ok`; `output` is recorded first. */
export function endObservation(observation: BridgeObservation | undefined, result: { output?: unknown; error?: unknown } = {}): void {
  if (observation === undefined || observation.ended) return;
  try {
    if ('output' in result && result.output !== undefined) observation.setOutput(result.output);
    if (result.error !== undefined) observation.fail(result.error);
    else observation.end();
  } catch (error) {
    observation.client.logger.problem('internal', `ending ${observation.id} failed: ${String(error)}`, error);
  }
}

/** Calls `fn` inside `observation` (so `@Span`/`@Tool`/`trace()` code within nests under it); the caller gets what `fn` returns or throws. */
export function runWithin<R>(observation: BridgeObservation | undefined, fn: () => R): R {
  return observation === undefined ? fn() : globalState.context.run(observation, fn);
}

/** Reports a problem of an integration through the observation's client (debug output, `onError`), never throwing. */
export function reportProblem(observation: BridgeObservation | undefined, what: string, error: unknown): void {
  try {
    const client = observation?.client ?? activeClient();
    client?.logger.problem('internal', `${what}: ${String(error)}`, error);
  } catch {
    // Reporting must never break the framework's callback.
  }
}

/** Flushes the client `init()` installed (a framework's `forceFlush`); never rejects. */
export async function flushActiveClient(timeoutMs?: number): Promise<boolean> {
  try {
    const client = globalState.client as { flush?: (options?: { timeoutMs?: number }) => Promise<boolean> } | undefined;
    if (client?.flush === undefined) return true;
    return await client.flush(timeoutMs === undefined ? {} : { timeoutMs });
  } catch {
    return false;
  }
}
