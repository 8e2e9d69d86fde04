/** Base class of every error the SDK throws (at setup or decoration time, and from prompt pulls and compiles). */
export class NorthstarError extends Error {
  override name = 'NorthstarError';
}

/** Thrown by `init` and `new Northstar()` for an invalid option or environment variable. */
export class NorthstarConfigError extends NorthstarError {
  override name = 'NorthstarConfigError';
}

/** Thrown when a decorator is placed where it cannot work (a field, a getter, a parameter under stage-3 decorators, ...). */
export class NorthstarDecoratorError extends NorthstarError {
  override name = 'NorthstarDecoratorError';
}

const NAMES = new Set(['NorthstarError', 'NorthstarConfigError', 'NorthstarDecoratorError', 'NorthstarPromptError']);

/**
 * True for errors thrown by any loaded copy of this package (ESM and CommonJS copies
 * have distinct classes, so the name is checked too).
 */
export function isNorthstarError(value: unknown): value is NorthstarError {
  return value instanceof NorthstarError || (value instanceof Error && NAMES.has(value.name));
}
