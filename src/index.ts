// The public API of `northstar-ai`. Everything not exported here is internal.
export { init, flush, shutdown, stats, getClient, currentTraceId, currentSpanId } from './api/lifecycle.js';
export { trace } from './api/trace.js';
export type { TraceOptions } from './api/trace.js';
export { span, observe, modelCall } from './api/span.js';
export type { ObserveOptions } from './api/span.js';
export { logEvent, logMetric, logMetadata } from './api/log.js';
export { score } from './api/score.js';
export { Northstar } from './client/northstar.js';
export { ManualRun, ManualSpan, ManualModelSpan } from './tracing/handle-classes.js';
export type { FlushOptions, RunOptions, NorthstarStats } from './client/northstar.js';
export type { ScoreOptions } from './client/score-record.js';
export type {
  Attributes,
  ObservationHandle,
  TraceHandle,
  SpanHandle,
  ModelSpan,
  SpanOptions,
  ModelCallOptions,
  UsageInput,
} from './tracing/handles.js';
export type { TokenUsage } from './model/usage.js';
export { instrumentOpenAI, instrumentAnthropic, uninstrument } from './instrumentation/client-instrumentation.js';
export type { InstrumentClientOptions } from './instrumentation/client-instrumentation.js';
export type { NorthstarOptions, NorthstarDiagnostic } from './config/options.js';
export type { SnapshotLimits } from './serialize/snapshot.js';
export type { SpanKind, EventType, RecordStatus, ScoreDataType } from './registry/records.js';
export { NorthstarError, NorthstarConfigError, NorthstarDecoratorError, isNorthstarError } from './errors/northstar-error.js';
export { DEFAULT_REDACT_KEYS } from './serialize/redaction.js';
