import type { Table, WireRecord } from '../registry/records.js';

/** Sees every record a client queues, in its live (latest) state. */
export type RecordTap = (table: Table, record: WireRecord) => void;

const SLOT = Symbol.for('northstar-ai.record-taps.v1');
const holder = globalThis as unknown as Record<symbol, Set<RecordTap> | undefined>;

/**
 * Observers of queued records, shared by every loaded copy of the package. Empty unless
 * something in this process reads what it records (the evals do): the hot path then
 * pays one size check.
 */
export const recordTaps: Set<RecordTap> = holder[SLOT] ?? (holder[SLOT] = new Set());

/** Calls every tap with a queued record; a failing tap never reaches the caller. */
export function notifyRecordTaps(table: Table, record: WireRecord): void {
  for (const tap of recordTaps) {
    try {
      tap(table, record);
    } catch {
      // A tap is our own code reading records; it must never break delivery.
    }
  }
}

/** Adds a tap; returns the function that removes it. */
export function addRecordTap(tap: RecordTap): () => void {
  recordTaps.add(tap);
  return () => {
    recordTaps.delete(tap);
  };
}
