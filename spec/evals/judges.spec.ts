import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { Dataset, EvalSuite, FaithfulnessJudge, HallucinatedToolResultJudge, RubricJudge, type GradeResult, type JudgeMessage } from '../../src/evals/index.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';

const dataset = Dataset.fromRecords([
  {
    id: 'refund',
    messages: [
      { role: 'user', content: 'Refund order 42' },
      { role: 'tool', tool_call_id: 'c1', name: 'lookup_order', content: 'order 42: delivered, 19.99 EUR' },
      { role: 'assistant', content: 'I refunded 19.99 EUR for order 42.' },
    ],
    expected: { goal: 'Refund the order', context: ['Refunds are allowed within 30 days.'] },
  },
  { id: 'no-goal', messages: [{ role: 'assistant', content: 'hello' }] },
]);

let llm: LlmServer;
before(async () => {
  llm = await startLlmServer();
});
after(() => llm.close());

const openaiReplying = (reply: unknown) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0, defaultHeaders: { 'x-scenario': 'reply', 'x-reply': encodeURIComponent(typeof reply === 'string' ? reply : JSON.stringify(reply)) } });

async function gradeWith(judge: RubricJudge | FaithfulnessJudge | HallucinatedToolResultJudge): Promise<GradeResult[]> {
  const result = await new EvalSuite({ graders: [judge] }).run(dataset);
  return result.case_results.map((c) => c.grades[0]!);
}

describe('LLM judges on your own model call', () => {
  it('a numeric verdict through the real openai client: parsed, validated, passed at the threshold', async () => {
    const judge = new RubricJudge({ judge: openaiReplying({ score: 0.8, reason: 'Refund done with the right amount.', feedback: 'Mention the refund delay.', confidence: 0.9 }), model: 'gpt-4o-mini' });
    const [graded, skipped] = await gradeWith(judge);
    assert.equal(graded!.status, 'passed');
    assert.equal(graded!.score, 0.8);
    assert.equal(graded!.reason, 'Refund done with the right amount.');
    assert.equal(graded!.feedback, 'Mention the refund delay.');
    assert.equal(graded!.confidence, 0.9);
    assert.equal(graded!.metadata.judge_model, 'gpt-4o-mini');
    assert.equal(skipped!.status, 'skipped', 'no goal or rubric: skipped, not passed');
    const sent = llm.requests.at(-1)!.body;
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.equal(sent.messages[0].role, 'system');
    assert.match(sent.messages[1].content, /I refunded 19\.99 EUR/);
  });

  it('a score below the passing mark fails; a verdict in a code fence with prose around it is still read', async () => {
    const reply = 'Here is my verdict:\n```json\n{"score": 0.3, "reason": "Wrong amount.", "feedback": "Check the order total."}\n```';
    const [graded] = await gradeWith(new RubricJudge({ judge: openaiReplying(reply), model: 'gpt-4o-mini' }));
    assert.equal(graded!.status, 'failed');
    assert.equal(graded!.score, 0.3);
    assert.equal(graded!.reason, 'Wrong amount.');
  });

  it('an invalid verdict (score off the scale, blank feedback, not JSON) is a failed grade with the reason', async () => {
    for (const reply of [{ score: 7, reason: 'x', feedback: 'y' }, { score: 0.9, reason: 'ok', feedback: ' ' }, 'I think it is fine']) {
      const [graded] = await gradeWith(new RubricJudge({ judge: openaiReplying(reply), model: 'gpt-4o-mini' }));
      assert.equal(graded!.status, 'failed');
      assert.match(graded!.reason, /did not answer with a valid verdict/);
    }
  });

  it('a judge whose call errors (HTTP 500 through the real client) fails the grade, and the suite goes on', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0, defaultHeaders: { 'x-scenario': 'error-500' } });
    const [graded] = await gradeWith(new RubricJudge({ judge: client, model: 'gpt-4o-mini' }));
    assert.equal(graded!.status, 'failed');
    assert.match(graded!.reason, /the judge call failed: 500/);
    assert.equal(graded!.metadata.error_type, 'InternalServerError');
  });

  it('binary scoring, a plain function as the judge, and the faithfulness judge', async () => {
    const seen: JudgeMessage[][] = [];
    const judge = new FaithfulnessJudge({
      judge: async (messages) => {
        seen.push(messages);
        return JSON.stringify({ passed: false, reason: 'The 30-day rule is not mentioned.', feedback: 'Cite the policy.' });
      },
      scoring: { mode: 'binary' },
    });
    const [graded, secondCase] = await gradeWith(judge);
    assert.equal(graded!.status, 'failed');
    assert.equal(graded!.score, 0);
    assert.match(JSON.parse(seen[0]![1]!.content).context[0], /30 days/);
    assert.equal(secondCase!.status, 'skipped', 'no context and no tool output');
  });

  it('the Anthropic client: its text answer is read (here not a verdict: a failed grade)', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: llm.anthropicBaseURL, maxRetries: 0 });
    const [graded] = await gradeWith(new RubricJudge({ judge: client, model: 'claude-sonnet-4-5' }));
    assert.equal(graded!.status, 'failed');
    assert.match(graded!.reason, /valid verdict/);
    assert.equal(llm.requests.at(-1)!.path, '/v1/messages');
    assert.equal(typeof llm.requests.at(-1)!.body.system, 'string');
  });

  it('a trace judge is skipped without a trace; misuse throws at construction', async () => {
    const [graded] = await gradeWith(new HallucinatedToolResultJudge({ judge: () => '{}' }));
    assert.equal(graded!.status, 'skipped');
    assert.throws(() => new RubricJudge({ judge: openaiReplying('x') }), /model is required when judge is a client/);
    assert.throws(() => new RubricJudge({ judge: 42 as never }), /judge must be a function/);
    assert.throws(() => new EvalSuite({ plan: 'quality' }), /includes an LLM judge/);
  });
});
