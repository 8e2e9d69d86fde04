import type { ClientCore } from '../context/client-core.js';
import { type CallSpec, invoke } from './instrument.js';
import type { Observation } from './observation.js';
import { activeCore, currentObservation, runOutside, sampleRun } from './open.js';
import { noteOutsideTrace } from './outside-trace.js';

/** Marks a wrapper made by this SDK; its value is the original function. */
export const WRAPPED = Symbol.for('northstar-ai.wrapped');

/** The original of a function wrapped by this SDK, or the function itself. */
export function unwrap<F extends Function>(fn: F): F {
  return ((fn as unknown as Record<symbol, F>)[WRAPPED] ?? fn) as F;
}

/**
 * Returns a function that calls `fn` as described by `spec`. When nothing would be
 * recorded (disabled, a run the head sampler leaves out, or a span outside a trace) it
 * is a check or two and a direct call. `name` and `length` are kept.
 */
export function wrapFunction<F extends (...args: any[]) => any>(fn: F, spec: CallSpec): F {
  const wrapped = fastPathWrapper({
    type: spec.type,
    original: fn,
    method: false,
    traced: (self, args, current) => invoke(spec, fn, self, args, true, current),
    sample: (core) => sampleRun(core, spec.name, spec.metadata, spec.tags),
    what: 'the observed function',
    name: spec.name,
  });
  copyFunctionShape(wrapped, fn);
  Object.defineProperty(wrapped, WRAPPED, { value: fn });
  return wrapped as unknown as F;
}

/** What a wrapper made by {@link fastPathWrapper} calls, and how it reports. */
export interface FastPath {
  /** A trace opens a run; a span is recorded only inside one. */
  readonly type: 'trace' | 'span';
  readonly original: Function;
  /** Method shorthand: like a class method it has no `prototype` and is not a constructor. */
  readonly method: boolean;
  /**
   * Records the call; it gets the caller's `this` and `arguments` object, and a span
   * wrapper the current observation it found (a trace wrapper passes undefined: not looked
   * up). A trace wrapper calls it only once `sample` kept the run: it must not ask again.
   */
  readonly traced: (self: unknown, args: IArguments, current: Observation | undefined) => unknown;
  /** Trace wrappers: the head sampler's decision for the run this call would open (asked once per run, never throws). */
  readonly sample?: (core: ClientCore) => boolean;
  /** What a span wrapper called outside any trace is, for the debug note. @default 'the observed function' */
  readonly what?: string;
  /** @default the original's name */
  readonly name?: string;
}

/**
 * The fast path every wrapper of the package shares (`trace`/`observe` wrappers and the
 * decorated methods). When nothing would be recorded it calls `original` directly with
 * the same `this` and arguments, allocating nothing of its own: a trace without an
 * enabled client (one check), a trace the head sampler leaves out (run outside any
 * observation, so its spans and model spans follow that decision), a span outside a
 * trace. Otherwise it calls `traced`. A span wrapper called outside any trace says so once in
 * debug mode; that note is only on the untraced path.
 */
export function fastPathWrapper(path: FastPath): Function {
  const { original, traced, what = 'the observed function', name = original.name } = path;
  // Four literal shapes rather than one body behind a helper: the untraced path stays one
  // frame deep, and `original.apply(this, arguments)` never materialises `arguments`.
  if (path.type === 'trace') {
    const sample = path.sample ?? keepAll;
    return path.method
      ? {
          method(this: unknown) {
            const core = activeCore();
            if (core === undefined) return original.apply(this, arguments);
            if (sample(core)) return traced(this, arguments, undefined);
            if (currentObservation() === undefined) return original.apply(this, arguments);
            return runOutside(original, this, arguments);
          },
        }.method
      : function (this: unknown) {
          const core = activeCore();
          if (core === undefined) return original.apply(this, arguments);
          if (sample(core)) return traced(this, arguments, undefined);
          if (currentObservation() === undefined) return original.apply(this, arguments);
          return runOutside(original, this, arguments);
        };
  }
  return path.method
    ? {
        method(this: unknown) {
          const current = currentObservation();
          if (current === undefined) {
            noteOutsideTrace(what, name);
            return original.apply(this, arguments);
          }
          return traced(this, arguments, current);
        },
      }.method
    : function (this: unknown) {
        const current = currentObservation();
        if (current === undefined) {
          noteOutsideTrace(what, name);
          return original.apply(this, arguments);
        }
        return traced(this, arguments, current);
      };
}

const keepAll = (): boolean => true;

/** Gives `wrapper` the `name` and `length` of `original`. */
export function copyFunctionShape(wrapper: Function, original: Function): void {
  for (const key of ['name', 'length'] as const) {
    try {
      Object.defineProperty(wrapper, key, { value: original[key], configurable: true });
    } catch {
      // A non-configurable name on an exotic function: keep ours.
    }
  }
}
