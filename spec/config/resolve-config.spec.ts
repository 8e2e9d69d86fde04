// resolveConfig: options over NORTHSTAR_* variables, defaults, and every init error.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { resolveConfig } from '../../src/config/resolve-config.js';
import { init, isNorthstarError, Northstar, NorthstarConfigError, type NorthstarOptions, shutdown } from '../../src/index.js';

const EMPTY = {};
const ENDPOINT = 'https://ingest.example.com/functions/v1/ingest-traces';

/** Asserts that `options` (with `env`) is refused with a NorthstarConfigError whose message matches. */
function refuses(options: unknown, message: RegExp, env: Record<string, string> = EMPTY): void {
  assert.throws(
    () => resolveConfig(options as NorthstarOptions, env),
    (error: unknown) => {
      assert.ok(error instanceof NorthstarConfigError, `a NorthstarConfigError, got ${String(error)}`);
      assert.equal(error.name, 'NorthstarConfigError');
      assert.ok(isNorthstarError(error));
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('resolveConfig: defaults', () => {
  it('has the documented defaults and is disabled without a key', () => {
    const config = resolveConfig({}, EMPTY);
    assert.equal(config.enabled, false);
    assert.match(config.disabledReason!, /API key/);
    assert.equal(config.debug, false);
    assert.equal(config.captureInputs, true);
    assert.equal(config.captureOutputs, true);
    assert.deepEqual(config.redactKeys, []);
    assert.equal(config.batchSize, 50);
    assert.equal(config.flushIntervalMs, 5000);
    // Issue 10: bounds that carry a 5,000-call burst, and deadlines that ride out a short outage.
    assert.equal(config.maxQueueSize, 100_000);
    assert.equal(config.maxQueueBytes, 64 * 1024 * 1024);
    assert.equal(config.maxEventsPerRun, 1000);
    assert.equal(config.flushTimeoutMs, 30_000);
    assert.equal(config.exitFlushTimeoutMs, 10_000);
    assert.equal(config.retryInitialDelayMs, 500);
    assert.equal(config.retryMaxDelayMs, 30_000);
    assert.equal(config.spool, undefined);
    assert.equal(config.requestTimeoutMs, 10_000);
    assert.equal(config.maxBatchBytes, 1_000_000);
  });

  it('is disabled, saying why, with a key but no projectId or endpoint', () => {
    const config = resolveConfig({ apiKey: 'k' }, EMPTY);
    assert.equal(config.enabled, false);
    assert.match(config.disabledReason!, /projectId or endpoint/);
  });

  it('builds the Supabase URL from projectId, and strips a trailing slash from endpoint', () => {
    assert.equal(resolveConfig({ apiKey: 'k', projectId: 'abc123' }, EMPTY).endpoint, 'https://abc123.supabase.co/functions/v1/ingest-traces');
    assert.equal(resolveConfig({ apiKey: 'k', endpoint: `${ENDPOINT}/` }, EMPTY).endpoint, ENDPOINT);
    const both = resolveConfig({ apiKey: 'k', projectId: 'abc123', endpoint: ENDPOINT }, EMPTY);
    assert.equal(both.endpoint, ENDPOINT, 'endpoint overrides the URL built from projectId');
    assert.equal(both.enabled, true);
  });
});

describe('resolveConfig: environment variables', () => {
  const env = {
    NORTHSTAR_API_KEY: 'env-key',
    NORTHSTAR_PROJECT_ID: 'envproject1',
    NORTHSTAR_PROJECT: 'env-project',
    NORTHSTAR_ENVIRONMENT: 'staging',
    NORTHSTAR_ENABLED: 'yes',
    NORTHSTAR_DEBUG: 'on',
    NORTHSTAR_CAPTURE_INPUTS: 'false',
    NORTHSTAR_CAPTURE_OUTPUTS: '0',
  };

  it('reads every NORTHSTAR_* variable', () => {
    const config = resolveConfig({}, env);
    assert.equal(config.enabled, true);
    assert.equal(config.apiKey, 'env-key');
    assert.equal(config.endpoint, 'https://envproject1.supabase.co/functions/v1/ingest-traces');
    assert.equal(config.project, 'env-project');
    assert.equal(config.environment, 'staging');
    assert.equal(config.debug, true);
    assert.equal(config.captureInputs, false);
    assert.equal(config.captureOutputs, false);
    assert.equal(resolveConfig({}, { ...env, NORTHSTAR_ENDPOINT: 'http://127.0.0.1:9/x/' }).endpoint, 'http://127.0.0.1:9/x');
  });

  it('lets options win over the environment', () => {
    const config = resolveConfig(
      {
        apiKey: 'option-key',
        endpoint: ENDPOINT,
        project: 'option-project',
        environment: 'production',
        enabled: true,
        debug: false,
        captureInputs: true,
        captureOutputs: true,
      },
      { ...env, NORTHSTAR_ENDPOINT: 'https://env.example.com/ingest', NORTHSTAR_ENABLED: 'no' },
    );
    assert.equal(config.enabled, true);
    assert.equal(config.apiKey, 'option-key');
    assert.equal(config.endpoint, ENDPOINT);
    assert.equal(config.project, 'option-project');
    assert.equal(config.environment, 'production');
    assert.equal(config.debug, false);
    assert.equal(config.captureInputs, true);
    assert.equal(config.captureOutputs, true);
    assert.equal(resolveConfig({ projectId: 'optionid' }, env).endpoint, 'https://optionid.supabase.co/functions/v1/ingest-traces');
  });

  it('is disabled by NORTHSTAR_ENABLED=0/false/no/off, case-insensitively, and enabled: true overrides it', () => {
    for (const value of ['0', 'false', 'NO', 'Off', ' false ']) {
      const config = resolveConfig({}, { ...env, NORTHSTAR_ENABLED: value });
      assert.equal(config.enabled, false, value);
      assert.match(config.disabledReason!, /enabled/);
    }
    for (const value of ['1', 'TRUE', 'Yes', 'on', '']) assert.equal(resolveConfig({}, { ...env, NORTHSTAR_ENABLED: value }).enabled, true, value);
    assert.equal(resolveConfig({ enabled: true }, { ...env, NORTHSTAR_ENABLED: '0' }).enabled, true);
  });

  it('ignores an empty or blank variable', () => {
    const config = resolveConfig({}, { NORTHSTAR_API_KEY: '  ', NORTHSTAR_ENDPOINT: '', NORTHSTAR_PROJECT: ' ' });
    assert.equal(config.enabled, false);
    assert.equal(config.project, undefined);
  });

  it('names the variable when a boolean variable is not a boolean', () => {
    for (const name of ['NORTHSTAR_ENABLED', 'NORTHSTAR_DEBUG', 'NORTHSTAR_CAPTURE_INPUTS', 'NORTHSTAR_CAPTURE_OUTPUTS']) {
      refuses({}, new RegExp(`${name}="maybe".*1/true/yes/on`), { [name]: 'maybe' });
    }
  });

  it('reads process.env when no env is given', () => {
    const saved = process.env.NORTHSTAR_PROJECT;
    process.env.NORTHSTAR_PROJECT = 'from-process-env';
    try {
      assert.equal(resolveConfig({}).project, 'from-process-env');
    } finally {
      if (saved === undefined) delete process.env.NORTHSTAR_PROJECT;
      else process.env.NORTHSTAR_PROJECT = saved;
    }
  });
});

describe('resolveConfig: validation errors', () => {
  it('refuses a non-positive or non-integer batchSize, flushIntervalMs, maxQueueSize, requestTimeoutMs', () => {
    for (const key of ['batchSize', 'flushIntervalMs', 'maxQueueSize', 'requestTimeoutMs', 'maxBatchBytes']) {
      for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
        refuses({ [key]: value }, new RegExp(`option ${key} must be a positive`));
      }
    }
    refuses({ batchSize: 1.5 }, /batchSize must be a positive integer/);
    refuses({ maxQueueSize: 2.5 }, /maxQueueSize must be a positive integer/);
    assert.equal(resolveConfig({ flushIntervalMs: 0.5 }, EMPTY).flushIntervalMs, 0.5);
  });

  it('refuses a projectId that is not a Supabase ref, saying to pass endpoint', () => {
    for (const projectId of ['My-Project', 'abc_123', 'ABC', 'a.b', 'https://x.supabase.co']) {
      refuses({ apiKey: 'k', projectId }, /lowercase letters and digits.*pass endpoint/);
    }
    refuses({}, /pass endpoint/, { NORTHSTAR_PROJECT_ID: 'Bad-Id' });
    assert.equal(resolveConfig({ apiKey: 'k', projectId: 'Bad-Id', endpoint: ENDPOINT }, EMPTY).endpoint, ENDPOINT, 'an endpoint makes projectId irrelevant');
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    refuses({ endpoint: 'ftp://example.com/ingest' }, /option endpoint must be an http\(s\) URL/);
    refuses({ endpoint: 'not a url' }, /option endpoint is not a valid URL/);
    refuses({ endpoint: 'file:///etc/passwd' }, /http\(s\)/);
    refuses({}, /environment variable NORTHSTAR_ENDPOINT must be an http\(s\) URL/, { NORTHSTAR_ENDPOINT: 'ws://example.com' });
  });

  it('refuses plain http to a host other than loopback unless allowInsecureHttp', () => {
    refuses({ endpoint: 'http://ingest.example.com/x' }, /plain http:\/\/ on ingest\.example\.com.*allowInsecureHttp/);
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.1.2.3']) {
      assert.equal(resolveConfig({ apiKey: 'k', endpoint: `http://${host}:8080/x` }, EMPTY).enabled, true, host);
    }
    assert.equal(resolveConfig({ apiKey: 'k', endpoint: 'http://ingest.example.com/x', allowInsecureHttp: true }, EMPTY).enabled, true);
  });

  it('refuses line breaks or NUL in apiKey and endpoint', () => {
    for (const apiKey of ['ab\ncd', 'ab\rcd', 'ab\u2028cd', 'ab\0cd']) refuses({ apiKey }, /apiKey contains a line break/);
    refuses({}, /apiKey contains a line break/, { NORTHSTAR_API_KEY: 'a\nb' });
    refuses({ endpoint: 'https://example.com/a\nb' }, /endpoint contains a line break/);
  });

  it('refuses an unknown option, suggesting the right name for common ones', () => {
    refuses({ apiKey: 'k', flushInterval: 5 }, /unknown option flushInterval\. Did you mean flushIntervalMs\?/);
    refuses({ timeout: 5 }, /Did you mean requestTimeoutMs/);
    refuses({ api_key: 'k' }, /Did you mean apiKey/);
    refuses({ colour: 'blue' }, /unknown option colour\./);
    refuses({ limits: { maxDepthh: 3 } }, /unknown option limits\.maxDepthh/);
  });

  it('refuses options of the wrong type', () => {
    refuses({ enabled: 'yes' }, /option enabled must be true or false/);
    refuses({ debug: 1 }, /option debug must be true or false/);
    refuses({ apiKey: 42 }, /option apiKey must be a string/);
    refuses({ redactKeys: 'password' }, /redactKeys must be an array/);
    refuses({ redactKeys: [''] }, /redactKeys must be an array of non-empty strings/);
    refuses({ onError: 'log' }, /onError must be a function/);
    refuses({ mask: true }, /mask must be a function/);
    refuses(null, /options must be an object/);
  });
});

describe('init and new Northstar: validation', () => {
  afterEach(() => shutdown());

  it('throws the config error from init and from the constructor, before anything is installed', () => {
    assert.throws(() => init({ batchSize: 0 }), NorthstarConfigError);
    assert.throws(() => new Northstar({ endpoint: 'ftp://x' }), NorthstarConfigError);
  });
});
