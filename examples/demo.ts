// `npm run demo`: runs the traced support agent against a local NorthStar collector
// on 127.0.0.1 and prints what the collector received. No credentials, no network.
import { init, score, shutdown, stats, trace } from 'northstar-ai';
import { startIngestServer } from '../spec/support/ingest-server.js';
import { printTraces } from './print-trace.js';
import { SupportAgent } from './support-agent.js';

const collector = await startIngestServer({ apiKey: 'demo-key' });
init({
  apiKey: 'demo-key',
  endpoint: collector.url,
  project: 'support-bot',
  environment: 'demo',
  redactKeys: ['session_token'],
});

const agent = new SupportAgent();
const question = 'How do I reset my password?';
const answer = await agent.answer(question, { token: 'never recorded' });
console.log(`Q: ${question}\nA: ${answer}\n`);

// The same SDK without decorators: a scoped trace with an event, metadata and a score.
const traceId = await trace('feedback', { tags: ['demo'] }, async (t) => {
  t.logEvent('thumbs_up', { session_token: 'redacted in transit', comment: 'clear answer' });
  t.logMetadata({ user: 'u_42' });
  t.setOutput({ stored: true });
  return t.id;
});
score(traceId, 'helpful', true, { comment: 'from the demo' });

await shutdown();
console.log(`The local collector received ${collector.requests.length} request(s):\n`);
printTraces(collector);
const s = stats();
console.log(`\nsent and accepted: ${s.accepted} records, dropped: ${s.droppedQueueFull + s.droppedRejected + s.droppedUnauthorized}`);
await collector.close();
