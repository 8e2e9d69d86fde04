// Hostile input (issue 5, section 3): arbitrary values — circular graphs, BigInt, Symbols,
// functions, throwing getters, Proxies that throw on every trap, sparse and huge arrays,
// deep nesting, U+0000 and lone surrogates, `__proto__`/`constructor` keys, throwing
// `toJSON` — as captured arguments, return values, thrown errors, metadata, event data,
// span attributes and names. Properties: the user's function behaves exactly as without
// the SDK, nothing throws into user code, every batch passes the protocol-enforcing
// server, and the work per value is bounded by the size caps (counted, never timed).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { types } from 'node:util';

import fc from 'fast-check';

import { init, logEvent, logMetadata, logMetric, observe, span, trace } from '../../src/index.js';
import type { IngestServer } from '../support/ingest-server.js';
import { assertNoInvalidBatch, drain, useIngestServer } from './reliability-harness.js';

const LIMITS = { maxDepth: 6, maxStringLength: 200, maxCollectionSize: 20, maxTotalNodes: 300 };
// A kept string is at most maxStringLength characters plus the `…[truncated N chars]` suffix;
// record and event names have their own cap of 500.
const MAX_STRING = Math.max(LIMITS.maxStringLength + 40, 500);

let server: IngestServer;
useIngestServer((started) => (server = started));

function start(): void {
  init({ apiKey: server.apiKey, endpoint: server.url, flushIntervalMs: 60_000, batchSize: 5_000, maxQueueSize: 100_000, limits: LIMITS });
}

/** Strings the database refuses or that break naive slicing: U+0000, lone surrogates, pairs at cut points. */
const nastyString = fc
  .array(
    fc.oneof(
      fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800', '😀', '\u2028', 'password=hunter2', 'Bearer abc.def', '"', '\\'),
      fc.string({ unit: 'binary', maxLength: 8 }),
      // Long runs so that caps (names 500, error messages 2000, strings 200) cut inside a surrogate pair.
      fc.integer({ min: 190, max: 2_010 }).map((n) => 'a'.repeat(n) + '😀'.repeat(3)),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

const hostileKey = fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', 'then', 'password', 'length'));

/** A Proxy whose every trap throws. */
function throwingProxy(target: object = {}): object {
  const boom = (): never => {
    throw new Error('trap password=hunter2');
  };
  return new Proxy(target, {
    get: boom, set: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom,
    setPrototypeOf: boom, defineProperty: boom, deleteProperty: boom, isExtensible: boom, preventExtensions: boom,
    apply: boom, construct: boom,
  });
}

class ThrowingToJSON {
  secret = 'hidden';
  toJSON(): never {
    throw new Error('toJSON refused');
  }
}

/**
 * How to build one hostile value. fast-check inspects the values it generates (and would
 * trip over a throwing Proxy), so it generates recipes and the property builds the values.
 */
interface Recipe {
  readonly label: string;
  build(): unknown;
  toString(): string;
}
const recipe = (label: string, build: () => unknown): Recipe => ({ label, build, toString: () => label });
const wrap = (label: string, make: (inner: unknown) => unknown) => (inner: Recipe): Recipe =>
  recipe(`${label}(${inner.label})`, () => make(inner.build()));

const hostile = fc.letrec<{ value: Recipe }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc
      .anything({
        key: hostileKey,
        maxDepth: 3,
        maxKeys: 5,
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        stringUnit: 'binary',
      })
      .map((v) => recipe(`anything ${fc.stringify(v).slice(0, 200)}`, () => v)),
    nastyString.map((text) => recipe(`string ${JSON.stringify(text).slice(0, 200)}`, () => text)),
    fc.constantFrom<unknown>(Symbol('s'), 10n ** 30n, function named() {}, () => {}, Number.NaN, -0, Infinity, undefined, null)
      .map((v) => recipe(`constant ${String(v)}`, () => v)),
    tie('value').map(wrap('circular', (v) => {
      const node: Record<string, unknown> = { v };
      node.self = node;
      node.list = [node, v, node];
      return node;
    })),
    tie('value').map(wrap('throwing-getter', (v) =>
      Object.defineProperty({ v }, 'getter', {
        enumerable: true,
        get() {
          throw new Error('getter token=abc');
        },
      }),
    )),
    tie('value').map(wrap('throwing-proxy', (v) => throwingProxy({ v }))),
    fc.constant(recipe('throwing-proxy-array', () => throwingProxy([1, 2, 3]))),
    fc.constant(recipe('throwing-proxy-function', () => throwingProxy(function target() {}))),
    tie('value').map(wrap('throwing-toJSON', (v) => Object.assign(new ThrowingToJSON(), { v }))),
    tie('value').map(wrap('sparse-2^32-1', (v) => {
      const sparse: unknown[] = [];
      sparse.length = 2 ** 32 - 1;
      sparse[7] = v;
      return sparse;
    })),
    fc.integer({ min: 1, max: 5_000 }).map((n) => recipe(`array ${n}`, () => Array.from({ length: n }, (_, i) => i))),
    fc.integer({ min: 10, max: 3_000 }).map((depth) => recipe(`nested ${depth}`, () => {
      let node: unknown = 'bottom';
      for (let i = 0; i < depth; i++) node = { child: node };
      return node;
    })),
    fc.constant(recipe('proto-keys', () => JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'))),
    tie('value').map(wrap('map', (v) => new Map<unknown, unknown>([[{ k: 1 }, v], ['password', v], [1, v], ['1', v]]))),
    tie('value').map(wrap('error', (v) => {
      const error = new Error('failed with secret=s3cr3t', { cause: v }) as Error & { self?: unknown };
      error.self = error;
      return error;
    })),
  ),
})).value;

const name = fc.oneof(nastyString, fc.constantFrom<any>('', '   ', undefined, 42));

type Mode = 'return' | 'throw' | 'resolve' | 'reject';
const mode = fc.constantFrom<Mode>('return', 'throw', 'resolve', 'reject');

/** A user function that returns or throws exactly `value`, and remembers the promise it returned. */
function userFunction(value: unknown, how: Mode) {
  const state: { promise?: Promise<unknown> } = {};
  const fn = function (this: unknown, ..._args: unknown[]): unknown {
    if (how === 'throw') throw value;
    if (how === 'resolve') return (state.promise = Promise.resolve(value));
    if (how === 'reject') {
      state.promise = Promise.reject(value);
      state.promise.catch(() => undefined); // the caller handles it below; not an unhandled rejection
      return state.promise;
    }
    return value;
  };
  return { fn, state };
}

/** Text of anything, even a Proxy that throws on every trap. */
function safeText(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  } catch {
    return '[unprintable]';
  }
}

type Outcome = { sync: boolean; kind: 'returned' | 'threw' | 'fulfilled' | 'rejected'; value: unknown };

/** What a caller observes of a call: sync or async, value or error. */
async function outcomeOf(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { sync: true, kind: 'threw', value: error };
  }
  // A brand check: `instanceof` would run the traps of a hostile Proxy.
  if (!types.isPromise(result)) return { sync: true, kind: 'returned', value: result };
  return (result as Promise<unknown>).then(
    (value) => ({ sync: false, kind: 'fulfilled' as const, value }),
    (error: unknown) => ({ sync: false, kind: 'rejected' as const, value: error }),
  );
}

/**
 * The traced call behaves exactly like the plain one: same sync/async nature, same
 * outcome, the very same value or error object, and the very same promise object.
 */
async function assertSameBehaviour(how: Mode, value: unknown, traced: (fn: (...args: unknown[]) => unknown) => unknown): Promise<void> {
  const plain = userFunction(value, how);
  const expected = await outcomeOf(() => plain.fn());
  const wrapped = userFunction(value, how);
  let returned: unknown;
  const actual = await outcomeOf(() => (returned = traced(wrapped.fn)));
  if (actual.kind !== expected.kind) assert.fail(`expected ${expected.kind}, got ${actual.kind}: ${safeText(actual.value)}`);
  assert.equal(actual.sync, expected.sync, 'same sync/async nature');
  if (Object.is(expected.value, value)) assert.ok(Object.is(actual.value, value), 'the very same value or error');
  else assert.equal(safeText(actual.value), safeText(expected.value));
  if (wrapped.state.promise !== undefined) assert.ok(Object.is(returned, wrapped.state.promise), 'the same promise object');
}

/** Every string (keys included) in a stored value stays under the cap; returns how many nodes it has. */
function checkBounded(value: unknown, where: string): number {
  let nodes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    nodes++;
    if (typeof item === 'string') assert.ok(item.length <= MAX_STRING, `${where}: string of ${item.length} chars`);
    else if (Array.isArray(item)) pending.push(...item);
    else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        assert.ok(key.length <= MAX_STRING, `${where}: key of ${key.length} chars`);
        pending.push(child);
      }
    }
  }
  return nodes;
}

describe('hostile input', () => {
  it('arbitrary values everywhere: user code unaffected, nothing thrown, every batch accepted, output bounded', async () => {
    start();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await fc.assert(
        fc.asyncProperty(hostile, hostile, name, mode, async (valueRecipe, otherRecipe, spanName, how) => {
          const value = valueRecipe.build();
          const other = otherRecipe.build();
          // 1. A traced function: the hostile value is its argument and its result (or error).
          await assertSameBehaviour(how, value, (fn) => trace(fn, { name: spanName, metadata: other as any })(other, value));
          // 2. An observed tool inside a trace, plus every recording API fed the same values.
          await trace('hostile', { metadata: value as any, tags: [String(spanName)] }, async (t) => {
            t.logEvent(spanName, value);
            t.logMetadata(other as any);
            logMetadata(value as any);
            logEvent(spanName, other);
            logMetric(spanName, 1);
            span(spanName, { kind: 'tool', attributes: value as any, iteration: 2 ** 40 }, (s) => {
              s.setAttributes(other as any);
              s.setOutput(value);
              s.logEvent(spanName, value);
            });
            await assertSameBehaviour(how, value, (fn) => observe(fn, { name: spanName, kind: 'tool' })(value, other));
            t.setOutput(other);
          });
        }),
        { numRuns: 60, verbose: 1 },
      );
      await drain(20);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
    assertNoInvalidBatch(server);
    assert.ok(server.runs.size >= 120);

    for (const event of server.events.values()) {
      // One snapshot per event: its node count is bounded by maxTotalNodes (plus truncation markers).
      const nodes = checkBounded(event.content, `event ${event.type}`);
      assert.ok(nodes <= 2 * LIMITS.maxTotalNodes + 10, `event content of ${nodes} nodes`);
    }
    for (const run of server.runs.values()) {
      checkBounded(run.metadata, 'run metadata');
      assert.ok(run.name.length <= 500 && run.name.trim() !== '');
      if (run.error) assert.ok(run.error.message.length <= 2_001);
    }
    for (const s of server.spans.values()) {
      checkBounded(s.attributes, 'span attributes');
      assert.equal(s.iteration, undefined, 'an out-of-range iteration is left out');
    }
    assert.equal(({} as any).polluted, undefined, 'no prototype was polluted');
  });

  it('names and error messages cut at their caps never split a surrogate pair (a lone half makes the database refuse the batch)', async () => {
    start();
    const long = (n: number): string => 'a'.repeat(n) + '😀'.repeat(4);
    for (const n of [497, 498, 499, 500]) {
      await trace(long(n), async () => {
        span(long(n), () => logEvent(long(n), long(n)));
        logMetric(long(n), 1);
      });
    }
    for (const n of [1_997, 1_998, 1_999, 2_000]) {
      const error = new Error(long(n));
      error.name = `Bad\ud800${long(n)}`;
      await trace('fails', async () => {
        span('inner', () => {
          throw error;
        });
      }).catch(() => undefined);
    }
    await drain();
    assertNoInvalidBatch(server);
    assert.equal(server.runs.size, 8);
    assert.equal(server.spans.size, 8);
    assert.equal([...server.spans.values()].filter((s) => s.status === 'error').length, 4);
  });

  it('work per value is bounded by the caps: reads are counted, however large the value', async () => {
    start();
    let reads = 0;
    // 100,000 getters: only the kept ones may be read.
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) {
      Object.defineProperty(wide, `k${i}`, { enumerable: true, get: () => ++reads });
    }
    // A Proxy pretending to hold 100,000 keys, counting every read.
    let proxyReads = 0;
    const keys = Array.from({ length: 100_000 }, (_, i) => `p${i}`);
    const huge = new Proxy({}, {
      ownKeys: () => keys,
      getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true, value: 1 }),
      get: () => ++proxyReads,
    });
    // A getter-driven chain 100,000 levels deep.
    let depthReads = 0;
    const chain = (level: number): object => ({ get next() { depthReads++; return level > 100_000 ? null : chain(level + 1); } });
    const values = [wide, huge, chain(0), 'x'.repeat(5_000_000), new Array(10_000_000), Array.from({ length: 1_000_000 }, (_, i) => i)];

    await trace('bounded', async (t) => {
      for (const value of values) {
        t.logEvent('value', value);
        logMetadata({ value });
      }
    });
    await drain();
    assertNoInvalidBatch(server);
    // Each value is snapshotted twice (event and metadata); a read of `toJSON` comes on top.
    assert.ok(reads <= 2 * LIMITS.maxCollectionSize, `${reads} getter reads for 100,000 getters`);
    assert.ok(proxyReads <= 2 * (LIMITS.maxCollectionSize + 2), `${proxyReads} proxy reads for 100,000 keys`);
    assert.ok(depthReads <= LIMITS.maxDepth * 2, `${depthReads} reads of a 100,000-level chain`);
    const events = [...server.events.values()].filter((e) => e.type === 'custom');
    assert.equal(events.length, values.length);
    for (const event of events) {
      const nodes = checkBounded(event.content, 'bounded event');
      assert.ok(nodes <= 2 * LIMITS.maxTotalNodes + 10, `${nodes} nodes`);
    }
    for (const r of server.requests) assert.ok(r.bytes < 500_000, `a request of ${r.bytes} bytes`);
  });

  // Object.keys would ask the Proxy for the descriptor of every key: a million trap calls
  // (seconds) whatever the caps. The snapshot stops at maxCollectionSize enumerable keys.
  it('a Proxy claiming many keys costs trap calls bounded by the caps', async () => {
    start();
    let traps = 0;
    const keys = Array.from({ length: 100_000 }, (_, i) => `p${i}`);
    const huge = new Proxy({}, {
      ownKeys: () => keys,
      getOwnPropertyDescriptor: () => (traps++, { enumerable: true, configurable: true, value: 1 }),
      get: () => (traps++, 1),
    });
    await trace('proxy', async (t) => t.logEvent('value', huge));
    assert.ok(traps <= 10 * LIMITS.maxCollectionSize, `${traps} trap calls for a Proxy of 100,000 keys`);
  });
});
