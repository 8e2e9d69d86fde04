// @Trace under both decorator modes: what reaches the ingest server, and that the
// decorated method behaves exactly like the undecorated one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Trace } from '../../decorators/index.js';
import { type Collector, startCollector } from './collector.js';

class APIPromise<T> extends Promise<T> {
  withResponse(): string {
    return 'extra';
  }
}

class Agent {
  prefix = 'hi ';

  @Trace()
  answer(question: string, times = 1, ...rest: number[]) {
    return `${this.prefix}${question}`.repeat(times) + rest.length;
  }

  @Trace('renamed', { tags: ['prod'], metadata: { team: 'core' } })
  async asyncAnswer({ q }: { q: string }, [first]: number[]) {
    return `${q}${first}`;
  }

  @Trace()
  fails(reason: string): never {
    throw new TypeError(reason);
  }

  @Trace()
  async rejects(reason: string): Promise<never> {
    throw new RangeError(reason);
  }

  @Trace()
  apiPromise(value: number) {
    return new APIPromise<number>((resolve) => resolve(value));
  }

  @Trace({ input: (question: string) => ({ only: question }) })
  chooses(question: string, secret: string) {
    return secret.length;
  }

  @Trace({ input: 'fixed' })
  fixed(_question: string) {
    return 1;
  }

  @Trace({ params: ['query', null, { name: 'apiKey', redact: true }] })
  params(q: string, ctx: object, key: string, extra?: number) {
    return [q, ctx, key, extra].length;
  }

  @Trace({ captureInput: false, captureOutput: false })
  quiet(secret: string) {
    return secret;
  }

  @Trace({ captureInput: true, captureOutput: true })
  loud(words: string) {
    return words;
  }
}

describe('@Trace', () => {
  let c: Collector;
  before(async () => {
    c = await startCollector({ captureInputs: true, captureOutputs: true });
  });
  after(() => c.close());

  it('records a run named after the method, arguments by parameter name, the result as final_response', async () => {
    const agent = new Agent();
    assert.equal(agent.answer('you', 2, 7, 8), 'hi youhi you2');
    assert.equal(agent.answer('me'), 'hi me0');
    await c.delivered();
    const runs = c.runs('answer');
    assert.equal(runs.length, 2);
    const [full, short] = runs.sort((a, b) => (c.content(a, 'user_input') as any).question.localeCompare((c.content(b, 'user_input') as any).question)).reverse();
    assert.deepEqual(c.content(full, 'user_input'), { question: 'you', times: 2, rest: [7, 8] });
    assert.deepEqual(c.content(full, 'final_response'), 'hi youhi you2');
    assert.deepEqual(c.content(short, 'user_input'), { question: 'me' });
    assert.equal(full.status, 'ok');
    assert.equal(typeof full.metadata.latency_ms, 'number');
  });

  it('uses the given name, tags and metadata; destructured parameters are argN; an async result is awaited', async () => {
    const result = await new Agent().asyncAnswer({ q: 'x' }, [3]);
    assert.equal(result, 'x3');
    await c.delivered();
    const run = c.run('renamed');
    assert.deepEqual(run.metadata.tags, ['prod']);
    assert.equal(run.metadata.team, 'core');
    assert.deepEqual(c.content(run, 'user_input'), { arg0: { q: 'x' }, arg1: [3] });
    assert.equal(c.content(run, 'final_response'), 'x3');
  });

  it('rethrows the same error object (sync and async) and records it', async () => {
    const agent = new Agent();
    let thrown: unknown;
    try {
      agent.fails('bad');
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof TypeError && thrown.message === 'bad');
    const promise = agent.rejects('worse');
    const caught = await promise.catch((error: unknown) => error);
    assert.ok(caught instanceof RangeError && caught.message === 'worse');
    await c.delivered();
    assert.equal(c.run('fails').status, 'error');
    assert.deepEqual(c.run('fails').error, { type: 'TypeError', message: 'bad' });
    assert.deepEqual(c.run('rejects').error, { type: 'RangeError', message: 'worse' });
  });

  it('keeps sync methods sync and returns the very promise the method returned (subclass included)', async () => {
    const agent = new Agent();
    const sync = agent.answer('s');
    assert.equal(typeof sync, 'string');
    const returned = agent.apiPromise(5);
    assert.ok(returned instanceof APIPromise);
    assert.equal(returned.withResponse(), 'extra');
    assert.equal(await returned, 5);
    await c.delivered();
    assert.equal(c.content(c.run('apiPromise'), 'final_response'), 5);
  });

  it('records what the input option chooses, a fixed input, or what params select', async () => {
    const agent = new Agent();
    agent.chooses('q', 'secret');
    agent.fixed('ignored');
    agent.params('find', { huge: true }, 'sk-123', 4);
    await c.delivered();
    assert.deepEqual(c.content(c.run('chooses'), 'user_input'), { only: 'q' });
    assert.equal(c.content(c.run('fixed'), 'user_input'), 'fixed');
    assert.deepEqual(c.content(c.run('params'), 'user_input'), { query: 'find', apiKey: '[REDACTED]', extra: 4 });
  });

  it('per-method captureInput/captureOutput override init', async () => {
    const agent = new Agent();
    agent.quiet('shh');
    await c.delivered();
    assert.deepEqual(c.events(c.run('quiet')), []);
    await c.close();
    c = await startCollector({ captureInputs: false, captureOutputs: false });
    agent.loud('said');
    await c.delivered();
    assert.deepEqual(c.content(c.run('loud'), 'user_input'), { words: 'said' });
    assert.equal(c.content(c.run('loud'), 'final_response'), 'said');
  });

  it('sends nothing when the SDK is disabled, and the method still works', async () => {
    await c.close();
    c = await startCollector({ enabled: false });
    assert.equal(new Agent().answer('off'), 'hi off0');
    assert.equal(await new Agent().asyncAnswer({ q: 'a' }, [1]), 'a1');
    await c.delivered();
    assert.equal(c.server.requests.length, 0);
  });
});
