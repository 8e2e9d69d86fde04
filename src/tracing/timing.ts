import { randomId } from '../util/runtime.js';

/** A new record id (UUID v4). */
export const newId: () => string = randomId;

// Every run, span and event takes two or three timestamps, many within one millisecond:
// the string of the last millisecond is reused instead of formatting a new Date each time.
let lastMs = Number.NaN;
let lastIso = '';

/** Now as ISO 8601 with `Z`. */
export const nowIso = (): string => {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};

/** Milliseconds since `start` (a `performance.now()` reading), to the microsecond. */
export const elapsedMs = (start: number): number => Math.round((performance.now() - start) * 1000) / 1000;
