// Helpers of the decorator specs: an ingest server the SDK reports to, and lookups of
// what reached it. Compiled in both decorator modes, so it uses no decorators itself.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { flush, init, shutdown } from '../../src/index.js';
import type { NorthstarOptions } from '../../src/index.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

/** A running ingest server with the SDK initialised against it. */
export interface Collector {
  readonly server: IngestServer;
  /** Flushes (asserting delivery) and returns the collector. */
  delivered(): Promise<Collector>;
  run(name: string): any;
  runs(name: string): any[];
  span(name: string): any;
  spans(name: string): any[];
  /** Events of a run (not of its spans) or of a span, optionally of one type. */
  events(record: { id: string; run_id?: string }, type?: string): any[];
  /** The content of the single event of `type` on the record. */
  content(record: { id: string; run_id?: string }, type: string): unknown;
  close(): Promise<void>;
}

/**
 * The collector of a suite: started before its first test, closed after its last (the
 * hooks are registered where this is called, e.g. inside `describe`).
 */
export function suiteCollector(options: NorthstarOptions = {}): Collector {
  let current: Collector | undefined;
  before(async () => {
    current = await startCollector(options);
  });
  after(() => current?.close());
  const get = (): Collector => {
    if (current === undefined) throw new Error('the collector starts before the first test');
    return current;
  };
  return {
    get server() {
      return get().server;
    },
    delivered: () => get().delivered(),
    run: (name) => get().run(name),
    runs: (name) => get().runs(name),
    span: (name) => get().span(name),
    spans: (name) => get().spans(name),
    events: (record, type) => get().events(record, type),
    content: (record, type) => get().content(record, type),
    close: () => get().close(),
  };
}

/** Starts an ingest server and points `init()` at it (timer flushes off: specs flush). */
export async function startCollector(options: NorthstarOptions = {}): Promise<Collector> {
  const server = await startIngestServer();
  init({ apiKey: server.apiKey, endpoint: server.url, flushIntervalMs: 60_000, ...options });
  const all = (map: Map<string, any>, name: string) => [...map.values()].filter((r) => r.name === name);
  const one = (map: Map<string, any>, name: string) => {
    const found = all(map, name);
    assert.equal(found.length, 1, `expected one record named ${name}, got ${found.length}`);
    return found[0];
  };
  const events = (record: { id: string; run_id?: string }, type?: string) =>
    [...server.events.values()].filter(
      (e) => (record.run_id === undefined ? e.run_id === record.id && e.span_id === undefined : e.span_id === record.id) && (type === undefined || e.type === type),
    );
  const collector: Collector = {
    server,
    async delivered() {
      assert.equal(await flush(), true, 'flush delivered everything');
      return collector;
    },
    run: (name) => one(server.runs, name),
    runs: (name) => all(server.runs, name),
    span: (name) => one(server.spans, name),
    spans: (name) => all(server.spans, name),
    events,
    content(record, type) {
      const found = events(record, type);
      assert.equal(found.length, 1, `expected one ${type} event, got ${found.length}`);
      return found[0].content;
    },
    async close() {
      await shutdown();
      await server.close();
    },
  };
  return collector;
}

/** Resolves after the current macrotask, so promise callbacks of the engine have run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
