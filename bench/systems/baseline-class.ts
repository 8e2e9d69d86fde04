// No tracing, written as a class: the twin of the decorated agent (same bodies, same calls).
import { agentBody, generate, rank, retrieve } from '../workload.mjs';

class Agent {
  async retrieve(query: string) {
    return retrieve(query);
  }
  async rank(docs: unknown[]) {
    return rank(docs);
  }
  async generate(query: string, docs: unknown[]) {
    return generate(query, docs);
  }
  async run(query: string) {
    return agentBody(this, query);
  }
}

export async function setup() {
  const agent = new Agent();
  return { idle: true, agent: (query: string) => agent.run(query) };
}
