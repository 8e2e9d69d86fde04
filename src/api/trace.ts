import { CALL_OPTIONS, checkCallback, checkCallOptions } from '../config/check-call-options.js';
import { describeValue } from '../config/resolve-config.js';
import { NorthstarConfigError } from '../errors/northstar-error.js';
import { ManualRun, NOOP_RUN } from '../tracing/handle-classes.js';
import type { Attributes, TraceHandle } from '../tracing/handles.js';
import { argumentsByName, type CallSpec, open, runScoped } from '../tracing/instrument.js';
import type { RunObservation } from '../tracing/observation.js';
import { activeCore, runUntraced } from '../tracing/open.js';
import { identityMetadata } from '../tracing/run-identity.js';
import { wrapFunction } from '../tracing/wrap-function.js';

/** Options of a trace. */
export interface TraceOptions {
  /** The run's name. @default the function's name, or `'trace'` */
  name?: string;
  /** Recorded as the input instead of the arguments (even when null or undefined). */
  input?: unknown;
  /** Merged over `project` and `environment` in the run's metadata. */
  metadata?: Attributes;
  /** Stored as `metadata.tags`. */
  tags?: readonly string[];
  /** Record the input; overrides `init({ captureInputs })` for this trace and its spans. */
  captureInput?: boolean;
  /** Record the output; overrides `init({ captureOutputs })` for this trace and its spans. */
  captureOutput?: boolean;
  /** The end user this run served, stored as `metadata.user_id`. */
  userId?: string;
  /** The conversation (chat thread) this run belongs to, stored as `metadata.session_id` and `metadata.conversation_id`. */
  sessionId?: string;
  /** Your app's release that ran it, stored as `metadata.release` (overrides `init({ release })`). */
  release?: string;
}

type AnyFunction = (...args: any[]) => any;

/** Builds the call spec of a trace. */
export function traceSpec(name: string, options: TraceOptions, fn?: Function): CallSpec {
  return {
    type: 'trace',
    name,
    captureInput: options.captureInput,
    captureOutput: options.captureOutput,
    input: 'input' in options ? { value: options.input } : fn ? argumentsByName(fn) : undefined,
    metadata: identityMetadata(options),
    tags: options.tags,
  };
}

/**
 * Traces an agent run. Three forms:
 * - `trace(fn, options?)` returns `fn` wrapped: every call is a run; arguments are its
 *   input, the (awaited) return value its output; errors are recorded and rethrown.
 * - `trace(name?, options?)` returns such a wrapper factory: `trace('agent')(fn)`.
 * - `trace(name, options?, (t) => ...)` runs the callback now inside a run and
 *   returns what it returns; `t` records output, events, metrics and metadata.
 *
 * @example
 * const answer = trace(async function answer(question: string) { ... });
 * await trace('nightly', { tags: ['batch'] }, async (t) => { t.setOutput(await work()); });
 */
export function trace<F extends AnyFunction>(fn: F, options?: TraceOptions): F;
export function trace<R>(name: string, fn: (trace: TraceHandle) => R): R;
export function trace<R>(name: string, options: TraceOptions | undefined, fn: (trace: TraceHandle) => R): R;
export function trace(name?: string | TraceOptions, options?: TraceOptions): <F extends AnyFunction>(fn: F) => F;
export function trace(a?: unknown, b?: unknown, c?: unknown): unknown {
  if (typeof a === 'function') {
    checkCallOptions(`trace(${a.name || 'fn'})`, b, CALL_OPTIONS.trace);
    const options = (b ?? {}) as TraceOptions;
    return wrapFunction(a as AnyFunction, traceSpec(options.name ?? (a.name || 'trace'), options, a));
  }
  const fn = typeof c === 'function' ? c : typeof b === 'function' ? b : undefined;
  if (a !== undefined && typeof a !== 'string' && (typeof a !== 'object' || a === null)) {
    throw new NorthstarConfigError(`trace(): the first argument must be a function, a name or options, got ${describeValue(a)}`);
  }
  const name = typeof a === 'string' ? a : undefined;
  const where = `trace(${name === undefined ? '' : JSON.stringify(name)})`;
  const given = typeof a === 'object' && a !== null ? a : typeof b === 'function' ? undefined : b;
  checkCallOptions(where, given, CALL_OPTIONS.trace);
  if (arguments.length >= 3 && fn === undefined) checkCallback(where, c, '(trace) => ...');
  const options = (given ?? {}) as TraceOptions;
  if (fn === undefined) {
    return <F extends AnyFunction>(target: F): F => {
      checkCallback(`${where}(fn)`, target, 'function to wrap');
      return wrapFunction(target, traceSpec(name ?? options.name ?? (target.name || 'trace'), options, target));
    };
  }
  return traceScope(name ?? options.name ?? 'trace', options, fn as (t: TraceHandle) => unknown);
}

function traceScope<R>(name: string, options: TraceOptions, fn: (trace: TraceHandle) => R): R {
  if (activeCore() === undefined) return fn(NOOP_RUN);
  const run = open(traceSpec(name, options), []) as RunObservation | undefined;
  if (run === undefined) return runUntraced(fn, undefined, [NOOP_RUN]);
  return runScoped(run, new ManualRun(run), fn);
}
