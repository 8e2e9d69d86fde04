// Which compiled prompt a model span is linked to: the one `withPrompt` bound to the
// async flow, or a call's `prompt` option. The record itself (`prompt_links`) is made by
// the engine, src/tracing/prompt-links.ts.

import { type ContextStore, createContextStore } from '../util/runtime.js';

import type { CompiledPrompt } from './prompt-version.js';

/** What a decorator or call spec may give as its prompt: a compiled prompt, or a function of the call's arguments returning one. */
export type PromptSource = CompiledPrompt | ((...args: any[]) => CompiledPrompt | undefined);

/** The prompt bound by `withPrompt`, in one versioned `globalThis` slot shared by every loaded copy. */
const SLOT = Symbol.for('northstar-ai.bound-prompt.v1');
const holder = globalThis as unknown as Record<symbol, ContextStore | undefined>;
const bound: ContextStore = holder[SLOT] ?? (holder[SLOT] = createContextStore());

/** The compiled prompt `withPrompt` bound to the current async flow, if any. */
export function boundPrompt(): CompiledPrompt | undefined {
  return bound.getStore() as CompiledPrompt | undefined;
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
