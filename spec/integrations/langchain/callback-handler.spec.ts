// NorthstarCallbackHandler with the real `@langchain/core`, `@langchain/openai` (ChatOpenAI
// against the loopback OpenAI server) and `@langchain/langgraph`, asserting on what the
// protocol-enforcing ingest server stored: tree, kinds, names, messages by role, tool
// arguments and results, usage and cost, errors.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { Document } from '@langchain/core/documents';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';

import { NorthstarCallbackHandler } from '../../../integrations/langchain/index.js';
import { flush, span, trace } from '../../../src/index.js';
import { startLlmServer, type LlmServer } from '../../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spansOf } from '../../tracing/ingest-harness.js';

const major = Number(process.versions.node.split('.')[0]);
// `@langchain/openai` 1.x declares Node >= 22 (its `openai` 7 needs it); CI runs these on Node 24.
const skipOpenAI = major < 22 ? `@langchain/openai needs Node >= 22; skipped on Node ${process.versions.node}` : false;

type LangchainOpenAI = typeof import('@langchain/openai');

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

async function stored(runName: string) {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  const run = runNamed(h.server, runName);
  return { run, spans: spansOf(h.server, run.id) };
}

const compact = (events: any[]) => events.map((e) => [e.type, e.content, e.attributes ?? null]);

/** gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output; the loopback server bills 120 in (20 cached), 30 out. */
const CHAT_COST = (100 * 0.15 + 20 * 0.075 + 30 * 0.6) / 1e6;

const getWeather = tool(async ({ city }: { city: string }) => JSON.stringify({ city, temperature_c: 18, sky: 'sunny' }), {
  name: 'get_weather',
  description: 'The weather in a city.',
  schema: z.object({ city: z.string() }),
});

describe('NorthstarCallbackHandler with @langchain/core and @langchain/langgraph', () => {
  class ShelfRetriever extends BaseRetriever {
    override lc_namespace = ['spec', 'retrievers'];
    override async _getRelevantDocuments(query: string): Promise<Document[]> {
      return [new Document({ pageContent: `Paris guide for ${query}`, metadata: { source: 'guide.md' } })];
    }
  }

  it('maps a LangGraph graph with a retriever and a tool to a run, node spans and tool spans', async () => {
    h.start();
    const State = Annotation.Root({
      question: Annotation<string>(),
      context: Annotation<string>(),
      forecast: Annotation<string>(),
    });
    const retriever = new ShelfRetriever();
    const graph = new StateGraph(State)
      .addNode('retrieve', async (state) => ({ context: (await retriever.invoke(state.question)).map((d) => d.pageContent).join('\n') }))
      .addNode('weather', async () => ({ forecast: String(await getWeather.invoke({ city: 'Paris' })) }))
      .addEdge(START, 'retrieve')
      .addEdge('retrieve', 'weather')
      .addEdge('weather', END)
      .compile();

    const out = await graph.invoke({ question: 'Paris' }, { callbacks: [new NorthstarCallbackHandler()], runName: 'trip-planner' });
    assert.equal(out.context, 'Paris guide for Paris');

    const { run, spans } = await stored('trip-planner');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.framework, 'langchain');
    assert.deepEqual(compact(eventsOf(h.server, run.id, null)), [
      ['user_input', { question: 'Paris' }, null],
      ['final_response', { question: 'Paris', context: 'Paris guide for Paris', forecast: '{"city":"Paris","temperature_c":18,"sky":"sunny"}' }, null],
    ]);
    // LangGraph's plumbing runs (__start__, channel writes) are left out.
    assert.ok(!spans.some((s) => s.name.startsWith('__') || s.name.startsWith('ChannelWrite')), spans.map((s) => s.name).join(', '));
    const retrieve = only(spans.filter((s) => s.name === 'retrieve'), 'retrieve node');
    const weather = only(spans.filter((s) => s.name === 'weather'), 'weather node');
    for (const node of [retrieve, weather]) {
      assert.equal(node.kind, 'workflow');
      assert.equal(node.parent_span_id, undefined);
      assert.equal(node.attributes.langgraph_node, node.name);
    }
    assert.equal(retrieve.iteration, 1);
    assert.equal(weather.iteration, 2);

    const retrieverSpan = only(spans.filter((s) => s.name === 'ShelfRetriever'), 'retriever span');
    assert.equal(retrieverSpan.kind, 'tool');
    assert.equal(retrieverSpan.parent_span_id, retrieve.id);
    assert.equal(retrieverSpan.attributes.document_count, 1);
    assert.deepEqual(compact(eventsOf(h.server, run.id, retrieverSpan.id)), [
      ['tool_arguments', { query: 'Paris' }, null],
      ['tool_result', [{ page_content: 'Paris guide for Paris', metadata: { source: 'guide.md' } }], null],
    ]);

    const toolSpan = only(spans.filter((s) => s.name === 'get_weather'), 'tool span');
    assert.equal(toolSpan.kind, 'tool');
    assert.equal(toolSpan.parent_span_id, weather.id);
    assert.deepEqual(compact(eventsOf(h.server, run.id, toolSpan.id)), [
      ['tool_arguments', { city: 'Paris' }, null],
      ['tool_result', '{"city":"Paris","temperature_c":18,"sky":"sunny"}', null],
    ]);
  });

  it('records a failing tool as error status and message, up to the run', async () => {
    h.start();
    const broken = tool(async () => {
      throw new RangeError('the weather station is offline');
    }, { name: 'broken_weather', description: 'Fails.', schema: z.object({ city: z.string() }) });
    const chain = RunnableLambda.from(async (city: string) => broken.invoke({ city })).withConfig({ runName: 'failing-chain' });
    await assert.rejects(chain.invoke('Paris', { callbacks: [new NorthstarCallbackHandler()] }), /offline/);

    const { run, spans } = await stored('failing-chain');
    assert.equal(run.status, 'error');
    assert.deepEqual(run.error, { type: 'RangeError', message: 'the weather station is offline' });
    const span = only(spans.filter((s) => s.name === 'broken_weather'), 'tool span');
    assert.equal(span.status, 'error');
    assert.deepEqual(span.error, { type: 'RangeError', message: 'the weather station is offline' });
  });

  it('records a call the handler was given alone (its parent run unseen) as a run of its own', async () => {
    h.start();
    const handler = new NorthstarCallbackHandler();
    // Only the inner tool call gets the handler: LangChain still reports the outer lambda as its parent.
    const outer = RunnableLambda.from(async (city: string) => getWeather.invoke({ city }, { callbacks: [handler] })).withConfig({ runName: 'untraced-outer' });
    await outer.invoke('Paris');

    const { run, spans } = await stored('get_weather');
    assert.equal(run.status, 'ok');
    const span = only(spans, 'tool span');
    assert.deepEqual([span.kind, span.name, span.status], ['tool', 'get_weather', 'ok']);
    assert.equal([...h.server.runs.values()].filter((r) => r.name === 'untraced-outer').length, 0);
  });

  it('nests a chain started inside a NorthStar trace as its child span instead of a run of its own', async () => {
    h.start();
    const chain = RunnableLambda.from(async (city: string) => getWeather.invoke({ city })).withConfig({ runName: 'weather-chain' });
    await trace('outer', () => chain.invoke('Paris', { callbacks: [new NorthstarCallbackHandler()] }));

    const { spans } = await stored('outer');
    assert.equal(h.server.runs.size, 1);
    const chainSpan = only(spans.filter((s) => s.name === 'weather-chain'), 'chain span');
    assert.equal(chainSpan.kind, 'workflow');
    assert.equal(chainSpan.parent_span_id, undefined);
    assert.equal(only(spans.filter((s) => s.name === 'get_weather'), 'tool span').parent_span_id, chainSpan.id);
  });

  it('nests NorthStar spans opened inside a tool (a @Tool method) under the tool span, through LangChain\'s async context', async () => {
    h.start();
    const station = tool(async ({ city }: { city: string }) => span('read-station', async () => `18°C in ${city}`), {
      name: 'read_station',
      description: 'Reads the weather station.',
      schema: z.object({ city: z.string() }),
    });
    const chain = RunnableLambda.from(async (city: string) => station.invoke({ city })).withConfig({ runName: 'station-chain' });
    await trace('outer', () => chain.invoke('Paris', { callbacks: [new NorthstarCallbackHandler()] }));

    const { spans } = await stored('outer');
    const toolSpan = only(spans.filter((s) => s.name === 'read_station'), 'tool span');
    assert.equal(only(spans.filter((s) => s.name === 'read-station'), 'inner span').parent_span_id, toolSpan.id);
    assert.equal(toolSpan.parent_span_id, only(spans.filter((s) => s.name === 'station-chain'), 'chain span').id);
  });
});

describe('NorthstarCallbackHandler with ChatOpenAI (@langchain/openai) on the loopback server', { skip: skipOpenAI }, () => {
  let openai: LangchainOpenAI;
  before(async () => {
    openai = await import('@langchain/openai');
  });

  const chatModel = (scenario: string) =>
    new openai.ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', maxRetries: 0, configuration: { baseURL: llm.scenarioBaseURL(scenario) } });

  it('records chat model calls with messages by role, tool calls, usage and cost, and the tool span between them', async () => {
    h.start();
    const model = chatModel('agent').bindTools([getWeather]);
    const agent = RunnableLambda.from(async (question: string) => {
      const messages: BaseMessage[] = [new SystemMessage('You are a weather bot.'), new HumanMessage(question)];
      const first = await model.invoke(messages);
      messages.push(first);
      for (const call of first.tool_calls ?? []) messages.push(await getWeather.invoke(call));
      const answer = await model.invoke(messages);
      return answer.content;
    }).withConfig({ runName: 'weather-agent' });

    const answer = await agent.invoke('Weather in Paris?', { callbacks: [new NorthstarCallbackHandler()] });
    assert.equal(answer, 'It is 18°C and sunny in Paris.');

    const { run, spans } = await stored('weather-agent');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.total_input_tokens, 240);
    assert.equal(run.metadata.total_output_tokens, 60);
    assert.ok(Math.abs(run.metadata.cost_usd - 2 * CHAT_COST) < 1e-12, `cost ${run.metadata.cost_usd}`);

    const models = spans.filter((s) => s.kind === 'model');
    assert.equal(models.length, 2);
    for (const m of models) {
      assert.equal(m.name, 'ChatOpenAI');
      assert.equal(m.parent_span_id, undefined);
      assert.equal(m.status, 'ok');
      assert.equal(m.attributes.model, 'gpt-4o-mini-2024-07-18');
      assert.equal(m.attributes.input_tokens, 120);
      assert.equal(m.attributes.output_tokens, 30);
      assert.equal(m.attributes.total_tokens, 150);
      assert.equal(m.attributes.cache_read_tokens, 20);
      assert.equal(m.attributes.pricing_source, 'genai-prices');
      assert.ok(Math.abs(m.attributes.cost_usd - CHAT_COST) < 1e-12);
      assert.deepEqual(m.attributes.tools, ['get_weather']);
    }
    const [first, second] = models.sort((a, b) => a.started_at.localeCompare(b.started_at));
    assert.deepEqual(compact(eventsOf(h.server, run.id, first.id)), [
      ['system_message', 'You are a weather bot.', null],
      ['user_input', 'Weather in Paris?', null],
      ['tool_arguments', { id: 'call_tool_1', name: 'get_weather', arguments: { city: 'Paris' } }, { tool_call_id: 'call_tool_1', name: 'get_weather' }],
    ]);
    const secondEvents = compact(eventsOf(h.server, run.id, second.id));
    assert.deepEqual(secondEvents.slice(2), [
      ['tool_arguments', { id: 'call_tool_1', name: 'get_weather', arguments: { city: 'Paris' } }, { tool_call_id: 'call_tool_1', name: 'get_weather' }],
      ['tool_result', '{"city":"Paris","temperature_c":18,"sky":"sunny"}', { tool_call_id: 'call_tool_1', name: 'get_weather' }],
      ['assistant_message', 'It is 18°C and sunny in Paris.', null],
    ]);

    const toolSpan = only(spans.filter((s) => s.kind === 'tool'), 'tool span');
    assert.equal(toolSpan.name, 'get_weather');
    assert.equal(toolSpan.attributes.tool_call_id, 'call_tool_1');
    assert.deepEqual(compact(eventsOf(h.server, run.id, toolSpan.id)), [
      ['tool_arguments', { city: 'Paris' }, null],
      ['tool_result', { city: 'Paris', temperature_c: 18, sky: 'sunny' }, null],
    ]);
  });

  it('records a streamed chat model call with the assembled message and the usage of its last chunk', async () => {
    h.start();
    const model = chatModel('text');
    let text = '';
    for await (const chunk of await model.stream('Capital of France?', { callbacks: [new NorthstarCallbackHandler()], runName: 'streamed-call' })) text += String(chunk.content);
    assert.equal(text, 'Paris is the capital of France.');

    const { run, spans } = await stored('streamed-call');
    assert.equal(run.status, 'ok');
    const span = only(spans, 'model span');
    assert.equal(span.kind, 'model');
    assert.equal(span.attributes.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(span.attributes.input_tokens, 120);
    assert.equal(span.attributes.output_tokens, 30);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [
      ['user_input', 'Capital of France?', null],
      ['assistant_message', 'Paris is the capital of France.', null],
    ]);
  });

  it('records a refused model call as error status and message; a bare model call is a run of its own', async () => {
    h.start();
    const model = chatModel('error-400');
    await assert.rejects(model.invoke('Hello', { callbacks: [new NorthstarCallbackHandler()], runName: 'bare-call' }));

    const { run, spans } = await stored('bare-call');
    assert.equal(run.status, 'error');
    const span = only(spans, 'model span');
    assert.equal(span.kind, 'model');
    assert.equal(span.status, 'error');
    assert.match(span.error.message, /at least one message is required/);
    assert.deepEqual(compact(eventsOf(h.server, run.id, span.id)), [['user_input', 'Hello', null]]);
  });

  it('maps a LangGraph ReAct agent (ChatOpenAI + ToolNode) to node, model and tool spans', async () => {
    h.start();
    const { createReactAgent } = await import('@langchain/langgraph/prebuilt');
    const agent = createReactAgent({ llm: chatModel('agent'), tools: [getWeather], name: 'weather_react' });
    const handler = new NorthstarCallbackHandler();
    const out = await agent.invoke({ messages: [new HumanMessage('Weather in Paris?')] }, { callbacks: [handler], runName: 'react-agent' });
    assert.equal(out.messages.at(-1)?.content, 'It is 18°C and sunny in Paris.');

    const { run, spans } = await stored('react-agent');
    assert.equal(run.status, 'ok');
    const byId = new Map(spans.map((s) => [s.id, s]));
    const nodeOf = (span: any): string | undefined => {
      for (let p = byId.get(span.parent_span_id); p; p = byId.get(p.parent_span_id)) if (p.attributes?.langgraph_node) return p.attributes.langgraph_node;
      return undefined;
    };
    // Only the graph's nodes are workflow steps, numbered by LangGraph's step; what runs inside a node is not.
    const nodes = spans.filter((s) => s.kind === 'workflow').sort((a, b) => a.iteration - b.iteration);
    assert.deepEqual(nodes.map((s) => [s.name, s.iteration, s.parent_span_id]), [
      ['agent', 1, undefined],
      ['tools', 2, undefined],
      ['agent', 3, undefined],
    ]);
    const models = spans.filter((s) => s.kind === 'model');
    assert.equal(models.length, 2);
    for (const m of models) assert.equal(nodeOf(m), 'agent');
    const toolSpan = only(spans.filter((s) => s.kind === 'tool'), 'tool span');
    assert.equal(toolSpan.name, 'get_weather');
    assert.equal(nodeOf(toolSpan), 'tools');
    assert.deepEqual(compact(eventsOf(h.server, run.id, toolSpan.id))[0], ['tool_arguments', { city: 'Paris' }, null]);
    assert.equal(run.metadata.total_input_tokens, 240);
    const final = eventsOf(h.server, run.id, null).find((e) => e.type === 'final_response');
    assert.equal(final.content.messages.at(-1).content, 'It is 18°C and sunny in Paris.');
    assert.equal(final.content.messages.at(-1).role, 'assistant');
  });
});
