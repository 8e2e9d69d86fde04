import { installedClient } from '../client/installed.js';
import type { PromptVersion } from '../prompts/prompt-version.js';
import { pullPromptWith, type PullPromptOptions } from '../prompts/pull-prompt.js';

/**
 * Pulls a prompt version from NorthStar with the `init()` client's key and endpoint: by
 * label (default `prod`), or a pinned `version`. Cached in process (`cacheTtlMs`, default
 * 60 s; a stale version is returned at once and refreshed in the background). When the
 * endpoint fails, a cached version or the `fallback` is used and the failure reported
 * through `onError`; with neither it rejects with a `NorthstarPromptError`
 * (`reason`: `not_found`, `unauthorized`, `unreachable`, `invalid`, `disabled`).
 *
 * @example
 * const prompt = await pullPrompt('support-reply', { label: 'staging' });
 * const compiled = prompt.compile({ customer: 'Ada', question });
 */
export function pullPrompt<T extends string = string>(slug: string, options: PullPromptOptions = {}): Promise<PromptVersion<T>> {
  return pullPromptWith<T>(installedClient()?.config, slug, options);
}
