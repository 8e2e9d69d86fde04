import { isBuffer, NodeStream, types } from '../util/runtime.js';
import { REDACTED, compileRedaction, redactText } from './redaction.js';
import { applyMask, MASK_ERROR } from './mask.js';
import { sanitizeString } from './sanitize-string.js';
import { clipText } from '../util/text.js';
import { isPlainJsonString, jsonString } from './json-text.js';
import { CACHED_MAX_LENGTH, CACHED_MIN_LENGTH, StringJsonCache } from './string-cache.js';

// Part of the documented surface of this module: error messages are redacted with it.
export { redactText };

/** A value that `JSON.stringify` writes as is and PostgreSQL jsonb accepts. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Caps on one snapshot; each bounds work and output on large or hostile values. */
export interface SnapshotLimits {
  /** Container levels (objects, arrays, Maps, Sets, errors) rendered; deeper ones become `'[Truncated: depth]'`. @default 10 */
  maxDepth: number;
  /** Characters kept per string (cut before sanitising, so work stays bounded); the rest becomes a `'…[truncated N chars]'` suffix. @default 10000 */
  maxStringLength: number;
  /** Entries kept per array, Set, Map or object; the rest become one `'[Truncated: N more items]'` (or `'…'` key) entry. @default 200 */
  maxCollectionSize: number;
  /** Values visited per snapshot; past it nothing more is read and values become `'[Truncated]'`. @default 5000 */
  maxTotalNodes: number;
}

/** The limits used for every limit an option leaves out. */
export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = Object.freeze({
  maxDepth: 10,
  maxStringLength: 10_000,
  maxCollectionSize: 200,
  maxTotalNodes: 5_000,
});

/** Options of {@link createSnapshotter}. */
export interface SnapshotOptions extends Partial<SnapshotLimits> {
  /**
   * Keys whose values become `'[REDACTED]'` (unread), at any depth: object keys, string
   * keys of Maps, properties of class instances and errors; also used to redact error
   * messages. @default compileRedaction() (the default keys)
   */
  redactKey?: (key: string) => boolean;
  /**
   * Applied to every captured string value (not keys, not markers) after sanitising, e.g.
   * to hide emails; if it throws or returns a non-string the value becomes `'[MASK_ERROR]'`.
   * @default undefined
   */
  mask?: (value: string) => string;
  /**
   * Extra credential patterns, compiled by `compileSecretPatterns` (global flag): every
   * match in a captured string or error message becomes `'[REDACTED]'`. @default []
   */
  redactPatterns?: readonly RegExp[];
  /**
   * Scan every captured string (and error message) for credentials by key and by form (see
   * `redactText`). Turning it off is for measuring its cost only. @default true
   */
  scanStrings?: boolean;
}

/** Turns any value into a JSON-safe deep copy. Never throws. */
export type Snapshotter = (value: unknown) => JsonValue;

/**
 * Turns any value into the JSON text of its JSON-safe copy (what `JSON.stringify` of the
 * {@link Snapshotter}'s copy gives, byte for byte), without building the copy. Never throws.
 */
export type JsonSnapshotter = (value: unknown) => string;

const UNSERIALIZABLE = '[Unserializable]';
const MORE_KEYS = '…';
// Markers as JSON text, written as they are.
const CIRCULAR_JSON = '"[Circular]"';
const TRUNCATED_JSON = '"[Truncated]"';
const TRUNCATED_DEPTH_JSON = '"[Truncated: depth]"';
const UNSERIALIZABLE_JSON = `"${UNSERIALIZABLE}"`;
const REDACTED_JSON = `"${REDACTED}"`;
const MORE_KEYS_JSON = `"${MORE_KEYS}"`;
// Text embedded in markers (function names, thrown messages) is kept short.
const MARKER_TEXT_LENGTH = 200;
// Error properties written explicitly (or, for `stack`, left out on purpose: stacks are
// long and carry file paths; `error` records must stay small).
const ERROR_OWN_KEYS = new Set(['name', 'message', 'stack', 'cause', 'errors']);

// Built-in behaviour captured at load time, so that user code patching prototypes later
// (or subclasses overriding methods) cannot run inside a snapshot.
const getter = (target: object, key: PropertyKey): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(target, key)?.get as (this: unknown) => unknown;
const call = Function.prototype.call.bind(Function.prototype.call) as <T>(
  fn: (this: unknown, ...args: never[]) => T,
  self: unknown,
) => T;
const objectKeys = Object.keys;
const getPrototypeOf = Object.getPrototypeOf;
const hasOwn = Object.hasOwn;
const defineProperty = Object.defineProperty;
const jsonParse = JSON.parse;
const jsonStringify = JSON.stringify;
const OBJECT_PROTOTYPE = Object.prototype;
const dateGetTime = Date.prototype.getTime;
const dateToISOString = Date.prototype.toISOString;
const regExpToString = RegExp.prototype.toString;
const symbolToString = Symbol.prototype.toString;
const numberValueOf = Number.prototype.valueOf;
const stringValueOf = String.prototype.valueOf;
const booleanValueOf = Boolean.prototype.valueOf;
const bigIntValueOf = BigInt.prototype.valueOf;
const symbolValueOf = Symbol.prototype.valueOf;
const mapSize = getter(Map.prototype, 'size');
const mapEntries = Map.prototype.entries as (this: unknown) => IterableIterator<[unknown, unknown]>;
const setSize = getter(Set.prototype, 'size');
const setValues = Set.prototype.values as (this: unknown) => IterableIterator<unknown>;
const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = getter(typedArrayPrototype, Symbol.toStringTag);
const typedArrayLength = getter(typedArrayPrototype, 'length');
const dataViewByteLength = getter(DataView.prototype, 'byteLength');
const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedArrayBufferByteLength =
  typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

const identity = (text: string): string => text;

/** The options of one snapshotter, resolved once. */
interface Compiled {
  readonly maxDepth: number;
  readonly maxStringLength: number;
  readonly maxCollectionSize: number;
  readonly maxTotalNodes: number;
  readonly redactKey: (key: string) => boolean;
  readonly mask: ((value: string) => string) | undefined;
  /** Redacts credentials in a captured string (identity when `scanStrings` is false). */
  readonly scan: (text: string) => string;
  /** `scan`, then the user's `mask`: the one redaction of free text (see `createTextRedactor`). */
  readonly redact: (text: string) => string;
  /** The JSON of captured strings seen lately; undefined with a `mask`, which may not give the same answer twice. */
  readonly strings: StringJsonCache | undefined;
  /** `writeCapturedJson` with these options, for the cache to call on a miss. */
  readonly writeString: (value: string) => string;
  /** Short keys that need no escaping, as {@link SnapshotWalk} writes them with these options. */
  readonly keys: Map<string, MemberKey>;
}

function limit(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** The first `max` characters, without splitting a surrogate pair, and how many were cut. */
function cut(value: string, max: number): [head: string, dropped: number] {
  const head = clipText(value, max);
  return [head, value.length - head.length];
}

function truncationSuffix(dropped: number): string {
  return `…[truncated ${dropped} chars]`;
}

function convertNumber(value: number): JsonValue {
  // `+ 0` turns -0 into 0, which is what JSON can represent anyway.
  if (Number.isFinite(value)) return value + 0;
  return value !== value ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** The JSON of `convertNumber(value)`: JSON.stringify writes a finite number as String() does (-0 as 0). */
function numberJson(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
  return value !== value ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
}

/**
 * A captured string value: capped, sanitised, scanned for credentials, masked; then the
 * truncation suffix. Text, not JSON: the one rule both the JSON and the top-level string paths use.
 */
function capturedText(options: Compiled, value: string): string {
  const { maxStringLength } = options;
  let head = value;
  let dropped = 0;
  if (value.length > maxStringLength) [head, dropped] = cut(value, maxStringLength);
  head = options.redact(sanitizeString(head));
  return dropped === 0 ? head : head + truncationSuffix(dropped);
}

/** The JSON of a captured string: a string captured lately costs a lookup (string-cache.ts). */
function capturedJson(options: Compiled, value: string): string {
  const cache = options.strings;
  if (cache === undefined || value.length < CACHED_MIN_LENGTH || value.length > CACHED_MAX_LENGTH) return writeCapturedJson(options, value);
  return cache.json(value, options.writeString);
}

/** The JSON of a captured string, written. A short one that needs neither sanitising nor escaping costs one test and the scan. */
function writeCapturedJson(options: Compiled, value: string): string {
  if (value.length <= options.maxStringLength && isPlainJsonString(value)) {
    // The scan only cuts text out and writes `[REDACTED]`: clean text stays clean. A mask may write anything.
    const redacted = options.redact(value);
    return options.mask === undefined ? `"${redacted}"` : jsonString(redacted);
  }
  return jsonString(capturedText(options, value));
}

/** Defines `key` as an own data property, so that `__proto__` is data and not the prototype. */
function setEntry(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The array index a key names (JS objects list those first, ascending), or -1. */
function arrayIndex(key: string): number {
  const length = key.length;
  const first = key.charCodeAt(0);
  if (length === 0 || length > 10 || first < 48 || first > 57) return -1;
  if (first === 48) return length === 1 ? 0 : -1;
  let index = 0;
  for (let i = 0; i < length; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    index = index * 10 + digit;
  }
  return index <= 4294967294 ? index : -1;
}

/**
 * What the walk writes for one key: its name, scanned for credential forms like any captured
 * text (a token used as a key must not leave the process either), the member's heads before
 * and after the first member (`"name":` and `,"name":`), and the key rule's verdict.
 */
interface MemberKey {
  /** The key as written: the key itself, or cut, sanitised or with a credential replaced. */
  readonly name: string;
  readonly first: string;
  readonly next: string;
  /** The key rule's verdict on `name`: the value is written as `[REDACTED]`, unread. */
  readonly redacted: boolean;
}

// Keys repeat (every document's `id`, `title`, `text`): a short one that needs no escaping is
// scanned, judged and given its heads once per snapshotter (their rules are its own), not per member.
const MAX_KNOWN_KEYS = 1_024;
const MAX_KNOWN_KEY_LENGTH = 32;

/**
 * One JSON object being written, member by member. The copy this text stands for is a JS
 * object: array-index keys come first in ascending order, and a key set twice keeps its
 * first place with the last value. Members are written straight as text while that order
 * is theirs and their names cannot repeat (the rule: names read from distinct keys
 * unchanged). Otherwise (a key changed by sanitising or cutting, indexes out of order, a
 * user key `…` beside the marker) the object so far becomes a real object, and JSON.stringify
 * writes it at the end: hostile keys only, and the text is the same either way.
 */
class ObjectText {
  private text = '{';
  private members = 0;
  private lastIndex = -1;
  private named = false;
  private moreKeys = false;
  private copy: { [key: string]: JsonValue } | undefined;

  /** `quoted` is `jsonString(name)`; `distinct`: no earlier member can have this name. */
  add(name: string, quoted: string, json: string, distinct: boolean): void {
    this.member(name, this.members === 0 ? `${quoted}:` : `,${quoted}:`, json, distinct);
  }

  /** {@link add} with the member's head made already (`"key":`, or `,"key":` after the first member, see {@link MemberKey}). */
  member(name: string, head: string, json: string, distinct: boolean): void {
    if (this.copy === undefined) {
      if (distinct && this.inOrder(name)) {
        // The short head as one string, then two concatenations: fewer pieces to flatten.
        this.text = this.text + head + json;
        this.members++;
        return;
      }
      this.copy = jsonParse(`${this.text}}`) as { [key: string]: JsonValue };
    }
    setEntry(this.copy, name, jsonParse(json) as JsonValue);
  }

  close(): string {
    return this.copy === undefined ? `${this.text}}` : jsonStringify(this.copy);
  }

  /** Whether the next member is the first (its head has no comma). */
  get empty(): boolean {
    return this.members === 0;
  }

  private inOrder(name: string): boolean {
    const index = arrayIndex(name);
    if (index === -1) {
      if (name === MORE_KEYS) {
        if (this.moreKeys) return false;
        this.moreKeys = true;
      }
      this.named = true;
      return true;
    }
    if (this.named || index <= this.lastIndex) return false;
    this.lastIndex = index;
    return true;
  }
}

function arrayLength(value: unknown): number {
  // A Proxy of an array can report any length; only a real array index range is trusted.
  return typeof value === 'number' && value >= 0 ? Math.min(Math.floor(value), 2 ** 32 - 1) : 0;
}

/** The marker of binary data: its type and length, never its bytes. */
function binaryMarker(value: object): string | undefined {
  if (types.isArrayBufferView(value)) {
    if (types.isDataView(value)) return `[DataView(${String(call(dataViewByteLength, value))})]`;
    const name = isBuffer(value) ? 'Buffer' : String(call(typedArrayTag, value));
    return `[${name}(${String(call(typedArrayLength, value))})]`;
  }
  if (types.isArrayBuffer(value)) return `[ArrayBuffer(${String(call(arrayBufferByteLength, value))})]`;
  if (types.isSharedArrayBuffer(value) && sharedArrayBufferByteLength !== undefined) {
    return `[SharedArrayBuffer(${String(call(sharedArrayBufferByteLength, value))})]`;
  }
  return undefined;
}

/**
 * One snapshot in progress, written as JSON text: each method returns the JSON of its
 * part of the copy. A fresh walk per snapshot keeps the snapshotter re-entrant: a getter
 * or `toJSON` may itself be traced and call the snapshotter again.
 */
class SnapshotWalk {
  /** Values visited so far, compared with `maxTotalNodes`. */
  private nodes = 0;
  /** The containers being copied, outermost first: a value found among them is a cycle. */
  private readonly ancestors: object[] = [];

  constructor(private readonly options: Compiled) {}

  visit(value: unknown, depth: number, fromToJSON: boolean): string {
    if (this.nodes >= this.options.maxTotalNodes) return TRUNCATED_JSON;
    this.nodes += 1;
    switch (typeof value) {
      case 'string':
        return capturedJson(this.options, value);
      case 'number':
        return numberJson(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return 'null';
      case 'bigint':
        return jsonString(this.text(`${value}n`));
      case 'symbol':
        return jsonString(this.symbol(value));
      case 'function':
        return jsonString(this.functionMarker(value));
    }
    if (value === null) return 'null';
    const object = value as object;
    if (this.ancestors.includes(object)) return CIRCULAR_JSON;
    // Any of the operations below can run user code (getters, toJSON, Proxy traps) and so
    // can throw; one failing value becomes a marker and the rest of the snapshot survives.
    try {
      return this.object(object, depth, fromToJSON);
    } catch (error) {
      return this.unserializable(error);
    }
  }

  /** Text the SDK derives from a value (keys, bigint digits, names): sanitised and capped, not masked. */
  text(value: string): string {
    const { maxStringLength } = this.options;
    if (value.length <= maxStringLength) return sanitizeString(value);
    const [head, dropped] = cut(value, maxStringLength);
    return sanitizeString(head) + truncationSuffix(dropped);
  }

  private markerText(value: string): string {
    const [head] = value.length > MARKER_TEXT_LENGTH ? cut(value, MARKER_TEXT_LENGTH) : [value];
    return sanitizeString(head);
  }

  private symbol(value: symbol): string {
    try {
      return this.text(call(symbolToString, value));
    } catch {
      return UNSERIALIZABLE;
    }
  }

  private functionMarker(value: unknown): string {
    try {
      const name = (value as { name?: unknown }).name;
      return typeof name === 'string' && name !== '' ? `[Function: ${this.markerText(name)}]` : '[Function]';
    } catch {
      return '[Function]';
    }
  }

  /** The JSON of `'[Unserializable: <message>]'`, for a value whose conversion threw. */
  unserializable(error: unknown): string {
    try {
      let message: unknown;
      try {
        message = (error as { message?: unknown } | null)?.message;
      } catch {
        message = undefined;
      }
      if (typeof message !== 'string') message = typeof error === 'string' ? error : '';
      const marker = this.markerText(message as string);
      const text = marker === '' ? '' : this.options.redact(marker);
      return text === '' || text === MASK_ERROR ? UNSERIALIZABLE_JSON : jsonString(`[Unserializable: ${text}]`);
    } catch {
      return UNSERIALIZABLE_JSON;
    }
  }

  private isRedacted(key: string): boolean {
    try {
      return this.options.redactKey(key) === true;
    } catch {
      return true; // a failing rule fails closed
    }
  }

  private object(value: object, depth: number, fromToJSON: boolean): string {
    if (Array.isArray(value)) return this.array(value, depth);
    const proto = getPrototypeOf(value) as unknown;
    // Plain objects, by far the most common, skip the type checks below.
    if (proto !== OBJECT_PROTOTYPE && proto !== null) {
      const builtIn = this.builtIn(value, depth);
      if (builtIn !== undefined) return builtIn;
    }
    if (!fromToJSON) {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        let result: unknown;
        try {
          result = toJSON.call(value, '');
        } catch (error) {
          return this.unserializable(error);
        }
        // Like JSON.stringify, the result's own toJSON is not called again; a toJSON that
        // returns its object means "copy my properties".
        if (result !== value) return this.visit(result, depth, true);
      }
    }
    return this.record(value, depth);
  }

  /** Built-in types with a dedicated form, or undefined for ordinary (class) objects. */
  private builtIn(value: object, depth: number): string | undefined {
    // Brand checks (util.types) are used rather than instanceof or Symbol.toStringTag:
    // they work across realms and cannot be fooled by a look-alike object.
    if (types.isDate(value)) {
      const time = call(dateGetTime, value);
      return time === time ? jsonString(call(dateToISOString, value)) : '"Invalid Date"';
    }
    if (types.isMap(value)) return this.map(value, depth);
    if (types.isSet(value)) return this.set(value, depth);
    if (types.isNativeError(value) || value instanceof Error) return this.error(value, depth);
    const binary = binaryMarker(value);
    if (binary !== undefined) return jsonString(binary);
    if (types.isRegExp(value)) return jsonString(this.text(call(regExpToString, value)));
    if (types.isPromise(value)) return '"[Promise]"';
    if (types.isWeakMap(value)) return '"[WeakMap]"';
    if (types.isWeakSet(value)) return '"[WeakSet]"';
    if (types.isBoxedPrimitive(value)) {
      if (types.isStringObject(value)) return capturedJson(this.options, call(stringValueOf, value));
      if (types.isNumberObject(value)) return numberJson(call(numberValueOf, value));
      if (types.isBooleanObject(value)) return call(booleanValueOf, value) ? 'true' : 'false';
      if (types.isBigIntObject(value)) return jsonString(this.text(`${call(bigIntValueOf, value)}n`));
      if (types.isSymbolObject(value)) return jsonString(this.symbol(call(symbolValueOf, value)));
    }
    if (value instanceof URL) return this.url(value);
    // Requests, responses and sockets (express, Nest, Fastify's raw request) hold sockets,
    // servers and unredactable rawHeaders: record what they are, never their insides.
    if (NodeStream !== undefined && value instanceof NodeStream) return jsonString(`[${streamName(value)}]`);
    return undefined;
  }

  /** A URL's href, with its password and secret-looking query parameters redacted. */
  private url(value: URL): string {
    let href = value.href;
    if (value.password !== '') href = href.replace(/^([^:/?#]+:\/\/[^/?#@:]*:)[^/?#@]*@/, `$1${REDACTED}@`);
    return capturedJson(this.options, href);
  }

  private array(value: readonly unknown[], depth: number): string {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH_JSON;
    const length = arrayLength(value.length);
    // Only the kept elements are read: a sparse array of length 1e7 costs maxCollectionSize reads.
    const end = Math.min(length, this.options.maxCollectionSize);
    let out = '[';
    let count = 0;
    this.ancestors.push(value);
    try {
      for (; count < end; count++) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        out = count === 0 ? out + this.element(value, count, depth) : `${out},${this.element(value, count, depth)}`;
      }
    } finally {
      this.ancestors.pop();
    }
    return `${out}${moreItems(count, length)}]`;
  }

  private element(value: readonly unknown[], index: number, depth: number): string {
    let item: unknown;
    try {
      item = value[index];
    } catch (error) {
      this.nodes += 1;
      return this.unserializable(error);
    }
    return this.visit(item, depth + 1, false);
  }

  private set(value: object, depth: number): string {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH_JSON;
    const size = call(setSize, value) as number;
    const end = Math.min(size, this.options.maxCollectionSize);
    // Copy the kept items first: visiting them can run user code that changes the Set.
    const items: unknown[] = [];
    for (const item of call(setValues, value)) {
      if (items.length >= end) break;
      items.push(item);
    }
    let out = '[';
    let count = 0;
    this.ancestors.push(value);
    try {
      for (; count < items.length; count++) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        const json = this.visit(items[count], depth + 1, false);
        out = count === 0 ? out + json : `${out},${json}`;
      }
    } finally {
      this.ancestors.pop();
    }
    return `${out}${moreItems(count, size)}]`;
  }

  /**
   * A Map becomes an object when every kept key is a primitive and the keys stay distinct
   * once turned into strings (the common case: string or number keys); otherwise an array
   * of `[key, value]` pairs, so that object keys and colliding keys (`1` and `'1'`) are not lost.
   */
  private map(value: object, depth: number): string {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH_JSON;
    const size = call(mapSize, value) as number;
    const end = Math.min(size, this.options.maxCollectionSize);
    const keys: unknown[] = [];
    const values: unknown[] = [];
    let allStrings = true;
    let allPrimitive = true;
    // Indexing rather than destructuring: destructuring goes through the (patchable) array iterator.
    for (const entry of call(mapEntries, value)) {
      if (keys.length >= end) break;
      const key = entry[0];
      keys.push(key);
      values.push(entry[1]);
      if (typeof key !== 'string') {
        allStrings = false;
        if ((typeof key === 'object' && key !== null) || typeof key === 'function') allPrimitive = false;
      }
    }
    let names: string[] | undefined;
    if (allStrings) {
      names = keys.map((key) => this.keyName(key as string));
    } else if (allPrimitive) {
      names = keys.map((key) => this.keyName(typeof key === 'bigint' ? `${key}n` : String(key)));
      if (new Set(names).size !== names.length) names = undefined;
    }

    this.ancestors.push(value);
    try {
      if (names !== undefined) {
        const out = new ObjectText();
        let kept = 0;
        for (; kept < names.length; kept++) {
          if (this.nodes >= this.options.maxTotalNodes) break;
          const name = names[kept] as string;
          const item = this.isRedacted(name) ? this.redacted() : this.visit(values[kept], depth + 1, false);
          // String keys are distinct as read; names made from other primitives were checked above.
          out.add(name, jsonString(name), item, !allStrings || name === keys[kept]);
        }
        if (kept < size) out.add(MORE_KEYS, MORE_KEYS_JSON, `"[Truncated: ${size - kept} more keys]"`, true);
        return out.close();
      }
      let out = '[';
      let count = 0;
      for (; count < keys.length; count++) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        const key = keys[count];
        const secret = typeof key === 'string' && this.isRedacted(this.text(key));
        const pair = `[${this.visit(key, depth + 1, false)},${secret ? this.redacted() : this.visit(values[count], depth + 1, false)}]`;
        out = count === 0 ? out + pair : `${out},${pair}`;
      }
      return `${out}${moreItems(count, size)}]`;
    } finally {
      this.ancestors.pop();
    }
  }

  /** `{ name, message, ...own enumerable properties, cause?, errors? }`; the stack is left out. */
  private error(value: object, depth: number): string {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH_JSON;
    const error = value as { name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const out = new ObjectText();
    const name = this.read(error, 'name');
    out.add('name', '"name"', typeof name === 'string' ? jsonString(this.text(name)) : '"Error"', true);
    const message = this.read(error, 'message');
    out.add('message', '"message"', typeof message === 'string' ? capturedJson(this.options, message) : '""', true);
    this.ancestors.push(value);
    try {
      this.properties(value, out, depth, ERROR_OWN_KEYS);
      for (const key of ['cause', 'errors'] as const) {
        // Both are own but not enumerable when set by the Error / AggregateError constructors.
        if (!hasOwn(value, key) || this.isRedacted(key)) continue;
        let item: unknown;
        try {
          item = error[key];
        } catch (thrown) {
          out.add(key, `"${key}"`, this.unserializable(thrown), true);
          continue;
        }
        if (item !== undefined) out.add(key, `"${key}"`, this.visit(item, depth + 1, false), true);
      }
    } finally {
      this.ancestors.pop();
    }
    return out.close();
  }

  /** A property read that cannot throw (for the fields written explicitly). */
  private read(target: object, key: string): unknown {
    try {
      return (target as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }

  /** A plain object or class instance: its own enumerable string-keyed properties. */
  private record(value: object, depth: number): string {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH_JSON;
    const out = new ObjectText();
    this.ancestors.push(value);
    try {
      this.properties(value, out, depth, undefined);
    } finally {
      this.ancestors.pop();
    }
    return out.close();
  }

  /** Writes own enumerable properties into `out`: redacted unread, undefined left out, capped. */
  private properties(value: object, out: ObjectText, depth: number, skip: Set<string> | undefined): void {
    const { maxCollectionSize, maxTotalNodes } = this.options;
    // Object.keys asks a Proxy for every key's descriptor: a Proxy claiming a million keys
    // would cost a million trap calls whatever the caps, so Proxies are read up to the cap.
    const { keys, total } = types.isProxy(value) ? proxyKeys(value, maxCollectionSize + (skip?.size ?? 0)) : allKeys(value, maxCollectionSize + (skip?.size ?? 0));
    let kept = 0;
    let index = 0;
    for (; index < keys.length && kept < maxCollectionSize; index++) {
      if (this.nodes >= maxTotalNodes) break;
      const key = keys[index] as string;
      if (skip !== undefined && skip.has(key)) continue;
      const member = this.memberKey(key);
      const name = member.name;
      const head = out.empty ? member.first : member.next;
      kept += 1;
      if (member.redacted) {
        out.member(name, head, this.redacted(), name === key);
        continue;
      }
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch (error) {
        // A getter that throws spoils only its own property.
        this.nodes += 1;
        out.member(name, head, this.unserializable(error), name === key);
        continue;
      }
      // As in JSON, an undefined property is left out (it still counts toward the caps).
      if (item !== undefined) out.member(name, head, this.visit(item, depth + 1, false), name === key);
      else this.nodes += 1;
    }
    let remaining = total - index;
    if (skip !== undefined && remaining > 0) {
      for (let i = index; i < keys.length; i++) if (skip.has(keys[i] as string)) remaining -= 1;
    }
    if (remaining > 0) out.add(MORE_KEYS, MORE_KEYS_JSON, `"[Truncated: ${remaining} more keys]"`, true);
  }

  /** The name, heads and verdict of a member's key: from the snapshotter's table for a short plain key, else made for this member. */
  private memberKey(key: string): MemberKey {
    const table = this.options.keys;
    const known = table.get(key);
    if (known !== undefined) return known;
    const plain = key.length <= this.options.maxStringLength && isPlainJsonString(key);
    const name = plain ? this.options.scan(key) : this.keyName(key);
    const quoted = plain && name === key ? `"${key}"` : jsonString(name);
    const member: MemberKey = { name, first: `${quoted}:`, next: `,${quoted}:`, redacted: this.isRedacted(name) };
    if (plain && key.length <= MAX_KNOWN_KEY_LENGTH) {
      // Keys made from data (ids as keys) must not grow the table without bound: start again.
      if (table.size >= MAX_KNOWN_KEYS) table.clear();
      table.set(key, member);
    }
    return member;
  }

  /** A key as written: capped and sanitised like a string, then scanned for credential forms. */
  private keyName(key: string): string {
    return this.options.scan(this.text(key));
  }

  private redacted(): string {
    // Counted, so that objects full of secrets are bounded like any other.
    this.nodes += 1;
    return REDACTED_JSON;
  }
}

/** The closing entry of a capped array, Set or pair list: `,"[Truncated: N more items]"`, or nothing. */
function moreItems(written: number, total: number): string {
  if (written >= total) return '';
  const marker = `"[Truncated: ${total - written} more items]"`;
  return written === 0 ? marker : `,${marker}`;
}

/**
 * Compiles the options once (at init) into the function that snapshots captured values on
 * the hot path. The result is a deep copy that `JSON.stringify` writes without throwing and
 * PostgreSQL jsonb accepts: no U+0000 or lone surrogates, no cycles, bounded in size. The
 * snapshotter never throws and only runs user code through getters, `toJSON` and Proxy
 * traps, each guarded. Invalid limits fall back to their defaults (the config validates them).
 * The copy is the parsed JSON text of {@link createJsonSnapshotter}: one set of rules.
 * @example const snapshot = createSnapshotter({ redactKey: compileRedaction(['ssn']) });
 */
export function createSnapshotter(options?: SnapshotOptions): Snapshotter {
  const compiled = compile(options);
  const json = jsonSnapshotter(compiled);
  const { maxStringLength, mask, scan } = compiled;
  const plainStrings = mask === undefined;

  return function snapshot(value: unknown): JsonValue {
    // Primitives need no text in between (the same shortcuts as the JSON snapshotter's).
    switch (typeof value) {
      case 'string':
        if (plainStrings && value.length <= maxStringLength) return scan(sanitizeString(value));
        break;
      case 'number':
        return convertNumber(value);
      case 'boolean':
        return value;
      case 'undefined':
        return null;
      case 'object':
        if (value === null) return null;
        break;
    }
    try {
      return jsonParse(json(value)) as JsonValue;
    } catch {
      // Unreachable short of exhausted memory; never throw into user code.
      return UNSERIALIZABLE;
    }
  };
}

/**
 * Compiles the options once (at init) into the function that writes a captured value
 * straight as JSON text: the text of {@link createSnapshotter}'s copy, byte for byte (same
 * caps, markers, redaction, masking and sanitising), in one walk and without the copy.
 * Captured inputs and outputs keep this text; the request body splices it in unchanged.
 * @example createJsonSnapshotter()({ password: 'x', q: 'refund' }) // '{"password":"[REDACTED]","q":"refund"}'
 */
export function createJsonSnapshotter(options?: SnapshotOptions): JsonSnapshotter {
  return jsonSnapshotter(compile(options));
}

function compile(options: SnapshotOptions | undefined): Compiled {
  options ??= {};
  const text = compileText(options);
  const compiled: Compiled = {
    maxDepth: limit(options.maxDepth, DEFAULT_SNAPSHOT_LIMITS.maxDepth),
    maxStringLength: limit(options.maxStringLength, DEFAULT_SNAPSHOT_LIMITS.maxStringLength),
    maxCollectionSize: limit(options.maxCollectionSize, DEFAULT_SNAPSHOT_LIMITS.maxCollectionSize),
    maxTotalNodes: limit(options.maxTotalNodes, DEFAULT_SNAPSHOT_LIMITS.maxTotalNodes),
    ...text,
    strings: text.mask === undefined ? new StringJsonCache() : undefined,
    writeString: (value) => writeCapturedJson(compiled, value),
    keys: new Map(),
  };
  return compiled;
}

/**
 * The text as one flat string. The walk joins many small pieces, which V8 keeps as a tree
 * of concatenations; flattened now, while the pieces are in cache, the tree dies young
 * instead of being kept (and traced by the GC) until a request body copies it. `indexOf`
 * flattens its receiver; its result is used so that the call stays. The walk never writes
 * a raw U+0000 (it is sanitised out, and JSON escapes control characters).
 */
function flat(text: string): string {
  return text.indexOf('\u0000') === -1 ? text : UNSERIALIZABLE_JSON;
}

function jsonSnapshotter(compiled: Compiled): JsonSnapshotter {
  const { maxStringLength, mask } = compiled;
  // Strings are the most common capture: clean, short, unmasked ones skip the walk.
  const plainStrings = mask === undefined;

  return function snapshotJson(value: unknown): string {
    try {
      switch (typeof value) {
        case 'string':
          if (plainStrings && value.length <= maxStringLength) return capturedJson(compiled, value);
          break;
        case 'number':
          return numberJson(value);
        case 'boolean':
          return value ? 'true' : 'false';
        case 'undefined':
          return 'null';
        case 'object':
          if (value === null) return 'null';
          break;
      }
      return flat(new SnapshotWalk(compiled).visit(value, 0, false));
    } catch {
      // Unreachable short of a stack overflow or exhausted memory; never throw into user code.
      return UNSERIALIZABLE_JSON;
    }
  };
}

/** The key rule, mask and string scan of a snapshotter or text redactor, resolved once. */
function compileText(options: SnapshotOptions): Pick<Compiled, 'redactKey' | 'mask' | 'scan' | 'redact'> {
  // Redaction is on unless the caller says otherwise: leaking a secret is the worse failure.
  const redactKey = typeof options.redactKey === 'function' ? options.redactKey : compileRedaction();
  const mask = typeof options.mask === 'function' ? options.mask : undefined;
  let scan = identity;
  if (options.scanStrings !== false) {
    const patterns = Array.isArray(options.redactPatterns) ? [...options.redactPatterns] : [];
    scan = (text) => redactText(text, redactKey, patterns);
  }
  const redact = mask === undefined ? scan : (text: string): string => applyMask(scan(text), mask);
  return { redactKey, mask, scan, redact };
}

/**
 * The redaction of free text such as a thrown error's message, exactly as a snapshotter
 * with the same options treats a captured string: credentials scanned out by key and by
 * form (`redactKey`, the built-in forms, `redactPatterns`), then the user's `mask`, each
 * applied once. Never throws.
 * @example const redact = createTextRedactor({ redactKey: compileRedaction(['ssn']), mask });
 */
export function createTextRedactor(options?: SnapshotOptions): (text: string) => string {
  return compileText(options ?? {}).redact;
}

/** The credential scan alone of a snapshotter with these options (what its keys get): forms, key rules and `redactPatterns`, no mask. */
export function createCredentialScan(options?: SnapshotOptions): (text: string) => string {
  return compileText(options ?? {}).scan;
}

function streamName(value: object): string {
  try {
    const name = value.constructor?.name;
    return typeof name === 'string' && name !== '' ? sanitizeString(name) : 'Stream';
  } catch {
    return 'Stream';
  }
}

// V8 has no partial key enumeration: Object.keys, for...in (even with break) and
// Reflect.ownKeys all list every key first (about 0.35 s for a million keys). So a huge
// object's first keys are listed once and remembered: a later capture of the same object
// reads only those (their values fresh; a key deleted since is skipped, one added since is
// counted in the marker but not shown). Ordinary objects are listed every time, as before.
const HUGE_OBJECT_KEYS = 10_000;
const hugeObjectKeys = new WeakMap<object, { keys: readonly string[]; total: number }>();

function allKeys(value: object, cap: number): { keys: readonly string[]; total: number } {
  const known = hugeObjectKeys.get(value);
  if (known !== undefined && known.keys.length >= cap) {
    const keys = known.keys.filter((key) => hasOwn(value, key));
    return { keys, total: known.total - (known.keys.length - keys.length) };
  }
  const keys = objectKeys(value);
  if (keys.length < HUGE_OBJECT_KEYS) return { keys, total: keys.length };
  const kept = { keys: keys.slice(0, Math.max(cap, 1_000)), total: keys.length };
  hugeObjectKeys.set(value, kept);
  return kept;
}

/** The first `cap` enumerable string keys of a Proxy; `total` counts its string keys (an upper bound). */
function proxyKeys(value: object, cap: number): { keys: readonly string[]; total: number } {
  const own = Reflect.ownKeys(value);
  const keys: string[] = [];
  let strings = 0;
  let checked = 0;
  for (const key of own) {
    if (typeof key !== 'string') continue;
    strings += 1;
    if (keys.length >= cap) continue;
    checked = strings;
    if (Reflect.getOwnPropertyDescriptor(value, key)?.enumerable) keys.push(key);
  }
  return { keys, total: keys.length + (strings - checked) };
}
