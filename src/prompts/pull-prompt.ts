// `pullPrompt`: a bounded in-process LRU cache of prompt versions in front of the
// resolve endpoint, stale-while-revalidate, falling back (reported, never thrown) to a
// cached or user-supplied version when the endpoint fails.

import type { ResolvedConfig } from '../config/options.js';
import { createLogger, type Logger } from '../debug/logger.js';
import { NorthstarPromptError } from './prompt-error.js';
import { createPromptResolver, type PromptResolver, type ResolveResult } from './prompt-resolver.js';
import { PromptVersion, type PromptVariable, type PromptVersionData } from './prompt-version.js';

/** A version to use when the endpoint cannot give one: its content, or the fields you know. */
export type PromptFallback =
  | string
  | {
      readonly content: string;
      /** A real prompt version id links the model calls that use the fallback; without one they are not linked. */
      readonly id?: string;
      readonly version?: number;
      readonly model?: string | null;
      readonly temperature?: number | null;
      readonly maxTokens?: number | null;
      readonly variables?: readonly PromptVariable[];
    };

/** Options of `pullPrompt`. */
export interface PullPromptOptions {
  /** The label to resolve (case-sensitive). @default 'prod' */
  label?: string;
  /** A version number to pin (from 1); wins over `label`. */
  version?: number;
  /** How long a pulled version is used without asking the server; after that it is still returned at once and refreshed in the background. @default 60000 */
  cacheTtlMs?: number;
  /** Used (and the failure reported through `onError`) when the endpoint fails and nothing is cached, or when the SDK is disabled. */
  fallback?: PromptFallback;
}

/** Prompt versions kept per client at most; the least recently used goes first. */
const MAX_CACHED = 256;
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_LABEL = 'prod';

interface CacheEntry {
  version: PromptVersion<string>;
  fetchedAt: number;
  refreshing: boolean;
}

/** The prompt machinery of one client: resolver, cache, requests in flight. */
class PromptStore {
  private readonly cache = new Map<string, CacheEntry>();
  /** Requests in flight by key; a background one (which does not keep the process alive) is never shared with a caller who awaits. */
  private readonly inFlight = new Map<string, { readonly promise: Promise<ResolveResult>; readonly background: boolean }>();
  private readonly resolver: PromptResolver | undefined;
  readonly logger: Logger;
  private readonly disabledReason: string | undefined;

  constructor(config: ResolvedConfig | undefined) {
    this.logger = createLogger({ debug: config?.debug ?? false, onError: config?.onError, secret: config?.apiKey || undefined });
    if (config === undefined) this.disabledReason = 'the SDK is not initialised (call init() with an API key)';
    else if (!config.enabled) this.disabledReason = `the SDK is disabled: ${config.disabledReason ?? 'enabled: false'}`;
    else if (config.promptsEndpoint === undefined) {
      this.disabledReason = 'no prompts endpoint: it cannot be derived from this endpoint; pass promptsEndpoint or set NORTHSTAR_PROMPTS_ENDPOINT';
    } else {
      this.resolver = createPromptResolver({ url: config.promptsEndpoint, apiKey: config.apiKey, timeoutMs: Math.min(config.requestTimeoutMs, 10_000) });
    }
  }

  async pull(slugInput: string, options: PullPromptOptions): Promise<PromptVersion<string>> {
    const { slug, label, version, ttl } = checkArguments(slugInput, options);
    const where = { slug, label, version };
    if (this.resolver === undefined) {
      if (options.fallback !== undefined) {
        this.logger.debug(`prompt ${JSON.stringify(slug)}: using the fallback (${this.disabledReason})`);
        return fallbackVersion(options.fallback, slug, label, this.logger);
      }
      throw new NorthstarPromptError('disabled', `pullPrompt ${describe(where)}: ${this.disabledReason}`, where);
    }
    const key = JSON.stringify([slug, label ?? null, version ?? null]);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      if (Date.now() - cached.fetchedAt >= ttl && !cached.refreshing) this.refresh(key, cached, where);
      return cached.version;
    }
    const result = await this.resolve(key, where);
    if (result.ok) return this.store(key, result.data, where);
    // A pull that raced with this one may have filled the cache.
    const raced = this.cache.get(key);
    if (raced !== undefined) {
      this.report(result, where, 'using the cached version');
      return raced.version;
    }
    if (options.fallback !== undefined) {
      this.report(result, where, 'using the fallback');
      return fallbackVersion(options.fallback, slug, label, this.logger);
    }
    throw new NorthstarPromptError(result.reason, `pullPrompt ${describe(where)}: ${result.message}`, { ...where, status: result.status });
  }

  /**
   * One request per key at a time: concurrent pulls of an uncached prompt share it, and a
   * refresh shares any. A pull never waits on a background request: that one must not
   * keep the process alive, and a caller awaiting it would then be left hanging.
   */
  private resolve(key: string, where: { slug: string; label: string | undefined; version: number | undefined }, background = false): Promise<ResolveResult> {
    const pending = this.inFlight.get(key);
    if (pending !== undefined && (background || !pending.background)) return pending.promise;
    const promise: Promise<ResolveResult> = this.resolver!({ ...where, background }).finally(() => {
      if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, { promise, background });
    return promise;
  }

  /**
   * Refreshes a stale entry in the background: one attempt that never keeps the process
   * alive (a script that ends meanwhile exits). A failure keeps the entry and is reported.
   */
  private refresh(key: string, entry: CacheEntry, where: { slug: string; label: string | undefined; version: number | undefined }): void {
    entry.refreshing = true;
    this.resolve(key, where, true).then(
      (result) => {
        entry.refreshing = false;
        if (result.ok) this.store(key, result.data, where);
        else this.report(result, where, 'keeping the cached version');
      },
      (error: unknown) => {
        entry.refreshing = false;
        this.logger.problem('prompt', `refreshing prompt ${describe(where)} failed: ${String(error)}`, error);
      },
    );
  }

  private store(key: string, data: PromptVersionData, where: { slug: string; label: string | undefined }): PromptVersion<string> {
    const current = this.cache.get(key);
    // An unchanged version keeps its object, so callers holding it see the same prompt.
    const version = current !== undefined && current.version.id === data.id && current.version.content === data.content
      ? current.version
      : new PromptVersion(data, { slug: where.slug, label: where.label, source: 'server', logger: this.logger });
    this.cache.delete(key);
    this.cache.set(key, { version, fetchedAt: Date.now(), refreshing: false });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return version;
  }

  private report(result: Extract<ResolveResult, { ok: false }>, where: { slug: string; label: string | undefined; version: number | undefined }, action: string): void {
    const error = new NorthstarPromptError(result.reason, `pullPrompt ${describe(where)}: ${result.message}`, { ...where, status: result.status });
    this.logger.problem('prompt', `${error.message}; ${action}`, error);
  }
}

function describe(where: { slug: string; label: string | undefined; version: number | undefined }): string {
  return where.version !== undefined ? `${JSON.stringify(where.slug)} version ${where.version}` : `${JSON.stringify(where.slug)} label ${JSON.stringify(where.label)}`;
}

function checkArguments(slug: unknown, options: PullPromptOptions): { slug: string; label: string | undefined; version: number | undefined; ttl: number } {
  const name = typeof slug === 'string' ? slug.trim() : '';
  const invalid = (message: string): never => {
    throw new NorthstarPromptError('invalid', `pullPrompt: ${message}`, { slug: name || String(slug), label: options?.label });
  };
  if (name === '') invalid('slug must be a non-empty string');
  if (options === null || typeof options !== 'object') invalid('options must be an object');
  const { label, version, cacheTtlMs } = options;
  if (label !== undefined && (typeof label !== 'string' || label === '')) invalid('label must be a non-empty string');
  if (version !== undefined && (!Number.isInteger(version) || version < 1 || version > 2147483647)) invalid(`version must be an integer from 1, got ${String(version)}`);
  if (cacheTtlMs !== undefined && (typeof cacheTtlMs !== 'number' || Number.isNaN(cacheTtlMs) || cacheTtlMs < 0)) invalid('cacheTtlMs must be a number >= 0');
  return { slug: name, label: version !== undefined ? undefined : (label ?? DEFAULT_LABEL), version, ttl: cacheTtlMs ?? DEFAULT_TTL_MS };
}

function fallbackVersion(fallback: PromptFallback, slug: string, label: string | undefined, logger: Logger): PromptVersion<string> {
  const f = typeof fallback === 'string' ? { content: fallback } : fallback;
  if (f === null || typeof f !== 'object' || typeof f.content !== 'string') {
    throw new NorthstarPromptError('invalid', `pullPrompt ${JSON.stringify(slug)}: fallback must be a string or { content: string, ... }`, { slug, label });
  }
  const data: PromptVersionData = {
    id: typeof f.id === 'string' ? f.id : undefined,
    promptId: undefined,
    version: f.version,
    content: f.content,
    model: f.model ?? null,
    temperature: f.temperature ?? null,
    maxTokens: f.maxTokens ?? null,
    variables: f.variables ?? [],
    contentHash: undefined,
  };
  return new PromptVersion(data, { slug, label, source: 'fallback', logger });
}

/** Prompt stores by client configuration (one per client), and the one used before any `init()`. */
const stores = new WeakMap<object, PromptStore>();
let uninitialised: PromptStore | undefined;

/** The prompt store of a client's configuration (or of no client). @internal */
export function promptStore(config: ResolvedConfig | undefined): PromptStore {
  if (config === undefined) return (uninitialised ??= new PromptStore(undefined));
  let store = stores.get(config);
  if (store === undefined) {
    store = new PromptStore(config);
    stores.set(config, store);
  }
  return store;
}

/** Pulls a prompt version through a client's configuration (what `Northstar.pullPrompt` calls). @internal */
export function pullPromptWith<T extends string = string>(config: ResolvedConfig | undefined, slug: string, options: PullPromptOptions = {}): Promise<PromptVersion<T>> {
  try {
    return promptStore(config).pull(slug, options) as Promise<PromptVersion<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}
