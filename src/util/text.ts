// Cutting text to a length, shared by record names, error messages, snapshots and log lines.

/**
 * The first `max` UTF-16 units of `text`, never ending in half a surrogate pair (the
 * database refuses lone surrogates). `text` itself when it is short enough.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
