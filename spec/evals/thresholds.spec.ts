import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { assertEvalThresholds, Dataset, EvalSuite, EvalThresholdError, formatEvalSummary, graderStats, writeReport } from '../../src/evals/index.js';
import { fixture } from './fixture-path.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = fixture('../../support/child-scripts/eval-thresholds.test.mjs');
function runNodeTest(passRate: string) {
  // A fresh test run, not a child of this one (node:test marks its children through NODE_TEST_CONTEXT).
  const env: NodeJS.ProcessEnv = { ...process.env, EVAL_PASS_RATE: passRate };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--test', script], { encoding: 'utf8', env });
}

describe('eval thresholds in CI', () => {
  it('a missed threshold fails a node:test run, with the misses and the failed cases in its output', () => {
    const failing = runNodeTest('0.9');
    assert.notEqual(failing.status, 0);
    assert.match(failing.stdout, /EvalThresholdError/);
    assert.match(failing.stdout, /pass rate 50% is below 90% \(1 of 2 cases passed\)/);
    assert.match(failing.stdout, /grader contains passed 50% of its cases, below 90%/);
    assert.match(failing.stdout, /bad: contains/);
    const passing = runNodeTest('0.5');
    assert.equal(passing.status, 0, passing.stdout);
  });

  it('summary table, JSON report and per-grader stats', async () => {
    const result = await new EvalSuite({ metadata: { name: 'support' } }).run(Dataset.fromPath(fixture('support.jsonl')));
    const table = formatEvalSummary(result);
    assert.match(table.split('\n')[0]!, /^case\s+status\s+failed graders\s+reasons$/);
    assert.match(table, /refund-bad\s+failed\s+max_tool_calls, required_tools/);
    assert.match(table, /support: 1\/2 evaluated cases passed \(50%\), 1 failed, 1 not evaluated, 12 grades skipped/);
    const path = join(mkdtempSync(join(tmpdir(), 'ns-report-')), 'reports', 'eval.json');
    writeReport(result, path);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), JSON.parse(JSON.stringify(result)));
    assert.deepEqual(graderStats(result).contains, { passed: 1, failed: 1, skipped: 1, passRate: 0.5 });
    assert.throws(() => assertEvalThresholds(result, { maxFailedCases: 0 }), EvalThresholdError);
    assert.doesNotThrow(() => assertEvalThresholds(result, { passRate: 0.5, graders: { ground_truth_match: 0.5 } }));
    assert.throws(() => assertEvalThresholds(result, { graders: { nope: 1 } }), /grader nope graded no case/);
  });
});
