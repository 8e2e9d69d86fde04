// A script that traces work and ends on its own, never calling flush() or shutdown():
// the exit hook must deliver everything before the process exits.
import { init, logEvent, span, trace } from '../../../dist/esm/src/index.js';

init({ apiKey: process.env.NS_KEY, endpoint: process.env.NS_URL, flushIntervalMs: 60_000, batchSize: 1_000 });

const count = Number(process.env.NS_TRACES ?? 50);
const agent = trace(async function agent(i) {
  await span('tool', { kind: 'tool' }, async () => {
    logEvent('step', { i });
    await new Promise((resolve) => setTimeout(resolve, 1));
  });
  return i;
});
for (let i = 0; i < count; i++) await agent(i);
