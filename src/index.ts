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
export type { RunInfo } from './config/options.js';
export type { SnapshotLimits } from './serialize/snapshot.js';
export type { SpanKind, EventType, RecordStatus, ScoreDataType } from './registry/records.js';
export { NorthstarError, NorthstarConfigError, NorthstarDecoratorError, isNorthstarError } from './errors/northstar-error.js';
export { DEFAULT_REDACT_KEYS } from './serialize/redaction.js';
export { pullPrompt } from './api/prompts.js';
export { withPrompt } from './prompts/prompt-link.js';
export { PromptVersion } from './prompts/prompt-version.js';
export type { CompiledPrompt, PromptMessage, AnthropicPrompt, PromptVariable, PromptVersionData } from './prompts/prompt-version.js';
export type { PullPromptOptions, PromptFallback } from './prompts/pull-prompt.js';
export { compileTemplate } from './prompts/template.js';
export type { PromptVariables } from './prompts/template.js';
export { NorthstarPromptError, isNorthstarPromptError } from './prompts/prompt-error.js';
export type { PromptErrorReason } from './prompts/prompt-error.js';
export { replay, getRecordedRun, Replay } from './replay/replay.js';
export type { ReplayStep, ReplayMessageStep, ReplayToolCallStep, ReplayMessageKind, ToolRegistry, ReplayInvocation, ReplayDiff, ReplayStepDiff } from './replay/replay.js';
export type { RunExport } from './registry/run-recorder.js';
