// @ModelCall under both decorator modes: model spans with messages in, the reply out,
// and currentModelSpan() for manual recording.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { currentModelSpan, ModelCall, Trace } from '../../decorators/index.js';
import { suiteCollector } from './collector.js';

type Message = { role: string; content: string };

class Llm {
  @ModelCall('chat', { model: 'gpt-4o-mini', provider: 'openai' })
  async chat(temperature: number, messages: Message[]) {
    currentModelSpan().recordUsage({ inputTokens: 12, outputTokens: 3 });
    return { role: 'assistant', content: `reply at ${temperature} to ${messages.length}` };
  }

  @ModelCall()
  complete(request: { model: string; messages: Message[] }) {
    return { role: 'assistant', content: `ok ${request.model}` };
  }

  @ModelCall({ params: [null, { messages: true }] })
  custom(_client: object, history: Message[]) {
    return { role: 'assistant', content: String(history.length) };
  }

  @ModelCall({ model: 'gpt-4o-mini' })
  broken(messages: Message[]): never {
    throw new Error(`rate limited after ${messages.length}`);
  }
}

class Bot {
  constructor(private readonly llm: Llm) {}

  @Trace()
  async talk(question: string) {
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: question },
    ];
    const first = await this.llm.chat(0.2, messages);
    const second = this.llm.complete({ model: 'claude-sonnet-4-5', messages });
    const third = this.llm.custom({ apiKey: 'sk-x' }, messages);
    let failure = '';
    try {
      this.llm.broken(messages);
    } catch (error) {
      failure = (error as Error).message;
    }
    return [first.content, second.content, third.content, failure];
  }
}

describe('@ModelCall', () => {
  const c = suiteCollector();

  it('records model spans: messages in, the reply out, model, usage and errors', async () => {
    const replies = await new Bot(new Llm()).talk('why?');
    assert.deepEqual(replies, ['reply at 0.2 to 2', 'ok claude-sonnet-4-5', '2', 'rate limited after 2']);
    await c.delivered();
    const run = c.run('talk');
    const chat = c.span('chat');
    assert.equal(chat.kind, 'model');
    assert.equal(chat.run_id, run.id);
    assert.equal(chat.attributes.model, 'gpt-4o-mini');
    assert.equal(chat.attributes.provider, 'openai', '@ModelCall({ provider }) is recorded');
    assert.equal(chat.attributes.input_tokens, 12);
    assert.equal(chat.attributes.output_tokens, 3);
    for (const name of ['chat', 'complete', 'custom']) {
      const span = c.span(name);
      assert.equal(span.status, 'ok', name);
      const types = c.events(span).map((e) => e.type).sort();
      assert.deepEqual(types, ['assistant_message', 'system_message', 'user_input'], name);
      assert.match(JSON.stringify(c.content(span, 'user_input')), /why\?/);
    }
    assert.match(JSON.stringify(c.content(chat, 'assistant_message')), /reply at 0\.2 to 2/);
    assert.equal(c.span('complete').attributes.model, 'claude-sonnet-4-5');
    assert.equal(c.span('broken').status, 'error');
    assert.equal(c.span('broken').error.message, 'rate limited after 2');
    assert.equal(run.metadata.total_input_tokens, 12);
  });

  it('currentModelSpan() is a shared no-op outside a model span; the method runs untouched outside a trace', async () => {
    const outside = currentModelSpan();
    assert.equal(outside, currentModelSpan());
    outside.recordUsage({ inputTokens: 1 });
    outside.recordInputMessages([]);
    const spansBefore = c.server.spans.size;
    assert.deepEqual(await new Llm().chat(1, []), { role: 'assistant', content: 'reply at 1 to 0' });
    await c.delivered();
    assert.equal(c.server.spans.size, spansBefore);
  });
});
