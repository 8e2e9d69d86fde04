// `npm run demo:ai-sdk` (Node >= 22): the AI SDK agent of weather-agent.ts, with its model
// served by a local OpenAI stand-in and its trace sent to a local NorthStar collector, both
// on 127.0.0.1; prints what the collector received. No credentials, no network.
import { createOpenAI } from '@ai-sdk/openai';
import { registerTelemetry } from 'ai';
import { init, shutdown, stats } from 'northstar-ai';
import { NorthstarTelemetry } from 'northstar-ai/ai-sdk';
import { startIngestServer } from '../spec/support/ingest-server.js';
import { startLlmServer } from '../spec/support/llm-server.js';
import { printTraces } from './print-trace.js';
import { WeatherAgent } from './weather-agent.js';

const collector = await startIngestServer({ apiKey: 'demo-key' });
const llm = await startLlmServer();
init({ apiKey: 'demo-key', endpoint: collector.url, project: 'weather-bot', environment: 'demo' });
// The one line of set-up: every generateText/streamText call now reports to NorthStar.
registerTelemetry(new NorthstarTelemetry());

// `x-scenario: agent` makes the stand-in ask for both tools, then answer.
const openai = createOpenAI({ apiKey: 'sk-demo', baseURL: llm.openaiBaseURL, headers: { 'x-scenario': 'agent' } });
const agent = new WeatherAgent(openai.chat('gpt-4o-mini'));

const question = 'What is the weather and the time in Paris?';
console.log(`Q: ${question}\nA: ${await agent.ask(question)}\n`);
let streamed = '';
for await (const chunk of agent.stream('And tomorrow?')) streamed += chunk;
console.log(`Q: And tomorrow?\nA (streamed): ${streamed}\n`);

await shutdown();
console.log(`The local collector received ${collector.requests.length} request(s):\n`);
printTraces(collector);
const s = stats();
console.log(`\nsent and accepted: ${s.accepted} records, dropped: ${s.droppedQueueFull + s.droppedRejected + s.droppedUnauthorized}`);
await llm.close();
await collector.close();
