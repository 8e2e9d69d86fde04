/**
 * Keys whose values are always redacted, in addition to the user's `redactKeys`.
 * Matching is loose on purpose (see {@link compileRedaction}): `apiKey`, `x-api-key`,
 * `access_token` and `Set-Cookie` are all covered by these six.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  'api_key',
  'authorization',
  'cookie',
  'password',
  'secret',
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

/**
 * Compiles the redaction rule once (at init) into a predicate on keys. A key matches when,
 * lowercased and with every `-` and `_` removed, it equals a rule or ends with one
 * (rules are normalised the same way). So `api_key` matches `apiKey`, `API-KEY`,
 * `x-api-key` and `openai_api_key`; `token` matches `access_token` and `sessionToken` but
 * not `max_tokens` or `token_count`. A short user rule matches many keys (`id` matches
 * `paid`), so prefer specific names. Entries that are not strings, or are empty after
 * normalising (they would match every key), are ignored. The predicate never throws.
 * @example compileRedaction(['ssn'])('user_SSN') // true
 */
export function compileRedaction(extraKeys: readonly string[] = []): (key: string) => boolean {
  const rules = new Set<string>();
  for (const rule of [...DEFAULT_REDACT_KEYS, ...(Array.isArray(extraKeys) ? extraKeys : [])]) {
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
    const normalised = normaliseKey(key);
    let matches = false;
    for (const rule of ruleList) {
      if (normalised.endsWith(rule)) {
        matches = true;
        break;
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
// Cheap pre-check: text without a separator or the word "bearer" has nothing to redact.
const MAYBE_SECRET = /[:=]|bearer/i;

function redactedValue(value: string): string {
  const quote = value.startsWith('\\"') ? '\\"' : value[0] === '"' || value[0] === "'" ? value[0] : '';
  const closed = quote !== '' && value.length >= 2 * quote.length && value.endsWith(quote);
  return quote + REDACTED + (closed ? quote : '');
}

/**
 * Redacts secrets in free text such as an error message: the value in `<key>=<value>`,
 * `<key>: <value>` and `"<key>":"<value>"` when `redactKey(key)` is true (a value is one
 * token: a quoted string, an auth scheme with its credentials, or a run up to whitespace or
 * `,;&)]}`), and the credentials of every `Bearer <token>`. Never throws.
 * @example redactText('login failed: password=hunter2', compileRedaction()) // 'login failed: password=[REDACTED]'
 */
export function redactText(text: string, redactKey: (key: string) => boolean): string {
  if (typeof text !== 'string' || !MAYBE_SECRET.test(text)) return text;
  try {
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
    out = copied === 0 ? text : out + text.slice(copied);
    return out.replace(BEARER, `$1 ${REDACTED}`);
  } catch {
    // Only reachable on exhausted memory; the text may hold a secret, so do not return it.
    return REDACTED;
  }
}
