import { CALL_OPTIONS, checkCallback, checkCallOptions } from '../config/check-call-options.js';
import { describeValue } from '../config/resolve-config.js';
import { NorthstarConfigError } from '../errors/northstar-error.js';
import type { SpanKind } from '../registry/records.js';
import { scopedModelSpan, scopedSpan } from '../tracing/handle-classes.js';
import type { Attributes, ModelCallOptions, ModelSpan, SpanHandle, SpanOptions } from '../tracing/handles.js';
import { argumentsByName } from '../tracing/instrument.js';
import { currentObservation } from '../tracing/open.js';
import { noteOutsideTrace } from '../tracing/outside-trace.js';
import { wrapFunction } from '../tracing/wrap-function.js';

/**
 * Runs `fn` inside a child span of the current span or trace and returns what it
 * returns (a returned promise is the same promise). Outside a trace `fn` runs untraced.
 *
 * @example
 * const docs = await span('retrieve', { kind: 'tool' }, async (s) => {
 *   s.setAttributes({ index: 'faq' });
 *   return search(query);
 * });
 */
export function span<R>(name: string, fn: (span: SpanHandle) => R): R;
export function span<R>(name: string, options: SpanOptions | undefined, fn: (span: SpanHandle) => R): R;
export function span<R>(name: string, b?: unknown, c?: unknown): R {
  const [options, fn] = optionsAndCallback<SpanOptions, (span: SpanHandle) => R>(b, c);
  const parent = currentObservation();
  if (parent === undefined && typeof fn === 'function') noteOutsideTrace('span()', String(name));
  return scopedSpan(parent, name, options, fn);
}

/**
 * Runs `fn` inside a model span (an LLM call) of the current trace. Record the
 * messages, the response and the usage on the `ModelSpan`; cost is looked up from the
 * model name and summed into the trace.
 *
 * @example
 * const reply = await modelCall('answer', { model: 'gpt-4o-mini' }, async (m) => {
 *   m.recordInputMessages(messages);
 *   const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 *   m.recordOutputMessage(res);   // message, tool calls and usage
 *   return res;
 * });
 */
export function modelCall<R>(name: string, fn: (span: ModelSpan) => R): R;
export function modelCall<R>(name: string, options: ModelCallOptions | undefined, fn: (span: ModelSpan) => R): R;
export function modelCall<R>(name: string, b?: unknown, c?: unknown): R {
  const [options, fn] = optionsAndCallback<ModelCallOptions, (span: ModelSpan) => R>(b, c);
  const parent = currentObservation();
  if (parent === undefined && typeof fn === 'function') noteOutsideTrace('modelCall()', String(name));
  return scopedModelSpan(parent, name, options, fn);
}

/**
 * `(options?, fn)` or `(fn)`: the options as given (undefined when left out; anything
 * else is checked by `scopedSpan`/`scopedModelSpan`) and the callback.
 */
function optionsAndCallback<O, F>(b: unknown, c: unknown): [O | undefined, F] {
  return typeof b === 'function' ? [undefined, b as F] : [b as O | undefined, c as F];
}

/** Options of `observe()`. */
export interface ObserveOptions {
  /** The span's name. @default the function's name */
  name?: string;
  /** @default 'custom' */
  kind?: SpanKind;
  attributes?: Attributes;
  /** Recorded as the input instead of the arguments. */
  input?: unknown;
  captureInput?: boolean;
  captureOutput?: boolean;
}

type AnyFunction = (...args: any[]) => any;

/**
 * Wraps a function so that every call inside a trace is a child span: arguments are
 * recorded as `tool_arguments`, the (awaited) result as `tool_result`. Outside a trace
 * the function runs untouched. `observe(fn, options?)` or `observe(name?, options?)(fn)`.
 *
 * @example
 * const search = observe(async function search(query: string) { ... }, { kind: 'tool' });
 */
export function observe<F extends AnyFunction>(fn: F, options?: ObserveOptions): F;
export function observe(name?: string | ObserveOptions, options?: ObserveOptions): <F extends AnyFunction>(fn: F) => F;
export function observe(a?: unknown, b?: unknown): unknown {
  if (typeof a === 'function') {
    checkCallOptions(`observe(${a.name || 'fn'})`, b, CALL_OPTIONS.observe);
    return observeFunction(a as AnyFunction, undefined, (b ?? {}) as ObserveOptions);
  }
  if (a !== undefined && typeof a !== 'string' && (typeof a !== 'object' || a === null)) {
    throw new NorthstarConfigError(`observe(): the first argument must be a function, a name or options, got ${describeValue(a)}`);
  }
  const name = typeof a === 'string' ? a : undefined;
  const given = typeof a === 'object' && a !== null ? a : b;
  checkCallOptions(`observe(${name === undefined ? '' : JSON.stringify(name)})`, given, CALL_OPTIONS.observe);
  const options = (given ?? {}) as ObserveOptions;
  return <F extends AnyFunction>(fn: F): F => {
    checkCallback(`observe(${name === undefined ? '' : JSON.stringify(name)})(fn)`, fn, 'function to wrap');
    return observeFunction(fn, name, options);
  };
}

function observeFunction<F extends AnyFunction>(fn: F, name: string | undefined, options: ObserveOptions): F {
  return wrapFunction(fn, {
    type: 'span',
    name: name ?? options.name ?? (fn.name || 'span'),
    kind: options.kind ?? 'custom',
    attributes: options.attributes,
    captureInput: options.captureInput,
    captureOutput: options.captureOutput,
    input: 'input' in options ? { value: options.input } : argumentsByName(fn),
  });
}
