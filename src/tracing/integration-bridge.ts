// The engine hooks only framework integrations (`integrations/*`) need, on top of the
// one constructor path they share with every other entry point (`openRun`, `openSpan`,
// `runInside` in open.ts, `asModelObservation` in model-observation.ts): which client
// to report to, NorthStar's own context without an integration's resolver, the
// resolver itself, start order of two observations, and problem reporting. Nothing here
// knows of any framework; integrations reach it through src/internal.ts.
import type { ClientCore } from '../context/client-core.js';
import { globalState } from '../context/global-state.js';
import type { Observation } from './observation.js';
import { activeCore } from './open.js';

/** The enabled machinery of `client`, or of the client `init()` installed; undefined when disabled. */
export function coreOf(client: { readonly core: ClientCore | undefined } | undefined): ClientCore | undefined {
  return client === undefined ? activeCore() : client.core;
}

/** NorthStar's own current observation, without asking an integration's resolver. */
export function contextObservation(): Observation | undefined {
  return globalState.tracing ? (globalState.context.getStore() as Observation | undefined) : undefined;
}

/**
 * Lets an integration that keeps its own async context (OpenTelemetry) say which
 * observation is current: `resolve` gets NorthStar's own current observation and
 * returns the innermost one (`currentObservation()` asks it). One resolver per process,
 * shared by every loaded copy of the package; undefined removes it.
 */
export function setContextResolver(resolve: ((store: Observation | undefined) => Observation | undefined) | undefined): void {
  globalState.externalContext = resolve as ((store: object | undefined) => object | undefined) | undefined;
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
