// Type tests of the public API of `northstar-ai`. The checks run in the compiler (a type
// error fails the spec build under TS 5.9 and TS 7); the test only names them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectTypeOf } from 'expect-type';

import {
  currentSpanId,
  currentTraceId,
  flush,
  init,
  isNorthstarError,
  logEvent,
  logMetadata,
  logMetric,
  modelCall,
  Northstar,
  NorthstarConfigError,
  NorthstarError,
  observe,
  score,
  shutdown,
  span,
  stats,
  trace,
  type ModelSpan,
  type NorthstarOptions,
  type NorthstarStats,
  type SpanHandle,
  type SpanKind,
  type TraceHandle,
  type TraceOptions,
} from '../../src/index.js';

function wrapperForms(): void {
  const sync = (a: number, b: string): boolean => a > b.length;
  expectTypeOf(trace(sync)).toEqualTypeOf<(a: number, b: string) => boolean>();
  expectTypeOf(trace(sync, { name: 'sync', tags: ['t'] })).toEqualTypeOf(sync);

  const answer = async (question: string, options?: { k: number }) => ({ question, k: options?.k ?? 1 });
  expectTypeOf(trace(answer)).toEqualTypeOf(answer);
  expectTypeOf(trace('agent')(answer)).toEqualTypeOf(answer);
  expectTypeOf(trace({ name: 'agent', captureOutput: false })(answer)).toEqualTypeOf(answer);
  expectTypeOf(observe(answer, { kind: 'tool' })).toEqualTypeOf(answer);
  expectTypeOf(observe('search')(answer)).toEqualTypeOf(answer);

  // Generic functions and generators keep their signatures.
  const identity = <T>(value: T): T => value;
  expectTypeOf(trace(identity)(1)).toEqualTypeOf<number>();
  expectTypeOf(trace(identity)('a')).toEqualTypeOf<string>();
  async function* tokens(prompt: string): AsyncGenerator<string, void, undefined> {
    yield prompt;
  }
  expectTypeOf(trace(tokens)).toEqualTypeOf(tokens);

  // Not a function and no name: a compile error, not a silent no-op.
  // @ts-expect-error a number is neither a name, options nor a function
  trace(42);
}

function scopedForms(): void {
  expectTypeOf(trace('run', () => 42)).toEqualTypeOf<number>();
  expectTypeOf(trace('run', { metadata: { user: 'u1' } }, async () => 'done')).toEqualTypeOf<Promise<string>>();
  trace('run', (t) => {
    expectTypeOf(t).toEqualTypeOf<TraceHandle>();
    expectTypeOf(t.id).toEqualTypeOf<string>();
    expectTypeOf(t.setOutput).parameter(0).toBeUnknown();
    expectTypeOf(t.logMetric).toEqualTypeOf<(name: string, value: number) => void>();
    expectTypeOf(t.span('child', undefined, (s) => s)).toEqualTypeOf<SpanHandle>();
    expectTypeOf(t.modelCall('llm', { model: 'gpt-4o-mini' }, (m) => m)).toEqualTypeOf<ModelSpan>();
  });
  expectTypeOf(span('step', (s) => s.traceId)).toEqualTypeOf<string>();
  expectTypeOf(span('step', { kind: 'tool', iteration: 2 }, async (s) => s)).toEqualTypeOf<Promise<SpanHandle>>();
  expectTypeOf(modelCall('llm', { model: 'gpt-4o-mini' }, (m) => m)).toEqualTypeOf<ModelSpan>();
  expectTypeOf<ModelSpan>().toMatchTypeOf<SpanHandle>();
  expectTypeOf<ModelSpan['recordUsage']>().toBeCallableWith({ promptTokens: 1, completionTokens: 2, costUsd: 0.1 });

  // @ts-expect-error not a span kind
  span('step', { kind: 'database' }, () => undefined);
  expectTypeOf<SpanKind>().toEqualTypeOf<'agent' | 'workflow' | 'model' | 'tool' | 'custom'>();
}

function options(): void {
  expectTypeOf(init).parameter(0).toEqualTypeOf<NorthstarOptions | undefined>();
  expectTypeOf(init).returns.toEqualTypeOf<Northstar>();
  expectTypeOf<NorthstarOptions>().toHaveProperty('flushIntervalMs').toEqualTypeOf<number | undefined>();
  expectTypeOf<NorthstarOptions>().toHaveProperty('redactKeys').toEqualTypeOf<readonly string[] | undefined>();
  expectTypeOf<TraceOptions>().toHaveProperty('input').toBeUnknown();
  expectTypeOf<TraceOptions>().toHaveProperty('tags').toEqualTypeOf<readonly string[] | undefined>();
  // @ts-expect-error options are checked: a misspelt option is an error
  init({ apiKey: 'k', flushInterval: 5 });
}

function lifecycle(): void {
  expectTypeOf(flush).returns.toEqualTypeOf<Promise<boolean>>();
  expectTypeOf(shutdown).returns.toEqualTypeOf<Promise<boolean>>();
  expectTypeOf(stats).returns.toEqualTypeOf<NorthstarStats>();
  expectTypeOf(currentTraceId).returns.toEqualTypeOf<string | undefined>();
  expectTypeOf(currentSpanId).returns.toEqualTypeOf<string | undefined>();
  expectTypeOf(logEvent).toBeCallableWith('retrieved', { docs: 3 });
  expectTypeOf(logMetric).toBeCallableWith('similarity', 0.9);
  // @ts-expect-error metrics are numbers
  logMetric('flag', true);
  expectTypeOf(logMetadata).toBeCallableWith({ user: 'u1' });
  expectTypeOf(score).toBeCallableWith('trace-id', 'helpful', true);
  expectTypeOf(score).toBeCallableWith('trace-id', 'label', 'good', { comment: 'ok' });
  expectTypeOf(score).returns.toBeVoid();
  expectTypeOf(new Northstar({ enabled: false }).flush()).toEqualTypeOf<Promise<boolean>>();
}

function errors(): void {
  expectTypeOf<NorthstarConfigError>().toMatchTypeOf<NorthstarError>();
  expectTypeOf<NorthstarError>().toMatchTypeOf<Error>();
  const error: unknown = new Error('x');
  if (isNorthstarError(error)) expectTypeOf(error).toEqualTypeOf<NorthstarError>();
}

test('public API types (checked by the compiler)', () => {
  for (const checks of [wrapperForms, scopedForms, options, lifecycle, errors]) assert.equal(typeof checks, 'function');
});
