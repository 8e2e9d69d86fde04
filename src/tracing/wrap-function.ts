import { type CallSpec, invoke } from './instrument.js';
import { activeCore, currentObservation } from './open.js';
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
  const wrapped = fastPathWrapper(spec.type, fn, false, (self, args) => invoke(spec, fn, self, Array.prototype.slice.call(args)), 'the observed function', spec.name);
  copyFunctionShape(wrapped, fn);
  Object.defineProperty(wrapped, WRAPPED, { value: fn });
  return wrapped as unknown as F;
}

/**
 * The fast path every wrapper of the package shares (`trace`/`observe` wrappers and the
 * decorated methods): when nothing would be recorded (a trace without an enabled client,
 * a span outside a trace) it calls `original` directly; otherwise `traced(this, arguments)`.
 * A `method` wrapper is method shorthand: like a class method it has no `prototype` and
 * is not a constructor. A span wrapper called outside any trace says so once in debug
 * mode (`what` and `name` name it); that note is only on the untraced path.
 */
export function fastPathWrapper(
  type: 'trace' | 'span',
  original: Function,
  method: boolean,
  traced: (self: unknown, args: IArguments) => unknown,
  what = 'the observed function',
  name = original.name,
): Function {
  if (method) {
    return type === 'trace'
      ? {
          method(this: unknown) {
            if (activeCore() === undefined) return original.apply(this, arguments);
            return traced(this, arguments);
          },
        }.method
      : {
          method(this: unknown) {
            if (currentObservation() === undefined) {
              noteOutsideTrace(what, name);
              return original.apply(this, arguments);
            }
            return traced(this, arguments);
          },
        }.method;
  }
  return type === 'trace'
    ? function (this: unknown) {
        if (activeCore() === undefined) return original.apply(this, arguments);
        return traced(this, arguments);
      }
    : function (this: unknown) {
        if (currentObservation() === undefined) {
          noteOutsideTrace(what, name);
          return original.apply(this, arguments);
        }
        return traced(this, arguments);
      };
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
