// A node:test file as a user would write it: an offline eval whose thresholds decide the
// test. EVAL_PASS_RATE sets the pass-rate threshold; run by spec/evals/thresholds.spec.ts.
import { test } from 'node:test';

import { assertEvalThresholds, Dataset, EvalSuite } from '../../../dist/esm/src/evals/index.js';

const dataset = Dataset.fromRecords([
  { id: 'good', messages: [{ role: 'assistant', content: 'Refunded 19.99 EUR.' }], expected: { contains: ['refunded'] } },
  { id: 'bad', messages: [{ role: 'assistant', content: 'Sorry.' }], expected: { contains: ['refunded'] } },
]);

test('support agent quality', async () => {
  const result = await new EvalSuite().run(dataset);
  assertEvalThresholds(result, { passRate: Number(process.env.EVAL_PASS_RATE), graders: { contains: Number(process.env.EVAL_PASS_RATE) } });
});
