import { isApiPromise, watchApiPromise } from '../model/api-promise.js';
import { boundPrompt } from '../prompts/prompt-link.js';
import { requestAttributes } from '../model/request-attributes.js';
import { extractUsage } from '../model/usage.js';
import { type CallSpec, invoke } from '../tracing/instrument.js';
import { asModelObservation, type ModelObservation } from '../tracing/model-observation.js';
import { currentObservation } from '../tracing/open.js';

/** Options of `instrumentOpenAI` and `instrumentAnthropic`. */
export interface InstrumentClientOptions {
  /** The provider recorded on the spans and used for pricing. @default 'openai' or 'anthropic' */
  provider?: string;
}

/** One method patched on a client's resource. */
interface Target {
  readonly path: readonly string[];
  readonly name: string;
}

const OPENAI_TARGETS: readonly Target[] = [
  { path: ['chat', 'completions'], name: 'openai.chat.completions.create' },
  { path: ['responses'], name: 'openai.responses.create' },
];

const ANTHROPIC_TARGETS: readonly Target[] = [
  { path: ['messages'], name: 'anthropic.messages.create' },
  { path: ['beta', 'messages'], name: 'anthropic.beta.messages.create' },
];

const PATCHES = Symbol.for('northstar-ai.client-patches');
const FIRST_ARGUMENT = Object.freeze({ select: (args: readonly unknown[]) => args[0] });

/** How to undo one patch. */
interface Patch {
  readonly resource: Record<string, unknown>;
  readonly wrapper: Function;
  /** The own property that was there before, if any (else the prototype method shows again). */
  readonly previous: PropertyDescriptor | undefined;
}

/**
 * Makes every `chat.completions.create` and `responses.create` call of this OpenAI client
 * (the `stream`, `parse` and `runTools` helpers included, which call them) a model span of
 * the current trace: request messages, response, tool calls, tokens, cost, and the
 * request parameters that matter. Outside a trace the client is untouched in behaviour.
 * Only this instance is patched; returns it. Undo with `uninstrument(client)`.
 *
 * @example
 * const openai = instrumentOpenAI(new OpenAI());
 * await trace('answer', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }));
 */
export function instrumentOpenAI<C extends object>(client: C, options: InstrumentClientOptions = {}): C {
  return instrument(client, OPENAI_TARGETS, options.provider ?? 'openai', 'instrumentOpenAI');
}

/**
 * Makes every `messages.create` call of this Anthropic client (`messages.stream()` and
 * `beta.messages` included) a model span of the current trace. Outside a trace the client
 * is untouched in behaviour. Only this instance is patched; returns it. Undo with
 * `uninstrument(client)`.
 *
 * @example
 * const anthropic = instrumentAnthropic(new Anthropic());
 */
export function instrumentAnthropic<C extends object>(client: C, options: InstrumentClientOptions = {}): C {
  return instrument(client, ANTHROPIC_TARGETS, options.provider ?? 'anthropic', 'instrumentAnthropic');
}

/** Restores a client patched by `instrumentOpenAI` or `instrumentAnthropic`; returns it. A no-op otherwise. */
export function uninstrument<C extends object>(client: C): C {
  const patches = (client as Record<symbol, Patch[] | undefined>)[PATCHES];
  if (patches === undefined) return client;
  for (const { resource, wrapper, previous } of patches) {
    // Someone patched over us: leave their wrapper (it calls ours, which calls through).
    if (Object.getOwnPropertyDescriptor(resource, 'create')?.value !== wrapper) continue;
    if (previous === undefined) delete resource.create;
    else Object.defineProperty(resource, 'create', previous);
  }
  delete (client as Record<symbol, unknown>)[PATCHES];
  return client;
}

function instrument<C extends object>(client: C, targets: readonly Target[], provider: string, caller: string): C {
  if (client === null || typeof client !== 'object') throw new TypeError(`${caller}: expected a client instance, got ${client === null ? 'null' : typeof client}`);
  // Instrumenting twice would make two spans per call.
  if ((client as Record<symbol, unknown>)[PATCHES] !== undefined) return client;
  const patches: Patch[] = [];
  for (const target of targets) {
    let resource: unknown = client;
    for (const key of target.path) resource = resource !== null && typeof resource === 'object' ? (resource as Record<string, unknown>)[key] : undefined;
    if (resource === null || typeof resource !== 'object') continue;
    const original = (resource as Record<string, unknown>).create;
    if (typeof original !== 'function') continue;
    const previous = Object.getOwnPropertyDescriptor(resource, 'create');
    const wrapper = wrapCreate(original as (...args: unknown[]) => unknown, target.name, provider);
    Object.defineProperty(resource, 'create', { configurable: true, writable: true, enumerable: false, value: wrapper });
    patches.push({ resource: resource as Record<string, unknown>, wrapper, previous });
  }
  if (patches.length === 0) throw new TypeError(`${caller}: the client has none of ${targets.map((t) => t.path.join('.') + '.create').join(', ')}`);
  Object.defineProperty(client, PATCHES, { configurable: true, enumerable: false, value: patches });
  return client;
}

function wrapCreate(original: (...args: unknown[]) => unknown, name: string, provider: string): Function {
  const base: CallSpec = { type: 'span', kind: 'model', name, provider, input: FIRST_ARGUMENT };
  const create = function (this: unknown, ...args: unknown[]): unknown {
    const current = currentObservation();
    if (current === undefined) return Reflect.apply(original, this, args);
    // Inside a model span the user declared (`@ModelCall`, `modelCall`), that span is the
    // record of this call: a second one would count its tokens twice. It gets the usage.
    const model = asModelObservation(current);
    if (model !== undefined) {
      // A prompt bound by withPrompt inside that span links to it (the span was opened before the binding).
      model.linkPrompt(boundPrompt());
      return lendUsage(model, Reflect.apply(original, this, args));
    }
    return invoke(specFor(base, args[0]), original, this, args);
  };
  Object.defineProperty(create, 'name', { value: original.name, configurable: true });
  return create;
}

function specFor(base: CallSpec, params: unknown): CallSpec {
  try {
    const model = (params as { model?: unknown } | null)?.model;
    return { ...base, model: typeof model === 'string' ? model : undefined, attributes: { provider: base.provider, ...requestAttributes(params) } };
  } catch {
    // Parameters that throw when read (a Proxy, a getter) are the caller's business.
    return base;
  }
}

/** Hands a non-streamed response's usage to the enclosing model span (a later call's replaces it). */
function lendUsage(span: ModelObservation, result: unknown): unknown {
  try {
    if (!isApiPromise(result)) return result;
    watchApiPromise(result, (outcome) =>
      outcome.then(
        (value) => {
          try {
            const usage = extractUsage(value);
            if (usage !== undefined && !span.ended) span.recordUsage(usage);
          } catch {
            // Bookkeeping only.
          }
        },
        () => {},
      ),
    );
  } catch {
    // Bookkeeping only.
  }
  return result;
}
