// The worker transport: the HTTP work of delivery (fetch, socket writes, reading the
// answer) on a worker thread instead of the caller's. The caller's thread keeps
// the queue, assembles each body (src/export/wire-body.ts) and hands its bytes over by
// message (a copy: a body the thread cannot take is then sent on the caller's thread); the
// thread runs `createHttpTransport` (src/export/delivery-worker.ts) and posts the
// `SendResult` back. So retries, drop accounting, `stats()` and the spool at exit are
// exactly those of the in-thread transport: the worker holds no record, only a request.
//
// One thread serves every client of this copy of the package, started at the first send
// and terminated once the last client that used it was shut down. It is unref'd while no
// request is in flight (it never keeps a finished process alive) and ref'd while one is,
// as the socket of an in-thread fetch would be. A thread that cannot start (no worker
// threads here, its file not beside this module as in a bundle, a load error) leaves this
// process sending on the caller's thread, said once in the debug log. A thread that stops
// with requests in flight turns them into transient failures: their records stay queued
// and are retried, by a new thread, or on the caller's thread after MAX_STOPS stops.
import { readEnvVariable } from '../config/environment.js';
import type { Logger } from '../debug/logger.js';
import { cpuBudget, siblingFile, unrefTimer, type WorkerThread, type WorkerThreadConstructor, workerThreads } from '../util/runtime.js';
import { fetchReplaced } from './node-http-fetch.js';
import { createHttpTransport, type HttpTransportOptions, type SendResult, type Transport, type WireBody } from './http-transport.js';

/** A message to the delivery worker. */
export type ToWorker =
  | ({ readonly type: 'open'; readonly channel: number } & HttpTransportOptions)
  | { readonly type: 'close'; readonly channel: number }
  | { readonly type: 'send'; readonly id: number; readonly channel: number; readonly body: WireBody };

/** A message from the delivery worker. */
type FromWorker = { readonly type: 'ready' } | { readonly type: 'result'; readonly id: number; readonly result: SendResult };

/** The worker's entry file, beside this module in dist/esm, dist/cjs and every tsc output. */
const WORKER_FILE = 'delivery-worker.js';

/**
 * The `'auto'` choice starts on the caller's thread and moves to the worker once this many
 * requests went out within AUTO_WINDOW_MS: below that rate the caller's thread spends well
 * under 1 % of its time on HTTP and the thread's start-up (about 150 ms until its first
 * answer on a busy 2-core machine) and memory (about 20 MB RSS) do not pay; a script's exit
 * flush or a service sending every flushIntervalMs never starts one.
 */
const AUTO_REQUESTS = 8;
const AUTO_WINDOW_MS = 10_000;

/**
 * `'auto'` uses the worker only where the process may use this many CPUs. The thread moves
 * about a fifth of the SDK's work off the caller's thread (HTTP and stream plumbing)
 * but adds about a tenth to the work in all (the body copied between threads, a second
 * heap): measured on 2 shared cores it cost wall time, delivered throughput and RSS, so it
 * needs a core to itself, beside the caller's thread, GC and libuv's pool.
 */
export const AUTO_MIN_CPUS = 4;

/** After this many unexpected stops of the thread, this process sends on the caller's thread. */
const MAX_STOPS = 3;

/** How long past a request's own bounds (ky's timeout, then as long again for the body) an answer may take before the thread is given up. */
const WATCHDOG_MARGIN_MS = 5_000;

/**
 * The thread's heap: a smaller young generation than V8's default, so the copies a request
 * makes of its body are collected sooner instead of growing the process. No old-generation
 * bound: one near the working size made the thread's garbage collection several times dearer.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 };

// Where this module is: a file: URL in ESM; scripts/build.mjs rewrites it to __filename in
// the CommonJS build. A bundler leaves a URL (or nothing) that has no worker file beside it.
// @ts-ignore import.meta is rewritten for the CommonJS build (see above)
const MODULE_LOCATION: unknown = import.meta.url;

/** One client's use of the thread: its HTTP settings and its logger. */
interface Channel {
  readonly id: number;
  readonly options: HttpTransportOptions;
  readonly logger: Logger;
}

interface Request {
  readonly channel: Channel;
  readonly resolve: (result: SendResult | undefined) => void;
  readonly watchdog: unknown;
}

/** The thread, if one runs or starts. */
let current: DeliveryThread | undefined;
/** Why this process sends on the caller's thread from now on, once that is decided. */
let unavailable: string | undefined;
/** Unexpected stops of a thread that had started. */
let stops = 0;
let starts = 0;
let answered = 0;
/** Clients that sent through a thread and were not shut down since. */
const live = new Set<Channel>();
let nextChannel = 1;

/** A worker thread and the requests it owes an answer to. */
class DeliveryThread {
  readonly worker: WorkerThread;
  /** True once the thread has loaded its modules and listens. */
  ready = false;
  private ended = false;
  /** Set when this side terminates the thread: its exit is no failure. */
  private retiring = false;
  private readonly requests = new Map<number, Request>();
  private readonly opened = new Set<number>();
  private nextId = 1;

  constructor(Worker: WorkerThreadConstructor, file: string) {
    // execArgv [] keeps the application's preloads (--import, --require) out of this thread.
    this.worker = new Worker(file, { execArgv: [], resourceLimits: RESOURCE_LIMITS });
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error: unknown) => this.end(`it failed: ${String(error)}`));
    this.worker.on('exit', (code: unknown) => this.end(`it exited with code ${String(code)}`));
  }

  /** Sends `body` for `channel`; resolves undefined when the thread cannot take it (send it on this thread instead). */
  send(channel: Channel, body: WireBody): Promise<SendResult | undefined> {
    return new Promise((resolve) => {
      if (this.ended) return resolve(undefined);
      const id = this.nextId++;
      const { timeoutMs } = channel.options;
      const watchdog = unrefTimer(setTimeout(() => this.giveUp(id), timeoutMs * 2 + WATCHDOG_MARGIN_MS));
      this.requests.set(id, { channel, resolve, watchdog });
      // While a request is in flight the thread holds the process open, as a fetch socket would.
      if (this.requests.size === 1) this.worker.ref();
      try {
        if (!this.opened.has(channel.id)) {
          this.opened.add(channel.id);
          const { endpoint, apiKey } = channel.options;
          this.post({ type: 'open', channel: channel.id, endpoint, apiKey, timeoutMs });
        }
        this.post({ type: 'send', id, channel: channel.id, body });
      } catch {
        this.settle(id, undefined);
      }
    });
  }

  /** The client is done with the thread; the thread ends with the last client, once idle. */
  close(channel: Channel): void {
    if (this.opened.delete(channel.id) && !this.ended) {
      try {
        this.post({ type: 'close', channel: channel.id });
      } catch {
        // A thread that cannot be told is ending anyway.
      }
    }
    this.retireIfIdle();
  }

  /** Ends the thread as if it had crashed (specs only): answers owed are lost, a new thread takes over. */
  kill(): Promise<void> {
    return this.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'ready') {
      this.ready = true;
      return;
    }
    if (message.type === 'result') {
      answered++;
      this.settle(message.id, message.result);
      this.retireIfIdle();
    }
  }

  private settle(id: number, result: SendResult | undefined): void {
    const request = this.requests.get(id);
    if (request === undefined) return;
    this.requests.delete(id);
    clearTimeout(request.watchdog as ReturnType<typeof setTimeout>);
    if (this.requests.size === 0 && !this.ended) this.worker.unref();
    request.resolve(result);
  }

  private retireIfIdle(): void {
    if (this.ended || this.requests.size > 0 || live.size > 0) return;
    this.retiring = true;
    this.end('it was retired');
    void this.kill();
  }

  /** No answer within the request's own bounds: the thread is stuck; end it, its requests are retried. */
  private giveUp(id: number): void {
    if (!this.requests.has(id)) return;
    this.end(`it did not answer within ${Math.round((this.requests.get(id)!.channel.options.timeoutMs * 2 + WATCHDOG_MARGIN_MS) / 1000)} s`);
    void this.kill();
  }

  /** The thread is gone (or going): what it owed becomes a failure the flusher retries. */
  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (current === this) current = undefined;
    const owed = [...this.requests.keys()];
    const channels = new Set([...this.requests.values()].map((r) => r.channel));
    if (this.retiring) {
      for (const id of owed) this.settle(id, { kind: 'transient', message: 'the delivery worker was shut down' });
      return;
    }
    if (!this.ready) {
      // It never started: nothing was sent, so the bodies go out on the caller's thread now.
      unavailable = `the delivery worker did not start (${reason})`;
      for (const id of owed) this.settle(id, undefined);
      return;
    }
    stops++;
    const next = stops >= MAX_STOPS ? 'from now on delivery runs on the caller\'s thread' : 'a new one takes over';
    if (stops >= MAX_STOPS) unavailable = `the delivery worker stopped ${stops} times`;
    for (const channel of channels.size > 0 ? channels : live) channel.logger.debug(`the delivery worker stopped (${reason}); ${next}`);
    const message = `the delivery worker stopped before answering (${reason}); the request is retried`;
    for (const id of owed) this.settle(id, { kind: 'transient', message });
  }
}

/** The running thread, started if need be; undefined when this process cannot use one. */
function thread(channel: Channel): DeliveryThread | undefined {
  if (current !== undefined) return current;
  if (unavailable !== undefined) return undefined;
  const why = workerUnavailable();
  if (why !== undefined) {
    unavailable = why;
    return undefined;
  }
  try {
    current = new DeliveryThread(workerThreads()!, siblingFile(MODULE_LOCATION, WORKER_FILE)!);
    starts++;
    channel.logger.debug(`delivery worker started (thread ${current.worker.threadId}); requests are sent from it`);
    return current;
  } catch (error) {
    unavailable = `the delivery worker did not start (${String(error)})`;
    return undefined;
  }
}

/** Why a delivery worker cannot run in this process, or undefined when it can. */
export function workerUnavailable(): string | undefined {
  if (unavailable !== undefined) return unavailable;
  if (workerThreads() === undefined) return 'this runtime offers no worker threads to the SDK';
  if (siblingFile(MODULE_LOCATION, WORKER_FILE) === undefined) return `${WORKER_FILE} is not beside the SDK's modules (bundled code)`;
  return undefined;
}

/**
 * A transport that sends from the shared delivery thread, with the same results as
 * `createHttpTransport` (which it runs there); on the caller's thread when no thread can run.
 * With `sustainedOnly` (the `'auto'` choice) it sends on the caller's thread until delivery
 * is sustained (AUTO_REQUESTS requests within AUTO_WINDOW_MS), then moves to the thread.
 * `close()` lets the thread end once no client needs it.
 */
export function createWorkerTransport(options: HttpTransportOptions, logger: Logger, sustainedOnly = false): Transport {
  const channel: Channel = { id: nextChannel++, options: { endpoint: options.endpoint, apiKey: options.apiKey, timeoutMs: options.timeoutMs }, logger };
  let inline: Transport | undefined;
  let said = false;
  const onThisThread = (body: WireBody): Promise<SendResult> => {
    if (!said && (unavailable !== undefined || !sustainedOnly)) {
      said = true;
      logger.debug(`${unavailable ?? 'the delivery worker is not available'}; sending on the caller's thread`);
    }
    inline ??= createHttpTransport(options);
    return inline(body);
  };
  /** Start times of the latest requests sent on this thread while waiting for sustained delivery (a ring). */
  const recent: number[] = [];
  let sent = 0;
  let moved = !sustainedOnly;
  const sustained = (): boolean => {
    const now = Date.now();
    const oldest = recent[sent % AUTO_REQUESTS];
    recent[sent++ % AUTO_REQUESTS] = now;
    return oldest !== undefined && now - oldest <= AUTO_WINDOW_MS;
  };
  const transport: Transport = async (body) => {
    if (!moved) {
      if (unavailable !== undefined || !sustained() || fetchReplaced()) return onThisThread(body);
      moved = true;
      logger.debug(`transport 'auto': ${AUTO_REQUESTS} requests within ${AUTO_WINDOW_MS / 1000} s; moving delivery to a worker thread`);
    }
    live.add(channel);
    const worker = thread(channel);
    // 'auto' already sends inline: it goes on doing so while the thread starts, so no request waits for it.
    if (worker !== undefined && sustainedOnly && !worker.ready) return onThisThread(body);
    if (worker !== undefined) {
      const result = await worker.send(channel, body);
      if (result !== undefined) return result;
    }
    return onThisThread(body);
  };
  transport.thread = true;
  transport.close = () => {
    live.delete(channel);
    current?.close(channel);
    inline?.close?.();
  };
  return transport;
}

/** @internal The delivery worker's counters (specs, bench): whether a thread runs, how many started, requests answered. */
export function deliveryWorkerStats(): { running: boolean; starts: number; stops: number; answered: number; unavailable: string | undefined } {
  return { running: current !== undefined, starts, stops, answered, unavailable };
}

/** @internal Ends the running thread as a crash would (specs only); resolves once it is gone. */
export function crashDeliveryWorker(): Promise<void> {
  return current?.kill() ?? Promise.resolve();
}

/**
 * The transport the `transport` option asks for: the worker transport for `'worker'`, and
 * for `'auto'` with at least AUTO_MIN_CPUS CPUs and not under a test runner, where a
 * delivery thread can run here; else the HTTP transport on this thread (said in the debug log).
 */
export function createTransport(choice: 'auto' | 'worker' | 'inline', options: HttpTransportOptions, logger: Logger): Transport {
  if (choice === 'inline') return createHttpTransport(options);
  if (choice === 'auto') {
    // A test run is short-lived (the thread would not pay) and often intercepts fetch on the caller's thread.
    if (underTestRunner()) return createHttpTransport(options);
    const cpus = cpuBudget();
    if (cpus === undefined || cpus < AUTO_MIN_CPUS) {
      logger.debug(`transport 'auto': ${cpus ?? 'an unknown number of'} CPUs available, fewer than the ${AUTO_MIN_CPUS} a delivery thread needs to pay; sending on the caller's thread`);
      return createHttpTransport(options);
    }
  }
  const why = workerUnavailable();
  if (why === undefined) return createWorkerTransport(options, logger, choice === 'auto');
  if (choice === 'worker') logger.debug(`transport 'worker': ${why}; sending on the caller's thread`);
  return createHttpTransport(options);
}

/** Jest, Vitest and `node --test` (which marks the processes of its test files with NODE_TEST_CONTEXT). */
function underTestRunner(): boolean {
  return readEnvVariable('JEST_WORKER_ID') !== undefined || readEnvVariable('VITEST') !== undefined || readEnvVariable('NODE_TEST_CONTEXT') !== undefined;
}
