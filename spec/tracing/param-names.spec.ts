// Parameter names read from a function's source, including the shapes other runtimes
// and compilers print (Bun's standard-decorator output has no space after `async`).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parameterNames } from '../../src/tracing/param-names.js';

/** A method whose source text is exactly `text` (as the runtime would print it). */
const method = (text: string): Function => new Function(`return ({ ${text} })`)()[Object.keys(new Function(`return ({ ${text} })`)())[0]!];

describe('parameterNames', () => {
  it('reads plain, default and rest parameters', () => {
    assert.deepEqual(parameterNames(function f(a: number, b = 2, ...rest: number[]) {
      return [a, b, rest];
    }), ['a', 'b', 'rest']);
    assert.deepEqual(parameterNames(async (query: string) => query), ['query']);
  });

  it('Bun: `async[(_dec = [...], "searchDocs")](query, limit = 3)` gives query, limit', () => {
    const fn = method('async[(_dec = [1, "x"], "searchDocs")](query, limit = 3) { return [query, limit]; }');
    assert.deepEqual(parameterNames(fn), ['query', 'limit']);
    const generator = method('async*[(_dec2 = [2], "stream")](prompt) { yield prompt; }');
    assert.deepEqual(parameterNames(generator), ['prompt']);
  });

  it('a computed key holding an arrow function is still a method', () => {
    const fn = method('[(_dec = [() => 1], "plan")](goal, steps = 2) { return [goal, steps]; }');
    assert.deepEqual(parameterNames(fn), ['goal', 'steps']);
  });
});
