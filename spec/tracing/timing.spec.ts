// Record ids and timestamps (issue 13: produced cheaply, with the same guarantees).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { newId, nowIso, nowMicros, stampPrefix } from '../../src/tracing/timing.js';
import { stampLength, stampText } from '../../src/util/iso-stamp.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('newId', () => {
  it('gives UUID v4 strings, all distinct, across many refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newId();
      assert.match(id, UUID_V4);
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
  });

  it('spreads its random bits over every hex digit but the fixed version and variant', () => {
    const counts = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...newId()].forEach((c, at) => counts[at]!.add(c));
    counts.forEach((digits, at) => {
      if ([8, 13, 18, 23].includes(at)) assert.deepEqual([...digits], ['-']);
      else if (at === 14) assert.deepEqual([...digits], ['4']);
      else if (at === 19) assert.deepEqual([...digits].sort(), ['8', '9', 'a', 'b']);
      else assert.equal(digits.size, 16, `position ${at}`);
    });
  });
});

describe('nowIso', () => {
  it('gives ISO 8601 stamps with microseconds and Z, strictly increasing, close to the wall clock', () => {
    let previous = '';
    for (let i = 0; i < 20_000; i++) {
      const stamp = nowIso();
      assert.match(stamp, ISO_MICROS);
      assert.ok(stamp > previous, `${stamp} after ${previous}`);
      previous = stamp;
    }
    assert.ok(Math.abs(Date.parse(nowIso()) - Date.now()) < 1000);
  });
});

describe('nowMicros', () => {
  it('gives the same stamps as nowIso in two parts, interleaved with it, still strictly increasing', () => {
    let previous = '';
    for (let i = 0; i < 20_000; i++) {
      const micros = nowMicros();
      assert.ok(Number.isInteger(micros) && micros >= 0 && micros <= 999);
      const stamp = stampText(stampPrefix(), micros);
      assert.match(stamp, ISO_MICROS);
      assert.equal(stampLength(stampPrefix(), micros), stamp.length);
      assert.ok(stamp > previous, `${stamp} after ${previous}`);
      const next = nowIso();
      assert.ok(next > stamp, `${next} after ${stamp}`);
      previous = next;
    }
    assert.equal(stampText('2025-01-01T00:00:00.000Z', -1), '2025-01-01T00:00:00.000Z', 'a whole stamp is kept as it is');
  });
});
