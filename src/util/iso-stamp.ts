// A timestamp kept in two parts: its millisecond prefix (`2026-12-01T08:51:04.123`, one
// string shared by every stamp of that millisecond) and the microseconds within it, a small
// integer. A record that keeps its stamp so holds no string of its own for it (the clock
// that makes them is src/tracing/timing.ts).

/** The three microsecond digits with the `Z` after them, for 0–999: a stamp is then its prefix and one piece. */
export const MICRO_DIGITS_Z: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);

/** The ISO 8601 text of a stamp kept in parts; `micros` -1: `prefix` is the whole stamp. */
export function stampText(prefix: string, micros: number): string {
  return micros < 0 ? prefix : prefix + (MICRO_DIGITS_Z[micros] as string);
}

/** `stampText(prefix, micros).length`, without writing it. */
export function stampLength(prefix: string, micros: number): number {
  return micros < 0 ? prefix.length : prefix.length + 4;
}
