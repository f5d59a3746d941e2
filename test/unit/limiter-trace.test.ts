import { describe, expect, it } from 'vitest';
import { sendTimings, type TracedSend } from '../../bench/limiter-trace.js';

describe('sendTimings (the fan-out bench\'s split of a cycle)', () => {
  it('times each answered send in admission order against the answers that freed its slot: a window after the limit-th latest answer in the shared bucket, and after its own bucket\'s last answer', () => {
    const shared = { limit: 2, perMs: 100 };
    const own = { limit: 1, perMs: 100 };
    const sends: TracedSend[] = [
      { ownKey: 'chat:x', admittedMs: 200, answeredMs: 205 },
      { ownKey: 'chat:z', admittedMs: 120, answeredMs: 130 },
      { ownKey: 'chat:x', admittedMs: 0, answeredMs: 10 },
      // Never answered (its process died): left out.
      { ownKey: 'chat:w', admittedMs: 150 },
      { ownKey: 'chat:y', admittedMs: 1, answeredMs: 5 },
      { ownKey: 'chat:y', admittedMs: 250, answeredMs: 260 },
    ];
    expect(sendTimings(sends, shared, own)).toEqual([
      // The first window's worth had room from the start.
      { inFlightMs: 10, lateMs: 0 },
      { inFlightMs: 4, lateMs: 0 },
      // The shared bucket's second latest answer (5) freed a slot at 105.
      { inFlightMs: 10, lateMs: 15 },
      // Free in the shared bucket at 110 (answers 10 and 130), and in its chat at 110 (answer 10).
      { inFlightMs: 5, lateMs: 90 },
      // Free in the shared bucket at 230 (answers 130 and 205), in its chat long before.
      { inFlightMs: 10, lateMs: 20 },
    ]);
  });

  it('frees a slot at the limit-th latest answer, not at the answer of the send admitted a window\'s worth before, when answers come back out of order', () => {
    const shared = { limit: 2, perMs: 100 };
    const sends: TracedSend[] = [
      { admittedMs: 0, answeredMs: 50 },
      { admittedMs: 1, answeredMs: 10 },
      // Free at 110 (answers 10 and 50).
      { admittedMs: 160, answeredMs: 165 },
      // The send two admissions before it was answered at 10, yet its slot waits for the answer at 50: free at 150.
      { admittedMs: 170, answeredMs: 175 },
    ];
    expect(sendTimings(sends, shared, { limit: 1, perMs: 100 }).map((timing) => timing.lateMs)).toEqual([0, 0, 50, 20]);
  });
});
