import { NorthstarConfigError } from '../errors/northstar-error.js';
import type { NorthstarOptions, ResolvedConfig } from './options.js';

type Env = Readonly<Record<string, string | undefined>>;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'apiKey', 'projectId', 'endpoint', 'project', 'environment', 'enabled', 'debug', 'captureInputs',
  'captureOutputs', 'redactKeys', 'mask', 'limits', 'batchSize', 'flushIntervalMs', 'maxQueueSize',
  'requestTimeoutMs', 'maxBatchBytes', 'allowInsecureHttp', 'onError',
  'maxQueueBytes', 'maxEventsPerRun', 'flushTimeoutMs', 'exitFlushTimeoutMs', 'retryInitialDelayMs', 'retryMaxDelayMs', 'spool',
]);
// Names people reach for from other SDKs, mapped to ours so the error can say so.
const RENAMED: Readonly<Record<string, string>> = {
  flushInterval: 'flushIntervalMs',
  timeout: 'requestTimeoutMs',
  requestTimeout: 'requestTimeoutMs',
  maxQueue: 'maxQueueSize',
  api_key: 'apiKey',
  project_id: 'projectId',
};
const LIMIT_KEYS: ReadonlySet<string> = new Set(['maxDepth', 'maxStringLength', 'maxCollectionSize', 'maxTotalNodes']);
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const PROJECT_ID = /^[a-z0-9]+$/;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const LINE_BREAK = /[\r\n\u2028\u2029\0]/;

const fail = (message: string): never => {
  throw new NorthstarConfigError(`northstar-ai init: ${message}`);
};

function envBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return fail(`environment variable ${name}=${JSON.stringify(raw)} is not a boolean; use one of 1/true/yes/on or 0/false/no/off.`);
}

function envString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function optionString(options: NorthstarOptions, key: keyof NorthstarOptions): string | undefined {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(`option ${key} must be a string, got ${typeof value}.`);
  const trimmed = (value as string).trim();
  return trimmed === '' ? undefined : trimmed;
}

function optionBoolean(options: NorthstarOptions, key: keyof NorthstarOptions): boolean | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(`option ${key} must be true or false, got ${JSON.stringify(value)}.`);
  return value as boolean;
}

function positive(options: NorthstarOptions, key: keyof NorthstarOptions, fallback: number, integer: boolean): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(`option ${key} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}.`);
  }
  return value as number;
}

/** A positive number from an option, else from an environment variable, else the default. */
function positiveOrEnv(options: NorthstarOptions, key: keyof NorthstarOptions, env: Env, name: string, fallback: number, integer: boolean): number {
  if (options[key] !== undefined) return positive(options, key, fallback, integer);
  const raw = envString(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(`environment variable ${name}=${JSON.stringify(raw)} must be a positive ${integer ? 'integer' : 'number'}.`);
  }
  return value;
}

const SPOOL_KEYS: ReadonlySet<string> = new Set(['dir', 'maxBytes']);
const DEFAULT_SPOOL_MAX_BYTES = 100 * 1024 * 1024;

function checkSpool(options: NorthstarOptions, env: Env): ResolvedConfig['spool'] {
  const spool: unknown = options.spool;
  let dir: string | undefined;
  let maxBytes: number | undefined;
  if (spool !== undefined) {
    if (typeof spool !== 'object' || spool === null || Array.isArray(spool)) return fail('option spool must be an object { dir, maxBytes? }.');
    for (const key of Object.keys(spool)) if (!SPOOL_KEYS.has(key)) fail(`unknown option spool.${key}.`);
    const s = spool as { dir?: unknown; maxBytes?: unknown };
    if (typeof s.dir !== 'string' || s.dir.trim() === '' || LINE_BREAK.test(s.dir)) fail('option spool.dir must be a non-empty directory path.');
    dir = (s.dir as string).trim();
    if (s.maxBytes !== undefined) {
      if (typeof s.maxBytes !== 'number' || !Number.isInteger(s.maxBytes) || s.maxBytes <= 0) fail(`option spool.maxBytes must be a positive integer, got ${String(s.maxBytes)}.`);
      maxBytes = s.maxBytes as number;
    }
  } else {
    dir = envString(env, 'NORTHSTAR_SPOOL_DIR');
    if (dir === undefined) return undefined;
  }
  if (maxBytes === undefined) {
    const raw = envString(env, 'NORTHSTAR_SPOOL_MAX_BYTES');
    if (raw !== undefined) {
      const value = Number(raw);
      if (!Number.isInteger(value) || value <= 0) fail(`environment variable NORTHSTAR_SPOOL_MAX_BYTES=${JSON.stringify(raw)} must be a positive integer.`);
      maxBytes = value;
    }
  }
  return { dir, maxBytes: maxBytes ?? DEFAULT_SPOOL_MAX_BYTES };
}

function checkUnknownKeys(options: object): void {
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(key)) continue;
    const hint = RENAMED[key] ? ` Did you mean ${RENAMED[key]}? (times are in milliseconds)` : '';
    fail(`unknown option ${key}.${hint}`);
  }
}

function checkLimits(limits: unknown): Partial<ResolvedConfig['limits']> {
  if (limits === undefined) return {};
  if (typeof limits !== 'object' || limits === null) return fail('option limits must be an object.');
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.has(key)) fail(`unknown option limits.${key}.`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      fail(`option limits.${key} must be a positive integer, got ${String(value)}.`);
    }
    result[key] = value;
  }
  return result;
}

function checkEndpoint(raw: string, source: string, allowInsecureHttp: boolean): string {
  if (LINE_BREAK.test(raw)) fail(`${source} contains a line break or NUL character.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`${source} is not a valid URL: ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`${source} must be an http(s) URL, got ${JSON.stringify(raw)}.`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    fail(`${source} uses plain http:// on ${url.hostname}; the API key would travel unencrypted. Use https://, or pass allowInsecureHttp: true if this network is trusted.`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Merges options over environment variables, validates everything and decides whether
 * the client is enabled. Throws `NorthstarConfigError` naming the option at fault.
 */
export function resolveConfig(options: NorthstarOptions = {}, env: Env = process.env): ResolvedConfig {
  if (typeof options !== 'object' || options === null) fail('options must be an object.');
  checkUnknownKeys(options);

  const apiKey = optionString(options, 'apiKey') ?? envString(env, 'NORTHSTAR_API_KEY');
  if (apiKey !== undefined && LINE_BREAK.test(apiKey)) fail('apiKey contains a line break or NUL character.');
  const projectId = optionString(options, 'projectId') ?? envString(env, 'NORTHSTAR_PROJECT_ID');
  const allowInsecureHttp = optionBoolean(options, 'allowInsecureHttp') ?? false;
  const endpointOption = optionString(options, 'endpoint');
  const endpointRaw = endpointOption ?? envString(env, 'NORTHSTAR_ENDPOINT');
  const endpointSource = endpointOption !== undefined ? 'option endpoint' : 'environment variable NORTHSTAR_ENDPOINT';

  let endpoint = '';
  if (endpointRaw !== undefined) {
    endpoint = checkEndpoint(endpointRaw, endpointSource, allowInsecureHttp);
  } else if (projectId !== undefined) {
    if (!PROJECT_ID.test(projectId)) {
      fail(`projectId ${JSON.stringify(projectId)} is not a Supabase project ref (lowercase letters and digits only). For a self-hosted or custom URL, pass endpoint instead.`);
    }
    endpoint = `https://${projectId}.supabase.co/functions/v1/ingest-traces`;
  }

  const mask = options.mask;
  if (mask !== undefined && typeof mask !== 'function') fail('option mask must be a function (value: string) => string.');
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') fail('option onError must be a function.');
  const redactKeys = options.redactKeys ?? [];
  if (!Array.isArray(redactKeys) || redactKeys.some((k) => typeof k !== 'string' || k.trim() === '')) {
    fail('option redactKeys must be an array of non-empty strings.');
  }

  const enabledFlag = optionBoolean(options, 'enabled') ?? envBoolean(env, 'NORTHSTAR_ENABLED') ?? true;
  const disabledReason = !enabledFlag
    ? 'disabled by the enabled option or NORTHSTAR_ENABLED'
    : apiKey === undefined
      ? 'no API key (pass apiKey or set NORTHSTAR_API_KEY)'
      : endpoint === ''
        ? 'no projectId or endpoint (pass one, or set NORTHSTAR_PROJECT_ID or NORTHSTAR_ENDPOINT)'
        : undefined;

  return {
    enabled: disabledReason === undefined,
    disabledReason,
    apiKey: apiKey ?? '',
    endpoint,
    project: optionString(options, 'project') ?? envString(env, 'NORTHSTAR_PROJECT'),
    environment: optionString(options, 'environment') ?? envString(env, 'NORTHSTAR_ENVIRONMENT'),
    debug: optionBoolean(options, 'debug') ?? envBoolean(env, 'NORTHSTAR_DEBUG') ?? false,
    captureInputs: optionBoolean(options, 'captureInputs') ?? envBoolean(env, 'NORTHSTAR_CAPTURE_INPUTS') ?? true,
    captureOutputs: optionBoolean(options, 'captureOutputs') ?? envBoolean(env, 'NORTHSTAR_CAPTURE_OUTPUTS') ?? true,
    redactKeys: [...redactKeys],
    mask,
    limits: checkLimits(options.limits),
    batchSize: positive(options, 'batchSize', 50, true),
    flushIntervalMs: positive(options, 'flushIntervalMs', 5000, false),
    maxQueueSize: positive(options, 'maxQueueSize', 100_000, true),
    maxQueueBytes: positive(options, 'maxQueueBytes', 64 * 1024 * 1024, true),
    maxEventsPerRun: positive(options, 'maxEventsPerRun', 1000, true),
    flushTimeoutMs: positiveOrEnv(options, 'flushTimeoutMs', env, 'NORTHSTAR_FLUSH_TIMEOUT_MS', 30_000, false),
    exitFlushTimeoutMs: positiveOrEnv(options, 'exitFlushTimeoutMs', env, 'NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS', 10_000, false),
    retryInitialDelayMs: positive(options, 'retryInitialDelayMs', 500, false),
    retryMaxDelayMs: positive(options, 'retryMaxDelayMs', 30_000, false),
    spool: checkSpool(options, env),
    requestTimeoutMs: positive(options, 'requestTimeoutMs', 10_000, false),
    maxBatchBytes: positive(options, 'maxBatchBytes', 1_000_000, true),
    onError,
  };
}
