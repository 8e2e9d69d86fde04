// Safe by default: only loopback Host names are answered (DNS rebinding), a request from
// another web page (foreign Origin) is refused, bodies are capped, no CORS, and no request
// can make the server read a file by path.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ingest, raw, sampleBatch, startCollector } from './dev-harness.js';

describe('local viewer security', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  before(async () => {
    collector = await startCollector({ maxBodyBytes: 64 * 1024 });
  });
  after(() => collector.close());

  it('binds 127.0.0.1 only', () => {
    assert.match(collector.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  for (const host of ['evil.example', 'evil.example:4319', '192.168.1.20', 'localhost.evil.example', '127.0.0.1.nip.io']) {
    it(`answers a forged Host ${host} with 403, on the API and on ingest`, async () => {
      const page = await raw(collector.port, { path: '/api/runs', headers: { host } });
      assert.equal(page.status, 403);
      const post = await raw(collector.port, { method: 'POST', path: '/functions/v1/ingest-traces', headers: { host }, body: JSON.stringify(sampleBatch()) });
      assert.equal(post.status, 403);
    });
  }

  for (const host of ['localhost', '127.0.0.1:4319', '[::1]:4319', 'LOCALHOST:1']) {
    it(`answers a loopback Host ${host}`, async () => {
      assert.equal((await raw(collector.port, { path: '/api/health', headers: { host } })).status, 200);
    });
  }

  it('refuses a request whose Origin is another site (a web page posting to localhost)', async () => {
    const response = await raw(collector.port, {
      method: 'POST', path: '/functions/v1/ingest-traces',
      headers: { host: 'localhost', origin: 'https://evil.example', 'content-type': 'text/plain' }, body: JSON.stringify(sampleBatch()),
    });
    assert.equal(response.status, 403);
    const own = await raw(collector.port, { path: '/api/runs', headers: { host: 'localhost', origin: `http://127.0.0.1:${collector.port}` } });
    assert.equal(own.status, 200);
    assert.equal(own.headers['access-control-allow-origin'], undefined);
  });

  it('answers a body over the cap with 413 and lists it as rejected', async () => {
    const response = await ingest(collector.port, sampleBatch({ padding: 100 * 1024 }));
    assert.equal(response.status, 413);
    const chunked = await raw(collector.port, {
      method: 'POST', path: '/functions/v1/ingest-traces', headers: { host: 'localhost', 'transfer-encoding': 'chunked' }, body: Buffer.alloc(200 * 1024, 32),
    });
    assert.equal(chunked.status, 413);
  });

  it('serves no file by path: traversal attempts are 404', async () => {
    for (const path of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/etc/passwd', '/api/runs/../../../etc/passwd']) {
      const response = await raw(collector.port, { path, headers: { host: 'localhost' } });
      assert.equal(response.status, 404, path);
    }
  });
});
