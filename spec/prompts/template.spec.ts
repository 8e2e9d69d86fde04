// Template compilation as PROTOCOL.md "Prompts: templates" defines it, and the variable
// types inferred from a literal template.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';

import { compileTemplate, NorthstarPromptError, PromptVersion, type PromptVariables } from '../../src/index.js';
import { templateVariables } from '../../src/prompts/template.js';

const version = (content: string, variables: PromptVersion['variables'] = []) =>
  new PromptVersion(
    { id: '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a11', promptId: undefined, version: 1, content, model: null, temperature: null, maxTokens: null, variables, contentHash: undefined },
    { slug: 'demo', label: 'prod', source: 'server', logger: undefined },
  );

describe('compile', () => {
  it('substitutes both styles, whitespace optional inside double braces', () => {
    assert.equal(compileTemplate('Hi {{ name }}, {{name}} and {{  name}} from {city}.', { name: 'Ada', city: 'Oslo' }), 'Hi Ada, Ada and Ada from Oslo.');
  });

  it('leaves anything else in braces as literal text', () => {
    const template = 'a { name } b {{ a.b }} c {0} d {"k": 1} e {{name}';
    assert.deepEqual(templateVariables(template), []);
    assert.equal(compileTemplate(template, {}), template);
  });

  it('substitutes in one pass: a value holding {other} or {{ other }} stays as it is', () => {
    assert.equal(compileTemplate('{a} / {{ b }}', { a: '{b}', b: '{{ a }}' }), '{b} / {{ a }}');
  });

  it('names every missing variable in one error; extra variables are allowed and reported', () => {
    assert.throws(
      () => compileTemplate('{{ a }} {b} {c}' as string, { b: 1 }),
      (error: unknown) => error instanceof NorthstarPromptError && error.reason === 'missing_variables' && /a, c/.test(error.message) && error.missingVariables.join() === 'a,c',
    );
    const compiled = version('Hello {name}').compile({ name: 'Ada', unused: true, other: 2 });
    assert.equal(compiled.text, 'Hello Ada');
    assert.deepEqual(compiled.unusedVariables, ['unused', 'other']);
    assert.deepEqual(compiled.variables, { name: 'Ada' });
    assert.equal(compiled.promptVersionId, '5b0f3c1e-7d2a-4e8b-9a61-0c2d3e4f5a11');
  });

  it('lists the sorted, de-duplicated variables of both forms; renders non-strings as JSON', () => {
    assert.deepEqual(templateVariables('{z} {{ a }} {z} {{z}} {_b1}'), ['_b1', 'a', 'z']);
    assert.deepEqual(version('{x}{{ y }}').variableNames, ['x', 'y']);
    assert.equal(compileTemplate('{n} {o} {f}', { n: 3, o: { k: [1] }, f: false }), '3 {"k":[1]} false');
  });

  it('uses a declared default for a variable left out', () => {
    const v = version('{a} {tone}', [{ name: 'a' }, { name: 'tone', default: 'calm' }]);
    assert.equal(v.compile({ a: 1 }).text, '1 calm');
    assert.deepEqual(v.compile({ a: 1 }).variables, { a: 1, tone: 'calm' });
  });

  it('compiles a chat-style prompt (a JSON message list) to messages for OpenAI and Anthropic', () => {
    const content = JSON.stringify([
      { role: 'system', content: 'Triage for {product}. Answer like {"priority": 1}.' },
      { role: 'user', content: '{{ ticket }}' },
    ]);
    const v = version(content);
    assert.deepEqual(v.variableNames, ['product', 'ticket']);
    const compiled = v.compile({ product: 'Acme', ticket: 'Printer says "{on fire}"' });
    assert.deepEqual(compiled.messages, [
      { role: 'system', content: 'Triage for Acme. Answer like {"priority": 1}.' },
      { role: 'user', content: 'Printer says "{on fire}"' },
    ]);
    assert.deepEqual(JSON.parse(compiled.text), compiled.messages);
    assert.deepEqual(compiled.anthropic(), { system: 'Triage for Acme. Answer like {"priority": 1}.', messages: [{ role: 'user', content: 'Printer says "{on fire}"' }] });
    assert.equal(version('[1, 2]').messages, undefined, 'a JSON array that is not messages is text');
    assert.deepEqual(version('Hi {n}').compile({ n: 1 }).anthropic(), { system: undefined, messages: [{ role: 'user', content: 'Hi 1' }] });
  });

  it('infers variable names from a literal template type', () => {
    expectTypeOf<PromptVariables<'Hi {{ name }}, weather in {city}? {0} {{ a.b }}'>>().toEqualTypeOf<{ name: unknown; city: unknown } & Record<string, unknown>>();
    expectTypeOf<PromptVariables<string>>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<Parameters<PromptVersion<'Hi {{ name }}'>['compile']>[0]>().toEqualTypeOf<{ name: unknown } & Record<string, unknown> | undefined>();
    assert.throws(() =>
      // @ts-expect-error: city is missing
      compileTemplate('Hi {{ name }} in {city}', { name: 'Ada' }),
    );
  });
});
