// `northstar-ai dev` as a person runs it: the built bin in a child process. It prints
// its URL, recognises a viewer already running on the port, names a port taken by
// something else, runs a command with the switch set (forwarding its exit code), stops
// cleanly on SIGINT, and adds .northstar/ to an existing .gitignore. A traced process
// with the switch and no viewer simply ends. `import 'northstar-ai'` loads none of it.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

import { api, repoRoot, tempDir } from './dev-harness.js';

const ROOT = repoRoot();
const CLI = join(ROOT, 'dist/esm/src/dev/cli.js');
const SDK = join(ROOT, 'dist/esm/src/index.js');
/** Generous: the point is "it happens", not how fast. */
const LIMIT_MS = 15_000;

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[], cwd: string, env: Record<string, string> = {}): Cli {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NORTHSTAR_') && v !== undefined) clean[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => {
    clearTimeout(timer);
    res(code);
  }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(cli: Cli, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + LIMIT_MS;
  for (;;) {
    const match = cli.stdout().match(pattern);
    if (match) return match;
    if (cli.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in output:\n${cli.stdout()}\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const portOf = async (cli: Cli): Promise<number> => Number((await waitFor(cli, /viewer at http:\/\/127\.0\.0\.1:(\d+)\//))[1]);

describe('northstar-ai dev (the bin)', () => {
  it('is the package bin and is not loaded by `import "northstar-ai"`', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.equal(resolve(ROOT, manifest.bin['northstar-ai']), CLI);
    assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    // Walk the static import graph of the ESM entry: nothing under src/dev/.
    const seen = new Set<string>();
    const pending = [SDK];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) pending.push(resolve(dirname(file), spec!));
    }
    assert.ok(seen.size > 10, 'the graph was walked');
    assert.deepEqual([...seen].filter((f) => f.includes(`${join('src', 'dev')}/`)), []);
  });

  it('prints its URL, says where a viewer already running on the port is, and stops cleanly on SIGINT', async () => {
    const cwd = tempDir();
    const viewer = startCli(['dev', '--port', '0'], cwd);
    const port = await portOf(viewer);
    assert.equal((await api(port, '/api/health')).service, 'northstar-ai dev');
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.match(await page.text(), /<div id="app">/);

    const second = startCli(['dev', '--port', String(port)], cwd);
    assert.equal(await second.exited, 0);
    assert.match(second.stdout(), new RegExp(`already running at http://127\\.0\\.0\\.1:${port}/ \\(pid ${viewer.child.pid}`));

    viewer.child.kill('SIGINT');
    assert.equal(await viewer.exited, 0);
    assert.match(viewer.stdout(), /stopped/);
    assert.equal(viewer.stderr(), '');
    assert.ok(existsSync(join(cwd, '.northstar', 'dev.ndjson')), 'the data file is in .northstar/ of the working folder');
  });

  it('says the port is taken by another program', async () => {
    const other = createServer((_req, res) => res.end('not ours'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    try {
      const cli = startCli(['dev', '--port', String(port)], tempDir());
      assert.equal(await cli.exited, 1);
      assert.match(cli.stderr(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken by another program; choose another one with --port`));
    } finally {
      other.close();
    }
  });

  it('runs a command with NORTHSTAR_DEV=1 and the port, forwards its exit code, and keeps its traces', async () => {
    const cwd = tempDir();
    const data = join(cwd, 'traces.ndjson');
    const script = `
      import { init, trace, shutdown } from ${JSON.stringify(SDK)};
      if (process.env.NORTHSTAR_DEV !== '1' || !/^\\d+$/.test(process.env.NORTHSTAR_DEV_PORT ?? '')) process.exit(9);
      init();
      await trace('from-child', async () => 'done');
      process.exitCode = (await shutdown()) ? 3 : 8;
    `;
    const cli = startCli(['dev', '--port', '0', '--data', data, '--', process.execPath, '--input-type=module', '-e', script], cwd);
    assert.equal(await cli.exited, 3, `${cli.stdout()}\n${cli.stderr()}`);
    assert.match(readFileSync(data, 'utf8'), /"from-child"/);

    const usage = startCli(['dev', '--bogus'], cwd);
    assert.equal(await usage.exited, 2);
    assert.match(usage.stderr(), /unknown option --bogus[\s\S]*Usage:/);
  });

  it('adds .northstar/ to an existing .gitignore, once', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.gitignore'), 'node_modules/');
    for (let i = 0; i < 2; i++) {
      const viewer = startCli(['dev', '--port', '0'], cwd);
      await portOf(viewer);
      viewer.child.kill('SIGTERM');
      assert.equal(await viewer.exited, 0, `run ${i}:\n${viewer.stdout()}\n${viewer.stderr()}`);
    }
    const lines = readFileSync(join(cwd, '.gitignore'), 'utf8').split('\n');
    assert.equal(lines[0], 'node_modules/');
    assert.equal(lines.filter((l) => l === '.northstar/').length, 1);
  });

  it('a traced process with the switch and no viewer running ends normally and prints nothing', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const script = `
      import { init, trace } from ${JSON.stringify(SDK)};
      init();
      console.log(await trace('nobody-listens', async () => 'result'));
    `;
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NORTHSTAR_') && v !== undefined) clean[k] = v;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, NORTHSTAR_DEV: '1', NORTHSTAR_DEV_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    clearTimeout(timer);
    assert.equal(signal, null, 'it ended by itself');
    assert.equal(code, 0);
    assert.equal(out, 'result\n');
    assert.equal(err, '');
  });
});
