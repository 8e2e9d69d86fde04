// The public API of `northstar-ai/evals`. Everything not exported here is internal.
export { Dataset, NorthstarDatasetError } from './dataset.js';
export {
  MaxToolCalls,
  RequiredTools,
  ForbiddenTools,
  ToolArgumentsMatch,
  ToolSequence,
  ToolOutputReferenced,
  Contains,
  NotContains,
  GroundTruthMatch,
  LatencyUnder,
  CostUnder,
  RegexGrader,
  CodeGrader,
  defaultGraders,
} from './graders.js';
export type { RegexGraderOptions, CodeGraderVerdict } from './graders.js';
export {
  BadToolFailureRecovery,
  UnnecessaryToolLoop,
  StaleContextUsage,
  InvalidStateTransition,
  RetrievalPrecisionRecall,
  StepCostAttribution,
  FailureOrigin,
} from './trace-graders.js';
export { RubricJudge, FaithfulnessJudge, HallucinatedToolResultJudge, PlanningActionMismatchJudge } from './judges.js';
export type {
  JudgeMessage,
  JudgeCompletion,
  JudgeModel,
  JudgeOptions,
  JudgeScoring,
  RubricJudgeOptions,
  OpenAILikeClient,
  AnthropicLikeClient,
} from './judges.js';
export { EvalSuite, graderPlan, traceGraders } from './suite.js';
export type { EvalSuiteOptions, GraderPlan } from './suite.js';
export { evaluate } from './evaluate.js';
export type { EvalAgent, EvaluateOptions } from './evaluate.js';
export { assertEvalThresholds, formatEvalSummary, graderStats, writeReport, EvalThresholdError } from './report.js';
export type { EvalThresholds } from './report.js';
export { passed, failed, skipped } from './grade.js';
export { normalizeRun, normalizeTrace } from './normalize.js';
export type {
  EvalCase,
  EvalCaseInput,
  EvalExpected,
  TraceExpected,
  ExpectedToolArguments,
  ExpectedStateTransition,
  EvalMetrics,
  EvalMessage,
  EvalRun,
  EvalTrace,
  EvalTraceDag,
  EvalTraceSpan,
  EvalTraceEvent,
  ToolCall,
  ToolOutput,
  GradeResult,
  GradeStatus,
  CaseStatus,
  CaseResult,
  EvalResult,
  Grader,
} from './types.js';
