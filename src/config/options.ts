import type { SnapshotLimits } from '../serialize/snapshot.js';

/** A problem inside the SDK (delivery failure, dropped records, ...), handed to `onError`. */
export interface NorthstarDiagnostic {
  /** What went wrong, e.g. `'delivery'`, `'rejected'`, `'dropped'`, `'unauthorized'`, `'internal'`. */
  readonly kind: string;
  /** A readable sentence; never contains the API key. */
  readonly message: string;
  /** The underlying error, if any. */
  readonly error?: unknown;
}

/** What a `sampler` is told about a run that is starting. */
export interface RunInfo {
  /** The run's name. */
  readonly name: string;
  /** The metadata the run was opened with (the caller's object, not a copy), if any. */
  readonly metadata: unknown;
  /** The run's tags, if any. */
  readonly tags: readonly string[] | undefined;
}

/** Options of `init()` and `new Northstar()`. Every time is in milliseconds and says so in its name. */
export interface NorthstarOptions {
  /** API key sent as `Authorization: Bearer`. Env `NORTHSTAR_API_KEY`. Without one the SDK is disabled. */
  apiKey?: string;
  /** Supabase project ref (lowercase letters and digits) that hosts the ingest function. Env `NORTHSTAR_PROJECT_ID`. */
  projectId?: string;
  /** Full ingest URL, overriding the one built from `projectId` (self-hosted). Env `NORTHSTAR_ENDPOINT`. */
  endpoint?: string;
  /** Project name, recorded as `metadata.project` on every run. Env `NORTHSTAR_PROJECT`. */
  project?: string;
  /** Environment name (`production`, `staging`, ...), recorded as `metadata.environment`. Env `NORTHSTAR_ENVIRONMENT`. */
  environment?: string;
  /** Your app's release (version, commit), recorded as `metadata.release` on every run. Env `NORTHSTAR_RELEASE`. */
  release?: string;
  /** Master switch. Env `NORTHSTAR_ENABLED`. @default true */
  enabled?: boolean;
  /** Log what the SDK does (and every problem) to stderr. Env `NORTHSTAR_DEBUG`. @default false */
  debug?: boolean;
  /** Record function arguments as inputs. Env `NORTHSTAR_CAPTURE_INPUTS`. @default true */
  captureInputs?: boolean;
  /** Record return values as outputs. Env `NORTHSTAR_CAPTURE_OUTPUTS`. @default true */
  captureOutputs?: boolean;
  /** Keys whose values are replaced by `"[REDACTED]"`, added to the defaults (case-insensitive). @default [] */
  redactKeys?: readonly string[];
  /**
   * Extra credential forms: every match in a captured string or error message becomes
   * `"[REDACTED]"` (the whole match; use a lookbehind to keep a prefix), after the built-in
   * forms (README, "Secrets"). Each must be a RegExp that cannot match the empty string. @default []
   */
  redactPatterns?: readonly RegExp[];
  /** Hook applied to every captured string value before it is queued (e.g. hide emails). @default undefined */
  mask?: (value: string) => string;
  /** Size caps of captured values. @default { maxDepth: 10, maxStringLength: 10000, maxCollectionSize: 200, maxTotalNodes: 5000 } */
  limits?: Partial<SnapshotLimits>;
  /** A request is sent as soon as this many records wait; a backlog rides in requests of up to 20 batches (within maxBatchBytes). @default 50 */
  batchSize?: number;
  /** How often queued records are sent, in milliseconds. @default 5000 */
  flushIntervalMs?: number;
  /** Records waiting to be sent at most (a second bound next to `maxQueueBytes`); past it new records are dropped (or spooled) and counted. @default 100000 */
  maxQueueSize?: number;
  /** JSON size of the records waiting to be sent at most, in bytes (the heap they take is about 2 to 3 times this); past it new records are dropped (or spooled) and counted. @default 67108864 (64 MiB) */
  maxQueueBytes?: number;
  /** Events one run keeps at most (its own input and output excluded); the rest are dropped, counted in `stats().droppedRunEvents` and in the run's `metadata.northstar_dropped_events`. @default 1000 */
  maxEventsPerRun?: number;
  /** How long `flush()` and `shutdown()` called without `timeoutMs` keep retrying, in milliseconds. Env `NORTHSTAR_FLUSH_TIMEOUT_MS`. @default 30000 */
  flushTimeoutMs?: number;
  /** How long the flush at the end of a script (`beforeExit`) keeps retrying, in milliseconds; the process stays alive that long at most. Env `NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS`. @default 10000 */
  exitFlushTimeoutMs?: number;
  /** First wait after a failed delivery, in milliseconds; it doubles (with jitter) per failure up to `retryMaxDelayMs`. @default 500 */
  retryInitialDelayMs?: number;
  /** Longest wait between two delivery attempts, in milliseconds (a server's `Retry-After` is honoured up to 5 minutes). @default 30000 */
  retryMaxDelayMs?: number;
  /** Opt-in durable spool: records not delivered when the process ends, or past the queue bound during an outage, are written to `dir` (at most `maxBytes`) and delivered by the next process started with the same directory. Node only. Env `NORTHSTAR_SPOOL_DIR`, `NORTHSTAR_SPOOL_MAX_BYTES`. @default undefined (no spool) */
  spool?: SpoolOptions;
  /** Request timeout in milliseconds; a request that takes longer is aborted and retried. @default 10000 */
  requestTimeoutMs?: number;
  /** Request body size cap in bytes; larger batches are split. @default 1000000 */
  maxBatchBytes?: number;
  /**
   * Where requests are sent from: `'worker'` a worker thread (Node, Bun), so the HTTP work
   * leaves the caller's thread; `'inline'` the caller's thread; `'auto'` the worker once
   * delivery is sustained where the process may use 4 or more CPUs (not under a test runner,
   * not with a patched `fetch`), else inline. Without worker threads (Deno, edge, workerd,
   * bundled code) requests go out inline. Env `NORTHSTAR_TRANSPORT`. @default 'auto'
   */
  transport?: TransportChoice;
  /** Allow a plain `http://` endpoint on a host other than loopback. @default false */
  allowInsecureHttp?: boolean;
  /** Called with every SDK problem (in addition to the debug log). Must not throw; if it does, the error is ignored. */
  onError?: (diagnostic: NorthstarDiagnostic) => void;
  /** Prompt resolve URL, when it cannot be derived from `projectId` or an `endpoint` ending in `/functions/v1/ingest-traces`. Env `NORTHSTAR_PROMPTS_ENDPOINT`. */
  promptsEndpoint?: string;
  /** Keep the records of the last N finished runs in memory for `getRecordedRun()` / `replay()`. @default 0 */
  keepRuns?: number;
  /** Send to the local viewer of `npx northstar-ai dev` on 127.0.0.1 instead; no API key or project needed. Env `NORTHSTAR_DEV`. @default false */
  dev?: boolean;
  /** Port of the local viewer used by `dev`. Env `NORTHSTAR_DEV_PORT`. @default 4319 */
  devPort?: number;
  /** Share of runs recorded (head sampling, decided when a run starts; its spans follow it). Env `NORTHSTAR_SAMPLE_RATE`. @default 1 */
  sampleRate?: number;
  /** Decides per run whether it is recorded, replacing `sampleRate`; a sampler that throws keeps the run. @default undefined */
  sampler?: (run: RunInfo) => boolean;
}

/** The `transport` option: where requests are sent from. */
export type TransportChoice = 'auto' | 'worker' | 'inline';

/** Where and how much the durable spool writes. */
export interface SpoolOptions {
  /** The spool directory (created if missing); processes that share it deliver each other's leftovers. */
  dir: string;
  /** Bytes the spool files of the directory may take at most; past it records are dropped and counted. @default 104857600 (100 MiB) */
  maxBytes?: number;
}

/** The fully resolved configuration of one client. */
export interface ResolvedConfig {
  readonly enabled: boolean;
  /** Why the client is disabled, when it is. */
  readonly disabledReason?: string;
  /** What is missing when tracing was asked for (a key, or an endpoint/project id) but cannot start. */
  readonly misconfigured?: string;
  /** Not enumerable, so `JSON.stringify` and `util.inspect` of the configuration leave it out. */
  readonly apiKey: string;
  readonly endpoint: string;
  readonly project?: string;
  readonly environment?: string;
  readonly release?: string;
  readonly debug: boolean;
  readonly captureInputs: boolean;
  readonly captureOutputs: boolean;
  readonly redactKeys: readonly string[];
  /** The user's `redactPatterns`, compiled with the global flag. */
  readonly redactPatterns: readonly RegExp[];
  readonly mask?: (value: string) => string;
  readonly limits: Partial<SnapshotLimits>;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueueSize: number;
  readonly maxQueueBytes: number;
  readonly maxEventsPerRun: number;
  readonly flushTimeoutMs: number;
  readonly exitFlushTimeoutMs: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly spool?: Readonly<Required<SpoolOptions>>;
  readonly requestTimeoutMs: number;
  readonly maxBatchBytes: number;
  readonly transport: TransportChoice;
  readonly onError?: (diagnostic: NorthstarDiagnostic) => void;
  /** The prompts resolve URL, or undefined when none can be derived. */
  readonly promptsEndpoint?: string;
  readonly keepRuns: number;
  /** True when `dev` / `NORTHSTAR_DEV` points delivery at the local viewer. */
  readonly dev?: boolean;
  readonly sampleRate: number;
  readonly sampler?: (run: RunInfo) => boolean;
}
