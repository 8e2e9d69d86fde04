// northstar-ai through the decorators: @Trace on the agent method, @Tool/@Observe on the
// children. The twin of baseline-class.ts (same bodies, same calls).
// mode: 'disabled' (no API key), 'nocapture' (capture off), 'capture' (the default: capture on).
import { flush, init, shutdown, stats } from '../../src/index.js';
import { Observe, Tool, Trace } from '../../decorators/index.js';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

// The twin's own instance of the workload module, loaded in setup(): sharing agentBody
// with the decorated agent, its call sites would see both the plain and the decorated
// methods, a polymorphic state V8 optimises worse and that neither program is in.
let twinRetrieve = retrieve;
let twinRank = rank;
let twinGenerate = generate;
let twinBody = agentBody;

/** The untraced twin (same bodies), for the in-process A/B of the disabled path. */
class PlainAgent {
  async retrieve(query: string) {
    return twinRetrieve(query);
  }
  async rank(docs: unknown[]) {
    return twinRank(docs);
  }
  async generate(query: string, docs: unknown[]) {
    return twinGenerate(query, docs);
  }
  async run(query: string) {
    return twinBody(this, query);
  }
}

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
  const twinWork = (await import('../workload.mjs?twin' as string)) as typeof import('../workload.mjs');
  ({ retrieve: twinRetrieve, rank: twinRank, generate: twinGenerate, agentBody: twinBody } = twinWork);
  const agent = new Agent();
  const plain = new PlainAgent();
  return {
    idle: mode === 'disabled',
    twin: (query: string) => plain.run(query),
    agent: (query: string) => agent.run(query),
    flush: () => flush(),
    stats: () => stats(),
    teardown: () => shutdown(),
  };
}
