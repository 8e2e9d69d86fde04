import type { ClientCore } from './client-core.js';
import { type ContextStore, createContextStore, onBeforeExit } from '../util/runtime.js';

/** What a live client offers to process-wide code (the exit hook, the API functions). */
export interface ClientLike {
  /** Sends what is queued if anything changed since the last exit flush. */
  flushForExit(): Promise<unknown>;
  /** At the `exit` event, synchronously: writes what is still undelivered to the spool, if one is configured. */
  spoolForExit?(): void;
}

/**
 * Process-wide state, kept in one versioned `globalThis` slot so that every loaded copy
 * of the package (ESM and CommonJS, or two versions of the same major) shares the
 * current client, the async context and the exit hook.
 */
export interface GlobalState {
  readonly version: 1;
  /** The current observation (run or span) of the async flow. */
  readonly context: ContextStore;
  /**
   * The client `init()` installed, if any: a `Northstar` of this or another loaded copy.
   * Read and written only through `installedClient()`/`installClient()` (src/client/installed.ts).
   */
  client: object | undefined;
  /**
   * Its core (`ClientCore`, undefined when disabled), read through `activeCore()`: the one
   * load the hot path makes to know whether to trace. The field keeps its name because
   * every loaded copy of the package (any version of major 1) shares this slot.
   */
  active: ClientCore | undefined;
  /** Clients that may still hold queued records. */
  readonly clients: Set<ClientLike>;
  exitHookInstalled: boolean;
  /** The `exit` listener that writes the spool (added after the first release of this slot, hence optional). */
  spoolHookInstalled?: boolean;
  /** Set once any enabled client exists: until then no code can be inside a trace, so the async-context lookup is skipped. */
  tracing: boolean;
  /**
   * Set by an integration whose framework keeps its own async context (OpenTelemetry):
   * given the observation of NorthStar's context, returns the innermost current one.
   */
  externalContext?: (store: object | undefined) => object | undefined;
  /** The resolvers `externalContext` applies in turn, by integration (one each, shared by every copy). */
  contextResolvers?: Map<string, (store: object | undefined) => object | undefined>;
}

const SLOT = Symbol.for('northstar-ai.global.v1');

function create(): GlobalState {
  return { version: 1, context: createContextStore(), client: undefined, active: undefined, clients: new Set(), exitHookInstalled: false, tracing: false };
}

const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;

/** The state shared by every copy of the package in this process. */
export const globalState: GlobalState = holder[SLOT] ?? (holder[SLOT] = create());

/**
 * Makes sure a script that ends naturally still delivers what it queued (`beforeExit`,
 * retrying for `exitFlushTimeoutMs`), and that `process.exit()` or an uncaught exception
 * leaves what is undelivered in the spool when one is configured (`exit`, synchronous).
 */
export function installExitHook(): void {
  if (!globalState.exitHookInstalled) {
    globalState.exitHookInstalled = true;
    // Where there is no beforeExit (workerd, edge), the runtime's waitUntil(flush()) does this job.
    onBeforeExit(() => {
      for (const client of globalState.clients) void client.flushForExit();
    });
  }
  if (!globalState.spoolHookInstalled && typeof process !== 'undefined' && typeof process.on === 'function') {
    globalState.spoolHookInstalled = true;
    // The spool's synchronous write: what `exit` (process.exit, an uncaught exception) would lose.
    process.on('exit', () => {
      for (const client of globalState.clients) client.spoolForExit?.();
    });
  }
}
