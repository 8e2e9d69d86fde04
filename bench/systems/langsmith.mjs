// LangSmith: traceable() on the agent and each child, tracing on, posting to the loopback
// sink (the runner sets LANGSMITH_TRACING, LANGSMITH_ENDPOINT and a dummy API key).
import { Client } from 'langsmith';
import { traceable } from 'langsmith/traceable';
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

export async function setup({ sinkUrl }) {
  const client = new Client({ apiUrl: sinkUrl, apiKey: 'bench-dummy-key' });
  const children = {
    retrieve: traceable(retrieve, { name: 'retrieve', run_type: 'tool', client }),
    rank: traceable(rank, { name: 'rank', client }),
    generate: traceable(generate, { name: 'generate', client }),
  };
  return {
    agent: traceable(
      async function agent(query) {
        return agentBody(children, query);
      },
      { name: 'agent', run_type: 'chain', client },
    ),
    flush: () => client.awaitPendingTraceBatches(),
  };
}
