// Deno (installed from npm as the `deno` package), without --allow-env: every option
// passed to init() works although reading NORTHSTAR_* variables is not permitted (Deno
// throws NotCapable there); delivery and context across await work.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoRejections, runNamed, spansOf } from '../tracing/ingest-harness.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const deno = join(root, 'node_modules/.bin/deno');
const skip = existsSync(deno) ? false : 'deno is not installed (npm install --save-dev deno): the Deno runtime checks are skipped';
// Inside the repository, so Deno resolves `ky` and the price table from its node_modules.
const work = join(root, 'build/runtime-deno');

let server: IngestServer;
before(async () => {
  if (skip) return;
  server = await startIngestServer();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, 'main.mjs'),
    `
import { init, flush, trace, span } from ${JSON.stringify(`${root}dist/esm/src/index.js`)};
const [apiKey, endpoint] = Deno.args;
init({ apiKey, endpoint, project: 'deno' });
await trace('deno-run', async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  await span('after-await', async () => 1);
});
console.log(JSON.stringify({ flushed: await flush({ timeoutMs: 10000 }) }));
`,
  );
});
after(() => server?.close());

describe('Deno', { skip }, () => {
  it('without --allow-env: init() with every option works, delivers, context follows await', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(deno, ['run', '--allow-read', '--allow-net', join(work, 'main.mjs'), server.apiKey, server.url], { cwd: work, timeout: 120_000 }, (error, out, err) =>
        error ? reject(new Error(`${String(error)}\n${err}`)) : resolve(out),
      );
    });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), { flushed: true });
    assertNoRejections(server);
    const run = runNamed(server, 'deno-run');
    assert.equal(run.metadata.project, 'deno');
    assert.deepEqual(spansOf(server, run.id).map((s: { name: string }) => s.name), ['after-await']);
  });
});
