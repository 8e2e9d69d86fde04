// The evals from CommonJS under Jest: an eval's thresholds decide a Jest test.
const { describe, expect, test } = require('@jest/globals');
const { assertEvalThresholds, Dataset, EvalSuite, EvalThresholdError } = require('northstar-ai/evals');

const dataset = Dataset.fromRecords([
  { id: 'good', messages: [{ role: 'assistant', content: 'Refunded 19.99 EUR.' }], expected: { contains: ['refunded'] } },
  { id: 'bad', messages: [{ role: 'assistant', content: 'Sorry.' }], expected: { contains: ['refunded'] } },
]);

describe('evals under Jest', () => {
  test('a threshold that is met passes the test', async () => {
    const result = await new EvalSuite().run(dataset);
    expect(result.pass_rate).toBe(0.5);
    assertEvalThresholds(result, { passRate: 0.5 });
  });

  test('a missed threshold throws EvalThresholdError, which fails a Jest test', async () => {
    const result = await new EvalSuite().run(dataset);
    expect(() => assertEvalThresholds(result, { passRate: 0.9 })).toThrow(EvalThresholdError);
    expect(() => assertEvalThresholds(result, { passRate: 0.9 })).toThrow(/pass rate 50% is below 90%/);
  });
});
