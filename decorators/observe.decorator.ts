import type { ObserveDecoratorOptions } from './decorator-options.js';
import type { NorthstarMethodDecorator } from './decorator-types.js';
import { decoratorFromArguments } from './method-decorator.js';

type KindOptions = Omit<ObserveDecoratorOptions, 'kind'>;

/**
 * Makes every call of the method, inside a trace, a child span of the current span or
 * trace: the arguments keyed by parameter name are recorded as `tool_arguments`, the
 * awaited result as `tool_result`, errors recorded and rethrown. Outside a trace the
 * method runs untouched. Named after the method unless `name` says otherwise.
 *
 * @example
 * class Retriever {
 *   @Observe('rerank', { kind: 'workflow', attributes: { model: 'bge' } })
 *   rerank(query: string, docs: Doc[]) { ... }
 * }
 */
export function Observe(name?: string, options?: ObserveDecoratorOptions): NorthstarMethodDecorator;
export function Observe(options: ObserveDecoratorOptions): NorthstarMethodDecorator;
export function Observe(a?: string | ObserveDecoratorOptions, b?: ObserveDecoratorOptions): NorthstarMethodDecorator {
  return decoratorFromArguments('Observe', 'span', arguments);
}

/**
 * `@Observe` with kind `tool`: the dashboard lists these spans as tool calls.
 *
 * @example
 * class Tools {
 *   @Tool()
 *   async searchDocs(query: string, limit = 5) { ... }
 * }
 */
export function Tool(name?: string, options?: KindOptions): NorthstarMethodDecorator;
export function Tool(options: KindOptions): NorthstarMethodDecorator;
export function Tool(a?: string | KindOptions, b?: KindOptions): NorthstarMethodDecorator {
  return decoratorFromArguments('Tool', 'span', arguments, 'tool');
}

/** `@Observe` with kind `agent`: a sub-agent inside a trace. */
export function Agent(name?: string, options?: KindOptions): NorthstarMethodDecorator;
export function Agent(options: KindOptions): NorthstarMethodDecorator;
export function Agent(a?: string | KindOptions, b?: KindOptions): NorthstarMethodDecorator {
  return decoratorFromArguments('Agent', 'span', arguments, 'agent');
}

/** `@Observe` with kind `workflow`: a step grouping other spans. */
export function Workflow(name?: string, options?: KindOptions): NorthstarMethodDecorator;
export function Workflow(options: KindOptions): NorthstarMethodDecorator;
export function Workflow(a?: string | KindOptions, b?: KindOptions): NorthstarMethodDecorator {
  return decoratorFromArguments('Workflow', 'span', arguments, 'workflow');
}
