import type { ModelSpan } from '../src/tracing/handles.js';
import { currentObservation } from '../src/tracing/instrument.js';
import { NOOP_MODEL_SPAN } from '../src/tracing/scopes.js';
import type { ModelCallDecoratorOptions } from './decorator-options.js';
import type { NorthstarMethodDecorator } from './decorator-types.js';
import { methodDecorator, rejectBareUse } from './method-decorator.js';

/**
 * Makes every call of the method, inside a trace, a model span (an LLM call). The input
 * messages are the parameter marked `@Messages()` (legacy) or `{ messages: true }` in
 * `params`, else a parameter named `messages`, else an argument that is a provider
 * request (holding `messages`, `input` or `system`), else the arguments by name. The
 * return value (a provider response, a message, or a stream) is the output; usage and
 * cost come from it. Inside, `currentModelSpan()` records by hand. Outside a trace the
 * method runs untouched.
 *
 * @example
 * class Llm {
 *   @ModelCall('chat', { model: 'gpt-4o-mini', provider: 'openai' })
 *   complete(messages: ChatMessage[]) {
 *     return openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 *   }
 * }
 */
export function ModelCall(name?: string, options?: ModelCallDecoratorOptions): NorthstarMethodDecorator;
export function ModelCall(options: ModelCallDecoratorOptions): NorthstarMethodDecorator;
export function ModelCall(a?: string | ModelCallDecoratorOptions, b?: ModelCallDecoratorOptions): NorthstarMethodDecorator {
  rejectBareUse('ModelCall', arguments);
  const options = (typeof a === 'object' && a !== null ? a : b) ?? {};
  return methodDecorator('ModelCall', { type: 'model', name: typeof a === 'string' ? a : undefined, options });
}

/**
 * The `ModelSpan` of the model span the code runs in (a `@ModelCall` method, or
 * `modelCall()`), to record messages, usage or the model by hand; a shared no-op
 * outside one, so it is always safe to call.
 *
 * @example
 * currentModelSpan().recordUsage({ inputTokens: 12, outputTokens: 40 });
 */
export function currentModelSpan(): ModelSpan {
  const observation = currentObservation() as Partial<ModelSpan> | undefined;
  // Duck-typed: the observation may come from another loaded copy of the package.
  return observation !== undefined && typeof observation.recordInputMessages === 'function' ? (observation as ModelSpan) : NOOP_MODEL_SPAN;
}
