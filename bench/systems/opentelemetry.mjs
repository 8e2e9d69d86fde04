// OpenTelemetry: BasicTracerProvider + BatchSpanProcessor (defaults) + AsyncLocalStorage
// context manager. It captures nothing by itself, so every traced function records its
// arguments and result as JSON span attributes, like the other systems do.
// exporter: 'discard' (counts and drops) or 'otlp' (OTLP/HTTP JSON to the loopback sink).
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

function traced(tracer, name, fn) {
  const fail = (span, error) => {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  return function (...args) {
    return tracer.startActiveSpan(name, (span) => {
      span.setAttribute('input', JSON.stringify(args));
      let result;
      try {
        result = fn.apply(this, args);
      } catch (error) {
        fail(span, error);
        throw error;
      }
      return result.then(
        (value) => {
          span.setAttribute('output', JSON.stringify(value));
          span.end();
          return value;
        },
        (error) => {
          fail(span, error);
          throw error;
        },
      );
    });
  };
}

export async function setup({ sinkUrl, exporter: kind, maxQueueSize }) {
  let exported = 0;
  const exporter =
    kind === 'otlp'
      ? new OTLPTraceExporter({ url: `${sinkUrl}/v1/traces` })
      : {
          export(spans, done) {
            exported += spans.length;
            done({ code: 0 });
          },
          shutdown: () => Promise.resolve(),
          forceFlush: () => Promise.resolve(),
        };
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, maxQueueSize ? { maxQueueSize } : {})] });
  trace.setGlobalTracerProvider(provider);
  const tracer = trace.getTracer('bench');
  const children = {
    retrieve: traced(tracer, 'retrieve', retrieve),
    rank: traced(tracer, 'rank', rank),
    generate: traced(tracer, 'generate', generate),
  };
  return {
    agent: traced(tracer, 'agent', async function agent(query) {
      return agentBody(children, query);
    }),
    flush: () => provider.forceFlush(),
    stats: () => ({ exported }),
    teardown: () => provider.shutdown(),
  };
}
