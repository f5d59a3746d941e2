/**
 * What a bench's limiter did with each send, to tell a cycle's time apart: how long each send
 * was in flight, and how late it was admitted after its buckets left it free.
 */
import { RedisRateLimiter, type Admission, type LimiterTicket, type RateBucket, type SendOptions } from '../src/platforms/rate-limiter.js';

type Window = Pick<RateBucket, 'limit' | 'perMs'>;

/** One send as the limiter saw it (Redis clock, ms). */
export interface TracedSend {
  /** Its bucket of one at a time (its chat's), if any. */
  ownKey?: string;
  admittedMs: number;
  answeredMs?: number;
}

/** A limiter that notes each send's admission and the instant its answer was back. */
export class TracedLimiter extends RedisRateLimiter {
  readonly sends = new Map<string, TracedSend>();

  override async acquire(buckets: readonly RateBucket[], options?: SendOptions): Promise<Admission> {
    const admission = await super.acquire(buckets, options);
    const ownKey = buckets.find((bucket) => bucket.limit === 1)?.key;
    this.sends.set(admission.ticket.member, { ...(ownKey !== undefined && { ownKey }), admittedMs: admission.atMs });
    return admission;
  }

  override async settle(ticket: LimiterTicket, answeredAt?: number): Promise<number> {
    const answeredMs = await super.settle(ticket, answeredAt);
    const send = this.sends.get(ticket.member);
    if (send) send.answeredMs = answeredMs;
    return answeredMs;
  }
}

/** A send in admission order: its time in flight, and how late it was admitted. */
export interface SendTiming {
  inFlightMs: number;
  /**
   * After the instant its buckets left it free: a window after the answer to the send a window's
   * worth before it in the shared bucket, and after the answer to the one before it in its own.
   * The lateness of the limiter and of its caller (timers, refused commits), not a slot left
   * with no send ready (a slot no send takes is no send's lateness).
   */
  lateMs: number;
}

/** The answered ones of `traced`, in admission order, timed against the shared `window` and each send's own `ownWindow`. */
export function sendTimings(traced: Iterable<TracedSend>, window: Window, ownWindow: Window): SendTiming[] {
  const sends = [...traced].filter((send): send is TracedSend & { answeredMs: number } => send.answeredMs !== undefined);
  sends.sort((a, b) => a.admittedMs - b.admittedMs);
  /** The latest `window.limit` answers of the sends admitted so far, ascending. */
  const latest: number[] = [];
  const ownAnswered = new Map<string, number>();
  return sends.map(({ ownKey, admittedMs, answeredMs }) => {
    const sharedFree = latest.length < window.limit ? -Infinity : latest[0]! + window.perMs;
    const ownBefore = ownKey === undefined ? undefined : ownAnswered.get(ownKey);
    const ownFree = ownBefore === undefined ? -Infinity : ownBefore + ownWindow.perMs;
    if (ownKey !== undefined) ownAnswered.set(ownKey, answeredMs);
    const at = latest.findIndex((answer) => answer > answeredMs);
    latest.splice(at === -1 ? latest.length : at, 0, answeredMs);
    if (latest.length > window.limit) latest.shift();
    // The first window's sends had room from the start: none of them is late.
    const free = Math.max(sharedFree, ownFree);
    return { inFlightMs: answeredMs - admittedMs, lateMs: free === -Infinity ? 0 : Math.max(0, admittedMs - free) };
  });
}
