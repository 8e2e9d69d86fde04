// The worker transport in real child processes (issue 13), against the built package
// (`dist/`, built by `npm test` first): ESM and CommonJS deliver through the delivery
// thread; a script that started the thread still exits on its own, its exit flush going
// through the thread; process.exit() with a request in flight leaves the records in the
// spool; and where the thread cannot run (a bundle without the worker file, a worker file
// that fails to load) delivery falls back to the caller's thread, said in the debug log.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { assertCleanExit, type Exit, killRunningChildren, launchNode } from '../support/child-process.js';
import { startIngestServer, type IngestServer } from '../support/ingest-server.js';

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'dist/esm/src/index.js')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
const ROOT = repoRoot();
const ESM = pathToFileURL(join(ROOT, 'dist/esm/src/index.js')).href;
const ESM_WORKER = pathToFileURL(join(ROOT, 'dist/esm/src/export/worker-transport.js')).href;
const CJS = join(ROOT, 'dist/cjs/src/index.js');
const CJS_WORKER = join(ROOT, 'dist/cjs/src/export/worker-transport.js');
/** Scratch files under the repository (so `ky` and `tslib` resolve from its node_modules). */
const WORK = join(ROOT, 'build/worker-transport');

/** Runs `source` (ESM unless `cjs`) with the server in its environment; `onStdout` sees the output so far. */
function launch(source: string, env: Record<string, string>, options: { cjs?: boolean; onStdout?: (text: string, child: ChildProcess) => void } = {}): Promise<Exit> {
  const args = options.cjs ? ['-e', source] : ['--input-type=module', '-e', source];
  return launchNode(args, env, { cwd: ROOT, label: 'the child', timeoutMs: 30_000, onStdout: options.onStdout });
}

/** The last JSON line a child printed. */
const lastJson = (exit: Exit): any => JSON.parse(exit.stdout.trim().split('\n').pop()!);

/** A script body that traces `count` runs of one tool span and one event each. */
const TRACE = (count: string) => `
  for (let i = 0; i < ${count}; i++) {
    await ns.trace('job-' + i, async () => ns.span('step', { kind: 'tool' }, () => ns.logEvent('work', { i, pad: 'x'.repeat(200) })));
  }`;

let server: IngestServer;
let env: Record<string, string>;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/esm/src/export/delivery-worker.js')), 'the package is built (npm test builds it; or run node scripts/build.mjs)');
  server = await startIngestServer();
  env = { NS_KEY: server.apiKey, NS_URL: server.url };
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
});
afterEach(() => {
  killRunningChildren();
  server.reset();
});
after(async () => {
  await server.close();
  rmSync(WORK, { recursive: true, force: true });
});

const INIT = `{ apiKey: process.env.NS_KEY, endpoint: process.env.NS_URL, transport: 'worker', flushIntervalMs: 60000, batchSize: 1000 }`;

describe('worker transport in a process', () => {
  it('ESM: delivers through the delivery thread, flush() resolves true, the script ends on its own', async () => {
    const exit = await launch(
      `const ns = await import(${JSON.stringify(ESM)});
       const { deliveryWorkerStats } = await import(${JSON.stringify(ESM_WORKER)});
       ns.init(${INIT});
       ${TRACE('40')}
       const flushed = await ns.flush();
       console.log(JSON.stringify({ flushed, worker: deliveryWorkerStats() }));`,
      env,
    );
    assertCleanExit(exit);
    const { flushed, worker } = lastJson(exit);
    assert.equal(flushed, true);
    assert.equal(worker.starts, 1);
    assert.ok(worker.answered >= 1);
    assert.equal(server.runs.size, 40);
    assert.equal(server.spans.size, 40);
  });

  it('CommonJS: delivers through the delivery thread (the thread loads the CommonJS build and its bundled ky)', async () => {
    const exit = await launch(
      `const ns = require(${JSON.stringify(CJS)});
       const { deliveryWorkerStats } = require(${JSON.stringify(CJS_WORKER)});
       ns.init(${INIT});
       (async () => {
         ${TRACE('40')}
         const flushed = await ns.flush();
         console.log(JSON.stringify({ flushed, worker: deliveryWorkerStats() }));
       })();`,
      env,
      { cjs: true },
    );
    assertCleanExit(exit);
    const { flushed, worker } = lastJson(exit);
    assert.equal(flushed, true);
    assert.equal(worker.starts, 1);
    assert.ok(worker.answered >= 1);
    assert.equal(server.runs.size, 40);
  });

  it('a script whose thread is started ends on its own, and its exit flush goes through the thread', async () => {
    const exit = await launch(
      `const ns = await import(${JSON.stringify(ESM)});
       const { deliveryWorkerStats } = await import(${JSON.stringify(ESM_WORKER)});
       ns.init(${INIT});
       ${TRACE('1')}
       if (!(await ns.flush())) throw new Error('first flush failed');
       ${TRACE('30')}
       // No flush, no shutdown: the beforeExit hook delivers the 30 runs.
       process.on('exit', () => console.log(JSON.stringify(deliveryWorkerStats())));`,
      env,
    );
    assertCleanExit(exit);
    const worker = lastJson(exit);
    assert.equal(worker.starts, 1);
    assert.equal(worker.answered, 2, 'the exit flush was answered through the thread');
    assert.equal(server.runs.size, 31);
    assert.ok([...server.runs.values()].every((r) => r.status === 'ok'));
  });

  it('process.exit() while the thread waits for an answer: the records are spooled, and the next process delivers them', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'ns-worker-spool-'));
    try {
      server.faults.hangNext(1);
      let signalled = false;
      const first = await launch(
        `const ns = await import(${JSON.stringify(ESM)});
         ns.init({ ...${INIT}, spool: { dir: process.env.NS_SPOOL } });
         process.on('SIGTERM', () => process.exit(0));
         ${TRACE('25')}
         void ns.flush();
         console.log('sent');
         setInterval(() => {}, 1000);`,
        { ...env, NS_SPOOL: spool },
        {
          onStdout: (text, child) => {
            if (signalled || !text.includes('sent')) return;
            signalled = true;
            // Exit once the request reached the server, which holds it unanswered.
            void server.waitFor((s) => s.requests.length >= 1).then(() => child.kill('SIGTERM'));
          },
        },
      );
      assertCleanExit(first);
      assert.equal(server.runs.size, 0, 'the hanging request stored nothing');
      assert.ok(readdirSync(spool).length > 0, 'the queue went to the spool at exit');
      const second = await launch(
        `const ns = await import(${JSON.stringify(ESM)});
         ns.init({ ...${INIT}, spool: { dir: process.env.NS_SPOOL } });
         console.log(JSON.stringify({ ok: await ns.shutdown({ timeoutMs: 10000 }) }));`,
        { ...env, NS_SPOOL: spool },
      );
      assertCleanExit(second);
      assert.equal(lastJson(second).ok, true);
      assert.equal(server.runs.size, 25);
      assert.equal(server.spans.size, 25);
    } finally {
      rmSync(spool, { recursive: true, force: true });
    }
  });
});

const BUN = join(ROOT, 'node_modules/.bin/bun');

describe('worker transport in Bun', { skip: existsSync(BUN) ? false : 'bun is not installed' }, () => {
  it('delivers through a Bun worker thread, and the script ends on its own', async () => {
    const file = join(WORK, 'bun-agent.mjs');
    writeFileSync(
      file,
      `const ns = await import(${JSON.stringify(ESM)});
       const { deliveryWorkerStats } = await import(${JSON.stringify(ESM_WORKER)});
       ns.init(${INIT});
       ${TRACE('20')}
       const flushed = await ns.flush();
       ${TRACE('5')}
       process.on('exit', () => console.log(JSON.stringify({ flushed, worker: deliveryWorkerStats() })));`,
    );
    const { code, stdout, stderr } = await launchNode([file], env, { cwd: WORK, label: 'bun', timeoutMs: 30_000, command: BUN });
    assert.equal(code, 0, stderr);
    const { flushed, worker } = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(flushed, true);
    assert.equal(worker.starts, 1);
    assert.equal(worker.answered, 2, 'the flush and the exit flush went through the thread');
    assert.equal(server.runs.size, 25);
  });
});

describe('worker transport: fallback to the caller\'s thread', () => {
  it('a bundle (ESM and CommonJS, esbuild) has no worker file beside it: it delivers inline and says so once', async () => {
    const { build } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    for (const format of ['esm', 'cjs'] as const) {
      const outfile = join(WORK, `bundle.${format === 'esm' ? 'mjs' : 'cjs'}`);
      await build({ entryPoints: [join(ROOT, `dist/${format}/src/index.js`)], bundle: true, platform: 'node', format, outfile, logLevel: 'silent' });
      const load = format === 'esm' ? `const ns = await import(${JSON.stringify(pathToFileURL(outfile).href)});` : `const ns = require(${JSON.stringify(outfile)});`;
      const exit = await launch(
        `${load}
         ns.init({ ...${INIT}, debug: true });
         (async () => {
           ${TRACE('10')}
           console.log(JSON.stringify({ flushed: await ns.flush() }));
         })();`,
        env,
        { cjs: format === 'cjs' },
      );
      assert.equal(exit.code, 0, exit.stderr);
      assert.equal(lastJson(exit).flushed, true, format);
      assert.match(exit.stderr, /transport 'worker': delivery-worker\.js is not beside the SDK's modules \(bundled code\); sending on the caller's thread/);
      assert.equal(exit.stderr.match(/caller's thread/g)?.length, 1, 'said once');
      assert.doesNotMatch(exit.stderr, /Unhandled|Warning/);
      assert.equal(server.runs.size, 10, format);
      server.reset();
    }
  });

  it('a worker file that fails to load: the request it was given goes out inline, and so does every later one', async () => {
    const copy = join(WORK, 'broken/dist/esm');
    cpSync(join(ROOT, 'dist/esm'), copy, { recursive: true });
    writeFileSync(join(copy, 'src/export/delivery-worker.js'), "throw new Error('this delivery worker is broken on purpose');\n");
    const exit = await launch(
      `const ns = await import(${JSON.stringify(pathToFileURL(join(copy, 'src/index.js')).href)});
       const { deliveryWorkerStats } = await import(${JSON.stringify(pathToFileURL(join(copy, 'src/export/worker-transport.js')).href)});
       ns.init({ ...${INIT}, debug: true });
       ${TRACE('10')}
       const first = await ns.flush();
       ${TRACE('10')}
       const second = await ns.flush();
       console.log(JSON.stringify({ first, second, worker: deliveryWorkerStats() }));`,
      env,
    );
    assert.equal(exit.code, 0, exit.stderr);
    const { first, second, worker } = lastJson(exit);
    assert.equal(first, true);
    assert.equal(second, true);
    assert.equal(worker.answered, 0);
    assert.match(worker.unavailable, /did not start .*broken on purpose/);
    assert.match(exit.stderr, /the delivery worker did not start .*; sending on the caller's thread/);
    assert.doesNotMatch(exit.stderr, /Unhandled|delivery failed/);
    assert.equal(server.runs.size, 20);
  });
});
