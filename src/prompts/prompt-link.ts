// Links model spans to the prompt versions they used: one `prompt_links` record per
// (span, version), queued with the span as its parent so the span rides along (PROTOCOL
// "Prompts: links at ingest": a link must come in the same batch as its span, or after).

import { AsyncLocalStorage } from 'node:async_hooks';

import type { JsonObject, PromptLinkRecord } from '../registry/records.js';
import { createEntry, type Entry } from '../registry/run-registry.js';
import type { Observation } from '../tracing/observation.js';
import type { CompiledPrompt } from './prompt-version.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a decorator or call spec may give as its prompt: a compiled prompt, or a function of the call's arguments returning one. */
export type PromptSource = CompiledPrompt | ((...args: any[]) => CompiledPrompt | undefined);

/** The prompt bound by `withPrompt`, in one versioned `globalThis` slot shared by every loaded copy. */
const SLOT = Symbol.for('northstar-ai.bound-prompt.v1');
const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<CompiledPrompt> | undefined>;
const bound: AsyncLocalStorage<CompiledPrompt> = holder[SLOT] ?? (holder[SLOT] = new AsyncLocalStorage<CompiledPrompt>());

/** The compiled prompt `withPrompt` bound to the current async flow, if any. */
export function boundPrompt(): CompiledPrompt | undefined {
  return bound.getStore();
}

/**
 * Runs `fn` with `prompt` bound: every model span opened inside (an instrumented OpenAI
 * or Anthropic call, `modelCall`, `@ModelCall`) is linked to the prompt's version.
 * Returns what `fn` returns (the same promise object for an async `fn`).
 *
 * @example
 * const compiled = prompt.compile({ question });
 * const res = await withPrompt(compiled, () => openai.chat.completions.create({ model, messages: compiled.messages! }));
 */
export function withPrompt<R>(prompt: CompiledPrompt, fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError('withPrompt: fn must be a function');
  return bound.run(prompt, fn);
}

/** The compiled prompt of a call: the source's, a function's result for these arguments, else the bound one. */
export function promptFor(source: PromptSource | undefined, args: readonly unknown[], report: (message: string, error: unknown) => void): CompiledPrompt | undefined {
  if (typeof source !== 'function') return source;
  try {
    return source(...args);
  } catch (error) {
    report(`the prompt option threw: ${String(error)}`, error);
    return undefined;
  }
}

/** Link entries per span, so linking a version again updates its one record. */
const links = new WeakMap<Observation, Map<string, Entry>>();

/**
 * Queues the `prompt_links` record of `span` and `prompt`; the variable values are
 * snapshotted (redacted and masked) unless the span's input capture is off. A prompt
 * without a version id (a fallback given without one) is not linked.
 */
export function linkPrompt(span: Observation, prompt: CompiledPrompt | undefined): void {
  if (prompt === undefined || prompt === null) return;
  const client = span.client;
  const versionId = (prompt as Partial<CompiledPrompt>).promptVersionId;
  if (span.spanId === undefined) return;
  if (typeof versionId !== 'string' || !UUID.test(versionId)) {
    client.logger.debug(`span ${span.id}: prompt ${JSON.stringify(String((prompt as Partial<CompiledPrompt>).slug))} has no version id (a fallback?); not linked`);
    return;
  }
  const record: PromptLinkRecord = { trace_id: span.run.id, span_id: span.spanId, prompt_version_id: versionId.toLowerCase() };
  const values = span.captureInput ? client.snapshot(prompt.variables ?? {}) : undefined;
  if (values !== null && typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length > 0) {
    record.variable_values = values as JsonObject;
  }
  let perSpan = links.get(span);
  if (perSpan === undefined) links.set(span, (perSpan = new Map()));
  const existing = perSpan.get(record.prompt_version_id);
  if (existing !== undefined) {
    existing.record = record;
    client.enqueue(existing);
    return;
  }
  const entry = createEntry('prompt_links', record, [span.run.entry, span.entry], false);
  perSpan.set(record.prompt_version_id, entry);
  client.enqueue(entry);
}
