import { failed, skipped } from './grade.js';
import type { EvalCase, EvalRun, GradeResult, Grader } from './types.js';

/** A chat message sent to a judge. */
export interface JudgeMessage {
  role: 'system' | 'user';
  content: string;
}

/** Your own model call: messages in, the model's text out. */
export type JudgeCompletion = (messages: JudgeMessage[]) => Promise<string> | string;

/** An OpenAI client (`openai` package) or anything with its `chat.completions.create`. */
export interface OpenAILikeClient {
  chat: { completions: { create(body: any, options?: any): PromiseLike<any> } };
}

/** An Anthropic client (`@anthropic-ai/sdk`) or anything with its `messages.create`. */
export interface AnthropicLikeClient {
  messages: { create(body: any, options?: any): PromiseLike<any> };
}

/** What a judge calls: a function, or an OpenAI or Anthropic client (then `model` is required). */
export type JudgeModel = JudgeCompletion | OpenAILikeClient | AnthropicLikeClient;

/** How a judge's verdict reads: pass/fail, or a score on a scale with a passing mark. */
export interface JudgeScoring {
  mode: 'binary' | 'numeric';
  /** @default 0 */
  minScore?: number;
  /** @default 1 */
  maxScore?: number;
  /** The lowest passing score (numeric mode). @default the judge's threshold */
  passingScore?: number;
}

/** Options of an LLM judge. */
export interface JudgeOptions {
  /** Your model call. */
  judge: JudgeModel;
  /** The model name sent with a client (required with a client; recorded in the grade). */
  model?: string;
  /** The grade's name. */
  name?: string;
  /** Passing score on a 0-1 scale in numeric mode. @default 0.5 (rubric) or 0.7 (the others) */
  threshold?: number;
  scoring?: JudgeScoring;
  /** Sent with a client. @default 0 */
  temperature?: number;
  /** Anthropic's required `max_tokens`. @default 1024 */
  maxTokens?: number;
}

/** Options of {@link RubricJudge}: a rubric of its own, or the case's `expected.rubric`. */
export interface RubricJudgeOptions extends JudgeOptions {
  rubric?: string;
}

interface ResolvedScoring {
  mode: 'binary' | 'numeric';
  min: number;
  max: number;
  passing: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The shared machinery of the LLM judges: prompt, call, parse and validate the verdict. */
abstract class LlmJudge implements Grader {
  readonly name: string;
  protected readonly options: JudgeOptions;
  private readonly scoring: ResolvedScoring;

  constructor(defaultName: string, defaultThreshold: number, options: JudgeOptions) {
    if (!isObject(options) || options.judge === undefined) throw new TypeError(`${defaultName}: the judge option (your model call or client) is required`);
    const judge = options.judge as unknown;
    const isClient = isObject(judge) && (hasOpenAIShape(judge) || hasAnthropicShape(judge));
    if (typeof judge !== 'function' && !isClient) {
      throw new TypeError(`${defaultName}: judge must be a function (messages) => Promise<string>, an OpenAI client or an Anthropic client`);
    }
    if (isClient && (typeof options.model !== 'string' || options.model === '')) throw new TypeError(`${defaultName}: model is required when judge is a client`);
    this.name = options.name ?? defaultName;
    this.options = options;
    const s = options.scoring ?? { mode: 'numeric' };
    const min = s.minScore ?? 0;
    const max = s.maxScore ?? 1;
    if (!(max > min)) throw new TypeError(`${this.name}: scoring.maxScore must be greater than scoring.minScore`);
    const threshold = options.threshold ?? defaultThreshold;
    const passing = s.mode === 'binary' ? max : (s.passingScore ?? min + threshold * (max - min));
    if (passing < min || passing > max) throw new TypeError(`${this.name}: the passing score must lie between minScore and maxScore`);
    this.scoring = { mode: s.mode, min, max, passing };
  }

  /** Undefined when the judge has what it needs; else why it is skipped. */
  protected abstract skipReason(c: EvalCase, run: EvalRun): string | undefined;
  /** The facts the judge sees (sent as JSON). */
  protected abstract context(c: EvalCase, run: EvalRun): Record<string, unknown>;
  /** The system prompt's first sentences. */
  protected abstract readonly instructions: string;

  async grade(c: EvalCase, run: EvalRun): Promise<GradeResult> {
    const why = this.skipReason(c, run);
    if (why !== undefined) return skipped(this.name, why);
    const messages: JudgeMessage[] = [
      { role: 'system', content: `${this.instructions} Answer with one JSON object and nothing else. ${this.scoringPrompt()} ${OUTPUT_PROMPT}` },
      { role: 'user', content: JSON.stringify(this.context(c, run)) },
    ];
    let text: string;
    try {
      text = await complete(this.options, messages);
    } catch (error) {
      return failed(this.name, `the judge call failed: ${errorText(error)}`, {
        feedback: 'The LLM judge errored before it gave a verdict.',
        metadata: { error_type: errorName(error), error_message: errorText(error), ...(this.options.model ? { judge_model: this.options.model } : {}) },
      });
    }
    return this.verdict(text);
  }

  private scoringPrompt(): string {
    const s = this.scoring;
    if (s.mode === 'binary') return 'Give "passed" as a boolean (true only when every criterion is met); no numeric score.';
    return `Give "score" as a number from ${s.min} to ${s.max}; the grade passes at ${s.passing} or more, so do not decide pass or fail yourself. Use the whole scale.`;
  }

  private verdict(text: string): GradeResult {
    const s = this.scoring;
    const parsed = parseVerdict(text, s);
    const meta = { judge_model: this.options.model ?? null, scoring_mode: s.mode, scale: [s.min, s.max], passing_score: s.passing };
    if (parsed === undefined) {
      return failed(this.name, 'the judge did not answer with a valid verdict', { feedback: 'The judge response held no valid JSON verdict.', metadata: { ...meta, raw_response: text.slice(0, 2000) } });
    }
    const normalise = (v: number) => (v - s.min) / (s.max - s.min);
    const ok = s.mode === 'binary' ? parsed.passed === true : (parsed.score as number) >= s.passing;
    const raw = s.mode === 'binary' ? (ok ? s.max : s.min) : (parsed.score as number);
    const result: GradeResult = {
      name: this.name,
      status: ok ? 'passed' : 'failed',
      reason: parsed.reason,
      feedback: parsed.feedback,
      score: s.mode === 'binary' ? (ok ? 1 : 0) : normalise(raw),
      threshold: normalise(s.passing),
      label: parsed.label ?? (ok ? 'pass' : 'fail'),
      evidence: parsed.evidence,
      metadata: { ...meta, raw_score: raw },
    };
    if (parsed.confidence !== undefined) result.confidence = parsed.confidence;
    return result;
  }
}

const OUTPUT_PROMPT =
  '"reason": a short justification. "feedback": non-empty, what the author of the answer should fix (a short positive note when nothing). ' +
  'Optional "confidence" from 0 to 1, optional "label", optional "evidence": a list of short strings from the inputs.';

const toolFacts = (run: EvalRun) => ({ tool_calls: run.tool_calls, tool_outputs: run.tool_outputs });

/** Grades the final response against a rubric or goal; skipped when the case has neither (and the judge has no rubric). */
export class RubricJudge extends LlmJudge {
  protected readonly instructions =
    'You are a strict evaluator of an AI agent\'s answer. Judge only what is given: final_response, rubric, goal, ground_truth, context, tool calls and outputs. Unsupported claims earn nothing.';
  private readonly rubric: string | undefined;
  constructor(options: RubricJudgeOptions) {
    super('rubric_judge', 0.5, options);
    this.rubric = options.rubric;
  }
  protected skipReason(c: EvalCase): string | undefined {
    return c.expected.goal === undefined && c.expected.rubric === undefined && this.rubric === undefined ? 'expected.goal or expected.rubric is not set' : undefined;
  }
  protected context(c: EvalCase, run: EvalRun): Record<string, unknown> {
    return {
      goal: c.expected.goal ?? null,
      rubric: this.rubric ?? c.expected.rubric ?? 'Pass only if the final response achieves the goal.',
      ground_truth: c.expected.ground_truth ?? null,
      final_response: run.final_response ?? null,
      context: c.expected.context ?? null,
      ...toolFacts(run),
    };
  }
}

/** Grades whether the final response is supported by the case's context and the tool outputs. */
export class FaithfulnessJudge extends LlmJudge {
  protected readonly instructions =
    'You are a strict faithfulness evaluator. Judge only whether final_response is supported by context, ground_truth and tool_outputs; a plausible claim with no support is a failure.';
  constructor(options: JudgeOptions) {
    super('faithfulness_judge', 0.7, options);
  }
  protected skipReason(c: EvalCase, run: EvalRun): string | undefined {
    return (c.expected.context?.length ?? 0) === 0 && run.tool_outputs.length === 0 ? 'neither expected.context nor tool outputs are there' : undefined;
  }
  protected context(c: EvalCase, run: EvalRun): Record<string, unknown> {
    return { goal: c.expected.goal ?? null, ground_truth: c.expected.ground_truth ?? null, final_response: run.final_response ?? null, context: c.expected.context ?? null, tool_outputs: run.tool_outputs };
  }
}

/** A judge of the recorded trace (bounded: 80 spans, 40 events). */
abstract class TraceJudge extends LlmJudge {
  protected readonly instructions =
    'You are a strict evaluator of an AI agent\'s trace. Judge only the given spans, time-ordered events, tool inputs and outputs, and final_response; infer nothing that is not there.';
  protected abstract readonly task: string;
  protected skipReason(_c: EvalCase, run: EvalRun): string | undefined {
    return run.trace === undefined ? 'the case has no trace' : undefined;
  }
  protected context(c: EvalCase, run: EvalRun): Record<string, unknown> {
    const trace = run.trace!;
    const cut = (value: unknown, max: number) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
      return text.length <= max ? value : `${text.slice(0, max)}…[truncated]`;
    };
    return {
      task: this.task,
      goal: c.expected.goal ?? null,
      final_response: run.final_response ?? null,
      trace: {
        run: trace.run,
        spans: trace.spans.slice(0, 80).map((s) => ({ id: s.id, parent_span_id: s.parent_span_id ?? null, kind: s.kind, name: s.name, status: s.status ?? null, error: s.error ?? null, attributes: cut(s.attributes, 1000) })),
        events: trace.events.slice(0, 40).map((e) => ({ id: e.id, span_id: e.span_id ?? null, type: e.type, order: e.order, content: cut(e.content, 1500), attributes: cut(e.attributes, 800) })),
      },
    };
  }
}

/** Passes only when the final response's claims are backed by tool results the trace recorded. */
export class HallucinatedToolResultJudge extends TraceJudge {
  protected readonly task = 'Pass only if every claim of final_response is supported by a recorded tool_result event.';
  constructor(options: JudgeOptions) {
    super('hallucinated_tool_result_judge', 0.7, options);
  }
}

/** Passes only when the actions taken match what the agent planned or reasoned. */
export class PlanningActionMismatchJudge extends TraceJudge {
  protected readonly task = 'Pass only if the later tool calls and actions are consistent with the planning or reasoning events before them.';
  constructor(options: JudgeOptions) {
    super('planning_action_mismatch_judge', 0.7, options);
  }
}

function hasOpenAIShape(value: Record<string, unknown>): boolean {
  const chat = value.chat as { completions?: { create?: unknown } } | undefined;
  return typeof chat?.completions?.create === 'function';
}

function hasAnthropicShape(value: Record<string, unknown>): boolean {
  return typeof (value.messages as { create?: unknown } | undefined)?.create === 'function';
}

/** Calls the user's function or client and returns the model's text. */
async function complete(options: JudgeOptions, messages: JudgeMessage[]): Promise<string> {
  const judge = options.judge as unknown;
  if (typeof judge === 'function') {
    const text = await (judge as JudgeCompletion)(messages);
    if (typeof text !== 'string') throw new TypeError(`the judge function returned ${typeof text}, not a string`);
    return text;
  }
  const client = judge as Record<string, unknown>;
  if (hasOpenAIShape(client)) {
    const response = await (client as unknown as OpenAILikeClient).chat.completions.create({
      model: options.model,
      messages,
      temperature: options.temperature ?? 0,
      response_format: { type: 'json_object' },
    });
    const content = response?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new TypeError('the OpenAI response had no message content');
    return content;
  }
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const response = await (client as unknown as AnthropicLikeClient).messages.create({
    model: options.model,
    max_tokens: options.maxTokens ?? 1024,
    temperature: options.temperature ?? 0,
    system,
    messages: messages.filter((m) => m.role !== 'system'),
  });
  const blocks: unknown[] = Array.isArray(response?.content) ? response.content : [];
  const text = blocks.map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
  if (text === '') throw new TypeError('the Anthropic response had no text');
  return text;
}

interface ParsedVerdict {
  passed?: boolean;
  score?: number;
  reason: string;
  feedback: string;
  label?: string;
  confidence?: number;
  evidence: string[];
}

/** The first JSON object in the text (code fences and prose around it allowed) that is a valid verdict. */
function parseVerdict(text: string, scoring: ResolvedScoring): ParsedVerdict | undefined {
  const stripped = text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').trim().replace(/^```[a-z]*\s*|\s*```$/gi, '');
  const candidates = [stripped];
  for (let i = stripped.indexOf('{'); i !== -1; i = stripped.indexOf('{', i + 1)) {
    const end = matchingBrace(stripped, i);
    if (end !== -1) candidates.push(stripped.slice(i, end + 1));
  }
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const verdict = validVerdict(value, scoring);
    if (verdict !== undefined) return verdict;
  }
  return undefined;
}

function validVerdict(value: unknown, scoring: ResolvedScoring): ParsedVerdict | undefined {
  if (!isObject(value)) return undefined;
  const reason = typeof value.reason === 'string' ? value.reason.trim() : '';
  const feedback = typeof value.feedback === 'string' ? value.feedback.trim() : '';
  if (reason === '' || feedback === '') return undefined;
  const out: ParsedVerdict = { reason, feedback, evidence: Array.isArray(value.evidence) ? value.evidence.filter((e): e is string => typeof e === 'string') : [] };
  if (scoring.mode === 'binary') {
    if (typeof value.passed !== 'boolean') return undefined;
    out.passed = value.passed;
  } else {
    if (typeof value.score !== 'number' || !Number.isFinite(value.score) || value.score < scoring.min || value.score > scoring.max) return undefined;
    out.score = value.score;
  }
  if (typeof value.label === 'string' && value.label !== '') out.label = value.label;
  if (value.confidence !== undefined && value.confidence !== null) {
    if (typeof value.confidence !== 'number' || value.confidence < 0 || value.confidence > 1) return undefined;
    out.confidence = value.confidence;
  }
  return out;
}

/** Index of the brace closing the one at `start` (strings respected), or -1. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

const errorName = (error: unknown): string => (error instanceof Error ? error.constructor?.name || error.name : typeof error);
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
