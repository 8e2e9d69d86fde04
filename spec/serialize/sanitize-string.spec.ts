import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitizeString } from '../../src/serialize/sanitize-string.js';

describe('sanitizeString', () => {
  it('returns a clean string unchanged (the same string)', () => {
    for (const clean of ['', 'hello', 'emoji \ud83d\ude00 ok', 'é中文', '\ufffd', 'tab\tnewline\n']) {
      assert.equal(sanitizeString(clean), clean);
    }
  });

  it('removes U+0000', () => {
    assert.equal(sanitizeString('a\u0000b\u0000'), 'ab');
    assert.equal(sanitizeString('\u0000'), '');
  });

  it('replaces lone surrogates by U+FFFD and keeps valid pairs', () => {
    assert.equal(sanitizeString('a\ud800b'), 'a\ufffdb');
    assert.equal(sanitizeString('a\udc00b'), 'a\ufffdb');
    assert.equal(sanitizeString('\ud800'), '\ufffd');
    assert.equal(sanitizeString('x\udbff'), 'x\ufffd');
    assert.equal(sanitizeString('\udfffx'), '\ufffdx');
    // A low surrogate before a high one is two lone halves, not a pair.
    assert.equal(sanitizeString('\udc00\ud800'), '\ufffd\ufffd');
    assert.equal(sanitizeString('\ud800\ud83d\ude00'), '\ufffd\ud83d\ude00');
    assert.equal(sanitizeString('\ud83d\ude00\ude00\u0000'), '\ud83d\ude00\ufffd');
  });

  it('gives strings that JSON.stringify writes without lone surrogate escapes', () => {
    const json = JSON.stringify(sanitizeString('\ud800 \u0000 \udfff \ud83d\ude00'));
    assert.doesNotMatch(json, /\\u0000|\\ud[89a-f]/i);
  });

  it('handles a 1e6-character string', () => {
    const big = 'x'.repeat(500_000) + '\u0000' + 'y'.repeat(499_999) + '\ud800';
    const clean = sanitizeString(big);
    assert.equal(clean.length, 999_999 + 1);
    assert.equal(clean.endsWith('y\ufffd'), true);
  });
});
