// Issue 10, item 5, end to end: every credential form, embedded in random text, in string
// arguments, return values, event values, metadata, nested objects and error messages, never
// reaches the protocol-enforcing server; the new key rules apply to captured keys and
// parameter names; credential forms inside object and Map keys and record names are cut out as in values;
// non-credential `...token` keys are kept; the API key never shows in
// util.inspect / JSON.stringify / console.log of any public object; an endpoint with
// userinfo is a configuration error that does not print the password.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import * as fc from 'fast-check';

import {
  getClient,
  init,
  logEvent,
  logMetadata,
  modelCall,
  Northstar,
  NorthstarConfigError,
  observe,
  span,
  trace,
} from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { assertNoInvalidBatch, drain, everyBodyText, useIngestServer } from '../reliability/reliability-harness.js';
import { SECRET_SAMPLES } from '../support/secret-samples.js';

const API_KEY = 'nsk_live_inspect_0123456789SECRET';

let server: IngestServer;
useIngestServer((started) => (server = started), { apiKey: API_KEY });

function start(extra: Record<string, unknown> = {}): void {
  init({ apiKey: API_KEY, endpoint: server.url, flushIntervalMs: 60_000, batchSize: 5_000, ...extra });
}

/** Every body the server received, once all was delivered, asserting that no sample's secret is in it (raw or JSON-escaped). */
async function bodiesWithoutSecrets(where: string): Promise<string> {
  await drain();
  assertNoInvalidBatch(server);
  const bodies = everyBodyText(server);
  for (const sample of SECRET_SAMPLES) {
    assert.equal(bodies.includes(sample.secret), false, `${sample.form}${where} reached the server`);
    assert.equal(bodies.includes(JSON.stringify(sample.secret).slice(1, -1)), false, `${sample.form}${where} (JSON-escaped) reached the server`);
  }
  return bodies;
}

describe('credential forms never reach the server', () => {
  it('in string arguments, return values, events, metadata, attributes, nested objects and error messages', async () => {
    start();
    const tool = observe(async function lookup(query: string, options: { header: string }) {
      logEvent('lookup', { note: query, list: [options.header] });
      return `found: ${query}`;
    }, { kind: 'tool' });
    for (const sample of SECRET_SAMPLES) {
      await trace(async function agent(question: string) {
        logMetadata({ seen: `meta ${sample.text}` });
        await span('step', { attributes: { raw: sample.text, deep: { deeper: [sample.text] } } }, async (s) => {
          s.logEvent('step-event', sample.text);
          await tool(sample.text, { header: sample.text });
        });
        return { answer: `reply with ${sample.text}` };
      })(`question ${sample.text}`);
      await trace('failing', async () => {
        throw new Error(`request failed: ${sample.text}`);
      }).catch(() => undefined);
    }
    const bodies = await bodiesWithoutSecrets('');
    assert.ok(bodies.includes('[REDACTED]'));
    assert.ok(bodies.includes('reply with'), 'the text around the secrets was sent');
    const errors = [...server.runs.values()].filter((r) => r.error).map((r) => r.error.message as string);
    assert.equal(errors.length, SECRET_SAMPLES.length);
    assert.ok(errors.every((m) => m.startsWith('request failed: ')), 'the message around the secret is kept');
  });

  it('as object keys and Map keys, in arguments, return values, events, metadata and attributes', async () => {
    start();
    const keyed = (text: string) => ({ [text]: 'value', [`prefix ${text}`]: { nested: true } });
    const tool = observe(async function cache(byKey: Record<string, unknown>, map: Map<string, number>) {
      return { hits: keyed(Object.keys(byKey)[0]!), size: map.size };
    }, { kind: 'tool' });
    for (const sample of SECRET_SAMPLES) {
      await trace(async function agent() {
        logMetadata(keyed(sample.text));
        logEvent('keys', keyed(sample.text));
        await span('step', { attributes: keyed(sample.text) }, async () => {
          await tool(keyed(sample.text), new Map([[sample.text, 1], [`x ${sample.text}`, 2]]));
        });
        return keyed(sample.text);
      })();
    }
    assert.ok((await bodiesWithoutSecrets(' in a key')).includes('"prefix '), 'the rest of each key was sent');
  });

  it('in the names of runs, spans, events and metrics', async () => {
    start();
    for (const sample of SECRET_SAMPLES) {
      await trace(`agent ${sample.text}`, async () => {
        await span(`fetch ${sample.text}`, async (s) => {
          s.logEvent(`event ${sample.text}`, 1);
          s.logMetric(`metric ${sample.text}`, 2);
        });
      });
    }
    // A credential near the 500-character cap is found whole, and the name stays within the cap.
    const long = `${'x'.repeat(480)} Bearer sk-proj-abcdefghijklmnop0123456789`;
    await trace(long, async () => undefined);
    assert.ok((await bodiesWithoutSecrets(' in a name')).includes('"name":"fetch '), 'the rest of each name was sent');
    const named = [...server.runs.values()].find((run) => run.name.startsWith('xxx'));
    assert.equal(named?.name, `${'x'.repeat(480)} Bearer [REDACTED]`.slice(0, 500));
  });

  it('embedded in random surrounding text (property-based)', async () => {
    start();
    const filler = fc.string({ unit: fc.constantFrom('a', 'Q', ' ', '.', ',', '\n', '-', ':', '"', '=', '/', '7'), maxLength: 20 });
    const cases = fc.sample(fc.tuple(filler, fc.constantFrom(...SECRET_SAMPLES), filler), { numRuns: 120, seed: 10 });
    await trace('property', async () => {
      for (const [before, sample, after] of cases) logEvent('text', { value: `${before} ${sample.text} ${after}` });
    });
    await drain();
    assertNoInvalidBatch(server);
    const bodies = everyBodyText(server);
    for (const [, sample] of cases) assert.equal(bodies.includes(sample.secret), false, `${sample.form} reached the server`);
  });

  it('user redactPatterns are applied to captured strings and error messages', async () => {
    start({ redactPatterns: [/acme_[a-z0-9]{12}/] });
    await trace('custom', async () => {
      logEvent('e', { note: 'key acme_abcdef123456 here' });
      throw new Error('bad key acme_abcdef123456');
    }).catch(() => undefined);
    await drain();
    const bodies = everyBodyText(server);
    assert.equal(bodies.includes('acme_abcdef123456'), false);
    assert.ok(bodies.includes('key [REDACTED] here'));
  });

  it('error messages take the key rules, the forms, redactPatterns and the mask, each exactly once', async () => {
    // A mask that is not idempotent shows how many times it ran.
    start({ redactPatterns: [/acme_[a-z0-9]{12}/], mask: (text: string) => `<${text}>` });
    await trace('thrown-error', async () => {
      throw new Error('bad key acme_abcdef123456 and sk-proj-Ab12Cd34Ef56Gh78Ij90');
    }).catch(() => undefined);
    await trace('thrown-object', async () => {
      throw { code: 7, detail: 'bad key acme_abcdef123456' };
    }).catch(() => undefined);
    await trace('captured-error', async () => {
      logEvent('failure', new Error('bad key acme_abcdef123456'));
    });
    await drain();
    assertNoInvalidBatch(server);
    const bodies = everyBodyText(server);
    assert.equal(bodies.includes('acme_abcdef123456'), false);
    assert.equal(bodies.includes('Ab12Cd34Ef56Gh78Ij90'), false);
    const runs = [...server.runs.values()];
    const message = (name: string): string => runs.find((r) => r.name === name)?.error?.message;
    assert.equal(message('thrown-error'), '<bad key [REDACTED] and [REDACTED]>');
    assert.equal(message('thrown-object'), '{"code":7,"detail":"<bad key [REDACTED]>"}');
    const event = [...server.events.values()].find((e) => e.content?.name === 'failure');
    assert.equal(event.content.data.message, '<bad key [REDACTED]>');
  });
});

describe('key rules end to end', () => {
  it('redacts the new credential keys and parameter names, keeps nextPageToken and max_tokens', async () => {
    start();
    const SECRET = 'value-9d1c0b7a-secret';
    const signIn = trace(async function signIn(user: string, secretKey: string, privateKey: string, passphrase: string) {
      logEvent('config', {
        private_key: SECRET, secret_key: SECRET, aws_secret_access_key: SECRET, client_secret_id: SECRET, credentials: { user, pass: SECRET },
        pwd: SECRET, auth: { token: SECRET }, access_token: SECRET, refresh_token: SECRET, id_token: SECRET, api_token: SECRET,
        auth_token: SECRET, token: SECRET, bearerToken: SECRET, sessionToken: SECRET, csrfToken: SECRET,
        nextPageToken: 'page-2', max_tokens: 256, tokenCount: 12, input_tokens: 10,
      });
      return { user, secretKey, privateKey, passphrase };
    });
    await signIn('ada', SECRET, SECRET, SECRET);
    await drain();
    assertNoInvalidBatch(server);
    const bodies = everyBodyText(server);
    assert.equal(bodies.includes(SECRET), false);
    const event = [...server.events.values()].find((e) => e.content?.name === 'config');
    assert.equal(event.content.data.nextPageToken, 'page-2');
    assert.equal(event.content.data.max_tokens, 256);
    assert.equal(event.content.data.tokenCount, 12);
    assert.equal(event.content.data.input_tokens, 10);
  });
});

describe('the API key is never shown by inspect, JSON.stringify or console.log', () => {
  it('of the client, its config, manual runs and spans, handles and errors', async () => {
    const client = init({ apiKey: API_KEY, endpoint: server.url, flushIntervalMs: 60_000 });
    const own = new Northstar({ apiKey: API_KEY, endpoint: server.url, flushIntervalMs: 60_000 });
    const run = own.startRun('manual');
    const child = run.startSpan('child');
    const model = run.startModelSpan('model');
    const objects: unknown[] = [client, client.config, getClient(), own, own.config, run, child, model];
    await trace('handles', async (t) => {
      objects.push(t);
      span('s', (s) => void objects.push(s));
      modelCall('m', (m) => void objects.push(m));
    });
    // The no-op handles (outside a trace, or from a disabled client) are handles too.
    span('untraced', (s) => void objects.push(s));
    modelCall('untraced', (m) => void objects.push(m));
    const disabled = new Northstar({ apiKey: API_KEY, enabled: false });
    objects.push(disabled, disabled.config, disabled.startRun('off'));
    try {
      new Northstar({ apiKey: API_KEY, endpoint: 'ftp://example.com' });
    } catch (error) {
      objects.push(error);
    }
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    try {
      for (const object of objects) console.log(object);
    } finally {
      console.log = log;
    }
    for (const object of objects) {
      for (const text of [
        inspect(object),
        inspect(object, { depth: Infinity, showHidden: true }),
        JSON.stringify(object) ?? '',
        String(object),
      ]) {
        assert.equal(text.includes(API_KEY), false, text.slice(0, 300));
      }
    }
    assert.equal(printed.join('\n').includes(API_KEY), false);
    assert.equal(client.config.apiKey, API_KEY, 'the key is still readable where the SDK needs it');
    assert.equal(Object.keys(client.config).includes('apiKey'), false);
    assert.match(inspect(own), /^Northstar \{/);
    assert.match(inspect(run), /^ManualRun \{ id: '/);
    assert.match(inspect(child), /^ManualSpan \{ id: '/);
    assert.match(inspect(model), /^ManualModelSpan \{ id: '/);
    assert.deepEqual(JSON.parse(JSON.stringify(model)), { id: model.id });
    child.end();
    model.end();
    run.end();
    await own.shutdown({ timeoutMs: 2_000 });
  });
});

describe('configuration errors', () => {
  function configError(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof NorthstarConfigError, String(error));
      return error.message;
    }
    assert.fail('expected a NorthstarConfigError');
  }

  it('an endpoint with userinfo is refused, naming endpoint, without printing the password', () => {
    for (const endpoint of ['https://user:pw-0xSECRET@ingest.example.com/x', 'https://only-user@ingest.example.com/x', 'http://u:pw-0xSECRET@127.0.0.1:9/x']) {
      const message = configError(() => init({ apiKey: API_KEY, endpoint }));
      assert.match(message, /endpoint/);
      assert.match(message, /credentials/);
      assert.equal(message.includes('pw-0xSECRET'), false, message);
      const fromEnv = configError(() => withEndpointEnv(endpoint));
      assert.match(fromEnv, /NORTHSTAR_ENDPOINT/);
      assert.equal(fromEnv.includes('pw-0xSECRET'), false, fromEnv);
    }
  });

  it('never echo the API key, even pasted into another option or into the environment', () => {
    const cases: Array<Record<string, unknown>> = [
      { apiKey: API_KEY, projectId: API_KEY },
      { apiKey: API_KEY, enabled: API_KEY },
      { apiKey: API_KEY, batchSize: API_KEY },
      { apiKey: API_KEY, endpoint: API_KEY },
      { apiKey: API_KEY, endpoint: `ftp://${API_KEY}` },
      { apiKey: `${API_KEY}\nX-Evil: 1`, endpoint: server.url },
      { apiKey: API_KEY, limits: { maxDepth: API_KEY } },
      { apiKey: API_KEY, redactPatterns: [API_KEY] },
      { apiKey: API_KEY, endpoint: 'not a url sk-proj-Ab12Cd34Ef56Gh78Ij90' },
    ];
    for (const options of cases) {
      const message = configError(() => init(options as never));
      assert.equal(message.includes(API_KEY), false, message);
      assert.equal(message.includes('Ab12Cd34Ef56Gh78Ij90'), false, message);
    }
    assert.match(configError(() => init({ apiKey: API_KEY, redactPatterns: [/x*/] })), /redactPatterns\[0\]/);
    assert.match(configError(() => init({ apiKey: API_KEY, redactPatterns: 'x' as never })), /redactPatterns must be an array/);
  });
});

/** Starts a client with NORTHSTAR_ENDPOINT set (and no endpoint option), restoring the environment. */
function withEndpointEnv(endpoint: string): Northstar {
  const saved = process.env['NORTHSTAR_ENDPOINT'];
  process.env['NORTHSTAR_ENDPOINT'] = endpoint;
  try {
    return new Northstar({ apiKey: API_KEY });
  } finally {
    if (saved === undefined) delete process.env['NORTHSTAR_ENDPOINT'];
    else process.env['NORTHSTAR_ENDPOINT'] = saved;
  }
}
