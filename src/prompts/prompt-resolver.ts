// One resolve of a prompt version over HTTP (docs/protocol.md "Prompts: resolving a
// prompt version"), with a quick retry of transient failures inside a short budget. A
// background refresh is one attempt that never keeps the process alive: on Node its
// socket and timer are unref'd (a script that ends while it is in flight just exits).

import ky from 'ky';

import type { PromptErrorReason } from './prompt-error.js';
import type { PromptVariable, PromptVersionData } from './prompt-version.js';
import { nodeBuiltin } from '../util/runtime.js';

/** What one resolve achieved. */
export type ResolveResult =
  | { readonly ok: true; readonly data: PromptVersionData }
  | { readonly ok: false; readonly reason: PromptErrorReason; readonly status?: number; readonly message: string };

/** Resolves one (slug, label | version) against the endpoint; `background` for a cache refresh nobody waits for. */
export type PromptResolver = (request: { slug: string; label: string | undefined; version: number | undefined; background?: boolean }) => Promise<ResolveResult>;

/** What came back from one POST. */
interface Answer {
  readonly status: number;
  readonly text: string;
  readonly retryAfter: string | null;
}

/** Retries of a transient failure, and their delays: a pull is on the caller's critical path. */
const RETRY_DELAYS_MS = [100, 300];
const MAX_RETRY_AFTER_MS = 1000;
const MAX_ERROR_TEXT = 300;

/** The resolver of one client: POST with the API key, no redirects followed, each attempt timed out. */
export function createPromptResolver(options: { url: string; apiKey: string; timeoutMs: number }): PromptResolver {
  const headers = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  const client = ky.create({ timeout: options.timeoutMs, retry: 0, throwHttpErrors: false, redirect: 'manual', headers });
  const foreground = async (body: string): Promise<Answer> => {
    const response = await client.post(options.url, { body, signal: AbortSignal.timeout(options.timeoutMs * 2) });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
  };
  const background = async (body: string): Promise<Answer> => {
    const node = await nodeHttp();
    if (node !== undefined) return postUnref(node, options.url, headers, body, options.timeoutMs);
    // Not Node (a browser or an edge runtime: no process to keep alive): fetch.
    return foreground(body);
  };
  const attempt = async (send: (body: string) => Promise<Answer>, body: string): Promise<ResolveResult & { retryAfterMs?: number }> => {
    let answer: Answer;
    try {
      answer = await send(body);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return { ok: false, reason: 'unreachable', message: `${name}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const { status, text } = answer;
    if (status === 200) return parseAnswer(text);
    const message = `HTTP ${status}: ${errorText(text)}`;
    if (status === 401 || status === 403) return { ok: false, reason: 'unauthorized', status, message };
    if (status === 404) return { ok: false, reason: 'not_found', status, message };
    if (status === 408 || status === 429 || status >= 500) {
      return { ok: false, reason: 'unreachable', status, message, retryAfterMs: retryAfter(answer.retryAfter) };
    }
    if (status >= 300 && status < 400) {
      return { ok: false, reason: 'unreachable', status, message: `HTTP ${status}: the prompts endpoint redirects (not followed); set promptsEndpoint to the final URL` };
    }
    return { ok: false, reason: 'invalid', status, message };
  };
  return async ({ slug, label, version, background: inBackground = false }) => {
    // docs/protocol.md: leave `version` out when not pinning (`"version": null` is a 400).
    const body = JSON.stringify(version !== undefined ? { slug, version } : { slug, label });
    // A background refresh is not retried: the next stale pull tries again.
    if (inBackground) return strip(await attempt(background, body));
    const deadline = Date.now() + options.timeoutMs;
    let result = await attempt(foreground, body);
    for (const delay of RETRY_DELAYS_MS) {
      if (result.ok || result.reason !== 'unreachable') break;
      const wait = Math.max(delay, result.retryAfterMs ?? 0);
      if (wait > MAX_RETRY_AFTER_MS || Date.now() + wait >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      result = await attempt(foreground, body);
    }
    return strip(result);
  };
}

function strip(result: ResolveResult & { retryAfterMs?: number }): ResolveResult {
  return result.ok ? result : { ok: false, reason: result.reason, status: result.status, message: result.message };
}

type NodeHttp = { readonly http: typeof import('node:http'); readonly https: typeof import('node:https') };
let nodeHttpModules: Promise<NodeHttp | undefined> | undefined;

/** `node:http` and `node:https` where the runtime has them (Node, and runtimes that mimic it), loaded on first use without a static or dynamic `node:` import (edge bundles stay clean). */
function nodeHttp(): Promise<NodeHttp | undefined> {
  if (nodeHttpModules === undefined) {
    const http = nodeBuiltin<NodeHttp['http']>('node:http');
    const https = nodeBuiltin<NodeHttp['https']>('node:https');
    nodeHttpModules = Promise.resolve(http !== undefined && https !== undefined ? { http, https } : undefined);
  }
  return nodeHttpModules;
}

/**
 * One POST that never keeps the process alive: its own socket (not a pooled one, which
 * a later request of the program could reuse), unref'd, and an unref'd timer. Redirects
 * are not followed.
 */
function postUnref(node: NodeHttp, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const length = String(new TextEncoder().encode(body).byteLength);
    const request = (target.protocol === 'https:' ? node.https : node.http).request(
      target,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': length, connection: 'close' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          clearTimeout(timer);
          const retry = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, text, retryAfter: typeof retry === 'string' ? retry : null });
        });
        response.on('error', fail);
      },
    );
    function fail(error: unknown): void {
      clearTimeout(timer);
      request.destroy();
      reject(error);
    }
    const timer = setTimeout(() => fail(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    timer.unref?.();
    request.on('socket', (socket) => socket.unref());
    request.on('error', fail);
    request.end(body);
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nullableNumber = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** `{"prompt_version": {...}}` read into a version, or `invalid` when it is not that shape. */
function parseAnswer(text: string): ResolveResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid', status: 200, message: `the prompts endpoint answered 200 with a body that is not JSON: ${clip(text)}` };
  }
  const v = isObject(parsed) ? parsed.prompt_version : undefined;
  if (!isObject(v) || typeof v.id !== 'string' || typeof v.content !== 'string') {
    return { ok: false, reason: 'invalid', status: 200, message: `the prompts endpoint answered 200 without a prompt_version {id, content}: ${clip(text)}` };
  }
  const variables: PromptVariable[] = Array.isArray(v.variables)
    ? v.variables.flatMap((item) =>
        isObject(item) && typeof item.name === 'string'
          ? [{ name: item.name, type: typeof item.type === 'string' ? item.type : undefined, required: item.required === true, default: item.default ?? undefined }]
          : [],
      )
    : [];
  return {
    ok: true,
    data: {
      id: v.id,
      promptId: typeof v.prompt_id === 'string' ? v.prompt_id : undefined,
      version: Number.isInteger(v.version_number) ? (v.version_number as number) : undefined,
      content: v.content,
      model: typeof v.model === 'string' ? v.model : null,
      temperature: nullableNumber(v.temperature),
      maxTokens: nullableNumber(v.max_tokens),
      variables,
      contentHash: typeof v.content_hash === 'string' ? v.content_hash : undefined,
    },
  };
}

function errorText(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    if (typeof error === 'string') return clip(error);
  } catch {
    // Not JSON: show the raw text.
  }
  return clip(text);
}

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

function retryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.round(Number(value.trim()) * 1000);
}
