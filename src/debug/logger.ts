import type { NorthstarDiagnostic } from '../config/options.js';
import { compileRedaction, redactText } from '../serialize/redaction.js';

/** Where the SDK reports what it does and what went wrong. Never throws. */
export interface Logger {
  /** A debug line, printed only with `debug: true`. */
  debug(message: string): void;
  /** A problem: printed with `debug: true` and handed to `onError`. */
  problem(kind: string, message: string, error?: unknown): void;
  /** Like `problem`, but only the first time `key` is seen. */
  problemOnce(key: string, kind: string, message: string, error?: unknown): void;
}

const PREFIX = '[northstar-ai]';
const DEFAULT_KEY_RULE = compileRedaction();

/**
 * Builds the logger of one client; `secret` (the API key) is blanked out of every line, and
 * so is every credential form `redactText` knows (a server's error page may quote one).
 */
export function createLogger(options: {
  debug: boolean;
  onError?: (d: NorthstarDiagnostic) => void;
  secret?: string;
}): Logger {
  const { debug, onError, secret } = options;
  const seen = new Set<string>();
  const scrub = (text: string): string => redactText(secret ? text.split(secret).join('***') : text, DEFAULT_KEY_RULE);
  const print = (line: string): void => {
    try {
      console.warn(`${PREFIX} ${scrub(line)}`);
    } catch {
      // stderr closed: nothing useful left to do.
    }
  };
  const logger: Logger = {
    debug(message) {
      if (debug) print(message);
    },
    problem(kind, message, error) {
      const clean = scrub(message);
      if (debug) print(`${kind}: ${clean}`);
      if (onError) {
        try {
          onError({ kind, message: clean, error });
        } catch {
          // A throwing onError must not break delivery.
        }
      }
    },
    problemOnce(key, kind, message, error) {
      if (seen.has(key)) return;
      seen.add(key);
      logger.problem(kind, message, error);
    },
  };
  return logger;
}
