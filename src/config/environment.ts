// Reading the environment where there may be none (edge runtimes without `process`) or
// where reading it is not permitted (Deno without --allow-env throws NotCapable).

/** The environment variables the SDK reads, as a plain snapshot. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Every variable `resolveConfig` reads. */
export const ENV_NAMES = [
  'NORTHSTAR_API_KEY', 'NORTHSTAR_PROJECT_ID', 'NORTHSTAR_ENDPOINT', 'NORTHSTAR_PROJECT', 'NORTHSTAR_ENVIRONMENT',
  'NORTHSTAR_RELEASE', 'NORTHSTAR_ENABLED', 'NORTHSTAR_DEBUG', 'NORTHSTAR_CAPTURE_INPUTS', 'NORTHSTAR_CAPTURE_OUTPUTS',
  'NORTHSTAR_DEV', 'NORTHSTAR_DEV_PORT', 'NORTHSTAR_FLUSH_TIMEOUT_MS', 'NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS',
  'NORTHSTAR_PROMPTS_ENDPOINT', 'NORTHSTAR_SAMPLE_RATE', 'NORTHSTAR_SPOOL_DIR', 'NORTHSTAR_SPOOL_MAX_BYTES',
  'NORTHSTAR_TRANSPORT',
] as const;

/** One variable, or undefined when absent, when there is no `process.env`, or when reading it is refused. */
export function readEnvVariable(name: string): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const value = env?.[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A snapshot of the `NORTHSTAR_*` variables, each read on its own so one refused read costs only that one. */
export function readEnvironment(): Env {
  const env: Record<string, string | undefined> = {};
  for (const name of ENV_NAMES) {
    const value = readEnvVariable(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

const WARNED = Symbol.for('northstar-ai.warned.v1');

/**
 * Prints `message` on stderr once per process (shared by every loaded copy of the
 * package), whatever the debug setting: for setups that asked for tracing and did not get it.
 */
export function warnOnce(message: string): void {
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  const seen = (holder[WARNED] ??= new Set());
  if (seen.has(message)) return;
  seen.add(message);
  try {
    console.warn(`[northstar-ai] ${message}`);
  } catch {
    // No console: nothing useful left to do.
  }
}
