import { sanitizeString } from './sanitize-string.js';

/** What a masked value becomes when the user's `mask` throws or returns a non-string. */
export const MASK_ERROR = '[MASK_ERROR]';

/** Applies the user's `mask` to one string: its result sanitised, or `MASK_ERROR`. Never throws. */
export function applyMask(value: string, mask: (value: string) => string): string {
  let result: unknown;
  try {
    result = mask(value);
  } catch {
    return MASK_ERROR;
  }
  return typeof result === 'string' ? sanitizeString(result) : MASK_ERROR;
}
