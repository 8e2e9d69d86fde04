// Child Node processes for the specs that check how a process ends (exit flush, spool,
// worker thread): started with only the environment they are given, their output kept,
// killed if they outlive a generous bound (the claim is "exits on its own", not a speed).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';

/** How a child process ended, with everything it printed. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link launchNode}. */
export interface LaunchOptions {
  /** The working directory (the repository root, so that packages resolve). */
  cwd: string;
  /** Named in the error when the child outlives `timeoutMs`. */
  label: string;
  timeoutMs: number;
  /** The executable (another runtime, e.g. Bun); this Node by default. */
  command?: string;
  /** Sees the output so far after each chunk of stdout. */
  onStdout?: (text: string, child: ChildProcess) => void;
}

/** The children still running, to be killed by each spec file's `after` hook. */
export const runningChildren = new Set<ChildProcess>();

/**
 * Runs `node <args>` (or `command <args>`) with `env` (and PATH) only: no NORTHSTAR_* from the parent, no
 * NODE_OPTIONS. Resolves when the child exits; rejects if it is still running after `timeoutMs`.
 */
export function launchNode(args: readonly string[], env: Record<string, string>, options: LaunchOptions): Promise<Exit> {
  const child = spawn(options.command ?? process.execPath, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  runningChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    options.onStdout?.(stdout, child);
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label} did not exit within ${options.timeoutMs / 1000} s; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      runningChildren.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kills every child still running (an `after` hook). */
export function killRunningChildren(): void {
  for (const child of runningChildren) child.kill('SIGKILL');
}

/** Nothing on stderr (no unhandled rejection, no warning), no signal, exit code 0. */
export function assertCleanExit(exit: Exit): void {
  assert.equal(exit.stderr, '', 'nothing on stderr: no unhandled rejection, no warning');
  assert.equal(exit.signal, null);
  assert.equal(exit.code, 0);
}
