import { NorthstarError } from '../errors/northstar-error.js';

/**
 * Why a prompt could not be pulled or compiled: `not_found` (404: unknown slug, label or
 * version), `unauthorized` (401), `unreachable` (network, timeout, 408/429/5xx),
 * `invalid` (a 400, a malformed answer, or bad arguments), `disabled` (no API key or no
 * prompts endpoint), `missing_variables` (compile without a variable the template needs).
 */
export type PromptErrorReason = 'not_found' | 'unauthorized' | 'unreachable' | 'invalid' | 'disabled' | 'missing_variables';

/** Rejection of `pullPrompt` when no version is available, and the error of `compile` with missing variables. */
export class NorthstarPromptError extends NorthstarError {
  override name = 'NorthstarPromptError';
  /** What went wrong. */
  readonly reason: PromptErrorReason;
  /** The prompt's slug as asked for. */
  readonly slug: string;
  /** The label asked for (`prod` by default), when no version was pinned. */
  readonly label: string | undefined;
  /** The pinned version number, if any. */
  readonly version: number | undefined;
  /** The HTTP status of the last answer, if there was one. */
  readonly status: number | undefined;
  /** Every variable a compile lacked (`missing_variables` only). */
  readonly missingVariables: readonly string[];

  /** @internal */
  constructor(
    reason: PromptErrorReason,
    message: string,
    details: { slug: string; label?: string; version?: number; status?: number; missingVariables?: readonly string[]; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.slug = details.slug;
    this.label = details.label;
    this.version = details.version;
    this.status = details.status;
    this.missingVariables = details.missingVariables ?? [];
  }
}

/** True for a `NorthstarPromptError` of any loaded copy of this package. */
export function isNorthstarPromptError(value: unknown): value is NorthstarPromptError {
  return value instanceof NorthstarPromptError || (value instanceof Error && value.name === 'NorthstarPromptError');
}
