// The untraced twins of the traced systems, for the in-process A/B of the disabled path
// (bench/child.mjs). They import their own instance of the workload module (`?twin`):
// sharing `agentBody` with the traced agent, its call sites would see both the plain
// children and the wrappers, a polymorphic state V8 optimises worse for both and that
// neither an untraced nor a traced program is in. Same bodies, same kind of bindings.
import { agentBody, generate, rank, retrieve } from '../workload.mjs?twin';

const children = { retrieve, rank, generate };

/** The twin of the function-API agent. */
export async function agent(query) {
  return agentBody(children, query);
}

/** The twin of the decorated agent class (the same bodies as baseline-class.ts). */
export class PlainAgent {
  async retrieve(query) {
    return retrieve(query);
  }
  async rank(docs) {
    return rank(docs);
  }
  async generate(query, docs) {
    return generate(query, docs);
  }
  async run(query) {
    return agentBody(this, query);
  }
}
