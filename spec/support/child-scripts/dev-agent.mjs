// A small traced agent for the viewer's browser spec: a tool span, then a real `openai`
// client (instrumented) against the loopback LLM server, inside one trace. It sends
// with the local-viewer switch: NORTHSTAR_DEV=1 and NORTHSTAR_DEV_PORT come from the spec.
//   LLM_BASE_URL   the LLM server's OpenAI base URL
//   AGENT_NAME     the trace name            (default support-agent)
//   SCENARIO       the LLM server scenario   (default text)
//   QUESTION       the user's question
//   FAIL           "1": the tool span throws and the run ends in error
import OpenAI from 'openai';
import { init, instrumentOpenAI, shutdown, span, trace } from 'northstar-ai';

init({ project: 'browser-spec', environment: 'test' });
const client = instrumentOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: process.env.LLM_BASE_URL, maxRetries: 0 }));
const name = process.env.AGENT_NAME ?? 'support-agent';
const scenario = process.env.SCENARIO ?? 'text';
const question = process.env.QUESTION ?? 'How do I reset my password?';

await trace(name, { tags: ['browser', scenario] }, async () => {
  const docs = await span('search-docs', { kind: 'tool' }, async () => {
    if (process.env.FAIL === '1') throw new Error('knowledge base unavailable');
    return [{ id: 'kb-1', title: 'Resetting your password' }];
  });
  const completion = await client.chat.completions.create(
    {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: `You are a support agent. Context: ${JSON.stringify(docs)}` },
        { role: 'user', content: question },
      ],
    },
    { headers: { 'x-scenario': scenario } },
  );
  return completion.choices[0]?.message.content ?? '';
}).catch(() => undefined);

process.exitCode = (await shutdown()) ? 0 : 1;
