// Delivery failures say what to fix: a wrong endpoint path (404) names the URL and is
// reported once, a refused connection shows its cause (ECONNREFUSED host:port).

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, init, shutdown, stats, trace, type NorthstarDiagnostic } from '../../src/index.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

let server: IngestServer;
before(async () => {
  server = await startIngestServer();
});
afterEach(async () => {
  await shutdown({ timeoutMs: 500 });
  server.reset();
});
after(() => server.close());

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('delivery diagnostics', () => {
  it('a 404 names the endpoint and what to check, once, and keeps the records', async () => {
    const diagnostics: NorthstarDiagnostic[] = [];
    const wrong = server.url.replace('/ingest-traces', '/ingest-trace');
    init({ apiKey: server.apiKey, endpoint: `${wrong}?token=abc`, onError: (d) => diagnostics.push(d), flushIntervalMs: 60_000 });
    trace('lost-path', () => 1);
    assert.equal(await flush({ timeoutMs: 5000 }), false);
    trace('lost-path-2', () => 1);
    assert.equal(await flush({ timeoutMs: 5000 }), false);
    const endpoint = diagnostics.filter((d) => d.kind === 'endpoint');
    assert.equal(endpoint.length, 1, JSON.stringify(diagnostics));
    assert.match(endpoint[0]!.message, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/functions\/v1\/ingest-trace \(Not found: .*\): check the endpoint/);
    assert.ok(!endpoint[0]!.message.includes('token=abc'), 'the query string is not shown');
    assert.equal(diagnostics.filter((d) => d.kind === 'delivery').length, 0);
    assert.ok(stats().queued > 0, 'the records are kept');
  });

  it('a refused connection shows ECONNREFUSED with the address and port', async () => {
    const port = await closedPort();
    const diagnostics: NorthstarDiagnostic[] = [];
    init({ apiKey: 'k', endpoint: `http://127.0.0.1:${port}/v1/ingest`, onError: (d) => diagnostics.push(d), flushIntervalMs: 60_000 });
    trace('refused', () => 1);
    assert.equal(await flush({ timeoutMs: 5000 }), false);
    const delivery = diagnostics.find((d) => d.kind === 'delivery');
    assert.ok(delivery, JSON.stringify(diagnostics));
    assert.match(delivery.message, new RegExp(`fetch failed \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`));
  });
});
