import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { compileRedaction } from '../../src/serialize/redaction.js';
import { DEFAULT_SNAPSHOT_LIMITS, createSnapshotter, type JsonValue } from '../../src/serialize/snapshot.js';

const snapshot = createSnapshotter();

/** A Proxy whose every trap throws. */
function hostileProxy<T extends object>(target: T): T {
  const trap = (name: string) => (): never => {
    throw new Error(`trap ${name}`);
  };
  const handler: ProxyHandler<T> = {};
  for (const name of [
    'get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'setPrototypeOf',
    'defineProperty', 'deleteProperty', 'isExtensible', 'preventExtensions', 'apply', 'construct',
  ] as const) {
    (handler as Record<string, unknown>)[name] = trap(name);
  }
  return new Proxy(target, handler);
}

function isUnserializable(value: JsonValue): boolean {
  return typeof value === 'string' && value.startsWith('[Unserializable');
}

describe('DEFAULT_SNAPSHOT_LIMITS', () => {
  it('has the documented defaults and is frozen', () => {
    assert.deepEqual(
      { ...DEFAULT_SNAPSHOT_LIMITS },
      { maxDepth: 10, maxStringLength: 10_000, maxCollectionSize: 200, maxTotalNodes: 5_000 },
    );
    assert.equal(Object.isFrozen(DEFAULT_SNAPSHOT_LIMITS), true);
  });
});

describe('createSnapshotter: primitives', () => {
  it('returns strings, finite numbers, booleans and null as they are', () => {
    assert.equal(snapshot('hello'), 'hello');
    assert.equal(snapshot(''), '');
    assert.equal(snapshot(42), 42);
    assert.equal(snapshot(-1.5), -1.5);
    assert.equal(snapshot(true), true);
    assert.equal(snapshot(false), false);
    assert.equal(snapshot(null), null);
  });

  it('writes NaN and infinities as strings and -0 as 0', () => {
    assert.equal(snapshot(NaN), 'NaN');
    assert.equal(snapshot(Infinity), 'Infinity');
    assert.equal(snapshot(-Infinity), '-Infinity');
    assert.equal(Object.is(snapshot(-0), 0), true);
    assert.deepEqual(snapshot({ a: NaN, b: [Infinity] }), { a: 'NaN', b: ['Infinity'] });
  });

  it('turns undefined into null at the top and in arrays, and leaves it out of objects', () => {
    assert.equal(snapshot(undefined), null);
    assert.deepEqual(snapshot([undefined, 1]), [null, 1]);
    const copy = snapshot({ a: undefined, b: 1 }) as Record<string, JsonValue>;
    assert.deepEqual(copy, { b: 1 });
    assert.equal('a' in copy, false);
  });

  it('writes a bigint as its digits followed by n', () => {
    assert.equal(snapshot(123n), '123n');
    assert.equal(snapshot(-(2n ** 70n)), '-1180591620717411303424n');
    assert.deepEqual(snapshot({ id: 9007199254740993n }), { id: '9007199254740993n' });
  });

  it('writes a symbol as its toString()', () => {
    assert.equal(snapshot(Symbol('run')), 'Symbol(run)');
    assert.equal(snapshot(Symbol()), 'Symbol()');
    assert.equal(snapshot(Symbol('nul\u0000')), 'Symbol(nul)');
  });

  it('writes a function as a marker with its name', () => {
    function namedFunction(): void {}
    class Agent {}
    assert.equal(snapshot(namedFunction), '[Function: namedFunction]');
    assert.equal(snapshot(Agent), '[Function: Agent]');
    assert.equal(snapshot(async () => {}), '[Function]');
    assert.deepEqual(snapshot({ onChunk: () => {} }), { onChunk: '[Function: onChunk]' });
  });
});

describe('createSnapshotter: built-in objects', () => {
  it('writes a Date as its ISO string and an invalid one as Invalid Date', () => {
    assert.equal(snapshot(new Date(0)), '1970-01-01T00:00:00.000Z');
    assert.equal(snapshot(new Date(NaN)), 'Invalid Date');
    assert.deepEqual(snapshot({ at: new Date(Date.UTC(2024, 1, 29)) }), { at: '2024-02-29T00:00:00.000Z' });
  });

  it('writes an Error as name, message, own properties and cause, without the stack', () => {
    const cause = new TypeError('inner');
    const error = Object.assign(new RangeError('outer', { cause }), { code: 'E_RANGE', status: 500 });
    assert.deepEqual(snapshot(error), {
      name: 'RangeError',
      message: 'outer',
      code: 'E_RANGE',
      status: 500,
      cause: { name: 'TypeError', message: 'inner' },
    });
  });

  it('keeps the name of Error subclasses and the errors of an AggregateError', () => {
    class ToolError extends Error {
      override name = 'ToolError';
    }
    assert.deepEqual(snapshot(new ToolError('tool failed')), { name: 'ToolError', message: 'tool failed' });
    assert.deepEqual(snapshot(new AggregateError([new Error('a'), 'b'], 'many')), {
      name: 'AggregateError',
      message: 'many',
      errors: [{ name: 'Error', message: 'a' }, 'b'],
    });
  });

  it('redacts secrets in an error message and in its properties', () => {
    const error = Object.assign(new Error('request failed: api_key=sk-123 Bearer abc'), { token: 't', attempt: 2 });
    assert.deepEqual(snapshot(error), {
      name: 'Error',
      message: 'request failed: api_key=[REDACTED] Bearer [REDACTED]',
      token: '[REDACTED]',
      attempt: 2,
    });
  });

  it('handles an error that is its own cause', () => {
    const error = new Error('loop');
    (error as { cause?: unknown }).cause = error;
    assert.deepEqual(snapshot(error), { name: 'Error', message: 'loop', cause: '[Circular]' });
  });

  it('writes a Map with primitive keys as an object, redacting string keys', () => {
    assert.deepEqual(snapshot(new Map<unknown, unknown>([['a', 1], ['Api-Key', 'k'], ['nested', new Map([['password', 'p']])]])), {
      a: 1,
      'Api-Key': '[REDACTED]',
      nested: { password: '[REDACTED]' },
    });
    assert.deepEqual(snapshot(new Map<unknown, unknown>([[1, 'one'], [true, 'yes'], [null, 'nil'], [2n, 'big']])), {
      1: 'one',
      true: 'yes',
      null: 'nil',
      '2n': 'big',
    });
  });

  it('writes a Map with object keys, or keys that collide as strings, as [key, value] pairs', () => {
    assert.deepEqual(snapshot(new Map<unknown, unknown>([[{ id: 1 }, 'a'], ['token', 'secret']])), [
      [{ id: 1 }, 'a'],
      ['token', '[REDACTED]'],
    ]);
    assert.deepEqual(snapshot(new Map<unknown, unknown>([[1, 'number'], ['1', 'string']])), [
      [1, 'number'],
      ['1', 'string'],
    ]);
  });

  it('writes a Set as an array', () => {
    assert.deepEqual(snapshot(new Set([1, 'a', { b: 2 }])), [1, 'a', { b: 2 }]);
  });

  it('writes binary data as a marker with its type and length, never its bytes', () => {
    assert.equal(snapshot(Buffer.alloc(1024)), '[Buffer(1024)]');
    assert.equal(snapshot(new Uint8Array(1024)), '[Uint8Array(1024)]');
    assert.equal(snapshot(new Float64Array(3)), '[Float64Array(3)]');
    assert.equal(snapshot(new BigInt64Array(2)), '[BigInt64Array(2)]');
    assert.equal(snapshot(new DataView(new ArrayBuffer(8))), '[DataView(8)]');
    assert.equal(snapshot(new ArrayBuffer(16)), '[ArrayBuffer(16)]');
    assert.equal(snapshot(new SharedArrayBuffer(4)), '[SharedArrayBuffer(4)]');
    assert.deepEqual(snapshot({ image: Buffer.from('png') }), { image: '[Buffer(3)]' });
  });

  it('writes a RegExp as its literal form', () => {
    assert.equal(snapshot(/a+b/gi), '/a+b/gi');
  });

  it('writes promises and weak collections as markers', () => {
    const promise = Promise.resolve(1);
    assert.equal(snapshot(promise), '[Promise]');
    assert.equal(snapshot(new WeakMap()), '[WeakMap]');
    assert.equal(snapshot(new WeakSet()), '[WeakSet]');
  });

  it('writes a URL as its href, with the password and secret query parameters redacted', () => {
    assert.equal(snapshot(new URL('https://example.com/a?b=1')), 'https://example.com/a?b=1');
    assert.equal(
      snapshot(new URL('https://user:pw@example.com/v1?api_key=123&q=x')),
      'https://user:[REDACTED]@example.com/v1?api_key=[REDACTED]&q=x',
    );
  });

  it('unboxes boxed primitives', () => {
    assert.deepEqual(
      snapshot([Object('text'), Object(1), Object(true), Object(3n), Object(Symbol('s'))]),
      ['text', 1, true, '3n', 'Symbol(s)'],
    );
  });
});

describe('createSnapshotter: objects and user code', () => {
  it('returns a deep copy, never the objects it was given', () => {
    const input = { list: [1, { a: 2 }], nested: { b: 'c' } };
    const copy = snapshot(input) as { list: JsonValue[]; nested: JsonValue };
    assert.deepEqual(copy, input);
    assert.notEqual(copy, input);
    assert.notEqual(copy.list, input.list);
    assert.notEqual(copy.list[1], input.list[1]);
    assert.notEqual(copy.nested, input.nested);
  });

  it('does not mutate its input and accepts frozen input', () => {
    const input = Object.freeze({ a: Object.freeze([1, 2]), b: Object.freeze({ password: 'p', c: 'd' }) });
    const before = JSON.stringify(input);
    assert.deepEqual(snapshot(input), { a: [1, 2], b: { password: '[REDACTED]', c: 'd' } });
    assert.equal(JSON.stringify(input), before);
  });

  it('copies the own enumerable data of a class instance, not its prototype', () => {
    class Message {
      role = 'user';
      content = 'hi';
      #hidden = 'private';
      get upper(): string {
        return this.content.toUpperCase() + this.#hidden;
      }
      describe(): string {
        return this.role;
      }
    }
    const message = new Message();
    Object.defineProperty(message, 'internal', { value: 1, enumerable: false });
    assert.deepEqual(snapshot(message), { role: 'user', content: 'hi' });
    const copy = snapshot(message) as object;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  });

  it('copies objects with a null prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    assert.deepEqual(snapshot(bare), { a: 1 });
  });

  it('uses toJSON, without calling it again on its result', () => {
    const money = { amount: 5, toJSON: () => ({ text: '5 EUR', toJSON: () => 'not called' }) };
    assert.deepEqual(snapshot({ price: money }), { price: { text: '5 EUR', toJSON: '[Function: toJSON]' } });
    const self = {
      a: 1,
      toJSON(): unknown {
        return this;
      },
    };
    assert.deepEqual(snapshot(self), { a: 1, toJSON: '[Function: toJSON]' });
  });

  it('turns a throwing toJSON into a marker, also on a class instance', () => {
    class Broken {
      value = 1;
      toJSON(): never {
        throw new Error('cannot serialize Broken');
      }
    }
    assert.equal(snapshot(new Broken()), '[Unserializable: cannot serialize Broken]');
    assert.deepEqual(snapshot({ ok: 1, broken: new Broken() }), { ok: 1, broken: '[Unserializable: cannot serialize Broken]' });
  });

  it('turns a throwing getter into a marker on that property only', () => {
    const input = {
      before: 1,
      get failing(): never {
        throw new Error('boom');
      },
      after: 2,
    };
    assert.deepEqual(snapshot(input), { before: 1, failing: '[Unserializable: boom]', after: 2 });
    const throwsString = {
      get x(): never {
        throw 'plain string'; // eslint-disable-line no-throw-literal
      },
      get y(): never {
        throw hostileProxy({});
      },
    };
    assert.deepEqual(snapshot(throwsString), { x: '[Unserializable: plain string]', y: '[Unserializable]' });
  });

  it('redacts the message of a thrown error', () => {
    const input = {
      get x(): never {
        throw new Error('auth failed password=hunter2');
      },
    };
    assert.deepEqual(snapshot(input), { x: '[Unserializable: auth failed password=[REDACTED]]' });
  });

  it('turns a Proxy that throws on every trap into a marker, at the top and nested', () => {
    for (const target of [{}, [], new Map(), new Date(0), new Error('e')]) {
      const proxy = hostileProxy(target);
      assert.equal(isUnserializable(snapshot(proxy)), true);
      const copy = snapshot({ a: 1, proxy, list: [proxy] }) as { a: number; proxy: JsonValue; list: JsonValue[] };
      assert.equal(copy.a, 1);
      assert.equal(isUnserializable(copy.proxy), true);
      assert.equal(isUnserializable(copy.list[0] as JsonValue), true);
    }
    // typeof does not reach the handler, so a function Proxy is still written as a function.
    assert.equal(snapshot(hostileProxy(() => {})), '[Function]');
  });

  it('turns a revoked Proxy into a marker', () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    assert.equal(isUnserializable(snapshot(proxy)), true);
    assert.equal(isUnserializable((snapshot([proxy]) as JsonValue[])[0] as JsonValue), true);
  });

  it('copies a well-behaved Proxy like the object it stands for', () => {
    const proxy = new Proxy({ a: 1, b: [2] }, {});
    assert.deepEqual(snapshot(proxy), { a: 1, b: [2] });
    assert.deepEqual(snapshot(new Proxy([1, 2], {})), [1, 2]);
  });

  it('survives a getter that snapshots again (re-entrant)', () => {
    const inner = { c: 3 };
    const input = {
      get nested(): JsonValue {
        return snapshot(inner);
      },
    };
    assert.deepEqual(snapshot(input), { nested: { c: 3 } });
  });
});

describe('createSnapshotter: cycles and limits', () => {
  it('writes a circular reference as [Circular]', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node['self'] = node;
    node['list'] = [node, { parent: node }];
    assert.deepEqual(snapshot(node), {
      name: 'root',
      self: '[Circular]',
      list: ['[Circular]', { parent: '[Circular]' }],
    });
    const map = new Map<string, unknown>();
    map.set('me', map);
    assert.deepEqual(snapshot(map), { me: '[Circular]' });
    const set = new Set<unknown>();
    set.add(set);
    assert.deepEqual(snapshot(set), ['[Circular]']);
  });

  it('copies a shared, non-circular reference each time it appears', () => {
    const shared = { id: 1 };
    assert.deepEqual(snapshot({ a: shared, b: shared, c: [shared] }), { a: { id: 1 }, b: { id: 1 }, c: [{ id: 1 }] });
  });

  it('replaces containers deeper than maxDepth by a marker', () => {
    const shallow = createSnapshotter({ maxDepth: 2 });
    assert.deepEqual(shallow({ a: { b: { c: 1 } }, list: [[1]] }), { a: { b: '[Truncated: depth]' }, list: ['[Truncated: depth]'] });
    assert.deepEqual(shallow({ a: { b: 'leaf' } }), { a: { b: 'leaf' } });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = { next: deep };
    let level = snapshot(deep) as JsonValue;
    let depth = 0;
    while (typeof level === 'object' && level !== null) {
      level = (level as Record<string, JsonValue>)['next'] as JsonValue;
      depth += 1;
    }
    assert.equal(depth, DEFAULT_SNAPSHOT_LIMITS.maxDepth);
    assert.equal(level, '[Truncated: depth]');
  });

  it('cuts long strings with a suffix that says how much was cut', () => {
    const big = 'x'.repeat(1_000_000);
    const copy = snapshot(big) as string;
    assert.equal(copy, 'x'.repeat(10_000) + '…[truncated 990000 chars]');
    const short = createSnapshotter({ maxStringLength: 3 });
    assert.equal(short('abcdef'), 'abc…[truncated 3 chars]');
    assert.equal(short('abc'), 'abc');
    // A surrogate pair is never split.
    assert.equal(short('ab\ud83d\ude00'), 'ab…[truncated 2 chars]');
    assert.deepEqual(short({ ['k'.repeat(5)]: 'v' }), { 'kkk…[truncated 2 chars]': 'v' });
  });

  it('keeps maxCollectionSize entries of arrays, Sets, Maps and objects and counts the rest', () => {
    const list = Array.from({ length: 1000 }, (_, i) => i);
    const copy = snapshot(list) as JsonValue[];
    assert.equal(copy.length, 201);
    assert.equal(copy[199], 199);
    assert.equal(copy[200], '[Truncated: 800 more items]');

    const small = createSnapshotter({ maxCollectionSize: 2 });
    assert.deepEqual(small(new Set([1, 2, 3, 4])), [1, 2, '[Truncated: 2 more items]']);
    assert.deepEqual(small({ a: 1, b: 2, c: 3 }), { a: 1, b: 2, '…': '[Truncated: 1 more keys]' });
    assert.deepEqual(small(new Map([['a', 1], ['b', 2], ['c', 3]])), { a: 1, b: 2, '…': '[Truncated: 1 more keys]' });
    assert.deepEqual(small(new Map([[{}, 1], [{}, 2], [{}, 3]])), [[{}, 1], [{}, 2], '[Truncated: 1 more items]']);
  });

  it('reads only the kept elements of a sparse array of length 1e7', () => {
    let reads = 0;
    const sparse = new Proxy(new Array<unknown>(10_000_000), {
      get(target, key, receiver) {
        reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const copy = snapshot(sparse) as JsonValue[];
    assert.equal(copy.length, 201);
    assert.deepEqual(copy.slice(0, 3), [null, null, null]);
    assert.equal(copy[200], '[Truncated: 9999800 more items]');
    assert.ok(reads <= 202, `${reads} reads`);
    assert.deepEqual(snapshot([1, , 3]), [1, null, 3]); // eslint-disable-line no-sparse-arrays
  });

  it('stops reading after maxTotalNodes values', () => {
    let reads = 0;
    const counted = (value: unknown): object => {
      const object = {};
      Object.defineProperty(object, 'value', {
        enumerable: true,
        get() {
          reads += 1;
          return value;
        },
      });
      return object;
    };
    const wide = Array.from({ length: 150 }, () => Array.from({ length: 150 }, (_, i) => counted(i)));
    const limited = createSnapshotter({ maxTotalNodes: 100, maxCollectionSize: 1000 });
    const copy = limited(wide);
    assert.ok(reads <= 100, `${reads} getter reads`);
    assert.ok(JSON.stringify(copy).length < 5_000);
    assert.match(JSON.stringify(copy), /\[Truncated: \d+ more items\]/);
    assert.equal(limited({ a: { b: 1 } }) !== null, true, 'the next snapshot starts with a fresh budget');
    assert.deepEqual(createSnapshotter({ maxTotalNodes: 3 })({ a: 1, b: 2, c: 3, d: 4 }), {
      a: 1,
      b: 2,
      '…': '[Truncated: 2 more keys]',
    });
    assert.deepEqual(createSnapshotter({ maxTotalNodes: 1 })(new Error('x', { cause: { deep: 1 } })), {
      name: 'Error',
      message: 'x',
      cause: '[Truncated]',
    });
  });

  it('falls back to the default for an invalid limit', () => {
    const odd = createSnapshotter({ maxStringLength: -1, maxDepth: NaN, maxCollectionSize: 1.5, maxTotalNodes: Infinity });
    assert.equal(odd('x'.repeat(10_001)), 'x'.repeat(10_000) + '…[truncated 1 chars]');
  });
});

describe('createSnapshotter: strings the database refuses', () => {
  it('removes U+0000 and replaces lone surrogates in values and keys', () => {
    const copy = snapshot({ 'k\u0000ey': 'v\u0000al', ['lone\ud800']: ['\udc00x', new Map([['m\u0000', 'n\u0000']])] });
    assert.deepEqual(copy, { key: 'val', 'lone\ufffd': ['\ufffdx', { m: 'n' }] });
    const json = JSON.stringify(copy);
    assert.doesNotMatch(json, /\\u0000|\\ud[89a-f]/i);
  });

  it('sanitises error messages and names', () => {
    const error = new Error('bad\u0000\ud800');
    error.name = 'Odd\u0000Error';
    assert.deepEqual(snapshot(error), { name: 'OddError', message: 'bad\ufffd' });
  });
});

describe('createSnapshotter: keys that look like prototypes', () => {
  it('copies __proto__, constructor and prototype as plain data without pollution', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "prototype": 3}') as object;
    const copy = snapshot(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.deepEqual(Object.keys(copy), ['__proto__', 'constructor', 'prototype']);
    assert.equal(
      JSON.stringify(copy),
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"prototype":3}',
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal((copy as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(snapshot(new Map([['__proto__', { polluted: 1 }]])), JSON.parse('{"__proto__":{"polluted":1}}'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('createSnapshotter: redaction', () => {
  it('redacts the default keys, case-insensitively, at any depth', () => {
    class Client {
      apiKey = 'sk-1';
      baseURL = 'https://api.example.com';
    }
    const input = {
      headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k', Cookie: 'c' },
      list: [{ PASSWORD: 'p', user: 'u' }, [{ deep: { access_token: 't' } }]],
      map: new Map<unknown, unknown>([['Secret', 's'], ['ok', 1]]),
      client: new Client(),
      usage: { max_tokens: 10, input_tokens: 5 },
    };
    assert.deepEqual(snapshot(input), {
      headers: { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]', Cookie: '[REDACTED]' },
      list: [{ PASSWORD: '[REDACTED]', user: 'u' }, [{ deep: { access_token: '[REDACTED]' } }]],
      map: { Secret: '[REDACTED]', ok: 1 },
      client: { apiKey: '[REDACTED]', baseURL: 'https://api.example.com' },
      usage: { max_tokens: 10, input_tokens: 5 },
    });
  });

  it('replaces a redacted value whatever it is, without reading it', () => {
    let read = false;
    const input = {
      get token(): string {
        read = true;
        return 'secret';
      },
      password: { nested: 'object', list: [1, 2] },
    };
    assert.deepEqual(snapshot(input), { token: '[REDACTED]', password: '[REDACTED]' });
    assert.equal(read, false);
  });

  it('redacts user keys', () => {
    const custom = createSnapshotter({ redactKey: compileRedaction(['ssn', 'email']) });
    assert.deepEqual(custom({ user: { SSN: '123', Email: 'a@b.c', name: 'Ada', token: 't' } }), {
      user: { SSN: '[REDACTED]', Email: '[REDACTED]', name: 'Ada', token: '[REDACTED]' },
    });
  });

  it('can be turned off, and fails closed when the rule throws', () => {
    const off = createSnapshotter({ redactKey: () => false });
    assert.deepEqual(off({ password: 'p' }), { password: 'p' });
    const throwing = createSnapshotter({
      redactKey: () => {
        throw new Error('rule');
      },
    });
    assert.deepEqual(throwing({ a: 1 }), { a: '[REDACTED]' });
  });
});

describe('createSnapshotter: keys', () => {
  const aws = 'AKIAIOSFODNN7EXAMPLE';
  const openai = 'sk-proj-abcdefghijklmnop0123456789';

  it('cuts credential forms out of keys as out of values, in objects and Maps, short keys and long', () => {
    const long = `cache for Bearer ${openai} of ${'x'.repeat(40)}`;
    for (let round = 0; round < 2; round++) {
      // The second round reads short keys from the snapshotter's table of keys.
      const copy = snapshot({ [aws]: 1, [long]: 2, [`password=${aws}`]: 3, plain: { [openai]: 4 } }) as Record<string, JsonValue>;
      assert.deepEqual(Object.keys(copy), ['[REDACTED]', `cache for Bearer [REDACTED] of ${'x'.repeat(40)}`, 'password=[REDACTED]', 'plain']);
      assert.deepEqual(copy.plain, { '[REDACTED]': 4 });
      assert.deepEqual(snapshot(new Map([[aws, 1], ['other', 2]])), { '[REDACTED]': 1, other: 2 });
    }
    // Keys that become the same name keep the last value, as JS objects do.
    assert.deepEqual(snapshot({ [aws]: 1, 'AKIAIOSFODNN7EXAMPL2': 2 }), { '[REDACTED]': 2 });
  });

  it('follows each snapshotter\'s own rules: its patterns, and the scan off', () => {
    const patterned = createSnapshotter({ redactPatterns: [/acct-\d{4}/g] });
    assert.deepEqual(patterned({ 'acct-1234': 1 }), { '[REDACTED]': 1 });
    assert.deepEqual(snapshot({ 'acct-1234': 1 }), { 'acct-1234': 1 });
    assert.deepEqual(createSnapshotter({ scanStrings: false })({ [aws]: 1 }), { [aws]: 1 });
  });
});

describe('createSnapshotter: mask', () => {
  const hideEmails = (value: string): string => value.replace(/[\w.]+@[\w.]+/g, '<email>');

  it('applies to every string value, not to keys', () => {
    const masked = createSnapshotter({ mask: hideEmails });
    assert.equal(masked('write to ada@example.com'), 'write to <email>');
    assert.deepEqual(
      masked({ 'ada@example.com': 'ada@example.com', list: ['bob@example.com'], map: new Map([['k', 'c@d.e']]), n: 1 }),
      { 'ada@example.com': '<email>', list: ['<email>'], map: { k: '<email>' }, n: 1 },
    );
    assert.deepEqual(masked(new Error('no user ada@example.com')), { name: 'Error', message: 'no user <email>' });
  });

  it('sees sanitised, cut strings and its output is sanitised', () => {
    const seen: string[] = [];
    const masked = createSnapshotter({
      maxStringLength: 4,
      mask: (value) => {
        seen.push(value);
        return value + '\u0000';
      },
    });
    // The cap is applied first (work stays bounded by maxStringLength), then U+0000 is removed.
    assert.equal(masked('a\u0000bcdefg'), 'abc…[truncated 4 chars]');
    assert.deepEqual(seen, ['abc']);
  });

  it('writes [MASK_ERROR] when the mask throws or returns a non-string', () => {
    const throwing = createSnapshotter({
      mask: () => {
        throw new Error('mask failed');
      },
    });
    assert.equal(throwing('x'), '[MASK_ERROR]');
    assert.deepEqual(throwing({ a: 'x', n: 1 }), { a: '[MASK_ERROR]', n: 1 });
    const wrongType = createSnapshotter({ mask: (() => 42) as unknown as (value: string) => string });
    assert.deepEqual(wrongType(['x']), ['[MASK_ERROR]']);
  });

  it('does not apply to markers', () => {
    const masked = createSnapshotter({ mask: () => 'masked' });
    assert.deepEqual(masked({ password: 'p', d: new Date(0), f() {} }), {
      password: '[REDACTED]',
      d: '1970-01-01T00:00:00.000Z',
      f: '[Function: f]',
    });
  });
});

describe('snapshot: requests, responses and sockets', () => {
  it('records what they are, never their headers or sockets', () => {
    const socket = new Socket();
    const req = new IncomingMessage(socket);
    req.headers = { authorization: 'Bearer sk-live-123' };
    req.rawHeaders = ['Authorization', 'Bearer sk-live-123'];
    const res = new ServerResponse(req);
    const out = snapshot({ req, res, socket, query: 'q' });
    assert.deepEqual(out, { req: '[IncomingMessage]', res: '[ServerResponse]', socket: '[Socket]', query: 'q' });
    assert.ok(!JSON.stringify(out).includes('sk-live-123'));
    socket.destroy();
  });
});
