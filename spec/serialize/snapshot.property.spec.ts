import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { serialize } from 'node:v8';
import * as fc from 'fast-check';
import { compileRedaction, redactText } from '../../src/serialize/redaction.js';
import { sanitizeString } from '../../src/serialize/sanitize-string.js';
import { createSnapshotter, type JsonValue, type SnapshotLimits } from '../../src/serialize/snapshot.js';

// UTF-16 code units the database refuses or that sit next to them, mixed with ordinary
// ones, so that generated strings are full of U+0000, lone and reversed surrogates.
const hostileUnit = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', 'a', '"', '\\', '='),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 40 });
const hostileKey = fc.oneof(
  hostileString,
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', 'password', 'Api-Key', 'length', '…'),
);

// Without `toJSON`: looking it up is a read the bounded-work property below does not count.
const dataKey = fc.oneof(
  hostileString,
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'password', 'Api-Key', 'length', '…'),
);

const anything = fc.anything({
  key: hostileKey,
  stringUnit: hostileUnit,
  maxDepth: 5,
  maxKeys: 6,
  withBigInt: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
  withBoxedValues: true,
});

const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string and key in the result, checked for characters the database refuses; returns the count of values. */
function checkSafe(value: JsonValue, path = '$'): number {
  if (typeof value === 'string') {
    assert.doesNotMatch(value, UNSAFE, `unsafe string at ${path}`);
    return 1;
  }
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `non-finite number at ${path}`);
    return 1;
  }
  if (value === null || typeof value === 'boolean') return 1;
  assert.equal(typeof value, 'object', `not JSON at ${path}`);
  if (Array.isArray(value)) {
    assert.equal(Object.getPrototypeOf(value), Array.prototype);
    return value.reduce<number>((count, item, i) => count + checkSafe(item, `${path}[${i}]`), 1);
  }
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `not a plain object at ${path}`);
  assert.equal(Object.getOwnPropertySymbols(value).length, 0);
  let count = 1;
  for (const key of Object.keys(value)) {
    assert.doesNotMatch(key, UNSAFE, `unsafe key at ${path}`);
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    assert.ok(descriptor !== undefined && 'value' in descriptor, `accessor at ${path}.${key}`);
    count += checkSafe(descriptor.value as JsonValue, `${path}.${key}`);
  }
  return count;
}

function nesting(value: JsonValue): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, nesting(child)), 0);
}

/** No `\u0000` escape and no `\udXXX` escape (JSON.stringify escapes only lone surrogates) outside an escaped backslash. */
const UNSAFE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

describe('createSnapshotter (property-based)', () => {
  const snapshot = createSnapshotter();

  it('never throws, and gives JSON-safe output that survives a JSON round trip', () => {
    fc.assert(
      fc.property(anything, (value) => {
        const result = snapshot(value);
        checkSafe(result);
        const json = JSON.stringify(result);
        assert.equal(typeof json, 'string');
        assert.doesNotMatch(json, UNSAFE_ESCAPE);
        assert.deepEqual(JSON.parse(json), result);
      }),
      { numRuns: 1000 },
    );
  });

  it('does not mutate its input and is deterministic', () => {
    fc.assert(
      fc.property(fc.clone(anything, 3), ([value, twin, third]) => {
        const first = snapshot(value);
        // Node 20's isDeepStrictEqual finds two invalid Dates unequal (NaN !== NaN): their serialised forms are compared then.
        assert.ok(isDeepStrictEqual(value, twin) || serialize(value).equals(serialize(twin)), 'input mutated');
        assert.deepEqual(snapshot(third), first);
      }),
      { numRuns: 500 },
    );
  });

  it('stays within its limits: values visited, output size, depth and string length', () => {
    const limits = fc.record<SnapshotLimits>({
      maxDepth: fc.integer({ min: 0, max: 6 }),
      maxStringLength: fc.integer({ min: 0, max: 30 }),
      maxCollectionSize: fc.integer({ min: 0, max: 8 }),
      maxTotalNodes: fc.integer({ min: 0, max: 60 }),
    });
    const wide = fc.anything({
      key: dataKey,
      stringUnit: hostileUnit,
      maxDepth: 8,
      maxKeys: 20,
      withMap: true,
      withSet: true,
      withBigInt: true,
      withSparseArray: true,
      withNullPrototype: true,
    });
    fc.assert(
      fc.property(limits, wide, (limit, value) => {
        // Every property read goes through a counting getter: reads are the work done on user data.
        let reads = 0;
        const counted = instrument(value, () => {
          reads += 1;
        });
        const result = createSnapshotter(limit)(counted);
        assert.ok(reads <= limit.maxTotalNodes, `${reads} reads > ${limit.maxTotalNodes}`);
        // Each output value is a visited value, or one of at most four per visited container
        // (a collection marker, an error's name and message, one over-budget '[Truncated]').
        const count = checkSafe(result);
        assert.ok(count <= 5 * limit.maxTotalNodes + 1, `${count} output values`);
        // A Map written as pairs adds one level per Map.
        assert.ok(nesting(result) <= 2 * limit.maxDepth + 1, `nesting ${nesting(result)}`);
        assertStringsCapped(result, limit.maxStringLength);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a redacted value through, at any depth', () => {
    const sentinel = 'S3NT1N3L-value';
    const secretKey = fc.constantFrom('password', 'API_KEY', 'x-api-key', 'accessToken', 'Cookie', 'client_secret');
    fc.assert(
      fc.property(anything, secretKey, fc.nat({ max: 4 }), (value, key, depth) => {
        let holder: unknown = { [key]: sentinel, other: value };
        for (let i = 0; i < depth; i++) holder = i % 2 === 0 ? [holder] : new Map([['k', holder]]);
        const json = JSON.stringify(snapshot({ value, holder }));
        assert.equal(json.includes(sentinel), false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sanitizeString (property-based)', () => {
  it('gives well-formed strings, is idempotent and leaves clean strings alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, maxLength: 200 }), (value) => {
        const clean = sanitizeString(value);
        assert.doesNotMatch(clean, UNSAFE);
        assert.equal(sanitizeString(clean), clean);
        if (!UNSAFE.test(value)) assert.equal(clean, value);
        assert.doesNotMatch(JSON.stringify(clean), UNSAFE_ESCAPE);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redactText (property-based)', () => {
  const isSecret = compileRedaction();

  it('never throws and removes the value after a secret key, whatever surrounds it', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
    const text = fc.string({ unit: hostileUnit, maxLength: 60 });
    const form = fc.constantFrom(
      (v: string) => `password=${v}`,
      (v: string) => `api_key: ${v}`,
      (v: string) => `"token":"${v}"`,
      (v: string) => `'secret': '${v}'`,
      (v: string) => `Bearer ${v}`,
      (v: string) => `Authorization: Bearer ${v}`,
    );
    fc.assert(
      fc.property(text, form, secret, text, (before, write, value, after) => {
        const result = redactText(`${before} ${write(value)} ${after}`, isSecret);
        assert.equal(typeof result, 'string');
        assert.equal(result.includes(value), false, result);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A copy of `value` whose plain objects read every property through a counting getter. */
function instrument(value: unknown, onRead: () => void): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => instrument(item, onRead));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, instrument(v, onRead)]));
  if (value instanceof Set) return new Set([...value].map((item) => instrument(item, onRead)));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const copy = Object.create(proto) as object;
  for (const key of Object.keys(value)) {
    const item = instrument((value as Record<string, unknown>)[key], onRead);
    Object.defineProperty(copy, key, {
      enumerable: true,
      get() {
        onRead();
        return item;
      },
    });
  }
  return copy;
}

function assertStringsCapped(value: JsonValue, max: number): void {
  // Room for the '…[truncated N chars]' suffix and for markers that embed a short name.
  const allowed = Math.max(max + 32, 240);
  if (typeof value === 'string') assert.ok(value.length <= allowed, `string of ${value.length} > ${allowed}`);
  else if (value !== null && typeof value === 'object') {
    for (const item of Array.isArray(value) ? value : Object.values(value)) assertStringsCapped(item, max);
    if (!Array.isArray(value)) for (const key of Object.keys(value)) assert.ok(key.length <= allowed);
  }
}
