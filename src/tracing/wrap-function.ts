import { activeClient, type CallSpec, currentObservation, invoke } from './instrument.js';
import { noteOutsideTrace } from './outside-trace.js';

/** Marks a wrapper made by this SDK; its value is the original function. */
export const WRAPPED = Symbol.for('northstar-ai.wrapped');

/** The original of a function wrapped by this SDK, or the function itself. */
export function unwrap<F extends Function>(fn: F): F {
  return ((fn as unknown as Record<symbol, F>)[WRAPPED] ?? fn) as F;
}

/**
 * Returns a function that calls `fn` as described by `spec`. When nothing would be
 * recorded (disabled, or a span outside a trace) it is one check and a direct call.
 * `name` and `length` are kept.
 */
export function wrapFunction<F extends (...args: any[]) => any>(fn: F, spec: CallSpec): F {
  const wrapped =
    spec.type === 'trace'
      ? function (this: unknown) {
          if (activeClient() === undefined) return fn.apply(this, arguments as unknown as unknown[]);
          return invoke(spec, fn, this, Array.prototype.slice.call(arguments));
        }
      : function (this: unknown) {
          if (currentObservation() === undefined) {
            noteOutsideTrace('the observed function', spec.name);
            return fn.apply(this, arguments as unknown as unknown[]);
          }
          return invoke(spec, fn, this, Array.prototype.slice.call(arguments));
        };
  copyFunctionShape(wrapped, fn);
  Object.defineProperty(wrapped, WRAPPED, { value: fn });
  return wrapped as unknown as F;
}

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
