// What framework integrations (`integrations/*`) use of the engine: open a run or a span
// for a framework's own record, find the current observation, run code inside one.
// Integrations get engine objects through these functions only; nothing here knows of
// any framework.
import { globalState } from '../context/global-state.js';
import type { SpanKind } from '../registry/records.js';
import type { ClientCore } from './client-core.js';
import type { Attributes } from './handles.js';
import { activeClient, currentObservation } from './instrument.js';
import { ModelObservation } from './model-observation.js';
import { type Observation, RunObservation, SpanObservation } from './observation.js';
import type { Northstar } from './northstar-client.js';

export type { Observation, ModelObservation, RunObservation, SpanObservation, ClientCore };
export { currentObservation };

/** The enabled machinery of `client`, or of the client `init()` installed; undefined when disabled. */
export function coreOf(client: Northstar | undefined): ClientCore | undefined {
  return client === undefined ? activeClient() : client.core;
}

/** Options of a run an integration opens. */
export interface BridgeRunOptions {
  /** The client to report to. @default the client `init()` installed */
  client?: Northstar;
  metadata?: Attributes;
  tags?: readonly string[];
}

/** Opens a run (a trace) for a framework's root record; undefined when nothing is recorded. */
export function startRunFor(name: string, options: BridgeRunOptions = {}): RunObservation | undefined {
  const core = coreOf(options.client);
  if (core === undefined) return undefined;
  try {
    return new RunObservation(core, name, {
      metadata: options.metadata,
      tags: options.tags,
      captureInput: core.config.captureInputs,
      captureOutput: core.config.captureOutputs,
    });
  } catch (error) {
    core.logger.problem('internal', `could not start run ${name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Options of a span an integration opens. */
export interface BridgeSpanOptions {
  attributes?: Attributes;
  iteration?: number;
  /** Model spans: the model and provider, used for pricing. */
  model?: string;
  provider?: string;
}

/**
 * Opens a child span of `parent` (a model span when `kind` is `model`), inheriting the
 * parent's capture flags; undefined when it cannot be recorded.
 */
export function startChildSpan(parent: Observation | undefined, name: string, kind: 'model', options?: BridgeSpanOptions): ModelObservation | undefined;
export function startChildSpan(parent: Observation | undefined, name: string, kind: SpanKind, options?: BridgeSpanOptions): SpanObservation | undefined;
export function startChildSpan(parent: Observation | undefined, name: string, kind: SpanKind, options: BridgeSpanOptions = {}): SpanObservation | undefined {
  if (parent === undefined) return undefined;
  try {
    const flags = { captureInput: parent.captureInput, captureOutput: parent.captureOutput };
    if (kind === 'model') {
      return new ModelObservation(parent, name, { ...flags, attributes: options.attributes, iteration: options.iteration, model: options.model, provider: options.provider });
    }
    return new SpanObservation(parent, name, kind, { ...flags, attributes: options.attributes, iteration: options.iteration });
  } catch (error) {
    parent.client.logger.problem('internal', `could not start span ${name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Runs `fn` with `observation` as the current one of NorthStar's async context (as is when undefined). */
export function runWithin<R>(observation: Observation | undefined, fn: () => R): R {
  return observation === undefined ? fn() : globalState.context.run(observation, fn);
}

/** True for a model span (duck-typed: it may come from another loaded copy). */
export function isModelObservation(observation: Observation): observation is ModelObservation {
  return typeof (observation as Partial<ModelObservation>).recordInputMessages === 'function';
}

/** When the observation started (`performance.now()`), to tell which of two nested ones is inner. */
export function startedAt(observation: Observation): number {
  return (observation as unknown as { startedAt: number }).startedAt;
}

/**
 * Lets an integration that keeps its own async context (OpenTelemetry) say which
 * observation is current: `resolve` gets NorthStar's own current observation and
 * returns the innermost one. One resolver per process; undefined removes it.
 */
export function setContextResolver(resolve: ((store: Observation | undefined) => Observation | undefined) | undefined): void {
  globalState.externalContext = resolve as ((store: object | undefined) => object | undefined) | undefined;
}

/** Reports a problem of an integration through the client's debug logger, never throwing. */
export function reportProblem(core: ClientCore | undefined, message: string, error?: unknown): void {
  try {
    (core ?? activeClient())?.logger.problem('internal', message, error);
  } catch {
    // Nothing left to report to.
  }
}

/** NorthStar's own current observation, without asking an integration's resolver. */
export function contextObservation(): Observation | undefined {
  return globalState.tracing ? (globalState.context.getStore() as Observation | undefined) : undefined;
}
