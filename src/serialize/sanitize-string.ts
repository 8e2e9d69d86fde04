// PostgreSQL jsonb refuses U+0000 and unpaired UTF-16 surrogates (docs/protocol.md, "Values the
// database refuses"): one such character makes the whole batch fail with HTTP 500.
const UNSAFE_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `String.prototype.isWellFormed` (ES2024, in Node 20), outside the ES2023 lib we compile against. */
type WellFormed = string & { isWellFormed(): boolean };

const replaceUnsafe = (match: string): string => (match === '\u0000' ? '' : '\ufffd');

/**
 * Removes U+0000 and replaces lone UTF-16 surrogates by U+FFFD, which PostgreSQL jsonb
 * refuses; returns the same string when it is clean.
 * @example sanitizeString('a\u0000b\ud800') // 'ab\ufffd'
 */
export function sanitizeString(value: string): string {
  // Native checks: about 8x faster than the regex on the clean strings that are the rule.
  if (value.indexOf('\u0000') === -1 && (value as WellFormed).isWellFormed()) return value;
  return value.replace(UNSAFE_ALL, replaceUnsafe);
}
