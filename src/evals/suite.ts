import { failed } from './grade.js';
import { defaultGraders } from './graders.js';
import { FaithfulnessJudge, HallucinatedToolResultJudge, type JudgeModel, PlanningActionMismatchJudge, RubricJudge } from './judges.js';
import { normalizeRun, normalizeTrace } from './normalize.js';
import { BadToolFailureRecovery, FailureOrigin, InvalidStateTransition, RetrievalPrecisionRecall, StaleContextUsage, StepCostAttribution, UnnecessaryToolLoop } from './trace-graders.js';
import type { CaseResult, CaseStatus, EvalCase, EvalResult, EvalRun, GradeResult, Grader } from './types.js';

/** A named set of graders: `deterministic` (the eleven), `quality` (+ RubricJudge), `agentic` (+ FaithfulnessJudge), `trace` (the trace graders and trace judges). */
export type GraderPlan = 'deterministic' | 'quality' | 'agentic' | 'trace';

/** The seven deterministic trace graders. */
export function traceGraders(): Grader[] {
  return [new BadToolFailureRecovery(), new UnnecessaryToolLoop(), new StaleContextUsage(), new InvalidStateTransition(), new RetrievalPrecisionRecall(), new StepCostAttribution(), new FailureOrigin()];
}

/** The graders of a plan; the judge plans need your model call (`judge`, and `model` for a client). */
export function graderPlan(plan: GraderPlan, judge?: { judge: JudgeModel; model?: string }): Grader[] {
  const needJudge = (): { judge: JudgeModel; model?: string } => {
    if (judge === undefined) throw new TypeError(`grader plan '${plan}' includes an LLM judge: pass { judge } (your model call or client)`);
    return judge;
  };
  switch (plan) {
    case 'deterministic':
      return defaultGraders();
    case 'quality':
      return [...defaultGraders(), new RubricJudge(needJudge())];
    case 'agentic':
      return [...defaultGraders(), new FaithfulnessJudge(needJudge())];
    case 'trace':
      return judge === undefined
        ? traceGraders()
        : [...traceGraders(), new HallucinatedToolResultJudge(judge), new PlanningActionMismatchJudge(judge)];
    default:
      throw new TypeError(`unknown grader plan ${JSON.stringify(plan)}: use 'deterministic', 'quality', 'agentic' or 'trace'`);
  }
}

/** Runs one grader; a throw becomes a failed grade with the reason, never a crash of the suite. */
export async function runGrader(grader: Grader, c: EvalCase, run: EvalRun): Promise<GradeResult> {
  const name = typeof grader?.name === 'string' && grader.name !== '' ? grader.name : (grader?.constructor?.name ?? 'grader');
  try {
    const result = await grader.grade(c, run);
    if (result === null || typeof result !== 'object' || !['passed', 'failed', 'skipped'].includes(result.status)) {
      return failed(name, 'the grader returned no valid GradeResult', { metadata: { result: result as unknown } });
    }
    return { ...result, evidence: result.evidence ?? [], metadata: result.metadata ?? {} };
  } catch (error) {
    const type = error instanceof Error ? error.constructor?.name || error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    return failed(name, `the grader threw ${type}: ${message}`, { metadata: { error_type: type, error_message: message } });
  }
}

/** A case's status: not evaluated when every grade was skipped, failed when any failed. */
export function caseStatus(grades: readonly GradeResult[]): CaseStatus {
  const evaluated = grades.filter((g) => g.status !== 'skipped');
  if (evaluated.length === 0) return 'not_evaluated';
  return evaluated.some((g) => g.status === 'failed') ? 'failed' : 'passed';
}

/** Totals and pass rate over case results. */
export function summarize(results: CaseResult[], metadata: Record<string, unknown>): EvalResult {
  const evaluated = results.filter((r) => r.status !== 'not_evaluated').length;
  const passedCases = results.filter((r) => r.status === 'passed').length;
  return {
    metadata,
    total_cases: results.length,
    evaluated_cases: evaluated,
    not_evaluated_cases: results.length - evaluated,
    passed_cases: passedCases,
    failed_cases: results.filter((r) => r.status === 'failed').length,
    pass_rate: evaluated > 0 ? passedCases / evaluated : 0,
    skipped_grades: results.reduce((n, r) => n + r.grades.filter((g) => g.status === 'skipped').length, 0),
    case_results: results,
  };
}

/** Runs `work` over items with at most `limit` at once, keeping the order of results. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Options of {@link EvalSuite}. */
export interface EvalSuiteOptions {
  /** The graders; @default the plan's */
  graders?: Grader[];
  /** @default 'deterministic' */
  plan?: GraderPlan;
  /** Your model call, for plans with a judge. */
  judge?: JudgeModel;
  /** Model name for a judge client. */
  judgeModel?: string;
  /** Merged into the result's metadata. */
  metadata?: Record<string, unknown>;
  /** Cases graded at once (judges are I/O). @default 4 */
  concurrency?: number;
}

/**
 * Grades recorded conversations and traces (offline), like the Python SDK's `EvalSuite`.
 *
 * @example
 * const result = await new EvalSuite({ plan: 'deterministic' }).run(Dataset.fromPath('cases.jsonl'));
 * console.log(result.pass_rate);
 */
export class EvalSuite {
  readonly plan: GraderPlan;
  readonly graders: readonly Grader[];
  private readonly metadata: Record<string, unknown>;
  private readonly concurrency: number;

  constructor(options: EvalSuiteOptions = {}) {
    this.plan = options.plan ?? 'deterministic';
    this.graders =
      options.graders ?? graderPlan(this.plan, options.judge === undefined ? undefined : { judge: options.judge, ...(options.judgeModel ? { model: options.judgeModel } : {}) });
    if (!Array.isArray(this.graders) || this.graders.some((g) => g === null || typeof g !== 'object' || typeof g.grade !== 'function')) {
      throw new TypeError('EvalSuite: graders must be objects with a grade(case, run) method');
    }
    this.metadata = options.metadata ?? {};
    this.concurrency = options.concurrency ?? 4;
  }

  /** Grades every case of a dataset (or any iterable of cases). */
  async run(dataset: Iterable<EvalCase>): Promise<EvalResult> {
    const cases = [...dataset];
    const results = await mapBounded(cases, this.concurrency, async (c) => {
      const trace = normalizeTrace(c.trace ?? (isObject(c.input) ? c.input.trace : undefined));
      const run = normalizeRun(c.messages, { ...(trace ? { trace } : {}), metrics: c.metrics, metadata: c.metadata });
      const grades: GradeResult[] = [];
      for (const grader of this.graders) grades.push(await runGrader(grader, c, run));
      return { case_id: c.id, status: caseStatus(grades), grades };
    });
    return summarize(results, {
      plan: this.plan,
      grader_names: this.graders.map((g) => g.name),
      created_at: new Date().toISOString(),
      ...this.metadata,
    });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
