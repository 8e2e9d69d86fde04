#!/usr/bin/env node
// `northstar-ai dev`: the local collector and trace viewer. Loaded only by the package's
// bin, never by `import 'northstar-ai'`.
//   northstar-ai dev [--port N] [--data FILE] [--max-bytes N] [--open]
//   northstar-ai dev [options] [--keep-open] -- <command...>
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_DEFAULT_PORT, DEV_ENV, DEV_PORT_ENV } from '../config/dev-switch.js';
import { probeDevServer, startDevServer, type DevServer } from './dev-server.js';

const DEFAULT_DATA = join('.northstar', 'dev.ndjson');
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const USAGE = `Usage:
  northstar-ai dev [--port N] [--data FILE] [--max-bytes N] [--open]
  northstar-ai dev [options] [--keep-open] -- <command...>

Starts a local NorthStar collector and trace viewer on http://127.0.0.1:${DEV_DEFAULT_PORT}/.
Send traces to it with NORTHSTAR_DEV=1 (no API key or project needed).

  --port N        port on 127.0.0.1 (default ${DEV_DEFAULT_PORT}, env ${DEV_PORT_ENV}; 0 picks a free one)
  --data FILE     trace log file (default ${DEFAULT_DATA} in the current folder)
  --max-bytes N   size cap of the trace log; oldest runs are pruned past it (default 100 MB)
  --open          open the viewer in the browser
  --keep-open     with a command: keep the viewer running after the command exits
  -- <command>    run a command with ${DEV_ENV}=1 and ${DEV_PORT_ENV} set; exits with its code`;

interface CliOptions {
  port: number;
  data?: string;
  maxBytes: number;
  open: boolean;
  keepOpen: boolean;
  command: string[];
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const dash = argv.indexOf('--');
  const args = dash === -1 ? [...argv] : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  if (args[0] !== 'dev') throw new UsageError(args[0] === undefined ? 'missing command' : `unknown command ${JSON.stringify(args[0])}`);
  const envPort = env[DEV_PORT_ENV]?.trim();
  const options: CliOptions = { port: envPort ? integer(envPort, DEV_PORT_ENV) : DEV_DEFAULT_PORT, maxBytes: DEFAULT_MAX_BYTES, open: false, keepOpen: false, command };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') options.port = integer(value(), '--port', 0);
    else if (flag === '--data') options.data = value();
    else if (flag === '--max-bytes') options.maxBytes = integer(value(), '--max-bytes');
    else if (flag === '--open') options.open = true;
    else if (flag === '--keep-open') options.keepOpen = true;
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option ${flag}`);
  }
  if (options.port > 65535) throw new UsageError('--port must be at most 65535');
  if (dash !== -1 && command.length === 0) throw new UsageError('nothing to run after --');
  return options;
}

function integer(raw: string, name: string, min = 1): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Adds `.northstar/` to the folder's .gitignore when there is one that does not list it. */
function ignoreDataFolder(cwd: string): void {
  const file = join(cwd, '.gitignore');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  if (text.split(/\r?\n/).some((line) => /^\/?\.northstar\/?$/.test(line.trim()))) return;
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}# local traces of \`northstar-ai dev\`\n.northstar/\n`);
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error(`northstar-ai dev: could not open a browser; visit ${url}`));
  child.unref();
}

/** Runs the command with the switch set; resolves with the exit code to forward. */
function runCommand(command: readonly string[], port: number): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, [DEV_ENV]: '1', [DEV_PORT_ENV]: String(port) },
    });
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null) child.kill(signal);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', (error) => {
      console.error(`northstar-ai dev: cannot run ${command[0]}: ${error.message}`);
      for (const [s, h] of handlers) process.off(s, h);
      resolveCode(127);
    });
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolveCode(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const stop = (signal: NodeJS.Signals) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolveSignal(signal);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) console.error(`northstar-ai: ${error.message}\n`);
    console.error(USAGE);
    return error.message ? 2 : 0;
  }

  const cwd = process.cwd();
  const dataFile = resolve(cwd, options.data ?? DEFAULT_DATA);
  // The built page sits beside the ESM build: dist/esm/src/dev/cli.js -> dist/viewer/.
  const assetsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'viewer');

  let server: DevServer | undefined;
  try {
    server = await startDevServer({ port: options.port, dataFile, maxBytes: options.maxBytes, assetsDir });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const running = await probeDevServer(options.port);
    if (!running) {
      console.error(`northstar-ai dev: port ${options.port} on 127.0.0.1 is taken by another program; choose another one with --port N.`);
      return 1;
    }
    const url = `http://127.0.0.1:${options.port}/`;
    console.log(`northstar-ai dev: a viewer is already running at ${url} (pid ${running.pid ?? '?'}, data ${running.data ?? '?'}).`);
    if (options.command.length === 0) {
      if (options.open) openBrowser(url);
      return 0;
    }
    console.log(`northstar-ai dev: running ${options.command.join(' ')} against it`);
    return runCommand(options.command, options.port);
  }

  // Listen for Ctrl-C before the URL is printed: whoever reads the URL may stop us at once.
  const stopped = waitForStop();
  if (options.data === undefined) ignoreDataFolder(cwd);
  const { store } = server.log;
  console.log(`northstar-ai dev: viewer at ${server.url}`);
  console.log(`  collector: ${server.url.slice(0, -1)}/functions/v1/ingest-traces (send with ${DEV_ENV}=1)`);
  console.log(`  data: ${dataFile} (${store.runs.size} runs, ${(server.log.size / 1024 / 1024).toFixed(1)} of ${(options.maxBytes / 1024 / 1024).toFixed(0)} MB)`);
  if (server.log.skippedLines > 0) console.log(`  skipped ${server.log.skippedLines} unreadable line(s) of the data file`);
  if (options.open) openBrowser(server.url);

  let code = 0;
  if (options.command.length > 0) {
    code = await runCommand(options.command, server.port);
    if (options.keepOpen) {
      console.log(`northstar-ai dev: command exited with code ${code}; the viewer stays at ${server.url} (Ctrl-C to stop)`);
      await stopped;
    }
  } else {
    console.log('  Ctrl-C to stop');
    await stopped;
  }
  await server.close();
  console.log('northstar-ai dev: stopped');
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`northstar-ai dev: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
