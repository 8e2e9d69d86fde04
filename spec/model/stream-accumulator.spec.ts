// createStreamAccumulator: chunks of each provider assembled into the non-streaming shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { outputEvents } from '../../src/model/message-events.js';
import { createStreamAccumulator } from '../../src/model/stream-accumulator.js';

const feed = (chunks: unknown[]) => {
  const acc = createStreamAccumulator();
  for (const chunk of chunks) acc.push(chunk);
  return acc.finish();
};

describe('createStreamAccumulator', () => {
  it('assembles OpenAI chat chunks: content deltas, tool-call fragments by index, the usage chunk', () => {
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
    const c = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], usage: null });
    const chunks = [
      c({ role: 'assistant', content: '' }),
      c({ content: 'Look' }),
      c({ content: 'ing.' }),
      c({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }] }),
      c({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y"' } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      c({ tool_calls: [{ index: 1, function: { arguments: ':2}' } }] }),
      c({}, 'tool_calls'),
      { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ];
    const copy = structuredClone(chunks);
    const summary = feed(chunks);
    assert.deepEqual(chunks, copy, 'chunks are not modified');
    assert.equal(summary.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(summary.usage, { inputTokens: 9, outputTokens: 4, totalTokens: 13 });
    const message = (summary.message as any).choices[0].message;
    assert.equal(message.content, 'Looking.');
    assert.deepEqual(message.tool_calls, [
      { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      { id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } },
    ]);
    assert.deepEqual(outputEvents(summary.message).map((e) => e.type), ['assistant_message', 'tool_arguments', 'tool_arguments']);
  });

  it('assembles Anthropic events: text, tool_use input_json_delta, thinking, message_delta usage', () => {
    const summary = feed([
      { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'claude-x', content: [], usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'there' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't', name: 'n', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a": [1,' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: ' 2]}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
      { type: 'message_stop' },
    ]);
    const message = summary.message as any;
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'Hmm.' },
      { type: 'text', text: 'Hi there' },
      { type: 'tool_use', id: 't', name: 'n', input: { a: [1, 2] } },
    ]);
    assert.deepEqual(summary.usage, { inputTokens: 15, outputTokens: 30, totalTokens: 45, cacheReadTokens: 5 });
    assert.equal(summary.model, 'claude-x');
  });

  it('uses the full response of response.completed, else assembles Responses deltas', () => {
    const completed = { id: 'r', object: 'response', model: 'gpt-4.1', output: [], usage: { input_tokens: 3, output_tokens: 2 } };
    assert.equal(feed([{ type: 'response.created', response: { ...completed, usage: null } }, { type: 'response.completed', response: completed }]).message, completed);
    const partial = feed([
      { type: 'response.created', response: { id: 'r', object: 'response', model: 'gpt-4.1', output: [] } },
      { type: 'response.output_item.added', output_index: 0, item: { type: 'message', role: 'assistant', content: [] } },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Hel' },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'lo' },
    ]);
    assert.deepEqual(outputEvents(partial.message), [{ type: 'assistant_message', content: 'Hello' }]);
    assert.equal(partial.model, 'gpt-4.1');
  });

  it('joins plain text chunks, keeps unknown chunks bounded, and is empty when nothing came', () => {
    assert.equal(feed(['a', 'b', 'c']).message, 'abc');
    assert.equal((feed(Array.from({ length: 500 }, (_, i) => ({ i }))).message as unknown[]).length, 100);
    assert.deepEqual(feed([]), {});
  });

  it('bounds a very long answer', () => {
    const acc = createStreamAccumulator();
    const piece = 'x'.repeat(100_000);
    for (let i = 0; i < 30; i++) acc.push({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: piece } }] });
    assert.equal((acc.finish().message as any).choices[0].message.content.length, 1_000_000);
  });
});
