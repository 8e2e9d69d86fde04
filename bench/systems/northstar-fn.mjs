// northstar-ai through the function API: trace() around the agent, observe() around each child.
// mode: 'disabled' (no API key), 'unsampled' (enabled, sampleRate 0), 'nocapture' (capture off), 'capture' (the default: capture on).
import { flush, init, observe, shutdown, stats, trace } from '../.build/src/index.js';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';
import { agent as twin } from './twins.mjs';

export async function setup({ sinkUrl, mode, init: extra = {} }) {
  if (mode === 'disabled') init({});
  else if (mode === 'unsampled') init({ apiKey: 'bench-key', endpoint: `${sinkUrl}/functions/v1/ingest-traces`, sampleRate: 0, ...extra });
  else {
    const capture = mode === 'capture';
    init({ apiKey: 'bench-key', endpoint: `${sinkUrl}/functions/v1/ingest-traces`, captureInputs: capture, captureOutputs: capture, ...extra });
  }
  const children = {
    retrieve: observe(retrieve, { kind: 'tool' }),
    rank: observe(rank),
    generate: observe(generate),
  };
  return {
    idle: mode === 'disabled' || mode === 'unsampled',
    // The untraced twin (bench/systems/twins.mjs), for the in-process A/B of the disabled path.
    twin,
    agent: trace(async function agent(query) {
      return agentBody(children, query);
    }),
    flush: () => flush(),
    stats: () => stats(),
    teardown: () => shutdown(),
  };
}
