// The decorated method is the method: this, name, length, statics, inheritance, super,
// stacking, under both decorator modes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Observe, Tool, Trace } from '../../decorators/index.js';
import { suiteCollector } from './collector.js';

class Base {
  constructor(readonly label: string) {}

  @Trace()
  greet(name: string, punctuation = '!') {
    return `${this.label} ${name}${punctuation}`;
  }

  @Observe()
  step(n: number) {
    return n + 1;
  }

  @Trace()
  static create(label: string) {
    return new this(label);
  }

  @Trace()
  [Symbol.for('ns.symbolic')](x: number) {
    return x * 2;
  }
}

class Derived extends Base {
  @Trace()
  override greet(name: string) {
    return `[${super.greet(name, '?')}]`;
  }

  @Trace()
  stepTwice(n: number) {
    return this.step(this.step(n));
  }
}

class Stacked {
  @Tool('outer-tool')
  @Trace('inner-trace')
  both(x: number) {
    return x;
  }

  @Trace('outer')
  @Trace('inner')
  twice(x: number) {
    return x;
  }
}

describe('the decorated method is invisible', () => {
  const c = suiteCollector();

  it('keeps name and length, has no prototype and is not a constructor', () => {
    const greet = Base.prototype.greet;
    assert.equal(greet.name, 'greet');
    assert.equal(greet.length, 1);
    assert.equal(Derived.prototype.greet.length, 1);
    assert.equal(Base.create.name, 'create');
    assert.equal(Object.prototype.hasOwnProperty.call(greet, 'prototype'), false);
    assert.throws(() => new (greet as any)('x'), TypeError);
    assert.equal((Base.prototype as any)[Symbol.for('ns.symbolic')].name, '[ns.symbolic]');
  });

  it('binds this, works on objects made with Object.create and borrowed with call()', () => {
    const made = Object.create(Base.prototype, { label: { value: 'made' } }) as Base;
    assert.equal(made.greet('a'), 'made a!');
    assert.equal(Base.prototype.greet.call({ label: 'borrowed' }, 'b', '.'), 'borrowed b.');
  });

  it('traces static methods with the class as this, symbol-keyed methods by [description]', async () => {
    const created = Derived.create('static');
    assert.ok(created instanceof Derived);
    assert.equal((created as any)[Symbol.for('ns.symbolic')](4), 8);
    await c.delivered();
    assert.deepEqual(c.content(c.run('create'), 'user_input'), { label: 'static' });
    assert.deepEqual(c.content(c.run('[ns.symbolic]'), 'user_input'), { x: 4 });
  });

  it('traces each decorated level of a super call once; inherited methods are traced once', async () => {
    const derived = new Derived('hey');
    assert.equal(derived.greet('you'), '[hey you?]');
    assert.equal(derived.stepTwice(1), 3);
    await c.delivered();
    const greets = c.runs('greet').filter((r) => (c.content(r, 'user_input') as { name: string }).name === 'you');
    assert.equal(greets.length, 2);
    const outer = greets.find((r) => r.metadata.parent_trace_id === undefined);
    const inner = greets.find((r) => r.metadata.parent_trace_id !== undefined);
    assert.equal(inner.metadata.parent_trace_id, outer.id);
    assert.deepEqual(c.content(inner, 'user_input'), { name: 'you', punctuation: '?' });
    const steps = c.spans('step');
    assert.equal(steps.length, 2);
    assert.ok(steps.every((s) => s.run_id === c.run('stepTwice').id));
  });

  it('stacked NorthStar decorators wrap once: the upper one wins', async () => {
    const stacked = new Stacked();
    const spansBefore = c.server.spans.size;
    assert.equal(stacked.twice(1), 1);
    // The upper @Tool needs a trace around it; outside one the method runs untouched.
    assert.equal(stacked.both(2), 2);
    await c.delivered();
    assert.equal(c.runs('outer').length, 1);
    assert.equal(c.runs('inner').length, 0);
    assert.equal(c.runs('inner-trace').length, 0);
    assert.equal(c.server.spans.size, spansBefore);
  });
});
