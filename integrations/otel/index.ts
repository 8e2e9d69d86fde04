// The public API of `northstar-ai/otel`: OpenTelemetry spans in, NorthStar runs and spans out.
// Loads `@opentelemetry/api` (an optional peer dependency); nothing else of the package does.
export { NorthstarSpanProcessor, NorthstarLogRecordProcessor } from './span-processor.js';
export type { NorthstarSpanProcessorOptions, OtelSpanLike, OtelLogRecordLike } from './span-processor.js';
