// Stage-3 only: #private methods, parameter decorators refused, the params option.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ignore, Input, Messages, Observe, Redact, Tool, Trace } from '../../decorators/index.js';
import { NorthstarDecoratorError } from '../../src/index.js';
import { suiteCollector } from './collector.js';

class Vault {
  #opened = 0;

  @Trace()
  open(owner: string, pin: string) {
    return this.#unlock(owner, pin) + this.#opened;
  }

  @Observe()
  #unlock(owner: string, pin: string) {
    this.#opened++;
    return `${owner}:${pin.length}:`;
  }

  @Tool({ params: [null, 'who', { name: 'code', redact: true }] })
  static check(_client: object, owner: string, pin: string) {
    return owner.length + pin.length;
  }

  @Trace()
  static audit(owner: string) {
    return Vault.check({}, owner, '1234');
  }
}

describe('stage-3 decorators', () => {
  const c = suiteCollector();

  it('traces #private methods with their this', async () => {
    const vault = new Vault();
    assert.equal(vault.open('ann', '1234'), 'ann:4:1');
    await c.delivered();
    const span = c.span('#unlock');
    assert.equal(span.run_id, c.run('open').id);
    assert.deepEqual(c.content(span, 'tool_arguments'), { owner: 'ann', pin: '1234' });
  });

  it('the params option renames, leaves out and redacts, on a static method', async () => {
    assert.equal(Vault.audit('bo'), 6);
    await c.delivered();
    assert.deepEqual(c.content(c.span('check'), 'tool_arguments'), { who: 'bo', code: '[REDACTED]' });
  });

  it('parameter decorators throw a NorthstarDecoratorError naming the decorator and the params option', () => {
    const context = { kind: 'method', name: 'search', static: false, private: false, addInitializer() {}, access: {} };
    for (const [name, decorator] of [
      ['Input', Input()],
      ['Ignore', Ignore()],
      ['Redact', Redact()],
      ['Messages', Messages()],
    ] as const) {
      assert.throws(
        () => (decorator as any)(function search() {}, context),
        (error: unknown) =>
          error instanceof NorthstarDecoratorError &&
          error.message.includes(`@${name}()`) &&
          error.message.includes('search') &&
          error.message.includes('params'),
      );
    }
  });
});
