// ESM on a Node without process.getBuiltinModule (Node 20 before 20.16): the async
// context still follows await, through an asynchronous import of node:async_hooks.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));

describe('Node without process.getBuiltinModule', () => {
  it('ESM: context follows await once node:async_hooks has been imported', () => {
    const script = `
      delete process.getBuiltinModule;
      const ns = await import(${JSON.stringify(entry)});
      await new Promise((resolve) => setTimeout(resolve, 0));
      ns.init({ apiKey: 'k', endpoint: 'http://127.0.0.1:1/x', flushIntervalMs: 60000 });
      let inner;
      await ns.trace('t', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        inner = ns.currentTraceId();
      });
      console.log(JSON.stringify({ inner: typeof inner }));
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NORTHSTAR_API_KEY: '', NORTHSTAR_ENDPOINT: '', NORTHSTAR_PROJECT_ID: '' },
    });
    assert.deepEqual(JSON.parse(out.trim()), { inner: 'string' });
  });
});
