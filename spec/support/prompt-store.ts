// The prompts side of the stand-in server: versioned prompt templates with labels, and
// the resolve endpoint's answers exactly as PROTOCOL.md "Prompts: resolving a prompt
// version" describes them. Independent of src/, like the rest of spec/support.

import { createHash } from 'node:crypto';

/** The path of the resolve endpoint. */
export const PROMPTS_RESOLVE_PATH = '/functions/v1/prompts/resolve';

/** One stored version of a prompt. */
export interface StoredPromptVersion {
  id: string;
  version_number: number;
  content: string;
  model: string | null;
  temperature: number | null;
  max_tokens: number | null;
  variables: Array<{ name: string; type: string; required: boolean; default: unknown }>;
}

/** One stored prompt: its versions by number and its labels pointing at version numbers. */
export interface StoredPrompt {
  id: string;
  slug: string;
  name: string;
  versions: Map<number, StoredPromptVersion>;
  labels: Map<string, number>;
}

/** The ids of the fixtures, for specs to assert on. */
export const PROMPT_FIXTURE_IDS = {
  supportReply: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a01',
  supportReplyV1: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a11',
  supportReplyV2: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a12',
  triageChat: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a02',
  triageChatV1: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a21',
} as const;

/**
 * The fixtures: `support-reply` ("Support Reply") with two versions, `prod` → 1 and
 * `staging` → 2; `triage-chat`, a chat-style prompt (a JSON message list), `prod` → 1.
 */
function fixtures(): StoredPrompt[] {
  const ids = PROMPT_FIXTURE_IDS;
  return [
    {
      id: ids.supportReply,
      slug: 'support-reply',
      name: 'Support Reply',
      versions: new Map([
        [1, { id: ids.supportReplyV1, version_number: 1, content: 'Hello {{ customer }}, thanks for asking about {topic}.', model: null, temperature: null, max_tokens: null, variables: [] }],
        [
          2,
          {
            id: ids.supportReplyV2,
            version_number: 2,
            content: 'Hi {{customer}}! About {topic}: {{ answer }} (tone: {tone})',
            model: 'gpt-4o-mini',
            temperature: 0.2,
            max_tokens: 400,
            variables: [
              { name: 'customer', type: 'string', required: true, default: null },
              { name: 'topic', type: 'string', required: true, default: null },
              { name: 'answer', type: 'string', required: true, default: null },
              { name: 'tone', type: 'string', required: false, default: 'friendly' },
            ],
          },
        ],
      ]),
      labels: new Map([
        ['prod', 1],
        ['staging', 2],
      ]),
    },
    {
      id: ids.triageChat,
      slug: 'triage-chat',
      name: 'Triage Chat',
      versions: new Map([
        [
          1,
          {
            id: ids.triageChatV1,
            version_number: 1,
            content: JSON.stringify([
              { role: 'system', content: 'You triage tickets for {product}. Reply as JSON like {"priority": 1}.' },
              { role: 'user', content: '{{ ticket }}' },
            ]),
            model: 'claude-sonnet-4-5',
            temperature: 0,
            max_tokens: 200,
            variables: [],
          },
        ],
      ]),
      labels: new Map([['prod', 1]]),
    },
  ];
}

/** An answer of the resolve endpoint. */
export interface PromptAnswer {
  status: number;
  body: unknown;
}

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/** The prompts of the key's project, and the resolve logic. */
export class PromptStore {
  prompts: StoredPrompt[] = fixtures();

  /** Back to the fixtures. */
  reset(): void {
    this.prompts = fixtures();
  }

  /** Whether a prompt version id belongs to the project (what `prompt_links` need). */
  hasVersion(id: unknown): boolean {
    return this.prompts.some((p) => [...p.versions.values()].some((v) => v.id === id));
  }

  /** A prompt by slug (for specs that move labels or add versions). */
  prompt(slug: string): StoredPrompt {
    const found = this.prompts.find((p) => p.slug === slug);
    if (found === undefined) throw new Error(`no fixture prompt ${slug}`);
    return found;
  }

  /** Adds a version to a prompt (and optionally points a label at it); returns it. */
  addVersion(slug: string, content: string, options: { id: string; label?: string }): StoredPromptVersion {
    const prompt = this.prompt(slug);
    const version_number = Math.max(0, ...prompt.versions.keys()) + 1;
    const version: StoredPromptVersion = { id: options.id, version_number, content, model: null, temperature: null, max_tokens: null, variables: [] };
    prompt.versions.set(version_number, version);
    if (options.label !== undefined) prompt.labels.set(options.label, version_number);
    return version;
  }

  /** Answers one resolve body (already authenticated). */
  resolve(text: string): PromptAnswer {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: 'Invalid JSON body' } };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { error: 'JSON body must be an object' } };
    const b = body as Record<string, unknown>;
    const rawSlug = b.slug ?? b.name;
    const slug = typeof rawSlug === 'string' ? rawSlug.trim() : '';
    if (slug === '') return { status: 400, body: { error: 'slug is required' } };
    // `"version": null` (the key present) is refused: leave the key out when not pinning.
    if ('version' in b && !Number.isInteger(b.version)) return { status: 400, body: { error: 'version must be an integer' } };
    const version = b.version as number | undefined;
    if (version !== undefined && (version > INT32_MAX || version < INT32_MIN)) {
      return { status: 500, body: { error: 'Database error: value out of range for type integer' } };
    }
    const label = typeof b.label === 'string' ? b.label : 'prod';
    const prompt = this.prompts.find((p) => p.slug === slug) ?? this.prompts.find((p) => p.name.toLowerCase() === slug.toLowerCase());
    if (prompt === undefined) return { status: 404, body: { error: 'Prompt not found' } };
    const number = version ?? prompt.labels.get(label);
    const found = number === undefined ? undefined : prompt.versions.get(number);
    if (found === undefined) return { status: 404, body: { error: 'Prompt not found' } };
    return {
      status: 200,
      body: {
        prompt_version: {
          ...found,
          prompt_id: prompt.id,
          content_hash: createHash('sha256').update(found.content).digest('hex'),
          // An extra field: clients must accept unknown ones.
          created_at: '2025-05-01T12:00:00.000Z',
        },
      },
    };
  }
}
