// Process life (issue 5, section 2): real child processes run scripts against the built
// package (`dist/esm`, built by `npm test` first). A script that ends delivers everything,
// a service on SIGTERM with the documented shutdown loses nothing, an idle process exits
// at once, a serverless handler that awaits flush() loses nothing when frozen right after;
// and none of them prints an unhandled rejection or a warning.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertCleanExit, type Exit, killRunningChildren, launchNode } from '../support/child-process.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

/** The repository root: the first ancestor of this file (or the cwd) holding the child scripts. */
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'spec/support/child-scripts')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
const ROOT = repoRoot();
const script = (name: string): string => join(ROOT, 'spec/support/child-scripts', name);

/** Starts a script with the server in its environment; `onStdout` sees the output so far. */
function launch(name: string, env: Record<string, string>, onStdout?: (text: string, child: ChildProcess) => void): Promise<Exit> {
  return launchNode([script(name)], env, { cwd: ROOT, label: name, timeoutMs: 20_000, onStdout });
}

let server: IngestServer;
let env: Record<string, string>;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/esm/src/index.js')), 'the package is built (npm test builds it; or run node scripts/build.mjs)');
  server = await startIngestServer();
  env = { NS_KEY: server.apiKey, NS_URL: server.url };
});
afterEach(() => {
  killRunningChildren();
  server.reset();
});
after(() => server.close());

describe('process life', () => {
  it('a script that finishes normally delivers everything before exiting', async () => {
    const exit = await launch('reliability-normal-exit.mjs', { ...env, NS_TRACES: '50' });
    assertCleanExit(exit);
    assert.equal(server.runs.size, 50);
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok'));
    assert.equal(server.spans.size, 50);
    assert.equal([...server.events.values()].filter((e) => e.type === 'custom').length, 50);
  });

  it('a script that finishes while the server is unreachable still exits promptly and quietly', async () => {
    const unreachable = await startIngestServer();
    const url = unreachable.url;
    await unreachable.close();
    // The exit flush keeps retrying for exitFlushTimeoutMs (issue 10; 10 s by default): set short here.
    const exit = await launch('reliability-normal-exit.mjs', { NS_KEY: 'k', NS_URL: url, NS_TRACES: '5', NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS: '300' });
    assertCleanExit(exit);
  });

  it('a service receiving SIGTERM that calls the documented shutdown loses nothing', async () => {
    let signalled = false;
    let requestsAtReady = -1;
    const exit = await launch('reliability-sigterm.mjs', { ...env, NS_TRACES: '30' }, (stdout, child) => {
      if (!signalled && stdout.includes('ready')) {
        signalled = true;
        requestsAtReady = server.requests.length;
        child.kill('SIGTERM');
      }
    });
    assertCleanExit(exit);
    assert.ok(signalled);
    assert.equal(requestsAtReady, 0, 'nothing was sent before SIGTERM (long interval, big batch): shutdown delivered it all');
    assert.equal(server.runs.size, 30);
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok' && r.ended_at));
    assert.equal(server.spans.size, 30);
    const [session] = [...server.sessions.values()];
    assert.ok(session.ended_at, 'shutdown ended the session');
  });

  it('a process that traced nothing exits at once and sends nothing', async () => {
    const exit = await launch('reliability-idle.mjs', env);
    assertCleanExit(exit);
    assert.equal(server.requests.length, 0);
  });

  it('a serverless handler that awaits flush() before returning loses nothing when the process is frozen right after', async () => {
    const exit = await launch('reliability-serverless.mjs', { ...env, NS_TRACES: '3' });
    assertCleanExit(exit);
    assert.equal(server.runs.size, 3);
    assert.deepEqual(
      [...server.events.values()].filter((e) => e.type === 'final_response').map((e) => e.content.echoed).sort(),
      [0, 1, 2],
    );
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok'));
  });
});
