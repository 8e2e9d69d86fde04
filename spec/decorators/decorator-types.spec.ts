// The decorator types: compiled under both decorator modes (this file and its siblings
// use the decorators without casts), plus explicit checks with expect-type.
import { expectTypeOf } from 'expect-type';
import { describe, it } from 'node:test';

import {
  Agent,
  currentModelSpan,
  Ignore,
  Input,
  Messages,
  ModelCall,
  type ModelCallDecoratorOptions,
  Observe,
  type ObserveDecoratorOptions,
  Redact,
  Tool,
  Trace,
  type TraceDecoratorOptions,
  Traced,
  type TracedOptions,
  Workflow,
} from '../../decorators/index.js';
import type { ModelSpan } from '../../src/index.js';

@Traced({ captureOutput: false })
class Typed {
  @Trace('t', { tags: ['a'], input: (q: string) => q, params: ['q', null, { name: 'k', redact: true }] })
  async a(q: string, _x: number, _k: string): Promise<string> {
    return q;
  }
  @Observe({ kind: 'tool' }) b(): number {
    return 1;
  }
  @Tool() @Agent() @Workflow() c(): void {}
  @ModelCall('m', { model: 'gpt-4o-mini' }) d<T>(x: T): T {
    return x;
  }
  @Trace() static e(this: typeof Typed): typeof Typed {
    return this;
  }
  @Trace() *f(): Generator<number> {
    yield 1;
  }
}

describe('decorator types', () => {
  it('keep the decorated method types', () => {
    expectTypeOf(new Typed().a).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(new Typed().d<number>).returns.toEqualTypeOf<number>();
    expectTypeOf(Typed.e).returns.toEqualTypeOf<typeof Typed>();
    expectTypeOf(new Typed().f).returns.toEqualTypeOf<Generator<number>>();
  });

  it('type the factories and options', () => {
    expectTypeOf(Trace).toBeCallableWith('name', { tags: ['a'] });
    expectTypeOf(Trace).toBeCallableWith({ name: 'name', captureOutput: false });
    expectTypeOf<TraceDecoratorOptions['tags']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<ObserveDecoratorOptions['kind']>().toEqualTypeOf<'agent' | 'workflow' | 'tool' | 'custom' | undefined>();
    expectTypeOf<ModelCallDecoratorOptions['model']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TracedOptions['captureOutput']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf(currentModelSpan()).toEqualTypeOf<ModelSpan>();
    expectTypeOf(Input('x')).toBeCallableWith({}, 'method', 0);
    expectTypeOf(Ignore()).toBeCallableWith({}, 'method', 1);
    expectTypeOf(Redact()).toBeCallableWith({}, undefined, 1);
    expectTypeOf(Messages()).toBeCallableWith({}, Symbol('m'), 0);
    // Type checks only: these throw at runtime.
    const refused = () => {
      // @ts-expect-error a name is a string
      Trace(42);
      // @ts-expect-error model spans come from @ModelCall
      Observe({ kind: 'model' });
    };
    expectTypeOf(refused).returns.toBeVoid();
  });
});
