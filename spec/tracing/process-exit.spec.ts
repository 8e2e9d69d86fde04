// Short scripts in child processes: a script that traces and simply ends delivers
// everything (the beforeExit hook); one that traces nothing exits at once; neither
// prints anything on stderr. The scripts import the built package (dist/).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startIngestServer, summarizeRejections, type IngestServer } from '../support/ingest-server.js';

/** The repository root: the nearest folder up whose package.json is this package's. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'northstar-ai') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
}

const ROOT = repoRoot();
const SCRIPTS = join(ROOT, 'spec/support/child-scripts');
/** Generous: the point is "exits by itself", not how fast. */
const EXIT_LIMIT_MS = 5000;

interface ChildResult {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a child script with only the NORTHSTAR_* variables given; kills it past the limit. */
function runScript(script: string, env: Record<string, string>): Promise<ChildResult> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('NORTHSTAR_') && !key.startsWith('NODE_TEST')) clean[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(SCRIPTS, script)], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, EXIT_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stdout, stderr });
    });
  });
}

function assertCleanExit(result: ChildResult): void {
  assert.equal(result.killed, false, `the script did not exit within ${EXIT_LIMIT_MS} ms`);
  assert.equal(result.stderr, '', 'nothing on stderr (no warning, no unhandled rejection)');
  assert.equal(result.code, 0);
}

let server: IngestServer;
before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/esm/src/index.js')), 'build the package first (npm test does)');
  server = await startIngestServer();
});
afterEach(() => server.reset());
after(() => server.close());

describe('a script that traces and ends without flushing', () => {
  it('delivers every record before it exits (ESM)', async () => {
    const result = await runScript('trace-and-exit.mjs', { NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, CHILD_RUNS: '3' });
    assertCleanExit(result);
    assert.equal(result.stdout, 'traced\n');
    assert.deepEqual(summarizeRejections(server), []);
    assert.equal(server.sessions.size, 1);
    assert.equal(server.runs.size, 3);
    for (const run of server.runs.values()) {
      assert.equal(run.status, 'ok');
      assert.equal(run.metadata.project, 'child-script');
    }
    assert.equal(server.spans.size, 3);
    for (const span of server.spans.values()) assert.equal(span.status, 'ok');
    // user_input, tool_result (the scoped span has no input), metric, final_response per run.
    assert.equal(server.events.size, 12);
  });

  it('delivers every record before it exits (CommonJS)', async () => {
    const result = await runScript('trace-and-exit.cjs', { NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url });
    assertCleanExit(result);
    assert.deepEqual(summarizeRejections(server), []);
    const run = [...server.runs.values()][0];
    assert.equal(server.runs.size, 1);
    assert.equal(run.status, 'ok');
    assert.equal(server.events.size, 2);
  });

  it('delivers a run bigger than one batch', async () => {
    const result = await runScript('trace-and-exit.mjs', {
      NORTHSTAR_API_KEY: server.apiKey,
      NORTHSTAR_ENDPOINT: server.url,
      CHILD_RUNS: '40',
    });
    assertCleanExit(result);
    assert.deepEqual(summarizeRejections(server), []);
    assert.equal(server.runs.size, 40);
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok'));
    assert.equal(server.events.size, 160);
  });

  it('exits, quietly, when the server cannot be reached', async () => {
    const gone = await startIngestServer();
    await gone.close();
    // The exit flush keeps retrying for exitFlushTimeoutMs (issue 10; 10 s by default): a short one here.
    const result = await runScript('trace-and-exit.mjs', { NORTHSTAR_API_KEY: 'k', NORTHSTAR_ENDPOINT: gone.url, NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS: '300' });
    assertCleanExit(result);
  });
});

describe('a script that traces nothing', () => {
  it('exits at once after init', async () => {
    const result = await runScript('idle-exit.mjs', { NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url });
    assertCleanExit(result);
    assert.equal(result.stdout, 'idle\n');
    assert.equal(server.requests.length, 0);
  });

  it('exits at once after a flush with nothing queued', async () => {
    const result = await runScript('idle-exit.mjs', { NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, CHILD_FLUSH: '1' });
    assertCleanExit(result);
    assert.equal(server.requests.length, 0);
  });

  it('exits at once when the SDK is disabled, with the traced function still working', async () => {
    for (const env of [{} as Record<string, string>, { NORTHSTAR_API_KEY: server.apiKey, NORTHSTAR_ENDPOINT: server.url, CHILD_ENABLED: '0' }]) {
      const result = await runScript('disabled-exit.mjs', env);
      assertCleanExit(result);
      assert.equal(result.stdout, '42\n');
    }
    assert.equal(server.requests.length, 0);
  });
});
