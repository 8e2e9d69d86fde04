// The Node.js hook `util.inspect` (and so `console.log`) calls, by its registered symbol:
// no import of node:util, so this module loads on every runtime.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Makes `util.inspect`, `console.log` and `JSON.stringify` of every instance of `type` show
 * `summary(instance)` (under the class name for inspect) instead of its fields, which lead
 * to the configuration, the queue and the transport. Both hooks are non-enumerable and
 * never throw.
 * @example hideInternals(Northstar, (client) => ({ enabled: client.enabled }))
 */
export function hideInternals<T extends object>(type: abstract new (...args: never[]) => T, summary: (instance: T) => object): void {
  const safeSummary = (instance: T): object => {
    try {
      return summary(instance);
    } catch {
      return {};
    }
  };
  Object.defineProperty(type.prototype, 'toJSON', {
    value(this: T) {
      return safeSummary(this);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.defineProperty(type.prototype, INSPECT, {
    value(this: T, depth: number, options: unknown, inspect?: (value: unknown, options?: unknown) => string) {
      const name = (this as { constructor?: { name?: unknown } }).constructor?.name;
      const body = safeSummary(this);
      const text = typeof inspect === 'function' ? inspect(body, options) : JSON.stringify(body);
      return `${typeof name === 'string' ? name : 'Object'} ${text}`;
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
