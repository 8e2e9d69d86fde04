// Scripted misbehaviour of the ingest server, so specs can drive a client through every
// transport failure docs/protocol.md "Responses" asks it to survive.

import type { IdTable } from './ingest-store.js';
import type { WireRecord } from './protocol-rules.js';

/** What the server does instead of its normal handling of one request. */
export type FaultAction =
  | { readonly kind: 'fail'; readonly status: number; readonly retryAfter?: string; readonly body?: string; readonly location?: string }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'accept-without-storing'; readonly body: string };

/** Decides whether a record makes its whole batch fail. */
export type PoisonPredicate = (record: WireRecord, table: IdTable) => boolean;

/**
 * Faults to inject. One-shot faults (`failNext`, `resetNext`, `hangNext`,
 * `acceptWithoutStoring`, and the gap `passNext`) queue up in call order and each applies to the next `times`
 * POSTs on the ingest path; `poison` and `slowDrain` stay until `clear()` or `reset()`.
 *
 * @example
 * server.faults.failNext(2, 503, { retryAfter: '1' }); // two 503s, then normal service
 * server.faults.resetNext(1);                          // then one dropped connection
 */
export interface FaultScript {
  /** Answers the next `times` requests with `status` (e.g. 503, 429, 500, 408, or 302 with a `location`) and stores nothing. */
  failNext(times: number, status: number, opts?: { retryAfter?: string; body?: string; location?: string }): void;
  /** Reads the body of each of the next `times` requests, then resets the connection without answering. */
  resetNext(times: number): void;
  /** Reads the body of each of the next `times` requests and never answers (until `close()`). */
  hangNext(times: number): void;
  /** Answers the next `times` requests 200 with a body other than `{"accepted":true}` and stores nothing. @default body '{}' */
  acceptWithoutStoring(times: number, body?: string): void;
  /** Handles the next `times` requests normally (a gap between faults, e.g. to fail every other request). */
  passNext(times: number): void;
  /** From now on rejects, with `status`, every otherwise valid batch holding a record the predicate matches. */
  poison(predicate: PoisonPredicate, status: 400 | 500): void;
  /** From now on delays every response by `ms` (the batch is stored before the delay). */
  slowDrain(ms: number): void;
  /** Drops every queued and persistent fault. */
  clear(): void;
}

const assertTimes = (method: string, times: number): void => {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`faults.${method}: times must be a positive integer, got ${times}`);
};

/** The FaultScript the server consults once per ingest request. */
export class ScriptedFaults implements FaultScript {
  /** An undefined action is a `passNext` gap: normal handling. */
  private readonly queue: Array<{ action: FaultAction | undefined; remaining: number }> = [];
  private readonly poisons: Array<{ predicate: PoisonPredicate; status: 400 | 500 }> = [];
  /** Current `slowDrain` delay in ms. */
  delayMs = 0;

  failNext(times: number, status: number, opts: { retryAfter?: string; body?: string; location?: string } = {}): void {
    assertTimes('failNext', times);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`faults.failNext: status must be an HTTP status code, got ${status}`);
    }
    this.queue.push({ action: { kind: 'fail', status, ...opts }, remaining: times });
  }

  resetNext(times: number): void {
    assertTimes('resetNext', times);
    this.queue.push({ action: { kind: 'reset' }, remaining: times });
  }

  hangNext(times: number): void {
    assertTimes('hangNext', times);
    this.queue.push({ action: { kind: 'hang' }, remaining: times });
  }

  acceptWithoutStoring(times: number, body = '{}'): void {
    assertTimes('acceptWithoutStoring', times);
    this.queue.push({ action: { kind: 'accept-without-storing', body }, remaining: times });
  }

  passNext(times: number): void {
    assertTimes('passNext', times);
    this.queue.push({ action: undefined, remaining: times });
  }

  poison(predicate: PoisonPredicate, status: 400 | 500): void {
    this.poisons.push({ predicate, status });
  }

  slowDrain(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`faults.slowDrain: ms must be >= 0, got ${ms}`);
    this.delayMs = ms;
  }

  clear(): void {
    this.queue.length = 0;
    this.poisons.length = 0;
    this.delayMs = 0;
  }

  /** Consumes and returns the fault for the request being handled, if one is queued. */
  takeNext(): FaultAction | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.remaining === 0) this.queue.shift();
    return head.action;
  }

  /** The first poison matching any record of the batch, with where it matched. */
  findPoison(tables: Readonly<Record<IdTable, readonly WireRecord[]>>): { status: 400 | 500; where: string } | undefined {
    for (const { predicate, status } of this.poisons) {
      for (const [table, records] of Object.entries(tables) as Array<[IdTable, readonly WireRecord[]]>) {
        for (const [index, record] of records.entries()) {
          if (matches(predicate, record, table)) return { status, where: `${table}[${index}]` };
        }
      }
    }
    return undefined;
  }
}

// A predicate written for one table (`r => r.name.startsWith('x')`) may throw on another
// table's records; that is a non-match, not a server error.
function matches(predicate: PoisonPredicate, record: WireRecord, table: IdTable): boolean {
  try {
    return predicate(record, table);
  } catch {
    return false;
  }
}
