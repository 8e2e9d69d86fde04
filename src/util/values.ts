// Small value tests shared by the provider-shape parsers and the engine. Nothing here
// imports anything: every layer may use it.

/** A plain object read field by field (a provider request, response, chunk or usage). */
export type Bag = Record<string, any>;

/** True for a non-null, non-array object. */
export const isBag = (value: unknown): value is Bag => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A finite, non-negative number (a token count, a cost), else undefined. */
export const nonNegative = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/** A non-empty string, else undefined (a framework's optional name or id). */
export const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Text that holds a JSON object or array (tool arguments and results) parsed; anything else as is. */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}
