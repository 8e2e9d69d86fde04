import { failed, passed, skipped, verdict } from './grade.js';
import { toText } from './normalize.js';
import type { EvalCase, EvalRun, GradeResult, Grader } from './types.js';

// The deterministic graders. Each reads one field of `case.expected` and is skipped when
// it is absent, with the same meaning as the NorthStar Python SDK's graders of that name.

const calledNames = (run: EvalRun): Set<string> => new Set(run.tool_calls.map((t) => t.name));

/** Fails when the run made more tool calls than `expected.max_tool_calls`. */
export class MaxToolCalls implements Grader {
  readonly name = 'max_tool_calls';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const limit = c.expected.max_tool_calls;
    if (limit === undefined) return skipped(this.name, 'expected.max_tool_calls is not set');
    const actual = run.tool_calls.length;
    return verdict(actual <= limit, this.name, `${actual} tool calls (limit ${limit})`, { metadata: { actual, limit } });
  }
}

/** Fails unless every tool of `expected.required_tools` was called. */
export class RequiredTools implements Grader {
  readonly name = 'required_tools';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const required = c.expected.required_tools;
    if (required === undefined) return skipped(this.name, 'expected.required_tools is not set');
    const called = calledNames(run);
    const missing = required.filter((t) => !called.has(t));
    return missing.length === 0
      ? passed(this.name, 'every required tool was called', { metadata: { required_tools: required } })
      : failed(this.name, `required tools not called: ${missing.join(', ')}`, { metadata: { missing_tools: missing, required_tools: required } });
  }
}

/** Fails when a tool of `expected.forbidden_tools` was called. */
export class ForbiddenTools implements Grader {
  readonly name = 'forbidden_tools';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const forbidden = c.expected.forbidden_tools;
    if (forbidden === undefined) return skipped(this.name, 'expected.forbidden_tools is not set');
    const called = calledNames(run);
    const used = forbidden.filter((t) => called.has(t));
    return used.length === 0
      ? passed(this.name, 'no forbidden tool was called', { metadata: { forbidden_tools: forbidden } })
      : failed(this.name, `forbidden tools called: ${used.join(', ')}`, { metadata: { forbidden_tools: forbidden, used_forbidden_tools: used } });
  }
}

/** Fails unless each `expected.tool_arguments` entry matches (as a subset) the arguments of some call of that tool. */
export class ToolArgumentsMatch implements Grader {
  readonly name = 'tool_arguments_match';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const expectations = c.expected.tool_arguments;
    if (expectations === undefined) return skipped(this.name, 'expected.tool_arguments is not set');
    const mismatches: Record<string, unknown>[] = [];
    for (const expected of expectations) {
      const calls = run.tool_calls.filter((t) => t.name === expected.name);
      if (calls.length === 0) {
        mismatches.push({ name: expected.name, expected_arguments: expected.arguments, reason: 'tool was not called' });
      } else if (!calls.some((call) => containsSubset(parseArguments(call.arguments), expected.arguments))) {
        mismatches.push({
          name: expected.name,
          expected_arguments: expected.arguments,
          actual_arguments: calls.map((call) => parseArguments(call.arguments)),
          reason: 'arguments did not match',
        });
      }
    }
    return mismatches.length === 0
      ? passed(this.name, 'every expected tool call had matching arguments', { metadata: { tool_arguments: expectations } })
      : failed(this.name, `tool arguments did not match for: ${mismatches.map((m) => m.name).join(', ')}`, { metadata: { mismatches } });
  }
}

/** Fails unless the tools were called in exactly the order of `expected.tool_sequence`. */
export class ToolSequence implements Grader {
  readonly name = 'tool_sequence';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const expected = c.expected.tool_sequence;
    if (expected === undefined) return skipped(this.name, 'expected.tool_sequence is not set');
    const actual = run.tool_calls.map((t) => t.name);
    const same = actual.length === expected.length && actual.every((name, i) => name === expected[i]);
    return verdict(same, this.name, same ? 'tools were called in the expected order' : `tool order was ${actual.join(' → ') || '(none)'}, expected ${expected.join(' → ')}`, {
      metadata: { expected_sequence: expected, actual_sequence: actual },
    });
  }
}

/** With `expected.require_tool_output_reference`, fails unless the final response reuses enough of some tool output's terms. */
export class ToolOutputReferenced implements Grader {
  readonly name = 'tool_output_referenced';
  /** Share of a tool output's meaningful terms the response must contain. */
  readonly threshold = 0.35;
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const required = c.expected.require_tool_output_reference;
    if (required === undefined) return skipped(this.name, 'expected.require_tool_output_reference is not set');
    if (!required) return skipped(this.name, 'a tool output reference is not required');
    if (run.final_response === undefined) return failed(this.name, 'no final response was found');
    const outputs = run.tool_outputs.filter((o) => o.content !== undefined && o.content !== null).map((o) => toText(o.content)).filter((t) => t !== '');
    if (outputs.length === 0) return failed(this.name, 'no tool output was there to reference');
    const responseTerms = meaningfulTerms(run.final_response);
    let best = 0;
    let bestOutput = '';
    for (const output of outputs) {
      const terms = meaningfulTerms(output);
      if (terms.size === 0) continue;
      let shared = 0;
      for (const term of terms) if (responseTerms.has(term)) shared++;
      const overlap = shared / terms.size;
      if (overlap > best) {
        best = overlap;
        bestOutput = output;
      }
    }
    const metadata = { overlap: Math.round(best * 1e4) / 1e4, threshold: this.threshold, best_output: bestOutput };
    const extra = { score: best, threshold: this.threshold, evidence: bestOutput ? [bestOutput] : [], metadata };
    return best >= this.threshold
      ? passed(this.name, 'the final response references tool output', extra)
      : failed(this.name, 'the final response is not grounded in any tool output', extra);
  }
}

/** Fails unless the final response contains every phrase of `expected.contains` (case-insensitive). */
export class Contains implements Grader {
  readonly name = 'contains';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const phrases = c.expected.contains;
    if (phrases === undefined) return skipped(this.name, 'expected.contains is not set');
    if (run.final_response === undefined) return failed(this.name, 'no final response was found');
    const response = run.final_response.toLowerCase();
    const missing = phrases.filter((p) => !response.includes(p.toLowerCase()));
    return missing.length === 0
      ? passed(this.name, 'the final response contains every required phrase', { metadata: { phrases } })
      : failed(this.name, `missing from the final response: ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { metadata: { missing_phrases: missing, phrases } });
  }
}

/** Fails when the final response contains a phrase of `expected.not_contains` (case-insensitive). */
export class NotContains implements Grader {
  readonly name = 'not_contains';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const phrases = c.expected.not_contains;
    if (phrases === undefined) return skipped(this.name, 'expected.not_contains is not set');
    if (run.final_response === undefined) return failed(this.name, 'no final response was found');
    const response = run.final_response.toLowerCase();
    const found = phrases.filter((p) => response.includes(p.toLowerCase()));
    return found.length === 0
      ? passed(this.name, 'the final response contains no forbidden phrase', { metadata: { phrases } })
      : failed(this.name, `forbidden in the final response: ${found.map((m) => JSON.stringify(m)).join(', ')}`, { metadata: { found_phrases: found, phrases } });
  }
}

/** Fails unless the final response contains `expected.ground_truth` (case and white space folded). */
export class GroundTruthMatch implements Grader {
  readonly name = 'ground_truth_match';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const truth = c.expected.ground_truth;
    if (truth === undefined) return skipped(this.name, 'expected.ground_truth is not set');
    if (run.final_response === undefined) return failed(this.name, 'no final response was found');
    const ok = foldText(run.final_response).includes(foldText(truth));
    return verdict(ok, this.name, ok ? 'the final response contains the ground truth' : 'the final response does not contain the ground truth', { metadata: { ground_truth: truth } });
  }
}

/** Fails when the run's latency (`metrics.latency_ms`, or the live run's) is over `expected.max_latency_ms`. */
export class LatencyUnder implements Grader {
  readonly name = 'latency_under';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const limit = c.expected.max_latency_ms;
    if (limit === undefined) return skipped(this.name, 'expected.max_latency_ms is not set');
    const actual = run.metrics.latency_ms ?? c.metrics.latency_ms;
    if (actual === undefined) return failed(this.name, 'the latency (metrics.latency_ms) is unknown', { metadata: { limit_ms: limit } });
    return verdict(actual <= limit, this.name, `latency ${actual} ms (limit ${limit} ms)`, { metadata: { actual_ms: actual, limit_ms: limit } });
  }
}

/** Fails when the run's cost (`metrics.cost_usd`, or the live run's model spans) is over `expected.max_cost_usd`. */
export class CostUnder implements Grader {
  readonly name = 'cost_under';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const limit = c.expected.max_cost_usd;
    if (limit === undefined) return skipped(this.name, 'expected.max_cost_usd is not set');
    const actual = run.metrics.cost_usd ?? c.metrics.cost_usd;
    if (actual === undefined) return failed(this.name, 'the cost (metrics.cost_usd) is unknown', { metadata: { limit_usd: limit } });
    return verdict(actual <= limit, this.name, `cost $${actual} (limit $${limit})`, { metadata: { actual_usd: actual, limit_usd: limit } });
  }
}

/** Options of {@link RegexGrader}. */
export interface RegexGraderOptions {
  /** What to match: `final_response` (default), `case.<path>` or `run.<path>`. */
  target?: string;
}

/** Passes when a regular expression matches the target (the final response by default). */
export class RegexGrader implements Grader {
  private readonly target: string;
  constructor(
    readonly name: string,
    private readonly pattern: RegExp,
    options: RegexGraderOptions = {},
  ) {
    if (!(pattern instanceof RegExp)) throw new TypeError(`RegexGrader ${name}: pattern must be a RegExp`);
    this.target = options.target ?? 'final_response';
  }
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const value = targetValue(c, run, this.target);
    const metadata = { target: this.target, pattern: this.pattern.source, flags: this.pattern.flags };
    if (value === undefined || value === null) return failed(this.name, `the target ${this.target} was not found`, { metadata });
    this.pattern.lastIndex = 0;
    const match = this.pattern.exec(toText(value));
    return verdict(match !== null, this.name, match ? 'the pattern matched' : 'the pattern did not match', { metadata: { ...metadata, match: match?.[0] ?? null } });
  }
}

/** What a code grader's function may return: a boolean, or a verdict object. */
export type CodeGraderVerdict = boolean | { passed: boolean; reason?: string; score?: number; feedback?: string; metadata?: Record<string, unknown> };

/** Grades with your own function of the final response, the case and the run; a throw is a failed grade. */
export class CodeGrader implements Grader {
  constructor(
    readonly name: string,
    private readonly validate: (output: string | undefined, evalCase: EvalCase, run: EvalRun) => CodeGraderVerdict | Promise<CodeGraderVerdict>,
  ) {
    if (typeof validate !== 'function') throw new TypeError(`CodeGrader ${name}: validate must be a function`);
  }
  async grade(c: EvalCase, run: EvalRun): Promise<GradeResult> {
    const value = await this.validate(run.final_response, c, run);
    if (typeof value === 'boolean') return verdict(value, this.name, value ? 'the code grader returned pass' : 'the code grader returned fail');
    if (value === null || typeof value !== 'object' || typeof value.passed !== 'boolean') {
      return failed(this.name, 'the code grader returned an invalid result', { metadata: { result: value as unknown } });
    }
    const reason = typeof value.reason === 'string' && value.reason.trim() !== '' ? value.reason.trim() : value.passed ? 'the code grader returned pass' : 'the code grader returned fail';
    const score = typeof value.score === 'number' && Number.isFinite(value.score) ? value.score : value.passed ? 1 : 0;
    return verdict(value.passed, this.name, reason, {
      score,
      ...(typeof value.feedback === 'string' ? { feedback: value.feedback } : {}),
      metadata: value.metadata ?? {},
    });
  }
}

/** The eleven deterministic graders, the `deterministic` plan. */
export function defaultGraders(): Grader[] {
  return [
    new MaxToolCalls(),
    new RequiredTools(),
    new ForbiddenTools(),
    new ToolArgumentsMatch(),
    new ToolSequence(),
    new ToolOutputReferenced(),
    new Contains(),
    new NotContains(),
    new GroundTruthMatch(),
    new LatencyUnder(),
    new CostUnder(),
  ];
}

function targetValue(c: EvalCase, run: EvalRun, target: string): unknown {
  if (target === 'final_response' || target === 'output') return run.final_response;
  const [root, ...path] = target.split('.');
  let current: unknown = root === 'case' ? c : root === 'run' ? run : undefined;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Arguments as an object: JSON text is parsed. */
export function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Every key of `expected` is in `actual` with an equal value (objects compared as subsets, recursively). */
function containsSubset(actual: unknown, expected: Record<string, unknown>): boolean {
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(expected).every(([key, value]) => {
    if (!(key in a)) return false;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return containsSubset(a[key], value as Record<string, unknown>);
    return deepEqual(a[key], value);
  });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const foldText = (text: string): string => text.toLowerCase().split(/\s+/).filter(Boolean).join(' ');

const STOP_WORDS = new Set(['a', 'an', 'and', 'are', 'as', 'at', 'be', 'for', 'from', 'in', 'is', 'it', 'of', 'on', 'or', 'so', 'the', 'to', 'with']);

/** Lower-cased words longer than two letters, punctuation trimmed, stop words out. */
function meaningfulTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const token of text.split(/\s+/)) {
    const term = token.replace(/^[.,:;!?()[\]{}"']+|[.,:;!?()[\]{}"']+$/g, '').toLowerCase();
    if (term.length > 2 && !STOP_WORDS.has(term)) terms.add(term);
  }
  return terms;
}
