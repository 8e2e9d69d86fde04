import { sanitizeString } from '../serialize/sanitize-string.js';
import { clipText } from '../util/text.js';
import type { ClientCore } from '../context/client-core.js';

/** Characters of a stack kept: enough for the frames that matter, small on the wire. */
export const MAX_STACK_LENGTH = 4096;
/** Levels of `cause` recorded. */
export const MAX_CAUSES = 5;

const MAX_CAUSE_MESSAGE = 500;

function workingDirectory(): string | undefined {
  try {
    const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
    return typeof cwd === 'string' && cwd.length > 1 ? cwd.replace(/[\\/]+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

// An absolute file path (POSIX, Windows, or a file:// URL) followed by :line:column.
const FRAME_PATH = /(?<=^|[\s(@])(?:file:\/\/)?((?:\/|[A-Za-z]:[\\/])[^\s()'"]*?)(?=:\d+:\d+)/gm;

/**
 * A stack with absolute paths made readable without revealing the machine: paths inside
 * the working directory become relative, `node_modules` paths start at `node_modules/`,
 * other absolute paths keep only their file name.
 */
export function cleanStack(stack: string, cwd: string | undefined = workingDirectory()): string {
  const base = cwd?.replace(/\\/g, '/');
  return stack.replace(FRAME_PATH, (_match, path: string) => {
    const posix = path.replace(/\\/g, '/');
    if (base !== undefined && posix.startsWith(`${base}/`)) return posix.slice(base.length + 1);
    const modules = posix.lastIndexOf('/node_modules/');
    if (modules >= 0) return posix.slice(modules + 1);
    return posix.slice(posix.lastIndexOf('/') + 1);
  });
}

function typeOf(error: unknown): string {
  if (error instanceof Error) {
    const className = error.constructor?.name;
    return (error.name && error.name !== 'Error' ? error.name : className) || error.name || 'Error';
  }
  return error === null ? 'null' : typeof error === 'object' ? ((error as object).constructor?.name ?? 'Object') : typeof error;
}

/**
 * The stack and `cause` chain of an error, redacted and masked like any captured string,
 * for the span attributes or run metadata (`error_stack`, `error_cause`); PROTOCOL.md
 * keeps `error` itself to `{ type, message }`.
 */
export function errorDetails(client: ClientCore, error: unknown): { error_stack?: string; error_cause?: Array<{ type: string; message: string }> } | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const details: { error_stack?: string; error_cause?: Array<{ type: string; message: string }> } = {};
  try {
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack === 'string' && stack !== '') {
      let clean = client.redactText(sanitizeString(cleanStack(stack)));
      if (clean.length > MAX_STACK_LENGTH) clean = `${clipText(clean, MAX_STACK_LENGTH)}…`;
      details.error_stack = clean;
    }
    const causes: Array<{ type: string; message: string }> = [];
    const seen = new Set<unknown>([error]);
    let cause = (error as { cause?: unknown }).cause;
    while (cause !== undefined && causes.length < MAX_CAUSES && !seen.has(cause)) {
      seen.add(cause);
      const raw = cause instanceof Error ? cause.message : typeof cause === 'object' && cause !== null ? String((cause as { message?: unknown }).message ?? '') : String(cause);
      let message = client.redactText(sanitizeString(String(raw)));
      if (message.length > MAX_CAUSE_MESSAGE) message = `${clipText(message, MAX_CAUSE_MESSAGE)}…`;
      causes.push({ type: sanitizeString(typeOf(cause)), message });
      cause = typeof cause === 'object' && cause !== null ? (cause as { cause?: unknown }).cause : undefined;
    }
    if (causes.length > 0) details.error_cause = causes;
  } catch {
    // An exotic error (throwing getters): its type and message are recorded anyway.
  }
  return details.error_stack === undefined && details.error_cause === undefined ? undefined : details;
}
