// NorthstarCallbackHandler set once for the whole process through LangChain's own
// configure hook: every run is traced without passing `callbacks`.

import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';

import { registerConfigureHook, setContextVariable } from '@langchain/core/context';
import { RunnableLambda } from '@langchain/core/runnables';

import { NorthstarCallbackHandler } from '../../../integrations/langchain/index.js';
import { flush } from '../../../src/index.js';
import { assertNoRejections, createHarness, type Harness, only, spansOf } from '../../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

it('traces every run once the handler is registered with registerConfigureHook and setContextVariable', async () => {
  h.start();
  registerConfigureHook({ contextVar: 'northstar' });
  setContextVariable('northstar', new NorthstarCallbackHandler());
  const inner = RunnableLambda.from(async (city: string) => `sunny in ${city}`).withConfig({ runName: 'lookup' });
  const chain = RunnableLambda.from(async (city: string, config) => inner.invoke(city, config)).withConfig({ runName: 'global-chain' });
  assert.equal(await chain.invoke('Paris'), 'sunny in Paris');
  assert.equal(await chain.invoke('Rome'), 'sunny in Rome');

  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  const runs = [...h.server.runs.values()].filter((r) => r.name === 'global-chain');
  assert.equal(runs.length, 2);
  for (const run of runs) assert.equal(only(spansOf(h.server, run.id), 'lookup span').name, 'lookup');
});
