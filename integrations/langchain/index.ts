// The public API of `northstar-ai/langchain`. Everything not exported here is internal.
export { NorthstarCallbackHandler } from './callback-handler.js';
export type { NorthstarCallbackHandlerOptions } from './callback-handler.js';
