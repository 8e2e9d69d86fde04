// The packaging of `northstar-ai/openai-agents` and `northstar-ai/langchain`: the main
// entry points load neither framework, and the CommonJS build of the LangChain handler
// works with an ESM LangChain app (LangChain recognises handlers by shape, not class).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { RunnableLambda } from '@langchain/core/runnables';

import { flush } from '../../src/index.js';
import { assertNoRejections, createHarness, type Harness, runNamed, spansOf } from '../tracing/ingest-harness.js';

// build/<compiler>-<mode>/spec/integrations -> the repository root.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FRAMEWORKS = /@openai\/agents|@langchain\/|integrations\/(openai-agents|langchain)/;

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? jsFiles(path) : path.endsWith('.js') ? [path] : [];
  });
}

describe('packaging of the OpenAI Agents and LangChain integrations', () => {
  it('the main and decorators builds never reference either framework or its integration', () => {
    for (const build of ['esm', 'cjs']) {
      for (const entry of ['src', 'decorators']) {
        for (const file of jsFiles(join(root, 'dist', build, entry))) {
          assert.doesNotMatch(readFileSync(file, 'utf8'), FRAMEWORKS, `${file} references a framework`);
        }
      }
    }
  });

  it('requiring northstar-ai and northstar-ai/decorators loads no framework module', () => {
    const script = `
      require(${JSON.stringify(join(root, 'dist/cjs/src/index.js'))});
      require(${JSON.stringify(join(root, 'dist/cjs/decorators/index.js'))});
      const loaded = Object.keys(require.cache).filter((p) => /node_modules[\\\\/](@openai[\\\\/]agents|@langchain)/.test(p));
      process.stdout.write(JSON.stringify(loaded));`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });

  describe('the CommonJS build of northstar-ai/langchain', () => {
    let h: Harness;
    before(async () => {
      h = await createHarness();
    });
    afterEach(() => h.stop());
    after(() => h.close());

    it('traces an ESM LangChain chain, sharing the client of another loaded copy', async () => {
      h.start();
      const require = createRequire(import.meta.url);
      const cjs = require(join(root, 'dist/cjs/integrations/langchain/index.js')) as typeof import('../../integrations/langchain/index.js');
      const chain = RunnableLambda.from(async (city: string) => `sunny in ${city}`).withConfig({ runName: 'cjs-chain' });
      assert.equal(await chain.invoke('Paris', { callbacks: [new cjs.NorthstarCallbackHandler()] }), 'sunny in Paris');
      assert.equal(await flush(), true);
      assertNoRejections(h.server);
      const run = runNamed(h.server, 'cjs-chain');
      assert.equal(run.status, 'ok');
      assert.deepEqual(spansOf(h.server, run.id), []);
    });
  });
});
