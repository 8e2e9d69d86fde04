// The engine hooks only framework integrations (`integrations/*`) need, on top of the
// one constructor path they share with every other entry point (`openRun`, `openSpan`,
// `runInside` in open.ts, `asModelObservation` in model-observation.ts): which client
// to report to, a framework's root step (a run, or a child span inside a trace), ending
// an observation from a framework's result, NorthStar's own context without an
// integration's resolver, the resolver itself, start order of two observations, and
// problem reporting. Nothing here knows of any framework; integrations reach it through
// src/internal.ts.
import type { ClientCore } from '../context/client-core.js';
import { globalState } from '../context/global-state.js';
import type { SpanKind } from '../registry/records.js';
import type { Observation } from './observation.js';
import { activeCore, currentObservation, openRun, openSpan } from './open.js';

/** The enabled machinery of `client`, or of the client `init()` installed; undefined when disabled. */
export function coreOf(client: { readonly core: ClientCore | undefined } | undefined): ClientCore | undefined {
  return client === undefined ? activeCore() : client.core;
}

/** How a framework's root step (a call, a trace, a root chain) opens. */
export interface RootSpec {
  /** Kind of the span it becomes inside an open NorthStar observation. @default 'agent' */
  readonly kind?: SpanKind;
  /** Run metadata, or the span's attributes when it becomes a child span. */
  readonly metadata?: Record<string, unknown>;
  /** Run tags (a child span has none). */
  readonly tags?: readonly string[];
}

/**
 * Opens a framework's root step: a child span of `parent` (by default the current
 * observation) while that is open, so a framework run inside a `@Trace` method nests in
 * it; otherwise a run of `core`. Undefined when nothing is recorded (no enabled client).
 */
export function openRoot(core: ClientCore | undefined, name: string, spec: RootSpec, parent: Observation | undefined = currentObservation()): Observation | undefined {
  if (parent !== undefined && !parent.ended) return openSpan(parent, name, { kind: spec.kind ?? 'agent', attributes: spec.metadata });
  return core === undefined ? undefined : openRun(core, name, { metadata: spec.metadata, tags: spec.tags });
}

/** Ends `observation` (once): `error` when `result.error` is given, else `ok`; a defined `result.output` is recorded first. Never throws. */
export function endObservation(observation: Observation | undefined, result: { readonly output?: unknown; readonly error?: unknown } = {}): void {
  if (observation === undefined || observation.ended) return;
  try {
    if (result.output !== undefined) observation.setOutput(result.output);
    if (result.error !== undefined) observation.fail(result.error);
    else observation.end();
  } catch (error) {
    reportProblem(observation.client, `ending ${observation.id} failed: ${String(error)}`, error);
  }
}

/** NorthStar's own current observation, without asking an integration's resolver. */
export function contextObservation(): Observation | undefined {
  return globalState.tracing ? (globalState.context.getStore() as Observation | undefined) : undefined;
}

/**
 * Lets an integration that keeps its own async context (OpenTelemetry, LangChain) say
 * which observation is current: `resolve` gets the current observation so far (NorthStar's
 * own, or what an earlier resolver answered) and returns the innermost one
 * (`currentObservation()` asks every resolver in turn). One resolver per `key`, shared by
 * every loaded copy of the package; undefined removes it.
 */
export function setContextResolver(key: string, resolve: ((store: Observation | undefined) => Observation | undefined) | undefined): void {
  const resolvers = (globalState.contextResolvers ??= new Map());
  if (resolve === undefined) resolvers.delete(key);
  else resolvers.set(key, resolve as (store: object | undefined) => object | undefined);
  const chain = [...resolvers.values()];
  globalState.externalContext =
    chain.length === 0 ? undefined : chain.length === 1 ? chain[0] : (store) => chain.reduce<object | undefined>((current, next) => next(current), store);
}

/** Of two observations of the same async flow, the inner one (the later started; an ended one loses). */
export function innermost(a: Observation | undefined, b: Observation | undefined): Observation | undefined {
  if (a === undefined || (a.ended && b !== undefined)) return b;
  if (b === undefined || b.ended) return a;
  return startedAt(b) >= startedAt(a) ? b : a;
}

/** When the observation started (`performance.now()`), to tell which of two nested ones is inner. */
export function startedAt(observation: Observation): number {
  return (observation as unknown as { startedAt: number }).startedAt;
}

/** Reports a problem of an integration through the client's debug logger, never throwing. */
export function reportProblem(core: ClientCore | undefined, message: string, error?: unknown): void {
  try {
    (core ?? activeCore())?.logger.problem('internal', message, error);
  } catch {
    // Nothing left to report to.
  }
}
