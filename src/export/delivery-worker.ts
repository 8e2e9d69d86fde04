// The delivery worker: the script a worker thread runs for the worker transport
// (src/export/worker-transport.ts starts it). It POSTs the request bodies it is handed
// with the very transport the caller's thread would use (`createHttpTransport`) and posts
// each `SendResult` back. It holds no records: the queue, retries and drop accounting stay
// on the caller's thread, so a worker that dies loses nothing but the answer it owed.
// Loaded only as a worker's entry file, never imported by the engine, so its static
// `node:` import reaches no edge bundle.
import { parentPort } from 'node:worker_threads';
import { createHttpTransport, type HttpTransportOptions, type SendResult, type Transport } from './http-transport.js';
import type { ToWorker } from './worker-transport.js';

const port = parentPort;
/** One HTTP transport per client (endpoint, key and timeout of that client). */
const channels = new Map<number, Transport>();

port?.on('message', (message: ToWorker) => {
  if (message.type === 'open') {
    const { endpoint, apiKey, timeoutMs }: HttpTransportOptions = message;
    channels.set(message.channel, createHttpTransport({ endpoint, apiKey, timeoutMs }));
  } else if (message.type === 'close') {
    channels.get(message.channel)?.close?.();
    channels.delete(message.channel);
  } else if (message.type === 'send') {
    const { id } = message;
    const transport = channels.get(message.channel);
    const answer = (result: SendResult): void => port.postMessage({ type: 'result', id, result });
    if (transport === undefined) {
      answer({ kind: 'transient', message: 'the delivery worker had no transport for this client' });
      return;
    }
    transport(message.body).then(answer, (error: unknown) => answer({ kind: 'transient', message: `delivery failed in the worker: ${String(error)}` }));
  }
});
// Modules loaded, listener set: the caller's thread may count on this worker from now on.
port?.postMessage({ type: 'ready' });
