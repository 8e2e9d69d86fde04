// Type tests of `northstar-ai/decorators` under `experimentalDecorators`: every decorator
// applies without casts where it belongs, leaves the method's type alone, and is a type
// error where it does not belong. The checks run in the compiler.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectTypeOf } from 'expect-type';

import {
  Agent,
  currentModelSpan,
  Ignore,
  Input,
  Messages,
  ModelCall,
  NorthstarModule,
  Observe,
  Redact,
  Tool,
  Trace,
  Traced,
  Workflow,
  type NorthstarDynamicModule,
  type NorthstarMethodDecorator,
  type NorthstarParameterDecorator,
} from '../../decorators/index.js';
import type { ModelSpan } from '../../src/index.js';

@Traced({ captureOutput: false })
class LegacyAgent {
  @Trace()
  plain(): number {
    return 1;
  }

  @Trace('answer', { tags: ['types'], input: (question: string) => ({ question }) })
  async answer(@Input('q') question: string, @Ignore() _request: unknown, @Redact() apiKey: string): Promise<string> {
    return question + apiKey;
  }

  @Observe({ kind: 'tool', attributes: { index: 'faq' } })
  static lookup(id: number): string {
    return String(id);
  }

  @Tool('search')
  search(): void {}

  @Agent()
  delegate(): void {}

  @Workflow({ captureInput: false })
  *steps(): Generator<number> {
    yield 1;
  }

  @ModelCall('llm', { model: 'gpt-4o-mini' })
  async complete(@Messages() messages: Array<{ role: string; content: string }>): Promise<string> {
    return messages.map((m) => m.content).join();
  }
}

function decoratorTypes(): void {
  expectTypeOf(Trace()).toEqualTypeOf<NorthstarMethodDecorator>();
  expectTypeOf(Input()).toEqualTypeOf<NorthstarParameterDecorator>();
  expectTypeOf(new LegacyAgent().answer).toEqualTypeOf<(question: string, _request: unknown, apiKey: string) => Promise<string>>();
  expectTypeOf(LegacyAgent.lookup).toEqualTypeOf<(id: number) => string>();
  expectTypeOf(currentModelSpan).returns.toEqualTypeOf<ModelSpan>();
  expectTypeOf(NorthstarModule.forRoot({ apiKey: 'key', project: 'p' })).toEqualTypeOf<NorthstarDynamicModule>();
  expectTypeOf(NorthstarModule.forRootAsync({ useFactory: async () => ({ apiKey: 'key' }) })).toEqualTypeOf<NorthstarDynamicModule>();
  // @ts-expect-error model spans come from @ModelCall, not @Observe
  Observe({ kind: 'model' });
  // Declared, never evaluated: decorating a field throws at decoration time.
  class Misuse {
    // @ts-expect-error a method decorator on a field
    @Trace() field = 1;
  }
  return void Misuse;
}

test('decorator types under experimentalDecorators (checked by the compiler)', () => {
  assert.equal(typeof decoratorTypes, 'function');
  assert.equal(typeof LegacyAgent, 'function');
});
