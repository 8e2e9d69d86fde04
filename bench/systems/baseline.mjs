// No tracing: the workload as a user would write it.
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

export async function setup() {
  const children = { retrieve, rank, generate };
  return {
    idle: true,
    agent: async function agent(query) {
      return agentBody(children, query);
    },
  };
}
