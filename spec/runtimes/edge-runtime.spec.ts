// Vercel Edge (the `edge-runtime` package's VM: no `process`, no `require`, no Node
// built-ins): the bundled SDK loads, delivers, and flush() resolves instead of
// rejecting. With a global AsyncLocalStorage (as Vercel provides) context follows
// `await`; without one it follows the synchronous flow only (documented fallback).

import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoRejections, runNamed, spansOf } from '../tracing/ingest-harness.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const require = createRequire(import.meta.url);

function available(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
const skip = available('edge-runtime') ? false : 'the edge-runtime package is not installed (npm install --save-dev edge-runtime)';

const ENTRY = `
import { init, trace, span, flush } from ${JSON.stringify(`${root}dist/esm/src/index.js`)};
globalThis.__northstarEdge = async (apiKey, endpoint, name) => {
  init({ apiKey, endpoint });
  await trace(name, async () => {
    span('before-await', () => 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await span('after-await', async () => 2);
    return 'ok';
  });
  return flush({ timeoutMs: 10000 });
};
globalThis.__northstarBadFlush = async () => {
  init({ apiKey: 'k', endpoint: 'http://127.0.0.1:1/nowhere', requestTimeoutMs: 200 });
  await trace('doomed', () => 1);
  return flush({ timeoutMs: 1000 });
};
`;

let server: IngestServer;
let bundle: string;
before(async () => {
  if (skip) return;
  server = await startIngestServer();
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
});
after(() => server?.close());

async function edgeVm(withAls: boolean) {
  const { EdgeRuntime } = (await import('edge-runtime')) as unknown as { EdgeRuntime: new (options?: object) => { evaluate<T>(code: string): T } };
  return new EdgeRuntime({
    extend: (context: Record<string, unknown>) => {
      if (withAls) context.AsyncLocalStorage = AsyncLocalStorage;
      // The VM's timers hold the test process open (an Edge function has no process to keep
      // alive); the test harness gives it timers that let the spec file exit.
      context.setTimeout = (fn: () => void, ms?: number) => setTimeout(fn, ms).unref();
      context.clearTimeout = (timer: NodeJS.Timeout | undefined) => clearTimeout(timer);
      return context;
    },
  });
}

describe('edge-runtime (Vercel Edge)', { skip }, () => {
  it('loads without process or Node built-ins and delivers; with a global AsyncLocalStorage context follows await', async () => {
    server.reset();
    const vm = await edgeVm(true);
    vm.evaluate(bundle);
    const delivered = await vm.evaluate<Promise<boolean>>(`__northstarEdge(${JSON.stringify(server.apiKey)}, ${JSON.stringify(server.url)}, 'edge-als')`);
    assert.equal(delivered, true);
    assertNoRejections(server);
    const run = runNamed(server, 'edge-als');
    assert.deepEqual(spansOf(server, run.id).map((s: { name: string }) => s.name).sort(), ['after-await', 'before-await']);
  });

  it('without AsyncLocalStorage: spans in the synchronous part are attached (documented fallback)', async () => {
    server.reset();
    const vm = await edgeVm(false);
    vm.evaluate(bundle);
    const delivered = await vm.evaluate<Promise<boolean>>(`__northstarEdge(${JSON.stringify(server.apiKey)}, ${JSON.stringify(server.url)}, 'edge-sync')`);
    assert.equal(delivered, true);
    const run = runNamed(server, 'edge-sync');
    assert.ok(spansOf(server, run.id).some((s: { name: string }) => s.name === 'before-await'));
  });

  it('flush() resolves false (never rejects) when delivery fails', async () => {
    const vm = await edgeVm(true);
    vm.evaluate(bundle);
    assert.equal(await vm.evaluate<Promise<boolean>>('__northstarBadFlush()'), false);
  });
});
