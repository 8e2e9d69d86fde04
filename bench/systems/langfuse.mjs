// Langfuse JS v5: observe() from @langfuse/tracing on the agent and each child (it
// records arguments and results itself), exported by LangfuseSpanProcessor from
// @langfuse/otel (a BatchSpanProcessor with Langfuse's OTLP/HTTP exporter) to the
// loopback sink, default options but the queue size the timed runs set for everyone.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { observe } from '@langfuse/tracing';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

export async function setup({ sinkUrl, maxQueueSize }) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const processor = new LangfuseSpanProcessor({
    publicKey: 'pk-lf-bench',
    secretKey: 'sk-lf-bench',
    baseUrl: sinkUrl,
    mediaUploadEnabled: false,
    ...(maxQueueSize ? { maxQueueSize } : {}),
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  trace.setGlobalTracerProvider(provider);
  const children = {
    retrieve: observe(retrieve, { name: 'retrieve', asType: 'tool' }),
    rank: observe(rank, { name: 'rank' }),
    generate: observe(generate, { name: 'generate' }),
  };
  return {
    agent: observe(
      async function agent(query) {
        return agentBody(children, query);
      },
      { name: 'agent', asType: 'agent' },
    ),
    flush: () => provider.forceFlush(),
    teardown: () => provider.shutdown(),
  };
}
