import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Tool, Trace } from '../../decorators/index.js';
import { init } from '../../src/index.js';
import { CodeGrader, Dataset, defaultGraders, evaluate } from '../../src/evals/index.js';
import { assertNoRejections, createHarness, spansOf, type Harness } from '../tracing/ingest-harness.js';

class SupportAgent {
  @Tool()
  lookupOrder(orderId: number) {
    return { order_id: orderId, status: 'delivered', total: '19.99 EUR' };
  }

  @Tool()
  refundOrder(orderId: number) {
    if (orderId === 13) throw new Error('refund service down');
    return { refunded: true, order_id: orderId };
  }

  @Trace()
  async answer(question: string) {
    const orderId = Number(/\d+/.exec(question)?.[0] ?? 0);
    const order = this.lookupOrder(orderId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.refundOrder(orderId);
    return `Order ${orderId} was ${order.status}; I refunded ${order.total}.`;
  }
}

const dataset = Dataset.fromRecords(
  [
    { id: 'refund-42', input: 'Refund order 42', expected: { required_tools: ['lookupOrder', 'refundOrder'], tool_arguments: [{ name: 'lookupOrder', arguments: { orderId: 42 } }], contains: ['refunded'], require_tool_output_reference: true, max_latency_ms: 60_000 } },
    { id: 'no-refunds', input: 'Refund order 7', expected: { forbidden_tools: ['refundOrder'], tool_sequence: ['lookupOrder'] } },
    { id: 'broken-refund', input: 'Refund order 13', expected: { contains: ['refunded'], required_tools: ['lookupOrder'] } },
    { id: 'nothing-expected', input: 'Refund order 1' },
  ],
  { name: 'support' },
);

let harness: Harness;
before(async () => {
  harness = await createHarness();
});
after(() => harness.close());

describe('evaluate(): live runs graded from their traces, grades stored as scores', () => {
  it('runs a decorated agent per case, grades what its trace recorded and stores each grade on its run', async () => {
    harness.start();
    const agent = new SupportAgent();
    const result = await evaluate((q: string) => agent.answer(q), dataset, {
      graders: [...defaultGraders(), new CodeGrader('mentions_order', (output, c) => (output ?? '').includes(String(/\d+/.exec(String(c.input))?.[0])))],
      concurrency: 2,
      progress: false,
    });
    const byId = Object.fromEntries(result.case_results.map((c) => [c.case_id, c]));
    assert.equal(byId['refund-42']!.status, 'passed', JSON.stringify(byId['refund-42']!.grades.filter((g) => g.status === 'failed')));
    assert.equal(byId['no-refunds']!.status, 'failed');
    assert.equal(byId['broken-refund']!.status, 'failed');
    assert.match(byId['broken-refund']!.error!, /refund service down/);
    assert.equal(byId['nothing-expected']!.status, 'passed', 'only the code grader had something to grade');
    assert.equal(result.total_cases, 4);
    assert.equal(result.metadata.dataset, 'support');
    assert.equal(result.metadata.delivered, true, 'the final flush delivered runs and scores');

    const server = harness.server;
    assertNoRejections(server);
    for (const c of result.case_results) {
      // The grades sit on the agent's own run (the @Trace method), which names the eval, the dataset and the case.
      const run = server.runs.get(c.trace_id!);
      assert.equal(run.name, 'answer');
      assert.equal(run.metadata.eval_case_id, c.case_id);
      assert.equal(run.metadata.eval_dataset, 'support');
      assert.equal(run.metadata.eval_run_id, result.metadata.eval_run_id);
      const scores = [...server.scores.values()].filter((s) => s.trace_id === c.trace_id);
      assert.equal(scores.length, c.grades.length, `one score per grade on ${c.case_id}`);
      for (const grade of c.grades) {
        const stored = scores.find((s) => s.name === grade.name)!;
        assert.equal(stored.comment.startsWith(grade.reason), true);
        if (grade.status === 'skipped') {
          assert.equal(stored.data_type, 'categorical');
          assert.equal(stored.string_value, 'skipped');
        } else {
          assert.equal(stored.data_type, 'boolean');
          assert.equal(stored.value, grade.status === 'passed' ? 1 : 0);
        }
      }
    }
    // The wrapper run of each case is there too, with the same metadata; tool spans are children of the agent run.
    const refundRun = byId['refund-42']!.trace_id!;
    assert.deepEqual(spansOf(server, refundRun).map((s) => s.name).sort(), ['lookupOrder', 'refundOrder']);
    const wrappers = [...server.runs.values()].filter((r) => r.name.startsWith('eval support: '));
    assert.equal(wrappers.length, 4);
    assert.equal(server.runs.get(refundRun).metadata.parent_trace_id, wrappers.find((w) => w.metadata.eval_case_id === 'refund-42')!.id);
    const failedTool = spansOf(server, byId['broken-refund']!.trace_id!).find((s) => s.name === 'refundOrder');
    assert.equal(failedTool.status, 'error');

    await harness.stop();
  });

  it('a plain (untraced) agent is traced by evaluate itself; without a client it still grades its output', async () => {
    harness.start();
    const ds = Dataset.fromRecords([{ id: 'echo', input: 'ping', expected: { contains: ['pong'] } }]);
    const result = await evaluate(async (input: string) => `${input} pong`, ds, { progress: false });
    const only = result.case_results[0]!;
    assert.equal(only.status, 'passed');
    const run = harness.server.runs.get(only.trace_id!);
    assert.equal(run.name, 'eval dataset: echo');
    assert.equal(run.metadata.eval_case_id, 'echo');
    const contains = [...harness.server.scores.values()].find((s) => s.trace_id === run.id && s.name === 'contains');
    assert.equal(contains.value, 1);
    await harness.stop();

    init({ enabled: false });

    const offline = await evaluate(async () => 'no pong here', Dataset.fromRecords([{ id: 'x', expected: { contains: ['pong'], not_contains: ['here'] } }]), { progress: false });
    assert.equal(offline.case_results[0]!.status, 'failed');
    assert.equal(offline.case_results[0]!.trace_id, undefined);
  });
});
