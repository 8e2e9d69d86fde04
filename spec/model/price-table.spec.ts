// The price table (@pydantic/genai-prices) loads on the first model call that needs a
// price, not at import: checked in a fresh CommonJS process (require.cache) and, for the
// ESM build, by a priced model span in a fresh process.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const esmEntry = fileURLToPath(new URL('../../src/index.js', import.meta.url));

const env = { ...process.env, NORTHSTAR_API_KEY: '', NORTHSTAR_ENDPOINT: '', NORTHSTAR_PROJECT_ID: '' };

describe('lazy price table', () => {
  it('CommonJS: importing the package does not load genai-prices; pricing a model call does', () => {
    const script = `
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('genai-prices'));
      require(${JSON.stringify(`${root}dist/cjs/src/index.js`)});
      const atImport = loaded();
      const { priceFor } = require(${JSON.stringify(`${root}dist/cjs/src/model/pricing.js`)});
      const price = priceFor('gpt-4o-mini', { inputTokens: 1000, outputTokens: 100 }, 'openai');
      console.log(JSON.stringify({ atImport, afterPrice: loaded(), price }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
    assert.equal(out.atImport, false, 'genai-prices is not loaded at import');
    assert.equal(out.afterPrice, true);
    assert.equal(out.price.pricingSource, 'genai-prices');
    assert.ok(out.price.costUsd > 0);
  });

  it('ESM: the first price is computed synchronously (createRequire), not left unknown', () => {
    const script = `
      const { priceFor } = await import(${JSON.stringify(esmEntry.replace(/index\.js$/, 'model/pricing.js'))});
      console.log(JSON.stringify(priceFor('gpt-4o-mini', { inputTokens: 1000, outputTokens: 100 }, 'openai')));
    `;
    const price = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }));
    assert.equal(price.pricingSource, 'genai-prices');
    assert.ok(price.costUsd > 0);
  });
});
