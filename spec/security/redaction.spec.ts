// Redaction and masking end to end (issue 5, section 5): a secret given to a traced
// program in any place the SDK captures — arguments, return values, metadata, span
// attributes, event data, error messages, at any depth, in arrays, Maps and class
// instances, under default or user keys in any case — never appears in ANY request body
// the server received. The `mask` hook runs before anything is queued.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import { init, logEvent, logMetadata, observe, span, stats, trace } from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { assertNoInvalidBatch, drain, everyBodyText, useIngestServer } from '../reliability/reliability-harness.js';

let server: IngestServer;
useIngestServer((started) => (server = started));

class Credentials {
  constructor(
    readonly user: string,
    readonly Password: string,
  ) {}
}

class ClientConfig {
  endpoint = 'https://api.example.com';
  headers = new Map<string, unknown>([
    ['Authorization', 'x'],
    ['X-API-KEY', 'x'],
  ]);
  constructor(secret: string) {
    this.headers.set('Authorization', `Bearer ${secret}`);
    this.headers.set('X-API-KEY', secret);
  }
}

describe('redaction end to end', () => {
  it('a secret under a default or user key, in any case, at any depth, in arrays, Maps and class instances, never leaves the process', async () => {
    const SECRET = `s3cr3t-${randomUUID()}`;
    const SSN = `ssn-${randomUUID()}`;
    init({
      apiKey: server.apiKey,
      endpoint: server.url,
      flushIntervalMs: 60_000,
      batchSize: 5_000,
      redactKeys: ['ssn', 'Credit-Card'],
    });
    const nested = (value: string) => ({
      level1: { level2: [{ level3: { API_KEY: value } }, [{ sessionToken: value }]] },
      creds: new Credentials('ada', value),
      config: new ClientConfig(value),
      headers: new Map([['Set-Cookie', value], ['x-auth-token', value]]),
      user: { SSN: SSN, credit_card: SSN, CreditCard: SSN, nested: [{ Ssn: SSN }] },
    });

    const login = observe(async function login(user: string, password: string, options: object) {
      span('inner', { attributes: { Authorization: `Bearer ${SECRET}`, ...nested(SECRET) } }, (s) => {
        s.setAttributes({ cookie: SECRET, deep: nested(SECRET) });
        s.logEvent('inner-event', nested(SECRET));
        s.setOutput({ refresh_token: SECRET, ok: true });
      });
      return { user, access_token: SECRET, options };
    }, { kind: 'tool' });

    const agent = trace(async function agent(question: string, apiKey: string, extra: object) {
      logMetadata({ secret: SECRET, deep: nested(SECRET) });
      logEvent('event', { payload: [[{ password: SECRET }]], deep: nested(SECRET) });
      await login('ada', SECRET, nested(SECRET));
      return { answer: `about ${question}`, Token: SECRET, extra };
    }, { metadata: { clientSecret: SECRET, deep: nested(SECRET) } });

    await agent('the weather', SECRET, nested(SECRET));

    // Error messages: key=value, JSON and Authorization forms, in the run and in a span.
    await trace('failing', async () => {
      await span('connect', () => {
        throw new Error(`connect failed: password=${SECRET} ssn: ${SSN}`);
      });
    }).catch(() => undefined);
    await trace('failing-json', async () => {
      throw new Error(`upstream said {"api_key":"${SECRET}"} and Authorization: Bearer ${SECRET}`);
    }).catch(() => undefined);
    await trace('failing-cause', async () => {
      const error = new Error('wrapped', { cause: { password: SECRET, list: [{ token: SECRET }] } });
      logEvent('caught', error);
      throw error;
    }).catch(() => undefined);
    await trace('url', async (t) => t.setOutput(new URL(`https://ada:${SECRET}@example.com/path?token=${SECRET}&q=1`)));

    await drain();
    assertNoInvalidBatch(server);
    assert.equal(stats().droppedRejected, 0);
    const bodies = everyBodyText(server);
    assert.ok(bodies.includes('the weather') && bodies.includes('ada'), 'the non-secret data was sent');
    assert.ok(bodies.includes('[REDACTED]'), 'redaction markers were sent');
    assert.equal(bodies.includes(SECRET), false, 'the secret appears in a request body');
    assert.equal(bodies.includes(SSN), false, 'a value under a user redact key appears in a request body');
    const errors = [...server.runs.values(), ...server.spans.values()].filter((r) => r.error).map((r) => r.error.message);
    assert.equal(errors.length, 4);
    assert.ok(errors.every((m) => !m.includes(SECRET)));
  });

  it('mask hides emails and card numbers in every captured place, before anything is queued', async () => {
    const EMAIL = `ada.${randomUUID().slice(0, 8)}@example.com`;
    const CARD = '4111 1111 1111 1111';
    const CARD_DIGITS = '4111111111111111';
    let maskCalls = 0;
    const mask = (value: string): string => {
      maskCalls++;
      return value
        .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, '[email]')
        .replace(/\b(?:\d[ -]?){13,19}\b/g, '[card]');
    };
    init({ apiKey: server.apiKey, endpoint: server.url, flushIntervalMs: 60_000, batchSize: 5_000, mask });
    const text = `contact ${EMAIL}, pay with ${CARD} or ${CARD_DIGITS}`;

    const tool = observe(async function charge(note: string, details: object) {
      logEvent('charging', { note, details: [details] });
      return { receipt: text };
    }, { kind: 'tool' });
    const agent = trace(async function agent(message: string) {
      logMetadata({ customer: EMAIL, nested: { card: CARD } });
      await span('lookup', { attributes: { email: EMAIL } }, async (s) => {
        s.setAttributes({ list: [CARD_DIGITS], map: new Map([['who', EMAIL]]) });
      });
      await tool(text, { email: EMAIL, card: CARD });
      return `replied to ${EMAIL}`;
    }, { metadata: { requester: EMAIL } });

    await agent(text);
    await trace('fails', async () => {
      throw new Error(`card ${CARD} declined for ${EMAIL}`);
    }).catch(() => undefined);

    // Masked at capture time: nothing has been sent yet, the mask already ran.
    assert.equal(server.requests.length, 0);
    assert.ok(maskCalls > 0, 'the mask ran before anything was queued or sent');

    await drain();
    assertNoInvalidBatch(server);
    const bodies = everyBodyText(server);
    assert.ok(bodies.includes('[email]') && bodies.includes('[card]'), 'masked values were sent');
    assert.equal(bodies.includes(EMAIL), false, 'an email appears in a request body');
    assert.equal(bodies.includes(CARD), false, 'a card number appears in a request body');
    assert.equal(bodies.includes(CARD_DIGITS), false, 'a card number appears in a request body');
  });

  it('a throwing mask hides the value instead of leaking it, and never reaches user code', async () => {
    const EMAIL = `grace.${randomUUID().slice(0, 8)}@example.com`;
    init({
      apiKey: server.apiKey,
      endpoint: server.url,
      flushIntervalMs: 60_000,
      mask: () => {
        throw new Error('mask bug');
      },
    });
    const result = await trace(async function agent(email: string) {
      logEvent('seen', { email });
      return email;
    })(EMAIL);
    assert.equal(result, EMAIL);
    await drain();
    assertNoInvalidBatch(server);
    assert.equal(everyBodyText(server).includes(EMAIL), false);
  });
});
