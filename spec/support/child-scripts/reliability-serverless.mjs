// A serverless-style handler: it awaits flush() before returning, because the platform may
// freeze or kill the process right after. The freeze is simulated by a hard process.exit.
import { flush, init, span, trace } from '../../../dist/esm/src/index.js';

init({ apiKey: process.env.NS_KEY, endpoint: process.env.NS_URL, flushIntervalMs: 60_000, batchSize: 1_000 });

const work = trace(async function invocation(event) {
  return span('work', { kind: 'tool' }, async () => ({ echoed: event.id }));
});

export async function handler(event) {
  try {
    return await work(event);
  } finally {
    await flush({ timeoutMs: 5_000 });
  }
}

const invocations = Number(process.env.NS_TRACES ?? 3);
for (let id = 0; id < invocations; id++) await handler({ id });
// The platform freezes the process as soon as the last handler returned.
process.exit(0);
