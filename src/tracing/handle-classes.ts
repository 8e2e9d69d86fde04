// The one handle family: every caller (the scoped callbacks of `trace`/`span`/`modelCall`,
// `currentModelSpan()`, the manual client) receives one of these three classes, never
// an observation. A handle without an observation is the no-op of its kind (disabled, or
// outside a trace): same methods, nothing recorded, the same `TypeError`s.
import { checkScopedCall } from '../config/check-call-options.js';
import { hideInternals } from '../debug/inspect.js';
import type { TokenUsage } from '../model/usage.js';
import type { CompiledPrompt } from '../prompts/prompt-version.js';
import type { Attributes, ModelCallOptions, ModelSpan, ObservationHandle, SpanHandle, SpanOptions, TraceHandle, UsageInput } from './handles.js';
import { runScoped } from './instrument.js';
import type { ModelObservation } from './model-observation.js';
import { checkMetric, type Observation, type RunObservation, type SpanObservation } from './observation.js';
import { openSpan } from './open.js';

/** The id handed out when nothing is recorded (disabled, or outside a trace). */
export const NIL_ID = '00000000-0000-0000-0000-000000000000';

/** What run, span and model span handles share. Every method is a no-op without an observation. */
abstract class Handle<O extends Observation> implements ObservationHandle {
  /** @internal */
  constructor(readonly observation: O | undefined) {}

  /** The record id (the nil UUID when nothing is recorded). */
  get id(): string {
    return this.observation?.id ?? NIL_ID;
  }

  /** Starts a child span you end yourself. */
  startSpan(name: string, options: SpanOptions = {}): ManualSpan {
    const parent = this.observation;
    return new ManualSpan(parent && openSpan(parent, name, plain(options)));
  }

  /** Starts a model span you end yourself. */
  startModelSpan(name: string, options: ModelCallOptions = {}): ManualModelSpan {
    const parent = this.observation;
    return new ManualModelSpan(parent && (openSpan(parent, name, { ...options, kind: 'model' }) as ModelObservation | undefined));
  }

  /** Runs `fn` inside a child span of this observation (ended when `fn` returns or settles). */
  span<R>(name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R {
    return scopedSpan(this.observation, name, options, fn);
  }

  /** Runs `fn` inside a model span of this observation. */
  modelCall<R>(name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R {
    return scopedModelSpan(this.observation, name, options, fn);
  }

  /** Records the output; the last call wins. */
  setOutput(value: unknown): void {
    this.observation?.setOutput(value);
  }

  /** A named custom event with data. */
  logEvent(name: string, data?: unknown): void {
    this.observation?.logEvent(name, data);
  }

  /** Throws `TypeError` for anything but a finite number, even when disabled. */
  logMetric(name: string, value: number): void {
    checkMetric(value);
    this.observation?.logMetric(name, value);
  }

  /** Merged into the run's metadata (or the span's attributes). */
  logMetadata(metadata: Attributes): void {
    this.observation?.logMetadata(metadata);
  }

  /** Ends it: `ok`, or `error` when an error is given; `output` is recorded first. */
  end(options: { error?: unknown; output?: unknown } = {}): void {
    const observation = this.observation;
    if (observation === undefined) return;
    try {
      if ('output' in options) observation.setOutput(options.output);
      if ('error' in options && options.error !== undefined) observation.fail(options.error);
      else observation.end();
    } catch (error) {
      observation.client.logger.problem('internal', `end failed: ${String(error)}`, error);
    }
  }
}

/** A run's handle: the callback argument of `trace(name, fn)`, and what `Northstar.startRun` returns. */
export class ManualRun extends Handle<RunObservation> implements TraceHandle {}

/** A span's handle: the callback argument of `span()`, and what `startSpan` returns. */
export class ManualSpan extends Handle<SpanObservation> implements SpanHandle {
  /** The id of the run it belongs to. */
  get traceId(): string {
    return this.observation?.run.id ?? NIL_ID;
  }

  /** Merged into the span's attributes. */
  setAttributes(attributes: Attributes): void {
    this.observation?.setAttributes(attributes);
  }
}

/** A model span's handle: the callback argument of `modelCall()`, `currentModelSpan()`, and what `startModelSpan` returns. */
export class ManualModelSpan extends ManualSpan implements ModelSpan {
  declare readonly observation: ModelObservation | undefined;

  /** The messages sent (OpenAI, Anthropic or plain `{role, content}` shapes, or a whole request). */
  recordInputMessages(messages: unknown): void {
    this.observation?.recordInputMessages(messages);
  }

  /** The message (or whole provider response) that came back. */
  recordOutputMessage(message: unknown): void {
    this.observation?.recordOutputMessage(message);
  }

  /** Token usage (and optionally cost); also accepts a provider `usage` object. */
  recordUsage(usage: UsageInput | TokenUsage | object): void {
    this.observation?.recordUsage(usage);
  }

  /** Sets or corrects the model name. */
  setModel(model: string): void {
    this.observation?.setModel(model);
  }

  /** Links this model call to a compiled prompt's version (`prompt_links`). */
  linkPrompt(prompt: CompiledPrompt): void {
    this.observation?.linkPrompt(prompt);
  }
}

// util.inspect, console.log and JSON.stringify of any handle (ManualRun, ManualSpan,
// ManualModelSpan, the no-op ones included) show its id, never the observation behind it,
// which leads to the client's configuration, queue and transport.
hideInternals(Handle, (handle) => ({ id: handle.id }));

/** The run handle used when nothing is recorded. */
export const NOOP_RUN: ManualRun = Object.freeze(new ManualRun(undefined));
/** The span handle used when nothing is recorded. */
export const NOOP_SPAN: ManualSpan = Object.freeze(new ManualSpan(undefined));
/** The model span handle used when nothing is recorded. */
export const NOOP_MODEL_SPAN: ManualModelSpan = Object.freeze(new ManualModelSpan(undefined));

/** Runs `fn` in a new child span of `parent` (or untraced with the no-op handle). */
export function scopedSpan<R>(parent: Observation | undefined, name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R {
  checkScopedCall('span', name, options, fn);
  const span = parent && openSpan(parent, name, plain(options ?? {}));
  return span === undefined ? fn(NOOP_SPAN) : runScoped(span, new ManualSpan(span), fn);
}

/** The options of `span()`/`startSpan`: a plain span, whatever its kind. */
function plain(options: SpanOptions): SpanOptions & { plain?: boolean } {
  return options.kind === 'model' ? { ...options, plain: true } : options;
}

/** Runs `fn` in a new model span of `parent` (or untraced with the no-op handle). */
export function scopedModelSpan<R>(parent: Observation | undefined, name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R {
  checkScopedCall('modelCall', name, options, fn);
  const span = parent && (openSpan(parent, name, { ...options, kind: 'model' }) as ModelObservation | undefined);
  return span === undefined ? fn(NOOP_MODEL_SPAN) : runScoped(span, new ManualModelSpan(span), fn);
}
