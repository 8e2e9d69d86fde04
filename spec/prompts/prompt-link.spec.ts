// prompt_links for every linking form, stored by the protocol-enforcing server: modelCall
// { prompt }, @ModelCall({ prompt }), ModelSpan.linkPrompt, ManualModelSpan.linkPrompt,
// and instrumented OpenAI / Anthropic calls inside withPrompt. Variable values are
// redacted and masked; a link the server refuses is isolated, the rest arrives.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { ModelCall } from '../../decorators/index.js';
import { flush, getClient, instrumentAnthropic, instrumentOpenAI, modelCall, pullPrompt, stats, trace, withPrompt, type CompiledPrompt } from '../../src/index.js';
import { PROMPT_FIXTURE_IDS } from '../support/ingest-server.js';
import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { assertNoRejections, createHarness, type Harness, only, spanNamed } from '../tracing/ingest-harness.js';

let h: Harness;
let llm: LlmServer;

before(async () => {
  h = await createHarness();
  llm = await startLlmServer();
});
afterEach(() => h.stop());
after(async () => {
  await h.close();
  await llm.close();
});

const V1 = PROMPT_FIXTURE_IDS.supportReplyV1;
const V2 = PROMPT_FIXTURE_IDS.supportReplyV2;

async function compiled(): Promise<CompiledPrompt> {
  const prompt = await pullPrompt('support-reply');
  return prompt.compile({ customer: 'ada@example.com', topic: 'billing', password: 'hunter2' });
}

async function delivered(): Promise<void> {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
}

const linkOf = (spanName: string) => {
  const span = spanNamed(h.server, spanName);
  return only(h.server.promptLinks.filter((l) => l.span_id === span.id), `link of ${spanName}`);
};

describe('prompt links', () => {
  it('modelCall(name, { prompt }) links the span with the variable values, masked', async () => {
    h.start({ mask: (s) => s.replace(/[\w.]+@[\w.]+/g, '[email]') });
    const prompt = await compiled();
    await trace('agent', () => modelCall('answer', { prompt }, async (m) => m.recordOutputMessage({ role: 'assistant', content: 'ok' })));
    await delivered();
    const span = spanNamed(h.server, 'answer');
    assert.deepEqual(linkOf('answer'), { trace_id: span.run_id, span_id: span.id, prompt_version_id: V1, variable_values: { customer: '[email]', topic: 'billing' } });
  });

  it('ModelSpan.linkPrompt and ManualModelSpan.linkPrompt link by hand; a key like password is redacted', async () => {
    h.start();
    const prompt = (await pullPrompt('support-reply', { label: 'staging' })).compile({ customer: 'Ada', topic: 'x', answer: 'y', password: 'hunter2' });
    await trace('agent', () =>
      modelCall('by-hand', undefined, (m) => {
        m.linkPrompt(prompt);
        m.linkPrompt(prompt);
      }),
    );
    const withSecret = (await pullPrompt('support-reply')).compile({ customer: 'Ada', topic: 'billing' });
    const run = getClient()!.startRun('manual');
    const span = run.startModelSpan('manual-llm', { model: 'gpt-4o-mini' });
    span.linkPrompt({ ...withSecret, variables: { ...withSecret.variables, password: 'hunter2' } });
    span.end();
    run.end();
    await delivered();
    assert.deepEqual(linkOf('by-hand').variable_values, { customer: 'Ada', topic: 'x', answer: 'y', tone: 'friendly' });
    assert.equal(linkOf('by-hand').prompt_version_id, V2);
    assert.deepEqual(linkOf('manual-llm').variable_values, { customer: 'Ada', topic: 'billing', password: '[REDACTED]' });
    assert.equal(h.server.promptLinks.length, 2, 'linking the same version twice is one link');
  });

  it('@ModelCall({ prompt }) links each call to the prompt its arguments compile', async () => {
    h.start();
    const prompt = await pullPrompt('support-reply');
    class Llm {
      @ModelCall('decorated', { prompt: (customer: string) => prompt.compile({ customer, topic: 'refunds' }) })
      answer(customer: string) {
        return { role: 'assistant', content: `hi ${customer}` };
      }
    }
    await trace('agent', () => new Llm().answer('Bob'));
    await delivered();
    assert.deepEqual(linkOf('decorated').variable_values, { customer: 'Bob', topic: 'refunds' });
  });

  it('an instrumented OpenAI or Anthropic call inside withPrompt is linked; outside it is not', async () => {
    h.start();
    const prompt = await compiled();
    const openai = instrumentOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: llm.openaiBaseURL, maxRetries: 0 }));
    const anthropic = instrumentAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: llm.anthropicBaseURL, maxRetries: 0 }));
    await trace('agent', async () => {
      const reply = await withPrompt(prompt, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt.text }] }));
      assert.equal(reply.object, 'chat.completion');
      await withPrompt(prompt, async () => {
        await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: prompt.anthropic().messages });
      });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'unlinked' }] });
      // Bound inside a model span the user opened: the instrumented call links that span.
      await modelCall('outer', undefined, () => withPrompt(prompt, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })));
    });
    await delivered();
    const linked = h.server.promptLinks.map((l) => h.server.spans.get(l.span_id).name).sort();
    assert.deepEqual(linked, ['anthropic.messages.create', 'openai.chat.completions.create', 'outer']);
    assert.equal([...h.server.spans.values()].filter((s) => s.name === 'openai.chat.completions.create').length, 2);
  });

  it('leaves variable_values out when input capture is off or there are none; a fallback without an id is not linked', async () => {
    h.start({ captureInputs: false });
    const prompt = await compiled();
    await trace('agent', async () => {
      await modelCall('no-capture', { prompt }, () => 1);
    });
    h.server.promptFaults.resetNext(5);
    const offline = await pullPrompt('other-slug', { fallback: 'static' });
    await trace('agent2', () => modelCall('fallback', { prompt: offline.compile() }, () => 1));
    await delivered();
    assert.deepEqual(linkOf('no-capture'), { trace_id: spanNamed(h.server, 'no-capture').run_id, span_id: spanNamed(h.server, 'no-capture').id, prompt_version_id: V1 });
    assert.equal(h.server.promptLinks.length, 1);
  });

  it('a link to a version the server does not know is isolated and dropped; the rest of the batch arrives', async () => {
    h.start();
    const good = await compiled();
    const bad: CompiledPrompt = { ...good, promptVersionId: '00000000-0000-4000-8000-000000000000' };
    await trace('agent', async () => {
      await modelCall('good', { prompt: good }, () => 1);
      await modelCall('bad', { prompt: bad }, () => 2);
    });
    assert.equal(await flush(), false, 'a dropped record makes flush resolve false');
    assert.equal(h.server.spans.size, 2);
    assert.equal(h.server.runs.size, 1);
    assert.deepEqual(h.server.promptLinks.map((l) => l.prompt_version_id), [V1]);
    assert.equal(stats().droppedRejected, 1);
    assert.ok(h.diagnostics.some((d) => d.kind === 'rejected' && /prompt_link/.test(d.message)), 'the drop is reported');
  });
});
