// Issue 13: capture writes JSON text in one walk. The text must be what JSON.stringify of
// the object snapshot gave before, byte for byte (same caps, markers, redaction, masking,
// sanitising, guards, key order), for random and hostile values and random options. The
// oracle is the object snapshotter as it was (spec/support/snapshot-reference.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import * as fc from 'fast-check';
import { compileRedaction } from '../../src/serialize/redaction.js';
import { createJsonSnapshotter, createSnapshotter, type SnapshotOptions } from '../../src/serialize/snapshot.js';
import { isPlainJsonString, jsonLength, jsonString } from '../../src/serialize/json-text.js';
import { createSnapshotter as createReferenceSnapshotter } from '../support/snapshot-reference.js';

// UTF-16 units the database refuses or JSON escapes, beside ordinary ones and the marker key.
const hostileUnit = fc.oneof(
  fc.constantFrom('\u0000', '\u0001', '\u001f', '\n', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', 'a', '"', '\\', '=', ':', '…', '\u2028', 'é', '1'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 24 });
// Keys that collide once sanitised or cut, array indexes (JS objects list them first), the
// truncation marker, prototype names, secret names.
const hostileKey = fc.oneof(
  hostileString,
  fc.constantFrom('a', 'a\u0000', '\u0000a', '\ud800', '\udc00', '\ufffd', '0', '1', '2', '01', '-1', '10', '4294967294', '4294967295', '1\u0000', '…', '__proto__'),
  fc.constantFrom('constructor', 'toJSON', 'password', 'Api-Key', 'token', 'nextPageToken', 'name', 'message', 'cause', 'errors', 'stack', 'length'),
  fc.constantFrom('k'.repeat(40), `${'k'.repeat(40)}x`, `${'k'.repeat(40)}y`),
);
const secretText = fc.constantFrom(
  'password=hunter2',
  'Authorization: Bearer abcdefghijklmnop',
  'postgres://user:pa55word@db.example.com/x',
  'key sk-proj-abcdefghij0123456789',
  '{"api_key":"AKIAIOSFODNN7EXAMPLE"}',
  'token: ghp_abcdefghijklmnopqrstuvwxyz0123',
  'mail a@b.example now',
);
const text = fc.oneof(hostileString, secretText, fc.string({ maxLength: 60 }));

/** Copies `fields` as own enumerable data properties (a `__proto__` key stays a key). */
function assignOwn<T extends object>(target: T, fields: Record<string, unknown>): T {
  for (const key of Object.keys(fields)) {
    try {
      Object.defineProperty(target, key, { value: fields[key], enumerable: true, writable: true, configurable: true });
    } catch {
      // An error's lazy `stack` formats the error when redefined, and a `name` object can make that throw.
    }
  }
  return target;
}

/** Values built from the kinds the snapshotter treats one by one, hostile ones included. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 1e21, 5e-324)),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.bigInt(),
    fc.string().map((description) => Symbol(description)),
    fc.constantFrom(function named() {}, () => 1, class Agent {}),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 7 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 7 }).map((pairs) => new Map(pairs)),
    fc.array(fc.tuple(fc.oneof(hostileKey, fc.integer({ min: -3, max: 12 }), fc.boolean(), fc.constant(null)), tie('value')), { maxLength: 6 }).map((pairs) => new Map<unknown, unknown>(pairs)),
    fc.array(fc.tuple(fc.dictionary(hostileKey, tie('value'), { maxKeys: 2 }), tie('value')), { maxLength: 3 }).map((pairs) => new Map<unknown, unknown>(pairs)),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => new Set(items)),
    fc.tuple(text, fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }), fc.option(tie('value')), fc.boolean()).map(([message, extra, cause, aggregate]) => {
      const error = aggregate ? new AggregateError([new TypeError(message)], message) : new RangeError(message);
      assignOwn(error, extra);
      if (cause !== null) (error as { cause?: unknown }).cause = cause;
      return error;
    }),
    fc.tuple(fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }), fc.shuffledSubarray(['b', '1', '0', '…', 'a\u0000', 'a', '7'])).map(([target, order]) => {
      // A Proxy lists its keys in whatever order its ownKeys trap says.
      for (const key of order) Object.defineProperty(target, key, { value: key, enumerable: true, configurable: true });
      return new Proxy(target, { ownKeys: () => [...order, ...Object.keys(target).filter((k) => !order.includes(k))] });
    }),
    fc.tuple(hostileKey, tie('value')).map(([key, item]) => Object.defineProperty({ before: 1 }, key, { enumerable: true, get: () => { throw new Error(`getter ${key} password=x`); } })),
    fc.tuple(hostileKey, tie('value')).map(([key, item]) => Object.defineProperty({ before: 1 }, key, { enumerable: true, get: () => item })),
    tie('value').map((inner) => ({ toJSON: () => inner })),
    fc.constant({ toJSON: () => { throw new Error('toJSON failed token=abc123'); } }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }).map((fields) => assignOwn(new (class Point { x = 1; })(), fields)),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }).map((fields) => assignOwn(Object.create(null) as object, fields)),
    fc.constantFrom(new Date(0), new Date(Number.NaN), new Date(8.64e15), /a"b\\c/gi, Promise.resolve(1), new WeakMap(), new WeakSet()),
    fc.constantFrom(new URL('https://user:pass@example.com/p?token=abc'), new URL('http://example.com/a"b')),
    fc.constantFrom(Buffer.from('secret'), new Uint16Array(3), new DataView(new ArrayBuffer(4)), new ArrayBuffer(8)),
    fc.oneof(text.map((s) => new String(s)), fc.double().map((n) => new Number(n)), fc.boolean().map((b) => new Boolean(b)), fc.bigInt().map((n) => Object(n) as object)),
    fc.anything({ key: hostileKey, stringUnit: hostileUnit, maxDepth: 3, maxKeys: 4, withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
  ),
})).value;

/** A value that holds itself (the cycle markers). */
const cyclic = fc.tuple(value, hostileKey).map(([inner, key]) => {
  const holder: Record<string, unknown> = { inner };
  Object.defineProperty(holder, key, { value: holder, enumerable: true });
  const list: unknown[] = [holder];
  list.push(list);
  return new Map<unknown, unknown>([['self', list], [holder, 1]]);
});

const options: fc.Arbitrary<SnapshotOptions> = fc.record(
  {
    maxDepth: fc.integer({ min: 0, max: 6 }),
    maxStringLength: fc.integer({ min: 0, max: 50 }),
    maxCollectionSize: fc.integer({ min: 0, max: 8 }),
    maxTotalNodes: fc.integer({ min: 0, max: 80 }),
    redactKey: fc.constantFrom(compileRedaction(), compileRedaction(['ssn', 'a']), () => {
      throw new Error('rule');
    }),
    mask: fc.constantFrom(
      (s: string) => s.replace(/[a-z]+@[a-z.]+/g, '<email>'),
      (s: string) => `"${s}"\n\u0000`,
      (s: string) => (s.length % 3 === 0 ? 7 : s) as string,
      () => {
        throw new Error('mask');
      },
    ),
    redactPatterns: fc.constantFrom([/hunter\d/g], []),
    scanStrings: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('createJsonSnapshotter (property-based, against the object snapshotter it replaces)', () => {
  it('writes JSON.stringify of the old object snapshot, byte for byte, with default options', () => {
    const json = createJsonSnapshotter();
    const reference = createReferenceSnapshotter();
    fc.assert(
      fc.property(fc.clone(fc.oneof(value, cyclic), 2), ([a, b]) => {
        assert.equal(json(a), JSON.stringify(reference(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('does so with random limits, key rules, masks, patterns and the scan off', () => {
    fc.assert(
      fc.property(options, fc.clone(fc.oneof(value, cyclic), 3), (opts, [a, b, c]) => {
        const expected = createReferenceSnapshotter(opts)(b);
        assert.equal(createJsonSnapshotter(opts)(a), JSON.stringify(expected));
        // The object snapshot is the parsed text: the same copy as before.
        assert.ok(isDeepStrictEqual(createSnapshotter(opts)(c), expected));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes keys the same once the table of key heads has filled and started again', () => {
    const json = createJsonSnapshotter({ maxCollectionSize: 5_000 });
    const reference = createReferenceSnapshotter({ maxCollectionSize: 5_000 });
    // 3,000 distinct short keys (more than the table keeps), some needing escapes, then the same again.
    const value = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [i % 7 === 0 ? `k"${i}` : `key_${i}`, i]));
    for (let round = 0; round < 2; round++) assert.equal(json([value, { key_1: 'a', id: 'b' }]), JSON.stringify(reference([value, { key_1: 'a', id: 'b' }])));
  });

  it('keeps the old key order and last-value-wins of keys that collide once sanitised or cut', () => {
    const json = createJsonSnapshotter({ maxStringLength: 4, maxCollectionSize: 3 });
    const reference = createReferenceSnapshotter({ maxStringLength: 4, maxCollectionSize: 3 });
    const cases: unknown[] = [
      { 'a\u0000': 1, b: 2, a: 3 },
      { '\ud800': 1, '\udc00': 2 },
      { b: 1, '1\u0000': 2 },
      { abcdef: 1, abcdeg: 2 },
      { '…': 'mine', b: 2, c: 3, d: 4 },
      new Map([['b', 1], ['1', 2], ['0', 3]]),
      new Map([['a\u0000', 1], ['a', 2]]),
      new Map<unknown, unknown>([[2, 'two'], [1, 'one'], ['x', 0]]),
      assignOwn(new Error('m'), { 0: 'zero', 'name\u0000': 'n' }),
      new Proxy({ a: 1, 0: 2 }, { ownKeys: () => ['a', '0'] }),
    ];
    for (const item of cases) assert.equal(json(item), JSON.stringify(reference(item)), String(item));
  });
});

describe('JSON text helpers', () => {
  it('jsonString is JSON.stringify of a string, and isPlainJsonString says when it is the string in quotes', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, maxLength: 40 }), (s) => {
        assert.equal(jsonString(s), JSON.stringify(s));
        assert.equal(isPlainJsonString(s), JSON.stringify(s) === `"${s}"` && !/[\ud800-\udfff]/.test(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('jsonLength is the length of JSON.stringify, without writing it', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const withUndefined = fc.dictionary(hostileKey, fc.oneof(json, fc.constant(undefined), fc.string({ unit: hostileUnit })), { maxKeys: 6 });
    fc.assert(
      fc.property(fc.oneof(json, withUndefined, fc.array(fc.oneof(json, fc.constant(undefined)))), (v) => {
        assert.equal(jsonLength(v), JSON.stringify(v).length);
      }),
      { numRuns: 3000 },
    );
    for (const v of [-0, 0, 9, 10, 999_999, 1_000_000, 1.5, -3, 1e21, NaN, Infinity, { a: undefined }, [undefined], { toJSON: () => 'x' }, new Date(0)]) {
      assert.equal(jsonLength(v), JSON.stringify(v).length, String(v));
    }
  });
});
