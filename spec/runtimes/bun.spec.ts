// Bun (installed from npm as the `bun` package): TypeScript source with standard
// decorators, run by Bun itself, delivers with context across await, and parameter
// names are read from Bun's output (`async[(_dec = [...], "searchDocs")](query, limit = 3)`).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoRejections, eventsOf, runNamed, spansOf } from '../tracing/ingest-harness.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bun = join(root, 'node_modules/.bin/bun');
const skip = existsSync(bun) ? false : 'bun is not installed (npm install --save-dev bun): the Bun runtime checks are skipped';
const work = join(root, 'build/runtime-bun');

const AGENT = `
import { init, flush, logMetric } from ${JSON.stringify(`${root}dist/esm/src/index.js`)};
import { Tool, Trace } from ${JSON.stringify(`${root}dist/esm/decorators/index.js`)};
init({ apiKey: process.env.KEY, endpoint: process.env.ENDPOINT });
class Agent {
  @Tool()
  async searchDocs(query: string, limit = 3) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    logMetric('docs', limit);
    return [query];
  }
  @Trace()
  async answer(question: string) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return this.searchDocs(question);
  }
}
await new Agent().answer('reset password');
console.log(JSON.stringify({ flushed: await flush({ timeoutMs: 10000 }) }));
`;

let server: IngestServer;
before(async () => {
  if (skip) return;
  server = await startIngestServer();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'agent.ts'), AGENT);
  writeFileSync(join(work, 'tsconfig.json'), '{ "compilerOptions": { "target": "ES2022", "experimentalDecorators": false } }\n');
});
after(() => server?.close());

describe('Bun', { skip }, () => {
  it('standard decorators in TypeScript source: delivered, context across await, parameter names right', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(bun, [join(work, 'agent.ts')], { cwd: work, env: { ...process.env, KEY: server.apiKey, ENDPOINT: server.url }, timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${String(error)}\n${err}`)) : resolve(out),
      );
    });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), { flushed: true });
    assertNoRejections(server);
    const run = runNamed(server, 'answer');
    const span = spansOf(server, run.id).find((s: { name: string }) => s.name === 'searchDocs');
    assert.ok(span, 'the tool span is a child of the run (context followed the await)');
    const args = eventsOf(server, run.id, span.id).find((e: { type: string }) => e.type === 'tool_arguments');
    assert.deepEqual(args.content, { query: 'reset password' });
  });
});
