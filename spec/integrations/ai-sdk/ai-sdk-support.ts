// Shared by the AI SDK specs: `ai` 7 needs Node >= 22 and ships ESM only, so it is
// loaded with a dynamic import, and only on a Node that can run it.
import type { LanguageModelV3GenerateResult, LanguageModelV3StreamPart } from '@ai-sdk/provider';

const major = Number(process.versions.node.split('.')[0]);

/** The node:test `skip` option: a message on Node 20, false where `ai` 7 runs. */
export const skipUnlessAi7: string | false = major >= 22 ? false : `the Vercel AI SDK (ai 7) needs Node >= 22; this is Node ${process.versions.node}`;

/** The AI SDK's modules, loaded on demand. */
export async function loadAi() {
  const [ai, test, openai, zod] = await Promise.all([import('ai'), import('ai/test'), import('@ai-sdk/openai'), import('zod')]);
  return { ai, test, openai, z: zod.z };
}

/** Usage in the provider's (v3) shape: 100 in (40 from cache), 20 out (5 reasoning). */
export const USAGE = {
  inputTokens: { total: 100, noCache: 60, cacheRead: 40, cacheWrite: undefined },
  outputTokens: { total: 20, text: 15, reasoning: 5 },
};

/** A generate result asking for the `weather` tool. */
export const TOOL_CALL_RESULT: LanguageModelV3GenerateResult = {
  content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) }],
  finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
  usage: USAGE,
  warnings: [],
};

/** A generate result answering in text. */
export const TEXT_RESULT: LanguageModelV3GenerateResult = {
  content: [{ type: 'text', text: 'Sunny in Paris.' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: USAGE,
  warnings: [],
};

/** Stream parts of a text answer, `Hello, world!` in four chunks. */
export const TEXT_STREAM: LanguageModelV3StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: 'Hello' },
  { type: 'text-delta', id: 't', delta: ', ' },
  { type: 'text-delta', id: 't', delta: 'world' },
  { type: 'text-delta', id: 't', delta: '!' },
  { type: 'text-end', id: 't' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: USAGE },
];
