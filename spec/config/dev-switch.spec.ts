// The local-viewer switch in the configuration: `dev: true` or NORTHSTAR_DEV=1 points
// delivery at 127.0.0.1 with no API key or project; the option wins over the variable;
// bad values fail at setup naming the option.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEV_DEFAULT_PORT } from '../../src/config/dev-switch.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { NorthstarConfigError } from '../../src/index.js';

describe('dev switch', () => {
  it('enables the client without a key and sends to the local viewer on the default port', () => {
    const config = resolveConfig({ dev: true }, {});
    assert.equal(config.enabled, true);
    assert.equal(config.dev, true);
    assert.equal(config.endpoint, `http://127.0.0.1:${DEV_DEFAULT_PORT}/functions/v1/ingest-traces`);
    assert.equal([4317, 4318].includes(DEV_DEFAULT_PORT as number), false, 'not an OTLP port');
    assert.equal(config.flushIntervalMs, 1000, 'records reach the viewer within a second');
  });

  it('reads NORTHSTAR_DEV and NORTHSTAR_DEV_PORT, and overrides a configured endpoint and key', () => {
    const config = resolveConfig({}, { NORTHSTAR_DEV: '1', NORTHSTAR_DEV_PORT: '4400', NORTHSTAR_API_KEY: 'real-key', NORTHSTAR_ENDPOINT: 'https://example.com/x' });
    assert.equal(config.endpoint, 'http://127.0.0.1:4400/functions/v1/ingest-traces');
    assert.notEqual(config.apiKey, 'real-key', 'the real key never goes to the local viewer');
    assert.equal(resolveConfig({ devPort: 4500 }, { NORTHSTAR_DEV: 'true', NORTHSTAR_DEV_PORT: '4400' }).endpoint, 'http://127.0.0.1:4500/functions/v1/ingest-traces');
  });

  it('dev: false wins over NORTHSTAR_DEV=1; without either nothing changes', () => {
    assert.equal(resolveConfig({ dev: false }, { NORTHSTAR_DEV: '1' }).enabled, false);
    assert.equal(resolveConfig({}, {}).dev, undefined);
    assert.equal(resolveConfig({ flushIntervalMs: 200 }, { NORTHSTAR_DEV: '1' }).flushIntervalMs, 200);
  });

  it('fails at setup on bad values, naming the option', () => {
    assert.throws(() => resolveConfig({ dev: 'yes' as unknown as boolean }, {}), (e: unknown) => e instanceof NorthstarConfigError && /option dev/.test(e.message));
    assert.throws(() => resolveConfig({ dev: true, devPort: 70000 }, {}), /option devPort/);
    assert.throws(() => resolveConfig({}, { NORTHSTAR_DEV: 'maybe' }), /NORTHSTAR_DEV/);
    assert.throws(() => resolveConfig({}, { NORTHSTAR_DEV: '1', NORTHSTAR_DEV_PORT: 'abc' }), /NORTHSTAR_DEV_PORT/);
  });
});
