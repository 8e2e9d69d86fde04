import { zeroStats } from '../client/core.js';
import { installClient, installedClient as installed } from '../client/installed.js';
import { type FlushOptions, Northstar, type NorthstarStats } from '../client/northstar.js';
import { readEnvVariable, warnOnce } from '../config/environment.js';
import type { NorthstarOptions } from '../config/options.js';
import { autoSetup } from '../context/auto-setup.js';
import { currentObservation } from '../tracing/open.js';

/**
 * Configures the SDK (options win over `NORTHSTAR_*` environment variables) and makes
 * the new client the one every API function and decorator uses. Calling it again shuts
 * the previous client down (traces already open keep reporting to it). Throws
 * `NorthstarConfigError` for an invalid option.
 *
 * @example
 * init({ apiKey: process.env.NORTHSTAR_API_KEY, projectId: 'abcd1234', project: 'support-bot' });
 */
export function init(options: NorthstarOptions = {}): Northstar {
  autoSetup.pending = false;
  const client = new Northstar(options);
  const previous = installClient(client);
  if (previous !== undefined) void previous.shutdown();
  return client;
}

// Setup from the environment alone: the first traced call before any init() runs this once.
autoSetup.run = () => {
  if (installed() !== undefined) return;
  const dev = /^(1|true|yes|on)$/i.test(readEnvVariable('NORTHSTAR_DEV')?.trim() ?? '');
  const asked = dev || ['NORTHSTAR_API_KEY', 'NORTHSTAR_PROJECT_ID', 'NORTHSTAR_ENDPOINT'].some((name) => readEnvVariable(name)?.trim());
  if (!asked) return; // nothing configured: stay silent and off
  try {
    init();
  } catch (error) {
    warnOnce(`tracing is off: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** The client `init()` installed, if any. */
export function getClient(): Northstar | undefined {
  return installed();
}

/**
 * Sends everything queued, retrying transient failures for up to `timeoutMs` (default the
 * `flushTimeoutMs` option, 30 s), and resolves true when all of it was accepted and nothing
 * was dropped since the previous flush; false otherwise (also when tracing was asked for
 * but could not start). Never rejects. Serverless handlers
 * await it before returning.
 */
export function flush(options: FlushOptions = {}): Promise<boolean> {
  return installed()?.flush(options) ?? Promise.resolve(true);
}

/** Ends the session, flushes (retrying like `flush()`), and stops sending. Idempotent; never rejects. */
export function shutdown(options: FlushOptions = {}): Promise<boolean> {
  return installed()?.shutdown(options) ?? Promise.resolve(true);
}

/** Counters of queued, delivered and dropped records. */
export function stats(): NorthstarStats {
  return installed()?.stats() ?? { enabled: false, ...zeroStats(), sampledOut: 0 };
}

/** The id of the run (trace) the current async flow is in, or undefined outside one. */
export function currentTraceId(): string | undefined {
  return currentObservation()?.run.id;
}

/** The id of the innermost span the current async flow is in, or undefined. */
export function currentSpanId(): string | undefined {
  return currentObservation()?.spanId;
}
