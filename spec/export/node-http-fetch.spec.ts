// The HTTP transport on Node sends through node:http (src/export/node-http-fetch.ts), with
// the same results as through fetch; a replaced fetch (nock, msw, a tracing agent) is used
// instead, so that it sees the requests. A real server on 127.0.0.1 answers.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { createHttpTransport, type Transport } from '../../src/export/http-transport.js';
import { answerText, createNodeHttpFetch, WIRE_BODY } from '../../src/export/node-http-fetch.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler;
const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const transports: Transport[] = [];

before(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ headers: request.headers, body });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1/ingest-traces`;
});
afterEach(() => {
  seen.length = 0;
  for (const transport of transports.splice(0)) transport.close?.();
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const accept: Handler = (_request, _body, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":true}');
};

function transport(timeoutMs = 5_000): Transport {
  const created = createHttpTransport({ endpoint: url, apiKey: 'key-1', timeoutMs });
  transports.push(created);
  return created;
}

describe('the HTTP transport on Node (node:http under ky)', () => {
  it('sends the body as UTF-8 with its byte length, the key and the content type, on a kept-alive socket', async () => {
    handler = accept;
    const send = transport();
    const body = JSON.stringify({ schema_version: 2, runs: [], note: 'naïve café 👋' });
    assert.deepEqual(await send(body), { kind: 'accepted' });
    assert.deepEqual(await send(body), { kind: 'accepted' });
    assert.equal(seen.length, 2);
    for (const { headers, body: received } of seen) {
      assert.equal(received, body);
      assert.equal(headers['content-length'], String(Buffer.byteLength(body)));
      assert.equal(headers.authorization, 'Bearer key-1');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers.connection, 'keep-alive');
      // undici's fetch adds `sec-fetch-mode`; node:http does not.
      assert.equal(headers['sec-fetch-mode'], undefined);
    }
  });

  it('gives the same results as fetch: Retry-After, redirects not followed, a 200 that did not store, a rejection', async () => {
    const send = transport();
    handler = (_q, _b, response) => response.writeHead(503, { 'retry-after': '7' }).end('busy');
    assert.deepEqual(await send('{}'), { kind: 'transient', status: 503, retryAfterMs: 7_000, message: 'HTTP 503: busy' });
    handler = (_q, _b, response) => response.writeHead(302, { location: 'https://elsewhere.example/ingest?x=1' }).end();
    const redirect = await send('{}');
    assert.equal(redirect.kind, 'transient');
    assert.match(redirect.kind === 'transient' ? redirect.message : '', /redirects to https:\/\/elsewhere\.example\/ingest; redirects are not followed/);
    assert.equal(seen.length, 2, 'the redirect was not followed');
    handler = (_q, _b, response) => response.writeHead(204).end();
    assert.equal((await send('{}')).kind, 'transient');
    handler = (_q, _b, response) => response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad batch"}');
    assert.deepEqual(await send('{}'), { kind: 'rejected', status: 400, message: 'HTTP 400: bad batch' });
  });

  it('a connection closed in the middle of the answer is a transient failure at once, not at the timeout', async () => {
    handler = (_q, _b, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"accep');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const started = Date.now();
    const result = await transport(30_000)('{}');
    assert.equal(result.kind, 'transient');
    assert.ok(Date.now() - started < 10_000, 'did not wait for the 30 s timeout');
  });

  it('a server that never answers is a transient failure after the request timeout', async () => {
    handler = () => undefined;
    const result = await transport(200)('{}');
    assert.equal(result.kind, 'transient');
    assert.match(result.kind === 'transient' ? result.message : '', /TimeoutError/);
  });

  it('a replaced fetch (nock, msw, a tracing agent) sends the requests, so that it sees them', async () => {
    handler = accept;
    const original = globalThis.fetch;
    const urls: string[] = [];
    globalThis.fetch = (input, init) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return original(input, init);
    };
    try {
      assert.deepEqual(await transport()('{"through":"fetch"}'), { kind: 'accepted' });
    } finally {
      globalThis.fetch = original;
    }
    assert.deepEqual(urls, [url]);
    assert.equal(seen[0]?.body, '{"through":"fetch"}');
    assert.equal(seen[0]?.headers['sec-fetch-mode'], 'cors');
  });

  it('takes the body out of its holder when it sends it, and never sends the same holder twice (an empty POST)', async () => {
    handler = accept;
    const direct = createNodeHttpFetch();
    assert.ok(direct !== undefined, 'on Node');
    try {
      const held = { body: new TextEncoder().encode('{"once":true}') as Uint8Array | undefined };
      const request = new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
      const response = await direct.fetch(request, { [WIRE_BODY]: held });
      assert.equal(held.body, undefined, 'the holder no longer keeps the body');
      assert.equal(answerText(response), '{"accepted":true}');
      assert.equal(seen[0]?.body, '{"once":true}');
      await assert.rejects(direct.fetch(new Request(url, { method: 'POST' }), { [WIRE_BODY]: held }), TypeError);
      assert.equal(seen.length, 1);
    } finally {
      direct.close();
    }
  });
});
