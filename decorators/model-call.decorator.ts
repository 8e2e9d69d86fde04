import { asModelObservation, currentObservation, ManualModelSpan, type ModelSpan, NOOP_MODEL_SPAN } from '../src/internal.js';
import type { ModelCallDecoratorOptions } from './decorator-options.js';
import type { NorthstarMethodDecorator } from './decorator-types.js';
import { decoratorFromArguments } from './method-decorator.js';

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
  return decoratorFromArguments('ModelCall', 'model', arguments);
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
  const model = asModelObservation(currentObservation());
  return model === undefined ? NOOP_MODEL_SPAN : new ManualModelSpan(model);
}
