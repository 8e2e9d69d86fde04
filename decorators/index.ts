// The public API of `northstar-ai/decorators`. Everything not exported here is internal.
import 'reflect-metadata';

export { Trace } from './trace.decorator.js';
export { Observe, Tool, Agent, Workflow } from './observe.decorator.js';
export { ModelCall, currentModelSpan } from './model-call.decorator.js';
export { Input, Ignore, Redact, Messages } from './parameter.decorators.js';
export { Traced } from './traced.decorator.js';
export { NorthstarModule, NORTHSTAR_CLIENT } from './nest/northstar.module.js';
export type {
  TraceDecoratorOptions,
  ObserveDecoratorOptions,
  ModelCallDecoratorOptions,
  TracedOptions,
  ParamCapture,
} from './decorator-options.js';
export type { NorthstarModuleAsyncOptions, NorthstarDynamicModule } from './nest/northstar.module.js';
export type { NorthstarMethodDecorator, NorthstarClassDecorator, NorthstarParameterDecorator } from './decorator-types.js';
