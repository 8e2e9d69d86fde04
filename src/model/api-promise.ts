/**
 * The lazy promise the official OpenAI and Anthropic clients return (`APIPromise`): its
 * body is parsed by the first `then()`, `parse()` or `withResponse()`, and `asResponse()`
 * hands out the raw `Response` with its body unread.
 */
export interface ApiPromiseLike extends Promise<unknown> {
  parse(): Promise<unknown>;
  asResponse(): Promise<unknown>;
  responsePromise: Promise<unknown>;
}

/** True for an SDK `APIPromise` (duck-typed: any copy or version of either client). */
export function isApiPromise(value: unknown): value is ApiPromiseLike {
  const v = value as Partial<ApiPromiseLike> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof v.parse === 'function' &&
    typeof v.asResponse === 'function' &&
    typeof (v.responsePromise as Promise<unknown> | undefined)?.then === 'function'
  );
}

/**
 * Calls `watch` once, with the promise to observe, without starting the parse itself:
 * calling `then()` on an `APIPromise` would read the body, and a caller that then asks
 * for `asResponse()` would find it used. The caller's first parse (await, `then`,
 * `withResponse`) is watched for the parsed value; an `asResponse()` before any parse is
 * watched until the response arrives (it resolves to undefined: the body is the caller's).
 * False when the promise cannot be patched; the caller then observes it some other way.
 */
export function watchApiPromise(promise: ApiPromiseLike, watch: (outcome: Promise<unknown>) => void): boolean {
  const parse = promise.parse;
  const asResponse = promise.asResponse;
  let watched = false;
  try {
    define(promise, 'parse', function (this: unknown, ...args: unknown[]) {
      const parsed = Reflect.apply(parse, this, args) as Promise<unknown>;
      if (!watched) {
        watched = true;
        watch(parsed);
      }
      return parsed;
    });
    define(promise, 'asResponse', function (this: unknown, ...args: unknown[]) {
      const response = Reflect.apply(asResponse, this, args) as Promise<unknown>;
      if (!watched) {
        watched = true;
        watch(response.then(() => undefined));
      }
      return response;
    });
    return true;
  } catch {
    return false;
  }
}

function define(target: object, key: string, value: Function): void {
  Object.defineProperty(target, key, { configurable: true, writable: true, enumerable: false, value });
}
