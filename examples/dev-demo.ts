// `npm run dev:demo`: the traced support agent sending to the local viewer of
// `northstar-ai dev` (NORTHSTAR_DEV=1, set by `northstar-ai dev -- <command>`). No
// credentials, no network: open the printed URL to see the runs.
import { init, logMetadata, score, shutdown, trace } from 'northstar-ai';
import { SupportAgent } from './support-agent.js';

init({ project: 'support-bot', environment: 'demo', redactKeys: ['session_token'] });

const agent = new SupportAgent();
for (const question of ['How do I reset my password?', 'How do I enable two-factor authentication?']) {
  const answer = await agent.answer(question, { token: 'never recorded' });
  console.log(`Q: ${question}\nA: ${answer}\n`);
}

// A run that fails, so the viewer shows an error.
await trace('refund-request', { tags: ['demo', 'billing'] }, async (t) => {
  t.logEvent('lookup', { order: 'A-1001' });
  throw new Error('order A-1001 not found');
}).catch(() => undefined);

// A scoped trace with an event, metadata and a score.
const traceId = await trace('feedback', { tags: ['demo'] }, async (t) => {
  t.logEvent('thumbs_up', { session_token: 'redacted in transit', comment: 'clear answer' });
  logMetadata({ user: 'u_42' });
  t.setOutput({ stored: true });
  return t.id;
});
score(traceId, 'helpful', true, { comment: 'from the demo' });

const delivered = await shutdown();
console.log(delivered ? 'sent to the local viewer' : 'not delivered: is `northstar-ai dev` running?');
