// pullPrompt against the protocol-enforcing prompts endpoint on 127.0.0.1: labels,
// versions, the default label, the cache (one request for N pulls, TTL refresh in the
// background), fallback when the endpoint fails (reported, not thrown), typed errors.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { getClient, isNorthstarError, isNorthstarPromptError, Northstar, NorthstarConfigError, NorthstarPromptError, pullPrompt } from '../../src/index.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { PROMPT_FIXTURE_IDS } from '../support/ingest-server.js';
import { createHarness, delay, type Harness } from '../tracing/ingest-harness.js';

let h: Harness;

before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

/** Resolves when `check` holds, polling (the background refresh has no promise to await). */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await delay(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function rejection(promise: Promise<unknown>): Promise<NorthstarPromptError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof NorthstarPromptError, `expected a NorthstarPromptError, got ${String(error)}`);
    return error;
  }
  return assert.fail('expected a rejection');
}

describe('pullPrompt: resolving', () => {
  it('pulls the prod label by default, a named label, and a pinned version (sent without a label)', async () => {
    h.start();
    const prod = await pullPrompt('support-reply');
    assert.equal(prod.id, PROMPT_FIXTURE_IDS.supportReplyV1);
    assert.equal(prod.version, 1);
    assert.equal(prod.promptId, PROMPT_FIXTURE_IDS.supportReply);
    assert.equal(prod.label, 'prod');
    assert.equal(prod.source, 'server');
    assert.match(prod.contentHash!, /^[0-9a-f]{64}$/);
    assert.deepEqual([prod.model, prod.temperature, prod.maxTokens], [null, null, null]);

    const staging = await pullPrompt('support-reply', { label: 'staging' });
    assert.equal(staging.id, PROMPT_FIXTURE_IDS.supportReplyV2);
    assert.deepEqual([staging.model, staging.temperature, staging.maxTokens], ['gpt-4o-mini', 0.2, 400]);
    assert.deepEqual(staging.variables.map((v) => v.name), ['customer', 'topic', 'answer', 'tone']);

    const pinned = await pullPrompt('support-reply', { version: 2, label: 'prod' });
    assert.equal(pinned.version, 2);
    assert.deepEqual(
      h.server.promptRequests.map((r) => r.body),
      [{ slug: 'support-reply', label: 'prod' }, { slug: 'support-reply', label: 'staging' }, { slug: 'support-reply', version: 2 }],
      'version is left out when not pinning, and pinning sends no label',
    );
    assert.deepEqual(h.server.promptRequests.map((r) => r.status), [200, 200, 200]);
  });

  it('is a method of a Northstar client too, with the prompts URL derived from an ingest endpoint', async () => {
    const client = new Northstar({ apiKey: h.server.apiKey, endpoint: h.server.url, flushIntervalMs: 60_000 });
    assert.equal(client.config.promptsEndpoint, h.server.promptsUrl);
    const chat = await client.pullPrompt('Triage Chat');
    assert.equal(chat.id, PROMPT_FIXTURE_IDS.triageChatV1);
    await client.shutdown();
  });

  it('derives the prompts URL from a projectId; takes promptsEndpoint or NORTHSTAR_PROMPTS_ENDPOINT for other endpoints', () => {
    assert.equal(resolveConfig({ apiKey: 'k', projectId: 'abcd1234' }, {}).promptsEndpoint, 'https://abcd1234.supabase.co/functions/v1/prompts/resolve');
    assert.equal(resolveConfig({ apiKey: 'k', endpoint: 'https://ns.example.com/ingest' }, {}).promptsEndpoint, undefined);
    assert.equal(
      resolveConfig({ apiKey: 'k', endpoint: 'https://ns.example.com/ingest' }, { NORTHSTAR_PROMPTS_ENDPOINT: 'https://ns.example.com/prompts/' }).promptsEndpoint,
      'https://ns.example.com/prompts',
    );
    assert.throws(() => resolveConfig({ promptsEndpoint: 'ftp://x' }, {}), NorthstarConfigError);
    assert.throws(() => resolveConfig({ keepRuns: -1 }, {}), /keepRuns/);
  });

  it('rejects with a typed error naming slug, label and reason: not_found, unauthorized, invalid', async () => {
    h.start();
    const missing = await rejection(pullPrompt('no-such-prompt', { label: 'staging' }));
    assert.deepEqual([missing.reason, missing.slug, missing.label, missing.status], ['not_found', 'no-such-prompt', 'staging', 404]);
    assert.match(missing.message, /no-such-prompt.*staging.*Prompt not found/);
    assert.ok(isNorthstarError(missing) && isNorthstarPromptError(missing));
    assert.equal((await rejection(pullPrompt('support-reply', { label: 'Prod' }))).reason, 'not_found', 'labels are case-sensitive');
    assert.equal((await rejection(pullPrompt(' '))).reason, 'invalid');
    assert.equal((await rejection(pullPrompt('support-reply', { version: 0 }))).reason, 'invalid');
    assert.equal(h.server.promptRequests.length, 2, 'bad arguments never reach the server');

    h.start({ apiKey: 'wrong-key' });
    const refused = await rejection(pullPrompt('support-reply'));
    assert.deepEqual([refused.reason, refused.status], ['unauthorized', 401]);
    assert.doesNotMatch(refused.message, /wrong-key/);
  });

  it('retries a transient failure quickly, but not a 404', async () => {
    h.start();
    h.server.promptFaults.failNext(1, 503);
    assert.equal((await pullPrompt('support-reply')).version, 1);
    assert.deepEqual(h.server.promptRequests.map((r) => r.status), [503, 200]);
    h.server.promptRequests.length = 0;
    await rejection(pullPrompt('gone'));
    assert.equal(h.server.promptRequests.length, 1);
  });

  it('rejects with unreachable when the endpoint keeps failing and nothing is cached', async () => {
    h.start();
    h.server.promptFaults.failNext(5, 500);
    const error = await rejection(pullPrompt('support-reply'));
    assert.equal(error.reason, 'unreachable');
    assert.equal(error.status, 500);
  });
});

describe('pullPrompt: compile of a pulled version', () => {
  it('reports extra variables in the debug log, never the API key', async () => {
    h.start({ debug: true });
    const lines: string[] = [];
    const original = console.warn;
    console.warn = (line: unknown) => void lines.push(String(line));
    try {
      const prompt = await pullPrompt('support-reply');
      assert.equal(prompt.compile({ customer: 'Ada', topic: 'x', surplus: 1 }).text, 'Hello Ada, thanks for asking about x.');
    } finally {
      console.warn = original;
    }
    assert.ok(lines.some((l) => /support-reply.*not in the template: surplus/.test(l)), lines.join('\n'));
    assert.ok(lines.every((l) => !l.includes(h.server.apiKey)));
  });
});

describe('pullPrompt: cache and fallback', () => {
  it('serves N pulls of the same prompt with one request, concurrent ones included', async () => {
    h.start();
    const versions = await Promise.all(Array.from({ length: 5 }, () => pullPrompt('support-reply')));
    for (let i = 0; i < 5; i++) await pullPrompt('support-reply');
    assert.equal(new Set(versions).size, 1);
    assert.equal(h.server.promptRequests.length, 1);
    await pullPrompt('support-reply', { label: 'staging' });
    assert.equal(h.server.promptRequests.length, 2, 'another label is another cache entry');
  });

  it('returns a stale version at once and refreshes it in the background, seeing a moved label', async () => {
    h.start();
    assert.equal((await pullPrompt('support-reply', { cacheTtlMs: 0 })).version, 1);
    h.server.prompts.prompt('support-reply').labels.set('prod', 2);
    const stale = await pullPrompt('support-reply', { cacheTtlMs: 0 });
    assert.equal(stale.version, 1, 'the stale entry is returned without waiting');
    // Within the default TTL the refreshed entry is fresh: these pulls make no request.
    await eventually(async () => (await pullPrompt('support-reply')).version === 2, 'the refreshed version');
    assert.equal(h.server.promptRequests.length, 2, 'one background refresh');
  });

  it('keeps serving the cached version when the refresh fails, and reports the failure', async () => {
    h.start();
    await pullPrompt('support-reply', { cacheTtlMs: 0 });
    h.server.promptFaults.failNext(10, 503);
    const cached = await pullPrompt('support-reply', { cacheTtlMs: 0 });
    assert.equal(cached.version, 1);
    await eventually(() => h.diagnostics.some((d) => d.kind === 'prompt'), 'the failure report');
    const report = h.diagnostics.find((d) => d.kind === 'prompt')!;
    assert.match(report.message, /support-reply.*503.*keeping the cached version/);
    assert.ok(isNorthstarPromptError(report.error));
  });

  it('uses the fallback when the endpoint fails and nothing is cached, reporting it; never throws', async () => {
    h.start();
    h.server.promptFaults.resetNext(10);
    const fallback = await pullPrompt('support-reply', { fallback: 'Hello {{ customer }}!' });
    assert.equal(fallback.source, 'fallback');
    assert.equal(fallback.id, undefined);
    assert.equal(fallback.compile({ customer: 'Ada' }).text, 'Hello Ada!');
    assert.equal(h.diagnostics.length, 1);
    assert.equal(h.diagnostics[0]!.kind, 'prompt');
    assert.match(h.diagnostics[0]!.message, /unreachable|ECONNRESET|fetch failed|using the fallback/);
    h.server.promptFaults.clear();
    assert.equal((await pullPrompt('support-reply', { fallback: 'x' })).source, 'server', 'a fallback is not cached');
  });

  it('a disabled SDK uses the fallback, or rejects with reason disabled', async () => {
    h.start({ apiKey: '', enabled: false });
    assert.equal(getClient()?.enabled, false);
    const fallback = await pullPrompt('support-reply', { fallback: { content: 'Hi {name}', id: PROMPT_FIXTURE_IDS.supportReplyV1, version: 1 } });
    assert.deepEqual([fallback.source, fallback.id, fallback.version], ['fallback', PROMPT_FIXTURE_IDS.supportReplyV1, 1]);
    const error = await rejection(pullPrompt('support-reply'));
    assert.equal(error.reason, 'disabled');
    assert.equal(h.server.promptRequests.length, 0);
  });

  it('an endpoint the prompts URL cannot be derived from rejects with disabled, naming promptsEndpoint', async () => {
    const client = new Northstar({ apiKey: 'k', endpoint: 'http://127.0.0.1:9/custom-ingest' });
    const error = await rejection(client.pullPrompt('support-reply'));
    assert.equal(error.reason, 'disabled');
    assert.match(error.message, /promptsEndpoint/);
    await client.shutdown();
  });
});
