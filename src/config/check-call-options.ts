import { NorthstarConfigError } from '../errors/northstar-error.js';
import { describeValue } from './resolve-config.js';

/** Checks one option's value; returns what it must be when the value is wrong. */
type Check = (value: unknown) => string | undefined;

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const string: Check = (v) => (typeof v === 'string' ? undefined : 'a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const object: Check = (v) => (isPlainObject(v) ? undefined : 'an object');
const anything: Check = () => undefined;
const strings: Check = (v) => (Array.isArray(v) && v.every((t) => typeof t === 'string') ? undefined : 'an array of strings');
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `one of ${allowed.map((a) => `'${a}'`).join(', ')}`;

const promptSource: Check = (v) => (typeof v === 'function' || isPlainObject(v) ? undefined : 'a compiled prompt (prompt.compile(...)) or a function returning one');

const CAPTURE = { captureInput: boolean, captureOutput: boolean, input: anything };
const SPAN_KINDS = ['agent', 'workflow', 'model', 'tool', 'custom'];

// Values that are data rather than settings (names, metadata, attributes, iteration) are
// accepted as they come: whatever they hold is recorded safely (a name falls back, a
// non-object is ignored, an iteration outside int32 is left out and reported), and
// throwing on data would break the host program. Settings are checked strictly.

/** The options each public function accepts, with what each must be. */
export const CALL_OPTIONS = {
  trace: { ...CAPTURE, name: anything, metadata: anything, tags: strings, userId: string, sessionId: string, release: string },
  observe: { ...CAPTURE, name: anything, kind: oneOf(...SPAN_KINDS), attributes: anything },
  span: { captureInput: boolean, captureOutput: boolean, kind: oneOf(...SPAN_KINDS), iteration: anything, attributes: anything },
  modelCall: { captureInput: boolean, captureOutput: boolean, model: string, provider: string, attributes: anything, iteration: anything, prompt: promptSource },
} satisfies Record<string, Record<string, Check>>;

const PARAMS: Check = (v) => (Array.isArray(v) ? undefined : "an array (e.g. ['query', null])");

/** The options of the method decorators, by the kind of observation they make. */
export const DECORATOR_OPTIONS = {
  trace: { ...CALL_OPTIONS.trace, name: string, metadata: object, params: PARAMS },
  span: { ...CAPTURE, name: string, kind: oneOf('agent', 'workflow', 'tool', 'custom'), attributes: object, params: PARAMS },
  model: { ...CAPTURE, name: string, model: string, provider: string, attributes: object, params: PARAMS, prompt: promptSource },
} satisfies Record<string, Record<string, Check>>;

/** The option nearest to a misspelt one (`nmae` → `name`), if one is close. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Checks the options object given to a public function (or decorator) and throws the
 * error `makeError` builds, naming the option and the type of the wrong value.
 */
export function checkCallOptions(
  where: string,
  options: unknown,
  checks: Readonly<Record<string, Check>>,
  makeError: (message: string) => Error = (message) => new NorthstarConfigError(message),
): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw makeError(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options as object)) {
    const check = checks[key];
    if (check === undefined) {
      const hint = nearest(key, Object.keys(checks));
      throw makeError(`${where}: unknown option ${key}.${hint ? ` Did you mean ${hint}?` : ''} Known options: ${Object.keys(checks).join(', ')}`);
    }
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) throw makeError(`${where}: option ${key} must be ${expected}, got ${describeValue(value)}`);
  }
}

/** Throws unless `fn` is the callback a scoped function needs. */
export function checkCallback(where: string, fn: unknown, shape: string): void {
  if (typeof fn !== 'function') {
    throw new NorthstarConfigError(`${where}: the last argument must be the callback ${shape}, got ${describeValue(fn)}`);
  }
}


/** The checks of `span()` / `modelCall()` (and the handles' `span` / `modelCall`): name, options, callback. */
export function checkScopedCall(kind: 'span' | 'modelCall', name: unknown, options: unknown, fn: unknown): void {
  const where = `${kind}(${JSON.stringify(name)})`;
  checkCallOptions(where, options, CALL_OPTIONS[kind]);
  checkCallback(where, fn, kind === 'span' ? '(span) => ...' : '(modelSpan) => ...');
}
