// Decorators placed where they cannot work fail at decoration time, naming the decorator
// and the member, in both decorator modes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Agent, ModelCall, Observe, Tool, Trace, Traced } from '../../decorators/index.js';
import { isNorthstarError, NorthstarDecoratorError } from '../../src/index.js';

/** Asserts `define` throws a NorthstarDecoratorError whose message matches every pattern. */
function rejects(define: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(define, (error: unknown) => {
    assert.ok(error instanceof NorthstarDecoratorError, `a NorthstarDecoratorError, got ${String(error)}`);
    assert.ok(isNorthstarError(error));
    for (const pattern of patterns) assert.match((error as Error).message, pattern);
    return true;
  });
}

// Casts: the types already refuse these placements; the runtime must refuse them too.
const anyDecorator = (d: unknown) => d as any;

describe('decorator misuse', () => {
  it('refuses fields', () => {
    rejects(() => {
      class Model {
        @(anyDecorator(Trace()))
        temperature = 0;
      }
      return Model;
    }, /@Trace\(\)/, /field/, /temperature/);
  });

  it('refuses getters and setters', () => {
    rejects(() => {
      class Model {
        @(anyDecorator(Tool()))
        get name() {
          return 'm';
        }
      }
      return Model;
    }, /@Tool\(\)/, /getter/, /name/);
    rejects(() => {
      class Model {
        @(anyDecorator(Observe()))
        set name(_value: string) {}
      }
      return Model;
    }, /@Observe\(\)/, /setter/, /name/);
  });

  it('refuses a class, and @Traced on a method', () => {
    rejects(() => {
      @(anyDecorator(Agent()))
      class Planner {}
      return Planner;
    }, /@Agent\(\)/, /class/, /Planner/);
    rejects(() => {
      class Planner {
        @(anyDecorator(Traced()))
        plan() {}
      }
      return Planner;
    }, /@Traced\(\)/, /plan/, /classes/);
  });

  it('names the class and member under legacy decorators (called by hand)', () => {
    class Planner {
      model = 'x';
    }
    rejects(() => (Trace() as any)(Planner.prototype, 'model', undefined), /Planner\.model/, /field/);
    rejects(() => (Trace() as any)(Planner.prototype, 'plan', { value: 42 }), /Planner\.plan/, /non-function/);
    rejects(() => (ModelCall() as any)(Planner.prototype, 'plan', 0), /Planner\.plan/, /parameter/);
    rejects(() => (Trace() as any)(Planner), /class Planner/);
  });

  it('refuses stage-3 misuse by kind (called by hand)', () => {
    const context = (kind: string, name: string) => ({ kind, name, static: false, private: false, addInitializer() {} });
    rejects(() => (Trace() as any)(undefined, context('accessor', 'cache')), /@Trace\(\)/, /accessor/, /cache/);
    rejects(() => (Tool() as any)(42, context('method', 'search')), /non-function/, /search/);
  });

  it('refuses bare use and bad options', () => {
    rejects(() => (Trace as any)(function plan() {}, { kind: 'method', name: 'plan' }), /@Trace\(\)/);
    rejects(() => (Tool as any)({}, 'search', { value() {} }), /write @Tool\(\)/);
    rejects(() => Observe({ kind: 'model' as any }), /kind/, /@ModelCall/);
    rejects(() => Trace({ params: 'query' as any }), /params/);
  });

  it('checks every option at decoration time: unknown keys (with a hint) and value types', () => {
    rejects(() => Trace({ nmae: 'x' } as any), /@Trace\(\): unknown option nmae\. Did you mean name\?/);
    rejects(() => Trace({ captureInput: 'no' as any }), /@Trace\(\): option captureInput must be true or false, got the string "no"/);
    rejects(() => Tool('t', { captureOutput: 0 as any }), /@Tool\(\): option captureOutput must be true or false, got the number 0/);
    rejects(() => ModelCall({ provider: 1 as any }), /@ModelCall\(\): option provider must be a string, got the number 1/);
    rejects(() => Observe({ attributes: 'a' as any }), /option attributes must be an object, got the string "a"/);
    rejects(() => Trace({ userId: 3 as any }), /option userId must be a string, got the number 3/);
  });
});
