// The public API of `northstar-ai/ai-sdk`: the Vercel AI SDK's own telemetry in, NorthStar runs and spans out.
// Imports nothing of `ai` at run time (its types only); nothing else of the package loads it.
export { NorthstarTelemetry } from './telemetry.js';
export type { NorthstarTelemetryOptions } from './telemetry.js';
