// @Observe, @Tool, @Agent, @Workflow under both decorator modes: child spans with the
// right kinds and parents, streams kept open while iterated, untouched outside a trace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Agent, Observe, Tool, Trace, Workflow } from '../../decorators/index.js';
import { currentSpanId, currentTraceId } from '../../src/index.js';
import { suiteCollector, tick } from './collector.js';

class Tools {
  calls = 0;

  @Tool()
  search(query: string, limit = 5) {
    this.calls++;
    return { query, hits: limit, span: currentSpanId() };
  }

  @Observe('lookup', { attributes: { index: 'faq' } })
  async lookup(id: number) {
    await tick();
    return `doc-${id}`;
  }

  @Tool()
  broken(): never {
    throw new SyntaxError('bad tool');
  }

  @Observe()
  *countTo(n: number) {
    for (let i = 1; i <= n; i++) yield i;
  }

  @Observe()
  async *tokens(words: string[]) {
    for (const word of words) {
      await tick();
      yield word;
    }
  }

  @ObserveStream()
  async streamLater(words: string[]) {
    return new WordStream(words);
  }
}

// Kept separate so that the decorator of `streamLater` reads naturally above.
function ObserveStream() {
  return Observe('stream');
}

/** An SDK-like stream object: an async iterable that is not a generator. */
class WordStream {
  constructor(private readonly words: string[]) {}
  controller = 'abort-me';
  async *[Symbol.asyncIterator]() {
    for (const word of this.words) yield word;
  }
}

class Orchestrator {
  constructor(private readonly tools: Tools) {}

  @Trace()
  async run(question: string) {
    const traceId = currentTraceId();
    const step = await this.plan(question);
    return { step, traceId };
  }

  @Workflow()
  async plan(question: string) {
    const found = this.tools.search(question);
    const doc = await this.tools.lookup(1);
    return this.delegate(`${found.query}:${doc}`);
  }

  @Agent('sub-agent')
  delegate(task: string) {
    return task.toUpperCase();
  }

  @Trace()
  iterate() {
    const seen: number[] = [];
    for (const n of this.tools.countTo(3)) seen.push(n);
    const abandoned = this.tools.countTo(10);
    abandoned.next();
    abandoned.return(undefined);
    return seen;
  }

  @Trace()
  async iterateAsync() {
    const seen: string[] = [];
    for await (const word of this.tools.tokens(['a', 'b'])) seen.push(word);
    const stream = await this.tools.streamLater(['x', 'y']);
    assert.ok(stream instanceof WordStream, 'a promise of a stream keeps the stream object');
    assert.equal(stream.controller, 'abort-me');
    for await (const word of stream) seen.push(word);
    return seen;
  }

  @Trace()
  failing() {
    try {
      this.tools.broken();
    } catch (error) {
      return (error as Error).message;
    }
    return 'not thrown';
  }
}

describe('@Observe, @Tool, @Agent, @Workflow', () => {
  const c = suiteCollector();

  it('records nested child spans with kinds, parents, arguments and results', async () => {
    const tools = new Tools();
    const result = await new Orchestrator(tools).run('why');
    assert.equal(result.step, 'WHY:DOC-1');
    assert.equal(tools.calls, 1);
    await c.delivered();
    const run = c.run('run');
    assert.equal(result.traceId, run.id);
    const plan = c.span('plan');
    const search = c.span('search');
    const lookup = c.span('lookup');
    const delegate = c.span('sub-agent');
    assert.deepEqual(
      [plan.kind, search.kind, lookup.kind, delegate.kind],
      ['workflow', 'tool', 'custom', 'agent'],
    );
    for (const span of [plan, search, lookup, delegate]) {
      assert.equal(span.run_id, run.id);
      assert.equal(span.status, 'ok');
    }
    assert.equal(plan.parent_span_id, undefined);
    assert.equal(search.parent_span_id, plan.id);
    assert.equal(lookup.parent_span_id, plan.id);
    assert.equal(delegate.parent_span_id, plan.id);
    assert.equal(lookup.attributes.index, 'faq');
    assert.deepEqual(c.content(search, 'tool_arguments'), { query: 'why' });
    assert.deepEqual(c.content(search, 'tool_result'), { query: 'why', hits: 5, span: search.id });
    assert.equal(c.content(lookup, 'tool_result'), 'doc-1');
    assert.deepEqual(c.content(delegate, 'tool_arguments'), { task: 'why:doc-1' });
  });

  it('records an error on the span and rethrows the same error to the caller', async () => {
    assert.equal(new Orchestrator(new Tools()).failing(), 'bad tool');
    await c.delivered();
    assert.equal(c.span('broken').status, 'error');
    assert.deepEqual(c.span('broken').error, { type: 'SyntaxError', message: 'bad tool' });
    assert.equal(c.run('failing').status, 'ok');
  });

  it('keeps generator spans open while iterated; output is the yielded items; return() ends them', async () => {
    assert.deepEqual(new Orchestrator(new Tools()).iterate(), [1, 2, 3]);
    await c.delivered();
    const [full, abandoned] = c.spans('countTo').sort((a, b) => (c.content(a, 'tool_arguments') as any).n - (c.content(b, 'tool_arguments') as any).n);
    assert.equal(full.status, 'ok');
    assert.deepEqual(c.content(full, 'tool_result'), [1, 2, 3]);
    assert.equal(abandoned.status, 'ok');
    assert.ok(abandoned.ended_at);
    assert.deepEqual(c.content(abandoned, 'tool_result'), [1]);
  });

  it('keeps async generators and promised streams open while iterated', async () => {
    assert.deepEqual(await new Orchestrator(new Tools()).iterateAsync(), ['a', 'b', 'x', 'y']);
    await c.delivered();
    assert.deepEqual(c.content(c.span('tokens'), 'tool_result'), ['a', 'b']);
    assert.deepEqual(c.content(c.span('stream'), 'tool_result'), ['x', 'y']);
    assert.ok(c.span('stream').ended_at);
  });

  it('runs untouched outside a trace: same results, nothing recorded', async () => {
    const spansBefore = c.server.spans.size;
    const tools = new Tools();
    const found = tools.search('plain');
    assert.deepEqual(found, { query: 'plain', hits: 5, span: undefined });
    assert.equal(await tools.lookup(2), 'doc-2');
    assert.deepEqual([...tools.countTo(2)], [1, 2]);
    assert.throws(() => tools.broken(), SyntaxError);
    await c.delivered();
    assert.equal(c.server.spans.size, spansBefore);
  });
});
