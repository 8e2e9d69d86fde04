// The delivery options of issue 10: deadlines, backoff, bounds and the spool, from options
// and NORTHSTAR_* variables, and the setup errors that name them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { resolveConfig } from '../../src/config/resolve-config.js';
import { NorthstarConfigError, type NorthstarOptions } from '../../src/index.js';

function refuses(options: unknown, message: RegExp, env: Record<string, string> = {}): void {
  assert.throws(
    () => resolveConfig(options as NorthstarOptions, env),
    (error: unknown) => error instanceof NorthstarConfigError && message.test(error.message),
  );
}

describe('resolveConfig: delivery options', () => {
  it('takes the deadlines and the spool from the environment, options winning', () => {
    const env = {
      NORTHSTAR_FLUSH_TIMEOUT_MS: '5000',
      NORTHSTAR_EXIT_FLUSH_TIMEOUT_MS: '2500',
      NORTHSTAR_SPOOL_DIR: ' /var/spool/northstar ',
      NORTHSTAR_SPOOL_MAX_BYTES: '1048576',
    };
    const fromEnv = resolveConfig({}, env);
    assert.equal(fromEnv.flushTimeoutMs, 5000);
    assert.equal(fromEnv.exitFlushTimeoutMs, 2500);
    assert.deepEqual(fromEnv.spool, { dir: '/var/spool/northstar', maxBytes: 1_048_576 });
    const fromOptions = resolveConfig({ flushTimeoutMs: 100, exitFlushTimeoutMs: 200, spool: { dir: 'spool', maxBytes: 10 } }, env);
    assert.equal(fromOptions.flushTimeoutMs, 100);
    assert.equal(fromOptions.exitFlushTimeoutMs, 200);
    assert.deepEqual(fromOptions.spool, { dir: 'spool', maxBytes: 10 });
    assert.deepEqual(resolveConfig({ spool: { dir: 'x' } }, {}).spool, { dir: 'x', maxBytes: 100 * 1024 * 1024 });
  });

  it('refuses bad values at setup, naming the option or variable', () => {
    for (const key of ['maxQueueBytes', 'maxEventsPerRun', 'flushTimeoutMs', 'exitFlushTimeoutMs', 'retryInitialDelayMs', 'retryMaxDelayMs']) {
      refuses({ [key]: 0 }, new RegExp(`option ${key} must be a positive`));
      refuses({ [key]: -1 }, new RegExp(`option ${key} must be a positive`));
    }
    refuses({ maxQueueBytes: 1.5 }, /maxQueueBytes must be a positive integer/);
    refuses({ spool: 'dir' }, /option spool must be an object/);
    refuses({ spool: {} }, /option spool.dir must be a non-empty directory path/);
    refuses({ spool: { dir: 'x', maxBytes: 0 } }, /option spool.maxBytes must be a positive integer/);
    refuses({ spool: { dir: 'x', path: 'y' } }, /unknown option spool.path/);
    refuses({}, /NORTHSTAR_FLUSH_TIMEOUT_MS="soon" must be a positive number/, { NORTHSTAR_FLUSH_TIMEOUT_MS: 'soon' });
    refuses({}, /NORTHSTAR_SPOOL_MAX_BYTES="-5" must be a positive integer/, { NORTHSTAR_SPOOL_DIR: 'x', NORTHSTAR_SPOOL_MAX_BYTES: '-5' });
  });
});
