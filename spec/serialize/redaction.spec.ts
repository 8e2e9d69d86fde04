import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_REDACT_KEYS, REDACTED, compileRedaction, redactText } from '../../src/serialize/redaction.js';
import { redactText as redactTextFromSnapshot } from '../../src/serialize/snapshot.js';

describe('DEFAULT_REDACT_KEYS', () => {
  it('lists the default keys and cannot be changed', () => {
    assert.deepEqual([...DEFAULT_REDACT_KEYS], [
      'api_key', 'authorization', 'cookie', 'password', 'passphrase', 'pwd', 'private_key', 'secret_key', 'credentials', 'secret', 'auth', 'token',
    ]);
    assert.equal(Object.isFrozen(DEFAULT_REDACT_KEYS), true);
    assert.equal(REDACTED, '[REDACTED]');
  });
});

describe('compileRedaction', () => {
  const isSecret = compileRedaction();

  it('matches the default keys case-insensitively, ignoring - and _', () => {
    for (const key of [
      'api_key', 'API_KEY', 'apiKey', 'ApiKey', 'api-key', 'APIKEY',
      'authorization', 'Authorization', 'AUTHORIZATION',
      'cookie', 'Cookie', 'password', 'PassWord', 'secret', 'token', 'TOKEN',
    ]) {
      assert.equal(isSecret(key), true, key);
    }
  });

  it('matches keys that end with a rule', () => {
    for (const key of [
      'x-api-key', 'X-API-KEY', 'openai_api_key', 'OPENAI_API_KEY', 'access_token', 'refresh_token',
      'session_token', 'accessToken', 'idToken', 'set-cookie', 'Set-Cookie', 'Proxy-Authorization',
      'client_secret', 'clientSecret', 'db_password', 'userPassword',
    ]) {
      assert.equal(isSecret(key), true, key);
    }
  });

  it('does not match keys that only contain a rule elsewhere', () => {
    for (const key of [
      'max_tokens', 'maxTokens', 'input_tokens', 'output_tokens', 'total_tokens', 'token_count',
      'tokenizer', 'cookies_enabled', 'password_hint', 'secretary', 'name', 'model', 'content', '', 'key',
    ]) {
      assert.equal(isSecret(key), false, key);
    }
  });

  it('adds user keys, normalised the same way', () => {
    const withUser = compileRedaction(['ssn', 'Credit-Card', 'PRIVATE_KEY']);
    for (const key of ['ssn', 'SSN', 'user_ssn', 'creditCard', 'credit_card', 'CREDIT-CARD', 'privateKey', 'rsa-private-key']) {
      assert.equal(withUser(key), true, key);
    }
    assert.equal(withUser('password'), true, 'defaults stay');
    assert.equal(withUser('address'), false);
    assert.equal(isSecret('ssn'), false, 'user keys of one rule do not leak into another');
  });

  it('ignores user keys that are empty after normalising or are not strings', () => {
    const rule = compileRedaction(['', '-_-', 42 as unknown as string, null as unknown as string]);
    assert.equal(rule('anything'), false);
    assert.equal(rule('token'), true);
  });

  it('keeps the same verdicts past its cache', () => {
    const rule = compileRedaction(['ssn']);
    for (let i = 0; i < 5000; i++) assert.equal(rule(`field_${i}`), false);
    for (let i = 0; i < 3; i++) {
      assert.equal(rule('user_ssn'), true);
      assert.equal(rule('name'), false);
    }
    const longKey = 'x'.repeat(500) + 'token';
    assert.equal(rule(longKey), true);
    assert.equal(rule(longKey), true);
  });

  it('never throws on a non-string key', () => {
    assert.equal(isSecret(undefined as unknown as string), false);
    assert.equal(isSecret(Symbol('x') as unknown as string), false);
  });
});

describe('redactText', () => {
  const isSecret = compileRedaction(['ssn']);

  it('is the same function from snapshot.ts and redaction.ts', () => {
    assert.equal(redactTextFromSnapshot, redactText);
  });

  it('returns text without secrets unchanged', () => {
    for (const text of ['', 'connection refused', 'ECONNREFUSED 127.0.0.1:443', 'model: gpt-4o, max_tokens=5', 'a=b c: d']) {
      assert.equal(redactText(text, isSecret), text);
    }
  });

  it('redacts key=value and key: value', () => {
    assert.equal(redactText('login failed: password=hunter2 user=bob', isSecret), 'login failed: password=[REDACTED] user=bob');
    assert.equal(redactText('password: hunter2, user: bob', isSecret), 'password: [REDACTED], user: bob');
    assert.equal(redactText('API_KEY = sk-123;next', isSecret), 'API_KEY = [REDACTED];next');
    assert.equal(redactText('ssn=123-45-6789', isSecret), 'ssn=[REDACTED]');
  });

  it('redacts quoted JSON and Python-style values, keeping the quotes', () => {
    assert.equal(redactText('body {"token":"abc","x":1}', isSecret), 'body {"token":"[REDACTED]","x":1}');
    assert.equal(redactText('{"api_key": "a b c", "n": 2}', isSecret), '{"api_key": "[REDACTED]", "n": 2}');
    assert.equal(redactText('{"password":"with \\"escaped\\" quote"}', isSecret), '{"password":"[REDACTED]"}');
    assert.equal(redactText("{'secret': 'shh'}", isSecret), "{'secret': '[REDACTED]'}");
    assert.equal(redactText('{\\"password\\":\\"p\\"}', isSecret), '{\\"password\\":\\"[REDACTED]\\"}');
    assert.equal(redactText('{"token": 12345}', isSecret), '{"token": [REDACTED]}');
  });

  it('redacts an unterminated quoted value (truncated text)', () => {
    assert.equal(redactText('password: "hunter2', isSecret), 'password: "[REDACTED]');
  });

  it('redacts an authorization scheme with its credentials', () => {
    assert.equal(redactText('Authorization: Bearer abc.def', isSecret), 'Authorization: [REDACTED]');
    assert.equal(redactText('authorization=Basic dXNlcjpwYXNz next', isSecret), 'authorization=[REDACTED] next');
  });

  it('redacts every Bearer token, whatever precedes it', () => {
    assert.equal(redactText('sent bearer eyJhbGciOi.x-y_z== to api', isSecret), 'sent bearer [REDACTED] to api');
    assert.equal(redactText('Bearer a Bearer b', isSecret), 'Bearer [REDACTED] Bearer [REDACTED]');
  });

  it('finds secret keys inside the value of another key', () => {
    assert.equal(
      redactText('GET url=https://x.com/v1?api_key=123&b=2 failed', isSecret),
      'GET url=https://x.com/v1?api_key=[REDACTED]&b=2 failed',
    );
  });

  it('leaves a key=value alone when the key does not match', () => {
    assert.equal(redactText('tokens=5 token_count: 7', isSecret), 'tokens=5 token_count: 7');
  });

  it('fails closed when the rule throws', () => {
    const throwing = (): boolean => {
      throw new Error('rule');
    };
    assert.equal(redactText('a=1', throwing), `a=${REDACTED}`);
  });

  it('stays linear on hostile input', () => {
    // Each of these would take minutes with a backtracking-prone pattern.
    const hostile = [
      'a'.repeat(100_000),
      'a'.repeat(100_000) + '=',
      'password="' + '\\"'.repeat(50_000),
      '"token": '.repeat(20_000),
      'x:'.repeat(50_000),
      ' '.repeat(100_000) + '=',
      'token=' + '"a'.repeat(50_000),
      'bearer '.repeat(20_000),
    ];
    for (const text of hostile) assert.equal(typeof redactText(text, isSecret), 'string');
  });
});
