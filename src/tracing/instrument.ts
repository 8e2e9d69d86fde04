import { globalState } from '../context/global-state.js';
import { isApiPromise, watchApiPromise } from '../model/api-promise.js';
import { type PromptSource, promptFor } from '../prompts/prompt-link.js';
import { asModelObservation } from './model-observation.js';
import type { Observation } from './observation.js';
import { activeCore, currentObservation, openRun, openSpan, type RunSpec, runUntraced, type SpanSpec } from './open.js';
import { parameterInfo } from './param-names.js';
import { elapsedMs } from './timing.js';

export { activeCore, currentObservation } from './open.js';
/** @deprecated The former name of `activeCore` (src/tracing/open.ts). */
export { activeCore as activeClient } from './open.js';

/** Where a call's recorded input comes from. */
export type InputSource =
  /** An explicit value (recorded even when null or undefined). */
  | { readonly value: unknown }
  /** Chosen from the call's arguments. */
  | { readonly select: (args: readonly unknown[]) => unknown };

/**
 * Everything that decides how one instrumented function is recorded; built once per
 * function. A `trace` opens a run (`RunSpec` fields), a `span` a child span (`SpanSpec`
 * fields; `kind: 'model'` for a model span). Capture flags left undefined inherit
 * (trace: the init options; span: its parent).
 */
export interface CallSpec extends RunSpec, Omit<SpanSpec, 'prompt'> {
  readonly type: 'trace' | 'span';
  readonly name: string;
  /** What to record as input; undefined records none. */
  readonly input?: InputSource;
  /** The compiled prompt a model span is linked to, or a function of the call's arguments giving it. */
  readonly prompt?: PromptSource;
}

/** Items of a streamed output kept for the record. */
const MAX_STREAM_ITEMS = 100;

/** Input recorded by default: the arguments keyed by parameter name (`arg0`... when unknown). */
export function argumentsByName(fn: Function): InputSource {
  const { names, restIndex } = parameterInfo(fn);
  return {
    select(args) {
      const input: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i++) {
        if (i === restIndex) {
          setInput(input, names[i]!, args.slice(i));
          break;
        }
        setInput(input, names[i] ?? `arg${i}`, args[i]);
      }
      return input;
    },
  };
}

/**
 * Sets one named argument of a recorded input: an own data property even for `__proto__`.
 * The input is an ordinary object rather than one without a prototype: V8 keeps those in
 * dictionary mode, slower to build and to capture on every call.
 */
export function setInput(input: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(input, name, { value, enumerable: true, writable: true, configurable: true });
  else input[name] = value;
}

/**
 * Calls `fn` as a trace or span described by `spec`. The caller gets exactly what `fn`
 * returns or throws: same value, same promise object, same sync or async nature. `args`
 * may be the wrapper's `arguments` object: it is copied only when the input is recorded.
 * `sampled`: the caller already asked the head sampler for this trace's run. `current`:
 * the current observation, when the caller already looked it up (a span wrapper).
 */
export function invoke<R>(spec: CallSpec, fn: (...args: any[]) => R, self: unknown, args: ArrayLike<unknown>, sampled = false, current?: Observation): R {
  const observation = open(spec, args, sampled, current);
  if (observation === undefined) return spec.type === 'trace' ? runUntraced(fn, self, args) : Reflect.apply(fn, self, args);
  let result: R;
  try {
    result = globalState.context.run(observation, Reflect.apply, fn, self, args) as R;
  } catch (error) {
    failGuarded(observation, error);
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
    failGuarded(observation, error);
    throw error;
  }
  return settle(observation, result, true);
}

/**
 * Opens the run or span of a call and records its input; undefined when nothing should be
 * recorded. `sampled` and `current` as for `invoke`.
 */
export function open(spec: CallSpec, args: ArrayLike<unknown>, sampled = false, current?: Observation): Observation | undefined {
  const parent = current ?? currentObservation();
  let observation: Observation | undefined;
  if (spec.type === 'trace') {
    const client = activeCore();
    observation = client && openRun(client, spec.name, spec, parent, sampled);
  } else if (parent !== undefined) {
    observation = openSpan(parent, spec.name, spec.prompt === undefined ? (spec as SpanSpec) : withCallPrompt(spec, argumentList(args), parent));
  }
  if (observation === undefined || spec.input === undefined || !observation.wantsInput) return observation;
  try {
    observation.recordInput('value' in spec.input ? spec.input.value : spec.input.select(argumentList(args)));
    return observation;
  } catch (error) {
    observation.client.logger.problem('internal', `could not start ${spec.type} ${spec.name}: ${String(error)}`, error);
    return undefined;
  }
}

/** The arguments as an array (a wrapper passes its `arguments` object). */
function argumentList(args: ArrayLike<unknown>): readonly unknown[] {
  return Array.isArray(args) ? args : Array.prototype.slice.call(args);
}

/** The span spec of a call whose prompt option is set: the compiled prompt for these arguments (a function option is called with them). */
function withCallPrompt(spec: CallSpec, args: readonly unknown[], parent: Observation): SpanSpec {
  const prompt = promptFor(spec.prompt, args, (message, error) => parent.client.logger.problem('internal', message, error));
  return { ...(spec as SpanSpec), prompt };
}

/** Observes what the instrumented function returned, ending the observation when it is done. */
function settle<R>(observation: Observation, result: R, scoped = false): R {
  if (isPromise(result)) {
    try {
      // An OpenAI/Anthropic APIPromise reads its body on the first then(): wait for the caller's.
      if (!(isApiPromise(result) && watchApiPromise(result, (outcome) => settle(observation, outcome, scoped)))) {
        result.then(
          (value) => finishGuarded(observation, value, scoped),
          (error) => failGuarded(observation, error),
        );
      }
    } catch (error) {
      reportFailure(observation, error);
    }
    return result;
  }
  finishGuarded(observation, result, scoped);
  return result;
}

/** `finishSafely`, and nothing it throws reaches the caller (one closure fewer per call than `guard`). */
function finishGuarded(observation: Observation, value: unknown, scoped: boolean): void {
  try {
    finishSafely(observation, value, scoped);
  } catch (error) {
    reportFailure(observation, error);
  }
}

/** Records the error the call ended with; nothing it throws reaches the caller. */
function failGuarded(observation: Observation, error: unknown): void {
  try {
    observation.fail(error);
  } catch (failure) {
    reportFailure(observation, failure);
  }
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
  const model = asModelObservation(observation);
  if (model !== undefined) {
    if (!scoped || value !== undefined) model.recordResult(value);
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
  const model = asModelObservation(observation);
  const accumulator = model?.streamAccumulator();
  const items: unknown[] = [];
  let firstItemMs: number | undefined;
  const start = performance.now();
  // What arrived is recorded whether the stream ends, is abandoned or fails midway.
  const recordOutput = (): void => {
    if (model && accumulator) {
      const summary = accumulator.finish();
      // setResponseModel is newer than the shape test: an older copy's model span has setModel only.
      if (summary.model !== undefined) {
        if (typeof model.setResponseModel === 'function') model.setResponseModel(summary.model);
        else model.setModel(summary.model);
      }
      if (summary.usage !== undefined) model.recordUsage(summary.usage);
      if (firstItemMs !== undefined) model.setAttributes({ time_to_first_token_ms: firstItemMs });
      if (summary.message !== undefined && !model.outputRecordedByHand) model.recordOutputMessage(summary.message);
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
    reportFailure(observation, error);
  }
}

function reportFailure(observation: Observation, error: unknown): void {
  try {
    observation.client.logger.problem('internal', `recording failed: ${String(error)}`, error);
  } catch {
    // Nothing left to report to.
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
