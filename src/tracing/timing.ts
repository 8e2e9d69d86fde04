import { randomUUID } from 'node:crypto';

/** A new record id (UUID v4). */
export const newId: () => string = randomUUID;

/** Now as ISO 8601 with `Z`. */
export const nowIso = (): string => new Date().toISOString();

/** Milliseconds since `start` (a `performance.now()` reading), to the microsecond. */
export const elapsedMs = (start: number): number => Math.round((performance.now() - start) * 1000) / 1000;
