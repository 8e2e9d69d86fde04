// @Traced gives the decorated methods of its class defaults; method options win.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Tool, Trace, Traced } from '../../decorators/index.js';
import { suiteCollector } from './collector.js';

@Traced({ captureOutput: false, tags: ['billing'], metadata: { team: 'pay' }, attributes: { area: 'billing' } })
class BillingAgent {
  @Trace()
  charge(customer: string) {
    return this.lookup(customer) + this.refund(customer);
  }

  @Trace({ tags: ['loud'], captureOutput: true })
  loudCharge(customer: string) {
    return customer.length;
  }

  @Tool({ captureOutput: true, attributes: { area: 'lookup' } })
  lookup(customer: string) {
    return `found ${customer}`;
  }

  @Tool()
  refund(customer: string) {
    return `refunded ${customer}`;
  }

  @Trace()
  static audit(day: string) {
    return day;
  }

  undecorated() {
    return 'plain';
  }
}

describe('@Traced', () => {
  const c = suiteCollector();

  it('applies class defaults to decorated methods; method options win', async () => {
    const agent = new BillingAgent();
    assert.equal(agent.charge('ann'), 'found annrefunded ann');
    assert.equal(agent.loudCharge('bob'), 3);
    assert.equal(BillingAgent.audit('mon'), 'mon');
    assert.equal(agent.undecorated(), 'plain');
    await c.delivered();
    const charge = c.run('charge');
    assert.deepEqual(c.content(charge, 'user_input'), { customer: 'ann' });
    assert.deepEqual(c.events(charge, 'final_response'), []);
    assert.deepEqual(charge.metadata.tags, ['billing']);
    assert.equal(charge.metadata.team, 'pay');
    const loud = c.run('loudCharge');
    assert.deepEqual(loud.metadata.tags, ['billing', 'loud']);
    assert.equal(c.content(loud, 'final_response'), 3);
    assert.equal(c.content(c.span('lookup'), 'tool_result'), 'found ann');
    assert.equal(c.span('lookup').attributes.area, 'lookup');
    assert.deepEqual(c.events(c.span('refund'), 'tool_result'), []);
    assert.equal(c.span('refund').attributes.area, 'billing');
    assert.deepEqual(c.events(c.run('audit'), 'final_response'), []);
  });

  it('returns the class itself', () => {
    assert.equal(BillingAgent.name, 'BillingAgent');
    assert.ok(new BillingAgent() instanceof BillingAgent);
  });
});
