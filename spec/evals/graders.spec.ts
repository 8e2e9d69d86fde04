import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fixture } from './fixture-path.js';
import { CodeGrader, Dataset, EvalSuite, RegexGrader, type GradeResult } from '../../src/evals/index.js';

const dataset = Dataset.fromPath(fixture('support.jsonl'));
const statuses = (grades: GradeResult[]) => Object.fromEntries(grades.map((g) => [g.name, g.status]));

describe('deterministic graders (offline EvalSuite)', () => {
  it('a case built to pass passes all eleven', async () => {
    const result = await new EvalSuite().run(dataset);
    const ok = result.case_results[0]!;
    assert.deepEqual(statuses(ok.grades), {
      max_tool_calls: 'passed',
      required_tools: 'passed',
      forbidden_tools: 'passed',
      tool_arguments_match: 'passed',
      tool_sequence: 'passed',
      tool_output_referenced: 'passed',
      contains: 'passed',
      not_contains: 'passed',
      ground_truth_match: 'passed',
      latency_under: 'passed',
      cost_under: 'passed',
    });
    assert.equal(ok.status, 'passed');
  });

  it('a case built to fail fails each of them, and a grader without its expectation is skipped', async () => {
    const result = await new EvalSuite().run(dataset);
    const bad = result.case_results[1]!;
    assert.deepEqual(statuses(bad.grades), {
      max_tool_calls: 'failed',
      required_tools: 'failed',
      forbidden_tools: 'failed',
      tool_arguments_match: 'failed',
      tool_sequence: 'failed',
      tool_output_referenced: 'skipped',
      contains: 'failed',
      not_contains: 'failed',
      ground_truth_match: 'failed',
      latency_under: 'failed',
      cost_under: 'failed',
    });
    const reason = (name: string) => bad.grades.find((g) => g.name === name)!.reason;
    assert.match(reason('required_tools'), /refund_order/);
    assert.match(reason('forbidden_tools'), /delete_account/);
    assert.match(reason('max_tool_calls'), /3 tool calls \(limit 2\)/);
    assert.deepEqual(bad.grades.find((g) => g.name === 'forbidden_tools')!.metadata.used_forbidden_tools, ['delete_account']);
  });

  it('a case with no expectations is not evaluated and does not count in the pass rate', async () => {
    const result = await new EvalSuite().run(dataset);
    assert.equal(result.case_results[2]!.status, 'not_evaluated');
    assert.equal(result.total_cases, 3);
    assert.equal(result.evaluated_cases, 2);
    assert.equal(result.not_evaluated_cases, 1);
    assert.equal(result.pass_rate, 0.5);
    assert.equal(result.skipped_grades, 1 + 11);
  });

  it('regex and code graders; a throwing grader is a failed grade, not a crash', async () => {
    const suite = new EvalSuite({
      graders: [
        new RegexGrader('mentions_amount', /\d+\.\d\d EUR/),
        new RegexGrader('user_said_refund', /refund/i, { target: 'run.user_messages' }),
        new CodeGrader('short_answer', (output) => ({ passed: (output ?? '').length < 60, reason: `length ${(output ?? '').length}` })),
        { name: 'broken', grade: () => { throw new RangeError('boom'); } },
      ],
    });
    const result = await suite.run(dataset);
    assert.deepEqual(statuses(result.case_results[0]!.grades), { mentions_amount: 'passed', user_said_refund: 'passed', short_answer: 'passed', broken: 'failed' });
    assert.deepEqual(statuses(result.case_results[2]!.grades), { mentions_amount: 'failed', user_said_refund: 'failed', short_answer: 'passed', broken: 'failed' });
    const broken = result.case_results[0]!.grades[3]!;
    assert.match(broken.reason, /RangeError: boom/);
  });

  it('reads Anthropic tool_use / tool_result blocks too', async () => {
    const ds = Dataset.fromRecords([
      {
        id: 'anthropic',
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'Sunny, 21 degrees in Paris' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'It is sunny in Paris, 21 degrees.' }] },
        ],
        expected: { tool_arguments: [{ name: 'get_weather', arguments: { city: 'Paris' } }], require_tool_output_reference: true, contains: 'sunny' },
      },
    ]);
    const result = await new EvalSuite().run(ds);
    assert.equal(result.case_results[0]!.status, 'passed');
  });
});
