// @ModelCall({ prompt }) under both decorator modes: each call's model span is linked to
// the prompt version its arguments compile, with the variable values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ModelCall, Trace } from '../../decorators/index.js';
import { pullPrompt, type PromptVersion } from '../../src/index.js';
import { PROMPT_FIXTURE_IDS } from '../support/ingest-server.js';
import { type Collector, startCollector } from './collector.js';

let prompt: PromptVersion;

class Support {
  @ModelCall('reply', { prompt: (customer: string, topic: string) => prompt.compile({ customer, topic }) })
  reply(customer: string, topic: string) {
    return { role: 'assistant', content: `${customer}: ${topic}` };
  }

  @Trace()
  async handle(customer: string) {
    return this.reply(customer, 'billing');
  }
}

let c: Collector;
before(async () => {
  c = await startCollector();
  prompt = await pullPrompt('support-reply');
});
after(() => c.close());

describe('@ModelCall({ prompt })', () => {
  it('links each call to its compiled prompt version', async () => {
    await new Support().handle('Ada');
    await c.delivered();
    const span = c.span('reply');
    assert.deepEqual(c.server.promptLinks, [
      { trace_id: span.run_id, span_id: span.id, prompt_version_id: PROMPT_FIXTURE_IDS.supportReplyV1, variable_values: { customer: 'Ada', topic: 'billing' } },
    ]);
  });
});
