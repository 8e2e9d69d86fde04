// inputEvents / outputEvents on the shapes people pass around: OpenAI Chat and Responses,
// Anthropic Messages, decorator-style keyed arguments, and shapes nobody planned for.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { inputEvents, outputEvents } from '../../src/model/message-events.js';

const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('inputEvents', () => {
  const chat = [
    { role: 'developer', content: 'Answer in French.' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(5000), detail: 'low' } }] },
    { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'vision', arguments: '{"zoom":2}' } }] },
    { role: 'tool', tool_call_id: 'c1', name: 'vision', content: [{ type: 'text', text: 'a cat' }] },
  ];

  it('maps an OpenAI chat messages array, shrinking inline images', () => {
    const events = inputEvents(chat);
    assert.deepEqual(types(events), ['system_message', 'user_input', 'assistant_message', 'tool_arguments', 'tool_result']);
    const parts = events[1]!.content as any[];
    assert.equal(parts[0].text, 'What is this?');
    assert.equal(parts[1].image_url.url, 'data:image/png;base64,[5000 chars]');
    assert.equal(parts[1].image_url.detail, 'low');
    assert.deepEqual(events[3], { type: 'tool_arguments', content: { id: 'c1', name: 'vision', arguments: { zoom: 2 } }, attributes: { tool_call_id: 'c1', name: 'vision' } });
    assert.deepEqual(events[4], { type: 'tool_result', content: 'a cat', attributes: { tool_call_id: 'c1', name: 'vision' } });
    assert.equal(chat[1]!.content[1] && (chat[1] as any).content[1].image_url.url.length, 'data:image/png;base64,'.length + 5000, 'the input is not modified');
  });

  it('reads a whole request, and the keyed arguments of a traced method holding one', () => {
    const request = { model: 'gpt-4o', messages: chat, temperature: 0 };
    assert.deepEqual(inputEvents(request), inputEvents(chat));
    assert.deepEqual(inputEvents({ messages: chat, options: { temperature: 0 } }), inputEvents(chat));
    assert.deepEqual(inputEvents({ request }), inputEvents(chat));
  });

  it('maps an Anthropic request: system blocks, tool_use and tool_result blocks', () => {
    const events = inputEvents({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be terse.' }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '-3C' }], is_error: false }] },
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'B'.repeat(100) } }] },
      ],
    });
    assert.deepEqual(events.slice(0, 5), [
      { type: 'system_message', content: 'Be terse.' },
      { type: 'user_input', content: 'Weather?' },
      { type: 'assistant_message', content: 'Checking.' },
      { type: 'tool_arguments', content: { id: 't1', name: 'weather', arguments: { city: 'Oslo' } }, attributes: { tool_call_id: 't1', name: 'weather' } },
      { type: 'tool_result', content: '-3C', attributes: { tool_call_id: 't1' } },
    ]);
    assert.deepEqual((events[5]!.content as any[])[0].source.data, '[100 chars base64]');
  });

  it('maps a Responses request: instructions, string input, and items', () => {
    assert.deepEqual(inputEvents({ model: 'gpt-4.1', instructions: 'Be kind.', input: 'Hi' }), [
      { type: 'system_message', content: 'Be kind.' },
      { type: 'user_input', content: 'Hi' },
    ]);
    const events = inputEvents({
      model: 'gpt-4.1',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
        { type: 'function_call', call_id: 'fc1', name: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'fc1', output: 'sunny' },
        { type: 'web_search_call', id: 'ws1', status: 'completed' },
      ],
    });
    assert.deepEqual(types(events), ['user_input', 'tool_arguments', 'tool_result', 'custom']);
    assert.equal(events[0]!.content, 'Weather?');
    assert.deepEqual(events[3]!.attributes, { northstar_type: 'event' });
  });

  it('records unknown shapes as they are, never throwing', () => {
    assert.deepEqual(inputEvents(undefined), []);
    assert.deepEqual(inputEvents('just text'), [{ type: 'user_input', content: 'just text' }]);
    assert.deepEqual(inputEvents({ question: 'why?' }), [{ type: 'user_input', content: { question: 'why?' } }]);
    assert.deepEqual(inputEvents(42), [{ type: 'user_input', content: 42 }]);
    assert.deepEqual(inputEvents([1, 2]), [{ type: 'user_input', content: [1, 2] }]);
    assert.deepEqual(inputEvents({ tags: ['a', 'b'] }), [{ type: 'user_input', content: { tags: ['a', 'b'] } }]);
  });

  it('never throws on values that throw when read, and bounds a huge history', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    assert.deepEqual(inputEvents(hostile), [{ type: 'user_input', content: hostile }]);
    assert.deepEqual(outputEvents(hostile), [{ type: 'assistant_message', content: hostile }]);
    const history = Array.from({ length: 1500 }, () => ({ role: 'user', content: 'hi' }));
    const events = inputEvents({ model: 'm', messages: history });
    assert.equal(events.length, 1001);
    assert.deepEqual(events.at(-1), { type: 'custom', content: { name: 'messages_truncated', data: { omitted: 500 } }, attributes: { northstar_type: 'event' } });
  });
});

describe('outputEvents', () => {
  it('maps an OpenAI ChatCompletion with a refusal, and with several choices', () => {
    assert.deepEqual(outputEvents({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help.' } }] }), [
      { type: 'assistant_message', content: 'I cannot help.', attributes: { refusal: true } },
    ]);
    const many = outputEvents({ choices: [{ index: 0, message: { role: 'assistant', content: 'A' } }, { index: 1, message: { role: 'assistant', content: 'B' } }] });
    assert.deepEqual(many, [
      { type: 'assistant_message', content: 'A', attributes: { choice_index: 0 } },
      { type: 'assistant_message', content: 'B', attributes: { choice_index: 1 } },
    ]);
  });

  it('maps an Anthropic Message: thinking, cited text blocks rejoined, tool_use', () => {
    const events = outputEvents({
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 's' },
        { type: 'text', text: 'The sky is ' },
        { type: 'text', text: 'blue', citations: [{ type: 'char_location', cited_text: 'blue' }] },
        { type: 'text', text: '.' },
        { type: 'tool_use', id: 't', name: 'n', input: {} },
        { type: 'redacted_thinking', data: 'xyz' },
      ],
    });
    assert.deepEqual(events, [
      { type: 'reasoning', content: 'hmm' },
      { type: 'assistant_message', content: 'The sky is blue.' },
      { type: 'tool_arguments', content: { id: 't', name: 'n', arguments: {} }, attributes: { tool_call_id: 't', name: 'n' } },
      { type: 'reasoning', content: '[redacted]' },
    ]);
  });

  it('maps a Responses response: message, function_call, reasoning', () => {
    const events = outputEvents({
      object: 'response',
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi', annotations: [] }] },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: 'not json' },
      ],
    });
    assert.deepEqual(events, [
      { type: 'reasoning', content: 'think' },
      { type: 'assistant_message', content: 'Hi' },
      { type: 'tool_arguments', content: { id: 'c', name: 'f', arguments: 'not json' }, attributes: { tool_call_id: 'c', name: 'f' } },
    ]);
  });

  it('maps a plain message, a string, and keeps unknown shapes as they are', () => {
    assert.deepEqual(outputEvents({ role: 'assistant', content: 'ok' }), [{ type: 'assistant_message', content: 'ok' }]);
    assert.deepEqual(outputEvents('ok'), [{ type: 'assistant_message', content: 'ok' }]);
    assert.deepEqual(outputEvents(undefined), []);
    assert.deepEqual(outputEvents({ answer: 42 }), [{ type: 'assistant_message', content: { answer: 42 } }]);
  });
});
