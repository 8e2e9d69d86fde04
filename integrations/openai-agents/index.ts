// The public API of `northstar-ai/openai-agents`. Everything not exported here is internal.
export { NorthstarTracingProcessor } from './tracing-processor.js';
