// Shared helpers of the reliability and security specs: drive the public API against the
// protocol-enforcing ingest server, then judge what the server finally stored.

import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';

import { flush, shutdown } from '../../src/index.js';
import type { NorthstarDiagnostic } from '../../src/index.js';
import { startIngestServer, type IngestServer, type IngestServerOptions } from '../support/ingest-server.js';

/**
 * One ingest server for the spec file, handed to `use` once started; after each test the
 * client is shut down and the server emptied, after the file it is closed.
 */
export function useIngestServer(use: (server: IngestServer) => void, options?: IngestServerOptions): void {
  let server: IngestServer | undefined;
  before(async () => {
    server = await startIngestServer(options);
    use(server);
  });
  afterEach(async () => {
    await shutdown({ timeoutMs: 2_000 });
    server?.reset();
  });
  after(() => server?.close());
}

/**
 * Calls `flush()` until everything queued was accepted. `flush()` sends at once and
 * ignores the backoff, so a spec drives retries by counting rounds, never by waiting.
 */
export async function drain(rounds = 400): Promise<number> {
  for (let round = 1; round <= rounds; round++) {
    if (await flush()) return round;
  }
  assert.fail(`flush() did not succeed within ${rounds} rounds`);
}

/** The request bodies the server stored (answered 200 `{"accepted":true}`), in arrival order. */
export function acceptedBodies(server: IngestServer): any[] {
  return server.requests.filter((r) => r.status === 200 && r.error === undefined).map((r) => r.body);
}

/** Every request body the server received, as one string (for "never appears anywhere" checks). */
export function everyBodyText(server: IngestServer): string {
  return server.requests.map((r) => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body))).join('\n');
}

/**
 * Upserts must only move forward: once a run or span was stored finished (`ok`/`error`),
 * no later stored batch may carry it as `running` again (docs/protocol.md "Upserts").
 */
export function assertNoStaleOverwrite(server: IngestServer): void {
  const finished = new Set<string>();
  for (const body of acceptedBodies(server)) {
    for (const table of ['runs', 'spans'] as const) {
      for (const record of body[table] as any[]) {
        const key = `${table}:${record.id}`;
        if (record.status === 'running') assert.ok(!finished.has(key), `${key} went back to running after it was stored finished`);
        else finished.add(key);
      }
    }
  }
}

/** Every request the server received was valid: no 400 (protocol) and no 500 (database). */
export function assertNoInvalidBatch(server: IngestServer): void {
  const refused = server.requests
    .map((r, i) => `#${i} ${r.status} ${r.error ?? ''}`)
    .filter((line) => / (400|413|500) /.test(line));
  assert.deepEqual(refused, [], 'the SDK sent a batch the server refused');
}

/** Collects `onError` diagnostics. */
export function diagnosticsSink(): { list: NorthstarDiagnostic[]; onError: (d: NorthstarDiagnostic) => void; of(kind: string): NorthstarDiagnostic[] } {
  const list: NorthstarDiagnostic[] = [];
  return { list, onError: (d) => list.push(d), of: (kind) => list.filter((d) => d.kind === kind) };
}
