import { NorthstarConfigError } from '../errors/northstar-error.js';
import { compileRedaction, compileSecretPatterns, redactText } from '../serialize/redaction.js';
import { DEV_PLACEHOLDER_KEY, resolveDevSwitch } from './dev-switch.js';
import { clipText } from '../util/text.js';
import { type Env, readEnvironment } from './environment.js';
import type { NorthstarOptions, ResolvedConfig, TransportChoice } from './options.js';

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'apiKey', 'projectId', 'endpoint', 'project', 'environment', 'enabled', 'debug', 'captureInputs',
  'captureOutputs', 'redactKeys', 'redactPatterns', 'mask', 'limits', 'batchSize', 'flushIntervalMs', 'maxQueueSize',
  'requestTimeoutMs', 'maxBatchBytes', 'allowInsecureHttp', 'onError', 'promptsEndpoint', 'keepRuns',
  'dev', 'devPort',
  'sampleRate', 'sampler', 'release',
  'maxQueueBytes', 'maxEventsPerRun', 'flushTimeoutMs', 'exitFlushTimeoutMs', 'retryInitialDelayMs', 'retryMaxDelayMs', 'spool',
  'transport',
]);
// Names people reach for from other SDKs, mapped to ours so the error can say so.
const RENAMED: Readonly<Record<string, string>> = {
  flushInterval: 'flushIntervalMs',
  timeout: 'requestTimeoutMs',
  requestTimeout: 'requestTimeoutMs',
  maxQueue: 'maxQueueSize',
  api_key: 'apiKey',
  project_id: 'projectId',
  url: 'endpoint',
  baseUrl: 'endpoint',
  host: 'endpoint',
  version: 'release',
};
const LIMIT_KEYS: ReadonlySet<string> = new Set(['maxDepth', 'maxStringLength', 'maxCollectionSize', 'maxTotalNodes']);
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const PROJECT_ID = /^[a-z0-9]+$/;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const LINE_BREAK = /[\r\n\u2028\u2029\0]/;
const INGEST_PATH = '/functions/v1/ingest-traces';
const PROMPTS_PATH = '/functions/v1/prompts/resolve';

const fail = (message: string): never => {
  throw new NorthstarConfigError(`northstar-ai init: ${message}`);
};

/** How a wrong value is shown in an error: its type, and the value when short (`the string "50"`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${clipText(value, 40)}…` : value)}`;
    case 'number':
      return `the number ${String(value)}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

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
  if (typeof value !== 'string') fail(`option ${key} must be a string, got ${describeValue(value)}.`);
  const trimmed = (value as string).trim();
  return trimmed === '' ? undefined : trimmed;
}

function optionBoolean(options: NorthstarOptions, key: keyof NorthstarOptions): boolean | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(`option ${key} must be true or false, got ${describeValue(value)}.`);
  return value as boolean;
}

function positive(options: NorthstarOptions, key: keyof NorthstarOptions, fallback: number, integer: boolean): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(`option ${key} must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(value)}.`);
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
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) return fail(`option limits must be an object, got ${describeValue(limits)}.`);
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.has(key)) fail(`unknown option limits.${key}.`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      fail(`option limits.${key} must be a positive integer, got ${describeValue(value)}.`);
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
  // Credentials in the URL would be sent nowhere useful and printed in every diagnostic.
  if (url.username !== '' || url.password !== '') {
    fail(`${source} must not contain credentials (user:password@); pass the API key as apiKey, and remove them from the URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`${source} must be an http(s) URL, got ${JSON.stringify(raw)}.`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    fail(`${source} uses plain http:// on ${url.hostname}; the API key would travel unencrypted. Use https://, or pass allowInsecureHttp: true if this network is trusted.`);
  }
  return raw.replace(/\/+$/, '');
}

const TRANSPORTS: ReadonlySet<string> = new Set<TransportChoice>(['auto', 'worker', 'inline']);

function checkTransport(options: NorthstarOptions, env: Env): TransportChoice {
  const value: unknown = options.transport;
  if (value !== undefined) {
    if (typeof value !== 'string' || !TRANSPORTS.has(value)) fail(`option transport must be 'auto', 'worker' or 'inline', got ${describeValue(value)}.`);
    return value as TransportChoice;
  }
  const raw = envString(env, 'NORTHSTAR_TRANSPORT');
  if (raw === undefined) return 'auto';
  const choice = raw.toLowerCase();
  if (!TRANSPORTS.has(choice)) fail(`environment variable NORTHSTAR_TRANSPORT=${JSON.stringify(raw)} must be auto, worker or inline.`);
  return choice as TransportChoice;
}

function checkSampling(options: NorthstarOptions, env: Env): Pick<ResolvedConfig, 'sampleRate' | 'sampler'> {
  const sampler = options.sampler;
  if (sampler !== undefined && typeof sampler !== 'function') fail('option sampler must be a function (run: { name, metadata, tags }) => boolean.');
  const raw = env.NORTHSTAR_SAMPLE_RATE;
  const fromEnv = options.sampleRate === undefined && raw !== undefined && raw.trim() !== '';
  const rate: unknown = fromEnv ? Number(raw.trim()) : options.sampleRate === undefined ? 1 : options.sampleRate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    const got = fromEnv ? `environment variable NORTHSTAR_SAMPLE_RATE=${JSON.stringify(raw)}` : `option sampleRate ${String(rate)}`;
    fail(`${got} is not a number from 0 to 1 (the share of runs recorded).`);
  }
  return { sampleRate: rate as number, sampler };
}

/**
 * Merges options over environment variables, validates everything and decides whether
 * the client is enabled. Throws `NorthstarConfigError` naming the option at fault; its
 * message never holds the API key (given or from the environment) or a credential form.
 */
export function resolveConfig(options: NorthstarOptions = {}, env: Env = readEnvironment()): ResolvedConfig {
  try {
    return resolve(options, env);
  } catch (error) {
    if (!(error instanceof NorthstarConfigError)) throw error;
    throw new NorthstarConfigError(scrubSecrets(error.message, options, env));
  }
}

const DEFAULT_KEY_RULE = compileRedaction();

/** A rejected value may be the key pasted into the wrong option: blank out every copy of it. */
function scrubSecrets(message: string, options: NorthstarOptions, env: Env): string {
  const keys = [(options as { apiKey?: unknown } | null)?.apiKey, env['NORTHSTAR_API_KEY']];
  let text = message;
  for (const key of keys) {
    if (typeof key !== 'string') continue;
    for (const form of [key, key.trim(), JSON.stringify(key).slice(1, -1)]) {
      if (form.length >= 4) text = text.split(form).join('***');
    }
  }
  return redactText(text, DEFAULT_KEY_RULE);
}

function resolve(options: NorthstarOptions, env: Env): ResolvedConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(`options must be an object, got ${describeValue(options)}.`);
  checkUnknownKeys(options);

  // The local-viewer switch replaces the endpoint and needs no key (src/config/dev-switch.ts).
  const devSwitch = resolveDevSwitch(options, env);
  const apiKey = devSwitch ? DEV_PLACEHOLDER_KEY : optionString(options, 'apiKey') ?? envString(env, 'NORTHSTAR_API_KEY');
  if (apiKey !== undefined && LINE_BREAK.test(apiKey)) fail('apiKey contains a line break or NUL character.');
  const projectId = optionString(options, 'projectId') ?? envString(env, 'NORTHSTAR_PROJECT_ID');
  const allowInsecureHttp = optionBoolean(options, 'allowInsecureHttp') ?? false;
  const endpointOption = optionString(options, 'endpoint');
  const endpointRaw = endpointOption ?? envString(env, 'NORTHSTAR_ENDPOINT');
  const endpointSource = endpointOption !== undefined ? 'option endpoint' : 'environment variable NORTHSTAR_ENDPOINT';

  let endpoint = '';
  if (devSwitch) {
    endpoint = devSwitch.endpoint;
  } else if (endpointRaw !== undefined) {
    endpoint = checkEndpoint(endpointRaw, endpointSource, allowInsecureHttp);
  } else if (projectId !== undefined) {
    if (!PROJECT_ID.test(projectId)) {
      fail(`projectId ${JSON.stringify(projectId)} is not a Supabase project ref (lowercase letters and digits only). For a self-hosted or custom URL, pass endpoint instead.`);
    }
    endpoint = `https://${projectId}.supabase.co/functions/v1/ingest-traces`;
  }

  const promptsOption = optionString(options, 'promptsEndpoint');
  const promptsRaw = promptsOption ?? envString(env, 'NORTHSTAR_PROMPTS_ENDPOINT');
  const promptsSource = promptsOption !== undefined ? 'option promptsEndpoint' : 'environment variable NORTHSTAR_PROMPTS_ENDPOINT';
  // PROTOCOL "Prompts": derivable from a project ref or an endpoint ending in the ingest path.
  const promptsEndpoint =
    promptsRaw !== undefined
      ? checkEndpoint(promptsRaw, promptsSource, allowInsecureHttp)
      : endpoint.endsWith(INGEST_PATH)
        ? `${endpoint.slice(0, -INGEST_PATH.length)}${PROMPTS_PATH}`
        : undefined;
  const keepRuns = options.keepRuns ?? 0;
  if (typeof keepRuns !== 'number' || !Number.isInteger(keepRuns) || keepRuns < 0) fail(`option keepRuns must be a non-negative integer, got ${String(keepRuns)}.`);

  const mask = options.mask;
  if (mask !== undefined && typeof mask !== 'function') fail(`option mask must be a function (value: string) => string, got ${describeValue(mask)}.`);
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') fail(`option onError must be a function, got ${describeValue(onError)}.`);
  const redactKeys = options.redactKeys ?? [];
  if (!Array.isArray(redactKeys) || redactKeys.some((k) => typeof k !== 'string' || k.trim() === '')) {
    fail('option redactKeys must be an array of non-empty strings.');
  }

  const redactPatterns = compileSecretPatterns(options.redactPatterns);
  if (typeof redactPatterns === 'string') fail(`option redactPatterns${redactPatterns}.`);

  const enabledFlag = optionBoolean(options, 'enabled') ?? envBoolean(env, 'NORTHSTAR_ENABLED') ?? true;
  const disabledReason = !enabledFlag
    ? 'disabled by the enabled option or NORTHSTAR_ENABLED'
    : apiKey === undefined
      ? 'no API key (pass apiKey or set NORTHSTAR_API_KEY)'
      : endpoint === ''
        ? 'no projectId or endpoint (pass one, or set NORTHSTAR_PROJECT_ID or NORTHSTAR_ENDPOINT)'
        : undefined;
  // Tracing asked for (a key, or somewhere to send) but not startable: said once on stderr.
  const misconfigured = !enabledFlag
    ? undefined
    : apiKey !== undefined && endpoint === ''
      ? `${optionString(options, 'apiKey') !== undefined ? 'apiKey is given' : 'NORTHSTAR_API_KEY is set'} but no project id or endpoint (pass projectId or endpoint to init(), or set NORTHSTAR_PROJECT_ID or NORTHSTAR_ENDPOINT)`
      : apiKey === undefined && endpoint !== ''
        ? `${endpointOption !== undefined || optionString(options, 'projectId') !== undefined ? 'an endpoint/projectId is given' : `${endpointRaw !== undefined ? 'NORTHSTAR_ENDPOINT' : 'NORTHSTAR_PROJECT_ID'} is set`} but no API key (pass apiKey to init(), or set NORTHSTAR_API_KEY; the key is in the NorthStar dashboard under Project settings → API keys)`
        : undefined;

  const config = {
    enabled: disabledReason === undefined,
    disabledReason,
    misconfigured,
    endpoint,
    project: optionString(options, 'project') ?? envString(env, 'NORTHSTAR_PROJECT'),
    environment: optionString(options, 'environment') ?? envString(env, 'NORTHSTAR_ENVIRONMENT'),
    release: optionString(options, 'release') ?? envString(env, 'NORTHSTAR_RELEASE'),
    debug: optionBoolean(options, 'debug') ?? envBoolean(env, 'NORTHSTAR_DEBUG') ?? false,
    captureInputs: optionBoolean(options, 'captureInputs') ?? envBoolean(env, 'NORTHSTAR_CAPTURE_INPUTS') ?? true,
    captureOutputs: optionBoolean(options, 'captureOutputs') ?? envBoolean(env, 'NORTHSTAR_CAPTURE_OUTPUTS') ?? true,
    redactKeys: [...redactKeys],
    redactPatterns: redactPatterns as RegExp[],
    mask,
    limits: checkLimits(options.limits),
    batchSize: positive(options, 'batchSize', 50, true),
    // Live viewing wants records within a second; the hosted default stays 5 s.
    flushIntervalMs: positive(options, 'flushIntervalMs', devSwitch ? 1000 : 5000, false),
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
    transport: checkTransport(options, env),
    onError,
    promptsEndpoint,
    keepRuns,
    ...(devSwitch ? { dev: true } : {}),
    ...checkSampling(options, env),
  };
  // A getter that is not enumerable: JSON.stringify, spreading and util.inspect (even with
  // showHidden) never show the key.
  const key = apiKey ?? '';
  Object.defineProperty(config, 'apiKey', { get: () => key, enumerable: false });
  return config as typeof config & { readonly apiKey: string };
}
