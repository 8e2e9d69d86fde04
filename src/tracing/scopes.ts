import { checkScopedCall } from '../config/check-call-options.js';
import type { Attributes, ModelCallOptions, ModelSpan, SpanHandle, SpanOptions, TraceHandle } from './handles.js';
import { runScoped } from './instrument.js';
import { ModelObservation } from './model-observation.js';
import { checkMetric, type Observation, type RunObservation, SpanObservation } from './observation.js';

/** The id handed out when nothing is recorded (disabled, or outside a trace). */
export const NIL_ID = '00000000-0000-0000-0000-000000000000';

/** Runs `fn` in a new child span of `parent` (or untraced with a no-op handle). */
export function childSpan<R>(parent: Observation | undefined, name: string, options: SpanOptions = {}, fn: (span: SpanHandle) => R): R {
  checkScopedCall('span', name, options, fn);
  let span: SpanObservation | undefined;
  if (parent !== undefined) {
    try {
      span = new SpanObservation(parent, name, options.kind ?? 'custom', {
        attributes: options.attributes,
        iteration: options.iteration,
        captureInput: options.captureInput ?? parent.captureInput,
        captureOutput: options.captureOutput ?? parent.captureOutput,
      });
    } catch (error) {
      parent.client.logger.problem('internal', `span ${name} could not start: ${String(error)}`, error);
    }
  }
  return span === undefined ? fn(NOOP_SPAN) : runScoped(span, span, fn);
}

/** Runs `fn` in a new model span of `parent` (or untraced with a no-op handle). */
export function childModelSpan<R>(parent: Observation | undefined, name: string, options: ModelCallOptions = {}, fn: (span: ModelSpan) => R): R {
  checkScopedCall('modelCall', name, options, fn);
  let span: ModelObservation | undefined;
  if (parent !== undefined) {
    try {
      span = new ModelObservation(parent, name, {
        ...options,
        captureInput: options.captureInput ?? parent.captureInput,
        captureOutput: options.captureOutput ?? parent.captureOutput,
      });
    } catch (error) {
      parent.client.logger.problem('internal', `model span ${name} could not start: ${String(error)}`, error);
    }
  }
  return span === undefined ? fn(NOOP_MODEL_SPAN) : runScoped(span, span, fn);
}

/** The handle of a scoped trace. */
export class TraceScope implements TraceHandle {
  constructor(private readonly run: RunObservation) {}
  get id(): string {
    return this.run.id;
  }
  setOutput(value: unknown): void {
    this.run.setOutput(value);
  }
  logEvent(name: string, data?: unknown): void {
    this.run.logEvent(name, data);
  }
  logMetric(name: string, value: number): void {
    this.run.logMetric(name, value);
  }
  logMetadata(metadata: Attributes): void {
    this.run.logMetadata(metadata);
  }
  span<R>(name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R {
    return childSpan(this.run, name, options, fn);
  }
  modelCall<R>(name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R {
    return childModelSpan(this.run, name, options, fn);
  }
}

const noop = (): void => {};

/** The span handle used when nothing is recorded. */
export const NOOP_SPAN: SpanHandle = Object.freeze({
  id: NIL_ID,
  traceId: NIL_ID,
  setOutput: noop,
  logEvent: noop,
  logMetric: (_name: string, value: number) => checkMetric(value),
  logMetadata: noop,
  setAttributes: noop,
});

/** The model span handle used when nothing is recorded. */
export const NOOP_MODEL_SPAN: ModelSpan = Object.freeze({
  ...NOOP_SPAN,
  recordInputMessages: noop,
  recordOutputMessage: noop,
  recordUsage: noop,
  setModel: noop,
});

/** The trace handle used when nothing is recorded. */
export const NOOP_TRACE: TraceHandle = Object.freeze({
  id: NIL_ID,
  setOutput: noop,
  logEvent: noop,
  logMetric: (_name: string, value: number) => checkMetric(value),
  logMetadata: noop,
  span: <R>(name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R => (checkScopedCall('span', name, options, fn), fn(NOOP_SPAN)),
  modelCall: <R>(name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R =>
    (checkScopedCall('modelCall', name, options, fn), fn(NOOP_MODEL_SPAN)),
});
