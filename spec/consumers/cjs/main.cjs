// A plain CommonJS program. Without a compiler there is no decorator syntax, so the
// decorators are applied the way TypeScript's legacy output (`__decorate`) applies them.
'use strict';
const assert = require('node:assert/strict');
const { init, trace, observe, currentTraceId, flush, shutdown } = require('northstar-ai');
const { Trace, Tool } = require('northstar-ai/decorators');

const environment = process.argv[2] || 'cjs';

function decorate(decorator, prototype, key) {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  Object.defineProperty(prototype, key, decorator(prototype, key, descriptor) || descriptor);
}

class Agent {
  async answer(question) {
    return `${await this.lookup(question)}!`;
  }
  lookup(query) {
    return `found ${query}`;
  }
}
decorate(Trace('cjs-agent'), Agent.prototype, 'answer');
decorate(Tool(), Agent.prototype, 'lookup');

async function main() {
  init({ apiKey: process.env.COLLECTOR_API_KEY, endpoint: process.env.COLLECTOR_URL, project: 'consumers', environment });
  assert.equal(await new Agent().answer('docs'), 'found docs!');

  const shout = observe((text) => text.toUpperCase(), { name: 'shout' });
  const pipeline = trace(function pipeline(text) {
    assert.ok(currentTraceId());
    return shout(text);
  });
  assert.equal(pipeline('hi'), 'HI', 'a sync function stays sync');

  assert.equal(await flush(), true);
  await shutdown();

  const stored = await (await fetch(process.env.COLLECTOR_STATE_URL)).json();
  const runs = stored.runs.filter((r) => r.metadata && r.metadata.environment === environment);
  const spansOf = (name) => {
    const run = runs.find((r) => r.name === name);
    assert.ok(run, `run ${name} stored`);
    assert.equal(run.status, 'ok');
    return stored.spans.filter((s) => s.run_id === run.id).map((s) => `${s.kind}:${s.name}`);
  };
  assert.deepEqual(spansOf('cjs-agent'), ['tool:lookup']);
  assert.deepEqual(spansOf('pipeline'), ['custom:shout']);
  console.log(`${environment}: ${runs.length} runs delivered`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
