// An ESM program using standard (stage-3) decorators. It also loads the CommonJS copy of
// the package, as a dependency that `require()`s it would, and traces through both:
// they must share one client and one async context.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { currentTraceId, flush, init, logMetric, shutdown, span, trace, type TraceHandle } from 'northstar-ai';
import { Tool, Trace } from 'northstar-ai/decorators';

const require = createRequire(import.meta.url);
const cjs: typeof import('northstar-ai') = require('northstar-ai');
const cjsDecorators: typeof import('northstar-ai/decorators') = require('northstar-ai/decorators');
const environment = process.argv[2] ?? 'esm';

init({ apiKey: process.env.COLLECTOR_API_KEY, endpoint: process.env.COLLECTOR_URL, project: 'consumers', environment });

class SupportAgent {
  @Trace({ name: 'esm-agent', tags: ['consumer'] })
  async answer(question: string): Promise<string> {
    const docs = await this.search(question);
    return `answer to ${question} (${docs.length} docs)`;
  }

  @Tool()
  async search(query: string): Promise<string[]> {
    return [query, 'faq'];
  }

  // A decorator from the CommonJS copy on an ESM class.
  @cjsDecorators.Observe('cjs-observed')
  rank(items: string[]): number {
    return items.length;
  }

  @Trace('esm-dual')
  async dual(): Promise<string | undefined> {
    const traceId = currentTraceId();
    assert.equal(cjs.currentTraceId(), traceId, 'the CommonJS copy sees the ESM trace');
    await cjs.span('cjs-span', { kind: 'tool' }, async () => {
      assert.equal(currentTraceId(), traceId);
      logMetric('score', 1);
    });
    this.rank(['a', 'b']);
    return traceId;
  }
}

const agent = new SupportAgent();
assert.equal(await agent.answer('refunds?'), 'answer to refunds? (2 docs)');
const dualId = await agent.dual();
assert.ok(dualId);
// The scoped form from the CommonJS copy, with a child span from the ESM copy.
const scoped = cjs.trace('cjs-scoped', (t: TraceHandle) => span('esm-child', () => t.id));
assert.equal(currentTraceId(), undefined);

assert.equal(await cjs.flush(), true, 'flush through the CommonJS copy sends what the ESM copy queued');
await shutdown();

const stored: any = await (await fetch(process.env.COLLECTOR_STATE_URL!)).json();
const runs = stored.runs.filter((r: any) => r.metadata?.environment === environment);
const run = (name: string) => runs.find((r: any) => r.name === name) ?? assert.fail(`run ${name} not stored`);
const spansOf = (id: string) => stored.spans.filter((s: any) => s.run_id === id).map((s: any) => `${s.kind}:${s.name}`).sort();

const answer = run('esm-agent');
assert.equal(answer.status, 'ok');
assert.deepEqual(answer.metadata.tags, ['consumer']);
assert.deepEqual(spansOf(answer.id), ['tool:search']);
assert.deepEqual(spansOf(run('esm-dual').id), ['custom:cjs-observed', 'tool:cjs-span']);
assert.equal(run('esm-dual').id, dualId);
assert.deepEqual(spansOf(run('cjs-scoped').id), ['custom:esm-child']);
assert.equal(run('cjs-scoped').id, scoped);
assert.equal(new Set(runs.map((r: any) => r.session_id)).size, 1, 'one session for both copies');
assert.ok(stored.sessions.find((s: any) => s.id === answer.session_id)?.ended_at, 'session ended at shutdown');
console.log(`${environment}: ${runs.length} runs delivered`);
