// The stand-in prompts endpoint and the prompt-link rules at ingest, tested with plain
// fetch against PROTOCOL.md "Prompts".

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';

import { PROMPT_FIXTURE_IDS, startIngestServer, type IngestServer } from './ingest-server.js';

const NOW = '2025-05-01T12:00:00.000Z';
let server: IngestServer;

async function post(url: string, body: unknown, authorization = `Bearer ${server.apiKey}`): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

const resolve = (body: unknown, authorization?: string) => post(server.promptsUrl, body, authorization);

before(async () => {
  server = await startIngestServer();
});
after(() => server.close());
beforeEach(() => server.reset());

describe('prompts endpoint: resolve', () => {
  it('resolves the prod label by default, another label, and a pinned version that wins over the label', async () => {
    const byDefault = await resolve({ slug: 'support-reply' });
    assert.equal(byDefault.status, 200);
    const v = byDefault.json.prompt_version;
    assert.equal(v.id, PROMPT_FIXTURE_IDS.supportReplyV1);
    assert.equal(v.version_number, 1);
    assert.equal(v.prompt_id, PROMPT_FIXTURE_IDS.supportReply);
    assert.equal(v.content_hash, createHash('sha256').update(v.content).digest('hex'));
    assert.deepEqual([v.model, v.temperature, v.max_tokens, v.variables], [null, null, null, []]);
    assert.equal((await resolve({ slug: 'support-reply', label: 'staging' })).json.prompt_version.id, PROMPT_FIXTURE_IDS.supportReplyV2);
    assert.equal((await resolve({ slug: 'support-reply', label: 'staging', version: 1 })).json.prompt_version.id, PROMPT_FIXTURE_IDS.supportReplyV1);
  });

  it('matches a slug exactly (trimmed) or a name ignoring case; labels are case-sensitive', async () => {
    assert.equal((await resolve({ slug: '  support-reply ' })).status, 200);
    assert.equal((await resolve({ name: 'support reply' })).status, 200);
    assert.deepEqual(await resolve({ slug: 'support-reply', label: 'Prod' }), { status: 404, json: { error: 'Prompt not found' } });
    assert.deepEqual(await resolve({ slug: 'nope' }), { status: 404, json: { error: 'Prompt not found' } });
    assert.deepEqual(await resolve({ slug: 'support-reply', version: 9 }), { status: 404, json: { error: 'Prompt not found' } });
  });

  it('refuses version: null, bad bodies and missing slugs with 400, an int32 overflow with 500', async () => {
    assert.deepEqual(await resolve({ slug: 'support-reply', version: null }), { status: 400, json: { error: 'version must be an integer' } });
    assert.deepEqual(await resolve({ slug: 'support-reply', version: 1.5 }), { status: 400, json: { error: 'version must be an integer' } });
    assert.deepEqual(await resolve('{'), { status: 400, json: { error: 'Invalid JSON body' } });
    assert.deepEqual(await resolve([1]), { status: 400, json: { error: 'JSON body must be an object' } });
    assert.deepEqual(await resolve({ slug: ' ' }), { status: 400, json: { error: 'slug is required' } });
    assert.equal((await resolve({ slug: 'support-reply', version: 2 ** 31 })).status, 500);
  });

  it('answers 401 without a valid key, 404 off the resolve path, 405 for GET', async () => {
    assert.deepEqual(await resolve({ slug: 'support-reply' }, 'Basic x'), { status: 401, json: { error: 'Missing or invalid authorization header' } });
    assert.deepEqual(await resolve({ slug: 'support-reply' }, 'Bearer wrong'), { status: 401, json: { error: 'Invalid or revoked API key' } });
    assert.equal((await post(server.promptsUrl.replace('/resolve', '/list'), {})).status, 404);
    assert.equal((await fetch(server.promptsUrl)).status, 405);
    assert.equal(server.promptRequests.length, 4);
    assert.equal(server.requests.length, 0, 'prompt requests are not in the ingest log');
  });

  it('sees a moved label on the next resolve', async () => {
    server.prompts.prompt('support-reply').labels.set('prod', 2);
    assert.equal((await resolve({ slug: 'support-reply' })).json.prompt_version.version_number, 2);
  });
});

describe('ingest: prompt_links', () => {
  function batch(link: Record<string, unknown>) {
    const session = { id: randomUUID(), created_at: NOW };
    const run = { id: randomUUID(), session_id: session.id, name: 'agent', started_at: NOW, status: 'ok' };
    const span = { id: randomUUID(), run_id: run.id, kind: 'model', name: 'llm', started_at: NOW, status: 'ok' };
    return { session, run, span, body: (l: Record<string, unknown>) => ({ schema_version: 2, sessions: [session], runs: [run], spans: [span], prompt_links: [{ trace_id: run.id, span_id: span.id, prompt_version_id: PROMPT_FIXTURE_IDS.supportReplyV1, ...l }] }), link };
  }

  it('stores one link per (span_id, prompt_version_id); a re-send replaces variable_values', async () => {
    const b = batch({});
    assert.equal((await post(server.url, b.body({ variable_values: { a: 1 } }))).status, 200);
    assert.equal((await post(server.url, b.body({ variable_values: { a: 2 } }))).status, 200);
    assert.deepEqual(server.promptLinks.map((l) => l.variable_values), [{ a: 2 }]);
  });

  it('refuses an unknown version or span with 400, a trace_id that is not the span run or a null variable_values with 500', async () => {
    const b = batch({});
    assert.equal((await post(server.url, b.body({ prompt_version_id: randomUUID() }))).status, 400);
    assert.equal((await post(server.url, b.body({ span_id: randomUUID() }))).status, 400);
    assert.equal((await post(server.url, b.body({ trace_id: randomUUID() }))).status, 500);
    assert.equal((await post(server.url, b.body({ variable_values: null }))).status, 500);
    assert.equal(server.promptLinks.length, 0);
    assert.equal(server.runs.size, 0, 'a refused batch stores nothing');
  });
});
