// `npm run demo:evals`: a small eval run end to end. The traced support agent answers
// three cases of a dataset against a local NorthStar collector on 127.0.0.1; each case's
// trace is graded (deterministic graders and an LLM judge given as your own function),
// every grade is stored as a score on the case's run, and the summary table is printed.
import { init, shutdown } from 'northstar-ai';
import { Dataset, defaultGraders, evaluate, formatEvalSummary, RubricJudge, type JudgeMessage } from 'northstar-ai/evals';
import { startIngestServer } from '../spec/support/ingest-server.js';
import { SupportAgent } from './support-agent.js';

const collector = await startIngestServer({ apiKey: 'demo-key' });
init({ apiKey: 'demo-key', endpoint: collector.url, project: 'support-bot', environment: 'eval-demo' });

const dataset = Dataset.fromRecords(
  [
    {
      id: 'password-reset',
      input: 'How do I reset my password?',
      expected: { required_tools: ['search-docs'], contains: ['Reset password'], goal: 'Explain how to reset the password', max_cost_usd: 0.01 },
    },
    {
      id: 'two-factor',
      input: 'How do I enable two-factor authentication?',
      expected: { required_tools: ['search-docs'], contains: ['2FA'], not_contains: ['password'] },
    },
    { id: 'billing', input: 'When are invoices issued?', expected: { tool_sequence: ['search-docs'], ground_truth: 'first day of each month' } },
  ],
  { name: 'support-smoke' },
);

// An LLM judge takes your own model call. Here a stand-in that checks the answer names the goal's topic.
const judge = async (messages: JudgeMessage[]): Promise<string> => {
  const facts = JSON.parse(messages[1]!.content) as { goal: string | null; final_response: string | null };
  const ok = (facts.final_response ?? '').toLowerCase().includes('reset');
  return JSON.stringify({ score: ok ? 0.9 : 0.2, reason: ok ? 'Gives the reset steps.' : 'Does not explain the reset.', feedback: ok ? 'Fine as is.' : 'Add the steps.' });
};

const agent = new SupportAgent();
const result = await evaluate((question: string) => agent.answer(question), dataset, {
  graders: [...defaultGraders(), new RubricJudge({ judge, name: 'answers_goal' })],
  concurrency: 2,
});
console.log(formatEvalSummary(result));

await shutdown();
const scores = [...collector.scores.values()];
console.log(`\nThe local collector stored ${collector.runs.size} runs and ${scores.length} scores; per case run:`);
for (const c of result.case_results) {
  const stored = scores.filter((s) => s.trace_id === c.trace_id && s.string_value !== 'skipped');
  const shown = stored.map((s) => `${s.name}=${s.data_type === 'boolean' ? (s.value === 1 ? 'pass' : 'fail') : s.value}`).join(' ');
  console.log(`  ${c.case_id} (run ${c.trace_id?.slice(0, 8)}…): ${shown}`);
}
await collector.close();
