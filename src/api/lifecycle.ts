import { readEnvVariable, warnOnce } from '../config/environment.js';
import type { NorthstarOptions } from '../config/options.js';
import { autoSetup } from '../context/auto-setup.js';
import { globalState } from '../context/global-state.js';
import { currentObservation } from '../tracing/instrument.js';
import { type FlushOptions, Northstar, type NorthstarStats } from '../tracing/northstar-client.js';

function installed(): Northstar | undefined {
  return globalState.client as Northstar | undefined;
}

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
  const previous = installed();
  globalState.client = client;
  globalState.active = client.core;
  if (previous !== undefined) void previous.shutdown();
  return client;
}

// Setup from the environment alone: the first traced call before any init() runs this once.
autoSetup.run = () => {
  if (globalState.client !== undefined) return;
  const asked = ['NORTHSTAR_API_KEY', 'NORTHSTAR_PROJECT_ID', 'NORTHSTAR_ENDPOINT'].some((name) => readEnvVariable(name)?.trim());
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
 * Sends everything queued and resolves true when all of it was accepted; false on a
 * failure, after `timeoutMs`, or when tracing was asked for but could not start. Never
 * rejects. Serverless handlers await it before returning.
 */
export function flush(options: FlushOptions = {}): Promise<boolean> {
  return installed()?.flush(options) ?? Promise.resolve(true);
}

/** Ends the session, flushes, and stops sending. Idempotent; never rejects. */
export function shutdown(options: FlushOptions = {}): Promise<boolean> {
  return installed()?.shutdown(options) ?? Promise.resolve(true);
}

/** Counters of queued, delivered and dropped records. */
export function stats(): NorthstarStats {
  return installed()?.stats() ?? { enabled: false, queued: 0, accepted: 0, droppedQueueFull: 0, droppedRejected: 0, droppedUnauthorized: 0 };
}

/** The id of the trace the current async flow is in, or undefined outside a trace. */
export function currentTraceId(): string | undefined {
  return currentObservation()?.run.id;
}

/** The id of the innermost span the current async flow is in, or undefined. */
export function currentSpanId(): string | undefined {
  return currentObservation()?.spanId;
}
