import type { ResolvedConfig } from '../config/options.js';
import type { Logger } from '../debug/logger.js';
import type { Entry } from '../registry/record-queue.js';
import type { JsonSnapshotter, Snapshotter } from '../serialize/snapshot.js';

/**
 * What runs and spans need from the client that created them. A run keeps its client
 * for life, so a trace started before a second `init()` still reports to the first.
 */
export interface ClientCore {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  /** JSON-safe, redacted, masked copy of a captured value. */
  readonly snapshot: Snapshotter;
  /** The JSON text of that copy, written in one walk: what captured inputs and outputs keep. */
  readonly snapshotJson: JsonSnapshotter;
  /** The session of this client (every run's parent). */
  readonly sessionEntry: Entry;
  /** Queues a new or changed record for delivery; false when it was dropped (counted and reported). */
  enqueue(entry: Entry): boolean;
  /** Counts and reports (once) an event dropped by the `maxEventsPerRun` bound. */
  runEventDropped(runName: string): void;
  /** Redacts secrets out of free text such as error messages, then applies the user's `mask`. */
  redactText(text: string): string;
  /** A record name with credential forms cut out (`redactPatterns` too), not masked: names group runs on the dashboard. */
  redactName(name: string): string;
  /** Bookkeeping of open runs (a shut-down client lives until its last run ends). */
  runStarted(): void;
  runEnded(): void;
  /** The head-sampling decision for a run that is starting: false when it is not recorded (counted). */
  sampleRun(name: string, metadata: unknown, tags: readonly string[] | undefined): boolean;
}
