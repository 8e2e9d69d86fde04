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

// Record ids: UUID v4 from random bytes drawn 256 ids at a time (one getRandomValues call),
// each written as one flat string by one String.fromCharCode call. crypto.randomUUID()
// builds its string from 20 concatenations, which JSON.stringify and Map keys then have
// to flatten: this costs a fraction of it, for every run, span, event and score.
const IDS_PER_FILL = 256;
const HEX = '0123456789abcdef';
/** ASCII codes of the high and low hex digit of every byte value. */
const HIGH_DIGIT = Uint8Array.from({ length: 256 }, (_, i) => HEX.charCodeAt(i >> 4));
const LOW_DIGIT = Uint8Array.from({ length: 256 }, (_, i) => HEX.charCodeAt(i & 15));
const DASH = 45;
let idBytes: Uint8Array | undefined;
/** Next unused byte of `idBytes`; at the end, the next id refills it (lazily: workerd forbids random values at global scope). */
let idOffset = 16 * IDS_PER_FILL;
let fillRandom: ((bytes: Uint8Array) => void) | undefined;

/** Fills bytes from the Web Crypto API every supported runtime has (`globalThis.crypto`), else `node:crypto`. */
function randomFiller(): (bytes: Uint8Array) => void {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (bytes: Uint8Array) => unknown } }).crypto;
  if (typeof webCrypto?.getRandomValues === 'function') return (bytes) => void webCrypto.getRandomValues!(bytes);
  const nodeCrypto = nodeBuiltin<{ randomFillSync?: (bytes: Uint8Array) => unknown }>('node:crypto');
  if (typeof nodeCrypto?.randomFillSync === 'function') return (bytes) => void nodeCrypto.randomFillSync!(bytes);
  // Last resort (no crypto at all): ids only need to be unique.
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  };
}

/** A random UUID v4 (lower-case, the 8-4-4-4-12 form of `crypto.randomUUID()`). */
export function randomId(): string {
  let b = idBytes;
  let o = idOffset;
  if (b === undefined || o === b.length) {
    b = idBytes ?? new Uint8Array(16 * IDS_PER_FILL);
    (fillRandom ??= randomFiller())(b);
    idBytes = b;
    o = 0;
  }
  idOffset = o + 16;
  // The version nibble (4) and the variant bits (10).
  const version = (b[o + 6] & 0x0f) | 0x40;
  const variant = (b[o + 8] & 0x3f) | 0x80;
  const h = HIGH_DIGIT;
  const l = LOW_DIGIT;
  return String.fromCharCode(
    h[b[o]], l[b[o]], h[b[o + 1]], l[b[o + 1]], h[b[o + 2]], l[b[o + 2]], h[b[o + 3]], l[b[o + 3]], DASH,
    h[b[o + 4]], l[b[o + 4]], h[b[o + 5]], l[b[o + 5]], DASH,
    h[version], l[version], h[b[o + 7]], l[b[o + 7]], DASH,
    h[variant], l[variant], h[b[o + 9]], l[b[o + 9]], DASH,
    h[b[o + 10]], l[b[o + 10]], h[b[o + 11]], l[b[o + 11]], h[b[o + 12]], l[b[o + 12]],
    h[b[o + 13]], l[b[o + 13]], h[b[o + 14]], l[b[o + 14]], h[b[o + 15]], l[b[o + 15]],
  );
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

/** The part of a `node:worker_threads` `Worker` the worker transport uses. */
export interface WorkerThread {
  readonly threadId: number;
  postMessage(message: unknown): void;
  on(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** The constructor of a {@link WorkerThread} (`node:worker_threads` `Worker`). */
export type WorkerThreadConstructor = new (
  file: string,
  options: { execArgv?: string[]; resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number } },
) => WorkerThread;

/**
 * The `Worker` of `node:worker_threads` where the runtime runs it as a real thread (Node,
 * Bun); undefined in Deno (permission-gated workers), workerd and edge runtimes (no
 * threads), and where no Node built-in can be loaded synchronously (ESM on Node < 20.16).
 */
export function workerThreads(): WorkerThreadConstructor | undefined {
  try {
    const g = globalThis as { process?: { versions?: { node?: unknown } }; Deno?: unknown; EdgeRuntime?: unknown; navigator?: { userAgent?: unknown } };
    if (typeof g.process?.versions?.node !== 'string') return undefined;
    if (g.Deno !== undefined || g.EdgeRuntime !== undefined || g.navigator?.userAgent === 'Cloudflare-Workers') return undefined;
    const Worker = nodeBuiltin<{ Worker?: unknown }>('node:worker_threads')?.Worker;
    return typeof Worker === 'function' ? (Worker as WorkerThreadConstructor) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The path of the file `name` beside the module at `base` (its `import.meta.url`, or a
 * CommonJS `__filename`) when that file exists; undefined otherwise (bundled code whose
 * module no longer sits beside it, a runtime without `node:fs`).
 */
export function siblingFile(base: unknown, name: string): string | undefined {
  try {
    if (typeof base !== 'string' || base === '') return undefined;
    const url = nodeBuiltin<{ fileURLToPath(u: string): string }>('node:url');
    const path = nodeBuiltin<{ dirname(p: string): string; join(...p: string[]): string; isAbsolute(p: string): boolean }>('node:path');
    const fs = nodeBuiltin<{ existsSync(p: string): boolean }>('node:fs');
    if (url === undefined || path === undefined || fs === undefined) return undefined;
    const file = base.startsWith('file:') ? url.fileURLToPath(base) : base;
    if (!path.isAbsolute(file)) return undefined;
    const candidate = path.join(path.dirname(file), name);
    return fs.existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many CPUs this process may use: `os.availableParallelism()` (else the CPU count),
 * capped by a container's CPU quota (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us`);
 * undefined where it cannot be told (no `node:os`).
 */
export function cpuBudget(): number | undefined {
  try {
    const os = nodeBuiltin<{ availableParallelism?: () => number; cpus?: () => unknown[] }>('node:os');
    const count = typeof os?.availableParallelism === 'function' ? os.availableParallelism() : os?.cpus?.().length;
    if (typeof count !== 'number' || !(count > 0)) return undefined;
    const fs = nodeBuiltin<{ readFileSync(path: string, encoding: 'utf8'): string }>('node:fs');
    const read = (path: string): string | undefined => {
      try {
        return fs?.readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    };
    const quota = cgroupCpuQuota(read('/sys/fs/cgroup/cpu.max'), read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
    return quota === undefined ? count : Math.min(count, quota);
  } catch {
    return undefined;
  }
}

/** CPUs a cgroup quota allows (`"200000 100000"` → 2), from cgroup v2 `cpu.max` or v1 quota and period; undefined for none (`max`, -1, absent). */
export function cgroupCpuQuota(v2Max: string | undefined, v1Quota?: string, v1Period?: string): number | undefined {
  const ratio = (quota: number, period: number): number | undefined => (quota > 0 && period > 0 ? quota / period : undefined);
  if (v2Max !== undefined) {
    const [quota, period] = v2Max.trim().split(/\s+/);
    return quota === 'max' ? undefined : ratio(Number(quota), Number(period));
  }
  return v1Quota !== undefined && v1Period !== undefined ? ratio(Number(v1Quota), Number(v1Period)) : undefined;
}
