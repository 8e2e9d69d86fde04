// Shared helpers of the core specs: a protocol-enforcing ingest server per spec file,
// a client initialised against it, and readers of what the server stored.

import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';

import { init, shutdown } from '../../src/index.js';
import type { NorthstarDiagnostic, NorthstarOptions } from '../../src/index.js';
import { startIngestServer, summarizeRejections, type IngestServer } from '../support/ingest-server.js';

/** A spec file's server plus the diagnostics the current client reported. */
export interface Harness {
  server: IngestServer;
  diagnostics: NorthstarDiagnostic[];
  /** `init()` against the server (never flushes on its own unless asked: long interval, big batch). */
  start(options?: NorthstarOptions): void;
  /** Shuts the current client down and clears the server for the next test. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server; `start()` inits a client that reports its problems into `diagnostics`. */
export async function createHarness(): Promise<Harness> {
  const server = await startIngestServer();
  const harness: Harness = {
    server,
    diagnostics: [],
    start(options = {}) {
      harness.diagnostics = [];
      init({
        apiKey: server.apiKey,
        endpoint: server.url,
        flushIntervalMs: 60_000,
        batchSize: 500,
        // Retries (flush keeps retrying since issue 10) wait milliseconds, not seconds, in specs.
        retryInitialDelayMs: 2,
        retryMaxDelayMs: 20,
        onError: (d) => harness.diagnostics.push(d),
        ...options,
      });
    },
    async stop() {
      await shutdown({ timeoutMs: 2000 });
      server.reset();
    },
    close: () => server.close(),
  };
  return harness;
}

/**
 * The harness of a spec file: registers the usual hooks (a server before the first test,
 * `stop()` after each, `close()` at the end) and returns the harness, usable in tests.
 */
export function suiteHarness(): Harness {
  let current: Harness | undefined;
  before(async () => {
    current = await createHarness();
  });
  afterEach(() => current?.stop());
  after(() => current?.close());
  const get = (): Harness => {
    if (current === undefined) throw new Error('the harness is created before the first test');
    return current;
  };
  return {
    get server() {
      return get().server;
    },
    get diagnostics() {
      return get().diagnostics;
    },
    set diagnostics(value) {
      get().diagnostics = value;
    },
    start: (options) => get().start(options),
    stop: () => get().stop(),
    close: () => get().close(),
  };
}

/** Every request was stored (the failure message lists the refusals). */
export function assertNoRejections(server: IngestServer): void {
  assert.deepEqual(summarizeRejections(server), [], 'the server refused a batch');
}

/** The only element of a collection. */
export function only<T>(items: Iterable<T>, what = 'record'): T {
  const list = [...items];
  assert.equal(list.length, 1, `expected exactly one ${what}, got ${list.length}`);
  return list[0]!;
}

/** Stored events of a run (of one span when `spanId` is given, of the run itself when null), in stored order. */
export function eventsOf(server: IngestServer, runId: string, spanId?: string | null): any[] {
  return [...server.events.values()].filter(
    (e) => e.run_id === runId && (spanId === undefined || (spanId === null ? e.span_id === undefined : e.span_id === spanId)),
  );
}

/** Stored spans of a run, in stored (parent-first) order. */
export function spansOf(server: IngestServer, runId: string): any[] {
  return [...server.spans.values()].filter((s) => s.run_id === runId);
}

/** A stored run by name. */
export function runNamed(server: IngestServer, name: string): any {
  return only([...server.runs.values()].filter((r) => r.name === name), `run named ${name}`);
}

/** A stored span by name. */
export function spanNamed(server: IngestServer, name: string): any {
  return only([...server.spans.values()].filter((s) => s.name === name), `span named ${name}`);
}

/** Resolves after `ms` on a timer that does not hold the process. */
export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
