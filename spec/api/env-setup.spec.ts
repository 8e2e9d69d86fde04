// Setup from the environment alone, and the one stderr line when tracing was asked for
// but cannot start. Each case runs in a fresh Node process (init() never called there).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoRejections } from '../tracing/ingest-harness.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));

const SCRIPT = `
const ns = await import(process.argv[1]);
if (process.argv[2] === 'init') ns.init(JSON.parse(process.argv[3]));
const answer = ns.trace(async function envRun(x) { return x * 2; });
await answer(1);
await answer(2);
ns.span('outside-1', () => 1);
ns.span('outside-2', () => 1);
ns.score(undefined, 'q', 1);
console.log(JSON.stringify({ flushed: await ns.flush({ timeoutMs: 5000 }) }));
`;

interface Outcome {
  flushed: boolean;
  stderr: string;
}

function run(env: Record<string, string>, init?: object): Promise<Outcome> {
  const clean: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(clean)) if (key.startsWith('NORTHSTAR_')) delete clean[key];
  const args = ['--input-type=module', '-e', SCRIPT, entry, ...(init ? ['init', JSON.stringify(init)] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...clean, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${String(error)}\n${stderr}`));
      resolve({ ...(JSON.parse(stdout.trim().split('\n').pop()!) as { flushed: boolean }), stderr });
    });
  });
}

let server: IngestServer;
before(async () => {
  server = await startIngestServer();
});
after(() => server.close());

describe('setup from the environment alone', () => {
  it('NORTHSTAR_API_KEY + NORTHSTAR_ENDPOINT without init(): the first traced call sets the SDK up', async () => {
    server.reset();
    const outcome = await run({ NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url });
    assert.equal(outcome.flushed, true);
    assertNoRejections(server);
    const runs = [...server.runs.values()].filter((r) => r.name === 'envRun');
    assert.equal(runs.length, 2);
    assert.equal(outcome.stderr, '');
  });

  it('NORTHSTAR_ENABLED=false still wins, silently', async () => {
    server.reset();
    const outcome = await run({ NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, NORTHSTAR_ENABLED: 'false' });
    assert.equal(outcome.flushed, true);
    assert.equal(server.requests.length, 0);
    assert.equal(outcome.stderr, '');
  });

  it('nothing configured: silent, and flush() resolves true', async () => {
    const outcome = await run({});
    assert.equal(outcome.flushed, true);
    assert.equal(outcome.stderr, '');
  });

  it('a key without an endpoint or project id in the environment: one stderr line naming what is missing', async () => {
    const outcome = await run({ NORTHSTAR_API_KEY: 'k' });
    assert.equal(outcome.flushed, false);
    const lines = outcome.stderr.trim().split('\n');
    assert.equal(lines.length, 1, outcome.stderr);
    assert.match(lines[0]!, /^\[northstar-ai\] tracing is off: NORTHSTAR_API_KEY is set but no project id or endpoint .*NORTHSTAR_PROJECT_ID or NORTHSTAR_ENDPOINT/);
    assert.ok(!outcome.stderr.includes("'k'"));
  });

  it('an endpoint without a key in the environment: one line saying the key is missing and where it comes from', async () => {
    const outcome = await run({ NORTHSTAR_ENDPOINT: server.url });
    assert.equal(outcome.flushed, false);
    assert.match(outcome.stderr, /^\[northstar-ai\] tracing is off: NORTHSTAR_ENDPOINT is set but no API key .*Project settings → API keys/);
    assert.equal(outcome.stderr.trim().split('\n').length, 1);
  });

  it('init() with a key but no endpoint says so once; init() with an endpoint but no key too', async () => {
    const keyOnly = await run({}, { apiKey: 'k' });
    assert.equal(keyOnly.flushed, false);
    assert.match(keyOnly.stderr, /^\[northstar-ai\] tracing is off: apiKey is given but no project id or endpoint/);
    assert.equal(keyOnly.stderr.trim().split('\n').length, 1);
    const endpointOnly = await run({}, { endpoint: server.url });
    assert.match(endpointOnly.stderr, /tracing is off: an endpoint\/projectId is given but no API key/);
  });

  it('an invalid environment variable turns tracing off with one line, never an error in the traced call', async () => {
    const outcome = await run({ NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, NORTHSTAR_DEBUG: 'maybe' });
    assert.match(outcome.stderr, /tracing is off: .*NORTHSTAR_DEBUG="maybe" is not a boolean/);
  });

  it('debug mode: a span called outside any trace is pointed out once', async () => {
    server.reset();
    const outcome = await run({ NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, NORTHSTAR_DEBUG: '1' });
    const notes = outcome.stderr.split('\n').filter((l) => l.includes('outside any trace'));
    assert.equal(notes.length, 1, outcome.stderr);
    assert.match(notes[0]!, /span\(\) "outside-1" was called outside any trace/);
    assert.match(outcome.stderr, /score: traceId must be a trace id .*outside a trace.*dropped/);
  });
});
