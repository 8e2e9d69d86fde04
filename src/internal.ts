// The engine's internal entry module: what `decorators/` and the framework integrations
// of this package build on. Not a public API and not in package.json `exports`: a
// consumer imports `northstar-ai` (src/index.ts) or a subpath barrel instead.
//
// Opening records: `openRun` and `openSpan` are the one way to open a run or a span
// (`kind: 'model'` for a model span); `runInside` runs a callback with an observation
// as the current one; `invoke` runs a call as described by a `CallSpec` (open, run
// inside, record the result, end). Handles: `ManualRun`, `ManualSpan`,
// `ManualModelSpan` wrap an observation for a caller; never hand out the observation.
// Framework integrations (`integrations/*`) also use the hooks of
// src/tracing/integration-bridge.ts (client lookup, root steps, ending from a framework's
// result, context resolver, problem reporting).
export { getClient, init } from './api/lifecycle.js';
export { Northstar } from './client/northstar.js';
export { checkCallOptions, DECORATOR_OPTIONS } from './config/check-call-options.js';
export type { NorthstarOptions } from './config/options.js';
export { NorthstarConfigError, NorthstarDecoratorError } from './errors/northstar-error.js';
export type { CompiledPrompt } from './prompts/prompt-version.js';
export type { SpanKind } from './registry/records.js';
export { REDACTED } from './serialize/redaction.js';
export { ManualModelSpan, ManualRun, ManualSpan, NOOP_MODEL_SPAN, NOOP_RUN, NOOP_SPAN } from './tracing/handle-classes.js';
export type { Attributes, ModelSpan } from './tracing/handles.js';
export { contextObservation, coreOf, endObservation, innermost, openRoot, reportProblem, type RootSpec, setContextResolver, startedAt } from './tracing/integration-bridge.js';
export { argumentsByName, type CallSpec, type InputSource, invoke, runScoped, setInput } from './tracing/instrument.js';
export { asModelObservation, type ModelObservation } from './tracing/model-observation.js';
export type { Observation, RunObservation, SpanObservation } from './tracing/observation.js';
export { activeCore, currentObservation, openRun, openSpan, type RunSpec, runInside, sampleRun, type SpanSpec } from './tracing/open.js';
export { parameterInfo, parameterNames } from './tracing/param-names.js';
export { type Bag, isBag, nonEmptyString, parseJsonText } from './util/values.js';
export { identityMetadata } from './tracing/run-identity.js';
export { copyFunctionShape, fastPathWrapper, unwrap, WRAPPED } from './tracing/wrap-function.js';
