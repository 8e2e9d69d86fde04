import 'reflect-metadata';

import { activeCore, type CallSpec, copyFunctionShape, fastPathWrapper, identityMetadata, type InputSource, invoke, type Observation, sampleRun, unwrap, WRAPPED } from '../src/internal.js';
import type { ObserveDecoratorOptions, ModelCallDecoratorOptions, TraceDecoratorOptions, TracedOptions } from './decorator-options.js';
import { keyText } from './decorator-mode.js';
import { parameterMarks, type ParamRules, rulesFromParams, selectByRules, selectModelInput } from './param-metadata.js';

/** Our reflect-metadata key for `@Traced` defaults, on the class. */
export const TRACED_METADATA_KEY = 'northstar:traced';

/** Marks a decorated method's wrapper; its value is the wrapper's {@link MethodState}. */
const DECORATED = Symbol.for('northstar-ai.decorated-method');

/** What a method decorator asks for, turned into a `CallSpec` at the first traced call. */
export interface MethodDefinition {
  readonly type: 'trace' | 'span' | 'model';
  /** The decorator's name argument; otherwise `options.name`, otherwise the method's name. */
  readonly name: string | undefined;
  readonly options: TraceDecoratorOptions & ObserveDecoratorOptions & ModelCallDecoratorOptions;
}

/** Where a decorated method lives. */
export interface MethodSite {
  readonly key: string | symbol | undefined;
  /** Where legacy parameter decorators stored their marks (the prototype, or the constructor for statics). */
  readonly metadataTarget?: object;
  /** The declaring class, for `@Traced` defaults; set by `@Traced` under stage-3. */
  home?: Function;
}

interface MethodState {
  readonly original: Function;
  readonly definition: MethodDefinition;
  readonly site: MethodSite;
  spec?: CallSpec;
}

/**
 * Wraps a method so that each call is recorded as `definition` says. A method that is
 * already a NorthStar wrapper is re-wrapped from its original, so it is never traced
 * twice: the outer (upper) decorator wins. Metadata and own properties that other
 * decorators put on the incoming function are copied over.
 */
export function wrapMethod(incoming: Function, definition: MethodDefinition, site: MethodSite): Function {
  const original = unwrap(incoming);
  const state: MethodState = { original, definition, site };
  const wrapper = fastPathWrapper({
    type: definition.type === 'trace' ? 'trace' : 'span',
    original,
    method: true,
    traced: (self, args, current) => call(state, self, args, current),
    sample: (core) => {
      // A spec that cannot be built is reported by call(), which then calls the original.
      const spec = specOf(state);
      return spec === undefined || sampleRun(core, spec.name, spec.metadata, spec.tags);
    },
    what: 'the decorated method',
    name: keyText(site.key),
  });
  copyFunctionShape(wrapper, original);
  copyOwnMetadata(incoming, wrapper);
  Object.defineProperty(wrapper, WRAPPED, { value: original });
  Object.defineProperty(wrapper, DECORATED, { value: state });
  return wrapper;
}

/** Gives every NorthStar-decorated method found on `cls` (instance and static) its class. */
export function adoptMethods(cls: Function): void {
  for (const owner of [cls.prototype as object | undefined, cls]) {
    if (owner === undefined || owner === null) continue;
    for (const key of Reflect.ownKeys(owner)) {
      const value: unknown = Object.getOwnPropertyDescriptor(owner, key)?.value;
      const state = typeof value === 'function' ? (value as unknown as Record<symbol, MethodState | undefined>)[DECORATED] : undefined;
      if (state !== undefined) {
        state.site.home ??= cls;
        state.spec = undefined;
      }
    }
  }
}

function call(state: MethodState, self: unknown, args: IArguments, current: Observation | undefined): unknown {
  let spec: CallSpec;
  try {
    spec = state.spec ??= buildSpec(state);
  } catch (error) {
    activeCore()?.logger.problem('internal', `decorated method ${keyText(state.site.key)}: ${String(error)}`, error);
    return Reflect.apply(state.original, self, args);
  }
  // The wrapper asked the head sampler already (trace methods), and found the current observation (span methods).
  return invoke(spec, state.original as (...a: unknown[]) => unknown, self, args, true, current);
}

/** The call spec, built at the first traced call; undefined (not cached) while it cannot be built. */
function specOf(state: MethodState): CallSpec | undefined {
  try {
    return (state.spec ??= buildSpec(state));
  } catch {
    return undefined;
  }
}

/** The call spec of a decorated method: its options over its class's `@Traced` defaults. */
function buildSpec(state: MethodState): CallSpec {
  const { original, definition, site } = state;
  const o = definition.options;
  const home = site.home;
  const defaults = (home === undefined ? undefined : Reflect.getOwnMetadata(TRACED_METADATA_KEY, home)) as TracedOptions | undefined;
  const rules: ParamRules = o.params !== undefined ? rulesFromParams(o.params) : (parameterMarks(site.metadataTarget, site.key) ?? []);
  let input: InputSource;
  if ('input' in o) {
    const chosen = o.input;
    input = typeof chosen === 'function' ? { select: (args) => chooseInput(chosen, args) } : { value: chosen };
  } else {
    input = { select: definition.type === 'model' ? selectModelInput(original, rules) : selectByRules(original, rules) };
  }
  const name = definition.name ?? o.name ?? keyText(site.key);
  const common = {
    name,
    captureInput: o.captureInput ?? defaults?.captureInput,
    captureOutput: o.captureOutput ?? defaults?.captureOutput,
    input,
  };
  if (definition.type === 'trace') {
    return { type: 'trace', ...common, metadata: identityMetadata({ ...o, metadata: merged(defaults?.metadata, o.metadata) }), tags: joined(defaults?.tags, o.tags) };
  }
  const attributes = merged(defaults?.attributes, o.attributes);
  if (definition.type === 'model') return { type: 'span', kind: 'model', ...common, attributes, model: o.model, provider: o.provider, prompt: o.prompt };
  return { type: 'span', ...common, kind: o.kind ?? 'custom', attributes };
}

/** Runs a user's `input` function; if it throws, the call is still recorded, without input. */
function chooseInput(choose: Function, args: readonly unknown[]): unknown {
  try {
    return Reflect.apply(choose, undefined, args);
  } catch (error) {
    activeCore()?.logger.problem('internal', `the input option threw: ${String(error)}`, error);
    return undefined;
  }
}

function merged<T extends object>(a: T | undefined, b: T | undefined): T | undefined {
  return a === undefined ? b : b === undefined ? a : { ...a, ...b };
}

function joined(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  return a === undefined ? b : b === undefined ? a : [...a, ...b];
}

const SHAPE_KEYS = new Set<string | symbol>(['name', 'length', 'prototype', 'arguments', 'caller', WRAPPED, DECORATED]);

/**
 * Copies reflect-metadata stored on `from` itself (Nest's route metadata, `SetMetadata`,
 * ...) and its own properties onto `to`, so decorators applied before ours still read
 * theirs on the decorated method. Decorators applied after ours write onto `to` directly.
 */
function copyOwnMetadata(from: Function, to: Function): void {
  if (typeof Reflect.getOwnMetadataKeys === 'function') {
    for (const key of Reflect.getOwnMetadataKeys(from)) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, from), to);
    }
  }
  for (const key of Reflect.ownKeys(from)) {
    if (SHAPE_KEYS.has(key) || Object.prototype.hasOwnProperty.call(to, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(from, key);
    if (descriptor !== undefined) Object.defineProperty(to, key, descriptor);
  }
}
