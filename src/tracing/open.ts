// The one place a run or a span is opened. Every entry point (the wrappers, the
// decorators, the scoped callbacks, the manual client, the client instrumentation, and
// the framework integrations) comes through `openRun` or `openSpan`, which resolve the
// client, the parent and the inherited capture flags the same way for all of them.
import { autoSetup, setUpOnFirstUse } from '../context/auto-setup.js';
import type { ClientCore } from '../context/client-core.js';
import { globalState } from '../context/global-state.js';
import type { CompiledPrompt } from '../prompts/prompt-version.js';
import type { SpanKind } from '../registry/records.js';
import { ModelObservation } from './model-observation.js';
import { type Observation, RunObservation, SpanObservation } from './observation.js';

/** How a run is opened. */
export interface RunSpec {
  readonly metadata?: unknown;
  readonly tags?: readonly string[];
  /** Overrides of the client's `captureInputs`/`captureOutputs`; undefined inherits. */
  readonly captureInput?: boolean;
  readonly captureOutput?: boolean;
}

/** How a span is opened; `kind: 'model'` opens a model span. */
export interface SpanSpec {
  /** @default 'custom' */
  readonly kind?: SpanKind;
  readonly attributes?: unknown;
  readonly iteration?: number;
  /** Overrides of the parent's capture flags; undefined inherits. */
  readonly captureInput?: boolean;
  readonly captureOutput?: boolean;
  /** Model spans only. */
  readonly model?: string;
  readonly provider?: string;
  /** Model spans only: the compiled prompt the span is linked to (`prompt_links`). @default the prompt bound by `withPrompt`, if any */
  readonly prompt?: CompiledPrompt;
  /**
   * A plain span even for `kind: 'model'`: what `span()` and `startSpan` have always
   * opened for that kind (model spans come from `modelCall`, `startModelSpan`,
   * `@ModelCall`, `observe({ kind: 'model' })` and the client instrumentation).
   */
  readonly plain?: boolean;
}

/** The core of the client `init()` installed, when that client is enabled. */
export function activeCore(): ClientCore | undefined {
  const active = globalState.active;
  if (active !== undefined || !autoSetup.pending || globalState.client !== undefined) return active;
  // No init() yet: the first traced call may set the SDK up from the environment (once).
  setUpOnFirstUse();
  return globalState.active;
}

/** The run or span the current async flow is in. */
export function currentObservation(): Observation | undefined {
  // While no client was ever enabled nothing can be traced: skip the async-context lookup.
  if (!globalState.tracing) {
    if (autoSetup.pending && globalState.client === undefined) setUpOnFirstUse();
    return undefined;
  }
  const store = globalState.context.getStore() as Observation | undefined;
  // An integration that keeps its own async context (OpenTelemetry) may know of a span
  // opened inside this one (src/tracing/integration-bridge.ts, setContextResolver).
  const external = globalState.externalContext;
  return external === undefined ? store : (external(store) as Observation | undefined);
}

/**
 * The head sampler's decision for a run of `client` about to open: false when it is left
 * out (counted in `sampledOut`). Asked once per run; never throws (a client core of an
 * older copy of the package, without a sampler, keeps every run).
 */
export function sampleRun(client: ClientCore, name: string, metadata: unknown, tags: readonly string[] | undefined): boolean {
  try {
    return typeof client.sampleRun !== 'function' || client.sampleRun(name, metadata, tags);
  } catch (error) {
    report(client, 'trace', name, error);
    return true;
  }
}

/**
 * Opens a run of `client`. `enclosing` is the observation the caller runs in, if any: a
 * run started inside another stays a run of its own, linked by `metadata.parent_trace_id`.
 * Undefined when the client's head sampler leaves the run out (counted in `sampledOut`),
 * or when it could not be opened (reported to the client's logger). `sampled` says the
 * caller already asked the head sampler (a trace wrapper decides before anything else).
 */
export function openRun(client: ClientCore, name: string, spec: RunSpec, enclosing?: Observation, sampled = false): RunObservation | undefined {
  if (!sampled && !sampleRun(client, name, spec.metadata, spec.tags)) return undefined;
  try {
    const run = new RunObservation(client, name, {
      metadata: spec.metadata,
      tags: spec.tags,
      captureInput: spec.captureInput ?? client.config.captureInputs,
      captureOutput: spec.captureOutput ?? client.config.captureOutputs,
    });
    if (enclosing !== undefined) run.logMetadata({ parent_trace_id: enclosing.run.id });
    return run;
  } catch (error) {
    report(client, 'trace', name, error);
    return undefined;
  }
}

/**
 * Opens a child span (a model span for `kind: 'model'`) of `parent`, in the parent's
 * run and client, inheriting its capture flags unless `spec` overrides them. Undefined
 * (and reported) when it could not be opened.
 */
export function openSpan(parent: Observation, name: string, spec: SpanSpec): SpanObservation | undefined {
  try {
    const options = {
      attributes: spec.attributes,
      iteration: spec.iteration,
      captureInput: spec.captureInput ?? parent.captureInput,
      captureOutput: spec.captureOutput ?? parent.captureOutput,
    };
    return spec.kind === 'model' && spec.plain !== true
      ? new ModelObservation(parent, name, { ...options, model: spec.model, provider: spec.provider, prompt: spec.prompt })
      : new SpanObservation(parent, name, spec.kind ?? 'custom', options);
  } catch (error) {
    report(parent.client, spec.kind === 'model' ? 'model span' : 'span', name, error);
    return undefined;
  }
}

/** Runs `fn(...args)` with `observation` as the current observation of the async flow. */
export function runInside<A extends unknown[], R>(observation: Observation, fn: (...args: A) => R, ...args: A): R {
  return globalState.context.run(observation, fn, ...args);
}

/**
 * Calls `fn` for a trace that records nothing (not sampled, or not opened): outside any
 * observation, so that its spans and model spans do not land in an enclosing run. With
 * no enclosing observation it is a direct call.
 */
export function runUntraced<R>(fn: (...args: any[]) => R, self: unknown, args: ArrayLike<unknown>): R {
  if (currentObservation() === undefined) return Reflect.apply(fn, self, args);
  return runOutside(fn, self, args);
}

/** Calls `fn` with no current observation (the async flow inside it sees none), whatever the caller's is. */
export function runOutside(fn: Function, self: unknown, args: ArrayLike<unknown>): any {
  // The store type says object; an undefined store is what "no observation" means to it.
  return globalState.context.run(undefined as unknown as object, Reflect.apply, fn, self, args);
}

function report(client: ClientCore, what: string, name: string, error: unknown): void {
  try {
    client.logger.problem('internal', `could not start ${what} ${name}: ${String(error)}`, error);
  } catch {
    // Nothing left to report to.
  }
}
