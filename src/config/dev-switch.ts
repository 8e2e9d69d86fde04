// The local-viewer switch (`NORTHSTAR_DEV=1` or `init({ dev: true })`): delivery goes to
// the collector of `npx northstar-ai dev` on 127.0.0.1, with no API key or project.
// Only constants and one pure function live here, so the switch loads nothing of the
// viewer itself.
import { NorthstarConfigError } from '../errors/northstar-error.js';

/** The port `northstar-ai dev` listens on unless told otherwise (OTLP uses 4317 and 4318). */
export const DEV_DEFAULT_PORT = 4319;

/** The ingest path of the local collector, the same as the hosted endpoint's. */
export const DEV_INGEST_PATH = '/functions/v1/ingest-traces';

/** The bearer token sent to the local collector, which needs none; never a real key. */
export const DEV_PLACEHOLDER_KEY = 'northstar-dev-local-no-key';

/** The environment variable `northstar-ai dev -- <command>` sets, and its port companion. */
export const DEV_ENV = 'NORTHSTAR_DEV';
/** The environment variable carrying the viewer's port. */
export const DEV_PORT_ENV = 'NORTHSTAR_DEV_PORT';

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

const fail = (message: string): never => {
  throw new NorthstarConfigError(`northstar-ai init: ${message}`);
};

/** The local collector's ingest URL on a port. */
export function devEndpoint(port: number): string {
  return `http://127.0.0.1:${port}${DEV_INGEST_PATH}`;
}

/**
 * Whether the switch is on and, if so, the endpoint it points at. The `dev` option wins
 * over `NORTHSTAR_DEV`; `devPort` over `NORTHSTAR_DEV_PORT`.
 */
export function resolveDevSwitch(
  options: { dev?: unknown; devPort?: unknown },
  env: Readonly<Record<string, string | undefined>>,
): { endpoint: string; port: number } | undefined {
  let on: boolean | undefined;
  if (options.dev !== undefined) {
    if (typeof options.dev !== 'boolean') fail(`option dev must be true or false, got ${JSON.stringify(options.dev)}.`);
    on = options.dev as boolean;
  } else {
    const raw = env[DEV_ENV]?.trim().toLowerCase();
    if (raw) {
      if (TRUE.has(raw)) on = true;
      else if (FALSE.has(raw)) on = false;
      else fail(`environment variable ${DEV_ENV}=${JSON.stringify(env[DEV_ENV])} is not a boolean; use 1 or 0.`);
    }
  }
  let port = DEV_DEFAULT_PORT;
  if (options.devPort !== undefined) {
    const p = options.devPort;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
      fail(`option devPort must be an integer port between 1 and 65535, got ${String(p)}.`);
    }
    port = p as number;
  } else if (env[DEV_PORT_ENV]?.trim()) {
    const raw = env[DEV_PORT_ENV]!.trim();
    const p = Number(raw);
    if (!/^\d+$/.test(raw) || p < 1 || p > 65535) {
      fail(`environment variable ${DEV_PORT_ENV}=${JSON.stringify(raw)} is not a port between 1 and 65535.`);
    }
    port = p;
  }
  return on ? { endpoint: devEndpoint(port), port } : undefined;
}
