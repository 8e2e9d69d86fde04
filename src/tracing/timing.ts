import { MICRO_DIGITS_Z } from '../util/iso-stamp.js';
import { randomId } from '../util/runtime.js';

/** A new record id (UUID v4). */
export const newId: () => string = randomId;

// Timestamps come from the monotonic clock (performance.now()) anchored to wall time, in
// microseconds, and never repeat or go back within this copy of the module: stored order
// by timestamp is the order things happened. The millisecond part of the ISO string is
// formatted once per millisecond; only the three microsecond digits change in between.
/** Re-anchor to the wall clock when it and the monotonic clock disagree by more than this (NTP steps, suspend). */
const MAX_DRIFT_MS = 1000;

let anchorMs = Date.now() - performance.now();
let lastUs = 0;
let lastMs = Number.NaN;
let lastSecond = Number.NaN;
let msPrefix = '';

/** Now as ISO 8601 with microseconds and `Z` (e.g. `2026-12-01T08:51:04.123456Z`), strictly increasing. */
export const nowIso = (): string => {
  const micros = nowMicros();
  return msPrefix + (MICRO_DIGITS_Z[micros] as string);
};

/**
 * {@link nowIso} in two parts, for a record that keeps its stamp without a string of its
 * own (one object fewer for the GC to copy while it is queued): returns the microseconds
 * within the millisecond (0–999); {@link stampPrefix} is then that millisecond's prefix
 * (`2026-12-01T08:51:04.123`, one string shared by every stamp of it), and
 * `stampText(prefix, micros)` (src/util/iso-stamp.ts) the stamp.
 */
export function nowMicros(): number {
  let us = Math.floor((anchorMs + performance.now()) * 1000);
  if (us <= lastUs) us = lastUs + 1;
  lastUs = us;
  const ms = Math.floor(us / 1000);
  if (ms !== lastMs) {
    lastMs = ms;
    const second = Math.floor(ms / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      // Once a second: follow the wall clock if it was stepped (later stamps stay increasing).
      const wall = Date.now();
      if (Math.abs(wall - ms) > MAX_DRIFT_MS) anchorMs = wall - performance.now();
    }
    msPrefix = new Date(ms).toISOString().slice(0, -1);
  }
  // `| 0`: a small integer (us is past the 31-bit range, so the difference is a double), which
  // an object field then holds inline rather than in a number object of its own.
  return (us - ms * 1000) | 0;
}

/** The millisecond prefix of the last {@link nowMicros} stamp. */
export function stampPrefix(): string {
  return msPrefix;
}

/** Milliseconds since `start` (a `performance.now()` reading), to the microsecond. */
export const elapsedMs = (start: number): number => Math.round((performance.now() - start) * 1000) / 1000;
