// What the SDK needs from the runtime, feature-detected so that the package loads in
// Node, Bun, Deno, Cloudflare Workers (workerd) and Vercel Edge alike: no static import
// of a `node:` module, no call that only Node has without a check.
import type { AsyncLocalStorage as NodeAsyncLocalStorage } from 'node:async_hooks';

type Loader = (id: string) => unknown;

/** A Node built-in module where the runtime has one (`process.getBuiltinModule`, or CommonJS `require`), else undefined. */
export function nodeBuiltin<T>(id: string): T | undefined {
  try {
    const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: Loader } }).process?.getBuiltinModule;
    if (typeof getBuiltinModule === 'function') {
      const found = getBuiltinModule(id) as T | undefined;
      if (found !== undefined) return found;
    }
  } catch {
    // Not permitted or not present: try the next way.
  }
  try {
    if (typeof require === 'function') return require(id) as T;
  } catch {
    // No such module here.
  }
  return undefined;
}

/** The async-context store the runtime offers: the global `AsyncLocalStorage` (workerd, edge) or `node:async_hooks`. */
export type ContextStore = Pick<NodeAsyncLocalStorage<object>, 'run' | 'getStore'>;

/**
 * A store that follows the synchronous flow only, for runtimes without
 * `AsyncLocalStorage`: `run` sets the current value for the callback's synchronous part.
 * Spans started after an `await` in such a runtime are not attached to their trace.
 */
class SyncOnlyStore implements ContextStore {
  private current: object | undefined;
  getStore(): object | undefined {
    return this.current;
  }
  run<R, TArgs extends any[]>(store: object, callback: (...args: TArgs) => R, ...args: TArgs): R {
    const previous = this.current;
    this.current = store;
    try {
      return callback(...args);
    } finally {
      this.current = previous;
    }
  }
}

/**
 * Starts synchronous-only and switches to `AsyncLocalStorage` once an asynchronous
 * `import('node:async_hooks')` resolves: ESM on Node < 20.16 (no
 * `process.getBuiltinModule`), where the import settles long before the first traced call.
 */
class UpgradingStore implements ContextStore {
  private inner: ContextStore = new SyncOnlyStore();
  constructor() {
    try {
      // A computed specifier, so bundlers for the edge leave it alone instead of failing to resolve it.
      const specifier = ['node', 'async_hooks'].join(':');
      (import(specifier) as Promise<{ AsyncLocalStorage?: new () => ContextStore }>).then(
        (hooks) => {
          if (typeof hooks.AsyncLocalStorage === 'function') this.inner = new hooks.AsyncLocalStorage();
        },
        () => undefined,
      );
    } catch {
      // No dynamic import here: stay synchronous-only.
    }
  }
  getStore(): object | undefined {
    return this.inner.getStore();
  }
  run<R, TArgs extends any[]>(store: object, callback: (...args: TArgs) => R, ...args: TArgs): R {
    return this.inner.run(store, callback, ...args);
  }
}

/** A new async-context store: `AsyncLocalStorage` where the runtime has it, else a synchronous-only one. */
export function createContextStore(): ContextStore {
  try {
    const Global = (globalThis as { AsyncLocalStorage?: new () => ContextStore }).AsyncLocalStorage;
    if (typeof Global === 'function') return new Global();
    const hooks = nodeBuiltin<{ AsyncLocalStorage?: new () => ContextStore }>('node:async_hooks');
    if (typeof hooks?.AsyncLocalStorage === 'function') return new hooks.AsyncLocalStorage();
  } catch {
    // Fall through to the other stores.
  }
  return new UpgradingStore();
}

interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * A UUID v4 (122 random bits from the Web Crypto API every supported runtime has, as
 * `crypto.randomUUID()` draws them), written as one flat string. `randomUUID()` joins each
 * id from 20 pieces, which V8 keeps as a tree of 20 small strings (about 700 bytes for a
 * 36-character id); here random bytes for 256 ids are drawn at once (lazily: some runtimes
 * refuse random values at start-up) and each id is decoded from 36 bytes by TextDecoder.
 */
export const randomId: () => string = pooledRandomId() ?? fallbackRandomId;

function pooledRandomId(): (() => string) | undefined {
  const webCrypto = (globalThis as { crypto?: WebCrypto }).crypto;
  if (typeof webCrypto?.getRandomValues !== 'function' || typeof TextDecoder !== 'function') return undefined;
  let decoder: { decode(bytes: Uint8Array): string };
  try {
    decoder = new TextDecoder();
  } catch {
    return undefined;
  }
  const hex = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    const digits = i.toString(16).padStart(2, '0');
    hex[2 * i] = digits.charCodeAt(0);
    hex[2 * i + 1] = digits.charCodeAt(1);
  }
  // Where each random byte's two hex digits go in xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx.
  const at = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
  const pool = new Uint8Array(16 * 256);
  let next = pool.length;
  const text = new Uint8Array(36);
  text[8] = text[13] = text[18] = text[23] = 45; // '-'
  return function randomId(): string {
    if (next === pool.length) {
      webCrypto.getRandomValues!(pool);
      next = 0;
    }
    for (let i = 0; i < 16; i++) {
      let byte = pool[next + i] as number;
      if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
      else if (i === 8) byte = (byte & 0x3f) | 0x80; // variant 10
      const to = at[i] as number;
      text[to] = hex[2 * byte] as number;
      text[to + 1] = hex[2 * byte + 1] as number;
    }
    next += 16;
    return decoder.decode(text);
  };
}

function fallbackRandomId(): string {
  const webCrypto = (globalThis as { crypto?: WebCrypto }).crypto;
  if (typeof webCrypto?.randomUUID === 'function') return webCrypto.randomUUID();
  const nodeCrypto = nodeBuiltin<{ randomUUID?: () => string }>('node:crypto');
  if (typeof nodeCrypto?.randomUUID === 'function') return nodeCrypto.randomUUID();
  // Last resort (no crypto at all): a v4-shaped id from Math.random; ids only need to be unique.
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
}

/** Lets the process exit while `timer` is pending, where timers have `unref` (Node, Bun, Deno); a no-op elsewhere. */
export function unrefTimer<T>(timer: T): T {
  try {
    (timer as { unref?: () => void } | undefined)?.unref?.();
  } catch {
    // A timer object without a working unref: nothing to do.
  }
  return timer;
}

/** Runs `listener` once the event loop has nothing left to do (`process.on('beforeExit')`), where the runtime has it. */
export function onBeforeExit(listener: () => void): boolean {
  try {
    const on = (globalThis as { process?: { on?: (event: string, fn: () => void) => unknown } }).process?.on;
    if (typeof on !== 'function') return false;
    on.call((globalThis as { process?: object }).process, 'beforeExit', listener);
    return true;
  } catch {
    return false;
  }
}

const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : undefined;

/** UTF-8 byte length of a string. */
export function utf8Length(text: string): number {
  const NodeBuffer = (globalThis as { Buffer?: { byteLength?: (s: string) => number } }).Buffer;
  if (typeof NodeBuffer?.byteLength === 'function') return NodeBuffer.byteLength(text);
  return encoder ? encoder.encode(text).length : text.length * 3;
}

/** True for a Node `Buffer` (where the runtime has one). */
export function isBuffer(value: unknown): boolean {
  const NodeBuffer = (globalThis as { Buffer?: { isBuffer?: (v: unknown) => boolean } }).Buffer;
  return typeof NodeBuffer?.isBuffer === 'function' ? NodeBuffer.isBuffer(value) : false;
}

const tagOf = (value: unknown): string => Object.prototype.toString.call(value);
const tagged = (tag: string) => (value: unknown): boolean => typeof value === 'object' && value !== null && tagOf(value) === `[object ${tag}]`;
const boxed = (tag: string) => tagged(tag);

/** The type checks of `node:util`'s `types` the snapshotter uses, from `node:util` where present, else by internal tag. */
export interface TypeChecks {
  isArrayBuffer(v: unknown): boolean;
  isArrayBufferView(v: unknown): boolean;
  isBigIntObject(v: unknown): boolean;
  isBooleanObject(v: unknown): boolean;
  isBoxedPrimitive(v: unknown): boolean;
  isDataView(v: unknown): boolean;
  isDate(v: unknown): boolean;
  isMap(v: unknown): boolean;
  isNativeError(v: unknown): boolean;
  isNumberObject(v: unknown): boolean;
  isPromise(v: unknown): boolean;
  isProxy(v: unknown): boolean;
  isRegExp(v: unknown): boolean;
  isSet(v: unknown): boolean;
  isSharedArrayBuffer(v: unknown): boolean;
  isStringObject(v: unknown): boolean;
  isSymbolObject(v: unknown): boolean;
  isWeakMap(v: unknown): boolean;
  isWeakSet(v: unknown): boolean;
}

const FALLBACK_TYPES: TypeChecks = {
  isArrayBuffer: tagged('ArrayBuffer'),
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isBigIntObject: boxed('BigInt'),
  isBooleanObject: boxed('Boolean'),
  isBoxedPrimitive: (v) => ['Number', 'String', 'Boolean', 'BigInt', 'Symbol'].some((t) => boxed(t)(v)),
  isDataView: tagged('DataView'),
  isDate: tagged('Date'),
  isMap: tagged('Map'),
  isNativeError: tagged('Error'),
  isNumberObject: boxed('Number'),
  isPromise: tagged('Promise'),
  isProxy: () => false,
  isRegExp: tagged('RegExp'),
  isSet: tagged('Set'),
  isSharedArrayBuffer: tagged('SharedArrayBuffer'),
  isStringObject: boxed('String'),
  isSymbolObject: boxed('Symbol'),
  isWeakMap: tagged('WeakMap'),
  isWeakSet: tagged('WeakSet'),
};

/** `node:util` `types` where the runtime has them (exact, internal-slot checks), else checks by tag. */
export const types: TypeChecks = nodeBuiltin<{ types?: TypeChecks }>('node:util')?.types ?? FALLBACK_TYPES;

/** The Node `Stream` base class where present (streams are recorded as markers), else undefined. */
export const NodeStream: (abstract new (...args: never[]) => object) | undefined = nodeBuiltin<{ Stream?: abstract new (...args: never[]) => object }>('node:stream')?.Stream;
