// The object snapshotter as it was before capture wrote JSON text directly: a deep JSON-safe
// copy built as objects. Kept as the oracle of spec/serialize/snapshot-json.property.spec.ts,
// which checks that JSON.stringify of this copy and the JSON text the snapshotter writes now
// are the same, byte for byte, for random and hostile values. Changed only where a rule
// changed: keys are scanned for credential forms like string values. Not part of the package.
import { isBuffer, NodeStream, types } from '../../src/util/runtime.js';
import { REDACTED, compileRedaction, redactText } from '../../src/serialize/redaction.js';
import { applyMask, MASK_ERROR } from '../../src/serialize/mask.js';
import { sanitizeString } from '../../src/serialize/sanitize-string.js';
import { clipText } from '../../src/util/text.js';

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

const CIRCULAR = '[Circular]';
const TRUNCATED = '[Truncated]';
const TRUNCATED_DEPTH = '[Truncated: depth]';
const UNSERIALIZABLE = '[Unserializable]';
const MORE_KEYS = '…';
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

/** Defines `key` as an own data property, so that `__proto__` is data and not the prototype. */
function setEntry(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
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
 * One snapshot in progress. A fresh walk per snapshot keeps the snapshotter re-entrant:
 * a getter or `toJSON` may itself be traced and call the snapshotter again.
 */
class SnapshotWalk {
  /** Values visited so far, compared with `maxTotalNodes`. */
  private nodes = 0;
  /** The containers being copied, outermost first: a value found among them is a cycle. */
  private readonly ancestors: object[] = [];

  constructor(private readonly options: Compiled) {}

  visit(value: unknown, depth: number, fromToJSON: boolean): JsonValue {
    if (this.nodes >= this.options.maxTotalNodes) return TRUNCATED;
    this.nodes += 1;
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return convertNumber(value);
      case 'boolean':
        return value;
      case 'undefined':
        return null;
      case 'bigint':
        return this.text(`${value}n`);
      case 'symbol':
        return this.symbol(value);
      case 'function':
        return this.functionMarker(value);
    }
    if (value === null) return null;
    const object = value as object;
    if (this.ancestors.includes(object)) return CIRCULAR;
    // Any of the operations below can run user code (getters, toJSON, Proxy traps) and so
    // can throw; one failing value becomes a marker and the rest of the snapshot survives.
    try {
      return this.object(object, depth, fromToJSON);
    } catch (error) {
      return this.unserializable(error);
    }
  }

  /** A captured string value: capped, sanitised, scanned for credentials, masked; then the truncation suffix. */
  string(value: string): string {
    const { maxStringLength } = this.options;
    let head = value;
    let dropped = 0;
    if (value.length > maxStringLength) [head, dropped] = cut(value, maxStringLength);
    head = this.options.redact(sanitizeString(head));
    return dropped === 0 ? head : head + truncationSuffix(dropped);
  }

  /** A key as written: {@link text}, then scanned for credential forms (not masked). */
  key(value: string): string {
    return this.options.scan(this.text(value));
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

  /** `'[Unserializable: <message>]'` for a value whose conversion threw. */
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
      return text === '' || text === MASK_ERROR ? UNSERIALIZABLE : `[Unserializable: ${text}]`;
    } catch {
      return UNSERIALIZABLE;
    }
  }

  private isRedacted(key: string): boolean {
    try {
      return this.options.redactKey(key) === true;
    } catch {
      return true; // a failing rule fails closed
    }
  }

  private object(value: object, depth: number, fromToJSON: boolean): JsonValue {
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
  private builtIn(value: object, depth: number): JsonValue | undefined {
    // Brand checks (util.types) are used rather than instanceof or Symbol.toStringTag:
    // they work across realms and cannot be fooled by a look-alike object.
    if (types.isDate(value)) {
      const time = call(dateGetTime, value);
      return time === time ? call(dateToISOString, value) : 'Invalid Date';
    }
    if (types.isMap(value)) return this.map(value, depth);
    if (types.isSet(value)) return this.set(value, depth);
    if (types.isNativeError(value) || value instanceof Error) return this.error(value, depth);
    const binary = binaryMarker(value);
    if (binary !== undefined) return binary;
    if (types.isRegExp(value)) return this.text(call(regExpToString, value));
    if (types.isPromise(value)) return '[Promise]';
    if (types.isWeakMap(value)) return '[WeakMap]';
    if (types.isWeakSet(value)) return '[WeakSet]';
    if (types.isBoxedPrimitive(value)) {
      if (types.isStringObject(value)) return this.string(call(stringValueOf, value));
      if (types.isNumberObject(value)) return convertNumber(call(numberValueOf, value));
      if (types.isBooleanObject(value)) return call(booleanValueOf, value);
      if (types.isBigIntObject(value)) return this.text(`${call(bigIntValueOf, value)}n`);
      if (types.isSymbolObject(value)) return this.symbol(call(symbolValueOf, value));
    }
    if (value instanceof URL) return this.url(value);
    // Requests, responses and sockets (express, Nest, Fastify's raw request) hold sockets,
    // servers and unredactable rawHeaders: record what they are, never their insides.
    if (NodeStream !== undefined && value instanceof NodeStream) return `[${streamName(value)}]`;
    return undefined;
  }

  /** A URL's href, with its password and secret-looking query parameters redacted. */
  private url(value: URL): string {
    let href = value.href;
    if (value.password !== '') href = href.replace(/^([^:/?#]+:\/\/[^/?#@:]*:)[^/?#@]*@/, `$1${REDACTED}@`);
    return this.string(href);
  }

  private array(value: readonly unknown[], depth: number): JsonValue {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH;
    const length = arrayLength(value.length);
    // Only the kept elements are read: a sparse array of length 1e7 costs maxCollectionSize reads.
    const end = Math.min(length, this.options.maxCollectionSize);
    const out: JsonValue[] = [];
    this.ancestors.push(value);
    try {
      for (let i = 0; i < end; i++) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        out.push(this.element(value, i, depth));
      }
    } finally {
      this.ancestors.pop();
    }
    if (out.length < length) out.push(`[Truncated: ${length - out.length} more items]`);
    return out;
  }

  private element(value: readonly unknown[], index: number, depth: number): JsonValue {
    let item: unknown;
    try {
      item = value[index];
    } catch (error) {
      this.nodes += 1;
      return this.unserializable(error);
    }
    return this.visit(item, depth + 1, false);
  }

  private set(value: object, depth: number): JsonValue {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH;
    const size = call(setSize, value) as number;
    const end = Math.min(size, this.options.maxCollectionSize);
    // Copy the kept items first: visiting them can run user code that changes the Set.
    const items: unknown[] = [];
    for (const item of call(setValues, value)) {
      if (items.length >= end) break;
      items.push(item);
    }
    const out: JsonValue[] = [];
    this.ancestors.push(value);
    try {
      for (const item of items) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        out.push(this.visit(item, depth + 1, false));
      }
    } finally {
      this.ancestors.pop();
    }
    if (out.length < size) out.push(`[Truncated: ${size - out.length} more items]`);
    return out;
  }

  /**
   * A Map becomes an object when every kept key is a primitive and the keys stay distinct
   * once turned into strings (the common case: string or number keys); otherwise an array
   * of `[key, value]` pairs, so that object keys and colliding keys (`1` and `'1'`) are not lost.
   */
  private map(value: object, depth: number): JsonValue {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH;
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
      names = keys.map((key) => this.key(key as string));
    } else if (allPrimitive) {
      names = keys.map((key) => this.key(typeof key === 'bigint' ? `${key}n` : String(key)));
      if (new Set(names).size !== names.length) names = undefined;
    }

    this.ancestors.push(value);
    try {
      if (names !== undefined) {
        const out: { [key: string]: JsonValue } = {};
        let kept = 0;
        for (; kept < names.length; kept++) {
          if (this.nodes >= this.options.maxTotalNodes) break;
          const name = names[kept] as string;
          const item = this.isRedacted(name) ? this.redacted() : this.visit(values[kept], depth + 1, false);
          setEntry(out, name, item);
        }
        if (kept < size) setEntry(out, MORE_KEYS, `[Truncated: ${size - kept} more keys]`);
        return out;
      }
      const out: JsonValue[] = [];
      for (let i = 0; i < keys.length; i++) {
        if (this.nodes >= this.options.maxTotalNodes) break;
        const key = keys[i];
        const secret = typeof key === 'string' && this.isRedacted(this.text(key));
        out.push([
          this.visit(key, depth + 1, false),
          secret ? this.redacted() : this.visit(values[i], depth + 1, false),
        ]);
      }
      if (out.length < size) out.push(`[Truncated: ${size - out.length} more items]`);
      return out;
    } finally {
      this.ancestors.pop();
    }
  }

  /** `{ name, message, ...own enumerable properties, cause?, errors? }`; the stack is left out. */
  private error(value: object, depth: number): JsonValue {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH;
    const error = value as { name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const out: { [key: string]: JsonValue } = {};
    const name = this.read(error, 'name');
    out['name'] = typeof name === 'string' ? this.text(name) : 'Error';
    const message = this.read(error, 'message');
    out['message'] = typeof message === 'string' ? this.string(message) : '';
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
          out[key] = this.unserializable(thrown);
          continue;
        }
        if (item !== undefined) out[key] = this.visit(item, depth + 1, false);
      }
    } finally {
      this.ancestors.pop();
    }
    return out;
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
  private record(value: object, depth: number): JsonValue {
    if (depth >= this.options.maxDepth) return TRUNCATED_DEPTH;
    const out: { [key: string]: JsonValue } = {};
    this.ancestors.push(value);
    try {
      this.properties(value, out, depth, undefined);
    } finally {
      this.ancestors.pop();
    }
    return out;
  }

  /** Copies own enumerable properties into `out`: redacted unread, undefined left out, capped. */
  private properties(value: object, out: { [key: string]: JsonValue }, depth: number, skip: Set<string> | undefined): void {
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
      const name = this.key(key);
      kept += 1;
      if (this.isRedacted(name)) {
        setEntry(out, name, this.redacted());
        continue;
      }
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch (error) {
        // A getter that throws spoils only its own property.
        this.nodes += 1;
        setEntry(out, name, this.unserializable(error));
        continue;
      }
      // As in JSON, an undefined property is left out (it still counts toward the caps).
      if (item !== undefined) setEntry(out, name, this.visit(item, depth + 1, false));
      else this.nodes += 1;
    }
    let remaining = total - index;
    if (skip !== undefined && remaining > 0) {
      for (let i = index; i < keys.length; i++) if (skip.has(keys[i] as string)) remaining -= 1;
    }
    if (remaining > 0) setEntry(out, MORE_KEYS, `[Truncated: ${remaining} more keys]`);
  }

  private redacted(): string {
    // Counted, so that objects full of secrets are bounded like any other.
    this.nodes += 1;
    return REDACTED;
  }
}

/**
 * Compiles the options once (at init) into the function that snapshots captured values on
 * the hot path. The result is a deep copy that `JSON.stringify` writes without throwing and
 * PostgreSQL jsonb accepts: no U+0000 or lone surrogates, no cycles, bounded in size. The
 * snapshotter never throws and only runs user code through getters, `toJSON` and Proxy
 * traps, each guarded. Invalid limits fall back to their defaults (the config validates them).
 * @example const snapshot = createSnapshotter({ redactKey: compileRedaction(['ssn']) });
 */
export function createSnapshotter(options?: SnapshotOptions): Snapshotter {
  options ??= {};
  const text = compileText(options);
  const compiled: Compiled = {
    maxDepth: limit(options.maxDepth, DEFAULT_SNAPSHOT_LIMITS.maxDepth),
    maxStringLength: limit(options.maxStringLength, DEFAULT_SNAPSHOT_LIMITS.maxStringLength),
    maxCollectionSize: limit(options.maxCollectionSize, DEFAULT_SNAPSHOT_LIMITS.maxCollectionSize),
    maxTotalNodes: limit(options.maxTotalNodes, DEFAULT_SNAPSHOT_LIMITS.maxTotalNodes),
    ...text,
  };
  const { maxStringLength, mask, scan } = compiled;
  // Strings are the most common capture: clean, short, unmasked ones come back as they are.
  const plainStrings = mask === undefined;

  return function snapshot(value: unknown): JsonValue {
    try {
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
      return new SnapshotWalk(compiled).visit(value, 0, false);
    } catch {
      // Unreachable short of a stack overflow or exhausted memory; never throw into user code.
      return UNSERIALIZABLE;
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
