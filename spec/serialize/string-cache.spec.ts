import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createJsonSnapshotter } from '../../src/serialize/snapshot.js';
import { CACHED_CHARS, StringJsonCache } from '../../src/serialize/string-cache.js';

const SECRET = 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';

describe('captured strings seen lately (string-cache.ts)', () => {
  it('writes a string captured again exactly as the first time: escaped, redacted, capped', () => {
    const snapshot = createJsonSnapshotter({ maxStringLength: 40 });
    const values = [
      'a clean sentence, long enough to be cached',
      `a quote " and a line\nbreak, then the key ${SECRET}`,
      `password=hunter2 and then a long tail that is cut off at forty characters`,
      'a lone surrogate \ud800 and a NUL \u0000 in a cached string',
    ];
    const first = values.map((value) => snapshot({ value, nested: [value] }));
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(values.map((value) => snapshot({ value, nested: [value] })), first);
    }
    for (const json of first) {
      assert.ok(!json.includes(SECRET) && !json.includes('hunter2') && !json.includes('\\u0000') && !json.includes('\\ud800'), json);
      assert.deepEqual(JSON.parse(json).nested[0], JSON.parse(json).value);
    }
  });

  it('is not used with a mask: the mask sees every captured string, every time', () => {
    let calls = 0;
    const snapshot = createJsonSnapshotter({ mask: (text) => `${text.length}:${++calls}` });
    const text = 'the same long string, captured twice';
    assert.equal(snapshot([text, text]), `["${text.length}:1","${text.length}:2"]`);
  });

  it('holds a string per slot: a string seen again is found, one overwritten is written again', () => {
    const cache = new StringJsonCache();
    let writes = 0;
    const write = (value: string): string => {
      writes += 1;
      return `"${value}"`;
    };
    const kept = 'a string used on every call';
    assert.equal(cache.json(kept, write), `"${kept}"`);
    assert.equal(cache.json(`${kept}`.slice(0), write), `"${kept}"`);
    assert.equal(writes, 1);
    for (let i = 0; i < 10_000; i++) assert.equal(cache.json(`value number ${i}`, write), `"value number ${i}"`);
    assert.equal(writes, 10_001);
    assert.equal(cache.json(kept, write), `"${kept}"`);
  });

  it('finds strings of one template again that differ only where the slot does not look', () => {
    const cache = new StringJsonCache();
    let writes = 0;
    const write = (value: string): string => {
      writes += 1;
      return JSON.stringify(value);
    };
    // Same length, same first and last characters: only a digit in the middle differs.
    const texts = Array.from({ length: 16 }, (_, i) => `Answer to "How do I reset my password on device ${i.toString(16)}?"`.padEnd(300, '.'));
    for (let round = 0; round < 3; round++) for (const text of texts) assert.equal(cache.json(text, write), JSON.stringify(text));
    assert.equal(writes, 16, 'each written once');
  });

  it('keeps the bound with clashing strings too', () => {
    const cache = new StringJsonCache();
    const write = (value: string): string => JSON.stringify(value);
    for (let i = 0; i < 5_000; i++) {
      const value = `${'x'.repeat(100)}${i}\n${'y'.repeat(2_000)}`.slice(0, 2_100);
      assert.equal(cache.json(value, write), JSON.stringify(value));
      assert.ok(cache.size <= CACHED_CHARS, `${cache.size} characters held`);
    }
  });

  it('holds at most CACHED_CHARS characters alive, however long and many the strings', () => {
    const cache = new StringJsonCache();
    const write = (value: string): string => JSON.stringify(value);
    for (let i = 0; i < 5_000; i++) {
      const value = `${i} ${'line\n'.repeat(800)}`;
      assert.equal(cache.json(value, write), JSON.stringify(value));
      assert.ok(cache.size <= CACHED_CHARS, `${cache.size} characters held`);
    }
    assert.ok(cache.size > 0);
  });
});
