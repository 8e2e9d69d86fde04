/**
 * The eval data model. Field names are the wire names of the NorthStar Python SDK's
 * dataset format (snake_case), so one dataset file serves both SDKs.
 */

/** A tool call the agent is expected to make with (a subset of) these arguments. */
export interface ExpectedToolArguments {
  name: string;
  arguments: Record<string, unknown>;
}

/** An allowed move between two agent states (read from events' `state` / `to_state`). */
export interface ExpectedStateTransition {
  from_state: string;
  to_state: string;
}

/** Expectations the trace graders read. */
export interface TraceExpected {
  /** A tool called with the same arguments more often than this is a loop. @default 3 */
  max_repeated_tool_calls?: number;
  allowed_state_transitions?: ExpectedStateTransition[];
  relevant_retrieval_ids?: string[];
  /** 0 to 1. */
  min_retrieval_precision?: number;
  /** 0 to 1. */
  min_retrieval_recall?: number;
  max_step_cost_usd?: number;
}

/** What a case expects; a grader whose field is absent is skipped, not passed. */
export interface EvalExpected {
  goal?: string;
  ground_truth?: string;
  context?: string[];
  rubric?: string;
  required_tools?: string[];
  forbidden_tools?: string[];
  tool_sequence?: string[];
  contains?: string[];
  not_contains?: string[];
  tool_arguments?: ExpectedToolArguments[];
  require_tool_output_reference?: boolean;
  max_tool_calls?: number;
  max_latency_ms?: number;
  max_cost_usd?: number;
  trace?: TraceExpected;
}

/** Measurements of a recorded run (offline) or of the live run (filled in by `evaluate`). */
export interface EvalMetrics {
  latency_ms?: number;
  cost_usd?: number;
}

/** A chat message in OpenAI shape (`role`, `content`, `tool_calls`, `tool_call_id`, `name`). */
export type EvalMessage = Record<string, unknown>;

/** One case of a dataset. */
export interface EvalCase {
  id: string;
  /** What the agent is called with in a live run. */
  input?: unknown;
  /** A recorded trace (`{ run_id?, runs?, spans, events }`), for the trace graders. */
  trace?: Record<string, unknown>;
  /** The recorded conversation (offline); may be empty for live runs. */
  messages: EvalMessage[];
  expected: EvalExpected;
  metrics: EvalMetrics;
  metadata: Record<string, unknown>;
}

/** A case as written in a file or in code: everything but `id` is optional. */
export type EvalCaseInput = Partial<Omit<EvalCase, 'id' | 'expected' | 'metrics'>> & {
  id: string;
  expected?: EvalExpected;
  metrics?: EvalMetrics;
};

/** A tool call seen in the conversation or the trace. */
export interface ToolCall {
  id?: string;
  name: string;
  arguments?: unknown;
}

/** A tool's result seen in the conversation or the trace. */
export interface ToolOutput {
  tool_call_id?: string;
  name?: string;
  content?: unknown;
}

/** The run of a trace, as the trace graders read it. */
export interface EvalTrace {
  run_id: string;
  name?: string;
  status?: string;
  started_at?: string;
  ended_at?: string;
  error?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** A span of a trace. */
export interface EvalTraceSpan {
  id: string;
  run_id: string;
  parent_span_id?: string;
  kind: string;
  name: string;
  started_at?: string;
  ended_at?: string;
  status?: string;
  error?: Record<string, unknown>;
  iteration?: number;
  attributes: Record<string, unknown>;
}

/** An event of a trace, with its position in time order. */
export interface EvalTraceEvent {
  id: string;
  run_id: string;
  span_id?: string;
  type: string;
  created_at?: string;
  content?: unknown;
  attributes: Record<string, unknown>;
  order: number;
}

/** A whole trace: its run, spans and time-ordered events. */
export interface EvalTraceDag {
  run: EvalTrace;
  spans: EvalTraceSpan[];
  events: EvalTraceEvent[];
}

/** What the graders grade: the conversation, the tool calls and outputs, and the trace. */
export interface EvalRun {
  messages: EvalMessage[];
  system_prompts: string[];
  user_messages: string[];
  assistant_messages: string[];
  final_response?: string;
  tool_calls: ToolCall[];
  tool_outputs: ToolOutput[];
  trace?: EvalTraceDag;
  metrics: EvalMetrics;
  metadata: Record<string, unknown>;
}

/** `passed`, `failed` or `skipped` (the expectation the grader reads is absent). */
export type GradeStatus = 'passed' | 'failed' | 'skipped';
/** A case is `not_evaluated` when every one of its grades was skipped. */
export type CaseStatus = 'passed' | 'failed' | 'not_evaluated';

/** One grader's verdict on one case. */
export interface GradeResult {
  name: string;
  status: GradeStatus;
  reason: string;
  feedback?: string;
  /** 0 to 1 where the grader measures (overlap, judge score). */
  score?: number;
  threshold?: number;
  label?: string;
  confidence?: number;
  evidence: string[];
  metadata: Record<string, unknown>;
}

/** A grader: a name and a `grade(case, run)` method (sync or async). Write your own. */
export interface Grader {
  readonly name: string;
  grade(evalCase: EvalCase, run: EvalRun): GradeResult | Promise<GradeResult>;
}

/** The grades of one case. */
export interface CaseResult {
  case_id: string;
  status: CaseStatus;
  grades: GradeResult[];
  /** Live runs: the NorthStar run the grades were stored on. */
  trace_id?: string;
  /** Live runs: what the agent returned, or the error it threw. */
  output?: unknown;
  error?: string;
}

/** The result of an eval run. */
export interface EvalResult {
  metadata: Record<string, unknown>;
  total_cases: number;
  evaluated_cases: number;
  not_evaluated_cases: number;
  passed_cases: number;
  failed_cases: number;
  /** Passed over evaluated cases (0 when none was evaluated). */
  pass_rate: number;
  skipped_grades: number;
  case_results: CaseResult[];
}
