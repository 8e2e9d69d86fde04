// Cloudflare Workers (the `workerd` runtime, installed from npm as the `workerd` package):
// the SDK bundled with esbuild into a Worker module, served by `workerd serve` and
// delivering to the ingest server on 127.0.0.1 through `ctx.waitUntil(flush())`. At a
// recent compatibility date with `nodejs_compat` context follows `await` (the global
// `AsyncLocalStorage`); at an old date without flags the bundle loads and delivers, and
// only the synchronous part of a trace is attached (the README's runtime table).

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoRejections, delay, eventsOf, only, runNamed, spansOf } from '../tracing/ingest-harness.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const workerd = join(root, 'node_modules/.bin/workerd');
/** The workerd binary answers `--version` (the npm package ships it in an optional per-platform package). */
function runs(): boolean {
  try {
    execFileSync(workerd, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
const skip =
  existsSync(workerd) && runs()
    ? false
    : 'workerd is not installed or its platform binary is missing (npm install --save-dev workerd): the Cloudflare Workers checks are skipped';
const work = join(root, 'build/runtime-workerd');

// The Worker: init() from the bindings, a run with an event, a child span around an
// awaited step, a span after the await, then flush() handed to ctx.waitUntil. The
// response reports what the handler saw, and whether flush() resolved (and to what) or
// rejected, through a second request.
const WORKER = `
import { init, trace, span, logEvent, flush } from ${JSON.stringify(`${root}dist/esm/src/index.js`)};
let flushed = 'pending';
let initialised = false;
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/flushed') return new Response(JSON.stringify({ flushed }));
    if (!initialised) {
      init({ apiKey: env.NORTHSTAR_API_KEY, endpoint: env.NORTHSTAR_ENDPOINT, project: 'workerd' });
      initialised = true;
    }
    const name = url.searchParams.get('run');
    const reply = await trace(async (question) => {
      logEvent('received', { question });
      const answer = await span('retrieve', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await span('rank', async () => 1);
        return 'docs';
      });
      await span('after-await', async () => 2);
      return answer;
    }, { name })('reset password');
    flushed = 'pending';
    ctx.waitUntil(flush({ timeoutMs: 5000 }).then((ok) => { flushed = ok; }, (error) => { flushed = 'rejected: ' + String(error); }));
    return new Response(JSON.stringify({ reply }), { headers: { 'content-type': 'application/json' } });
  },
};
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function capnp(port: number, compatibilityDate: string, flags: string[]): string {
  const text = (name: string, value: string) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`;
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # workerd's default outbound blocks private addresses; the ingest server is on loopback.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = [${flags.map((f) => JSON.stringify(f)).join(', ')}],
  globalOutbound = "internet",
  bindings = [
    ${text('NORTHSTAR_API_KEY', server.apiKey)},
    ${text('NORTHSTAR_ENDPOINT', server.url)},
  ],
);
`;
}

let server: IngestServer;
let bundle: string;
const children: ChildProcess[] = [];

before(async () => {
  if (skip) return;
  server = await startIngestServer();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: WORKER, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
});
after(() => {
  for (const child of children) child.kill('SIGKILL');
  server?.close();
});

/** Starts `workerd serve` on a free loopback port with the Worker at `compatibilityDate`; resolves its base URL once it answers. */
async function serveWorker(label: string, compatibilityDate: string, flags: string[]): Promise<{ base: string; output: () => string }> {
  const dir = join(work, label);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'worker.mjs'), bundle);
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), capnp(port, compatibilityDate, flags));
  const child = spawn(workerd, ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (exited !== undefined) throw new Error(`workerd exited (${exited}):\n${output}`);
    try {
      const response = await fetch(`${base}/flushed`);
      if (response.ok) {
        await response.text();
        return { base, output: () => output };
      }
    } catch {
      // Not listening yet.
    }
    await delay(50);
  }
  throw new Error(`workerd did not answer on ${base}:\n${output}`);
}

/** Polls the Worker until its waitUntil'd flush() settled; returns what it settled to. */
async function flushedIn(base: string, output: () => string): Promise<unknown> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { flushed } = (await (await fetch(`${base}/flushed`)).json()) as { flushed: unknown };
    if (flushed !== 'pending') return flushed;
    await delay(50);
  }
  throw new Error(`flush() did not settle in the Worker:\n${output()}`);
}

describe('workerd (Cloudflare Workers)', { skip }, () => {
  it('recent compatibility date with nodejs_compat: init() from bindings, delivers through ctx.waitUntil(flush()), context follows await', async () => {
    server.reset();
    const { base, output } = await serveWorker('recent', '2026-11-01', ['nodejs_compat']);
    const response = await fetch(`${base}/?run=worker-run`);
    assert.equal(response.status, 200, output());
    assert.deepEqual(await response.json(), { reply: 'docs' });
    assert.equal(await flushedIn(base, output), true, output());
    assertNoRejections(server);

    const run = runNamed(server, 'worker-run');
    assert.equal(run.metadata.project, 'workerd');
    assert.equal(run.status, 'ok');
    const spans = spansOf(server, run.id);
    assert.deepEqual(spans.map((s: { name: string }) => s.name).sort(), ['after-await', 'rank', 'retrieve']);
    const retrieve = only(spans.filter((s: { name: string }) => s.name === 'retrieve'));
    const rank = only(spans.filter((s: { name: string }) => s.name === 'rank'));
    const afterAwait = only(spans.filter((s: { name: string }) => s.name === 'after-await'));
    // The child span is nested under the run; the step awaited inside it under the child.
    assert.equal(retrieve.parent_span_id ?? null, null);
    assert.equal(rank.parent_span_id, retrieve.id);
    assert.equal(afterAwait.parent_span_id ?? null, null);
    for (const s of spans) assert.equal(s.status, 'ok', `span ${s.name}`);
    for (const s of spans) assert.equal(s.run_id, run.id);
    const events = eventsOf(server, run.id);
    const received = only(events.filter((e: { type: string }) => e.type === 'custom'), 'custom event');
    assert.deepEqual(received.content, { name: 'received', data: { question: 'reset password' } });
    assert.equal(received.span_id, undefined);
    assert.ok(events.some((e: { type: string; span_id?: string }) => e.type === 'user_input' && e.span_id === undefined), 'the run input is recorded');
    assert.doesNotMatch(output(), /Uncaught|unhandled|rejection/i);
  });

  it('old compatibility date (2023-01-01, no flags): loads and delivers, the synchronous part of a trace is attached', async () => {
    server.reset();
    const { base, output } = await serveWorker('old', '2023-01-01', []);
    const response = await fetch(`${base}/?run=worker-old`);
    assert.equal(response.status, 200, output());
    assert.deepEqual(await response.json(), { reply: 'docs' });
    assert.equal(await flushedIn(base, output), true, output());
    assertNoRejections(server);

    const run = runNamed(server, 'worker-old');
    assert.equal(run.metadata.project, 'workerd');
    // Started before the first await: attached to the run.
    const retrieve = only(spansOf(server, run.id).filter((s: { name: string }) => s.name === 'retrieve'));
    assert.equal(retrieve.parent_span_id ?? null, null);
    const received = only(eventsOf(server, run.id).filter((e: { type: string }) => e.type === 'custom'), 'custom event');
    assert.deepEqual(received.content, { name: 'received', data: { question: 'reset password' } });
    assert.doesNotMatch(output(), /Uncaught|unhandled|rejection/i);
  });
});
