// A long-running service with the documented shutdown pattern. It traces requests, says
// "ready" on stdout, and waits for SIGTERM; nothing has been sent yet at that point.
import { createServer } from 'node:http';
import { init, logEvent, shutdown, span, trace } from '../../../dist/esm/src/index.js';

init({ apiKey: process.env.NS_KEY, endpoint: process.env.NS_URL, flushIntervalMs: 60_000, batchSize: 1_000 });

// The documented pattern: finish telemetry, then exit.
process.on('SIGTERM', async () => {
  await shutdown({ timeoutMs: 5_000 });
  process.exit(0);
});

// Something that keeps a real service alive.
const http = createServer((_req, res) => res.end('ok'));
http.listen(0, '127.0.0.1');

const handle = trace(async function handleRequest(i) {
  await span('db', { kind: 'tool' }, async () => logEvent('query', { i }));
  return { status: 200, i };
});
const count = Number(process.env.NS_TRACES ?? 30);
for (let i = 0; i < count; i++) await handle(i);
process.stdout.write('ready\n');
