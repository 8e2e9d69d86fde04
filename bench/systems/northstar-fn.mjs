// northstar-ai through the function API: trace() around the agent, observe() around each child.
// mode: 'disabled' (no API key), 'unsampled' (enabled, sampleRate 0), 'nocapture' (capture off), 'capture' (the default: capture on).
import { flush, init, observe, shutdown, stats, trace } from '../.build/src/index.js';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

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
  // The untraced twin, for the in-process A/B of the disabled path, runs its own instance
  // of the workload module: sharing agentBody with the traced agent, its call sites would
  // see both the plain children and the wrappers, a polymorphic state V8 optimises worse
  // and that neither an untraced nor a traced program is in.
  const twinWork = await import('../workload.mjs?twin');
  const twinBody = twinWork.agentBody;
  const plain = { retrieve: twinWork.retrieve, rank: twinWork.rank, generate: twinWork.generate };
  return {
    idle: mode === 'disabled' || mode === 'unsampled',
    twin: async function agent(query) {
      return twinBody(plain, query);
    },
    agent: trace(async function agent(query) {
      return agentBody(children, query);
    }),
    flush: () => flush(),
    stats: () => stats(),
    teardown: () => shutdown(),
  };
}
