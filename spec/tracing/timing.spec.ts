// Ids and timestamps of records (src/tracing/timing.ts): ids are UUID v4 and never
// repeat, across the refills of the random pool; timestamps are ISO 8601 with
// microseconds and strictly increasing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { newId, nowIso } from '../../src/tracing/timing.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('record ids and timestamps', () => {
  it('ids are lower-case UUID v4, unique over many refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newId();
      assert.match(id, UUID_V4);
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
  });

  it('ids use every hex digit in every random position (no stuck bits)', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) [...newId()].forEach((c, at) => digits[at]!.add(c));
    digits.forEach((set, at) => {
      if ([8, 13, 18, 23].includes(at)) assert.deepEqual([...set], ['-']);
      else if (at === 14) assert.deepEqual([...set], ['4']);
      else if (at === 19) assert.deepEqual([...set].sort(), ['8', '9', 'a', 'b']);
      else assert.equal(set.size, 16, `position ${at}`);
    });
  });

  it('timestamps are ISO 8601 with microseconds and strictly increasing', () => {
    let previous = '';
    for (let i = 0; i < 5_000; i++) {
      const at = nowIso();
      assert.match(at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      assert.ok(at > previous, `${at} after ${previous}`);
      previous = at;
    }
    assert.ok(Math.abs(Date.parse(previous) - Date.now()) < 5_000, 'close to the wall clock');
  });
});
