// NorthstarTracingProcessor with the real `@openai/agents` running a two-agent handoff with
// a tool against the loopback OpenAI server (Responses API), asserting on what the
// protocol-enforcing ingest server stored. Nothing leaves 127.0.0.1: OpenAI's own trace
// exporter is either replaced or pointed at the loopback server.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { NorthstarTracingProcessor } from '../../../integrations/openai-agents/index.js';
import { flush, trace } from '../../../src/index.js';
import { startLlmServer, type LlmServer } from '../../support/llm-server.js';
import { assertNoRejections, createHarness, eventsOf, type Harness, only, runNamed, spansOf } from '../../tracing/ingest-harness.js';

const major = Number(process.versions.node.split('.')[0]);
// `@openai/agents` 0.20 depends on `openai` 7, which needs Node >= 22 (CI runs this on Node 24).
const skip = major < 22 ? `@openai/agents needs Node >= 22 (openai 7); skipped on Node ${process.versions.node}` : false;

type Agents = typeof import('@openai/agents');

let agents: Agents;
let h: Harness;
let llm: LlmServer;
const processor = new NorthstarTracingProcessor();

/** gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output; the loopback server bills 200 in (50 cached), 80 out per call. */
const CALL_COST = (150 * 0.15 + 50 * 0.075 + 80 * 0.6) / 1e6;

describe('NorthstarTracingProcessor with @openai/agents', { skip }, () => {
  before(async () => {
    // The exporter OpenAI installs by default would send to api.openai.com with this key.
    delete process.env.OPENAI_API_KEY;
    agents = await import('@openai/agents');
    h = await createHarness();
    llm = await startLlmServer();
    agents.setTracingDisabled(false);
  });
  afterEach(() => h.stop());
  after(async () => {
    await h?.close();
    await llm?.close();
  });

  /** A triage agent that hands off to a weather agent with a `get_weather` tool. */
  function buildAgents(scenario = 'agent') {
    const { Agent, OpenAIProvider, Runner, tool } = agents;
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
      execute: async (input: unknown) => ({ city: (input as { city: string }).city, temperature_c: 18, sky: 'sunny' }),
    });
    const weather = new Agent({ name: 'Weather agent', instructions: 'Answer weather questions with the tool.', model: 'gpt-4o-mini', tools: [getWeather] });
    const triage = new Agent({ name: 'Triage agent', instructions: 'Hand weather questions to the weather agent.', model: 'gpt-4o-mini', handoffs: [weather] });
    const runner = new Runner({
      modelProvider: new OpenAIProvider({ apiKey: 'sk-test', baseURL: llm.scenarioBaseURL(scenario), useResponses: true }),
      workflowName: 'Weather desk',
      groupId: 'conversation-42',
    });
    return { triage, runner };
  }

  async function stored(runName: string) {
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    const run = runNamed(h.server, runName);
    return { run, spans: spansOf(h.server, run.id) };
  }

  it('maps a trace to a run and agents, handoff, tool and model calls to spans, next to OpenAI\'s own exporter', async () => {
    h.start();
    // OpenAI's exporter stays on, pointed at the loopback server.
    const openaiExporter = new agents.BatchTraceProcessor(new agents.OpenAITracingExporter({ apiKey: 'sk-test', endpoint: `${llm.url}/v1/traces/ingest` }));
    agents.setTraceProcessors([openaiExporter, processor]);
    const { triage, runner } = buildAgents();
    const result = await runner.run(triage, 'What is the weather in Paris?');
    assert.equal(result.finalOutput, 'It is 18°C and sunny in Paris.');
    await openaiExporter.forceFlush();

    const { run, spans } = await stored('Weather desk');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.workflow_name, 'Weather desk');
    assert.equal(run.metadata.group_id, 'conversation-42');
    assert.equal(run.metadata.framework, 'openai-agents');
    assert.match(run.metadata.openai_trace_id, /^trace_/);
    // Three model calls (triage, weather tool call, weather answer), each counted once.
    assert.equal(run.metadata.total_input_tokens, 600);
    assert.equal(run.metadata.total_output_tokens, 240);
    assert.ok(Math.abs(run.metadata.cost_usd - 3 * CALL_COST) < 1e-9, `cost ${run.metadata.cost_usd}`);
    assert.deepEqual(
      eventsOf(h.server, run.id, null).map((e) => [e.type, e.content]),
      [['final_response', 'It is 18°C and sunny in Paris.']],
    );

    const byId = new Map(spans.map((s) => [s.id, s]));
    const path = (span: any): string => (span.parent_span_id ? `${path(byId.get(span.parent_span_id))} > ${span.name}` : span.name);
    const agentSpans = spans.filter((s) => s.kind === 'agent');
    assert.deepEqual(agentSpans.map((s) => s.name).sort(), ['Triage agent', 'Weather agent']);
    const triageSpan = agentSpans.find((s) => s.name === 'Triage agent');
    assert.deepEqual(triageSpan.attributes.handoffs, ['Weather agent']);

    const handoff = only(spans.filter((s) => s.attributes?.openai_agents_span_type === 'handoff'), 'handoff span');
    assert.equal(handoff.kind, 'custom');
    assert.equal(handoff.attributes.from_agent, 'Triage agent');
    assert.equal(handoff.attributes.to_agent, 'Weather agent');
    assert.match(path(handoff), /Triage agent/);
    const handoffEvent = only(eventsOf(h.server, run.id, handoff.id), 'handoff event');
    assert.deepEqual(handoffEvent.content, { name: 'handoff', data: { from_agent: 'Triage agent', to_agent: 'Weather agent' } });

    const toolSpan = only(spans.filter((s) => s.kind === 'tool'), 'tool span');
    assert.equal(toolSpan.name, 'get_weather');
    assert.equal(toolSpan.status, 'ok');
    assert.match(path(toolSpan), /Weather agent/);
    assert.deepEqual(
      eventsOf(h.server, run.id, toolSpan.id).map((e) => [e.type, e.content]),
      [
        ['tool_arguments', { city: 'Paris' }],
        ['tool_result', { city: 'Paris', temperature_c: 18, sky: 'sunny' }],
      ],
    );

    const models = spans.filter((s) => s.kind === 'model');
    assert.equal(models.length, 3);
    for (const model of models) {
      assert.equal(model.status, 'ok');
      assert.equal(model.attributes.model, 'gpt-4o-mini-2024-07-18');
      assert.equal(model.attributes.input_tokens, 200);
      assert.equal(model.attributes.output_tokens, 80);
      assert.equal(model.attributes.cache_read_tokens, 50);
      assert.equal(model.attributes.reasoning_tokens, 32);
      assert.equal(model.attributes.pricing_source, 'genai-prices');
      assert.ok(Math.abs(model.attributes.cost_usd - CALL_COST) < 1e-12);
    }
    // The triage call: its instructions, the question, and the handoff it chose.
    const triageCall = models.find((m) => path(m).includes('Triage agent'));
    const triageEvents = eventsOf(h.server, run.id, triageCall.id);
    assert.deepEqual(triageEvents.slice(0, 2).map((e) => [e.type, e.content]), [
      ['system_message', 'Hand weather questions to the weather agent.'],
      ['user_input', 'What is the weather in Paris?'],
    ]);
    const call = only(triageEvents.filter((e) => e.type === 'tool_arguments'), 'handoff call');
    assert.equal(call.attributes.name, 'transfer_to_Weather_agent');
    // The last call: the tool result it read and the answer.
    const last = models.map((m) => [m, eventsOf(h.server, run.id, m.id)] as const).find(([, events]) => events.some((e) => e.type === 'assistant_message'));
    assert.ok(last, 'a model span with the answer');
    assert.deepEqual(
      last[1].map((e) => [e.type, e.content, e.attributes ?? null]),
      [
        ['system_message', 'Answer weather questions with the tool.', null],
        ['user_input', 'What is the weather in Paris?', null],
        ['tool_arguments', { id: 'call_handoff_1', name: 'transfer_to_Weather_agent', arguments: {} }, { tool_call_id: 'call_handoff_1', name: 'transfer_to_Weather_agent' }],
        ['tool_result', '{"assistant":"Weather agent"}', { tool_call_id: 'call_handoff_1', name: 'transfer_to_Weather_agent' }],
        ['tool_arguments', { id: 'call_tool_1', name: 'get_weather', arguments: { city: 'Paris' } }, { tool_call_id: 'call_tool_1', name: 'get_weather' }],
        ['tool_result', '{"city":"Paris","temperature_c":18,"sky":"sunny"}', { tool_call_id: 'call_tool_1', name: 'get_weather' }],
        ['assistant_message', 'It is 18°C and sunny in Paris.', null],
      ],
    );

    // OpenAI's exporter delivered too (to the loopback server).
    const exported = llm.requests.filter((r) => r.path === '/v1/traces/ingest');
    assert.ok(exported.length > 0, 'the OpenAI exporter sent its batch to the loopback server');
    assert.ok(exported.some((r) => r.body.data.some((item: any) => item.object === 'trace' && item.workflow_name === 'Weather desk')));
  });

  it('works alone (OpenAI\'s exporter off), nested as a child span inside a NorthStar trace', async () => {
    h.start();
    agents.setTraceProcessors([processor]);
    const { triage, runner } = buildAgents();
    const answer = await trace('support-request', async () => (await runner.run(triage, 'Weather in Paris?')).finalOutput);
    assert.equal(answer, 'It is 18°C and sunny in Paris.');

    const { run, spans } = await stored('support-request');
    assert.equal(h.server.runs.size, 1, 'the Agents trace is not a run of its own');
    const workflow = only(spans.filter((s) => s.name === 'Weather desk'), 'workflow span');
    assert.equal(workflow.kind, 'workflow');
    assert.equal(workflow.parent_span_id, undefined);
    assert.equal(workflow.attributes.group_id, 'conversation-42');
    for (const span of spans) if (span !== workflow) assert.ok(span.parent_span_id, `${span.name} has a parent`);
    assert.equal(spans.filter((s) => s.kind === 'model').length, 3);
    assert.equal(run.metadata.total_input_tokens, 600);
  });

  it('records a failed model call as error status and message on the model span, the agent and the run', async () => {
    h.start();
    agents.setTraceProcessors([processor]);
    const { triage, runner } = buildAgents('error-400');
    await assert.rejects(runner.run(triage, 'Weather in Paris?'));

    const { run, spans } = await stored('Weather desk');
    assert.equal(run.status, 'error');
    assert.equal(run.error.type, 'AgentsSpanError');
    assert.match(run.error.message, /Error in agent run/);
    const model = only(spans.filter((s) => s.kind === 'model'), 'model span');
    assert.equal(model.status, 'error');
    assert.match(model.error.message, /at least one message is required/);
    assert.equal(spans.find((s) => s.name === 'Triage agent').status, 'error');
  });

  it('records a streamed run to the end, and a failing tool as an error tool span the run survives', async () => {
    h.start();
    agents.setTraceProcessors([processor]);
    const { Agent, OpenAIProvider, Runner, tool } = agents;
    const station = tool({
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
      execute: async () => {
        throw new Error('the weather station is offline');
      },
    });
    const agent = new Agent({ name: 'Weather agent', instructions: 'Use the tool.', model: 'gpt-4o-mini', tools: [station] });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'sk-test', baseURL: llm.scenarioBaseURL('agent'), useResponses: true }), workflowName: 'Streamed desk' });
    const stream = await runner.run(agent, 'Weather in Paris?', { stream: true });
    for await (const event of stream) void event;
    await stream.completed;
    assert.equal(stream.finalOutput, 'It is 18°C and sunny in Paris.');

    const { run, spans } = await stored('Streamed desk');
    assert.equal(run.status, 'ok');
    const toolSpan = only(spans.filter((s) => s.kind === 'tool'), 'tool span');
    assert.equal(toolSpan.status, 'error');
    assert.equal(toolSpan.error.type, 'AgentsSpanError');
    assert.match(toolSpan.error.message, /Error running tool/);
    assert.deepEqual(eventsOf(h.server, run.id, toolSpan.id)[0].content, { city: 'Paris' });
    const models = spans.filter((s) => s.kind === 'model');
    assert.equal(models.length, 2);
    for (const model of models) assert.equal(model.attributes.input_tokens, 200);
    assert.equal(run.metadata.total_output_tokens, 160);
  });

  it('maps generation spans (the Chat Completions model) to model spans with messages, usage and cost', async () => {
    h.start();
    agents.setTraceProcessors([processor]);
    const { Agent, OpenAIProvider, Runner, tool } = agents;
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
      execute: async () => 'sunny',
    });
    const agent = new Agent({ name: 'Chat agent', instructions: 'Use the tool.', model: 'gpt-4o-mini', tools: [getWeather] });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'sk-test', baseURL: llm.scenarioBaseURL('agent'), useResponses: false }), workflowName: 'Chat desk' });
    const result = await runner.run(agent, 'Weather in Paris?');
    assert.equal(result.finalOutput, 'It is 18°C and sunny in Paris.');

    const { run, spans } = await stored('Chat desk');
    const models = spans.filter((s) => s.kind === 'model');
    assert.equal(models.length, 2);
    for (const model of models) {
      assert.equal(model.name, 'openai.chat.completions');
      assert.equal(model.attributes.input_tokens, 120);
      assert.equal(model.attributes.output_tokens, 30);
      assert.equal(model.attributes.pricing_source, 'genai-prices');
    }
    const firstEvents = eventsOf(h.server, run.id, models.sort((a, b) => a.started_at.localeCompare(b.started_at))[0].id);
    assert.deepEqual(firstEvents.map((e) => e.type), ['system_message', 'user_input', 'tool_arguments']);
    assert.deepEqual(firstEvents[2].content, { id: 'call_tool_1', name: 'get_weather', arguments: { city: 'Paris' } });
    assert.equal(run.metadata.total_input_tokens, 240);
    assert.ok(run.metadata.cost_usd > 0);
  });

  it('still records and ends every span when a processor before it makes span ends overtake their starts', async () => {
    h.start();
    // The SDK runs processors one after another: a slow onSpanStart delays ours past short spans' ends.
    const slowStart = {
      onTraceStart: async () => {},
      onTraceEnd: async () => {},
      onSpanStart: () => new Promise<void>((resolve) => setTimeout(resolve, 30)),
      onSpanEnd: async () => {},
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    agents.setTraceProcessors([slowStart, processor]);
    const { triage, runner } = buildAgents();
    await runner.run(triage, 'What is the weather in Paris?');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const { run, spans } = await stored('Weather desk');
    assert.equal(run.status, 'ok');
    assert.deepEqual(spans.filter((s) => s.status !== 'ok').map((s) => s.name), []);
    assert.equal(spans.filter((s) => s.kind === 'model').length, 3);
    const toolSpan = only(spans.filter((s) => s.kind === 'tool'), 'tool span');
    assert.deepEqual(eventsOf(h.server, run.id, toolSpan.id).map((e) => e.type), ['tool_arguments', 'tool_result']);
    assert.equal(run.metadata.total_input_tokens, 600);
  });

  it('waits for span ends that arrive after the trace end before ending the run, so its totals count every call', async () => {
    h.start();
    // A slow onSpanEnd before ours: the SDK does not await span ends, so the trace end overtakes them.
    const slowEnd = {
      onTraceStart: async () => {},
      onTraceEnd: async () => {},
      onSpanStart: async () => {},
      onSpanEnd: () => new Promise<void>((resolve) => setTimeout(resolve, 30)),
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    agents.setTraceProcessors([slowEnd, processor]);
    const { triage, runner } = buildAgents();
    await runner.run(triage, 'What is the weather in Paris?');
    await new Promise((resolve) => setTimeout(resolve, 150));

    const { run, spans } = await stored('Weather desk');
    assert.equal(run.status, 'ok');
    assert.equal(run.metadata.total_input_tokens, 600);
    assert.equal(run.metadata.total_output_tokens, 240);
    assert.deepEqual(eventsOf(h.server, run.id, null).map((e) => e.content), ['It is 18°C and sunny in Paris.']);
    assert.deepEqual(spans.filter((s) => s.status !== 'ok').map((s) => s.name), []);
  });

  it('records a guardrail and its result', async () => {
    h.start();
    agents.setTraceProcessors([processor]);
    const { Agent, OpenAIProvider, Runner, InputGuardrailTripwireTriggered } = agents;
    const agent = new Agent({
      name: 'Guarded agent',
      instructions: 'Answer.',
      model: 'gpt-4o-mini',
      inputGuardrails: [{ name: 'no_homework', execute: async () => ({ tripwireTriggered: true, outputInfo: { reason: 'homework' } }) }],
    });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'sk-test', baseURL: llm.scenarioBaseURL('agent'), useResponses: true }), workflowName: 'Guarded' });
    await assert.rejects(runner.run(agent, 'Do my homework'), InputGuardrailTripwireTriggered);

    const { run, spans } = await stored('Guarded');
    const guardrail = only(spans.filter((s) => s.attributes?.openai_agents_span_type === 'guardrail'), 'guardrail span');
    assert.equal(guardrail.name, 'guardrail no_homework');
    assert.equal(guardrail.attributes.triggered, true);
    const result = only(eventsOf(h.server, run.id, guardrail.id), 'guardrail event');
    assert.deepEqual(result.content, { name: 'guardrail_result', data: { name: 'no_homework', triggered: true } });
  });
});
