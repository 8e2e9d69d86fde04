import { AsyncLocalStorage } from 'node:async_hooks';

import { flush } from '../api/lifecycle.js';
import { score } from '../api/score.js';
import { trace } from '../api/trace.js';
import type { EventRecord, RunRecord, SpanRecord, Table, WireRecord } from '../registry/records.js';
import { addRecordTap } from '../tracing/record-tap.js';
import { newId } from '../tracing/timing.js';
import type { Dataset } from './dataset.js';
import type { JudgeModel } from './judges.js';
import { normalizeRun, normalizeTrace } from './normalize.js';
import { createProgress, writeReport } from './report.js';
import { caseStatus, type GraderPlan, graderPlan, mapBounded, runGrader, summarize } from './suite.js';
import type { CaseResult, EvalCase, EvalResult, GradeResult, Grader } from './types.js';

/** Your agent: called with a case's `input` (and the case), sync or async. */
export type EvalAgent = (input: any, evalCase: EvalCase) => unknown;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The graders; @default the plan's */
  graders?: Grader[];
  /** @default 'deterministic' */
  plan?: GraderPlan;
  /** Your model call, for plans with a judge. */
  judge?: JudgeModel;
  judgeModel?: string;
  /** Cases run at once. @default 4 */
  concurrency?: number;
  /** The eval run's name (in run metadata and reports). @default the dataset's name */
  name?: string;
  /** Send each grade as a score on the case's run. @default true */
  scores?: boolean;
  /** Print a progress line on stderr. @default when stderr is a terminal */
  progress?: boolean;
  /** Write the JSON report to this file. */
  reportPath?: string;
  /** Merged into every case run's metadata and the result's metadata. */
  metadata?: Record<string, unknown>;
  /** How long the final flush may wait for delivery (ms). @default 30000 */
  flushTimeoutMs?: number;
}

/** What one case's flow recorded, collected as the records are queued. */
interface Recording {
  runs: Map<string, RunRecord>;
  spans: Map<string, SpanRecord>;
  events: Map<string, EventRecord>;
  stamp: Record<string, unknown>;
}

const recordingScope = new AsyncLocalStorage<Recording>();

/**
 * Runs your agent over every case of a dataset, each call inside a NorthStar trace, grades
 * what that trace recorded (tool calls and their arguments and results, the final
 * response, latency, cost from the model spans), and stores every grade as a score on
 * the case's run. The run's metadata names the eval run, the dataset and the case. One
 * failing case never stops the others; `concurrency` bounds how many run at once.
 *
 * @example
 * const result = await evaluate((q) => agent.answer(q), Dataset.fromPath('evals/support.jsonl'), { concurrency: 2 });
 * assertEvalThresholds(result, { passRate: 0.9 });
 */
export async function evaluate(agent: EvalAgent, dataset: Dataset | Iterable<EvalCase>, options: EvaluateOptions = {}): Promise<EvalResult> {
  if (typeof agent !== 'function') throw new TypeError('evaluate: agent must be a function (input, case) => output');
  const cases = [...dataset];
  const datasetName = (dataset as Partial<Dataset>).name ?? 'dataset';
  const evalName = options.name ?? datasetName;
  const evalRunId = newId();
  const graders =
    options.graders ??
    graderPlan(options.plan ?? 'deterministic', options.judge === undefined ? undefined : { judge: options.judge, ...(options.judgeModel ? { model: options.judgeModel } : {}) });
  const progress = createProgress(evalName, cases.length, options.progress);

  const removeTap = addRecordTap((table, record) => {
    const recording = recordingScope.getStore();
    if (recording !== undefined) collect(recording, table, record);
  });
  let results: CaseResult[];
  try {
    results = await mapBounded(cases, options.concurrency ?? 4, async (c) => {
      const result = await runCase(agent, c, graders, { evalRunId, evalName, datasetName, extra: options.metadata ?? {}, sendScores: options.scores !== false });
      progress.tick(result.status);
      return result;
    });
  } finally {
    removeTap();
    progress.done();
  }
  const delivered = await flush({ timeoutMs: options.flushTimeoutMs ?? 30_000 });
  const result = summarize(results, {
    eval_run_id: evalRunId,
    name: evalName,
    dataset: datasetName,
    plan: options.plan ?? (options.graders ? 'custom' : 'deterministic'),
    grader_names: graders.map((g) => g.name),
    created_at: new Date().toISOString(),
    delivered,
    ...options.metadata,
  });
  if (options.reportPath !== undefined) writeReport(result, options.reportPath);
  return result;
}

interface CaseContext {
  evalRunId: string;
  evalName: string;
  datasetName: string;
  extra: Record<string, unknown>;
  sendScores: boolean;
}

async function runCase(agent: EvalAgent, c: EvalCase, graders: readonly Grader[], ctx: CaseContext): Promise<CaseResult> {
  const stamp = { ...ctx.extra, eval_run_id: ctx.evalRunId, eval_name: ctx.evalName, eval_dataset: ctx.datasetName, eval_case_id: c.id };
  const recording: Recording = { runs: new Map(), spans: new Map(), events: new Map(), stamp };
  let output: unknown;
  let error: string | undefined;
  let wrapperId: string | undefined;
  const started = performance.now();
  await recordingScope.run(recording, () =>
    trace(`eval ${ctx.evalName}: ${c.id}`, { input: c.input, metadata: stamp, tags: ['eval'] }, async (t) => {
      wrapperId = t.id;
      try {
        output = await agent(c.input, c);
        return output;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        throw e;
      }
    }),
  ).catch(() => undefined);
  const latencyMs = performance.now() - started;

  // The agent's own run when it opened exactly one (a @Trace method), else the eval run.
  const nested = [...recording.runs.values()].filter((r) => r.id !== wrapperId);
  const target = nested.length === 1 ? nested[0]! : wrapperId !== undefined ? recording.runs.get(wrapperId) : undefined;
  const trace_ = target === undefined ? undefined : normalizeTrace({ run: target, spans: [...recording.spans.values()], events: [...recording.events.values()] });
  const costs = [...recording.spans.values()].map((s) => (s as { attributes?: Record<string, unknown> }).attributes?.cost_usd).filter((v): v is number => typeof v === 'number');
  const recordedLatency = (target as { metadata?: Record<string, unknown> } | undefined)?.metadata?.latency_ms;
  const run = normalizeRun(c.messages, {
    ...(trace_ ? { trace: trace_ } : {}),
    metrics: {
      latency_ms: typeof recordedLatency === 'number' ? recordedLatency : Math.round(latencyMs * 1000) / 1000,
      ...(costs.length > 0 ? { cost_usd: Math.round(costs.reduce((a, b) => a + b, 0) * 1e10) / 1e10 } : c.metrics.cost_usd !== undefined ? { cost_usd: c.metrics.cost_usd } : {}),
    },
    metadata: c.metadata,
  });
  // Without a trace (SDK disabled) the agent's return value is the final response.
  if (run.final_response === undefined && output !== undefined && output !== null) run.final_response = typeof output === 'string' ? output : JSON.stringify(output);
  if (error !== undefined) run.metadata = { ...run.metadata, error };

  const grades: GradeResult[] = [];
  for (const grader of graders) grades.push(await runGrader(grader, c, run));
  const status = caseStatus(grades);
  const traceId = target?.id;
  if (ctx.sendScores && traceId !== undefined) for (const grade of grades) sendScore(traceId, grade);
  return {
    case_id: c.id,
    status,
    grades,
    ...(traceId !== undefined ? { trace_id: traceId } : {}),
    ...(output !== undefined ? { output } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** A grade as a score: judges' measured scores are numeric, skipped grades categorical, the rest boolean. */
function sendScore(traceId: string, grade: GradeResult): void {
  const comment = grade.feedback ? `${grade.reason} — ${grade.feedback}` : grade.reason;
  try {
    if (grade.status === 'skipped') score(traceId, grade.name, 'skipped', { comment });
    else if (grade.metadata.scoring_mode === 'numeric' && typeof grade.score === 'number') score(traceId, grade.name, grade.score, { comment });
    else score(traceId, grade.name, grade.status === 'passed', { comment });
  } catch {
    // A score that cannot be built (a name the protocol refuses) is left out of the dashboard, not out of the result.
  }
}

function collect(recording: Recording, table: Table, record: WireRecord): void {
  if (table === 'runs') {
    const run = record as RunRecord;
    if (!recording.runs.has(run.id)) {
      // Runs the agent opens inside the case carry the eval's metadata too (set before their first send).
      const metadata = run.metadata;
      if (metadata !== undefined) {
        for (const [key, value] of Object.entries(recording.stamp)) {
          if (!(key in metadata)) Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
        }
      }
    }
    recording.runs.set(run.id, run);
  } else if (table === 'spans') recording.spans.set((record as SpanRecord).id, record as SpanRecord);
  else if (table === 'events') recording.events.set((record as EventRecord).id, record as EventRecord);
}
