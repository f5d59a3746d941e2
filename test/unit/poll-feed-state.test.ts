import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedState } from '../../src/feeds/item.js';
import { feedContents, pollSkipReason, redirectConflictChange, stateAfterFailure, stateAfterSuccess } from '../../jobs/poll-feed-state.js';

const NOW = new Date('2025-03-11T08:00:00Z');

describe('feed state after polls', () => {
  it('counts failures in a row, disables exactly at the threshold, and a success starts over', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('ok' as const), fc.integer({ min: 0, max: 86_400_000 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (outcomes, threshold) => {
          let state: FeedState = { consecutiveFailures: 0 };
          let streak = 0;
          for (const outcome of outcomes) {
            if (state.disabledReason !== undefined) break;
            if (outcome === 'ok') {
              state = stateAfterSuccess(state, NOW);
              streak = 0;
            } else {
              state = stateAfterFailure(state, { message: `failure ${streak + 1}`, delayMs: outcome }, NOW, threshold);
              streak += 1;
              expect(state.retryAfter).toBe(new Date(NOW.getTime() + outcome).toISOString());
            }
            expect(state.consecutiveFailures).toBe(streak);
            expect(state.disabledReason !== undefined).toBe(streak >= threshold);
          }
        },
      ),
    );
  });

  it('keeps the validators and what the feed held across a 304, and takes the new ones from a 200', () => {
    const previous: FeedState = { consecutiveFailures: 2, etag: '"a"', lastModified: 'Mon, 10 Mar 2025 00:00:00 GMT', lastError: 'HTTP 500', retryAfter: NOW.toISOString(), entryCount: 20, newestEntryAt: '2022-05-01T08:00:00.000Z' };
    const at = NOW.toISOString();
    expect(stateAfterSuccess(previous, NOW)).toEqual({ consecutiveFailures: 0, etag: '"a"', lastModified: previous.lastModified, lastPolledAt: at, lastSuccessAt: at, entryCount: 20, newestEntryAt: '2022-05-01T08:00:00.000Z' });
    const contents = feedContents([{ publishedAt: '2025-03-09T10:00:00Z' }, { publishedAt: '2025-03-10T07:00:00Z' }, { publishedAt: 'garbage' }]);
    expect(contents).toEqual({ entryCount: 3, newestEntryAt: '2025-03-10T07:00:00.000Z' });
    expect(stateAfterSuccess(previous, NOW, { etag: '"b"', contents })).toEqual({ consecutiveFailures: 0, etag: '"b"', lastModified: undefined, lastPolledAt: at, lastSuccessAt: at, ...contents });
    expect(feedContents([])).toEqual({ entryCount: 0 });
  });

  it('keeps the last success and validators through failures, with the reason for disabling', () => {
    const healthy = stateAfterSuccess({ consecutiveFailures: 0, etag: '"a"' }, new Date(0));
    const disabled = stateAfterFailure({ ...healthy, consecutiveFailures: 9 }, { message: 'HTTP 410 Gone', delayMs: 60_000 }, NOW, 10);
    expect(disabled).toMatchObject({
      etag: '"a"',
      lastSuccessAt: new Date(0).toISOString(),
      consecutiveFailures: 10,
      lastError: 'HTTP 410 Gone',
      disabledReason: 'Disabled after 10 failed polls in a row. Last error: HTTP 410 Gone',
      disabledAt: NOW.toISOString(),
    });
  });

  it('tells a redirect onto another feed’s URL when it starts, leads elsewhere or ends, not while it stays', () => {
    const onto = { redirectsTo: 'https://a.example/feed', redirectsToFeedId: 'feed-a' };
    const before: FeedState = { consecutiveFailures: 0, ...onto };
    expect(redirectConflictChange({ consecutiveFailures: 0 }, { conflict: onto, holderName: 'A' })).toEqual({ change: 'found', conflict: onto, holderName: 'A' });
    expect(redirectConflictChange({ consecutiveFailures: 0 }, undefined)).toBeUndefined();
    // The other feed renamed: the health shows the new name, the log says nothing new.
    expect(redirectConflictChange(before, { conflict: onto, holderName: 'A, renamed' })).toBeUndefined();
    const elsewhere = { conflict: { redirectsTo: 'https://b.example/feed', redirectsToFeedId: 'feed-b' }, holderName: 'B' };
    expect(redirectConflictChange(before, elsewhere)).toEqual({ change: 'found', ...elsewhere });
    expect(redirectConflictChange(before, undefined)).toEqual({ change: 'cleared' });
    // A failed poll learns nothing of the redirect: it keeps what the last read found.
    expect(stateAfterFailure(before, { message: 'HTTP 500', delayMs: 1 }, NOW, 10)).toMatchObject(onto);
  });

  it('skips disabled feeds and feeds still backing off', () => {
    const later = new Date(NOW.getTime() + 1).toISOString();
    expect(pollSkipReason({ consecutiveFailures: 0 }, NOW)).toBeUndefined();
    expect(pollSkipReason({ consecutiveFailures: 1, retryAfter: later }, NOW)).toBe('backing-off');
    expect(pollSkipReason({ consecutiveFailures: 1, retryAfter: NOW.toISOString() }, NOW)).toBeUndefined();
    expect(pollSkipReason({ consecutiveFailures: 10, disabledReason: 'x', retryAfter: later }, NOW)).toBe('disabled');
  });
});
