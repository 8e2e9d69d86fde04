import { globalState } from '../context/global-state.js';
import { isApiPromise, watchApiPromise } from '../model/api-promise.js';
import type { SpanKind } from '../registry/records.js';
import type { ClientCore } from './client-core.js';
import { ModelObservation } from './model-observation.js';
import { type Observation, RunObservation, SpanObservation } from './observation.js';
import { parameterNames } from './param-names.js';
import { elapsedMs } from './timing.js';

/** Where a call's recorded input comes from. */
export type InputSource =
  /** An explicit value (recorded even when null or undefined). */
  | { readonly value: unknown }
  /** Chosen from the call's arguments. */
  | { readonly select: (args: readonly unknown[]) => unknown };

/** Everything that decides how one instrumented function is recorded; built once per function. */
export interface CallSpec {
  readonly type: 'trace' | 'span' | 'model';
  readonly name: string;
  /** Span kind (spans only). @default 'custom' */
  readonly kind?: SpanKind;
  /** Overrides of the capture flags; undefined inherits (trace: init options; span: its trace). */
  readonly captureInput?: boolean;
  readonly captureOutput?: boolean;
  /** What to record as input; undefined records none. */
  readonly input?: InputSource;
  readonly metadata?: unknown;
  readonly tags?: readonly string[];
  readonly attributes?: Record<string, unknown>;
  readonly iteration?: number;
  readonly model?: string;
  readonly provider?: string;
}

/** Items of a streamed output kept for the record. */
const MAX_STREAM_ITEMS = 100;

/** The client `init()` installed, when it is enabled. */
export function activeClient(): ClientCore | undefined {
  return globalState.active as ClientCore | undefined;
}

/** The run or span the current async flow is in. */
export function currentObservation(): Observation | undefined {
  // While no client was ever enabled nothing can be traced: skip the async-context lookup.
  return globalState.tracing ? (globalState.context.getStore() as Observation | undefined) : undefined;
}

/** Input recorded by default: the arguments keyed by parameter name (`arg0`... when unknown). */
export function argumentsByName(fn: Function): InputSource {
  const names = parameterNames(fn);
  const restIndex = names.length > 0 && isRest(fn, names[names.length - 1]!) ? names.length - 1 : -1;
  return {
    select(args) {
      const input: Record<string, unknown> = Object.create(null);
      for (let i = 0; i < args.length; i++) {
        if (i === restIndex) {
          input[names[i]!] = args.slice(i);
          break;
        }
        input[names[i] ?? `arg${i}`] = args[i];
      }
      return input;
    },
  };
}

function isRest(fn: Function, name: string): boolean {
  try {
    return new RegExp(`\\.\\.\\.\\s*${name.replace(/\$/g, '\\$')}\\b`).test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

/**
 * Calls `fn` as a trace or span described by `spec`. The caller gets exactly what `fn`
 * returns or throws: same value, same promise object, same sync or async nature.
 */
export function invoke<R>(spec: CallSpec, fn: (...args: any[]) => R, self: unknown, args: readonly unknown[]): R {
  const observation = open(spec, args);
  if (observation === undefined) return Reflect.apply(fn, self, args);
  let result: R;
  try {
    result = globalState.context.run(observation, Reflect.apply, fn, self, args) as R;
  } catch (error) {
    guard(observation, () => observation.fail(error));
    throw error;
  }
  return settle(observation, result);
}

/** Runs a scoped callback inside an already opened observation (the scoped API). */
export function runScoped<H, R>(observation: Observation, handle: H, fn: (handle: H) => R): R {
  let result: R;
  try {
    result = globalState.context.run(observation, fn, handle);
  } catch (error) {
    guard(observation, () => observation.fail(error));
    throw error;
  }
  return settle(observation, result, true);
}

/** Opens the run or span of a call; undefined when nothing should be recorded. */
export function open(spec: CallSpec, args: readonly unknown[]): Observation | undefined {
  let observation: Observation | undefined;
  try {
    const parent = currentObservation();
    if (spec.type === 'trace') {
      const client = activeClient();
      if (client === undefined) return undefined;
      const run = new RunObservation(client, spec.name, {
        metadata: spec.metadata,
        tags: spec.tags,
        captureInput: spec.captureInput ?? client.config.captureInputs,
        captureOutput: spec.captureOutput ?? client.config.captureOutputs,
      });
      // A trace started inside another stays a run of its own, linked to the outer one.
      if (parent !== undefined) run.logMetadata({ parent_trace_id: parent.run.id });
      observation = run;
    } else {
      if (parent === undefined) return undefined;
      const options = {
        attributes: spec.attributes,
        iteration: spec.iteration,
        captureInput: spec.captureInput ?? parent.captureInput,
        captureOutput: spec.captureOutput ?? parent.captureOutput,
      };
      observation =
        spec.type === 'model'
          ? new ModelObservation(parent, spec.name, { ...options, model: spec.model, provider: spec.provider })
          : new SpanObservation(parent, spec.name, spec.kind ?? 'custom', options);
    }
    if (spec.input !== undefined && (observation.captureInput || spec.type === 'model')) {
      const input = 'value' in spec.input ? spec.input.value : spec.input.select(args);
      observation.recordInput(input);
    }
    return observation;
  } catch (error) {
    const client = observation?.client ?? activeClient();
    client?.logger.problem('internal', `could not start ${spec.type} ${spec.name}: ${String(error)}`, error);
    return undefined;
  }
}

/** Observes what the instrumented function returned, ending the observation when it is done. */
function settle<R>(observation: Observation, result: R, scoped = false): R {
  if (isPromise(result)) {
    guard(observation, () => {
      // An OpenAI/Anthropic APIPromise reads its body on the first then(): wait for the caller's.
      if (isApiPromise(result) && watchApiPromise(result, (outcome) => settle(observation, outcome, scoped))) return;
      result.then(
        (value) => guard(observation, () => finishSafely(observation, value, scoped)),
        (error) => guard(observation, () => observation.fail(error)),
      );
    });
    return result;
  }
  guard(observation, () => finishSafely(observation, result, scoped));
  return result;
}

/** Like `finishWith`, but a value that cannot be read (a Proxy whose traps throw, a revoked Proxy) still ends the observation, with a marker as output. */
function finishSafely(observation: Observation, value: unknown, scoped: boolean): void {
  try {
    finishWith(observation, value, scoped);
  } catch (error) {
    if (observation.ended) throw error;
    let reason = 'Error';
    try {
      reason = error instanceof Error ? error.name : typeof error;
    } catch {
      // The error itself is unreadable.
    }
    if (observation.captureOutput && !observation.hasOutput) observation.setOutput(`[Unreadable: ${reason}]`);
    observation.end();
    observation.client.logger.problemOnce('unreadable-output', 'internal', `the value returned by ${(observation.entry.record as { name: string }).name} could not be read (${reason}); its output is recorded as a marker`);
  }
}

function finishWith(observation: Observation, value: unknown, scoped: boolean): void {
  if (isGeneratorObject(value)) {
    observeIterator(observation, value as unknown as Iterator<unknown>);
    return;
  }
  if (isStream(value)) {
    observeStream(observation, value as AsyncIterable<unknown>);
    return;
  }
  if (observation instanceof ModelObservation) {
    if (!scoped || value !== undefined) observation.recordResult(value);
  } else if (observation.captureOutput && !observation.hasOutput && !(scoped && value === undefined)) {
    observation.setOutput(value);
  }
  observation.end();
}

/** Patches a stream's `Symbol.asyncIterator` on the instance, so the same object is returned. */
function observeStream(observation: Observation, stream: AsyncIterable<unknown>): void {
  // OpenAI's and Anthropic's Stream read through an own `iterator` field that tee() calls
  // directly; patching it observes iteration, tee() and toReadableStream() alike.
  const s = stream as unknown as Record<PropertyKey, unknown>;
  const key = typeof Object.getOwnPropertyDescriptor(stream, 'iterator')?.value === 'function' && typeof s.tee === 'function' ? 'iterator' : Symbol.asyncIterator;
  const original = s[key] as (...args: unknown[]) => unknown;
  Object.defineProperty(stream, key, {
    configurable: true,
    writable: true,
    value: function (this: unknown, ...args: unknown[]) {
      const iterator = Reflect.apply(original, this, args) as AsyncIterator<unknown>;
      guard(observation, () => observeIterator(observation, iterator));
      return iterator;
    },
  });
}

/**
 * Patches `next`/`return`/`throw` of an iterator or generator object in place: each step
 * runs in the observation's context, items are collected, and the observation ends when
 * the iteration finishes, fails or is abandoned.
 */
function observeIterator(observation: Observation, iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
  const stream = collector(observation);
  const target = iterator as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ['next', 'return', 'throw'] as const) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    Object.defineProperty(iterator, method, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        let step: unknown;
        try {
          step = globalState.context.run(observation, Reflect.apply, original, this, args);
        } catch (error) {
          guard(observation, () => stream.fail(error));
          throw error;
        }
        if (isPromise(step)) {
          return step.then(
            (result) => {
              guard(observation, () => stream.step(result as IteratorResult<unknown>, method === 'return'));
              return result;
            },
            (error: unknown) => {
              guard(observation, () => stream.fail(error));
              throw error;
            },
          );
        }
        guard(observation, () => stream.step(step as IteratorResult<unknown>, method === 'return'));
        return step;
      },
    });
  }
}

/** Collects stream items; ends the observation at the last one, or when the stream fails. */
function collector(observation: Observation): {
  step(result: IteratorResult<unknown>, abandoned: boolean): void;
  fail(error: unknown): void;
} {
  const model = observation instanceof ModelObservation ? observation : undefined;
  const accumulator = model?.streamAccumulator();
  const items: unknown[] = [];
  let firstItemMs: number | undefined;
  const start = performance.now();
  // What arrived is recorded whether the stream ends, is abandoned or fails midway.
  const recordOutput = (): void => {
    if (model && accumulator) {
      const summary = accumulator.finish();
      if (summary.model !== undefined) model.setModel(summary.model);
      if (summary.usage !== undefined) model.recordUsage(summary.usage);
      if (firstItemMs !== undefined) model.setAttributes({ time_to_first_token_ms: firstItemMs });
      if (summary.message !== undefined && !model.recordedByHand.output) model.recordOutputMessage(summary.message);
    } else if (!observation.hasOutput && (items.length > 0 || firstItemMs === undefined)) {
      observation.setOutput(items);
    }
  };
  return {
    step(result, abandoned) {
      if (observation.ended) return;
      if (result !== null && typeof result === 'object' && !result.done && !abandoned) {
        firstItemMs ??= elapsedMs(start);
        if (accumulator) accumulator.push(result.value);
        else if (observation.captureOutput && items.length < MAX_STREAM_ITEMS) items.push(observation.client.snapshot(result.value));
        return;
      }
      recordOutput();
      if (abandoned) observation.logMetadata({ stream_abandoned: true });
      observation.end();
    },
    fail(error) {
      if (observation.ended) return;
      if (firstItemMs !== undefined) recordOutput();
      observation.fail(error);
    },
  };
}

/** Runs SDK bookkeeping so that nothing it throws reaches the caller. */
function guard(observation: Observation, work: () => void): void {
  try {
    work();
  } catch (error) {
    try {
      observation.client.logger.problem('internal', `recording failed: ${String(error)}`, error);
    } catch {
      // Nothing left to report to.
    }
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  // `instanceof` and the property reads run Proxy traps and getters of the user's value;
  // one that throws is simply not a promise, and must not reach the caller.
  try {
    return (
      value instanceof Promise ||
      (value !== null &&
        typeof value === 'object' &&
        typeof (value as { then?: unknown }).then === 'function' &&
        Object.prototype.toString.call(value) === '[object Promise]')
    );
  } catch {
    return false;
  }
}

function isGeneratorObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

/** An SDK stream (OpenAI, Anthropic) or another async iterable that is not a Node or web stream. */
function isStream(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string | symbol, unknown>;
  return typeof v[Symbol.asyncIterator] === 'function' && typeof v.pipe !== 'function' && typeof v.getReader !== 'function';
}
