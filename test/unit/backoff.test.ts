import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, nextAttemptDelayMs, parseRetryAfter } from '../../src/feeds/backoff.js';

const failures = fc.integer({ min: 1, max: 10_000 });
const random = fc.double({ min: 0, max: 1, noNaN: true });

/** The exponential step the spec describes: 1 min, 2 min, 4 min, … capped at 6 h. */
function step(failureCount: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(failureCount - 1, 30), BACKOFF_CAP_MS);
}

describe('nextAttemptDelayMs', () => {
  it('starts at one minute and doubles up to the six-hour cap', () => {
    expect(BACKOFF_BASE_MS).toBe(60_000);
    expect(BACKOFF_CAP_MS).toBe(6 * 3_600_000);
    expect([1, 2, 3, 4, 9, 10, 50].map((n) => nextAttemptDelayMs(n, 1))).toEqual([
      60_000, 120_000, 240_000, 480_000, 256 * 60_000, BACKOFF_CAP_MS, BACKOFF_CAP_MS,
    ]);
  });

  it('keeps the jitter between half and all of the exponential step', () => {
    fc.assert(
      fc.property(failures, random, (n, r) => {
        const delay = nextAttemptDelayMs(n, r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step(n) / 2));
        expect(delay).toBeLessThanOrEqual(step(n));
      }),
    );
  });

  it('never shrinks as failures pile up, and never passes the cap', () => {
    fc.assert(
      fc.property(failures, random, (n, r) => {
        expect(nextAttemptDelayMs(n + 1, r)).toBeGreaterThanOrEqual(nextAttemptDelayMs(n, r));
        expect(nextAttemptDelayMs(n, r)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
      }),
    );
  });

  it('actually spreads retries: different random draws give different delays', () => {
    expect(nextAttemptDelayMs(3, 0)).toBeLessThan(nextAttemptDelayMs(3, 0.5));
    expect(nextAttemptDelayMs(3, 0.5)).toBeLessThan(nextAttemptDelayMs(3, 1));
  });

  it('never retries sooner than the server asked, even beyond the cap', () => {
    fc.assert(
      fc.property(failures, random, fc.integer({ min: 0, max: 7 * 24 * 3_600_000 }), (n, r, retryAfterMs) => {
        const delay = nextAttemptDelayMs(n, r, retryAfterMs);
        expect(delay).toBeGreaterThanOrEqual(retryAfterMs);
        expect(delay).toBe(Math.max(retryAfterMs, nextAttemptDelayMs(n, r)));
      }),
    );
  });

  it('treats nonsense inputs as the first failure and clamps random', () => {
    expect(nextAttemptDelayMs(0, 0.5)).toBe(nextAttemptDelayMs(1, 0.5));
    expect(nextAttemptDelayMs(-3, 2)).toBe(nextAttemptDelayMs(1, 1));
    expect(nextAttemptDelayMs(Number.MAX_SAFE_INTEGER, -1)).toBe(BACKOFF_CAP_MS / 2);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-03-11T08:00:00Z');

  it('reads delta-seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), now)).toBe(seconds * 1000);
        expect(parseRetryAfter(` ${seconds} `, now)).toBe(seconds * 1000);
      }),
    );
  });

  it('reads an HTTP date relative to now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 * 3600 }), (seconds) => {
        const at = new Date(now.getTime() + seconds * 1000).toUTCString();
        expect(parseRetryAfter(at, now)).toBe(seconds * 1000);
      }),
    );
    expect(parseRetryAfter('Tue, 11 Mar 2025 08:02:00 GMT', now)).toBe(120_000);
  });

  it('turns a date in the past into "now"', () => {
    expect(parseRetryAfter('Tue, 11 Mar 2025 07:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is absent or garbage', () => {
    for (const value of [undefined, '', '   ', 'soon', '1.5', '-30', '12abc', 'Someday, 99 Foo 2025']) {
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
    }
  });
});
