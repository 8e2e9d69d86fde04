// Issue 10, item 5: the default key rule (words, not only suffixes) and the credential forms
// found inside any captured string or error message; item 7: a huge object is not read whole.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';

import { REDACTED, compileRedaction, compileSecretPatterns, redactText } from '../../src/serialize/redaction.js';
import { createSnapshotter } from '../../src/serialize/snapshot.js';
import { SECRET_SAMPLES } from '../support/secret-samples.js';

const isSecret = compileRedaction();
const scan = (text: string): string => redactText(text, isSecret);

describe('default key rule', () => {
  it('redacts the extended credential keys, in any case and camelCase', () => {
    for (const key of [
      'private_key', 'privateKey', 'PRIVATE_KEY', 'rsa-private-key', 'secret_key', 'secretKey', 'aws_secret_access_key',
      'AWS_SECRET_ACCESS_KEY', 'client_secret_value', 'my_secret_thing', 'passphrase', 'keyPassphrase', 'credentials',
      'aws_credentials', 'pwd', 'db_pwd', 'userPwd', 'auth', 'Auth', 'AUTH', 'passwd',
    ]) {
      assert.equal(isSecret(key), true, key);
    }
  });

  it('redacts credential tokens and keeps pagination, tokenizer and count tokens', () => {
    for (const key of [
      'token', 'Token', 'access_token', 'refresh_token', 'id_token', 'api_token', 'auth_token', 'bearerToken', 'sessionToken',
      'csrfToken', 'x-auth-token', 'X-CSRF-Token', 'accesstoken', 'oauth2_token', 'githubToken',
    ]) {
      assert.equal(isSecret(key), true, key);
    }
    for (const key of [
      'nextPageToken', 'next_page_token', 'pageToken', 'page_token', 'continuationToken', 'cancellationToken', 'nextpagetoken',
      'max_tokens', 'maxTokens', 'tokenCount', 'token_count', 'input_tokens', 'output_tokens', 'eos_token', 'pad_token_id',
      'cursorToken', 'tokenizer', 'author', 'authorName', 'oauth_enabled', 'secretary', 'password_hint', 'keyword',
    ]) {
      assert.equal(isSecret(key), false, key);
    }
  });

  it('applies to decorated parameter names and object keys in a snapshot', () => {
    const snapshot = createSnapshotter();
    assert.deepEqual(snapshot({ secretKey: 'a', privateKey: 'b', nextPageToken: 'c', max_tokens: 5, auth: { user: 'u' } }), {
      secretKey: REDACTED,
      privateKey: REDACTED,
      nextPageToken: 'c',
      max_tokens: 5,
      auth: REDACTED,
    });
  });
});

describe('credential forms in text', () => {
  for (const sample of SECRET_SAMPLES) {
    it(`redacts ${sample.form}, keeping the text around it`, () => {
      const out = scan(sample.text);
      assert.equal(out.includes(sample.secret), false, out);
      assert.ok(out.includes(REDACTED), out);
      if (sample.kept !== undefined) assert.ok(out.includes(sample.kept), out);
    });
  }

  it('leaves ordinary text alone', () => {
    for (const text of [
      'How do I reset my password on device 3?',
      'The basic idea is simple.',
      'a bearer of good news',
      'use sk-learn-pipelines for this',
      'https://example.com:8080/path?q=1',
      'mailto ada@example.com',
      'Asia is large; AKIA is short',
      'max_tokens=5 tokenCount: 7 nextPageToken=abc',
      'doc-1',
      'ghost_writer is not a token',
    ]) {
      assert.equal(scan(text), text);
    }
  });

  it('never leaves an embedded secret in random surrounding text (property)', () => {
    const filler = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', ' ', '.', ',', '\n', '-', '"', '(', ')', '9'), maxLength: 30 });
    fc.assert(
      fc.property(filler, fc.constantFrom(...SECRET_SAMPLES), filler, (before, sample, after) => {
        const out = scan(`${before} ${sample.text} ${after}`);
        return !out.includes(sample.secret);
      }),
      { numRuns: 500 },
    );
  });

  it('stays linear on hostile input', () => {
    for (const text of ['://'.repeat(30_000), 'a:'.repeat(50_000), 'eyJ.'.repeat(25_000), 'sk-'.repeat(30_000), 'Basic '.repeat(15_000), 'x@'.repeat(50_000)]) {
      assert.equal(typeof scan(text), 'string');
    }
  });
});

describe('redactPatterns', () => {
  it('compiles RegExps with the global flag and names the entry at fault', () => {
    const compiled = compileSecretPatterns([/acme_[a-z0-9]{8}/i, /(?<=pin=)\d+/y]);
    assert.ok(Array.isArray(compiled));
    assert.deepEqual((compiled as RegExp[]).map((re) => re.flags), ['gi', 'g']);
    assert.equal(redactText('x acme_AB12cd34 pin=1234', isSecret, compiled as RegExp[]), `x ${REDACTED} pin=${REDACTED}`);
    assert.match(compileSecretPatterns('x') as string, /must be an array/);
    assert.match(compileSecretPatterns([/a/, 'b']) as string, /^\[1\] must be a RegExp/);
    assert.match(compileSecretPatterns([/a*/]) as string, /^\[0\].*empty string/);
  });

  it('is applied by the snapshotter to every captured string', () => {
    const [pattern] = compileSecretPatterns([/acme_[a-z0-9]{8}/]) as RegExp[];
    const snapshot = createSnapshotter({ redactPatterns: [pattern as RegExp] });
    assert.deepEqual(snapshot(['acme_ab12cd34', { note: 'key acme_ab12cd34!' }]), [REDACTED, { note: `key ${REDACTED}!` }]);
  });
});

describe('snapshots scan every captured string', () => {
  const snapshot = createSnapshotter();
  it('in plain strings, arrays, nested objects, Map values, error messages and causes', () => {
    for (const sample of SECRET_SAMPLES) {
      const error = new Error(`failed: ${sample.text}`, { cause: sample.text });
      const value = [sample.text, { deep: [{ note: sample.text }] }, new Map([['k', sample.text]]), error];
      const out = JSON.stringify([snapshot(sample.text), snapshot(value)]);
      assert.equal(out.includes(sample.secret), false, `${sample.form}: ${out}`);
    }
  });

  it('the scan can be turned off (for measuring its cost only)', () => {
    assert.equal(createSnapshotter({ scanStrings: false })('password=hunter2'), 'password=hunter2');
  });
});

describe('a huge object is not read whole', () => {
  const CAP = 200;
  it('reads at most the kept properties of a million-key object (getters count reads)', () => {
    const huge: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) huge[`k${i}`] = i;
    let reads = 0;
    for (let i = 0; i < 1_000_000; i += 1000) {
      Object.defineProperty(huge, `k${i}`, { get: () => (reads++, i), enumerable: true });
    }
    const snapshot = createSnapshotter();
    for (let round = 0; round < 3; round++) {
      reads = 0;
      const out = snapshot({ huge }) as { huge: Record<string, unknown> };
      assert.equal(Object.keys(out.huge).length, CAP + 1);
      assert.equal(out.huge['…'], `[Truncated: ${1_000_000 - CAP} more keys]`);
      assert.ok(reads <= 1, `read ${reads} getters of the ${1000} (only k0 is kept)`);
    }
  });

  it('asks a Proxy of a million keys for at most ~cap descriptors and values', () => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `k${i}`);
    const counts = { ownKeys: 0, descriptor: 0, get: 0 };
    const proxy = new Proxy({} as Record<string, number>, {
      ownKeys: () => (counts.ownKeys++, keys),
      getOwnPropertyDescriptor: (_target, key) => (counts.descriptor++, { value: 1, enumerable: true, configurable: true, writable: true }),
      get: (_target, key) => (typeof key === 'string' && key.startsWith('k') ? (counts.get++, 1) : undefined),
    });
    const out = createSnapshotter()(proxy) as Record<string, unknown>;
    assert.equal(Object.keys(out).length, CAP + 1);
    assert.equal(counts.ownKeys, 1);
    assert.ok(counts.descriptor <= CAP + 1, `descriptors: ${counts.descriptor}`);
    assert.ok(counts.get <= CAP + 1, `gets: ${counts.get}`);
  });

  it('a later capture sees fresh values and skips keys deleted since', () => {
    const huge: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) huge[`k${i}`] = i;
    const snapshot = createSnapshotter();
    assert.equal((snapshot(huge) as Record<string, unknown>)['k1'], 1);
    huge['k1'] = 42;
    delete huge['k2'];
    const again = snapshot(huge) as Record<string, unknown>;
    assert.equal(again['k1'], 42);
    assert.equal('k2' in again, false);
    assert.equal(again['…'], `[Truncated: ${20_000 - 1 - CAP} more keys]`);
  });
});
