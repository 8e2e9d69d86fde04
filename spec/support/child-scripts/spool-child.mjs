// A process with a spool directory (NS_SPOOL), for the spool specs. NS_MODE says how it ends:
//   exit     traces NS_TRACES runs (nothing sent yet), then calls process.exit(0) at once;
//   throw    the same, then throws an uncaught exception;
//   sigkill  traces while the server is unreachable until records spill to disk, says
//            "ready <stats>" and waits to be killed;
//   deliver  starts, delivers what earlier processes left, shuts down, prints its stats;
//   outage   traces NS_TRACES runs while the server is down, then awaits shutdown().
import { init, logEvent, shutdown, span, stats, trace } from '../../../dist/esm/src/index.js';

const mode = process.env.NS_MODE;
const diagnostics = [];
init({
  apiKey: process.env.NS_KEY,
  endpoint: process.env.NS_URL,
  flushIntervalMs: 60_000,
  batchSize: 1_000,
  // The outage script runs with the default backoff, as the user would.
  ...(mode === 'outage' ? {} : { retryInitialDelayMs: 50, retryMaxDelayMs: 500 }),
  maxBatchBytes: Number(process.env.NS_MAX_BATCH_BYTES ?? 1_000_000),
  ...(process.env.NS_MAX_QUEUE_BYTES ? { maxQueueBytes: Number(process.env.NS_MAX_QUEUE_BYTES) } : {}),
  ...(process.env.NS_SPOOL ? { spool: { dir: process.env.NS_SPOOL } } : {}),
  onError: (d) => diagnostics.push(`${d.kind}: ${d.message}`),
});

const job = trace(function job(i) {
  span('step', { kind: 'tool' }, () => logEvent('work', { i, pad: 'x'.repeat(300) }));
  return { i };
});
const count = Number(process.env.NS_TRACES ?? 20);

if (mode === 'exit' || mode === 'throw') {
  for (let i = 0; i < count; i++) job(i);
  if (mode === 'exit') process.exit(0);
  throw new Error('crash right after tracing');
} else if (mode === 'sigkill') {
  let i = 0;
  while (stats().spooled === 0 && i < 100_000) job(i++);
  process.stdout.write(`ready ${JSON.stringify(stats())}\n`);
  setInterval(() => {}, 1_000);
} else if (mode === 'deliver') {
  const ok = await shutdown({ timeoutMs: 10_000 });
  process.stdout.write(`${JSON.stringify({ ok, stats: stats(), diagnostics })}\n`);
} else if (mode === 'outage') {
  for (let i = 0; i < count; i++) job(i);
  const ok = await shutdown();
  process.stdout.write(`${JSON.stringify({ ok, stats: stats() })}\n`);
}
