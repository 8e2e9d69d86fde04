import type { Logger } from '../debug/logger.js';
import { type PromptVariables, resolveVariables, substitute, templateVariables } from './template.js';

/** One variable a prompt version declares (the dashboard's variable list). */
export interface PromptVariable {
  readonly name: string;
  readonly type?: string;
  readonly required?: boolean;
  /** Used by `compile` when the variable is not given. */
  readonly default?: unknown;
}

/** A chat message of a chat-style prompt, ready for OpenAI's `messages`. */
export interface PromptMessage {
  readonly role: 'system' | 'developer' | 'user' | 'assistant';
  readonly content: string;
}

/** The messages of a chat-style prompt in Anthropic's shape: system text apart. */
export interface AnthropicPrompt {
  /** The system (and developer) messages joined by a blank line, if any. */
  readonly system: string | undefined;
  readonly messages: Array<{ role: 'user' | 'assistant'; content: string }>;
}

/**
 * A rendered prompt. Pass it to `modelCall(name, { prompt })`, `@ModelCall({ prompt })`,
 * `span.linkPrompt(compiled)` or `withPrompt(compiled, fn)` to link the model call to
 * its prompt version.
 */
export interface CompiledPrompt {
  /** The rendered content (for a chat-style prompt: the rendered message list as JSON). */
  readonly text: string;
  /** For a chat-style prompt (content a JSON array of `{ role, content }`), the rendered messages; else undefined. */
  readonly messages: PromptMessage[] | undefined;
  /** The prompt version id that `prompt_links` record; undefined for a fallback given without one (never linked). */
  readonly promptVersionId: string | undefined;
  readonly slug: string;
  /** The version number, when known. */
  readonly version: number | undefined;
  /** The values of the variables the template uses (given or defaulted), linked to the model span (redacted like any captured value). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Variables given that the template does not use. */
  readonly unusedVariables: readonly string[];
  /** The version's model settings, to pass on to the provider. */
  readonly model: string | null;
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  /** The messages split for Anthropic's `messages.create({ system, messages })`; a text prompt becomes one user message. */
  anthropic(): AnthropicPrompt;
}

/** The fields of a prompt version as the resolve endpoint returns them, camel-cased. */
export interface PromptVersionData {
  /** The prompt version id (what `prompt_links` use). */
  readonly id: string | undefined;
  readonly promptId: string | undefined;
  /** The version number (from 1). */
  readonly version: number | undefined;
  /** The template. */
  readonly content: string;
  readonly model: string | null;
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  readonly variables: readonly PromptVariable[];
  /** Lowercase hex SHA-256 of `content`. */
  readonly contentHash: string | undefined;
}

const CHAT_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);

/** The messages of a chat-style prompt, or undefined when the content is plain text. */
function chatMessages(content: string): PromptMessage[] | undefined {
  if (!content.trimStart().startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const ok = parsed.every(
    (m) => m !== null && typeof m === 'object' && CHAT_ROLES.has((m as PromptMessage).role) && typeof (m as PromptMessage).content === 'string',
  );
  return ok ? parsed.map((m: PromptMessage) => ({ role: m.role, content: m.content })) : undefined;
}

/**
 * A prompt version pulled from NorthStar (or a fallback). `compile(variables)` renders it;
 * the variable names are typed when the template type is given (`pullPrompt<'Hi {{ name }}'>(...)`).
 */
export class PromptVersion<T extends string = string> implements PromptVersionData {
  readonly id: string | undefined;
  readonly promptId: string | undefined;
  readonly version: number | undefined;
  readonly content: string;
  readonly model: string | null;
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  readonly variables: readonly PromptVariable[];
  readonly contentHash: string | undefined;
  /** The slug it was pulled by. */
  readonly slug: string;
  /** The label it was pulled by (undefined when a version was pinned). */
  readonly label: string | undefined;
  /** Where it came from: `server`, or `fallback` (the `fallback` option, used because the endpoint failed or the SDK is disabled). */
  readonly source: 'server' | 'fallback';
  /** The template's messages when the content is a chat message list; else undefined. */
  readonly messages: readonly PromptMessage[] | undefined;
  private readonly logger: Logger | undefined;

  /** @internal */
  constructor(data: PromptVersionData, where: { slug: string; label: string | undefined; source: 'server' | 'fallback'; logger: Logger | undefined }) {
    this.id = data.id;
    this.promptId = data.promptId;
    this.version = data.version;
    this.content = data.content;
    this.model = data.model;
    this.temperature = data.temperature;
    this.maxTokens = data.maxTokens;
    this.variables = Object.freeze([...data.variables]);
    this.contentHash = data.contentHash;
    this.slug = where.slug;
    this.label = where.label;
    this.source = where.source;
    // Not enumerable: a logged or inspected version shows its data only.
    Object.defineProperty(this, 'logger', { value: where.logger, enumerable: false });
    this.messages = chatMessages(data.content);
  }

  /** The variable names the template uses: the server's list, or the template's own (sorted) when that is empty. */
  get variableNames(): string[] {
    const own = this.messages === undefined ? templateVariables(this.content) : [...new Set(this.messages.flatMap((m) => templateVariables(m.content)))].sort();
    if (this.variables.length === 0) return own;
    return [...new Set([...this.variables.map((v) => v.name), ...own])].sort();
  }

  /**
   * Renders the template in one pass (`{{ name }}` and `{name}`). Throws a
   * `NorthstarPromptError` (`missing_variables`) naming every missing variable; extra
   * variables are allowed (reported in debug output and in `unusedVariables`). A
   * variable the version declares with a `default` may be left out.
   */
  compile(variables: PromptVariables<T> = {} as PromptVariables<T>): CompiledPrompt {
    const defaults = new Map<string, unknown>();
    for (const v of this.variables) if (v.default !== undefined && v.default !== null) defaults.set(v.name, v.default);
    const names = this.messages === undefined ? templateVariables(this.content) : [...new Set(this.messages.flatMap((m) => templateVariables(m.content)))].sort();
    const resolution = resolveVariables(names, variables as Record<string, unknown>, defaults, { slug: this.slug, label: this.label });
    if (resolution.unused.length > 0) {
      this.logger?.debug(`prompt ${JSON.stringify(this.slug)}: variables not in the template: ${resolution.unused.join(', ')}`);
    }
    const messages = this.messages?.map((m) => ({ role: m.role, content: substitute(m.content, resolution.rendered) }));
    const text = messages === undefined ? substitute(this.content, resolution.rendered) : JSON.stringify(messages);
    return compiledPrompt({
      text,
      messages,
      promptVersionId: this.id,
      slug: this.slug,
      version: this.version,
      variables: Object.freeze(resolution.used),
      unusedVariables: Object.freeze(resolution.unused),
      model: this.model,
      temperature: this.temperature,
      maxTokens: this.maxTokens,
    });
  }
}

/** Builds a compiled prompt (the `anthropic()` view included). */
export function compiledPrompt(fields: Omit<CompiledPrompt, 'anthropic'>): CompiledPrompt {
  return Object.freeze({
    ...fields,
    anthropic(): AnthropicPrompt {
      const messages = fields.messages ?? [{ role: 'user' as const, content: fields.text }];
      const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
      return {
        system: system.length > 0 ? system.join('\n\n') : undefined,
        messages: messages.flatMap((m) => (m.role === 'user' || m.role === 'assistant' ? [{ role: m.role, content: m.content }] : [])),
      };
    },
  });
}
