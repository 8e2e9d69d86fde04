import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Dataset, EvalSuite, traceGraders, type EvalCaseInput, type GradeResult } from '../../src/evals/index.js';

// Traces in the ingest body's shape (runs, spans, events), as a case's `trace` field holds them.
const RUN = '11111111-1111-4111-8111-111111111111';
let clock = 0;
const at = () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, clock++)).toISOString();
let ids = 0;
const id = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

function toolSpan(name: string, args: unknown, result: unknown, options: { error?: boolean; cost?: number } = {}) {
  const spanId = id();
  const span = {
    id: spanId, run_id: RUN, kind: 'tool', name, started_at: at(), status: options.error ? 'error' : 'ok',
    ...(options.error ? { error: { type: 'Error', message: `${name} failed` } } : {}),
    attributes: options.cost === undefined ? {} : { cost_usd: options.cost, input_tokens: 10, output_tokens: 5 },
  };
  const events = [
    { id: id(), run_id: RUN, span_id: spanId, type: 'tool_arguments', created_at: at(), content: args },
    ...(result === undefined ? [] : [{ id: id(), run_id: RUN, span_id: spanId, type: 'tool_result', created_at: at(), content: result }]),
  ];
  return { span, events };
}

function traceOf(parts: { span: object; events: object[] }[], tail: object[] = [], run: object = {}) {
  return {
    runs: [{ id: RUN, session_id: id(), name: 'agent', started_at: at(), status: 'ok', metadata: { latency_ms: 12 }, ...run }],
    spans: parts.map((p) => p.span),
    events: [...parts.flatMap((p) => p.events), ...tail],
  };
}

const event = (type: string, content: unknown, attributes: object = {}) => ({ id: id(), run_id: RUN, type, created_at: at(), content, attributes });

async function grade(c: EvalCaseInput): Promise<Record<string, GradeResult>> {
  const result = await new EvalSuite({ graders: traceGraders(), plan: 'trace' }).run(Dataset.fromRecords([c]));
  return Object.fromEntries(result.case_results[0]!.grades.map((g) => [g.name, g]));
}

describe('trace graders', () => {
  it('skip every grader when the case has no trace', async () => {
    const grades = await grade({ id: 'no-trace', messages: [{ role: 'assistant', content: 'hi' }] });
    for (const g of Object.values(grades)) assert.equal(g.status, 'skipped', g.name);
  });

  it('pass on a clean trace that meets its expectations', async () => {
    const search = toolSpan('search', { q: 'refund policy' }, { hits: [{ id: 'doc-1' }, { id: 'doc-2' }] }, { cost: 0.001 });
    const failedLookup = toolSpan('lookup', { id: 1 }, undefined, { error: true });
    const trace = traceOf([search, failedLookup], [
      event('reasoning', 'lookup failed, answer from the policy', { state: 'answering' }),
      event('final_response', 'Refunds take 5 days.'),
    ]);
    // The first event carries the starting state.
    (trace.events[0] as { attributes?: object }).attributes = { state: 'searching' };
    const grades = await grade({
      id: 'clean',
      trace,
      messages: [],
      expected: {
        trace: {
          allowed_state_transitions: [{ from_state: 'searching', to_state: 'answering' }],
          relevant_retrieval_ids: ['doc-1', 'doc-2'],
          min_retrieval_precision: 1,
          min_retrieval_recall: 1,
          max_step_cost_usd: 0.01,
        },
      },
    });
    assert.equal(grades.bad_tool_failure_recovery!.status, 'passed');
    assert.equal(grades.unnecessary_tool_loop!.status, 'passed');
    assert.equal(grades.stale_context_usage!.status, 'passed');
    assert.equal(grades.invalid_state_transition!.status, 'passed');
    assert.equal(grades.retrieval_precision_recall!.status, 'passed');
    assert.equal(grades.step_cost_attribution!.status, 'passed');
    assert.equal(grades.failure_origin!.status, 'failed', 'a failed span is failure evidence: the grader names its origin');
    assert.deepEqual(grades.failure_origin!.evidence, [`lookup (${failedLookup.span.id})`]);
  });

  it('fail on loops, unrecovered failures, stale context, bad transitions, poor retrieval and costly steps', async () => {
    const loop = [1, 2, 3, 4].map(() => toolSpan('search', { q: 'same' }, { ids: ['doc-9'] }, { cost: 0.05 }));
    const lastFailure = toolSpan('refund', { order: 1 }, undefined, { error: true });
    const trace = traceOf([...loop, lastFailure], [event('custom', { name: 'note' }, { stale_context: true, state: 'done' })]);
    (trace.events[0] as { attributes?: object }).attributes = { state: 'start' };
    const grades = await grade({
      id: 'messy',
      trace,
      messages: [],
      expected: {
        trace: {
          max_repeated_tool_calls: 3,
          allowed_state_transitions: [{ from_state: 'start', to_state: 'searching' }],
          relevant_retrieval_ids: ['doc-1'],
          min_retrieval_recall: 0.5,
          max_step_cost_usd: 0.01,
        },
      },
    });
    assert.equal(grades.unnecessary_tool_loop!.status, 'failed');
    assert.equal((grades.unnecessary_tool_loop!.metadata.loop_signatures as { count: number }[])[0]!.count, 4);
    assert.equal(grades.bad_tool_failure_recovery!.status, 'failed');
    assert.equal(grades.stale_context_usage!.status, 'failed');
    assert.equal(grades.invalid_state_transition!.status, 'failed');
    assert.deepEqual(grades.invalid_state_transition!.metadata.invalid_transitions, [{ from_state: 'start', to_state: 'done' }]);
    assert.equal(grades.retrieval_precision_recall!.status, 'failed');
    assert.equal(grades.retrieval_precision_recall!.metadata.recall, 0);
    assert.equal(grades.step_cost_attribution!.status, 'failed');
    assert.equal(grades.failure_origin!.status, 'failed');
  });

  it('skip when the trace holds nothing to judge', async () => {
    const grades = await grade({ id: 'empty', trace: traceOf([]), messages: [] });
    assert.equal(grades.bad_tool_failure_recovery!.status, 'skipped');
    assert.equal(grades.unnecessary_tool_loop!.status, 'skipped');
    assert.equal(grades.stale_context_usage!.status, 'skipped');
    assert.equal(grades.invalid_state_transition!.status, 'skipped');
    assert.equal(grades.retrieval_precision_recall!.status, 'skipped');
    assert.equal(grades.step_cost_attribution!.status, 'skipped');
    assert.equal(grades.failure_origin!.status, 'skipped');
  });

  it('read tool calls and the final response from the trace for the deterministic graders', async () => {
    const search = toolSpan('search', { q: 'x' }, 'result text about refunds');
    const result = await new EvalSuite().run(
      Dataset.fromRecords([{ id: 't', trace: traceOf([search], [event('final_response', 'All about refunds.')]), messages: [], expected: { required_tools: ['search'], contains: ['refunds'], max_latency_ms: 100 } }]),
    );
    assert.equal(result.case_results[0]!.status, 'passed');
  });
});
