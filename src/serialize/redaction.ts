/**
 * Keys whose values are always redacted, in addition to the user's `redactKeys`. A key is
 * split into words (at `-`, `_`, `.`, spaces and camelCase humps) and matched as follows
 * (see {@link compileRedaction}): `api_key`, `authorization`, `cookie`, `password`,
 * `passphrase`, `pwd`, `private_key`, `secret_key` and `credentials` when the key ends with
 * them (`x-api-key`, `Set-Cookie`, `db_password`, `privateKey`); `secret` as any word of the
 * key (`client_secret`, `aws_secret_access_key`); `auth` as the whole key; and `token` as
 * the key's last word unless the word before it says it is not a credential (`access_token`,
 * `sessionToken` and `csrf_token` are redacted; `nextPageToken`, `max_tokens` and
 * `tokenCount` are not).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  'api_key',
  'authorization',
  'cookie',
  'password',
  'passphrase',
  'pwd',
  'private_key',
  'secret_key',
  'credentials',
  'secret',
  'auth',
  'token',
]);

/** The string that replaces a redacted value. */
export const REDACTED = '[REDACTED]';

// Keys repeat a lot (the same argument names on every call), so verdicts are cached.
// The cache is capped so that data used as keys cannot grow it without bound, and long
// keys are not cached at all.
const CACHE_LIMIT = 2048;
const CACHEABLE_KEY_LENGTH = 64;
const SEPARATORS = /[-_]/g;

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(SEPARATORS, '');
}

// How each default key matches (DEFAULT_REDACT_KEYS documents it). Suffixes are compared
// with the key's words joined, so `privateKey`, `private-key` and `rsaprivatekey` all end
// with `privatekey`.
const DEFAULT_SUFFIXES = ['apikey', 'authorization', 'cookie', 'password', 'passwd', 'passphrase', 'pwd', 'privatekey', 'secretkey', 'credentials', 'credential', 'secret'];
const DEFAULT_WORDS = new Set(['secret', 'secrets']);
const DEFAULT_WHOLE_KEYS = new Set(['auth', 'token']);
// A `...token` key is a credential unless the word before `token` names a position in a
// list or in a tokenizer, or a count: `next_page_token`, `eos_token`, `max_token`.
const NOT_CREDENTIAL_TOKENS = new Set([
  'next', 'prev', 'previous', 'page', 'continuation', 'cursor', 'pagination', 'resume', 'sync', 'cancellation', 'cancel',
  'abort', 'eos', 'bos', 'pad', 'unk', 'sep', 'cls', 'mask', 'special', 'stop', 'start', 'end', 'first', 'last', 'max',
  'min', 'num', 'input', 'output', 'prompt', 'completion', 'reasoning', 'cached', 'total', 'word', 'sub',
]);
// The same, for a key written in one lowercase word (`nextpagetoken`): only unambiguous
// endings, so that a credential is never let through by a short one (`backendtoken`).
const NOT_CREDENTIAL_GLUED = ['page', 'next', 'continuation', 'cursor', 'pagination', 'cancellation'];
const CAMEL_HUMP = /([a-z0-9])([A-Z])/g;
const CAMEL_ACRONYM = /([A-Z]+)([A-Z][a-z])/g;
const NON_WORD = /[^a-z0-9]+/;

/** `'x-API-KeyValue'` → `['x', 'api', 'key', 'value']`. */
function keyWords(key: string): string[] {
  return key
    .replace(CAMEL_HUMP, '$1 $2')
    .replace(CAMEL_ACRONYM, '$1 $2')
    .toLowerCase()
    .split(NON_WORD)
    .filter((word) => word !== '');
}

function isDefaultSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  const joined = words.join('');
  if (DEFAULT_WHOLE_KEYS.has(joined)) return true;
  for (const word of words) if (DEFAULT_WORDS.has(word)) return true;
  for (const suffix of DEFAULT_SUFFIXES) if (joined.endsWith(suffix)) return true;
  const last = words[words.length - 1] as string;
  if (last === 'token') return words.length === 1 || !NOT_CREDENTIAL_TOKENS.has(words[words.length - 2] as string);
  if (last.endsWith('token')) {
    const prefix = last.slice(0, -'token'.length);
    return !NOT_CREDENTIAL_GLUED.some((ending) => prefix.endsWith(ending));
  }
  return false;
}

/**
 * Compiles the redaction rule once (at init) into a predicate on keys: the default keys
 * (matched as {@link DEFAULT_REDACT_KEYS} says) plus the user's keys. A user key matches
 * when the key, lowercased and with every `-` and `_` removed, equals it or ends with it
 * (normalised the same way): `ssn` matches `user_SSN`. A short user rule matches many keys
 * (`id` matches `paid`), so prefer specific names. Entries that are not strings, or are
 * empty after normalising (they would match every key), are ignored. Never throws.
 * @example compileRedaction(['ssn'])('user_SSN') // true
 */
export function compileRedaction(extraKeys: readonly string[] = []): (key: string) => boolean {
  const rules = new Set<string>();
  for (const rule of Array.isArray(extraKeys) ? extraKeys : []) {
    if (typeof rule !== 'string') continue;
    const normalised = normaliseKey(rule);
    if (normalised !== '') rules.add(normalised);
  }
  const ruleList = [...rules];
  const cache = new Map<string, boolean>();

  return function isRedactedKey(key: string): boolean {
    if (typeof key !== 'string') return false;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let matches = isDefaultSecretKey(key);
    if (!matches && ruleList.length > 0) {
      const normalised = normaliseKey(key);
      for (const rule of ruleList) {
        if (normalised.endsWith(rule)) {
          matches = true;
          break;
        }
      }
    }
    if (key.length <= CACHEABLE_KEY_LENGTH) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(key, matches);
    }
    return matches;
  };
}

// `key=value`, `key: value`, `"key":"value"`, `'key': 'value'` and the escaped form
// `\"key\":\"value\"` found in JSON that was stringified twice. The scan starts from each
// `:` and `=` (found with indexOf, which is fast) and reads the key backwards from it: up
// to 8 blanks, an optional closing quote, up to 64 of `[\w.-]`, and the same opening quote.
// The value is read forwards; when the key does not match the scan resumes after the
// separator, so `url=https://x?token=abc` still finds `token`. Every step is bounded and
// every quoted run stops at its closing quote or a line break, so the scan stays linear.
const VALUE_RE = new RegExp(
  [
    /[ \t]{0,8}/.source +
      '(?:' +
      [
        /"(?:[^"\\\n]|\\.)*"/.source,
        /'(?:[^'\\\n]|\\.)*'/.source,
        /\\"(?:[^"\\\n]|\\[^"\n])*\\"/.source,
        // An authorization scheme and its credentials are one value.
        /(?:bearer|basic|token)[ \t]+[^\s"',;&}\])]+/.source,
        // A quote that is never closed (truncated text): redact up to the next delimiter.
        /\\?["'][^\s"',;&}\])]*/.source,
        /[^\s"',;&}\])]+/.source,
      ].join('|') +
      ')',
  ].join(''),
  'iy',
);
const KEY_LENGTH = 64;
const BLANKS = 8;

function isKeyChar(code: number): boolean {
  // [A-Za-z0-9_.-]
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 46 || code === 45;
}

/** The key that ends just before the separator at `at`, or undefined. */
function keyBefore(text: string, at: number): string | undefined {
  let end = at;
  for (let blanks = 0; blanks < BLANKS && end > 0; blanks++) {
    const code = text.charCodeAt(end - 1);
    if (code !== 32 && code !== 9) break;
    end -= 1;
  }
  let quote = '';
  const last = text[end - 1];
  if (last === '"' || last === "'") {
    quote = text[end - 2] === '\\' ? `\\${last}` : last;
    end -= quote.length;
  }
  let start = end;
  while (start > 0 && end - start < KEY_LENGTH && isKeyChar(text.charCodeAt(start - 1))) start -= 1;
  if (start === end) return undefined;
  if (quote !== '' && text.slice(start - quote.length, start) !== quote) {
    // `\"key":` or `'key":`: the quotes do not pair, as the key of a pair must.
    return undefined;
  }
  return text.slice(start, end);
}

function redactedValue(value: string): string {
  const quote = value.startsWith('\\"') ? '\\"' : value[0] === '"' || value[0] === "'" ? value[0] : '';
  const closed = quote !== '' && value.length >= 2 * quote.length && value.endsWith(quote);
  return quote + REDACTED + (closed ? quote : '');
}

/** The positions of the `:` and `=` of a text in order: each indexOf runs once per hit, so the walk stays linear. */
function separators(text: string): (from: number) => number {
  let colon = text.indexOf(':');
  let equals = text.indexOf('=');
  return (from) => {
    if (colon !== -1 && colon < from) colon = text.indexOf(':', from);
    if (equals !== -1 && equals < from) equals = text.indexOf('=', from);
    if (colon === -1) return equals;
    return equals === -1 || colon < equals ? colon : equals;
  };
}

function blanksAt(text: string, at: number): number {
  let count = 0;
  while (count < BLANKS && (text.charCodeAt(at + count) === 32 || text.charCodeAt(at + count) === 9)) count += 1;
  return count;
}

function redactKeyValues(text: string, redactKey: (key: string) => boolean): string {
  // One shared sticky regex (a regex created per call stays in V8's slow interpreted tier):
  // `lastIndex` is set right before each exec and read right after, with no user code in
  // between, so a re-entrant call from redactKey cannot disturb it.
  const valueRe = VALUE_RE;
  let out = '';
  let copied = 0;
  try {
    const nextSeparator = separators(text);
    for (let at = nextSeparator(0); at !== -1; at = nextSeparator(at + 1)) {
      if (at < copied) continue;
      const key = keyBefore(text, at);
      if (key === undefined) continue;
      let secret: boolean;
      try {
        secret = redactKey(key) === true;
      } catch {
        secret = true; // a failing rule fails closed
      }
      if (!secret) continue;
      valueRe.lastIndex = at + 1;
      const value = valueRe.exec(text);
      if (value === null) continue;
      const blanks = blanksAt(text, at + 1);
      if (value[0].length === blanks) continue;
      out += text.slice(copied, at + 1 + blanks) + redactedValue(value[0].slice(blanks));
      copied = valueRe.lastIndex;
      at = copied - 1;
    }
  } finally {
    valueRe.lastIndex = 0;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A credential recognised by its form. It is looked for only when the text holds `gate`
 * (one character: single-character indexOf is many times faster than a substring search
 * or a regex) and then one of `triggers`, substrings the pattern needs (or a test of them).
 * A substring search is quick when its first character is rare, so triggers start with one
 * (`yJ` rather than `eyJ`, `k-` rather than `sk-`).
 */
interface SecretForm {
  readonly gate: string;
  readonly triggers: ReadonlyArray<string | ((text: string) => boolean)>;
  readonly pattern: RegExp;
  readonly replace: string | ((match: string, ...groups: string[]) => string);
}

/** A `gh?_` before some `_`: each `_` is found with indexOf (rare), rather than searching `gh` (common). */
function ghPrefixed(text: string): boolean {
  for (let at = text.indexOf('_', 3); at !== -1; at = text.indexOf('_', at + 1)) {
    if (text.charCodeAt(at - 3) === 103 && text.charCodeAt(at - 2) === 104) return true;
  }
  return false;
}

function isBasicCredentials(encoded: string): boolean {
  try {
    return typeof atob === 'function' && atob(encoded).includes(':');
  } catch {
    return false;
  }
}

// Each pattern starts with a literal where it can (V8 then skips ahead quickly), is bounded,
// and stays linear. DEFAULT_SECRET_PATTERNS documents them.
const SECRET_FORMS: readonly SecretForm[] = [
  // The password may hold an unescaped `@`: it runs to the last `@` before the host.
  { gate: '@', triggers: ['://'], pattern: /:\/\/([^\s:/?#@"'<>\\]{0,256}):[^\s/?#"'<>\\]{1,256}@/g, replace: `://$1:${REDACTED}@` },
  { gate: 'B', triggers: ['Bearer', 'BEARER'], pattern: /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, replace: `$1 ${REDACTED}` },
  { gate: 'b', triggers: ['bearer'], pattern: /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, replace: `$1 ${REDACTED}` },
  {
    gate: 'B',
    triggers: ['Basic', 'BASIC'],
    pattern: /\b(Basic|BASIC|basic)[ \t]+([A-Za-z0-9+/]{4,4096}={0,2})(?![\w+/=])/g,
    replace: (match, scheme, credentials) => (isBasicCredentials(credentials as string) ? `${scheme} ${REDACTED}` : match),
  },
  {
    gate: 'b',
    triggers: ['basic'],
    pattern: /\b(basic)[ \t]+([A-Za-z0-9+/]{4,4096}={0,2})(?![\w+/=])/g,
    replace: (match, scheme, credentials) => (isBasicCredentials(credentials as string) ? `${scheme} ${REDACTED}` : match),
  },
  { gate: 'J', triggers: ['yJ'], pattern: /\beyJ[\w-]{2,8192}\.[\w-]{2,16384}\.[\w-]{0,8192}/g, replace: REDACTED },
  // `sk-learn-pipelines` is prose; a key has digits (or is long).
  { gate: '-', triggers: ['k-'], pattern: /\bsk-[\w-]{10,512}/g, replace: (match) => (/\d/.test(match) || match.length >= 35 ? REDACTED : match) },
  { gate: '-', triggers: ['xox'], pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,255}/g, replace: REDACTED },
  { gate: '_', triggers: ['_live_', '_test_'], pattern: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}/g, replace: REDACTED },
  { gate: '_', triggers: [ghPrefixed], pattern: /\bgh[pousr]_[A-Za-z0-9]{20,255}/g, replace: REDACTED },
  { gate: '_', triggers: ['_pat_'], pattern: /\bgithub_pat_\w{20,255}/g, replace: REDACTED },
  { gate: 'A', triggers: ['AKIA', 'ASIA'], pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replace: REDACTED },
];
// The characters of the gates and the key-value separators. Clean text holds none of them
// (lowercase prose without punctuation but `.`, `,`, `?`, `!`), and costs one indexOf each.
const GATES = [':', '=', ...new Set(SECRET_FORMS.map((form) => form.gate))].filter((gate) => gate !== 'b');
const GATE_CLASS = new RegExp(`[${GATES.join('').replace(/[-\\\]^]/g, '\\$&')}]`);
const SHORT_TEXT = 64;

/**
 * The credential forms every captured string and error message is scanned for, by name,
 * for the README and for tests; each is replaced by `[REDACTED]`, keeping the text around
 * it (and the user of a URL's `user:password@`).
 */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = Object.freeze([
  'URL userinfo password (scheme://user:[REDACTED]@host)',
  'Bearer <token> and Basic <base64 user:password>',
  'JWT (eyJ….eyJ….signature)',
  'sk-… keys (OpenAI sk-/sk-proj-, Anthropic sk-ant-) and Stripe sk_live_/rk_live_ keys',
  'AWS access key ids (AKIA…, ASIA…)',
  'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)',
  'Slack tokens (xoxa-, xoxb-, xoxp-, xoxr-, xoxs-)',
  '<secret key>=<value>, <secret key>: <value>, "<secret key>": "<value>" for every redacted key',
]);

/**
 * True when `text` may hold a secret a default rule finds: one indexOf per gate character
 * (V8 runs a one-character indexOf far faster than any regex or substring search), so clean
 * text costs a few nanoseconds per hundred characters. A lowercase `bearer`/`basic` is a
 * gate of its own only when the text has another gate (the credentials after it nearly
 * always hold `-`, `_`, `=`, or follow `Authorization:`).
 */
function maySecret(text: string): boolean {
  if (text.length < SHORTEST_FORM) return text.indexOf(':') !== -1 || text.indexOf('=') !== -1;
  // A call costs more than its scan on short text: there, one character-class test wins.
  if (text.length < SHORT_TEXT) return GATE_CLASS.test(text);
  for (const gate of GATES) if (text.indexOf(gate) !== -1) return true;
  return false;
}

// The forms grouped by gate, so a text is searched once per gate character.
const FORMS_BY_GATE: ReadonlyArray<readonly [gate: string, forms: readonly SecretForm[]]> = [
  ...SECRET_FORMS.reduce((groups, form) => groups.set(form.gate, [...(groups.get(form.gate) ?? []), form]), new Map<string, SecretForm[]>()),
];
// No form is shorter than this (`Bearer 1`), so shorter text only needs the key-value scan.
const SHORTEST_FORM = 8;

function redactForms(text: string): string {
  if (text.length < SHORTEST_FORM) return text;
  let out = text;
  for (const [gate, forms] of FORMS_BY_GATE) {
    if (out.indexOf(gate) === -1) continue;
    for (const form of forms) {
      let triggered = false;
      for (const trigger of form.triggers) {
        if (typeof trigger === 'string' ? out.indexOf(trigger) !== -1 : trigger(out)) {
          triggered = true;
          break;
        }
      }
      if (triggered) out = out.replace(form.pattern, form.replace as (match: string, ...groups: string[]) => string);
    }
  }
  return out;
}

/**
 * Redacts secrets in free text (a captured string, an error message): the value in
 * `<key>=<value>`, `<key>: <value>` and `"<key>":"<value>"` when `redactKey(key)` is true
 * (a value is one token: a quoted string, an auth scheme with its credentials, or a run up
 * to whitespace or `,;&)]}`), every form of {@link DEFAULT_SECRET_PATTERNS} (`Bearer`
 * credentials included), and every match of the extra `patterns` (compiled by
 * {@link compileSecretPatterns}). Text with none of the trigger substrings is returned as it
 * is. Never throws.
 * @example redactText('login failed: password=hunter2', compileRedaction()) // 'login failed: password=[REDACTED]'
 */
export function redactText(text: string, redactKey: (key: string) => boolean, patterns?: readonly RegExp[]): string {
  if (typeof text !== 'string') return text;
  const extra = patterns !== undefined && patterns.length > 0;
  try {
    let out = text;
    if (maySecret(text)) {
      if (text.indexOf(':') !== -1 || text.indexOf('=') !== -1) out = redactKeyValues(out, redactKey);
      out = redactForms(out);
    }
    if (extra) for (const pattern of patterns) out = out.replace(pattern, REDACTED);
    return out;
  } catch {
    // Only reachable on exhausted memory or a user pattern that throws; the text may hold
    // a secret, so do not return it.
    return REDACTED;
  }
}

/**
 * Checks and compiles the user's `redactPatterns` once (at init): each must be a RegExp
 * that does not match the empty string; the result has the `g` flag (and not `y`), so every
 * match is replaced. Returns an error message naming the entry at fault instead of throwing.
 * @example compileSecretPatterns([/acme_[a-z0-9]{32}/]) // [/acme_[a-z0-9]{32}/g]
 */
export function compileSecretPatterns(patterns: unknown): RegExp[] | string {
  if (patterns === undefined) return [];
  if (!Array.isArray(patterns)) return ' must be an array of regular expressions';
  const compiled: RegExp[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const pattern: unknown = patterns[i];
    if (Object.prototype.toString.call(pattern) !== '[object RegExp]') return `[${i}] must be a RegExp, got ${typeof pattern}`;
    const { source, flags } = pattern as RegExp;
    const once = new RegExp(source, flags.replace(/[gy]/g, ''));
    if (once.test('')) return `[${i}] /${source}/ matches the empty string, which would redact everything`;
    compiled.push(new RegExp(source, `${flags.replace(/[gy]/g, '')}g`));
  }
  return compiled;
}
