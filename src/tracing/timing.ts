import { randomId } from '../util/runtime.js';

/** A new record id (UUID v4). */
export const newId: () => string = randomId;

// Timestamps come from the monotonic clock (performance.now()) anchored to wall time, in
// microseconds, and never repeat or go back within this copy of the module: stored order
// by timestamp is the order things happened. The millisecond part of the ISO string is
// formatted once per millisecond; only the three microsecond digits change in between.
// The three digits with the `Z` after them: a stamp is then the millisecond prefix and one piece.
const MICRO_DIGITS_Z: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);
/** Re-anchor to the wall clock when it and the monotonic clock disagree by more than this (NTP steps, suspend). */
const MAX_DRIFT_MS = 1000;

let anchorMs = Date.now() - performance.now();
let lastUs = 0;
let lastMs = Number.NaN;
let lastSecond = Number.NaN;
let msPrefix = '';

/** Now as ISO 8601 with microseconds and `Z` (e.g. `2026-12-01T08:51:04.123456Z`), strictly increasing. */
export const nowIso = (): string => {
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
  return msPrefix + (MICRO_DIGITS_Z[us - ms * 1000] as string);
};

/** Milliseconds since `start` (a `performance.now()` reading), to the microsecond. */
export const elapsedMs = (start: number): number => Math.round((performance.now() - start) * 1000) / 1000;
