// A background refresh of a stale prompt never keeps a finished process alive: a child
// script pulls a prompt, lets the cached entry go stale, pulls again (a refresh starts in
// the background, and the server never answers it), then ends; it must exit on its own.
// The scripts import the built package (dist/, built by `npm test` first).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

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
/**
 * Generous: the point is "exits by itself", not how fast. It stays under the 10 s a
 * prompt request waits for an answer, so a child held open by its refresh is caught.
 */
const EXIT_LIMIT_MS = 8000;

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

let server: IngestServer;
before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/esm/src/index.js')), 'build the package first (npm test does)');
  server = await startIngestServer();
});
afterEach(() => server.reset());
after(() => server.close());

/** Resolves when `check` holds, polling (the child is gone; its last request may still be in the server's hands). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await delay(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('a script whose pulled prompt went stale', () => {
  for (const script of ['prompt-refresh-exit.mjs', 'prompt-refresh-exit.cjs']) {
    it(`exits on its own while the background refresh is unanswered (${script.endsWith('.cjs') ? 'CommonJS' : 'ESM'})`, async () => {
      // The first pull is answered; the refresh the second one starts hangs.
      server.promptFaults.passNext(1);
      server.promptFaults.hangNext(1);
      const result = await runScript(script, {
        NORTHSTAR_API_KEY: server.apiKey,
        NORTHSTAR_ENDPOINT: server.url,
        NORTHSTAR_PROMPTS_ENDPOINT: server.promptsUrl,
      });
      assert.equal(result.killed, false, `the script did not exit within ${EXIT_LIMIT_MS} ms: its refresh kept it alive`);
      assert.equal(result.stderr, '', 'nothing on stderr (no warning, no unhandled rejection)');
      assert.equal(result.code, 0);
      assert.equal(result.stdout, 'pulled v1, stale copy served: true\n');
      // The refresh did go out: the process exited with it in flight.
      await eventually(() => server.promptRequests.length === 2, 'the refresh request');
      assert.equal(server.promptRequests[1]!.error, 'fault: hanging');
    });
  }
});
