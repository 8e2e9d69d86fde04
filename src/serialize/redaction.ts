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
// `\"key\":\"value\"` found in JSON that was stringified twice. Only the key and separator
// are matched here; the value is read separately, so that when the key does not match the
// scan resumes inside the value (`url=https://x?token=abc` still finds `token`).
// Every repetition is bounded and every quoted run stops at its closing quote or a line
// break, so the scan stays linear on hostile input.
const KEY_PATTERN = /(\\?["']|)([\w.-]{1,64})\1[ \t]{0,8}[:=][ \t]{0,8}/.source;
const VALUE_PATTERN = new RegExp(
  [
    /"(?:[^"\\\n]|\\.)*"/.source,
    /'(?:[^'\\\n]|\\.)*'/.source,
    /\\"(?:[^"\\\n]|\\[^"\n])*\\"/.source,
    // An authorization scheme and its credentials are one value.
    /(?:bearer|basic|token)[ \t]+[^\s"',;&}\])]+/.source,
    // A quote that is never closed (truncated text): redact up to the next delimiter.
    /\\?["'][^\s"',;&}\])]*/.source,
    /[^\s"',;&}\])]+/.source,
  ].join('|'),
).source;
const BEARER = /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;

// Credentials recognised by their form wherever they appear (DEFAULT_SECRET_PATTERNS
// documents them). One combined pass; each alternative is bounded so the scan stays linear.
// Groups: 1 the URL up to the password, 2 `Basic`, 3 its credentials, 4 an `sk-` key.
const SECRET_FORMS = new RegExp(
  [
    // The password may hold an unescaped `@`: it runs to the last `@` before the host.
    /(\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}:\/\/[^\s:/?#@"'<>\\]{0,256}:)[^\s/?#"'<>\\]{1,256}@/.source,
    /\b(Basic|BASIC|basic)[ \t]+([A-Za-z0-9+/]{4,4096}={0,2})(?![\w+/=])/.source,
    /\beyJ[\w-]{2,8192}\.[\w-]{2,16384}\.[\w-]{0,8192}/.source,
    /\b(sk-[\w-]{10,512})/.source,
    /\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}/.source,
    /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/.source,
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_\w{20,255})/.source,
    /\bxox[abprs]-[A-Za-z0-9-]{10,255}/.source,
  ].join('|'),
  'g',
);
// What must be in a text for any default rule to find something: a key-value separator or
// one of the prefixes above. Clean text fails this one check and is returned as it is.
const MAYBE_SECRET = /[:=]|bearer|basic|eyJ|sk-|k_live_|k_test_|A[KS]IA|gh[pousr]_|github_pat_|xox[abprs]-/i;
const MAYBE_KEY_VALUE = /[:=]/;

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

function isBasicCredentials(encoded: string): boolean {
  try {
    return typeof atob === 'function' && atob(encoded).includes(':');
  } catch {
    return false;
  }
}

function replaceSecretForm(match: string, urlHead?: string, basic?: string, basicCredentials?: string, skKey?: string): string {
  if (urlHead !== undefined) return `${urlHead}${REDACTED}@`;
  if (basic !== undefined) return isBasicCredentials(basicCredentials as string) ? `${basic} ${REDACTED}` : match;
  // `sk-learn-pipelines` is prose; a key has digits (or is long).
  if (skKey !== undefined && !/\d/.test(skKey) && skKey.length < 32) return match;
  return REDACTED;
}

function redactedValue(value: string): string {
  const quote = value.startsWith('\\"') ? '\\"' : value[0] === '"' || value[0] === "'" ? value[0] : '';
  const closed = quote !== '' && value.length >= 2 * quote.length && value.endsWith(quote);
  return quote + REDACTED + (closed ? quote : '');
}

function redactKeyValues(text: string, redactKey: (key: string) => boolean): string {
  // Fresh regex objects: `lastIndex` is per call, so a re-entrant call cannot disturb it.
  const keyRe = new RegExp(KEY_PATTERN, 'g');
  const valueRe = new RegExp(VALUE_PATTERN, 'iy');
  let out = '';
  let copied = 0;
  for (let match = keyRe.exec(text); match !== null; match = keyRe.exec(text)) {
    let secret: boolean;
    try {
      secret = redactKey(match[2] as string) === true;
    } catch {
      secret = true; // a failing rule fails closed
    }
    if (!secret) continue;
    valueRe.lastIndex = keyRe.lastIndex;
    const value = valueRe.exec(text);
    if (value === null || value[0] === '') continue;
    out += text.slice(copied, keyRe.lastIndex) + redactedValue(value[0]);
    copied = keyRe.lastIndex = valueRe.lastIndex;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Redacts secrets in free text (a captured string, an error message): the value in
 * `<key>=<value>`, `<key>: <value>` and `"<key>":"<value>"` when `redactKey(key)` is true
 * (a value is one token: a quoted string, an auth scheme with its credentials, or a run up
 * to whitespace or `,;&)]}`), the credentials of every `Bearer <token>`, every form of
 * {@link DEFAULT_SECRET_PATTERNS}, and every match of the extra `patterns` (compiled by
 * {@link compileSecretPatterns}). Text with none of their trigger characters is returned
 * as it is after one regex test. Never throws.
 * @example redactText('login failed: password=hunter2', compileRedaction()) // 'login failed: password=[REDACTED]'
 */
export function redactText(text: string, redactKey: (key: string) => boolean, patterns?: readonly RegExp[]): string {
  if (typeof text !== 'string') return text;
  const extra = patterns !== undefined && patterns.length > 0;
  if (!extra && !MAYBE_SECRET.test(text)) return text;
  try {
    let out = MAYBE_KEY_VALUE.test(text) ? redactKeyValues(text, redactKey) : text;
    out = out.replace(BEARER, `$1 ${REDACTED}`).replace(SECRET_FORMS, replaceSecretForm);
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
