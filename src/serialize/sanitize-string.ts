// PostgreSQL jsonb refuses U+0000 and unpaired UTF-16 surrogates (PROTOCOL.md, "Values the
// database refuses"): one such character makes the whole batch fail with HTTP 500.
// Non-global copy for the fast path: `test` on a non-global regex keeps no lastIndex state.
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

const replaceUnsafe = (match: string): string => (match === '\u0000' ? '' : '\ufffd');

/**
 * Removes U+0000 and replaces lone UTF-16 surrogates by U+FFFD, which PostgreSQL jsonb
 * refuses; returns the same string when it is clean (one regex test).
 * @example sanitizeString('a\u0000b\ud800') // 'ab\ufffd'
 */
export function sanitizeString(value: string): string {
  if (!UNSAFE.test(value)) return value;
  return value.replace(UNSAFE_ALL, replaceUnsafe);
}
