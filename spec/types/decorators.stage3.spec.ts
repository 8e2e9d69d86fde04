// Type tests of `northstar-ai/decorators` under standard (stage-3) decorators: the same
// decorators apply without casts, parameter capture goes through `params`, and misuse is
// a type error. The checks run in the compiler.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectTypeOf } from 'expect-type';

import { Agent, ModelCall, Observe, Tool, Trace, Traced, Workflow, type NorthstarMethodDecorator } from '../../decorators/index.js';

@Traced({ captureInput: true })
class Stage3Agent {
  @Trace('answer', { params: ['question', null, { name: 'apiKey', redact: true }] })
  async answer(question: string, _request: unknown, apiKey: string): Promise<string> {
    return question + apiKey;
  }

  @Observe('lookup', { kind: 'tool' })
  static lookup(id: number): string {
    return String(id);
  }

  @Tool()
  #search(): void {}

  @Agent()
  delegate(): void {
    this.#search();
  }

  @Workflow()
  async *steps(): AsyncGenerator<number> {
    yield 1;
  }

  @ModelCall({ name: 'llm', model: 'gpt-4o-mini', params: [{ messages: true }] })
  async complete(messages: Array<{ role: string; content: string }>): Promise<string> {
    return messages.map((m) => m.content).join();
  }
}

function decoratorTypes(): void {
  expectTypeOf(Trace()).toEqualTypeOf<NorthstarMethodDecorator>();
  expectTypeOf(new Stage3Agent().answer).toEqualTypeOf<(question: string, _request: unknown, apiKey: string) => Promise<string>>();
  expectTypeOf(Stage3Agent.lookup).toEqualTypeOf<(id: number) => string>();
  // Declared, never evaluated: misuse throws at decoration time.
  class Misuse {
    // @ts-expect-error a method decorator on a field
    @Trace() field = 1;
    // @ts-expect-error a method decorator on an accessor
    @Observe() accessor count = 0;
  }
  return void Misuse;
}

test('decorator types under standard decorators (checked by the compiler)', () => {
  assert.equal(typeof decoratorTypes, 'function');
  assert.equal(typeof Stage3Agent, 'function');
});
