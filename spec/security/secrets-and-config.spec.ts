// The API key and the endpoint (issue 5, section 5): the key never appears in debug
// output, `onError` messages or thrown configuration errors; a key or endpoint holding a
// line break is a configuration error (no header injection); plain http:// is refused
// unless the host is loopback or the user opts in; metadata merging cannot pollute
// prototypes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  init,
  isNorthstarError,
  logEvent,
  logMetadata,
  NorthstarConfigError,
  shutdown,
  span,
  trace,
} from '../../src/index.js';
import type { NorthstarDiagnostic } from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { assertNoInvalidBatch, drain, useIngestServer } from '../reliability/reliability-harness.js';

const API_KEY = 'nsk_live_0123456789abcdefSECRET';

let server: IngestServer;
useIngestServer((started) => (server = started), { apiKey: API_KEY });

/** Captures everything written through console.warn/error and to stderr while `work` runs. */
async function captureOutput(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const { warn, error, log } = console;
  const write = process.stderr.write;
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  console.error = console.warn;
  console.log = console.warn;
  process.stderr.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    console.warn = warn;
    console.error = error;
    console.log = log;
    process.stderr.write = write;
  }
  return lines.join('\n');
}

/** The message of the error `fn` throws (it must throw a NorthstarConfigError). */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof NorthstarConfigError && isNorthstarError(error), `a NorthstarConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a NorthstarConfigError');
}

/** Runs `fn` with NORTHSTAR_* environment variables set, restoring them afterwards. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('the API key stays secret', () => {
  it('never appears in debug output or onError messages, even when the server echoes it back', async () => {
    const diagnostics: NorthstarDiagnostic[] = [];
    const output = await captureOutput(async () => {
      init({ apiKey: API_KEY, endpoint: server.url, debug: true, flushIntervalMs: 60_000, onError: (d) => diagnostics.push(d) });
      // A proxy in front of the endpoint that quotes the request's credentials in its error.
      server.faults.failNext(1, 502, { body: `bad gateway for Authorization: Bearer ${API_KEY}` });
      server.faults.failNext(1, 503, { body: JSON.stringify({ error: `upstream refused key ${API_KEY}` }) });
      server.faults.acceptWithoutStoring(1, `not stored (${API_KEY})`);
      await trace('agent', async () => logEvent('x', { n: 1 }));
      await drain();
      server.revokeKey();
      await trace('agent', async () => undefined);
      await drain(1).catch(() => undefined);
      await shutdown();
    });
    assert.ok(output.includes('[northstar-ai]'), 'debug output was produced');
    assert.ok(diagnostics.length >= 4, `problems were reported (${diagnostics.length})`);
    assert.ok(diagnostics.some((d) => d.kind === 'unauthorized'));
    assert.equal(output.includes(API_KEY), false, 'the API key appears in debug output');
    for (const d of diagnostics) assert.equal(d.message.includes(API_KEY), false, `the API key appears in an onError message: ${d.kind}`);
  });

  it('never appears in a thrown configuration error', () => {
    const cases: Array<Record<string, unknown>> = [
      { apiKey: API_KEY, endpoint: 'not a url' },
      { apiKey: API_KEY, endpoint: 'http://example.com/ingest' },
      { apiKey: API_KEY, endpoint: 'ftp://example.com/ingest' },
      { apiKey: API_KEY, projectId: 'Not-A-Ref' },
      { apiKey: API_KEY, batchSize: -1 },
      { apiKey: API_KEY, timeout: 5 },
      { apiKey: API_KEY, limits: { maxDepth: 0 } },
      { apiKey: `${API_KEY}\r\nX-Injected: 1`, endpoint: server.url },
      { apiKey: API_KEY, endpoint: `${server.url}\r\nX-Injected: ${API_KEY}` },
    ];
    for (const options of cases) {
      const message = configError(() => init(options as never));
      assert.equal(message.includes(API_KEY), false, `the API key appears in: ${message}`);
    }
  });

  it('a key or endpoint with a line break or NUL is a configuration error (no header injection), from options or environment', () => {
    for (const bad of ['\r\n', '\n', '\r', '\u0000', '\u2028']) {
      assert.match(configError(() => init({ apiKey: `abc${bad}X-Evil: 1`, endpoint: server.url })), /apiKey contains a line break/);
      assert.match(configError(() => init({ apiKey: API_KEY, endpoint: `${server.url}${bad}X-Evil: 1` })), /endpoint contains a line break/);
      // An environment variable cannot hold NUL (the OS cuts the string there).
      if (bad === '\u0000') continue;
      assert.match(
        configError(() => withEnv({ NORTHSTAR_API_KEY: `abc${bad}X-Evil: 1`, NORTHSTAR_ENDPOINT: server.url }, () => init({}))),
        /apiKey contains a line break/,
      );
      assert.match(
        configError(() => withEnv({ NORTHSTAR_API_KEY: API_KEY, NORTHSTAR_ENDPOINT: `${server.url}${bad}X-Evil: 1` }, () => init({}))),
        /NORTHSTAR_ENDPOINT contains a line break/,
      );
    }
  });

  it('sends the key only as the Authorization header of the configured endpoint', async () => {
    init({ apiKey: API_KEY, endpoint: `${server.url}/`, flushIntervalMs: 60_000 });
    await trace('agent', async () => undefined);
    await drain();
    assert.equal(server.runs.size, 1, 'a trailing slash is ignored and the key accepted');
    assert.ok(server.requests.every((r) => !JSON.stringify(r.body).includes(API_KEY)), 'the key is not in any body');
  });
});

describe('plain http:// endpoints', () => {
  it('are refused on a non-loopback host, from options or environment, with a message naming the fix', () => {
    for (const endpoint of [
      'http://example.com/ingest',
      'HTTP://EXAMPLE.COM/ingest',
      'http://10.0.0.5/ingest',
      'http://127.0.0.1.nip.io/ingest',
      'http://localhost.example.com/ingest',
      'http://[::ffff:8.8.8.8]/ingest',
    ]) {
      assert.match(configError(() => init({ apiKey: API_KEY, endpoint })), /plain http:\/\/.*allowInsecureHttp/);
      assert.match(configError(() => withEnv({ NORTHSTAR_API_KEY: API_KEY, NORTHSTAR_ENDPOINT: endpoint }, () => init({}))), /NORTHSTAR_ENDPOINT uses plain http/);
    }
  });

  it('are accepted on loopback hosts, and elsewhere only with allowInsecureHttp: true', async () => {
    for (const endpoint of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'https://example.com/ingest']) {
      assert.equal(init({ apiKey: API_KEY, endpoint }).enabled, true, endpoint);
      await shutdown({ timeoutMs: 1 });
    }
    assert.equal(init({ apiKey: API_KEY, endpoint: 'http://example.com/ingest', allowInsecureHttp: true }).enabled, true);
    await shutdown({ timeoutMs: 1 });
  });
});

describe('prototype pollution', () => {
  it('metadata, attributes and event data holding __proto__ / constructor keys never touch a prototype; the keys are stored as data', async () => {
    init({ apiKey: API_KEY, endpoint: server.url, flushIntervalMs: 60_000 });
    const payload = (): Record<string, unknown> =>
      JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"ok":1}') as Record<string, unknown>;
    await trace('agent', { metadata: payload() }, async (t) => {
      logMetadata(payload());
      t.logMetadata(JSON.parse('{"__proto__":{"isAdmin":true}}'));
      span('step', { attributes: payload() }, (s) => {
        s.setAttributes(payload());
        logMetadata(payload());
        logEvent('data', payload());
      });
      t.setOutput(payload());
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);

    await drain();
    assertNoInvalidBatch(server);
    const [run] = [...server.runs.values()];
    const [step] = [...server.spans.values()];
    for (const bag of [run.metadata, step.attributes]) {
      assert.equal(bag.ok, 1);
      // Stored as data (an own key), or left out: never as a prototype.
      if (Object.hasOwn(bag, '__proto__')) assert.equal(typeof bag.__proto__, 'object');
      assert.equal(Object.getPrototypeOf(bag), Object.prototype);
      assert.equal(bag.polluted, undefined);
    }
    assert.equal(run.metadata.__proto__.isAdmin, true, 'the later merge replaced the __proto__ key as plain data');
    const event = [...server.events.values()].find((e) => e.type === 'custom');
    assert.deepEqual(Object.keys(event.content.data).sort(), ['__proto__', 'constructor', 'ok']);
  });
});
