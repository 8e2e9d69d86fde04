// northstar-ai through the decorators: @Trace on the agent method, @Tool/@Observe on the
// children. The twin of baseline-class.ts (same bodies, same calls).
// mode: 'disabled' (no API key), 'nocapture' (capture off), 'capture' (the default: capture on).
import { flush, init, shutdown, stats } from '../../src/index.js';
import { Observe, Tool, Trace } from '../../decorators/index.js';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';
import { PlainAgent } from './twins.mjs';

class Agent {
  @Tool()
  async retrieve(query: string) {
    return retrieve(query);
  }
  @Observe()
  async rank(docs: unknown[]) {
    return rank(docs);
  }
  @Observe()
  async generate(query: string, docs: unknown[]) {
    return generate(query, docs);
  }
  @Trace('agent')
  async run(query: string) {
    return agentBody(this, query);
  }
}

export async function setup({ sinkUrl, mode, init: extra = {} }: { sinkUrl: string; mode: 'disabled' | 'nocapture' | 'capture'; init?: object }) {
  if (mode === 'disabled') init({});
  else {
    const capture = mode === 'capture';
    init({ apiKey: 'bench-key', endpoint: `${sinkUrl}/functions/v1/ingest-traces`, captureInputs: capture, captureOutputs: capture, ...extra });
  }
  const agent = new Agent();
  const plain = new PlainAgent();
  return {
    idle: mode === 'disabled',
    // The untraced twin (bench/systems/twins.mjs), for the in-process A/B of the disabled path.
    twin: (query: string) => plain.run(query),
    agent: (query: string) => agent.run(query),
    flush: () => flush(),
    stats: () => stats(),
    teardown: () => shutdown(),
  };
}
