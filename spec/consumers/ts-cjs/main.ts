// A TypeScript program compiled to CommonJS with legacy decorators, once with
// `moduleResolution: node10` (types of `northstar-ai/decorators` via typesVersions) and
// once with `nodenext` (types via exports' `require` condition).
import assert = require('node:assert/strict');
import { currentTraceId, flush, init, modelCall, shutdown, type ModelSpan } from 'northstar-ai';
import { Agent, Input, ModelCall, Trace } from 'northstar-ai/decorators';

const environment = process.argv[2] ?? 'ts-cjs';

class Planner {
  @Agent()
  plan(@Input('goal') goal: string, _verbose = false): string[] {
    return [`research ${goal}`, `write ${goal}`];
  }
}

class Writer {
  constructor(private readonly planner: Planner) {}

  @Trace({ name: 'ts-cjs-run', metadata: { consumer: environment } })
  async write(goal: string): Promise<string> {
    const steps = this.planner.plan(goal);
    const draft = await this.draft(steps);
    return modelCall('review', { model: 'gpt-4o-mini' }, (m: ModelSpan) => {
      m.recordUsage({ promptTokens: 3, completionTokens: 2 });
      return draft;
    });
  }

  @ModelCall('draft', { model: 'gpt-4o-mini' })
  async draft(messages: string[]): Promise<string> {
    assert.ok(currentTraceId());
    return messages.join(', ');
  }
}

async function main(): Promise<void> {
  init({ apiKey: process.env.COLLECTOR_API_KEY, endpoint: process.env.COLLECTOR_URL, project: 'consumers', environment });
  assert.equal(await new Writer(new Planner()).write('docs'), 'research docs, write docs');
  assert.equal(await flush(), true);
  await shutdown();

  const stored: any = await (await fetch(process.env.COLLECTOR_STATE_URL!)).json();
  const run = stored.runs.find((r: any) => r.metadata?.environment === environment && r.name === 'ts-cjs-run');
  assert.ok(run, 'run stored');
  assert.equal(run.status, 'ok');
  const spans = stored.spans.filter((s: any) => s.run_id === run.id);
  assert.deepEqual(spans.map((s: any) => `${s.kind}:${s.name}`).sort(), ['agent:plan', 'model:draft', 'model:review']);
  const plan = spans.find((s: any) => s.name === 'plan');
  const planInput = stored.events.find((e: any) => e.span_id === plan.id && e.type === 'tool_arguments');
  assert.deepEqual(planInput?.content, { goal: 'docs' }, '@Input captures only the marked parameter');
  console.log(`${environment}: run delivered with ${spans.length} spans`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
