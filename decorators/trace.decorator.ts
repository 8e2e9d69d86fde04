import type { TraceDecoratorOptions } from './decorator-options.js';
import type { NorthstarMethodDecorator } from './decorator-types.js';
import { decoratorFromArguments } from './method-decorator.js';

/**
 * Makes every call of the method a trace (a top-level run), exactly like `trace()`: the
 * arguments keyed by parameter name are its input (`user_input`), the awaited return
 * value its output (`final_response`), an error is recorded and the same error rethrown.
 * The run is named after the method (not `Class.method`, as in the Python SDK) unless
 * `name` says otherwise. Works with legacy and standard decorators; when the SDK is
 * disabled the method costs one check.
 *
 * Choosing what is recorded: `input` (a value, or a function of the arguments),
 * `params` (stage-3 and legacy), or the parameter decorators `@Input`/`@Ignore`/`@Redact`
 * (legacy only). Stacking two NorthStar method decorators records one observation:
 * the upper one wins.
 *
 * @example
 * class SupportAgent {
 *   @Trace('support-agent', { tags: ['prod'] })
 *   async answer(question: string) { ... }
 *
 *   @Trace({ captureOutput: false, params: ['question', null] })   // stage-3 style
 *   async answerFor(question: string, user: User) { ... }
 * }
 */
export function Trace(name?: string, options?: TraceDecoratorOptions): NorthstarMethodDecorator;
export function Trace(options: TraceDecoratorOptions): NorthstarMethodDecorator;
export function Trace(a?: string | TraceDecoratorOptions, b?: TraceDecoratorOptions): NorthstarMethodDecorator {
  return decoratorFromArguments('Trace', 'trace', arguments);
}
