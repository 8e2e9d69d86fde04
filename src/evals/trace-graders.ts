import { failed, passed, skipped, verdict } from './grade.js';
import { parseArguments } from './graders.js';
import { toText } from './normalize.js';
import type { EvalCase, EvalRun, EvalTraceDag, EvalTraceEvent, EvalTraceSpan, GradeResult, Grader } from './types.js';

// The trace graders read the recorded trace (spans and time-ordered events); without a
// trace they are skipped. Same meaning as the NorthStar Python SDK's graders of that name.

const NO_TRACE = 'the case has no trace';
const failedSpan = (span: EvalTraceSpan): boolean => span.status === 'error' || span.error !== undefined;

function truthy(attributes: Record<string, unknown>, key: string): boolean {
  const value = attributes[key];
  if (typeof value === 'string') return ['1', 'true', 'yes', 'error', 'failed'].includes(value.toLowerCase());
  return Boolean(value);
}

/** Fails when a failed tool span is not followed by any assistant message, reasoning or final response. */
export class BadToolFailureRecovery implements Grader {
  readonly name = 'bad_tool_failure_recovery';
  grade(_c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const failures = trace.spans.filter((s) => s.kind === 'tool' && failedSpan(s));
    if (failures.length === 0) return skipped(this.name, 'no tool span failed');
    const unrecovered = failures
      .filter((span) => !eventsAfter(trace, span).some((e) => e.type === 'assistant_message' || e.type === 'reasoning' || e.type === 'final_response'))
      .map((span) => ({ span_id: span.id, tool: span.name, error: span.error }));
    return unrecovered.length === 0
      ? passed(this.name, 'every failed tool call was followed by a recovery', { metadata: { failed_tool_count: failures.length } })
      : failed(this.name, `no recovery after the failure of ${unrecovered.map((u) => u.tool).join(', ')}`, { metadata: { failed_tools: unrecovered } });
  }
}

/** Fails when one tool is called with the same arguments more than `expected.trace.max_repeated_tool_calls` (default 3) times. */
export class UnnecessaryToolLoop implements Grader {
  readonly name = 'unnecessary_tool_loop';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const limit = c.expected.trace?.max_repeated_tool_calls ?? 3;
    const calls = trace.events.filter((e) => e.type === 'tool_arguments' && e.span_id !== undefined);
    if (calls.length < 2) return skipped(this.name, 'fewer than two tool calls');
    const spans = new Map(trace.spans.map((s) => [s.id, s]));
    const bySignature = new Map<string, string[]>();
    for (const event of calls) {
      const span = spans.get(event.span_id!);
      if (span === undefined) continue;
      const signature = toText({ name: span.name, arguments: canonicalArguments(event.content) });
      bySignature.set(signature, [...(bySignature.get(signature) ?? []), event.id]);
    }
    const loops = [...bySignature].filter(([, ids]) => ids.length > limit).map(([signature, ids]) => ({ signature, event_ids: ids, count: ids.length }));
    return loops.length === 0
      ? passed(this.name, `no tool call repeated more than ${limit} times`, { metadata: { max_repeated_tool_calls: limit } })
      : failed(this.name, `a tool call repeated more than ${limit} times`, { metadata: { max_repeated_tool_calls: limit, loop_signatures: loops } });
  }
}

/** Fails when an event is marked `stale`, `stale_context` or `used_stale_context`. */
export class StaleContextUsage implements Grader {
  readonly name = 'stale_context_usage';
  grade(_c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const stale = trace.events.filter((e) => truthy(e.attributes, 'stale') || truthy(e.attributes, 'stale_context') || truthy(e.attributes, 'used_stale_context'));
    if (stale.length > 0) {
      return failed(this.name, 'the trace marks stale context use', {
        metadata: { event_ids: stale.map((e) => e.id), span_ids: stale.flatMap((e) => (e.span_id ? [e.span_id] : [])) },
      });
    }
    const usesContext = trace.events.some((e) => e.type === 'reasoning' || e.type === 'assistant_message' || e.type === 'final_response');
    return usesContext ? passed(this.name, 'no stale context marker') : skipped(this.name, 'the trace has no context-use events');
  }
}

/** Fails when consecutive event states (`state` / `to_state`) make a move not in `expected.trace.allowed_state_transitions`. */
export class InvalidStateTransition implements Grader {
  readonly name = 'invalid_state_transition';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const allowedList = c.expected.trace?.allowed_state_transitions;
    if (allowedList === undefined) return skipped(this.name, 'expected.trace.allowed_state_transitions is not set');
    const allowed = new Set(allowedList.map((t) => `${t.from_state}\u0000${t.to_state}`));
    const states = trace.events.map(eventState).filter((s): s is string => s !== undefined);
    if (states.length < 2) return skipped(this.name, 'the trace has fewer than two states');
    const invalid = states.slice(1).flatMap((to, i) => (allowed.has(`${states[i]}\u0000${to}`) ? [] : [{ from_state: states[i]!, to_state: to }]));
    return invalid.length === 0
      ? passed(this.name, 'every state transition is allowed', { metadata: { states } })
      : failed(this.name, `not allowed: ${invalid.map((t) => `${t.from_state} → ${t.to_state}`).join(', ')}`, { metadata: { states, invalid_transitions: invalid } });
  }
}

/** Precision and recall of the retrieved ids (from tool results) against `expected.trace.relevant_retrieval_ids`. */
export class RetrievalPrecisionRecall implements Grader {
  readonly name = 'retrieval_precision_recall';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const expected = c.expected.trace;
    if (expected?.relevant_retrieval_ids === undefined || (expected.min_retrieval_precision === undefined && expected.min_retrieval_recall === undefined)) {
      return skipped(this.name, 'expected.trace.relevant_retrieval_ids and a minimum precision or recall are not set');
    }
    const retrieved = new Set(trace.events.filter((e) => e.type === 'tool_result').flatMap((e) => retrievedIds(e.content)));
    if (retrieved.size === 0) return skipped(this.name, 'no retrieval result ids in the trace');
    const relevant = new Set(expected.relevant_retrieval_ids);
    const hits = [...retrieved].filter((id) => relevant.has(id));
    const precision = hits.length / retrieved.size;
    const recall = relevant.size > 0 ? hits.length / relevant.size : 1;
    const minP = expected.min_retrieval_precision;
    const minR = expected.min_retrieval_recall;
    const ok = (minP === undefined || precision >= minP) && (minR === undefined || recall >= minR);
    const round = (n: number) => Math.round(n * 1e4) / 1e4;
    return verdict(ok, this.name, `precision ${round(precision)}, recall ${round(recall)}`, {
      score: Math.min(precision, recall),
      threshold: Math.max(minP ?? 0, minR ?? 0),
      metadata: {
        retrieved_ids: [...retrieved].sort(),
        relevant_ids: [...relevant].sort(),
        true_positive_ids: hits.sort(),
        precision: round(precision),
        recall: round(recall),
        min_precision: minP ?? null,
        min_recall: minR ?? null,
      },
    });
  }
}

/** Lists each span's `cost_usd`; fails when one is over `expected.trace.max_step_cost_usd`. */
export class StepCostAttribution implements Grader {
  readonly name = 'step_cost_attribution';
  grade(c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const steps = trace.spans
      .filter((s) => typeof s.attributes.cost_usd === 'number')
      .map((s) => ({
        span_id: s.id,
        span_name: s.name,
        kind: s.kind,
        cost_usd: s.attributes.cost_usd as number,
        input_tokens: s.attributes.input_tokens ?? null,
        output_tokens: s.attributes.output_tokens ?? null,
      }));
    if (steps.length === 0) return skipped(this.name, 'no span has a cost');
    const limit = c.expected.trace?.max_step_cost_usd;
    const total = Math.round(steps.reduce((sum, s) => sum + s.cost_usd, 0) * 1e8) / 1e8;
    const over = limit === undefined ? [] : steps.filter((s) => s.cost_usd > limit);
    const metadata = { step_costs: steps, total_cost_usd: total, max_step_cost_usd: limit ?? null };
    return over.length === 0
      ? passed(this.name, `cost is attributed to ${steps.length} steps ($${total} in all)`, { metadata })
      : failed(this.name, `steps over $${limit}: ${over.map((s) => s.span_name).join(', ')}`, { metadata: { ...metadata, over_limit: over } });
  }
}

/** With failure evidence in the trace, fails and names where it began (the earliest failed span). */
export class FailureOrigin implements Grader {
  readonly name = 'failure_origin';
  grade(_c: EvalCase, run: EvalRun): GradeResult {
    const trace = run.trace;
    if (trace === undefined) return skipped(this.name, NO_TRACE);
    const spans = trace.spans.filter(failedSpan);
    const events = trace.events.filter((e) => truthy(e.attributes, 'error') || truthy(e.attributes, 'failed'));
    if (spans.length === 0 && events.length === 0 && trace.run.error === undefined) return skipped(this.name, 'the trace shows no failure');
    const origin = [...spans].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''))[0];
    return failed(this.name, origin ? `the failure begins at ${origin.name}` : 'the run failed', {
      evidence: [origin ? `${origin.name} (${origin.id})` : 'run_error'],
      metadata: {
        failure_origin_span: origin ?? null,
        failing_span_ids: spans.map((s) => s.id),
        failing_event_ids: events.map((e) => e.id),
        run_error: trace.run.error ?? null,
      },
    });
  }
}

/** Events after a span: after its last event, else after its start. */
function eventsAfter(trace: EvalTraceDag, span: EvalTraceSpan): EvalTraceEvent[] {
  const own = trace.events.filter((e) => e.span_id === span.id);
  if (own.length > 0) {
    const last = Math.max(...own.map((e) => e.order));
    return trace.events.filter((e) => e.order > last);
  }
  if (span.started_at === undefined) return [];
  return trace.events.filter((e) => e.created_at !== undefined && e.created_at > span.started_at!);
}

function canonicalArguments(content: unknown): unknown {
  if (content !== null && typeof content === 'object' && !Array.isArray(content)) {
    const c = content as Record<string, unknown>;
    if ('arguments' in c) return parseArguments(c.arguments);
    if ('kwargs' in c) return c.kwargs;
  }
  return content;
}

function eventState(event: EvalTraceEvent): string | undefined {
  const content = event.content !== null && typeof event.content === 'object' && !Array.isArray(event.content) ? (event.content as Record<string, unknown>) : {};
  for (const source of [event.attributes, content]) {
    const state = source.state ?? source.to_state;
    if (state !== undefined && state !== null && state !== '') return String(state);
  }
  return undefined;
}

function retrievedIds(content: unknown): string[] {
  const ids = (list: unknown[]): string[] =>
    list.flatMap((item) => (item !== null && typeof item === 'object' && (item as Record<string, unknown>).id !== undefined ? [String((item as Record<string, unknown>).id)] : []));
  if (Array.isArray(content)) return ids(content);
  if (content === null || typeof content !== 'object') return [];
  const c = content as Record<string, unknown>;
  for (const key of ['retrieved_ids', 'document_ids', 'ids']) if (Array.isArray(c[key])) return (c[key] as unknown[]).map(String);
  for (const key of ['hits', 'documents', 'results']) if (Array.isArray(c[key])) return ids(c[key] as unknown[]);
  return [];
}
