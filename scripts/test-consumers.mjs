// Installs the packed package into small consumer projects (spec/consumers/<name>/) the
// way users consume it, and runs each: ESM, CommonJS, TypeScript under node10 and
// nodenext (TS 5.9 and TS 7), Jest, NestJS 11 + Jest, and NestJS 12 (ESM-only, installed
// from the npm registry; skipped when the registry is unreachable). Every consumer sends
// real traces to one protocol-enforcing ingest server and checks, over a small state
// endpoint, that they arrived. Expects a fresh build in dist/ and the compiled specs in
// build/ts5-legacy (scripts/test.mjs does both; otherwise this script compiles them).
//   node scripts/test-consumers.mjs [name...]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { binOf, packPackage } from './check-package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'spec/consumers');
const tsc5 = join(root, 'node_modules/typescript/bin/tsc');
const tsc7 = join(root, 'node_modules/typescript7/bin/tsc');
const jest = binOf('jest', 'jest');

const NEST_12 = ['@nestjs/core@12', '@nestjs/common@12', '@nestjs/platform-express@12', 'rxjs@7', 'reflect-metadata@0.2'];

/**
 * The consumers. `links`: packages of the repository's node_modules the project uses
 * (its tools and frameworks); `install`: packages installed from the registry instead;
 * `steps`: commands run in the project, in order (`node` is this node binary).
 */
const CONSUMERS = [
  {
    name: 'esm',
    links: ['@types/node'],
    steps: [
      ['tsc5', '-p', 'tsconfig.json', '--outDir', 'out-ts5'],
      ['tsc7', '-p', 'tsconfig.json', '--outDir', 'out-ts7'],
      ['node', 'out-ts5/main.js', 'esm-ts5'],
      ['node', 'out-ts7/main.js', 'esm-ts7'],
    ],
  },
  {
    name: 'cjs',
    links: [],
    steps: [['node', 'main.cjs', 'cjs']],
  },
  {
    name: 'ts-cjs',
    links: ['@types/node'],
    steps: [
      ['tsc5', '-p', 'tsconfig.node10.json', '--outDir', 'out-node10'],
      ['tsc5', '-p', 'tsconfig.nodenext.json', '--outDir', 'out-nodenext-ts5'],
      ['tsc7', '-p', 'tsconfig.nodenext.json', '--outDir', 'out-nodenext-ts7'],
      ['node', 'out-node10/main.js', 'ts-node10'],
      ['node', 'out-nodenext-ts5/main.js', 'ts-nodenext-ts5'],
      ['node', 'out-nodenext-ts7/main.js', 'ts-nodenext-ts7'],
    ],
  },
  {
    name: 'jest-cjs',
    links: ['jest', '@jest/globals'],
    steps: [['jest']],
  },
  {
    name: 'nest11-jest',
    links: ['@types/node', '@jest/globals', 'jest', '@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/testing', 'rxjs'],
    steps: [['tsc5', '-p', 'tsconfig.json'], ['jest']],
  },
  {
    name: 'nest12-esm',
    install: NEST_12,
    links: ['@types/node'],
    steps: [['tsc5', '-p', 'tsconfig.json'], ['node', 'dist/main.js', 'nest12-esm']],
  },
];

/** Environment labels every consumer run must have delivered (each program passes its own). */
const EXPECTED_ENVIRONMENTS = {
  esm: ['esm-ts5', 'esm-ts7'],
  cjs: ['cjs'],
  'ts-cjs': ['ts-node10', 'ts-nodenext-ts5', 'ts-nodenext-ts7'],
  'jest-cjs': ['jest-cjs'],
  'nest11-jest': ['nest11-jest'],
  'nest12-esm': ['nest12-esm'],
};

/** Runs a command, resolving with its exit code and output (printed only on failure). */
function run(command, args, cwd, env, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: output + String(error) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

function commandOf([tool, ...args]) {
  switch (tool) {
    case 'tsc5': return [process.execPath, [tsc5, ...args]];
    case 'tsc7': return [process.execPath, [tsc7, ...args]];
    case 'jest': return [process.execPath, [jest, '--ci', '--no-watchman', ...args]];
    case 'node': return [process.execPath, args];
    default: throw new Error(`unknown tool ${tool}`);
  }
}

function link(project, name) {
  const target = join(root, 'node_modules', name);
  const path = join(project, 'node_modules', name);
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}

/** Copies the fixture and puts the package (unpacked from the tarball) and its dependencies in its node_modules. */
async function prepare(consumer, work, tarball, env) {
  const project = join(work, consumer.name);
  cpSync(join(fixtures, consumer.name), project, { recursive: true });
  if (consumer.install) {
    // A real install: the tarball and the framework from the registry, as a user would.
    // Few, short retries: an unreachable registry should skip this consumer in seconds.
    const flags = ['--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', '--fetch-retries=1', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=5000', '--fetch-timeout=30000'];
    const npm = await run('npm', ['install', ...flags, tarball, ...consumer.install], project, env, 75_000);
    if (npm.code !== 0) return { project, skipped: `npm install failed (registry unreachable?):\n${npm.output.trim().split('\n').slice(-5).join('\n')}` };
  } else {
    const target = join(project, 'node_modules/northstar-ai');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
    const { dependencies = {} } = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    for (const name of Object.keys(dependencies)) link(project, name);
  }
  for (const name of consumer.links) link(project, name);
  return { project };
}

async function runConsumer(consumer, work, tarball, env) {
  const started = Date.now();
  const { project, skipped } = await prepare(consumer, work, tarball, env);
  if (skipped) return { name: consumer.name, status: 'skipped', detail: skipped };
  for (const step of consumer.steps) {
    const [command, args] = commandOf(step);
    const result = await run(command, args, project, env);
    if (result.code !== 0) {
      return { name: consumer.name, status: 'failed', detail: `${step.join(' ')} exited with ${result.code}:\n${result.output}` };
    }
  }
  return { name: consumer.name, status: 'passed', detail: `${((Date.now() - started) / 1000).toFixed(1)} s` };
}

async function loadIngestServer() {
  let compiled = join(root, 'build/ts5-legacy/spec/support/ingest-server.js');
  if (!existsSync(compiled)) {
    // Run on its own: compile just the server (it imports nothing from src/).
    const outDir = join(root, 'build/consumers-support');
    execFileSync(process.execPath, [tsc5, 'spec/support/ingest-server.ts', '--outDir', outDir, '--rootDir', 'spec/support',
      '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--strict', '--skipLibCheck'], { cwd: root, stdio: 'inherit' });
    compiled = join(outDir, 'ingest-server.js');
  }
  return import(pathToFileURL(compiled).href);
}

/** Serves what the ingest server stored, as JSON, so that consumers in other processes can check it. */
function startStateServer(ingest, summarizeRejections) {
  const server = createServer((_req, res) => {
    const body = JSON.stringify({
      sessions: [...ingest.sessions.values()],
      runs: [...ingest.runs.values()],
      spans: [...ingest.spans.values()],
      events: [...ingest.events.values()],
      rejections: summarizeRejections(ingest),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const only = process.argv.slice(2);
  const selected = CONSUMERS.filter((c) => only.length === 0 || only.includes(c.name));
  const { startIngestServer, summarizeRejections } = await loadIngestServer();
  const ingest = await startIngestServer();
  const state = await startStateServer(ingest, summarizeRejections);
  const work = mkdtempSync(join(tmpdir(), 'northstar-consumers-'));
  // The caller's environment (proxies, CA certificates, npm's cache and registry) minus
  // NorthStar's own variables and what npm sets for the running script.
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(NORTHSTAR_|npm_package_|npm_lifecycle_|npm_config_(prefix|global|local_prefix)$)/i.test(k)),
    ),
    CI: 'true',
    COLLECTOR_URL: ingest.url,
    COLLECTOR_API_KEY: ingest.apiKey,
    COLLECTOR_STATE_URL: `http://127.0.0.1:${state.address().port}/state`,
  };
  const results = [];
  try {
    const { tarball } = packPackage(work);
    // The registry install is the slow part: start it while the local consumers run.
    const [remote, local] = [selected.filter((c) => c.install), selected.filter((c) => !c.install)];
    const remoteDone = Promise.all(remote.map((c) => runConsumer(c, work, tarball, env)));
    for (const consumer of local) {
      const result = await runConsumer(consumer, work, tarball, env);
      results.push(result);
      report(result);
    }
    for (const result of await remoteDone) {
      results.push(result);
      report(result);
    }
    // Independent of the consumers' own checks: what the server stored, per environment.
    for (const result of results.filter((r) => r.status === 'passed')) {
      for (const environment of EXPECTED_ENVIRONMENTS[result.name]) {
        const runs = [...ingest.runs.values()].filter((r) => r.metadata?.environment === environment);
        const spans = [...ingest.spans.values()].filter((s) => runs.some((r) => r.id === s.run_id));
        if (runs.length === 0 || spans.length === 0 || runs.some((r) => r.status === 'running')) {
          result.status = 'failed';
          report({ name: result.name, status: 'failed', detail: `no finished run with spans stored for environment ${environment}` });
        }
      }
    }
    const rejections = summarizeRejections(ingest);
    if (rejections.length > 0) {
      results.push({ name: 'ingest', status: 'failed' });
      report({ name: 'ingest server', status: 'failed', detail: `rejected requests:\n${rejections.join('\n')}` });
    }
  } finally {
    state.close();
    await ingest.close();
    rmSync(work, { recursive: true, force: true });
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  console.log(`consumers: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
  if (count('failed') > 0) process.exitCode = 1;
}

function report({ name, status, detail }) {
  const line = `consumer ${name}: ${status}${detail && status === 'passed' ? ` (${detail})` : ''}`;
  if (status === 'passed') console.log(line);
  else console.log(`${line}\n${(detail ?? '').replace(/^/gm, '  ')}`);
}

await main();
