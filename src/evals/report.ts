import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { NorthstarError } from '../errors/northstar-error.js';
import type { CaseStatus, EvalResult } from './types.js';

/** Thrown by {@link assertEvalThresholds} when an eval misses a threshold; the message lists what was missed. */
export class EvalThresholdError extends NorthstarError {
  override name = 'EvalThresholdError';
  constructor(
    message: string,
    /** One line per missed threshold. */
    readonly failures: readonly string[],
  ) {
    super(message);
  }
}

/** Thresholds for {@link assertEvalThresholds}. */
export interface EvalThresholds {
  /** Lowest pass rate over evaluated cases, 0 to 1. */
  passRate?: number;
  /** Per grader: the lowest share of its non-skipped grades that must pass, 0 to 1. */
  graders?: Record<string, number>;
  /** Most cases allowed to fail. */
  maxFailedCases?: number;
  /** Fail when no case was evaluated (all grades skipped). @default true */
  requireEvaluated?: boolean;
}

/** Per grader: passed, failed and skipped counts over the cases. */
export function graderStats(result: EvalResult): Record<string, { passed: number; failed: number; skipped: number; passRate: number }> {
  const stats: Record<string, { passed: number; failed: number; skipped: number; passRate: number }> = {};
  for (const c of result.case_results) {
    for (const g of c.grades) {
      const s = (stats[g.name] ??= { passed: 0, failed: 0, skipped: 0, passRate: 0 });
      s[g.status]++;
    }
  }
  for (const s of Object.values(stats)) s.passRate = s.passed + s.failed > 0 ? s.passed / (s.passed + s.failed) : 0;
  return stats;
}

/**
 * Throws {@link EvalThresholdError} when the result misses a threshold, so a test fails:
 * works the same in `node:test`, Vitest and Jest.
 *
 * @example
 * test('support agent quality', async () => {
 *   const result = await evaluate(agent, dataset);
 *   assertEvalThresholds(result, { passRate: 0.9, graders: { required_tools: 1 } });
 * });
 */
export function assertEvalThresholds(result: EvalResult, thresholds: EvalThresholds): void {
  const failures: string[] = [];
  const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
  if ((thresholds.requireEvaluated ?? true) && result.evaluated_cases === 0) failures.push('no case was evaluated (every grade was skipped)');
  if (thresholds.passRate !== undefined && result.pass_rate < thresholds.passRate) {
    failures.push(`pass rate ${pct(result.pass_rate)} is below ${pct(thresholds.passRate)} (${result.passed_cases} of ${result.evaluated_cases} cases passed)`);
  }
  if (thresholds.maxFailedCases !== undefined && result.failed_cases > thresholds.maxFailedCases) {
    failures.push(`${result.failed_cases} cases failed, at most ${thresholds.maxFailedCases} allowed`);
  }
  const stats = graderStats(result);
  for (const [name, min] of Object.entries(thresholds.graders ?? {})) {
    const s = stats[name];
    if (s === undefined || s.passed + s.failed === 0) failures.push(`grader ${name} graded no case`);
    else if (s.passRate < min) failures.push(`grader ${name} passed ${pct(s.passRate)} of its cases, below ${pct(min)}`);
  }
  if (failures.length > 0) {
    const failedCases = result.case_results
      .filter((c) => c.status === 'failed')
      .slice(0, 10)
      .map((c) => `  ${c.case_id}: ${c.grades.filter((g) => g.status === 'failed').map((g) => `${g.name} (${g.reason})`).join('; ')}`);
    throw new EvalThresholdError(`eval thresholds missed:\n- ${failures.join('\n- ')}${failedCases.length ? `\nfailed cases:\n${failedCases.join('\n')}` : ''}`, failures);
  }
}

/** The result as a terminal table: case, status, failed graders, reasons; then the totals. */
export function formatEvalSummary(result: EvalResult, options: { maxReasonLength?: number } = {}): string {
  const max = options.maxReasonLength ?? 80;
  const cut = (text: string) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const rows = result.case_results.map((c) => {
    const failedGrades = c.grades.filter((g) => g.status === 'failed');
    return [c.case_id, c.status, failedGrades.map((g) => g.name).join(', ') || '-', cut(c.error ?? (failedGrades.map((g) => g.reason).join('; ') || '-'))];
  });
  const header = ['case', 'status', 'failed graders', 'reasons'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const name = typeof result.metadata.name === 'string' ? `${result.metadata.name}: ` : '';
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${name}${result.passed_cases}/${result.evaluated_cases} evaluated cases passed (${Math.round(result.pass_rate * 1000) / 10}%), ` +
      `${result.failed_cases} failed, ${result.not_evaluated_cases} not evaluated, ${result.skipped_grades} grades skipped`,
  ].join('\n');
}

/** Writes the result as a JSON report file (folders created). */
export function writeReport(result: EvalResult, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** A progress line on stderr: redrawn in a terminal, one line per tenth elsewhere. */
export function createProgress(name: string, total: number, enabled?: boolean): { tick(status: CaseStatus): void; done(): void } {
  const stream = process.stderr;
  const on = enabled ?? Boolean(stream.isTTY);
  let done = 0;
  let passed = 0;
  let failed = 0;
  let lastTenth = -1;
  const text = () => `eval ${name}: ${done}/${total} cases, ${passed} passed, ${failed} failed`;
  return {
    tick(status) {
      done++;
      if (status === 'passed') passed++;
      else if (status === 'failed') failed++;
      if (!on) return;
      if (stream.isTTY) stream.write(`\r${text()}`);
      else {
        const tenth = Math.floor((done / Math.max(1, total)) * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          stream.write(`${text()}\n`);
        }
      }
    },
    done() {
      if (on && stream.isTTY && done > 0) stream.write('\n');
    },
  };
}
