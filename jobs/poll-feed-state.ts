import type { FeedState } from '../src/feeds/item.js';
import type { Validators } from '../src/feeds/fetch.js';

/** Why a poll should not fetch now, or undefined when it should. */
export function pollSkipReason(state: FeedState, now: Date): 'disabled' | 'backing-off' | undefined {
  if (state.disabledReason !== undefined) return 'disabled';
  if (state.retryAfter !== undefined && Date.parse(state.retryAfter) > now.getTime()) return 'backing-off';
  return undefined;
}

/** A permanent redirect onto a URL another feed holds, as the feed's state records it. */
export type RedirectConflict = Required<Pick<FeedState, 'redirectsTo' | 'redirectsToFeedId'>>;

/** A redirect conflict a poll found, and the name of the feed holding the URL then (for the log: the state keeps only its id). */
export interface FoundRedirectConflict {
  conflict: RedirectConflict;
  holderName: string;
}

/** How a poll changed a feed's redirect conflict: one newly found (or leading elsewhere), or one gone. */
export type RedirectConflictChange = ({ change: 'found' } & FoundRedirectConflict) | { change: 'cleared' };

/**
 * What a poll that found `found` (undefined: no conflict) changes from the state before; undefined
 * when nothing (a renamed holder is no change). The log tells a change once, where the redirect
 * is followed at every poll.
 */
export function redirectConflictChange(previous: FeedState, found: FoundRedirectConflict | undefined): RedirectConflictChange | undefined {
  if (found === undefined) return previous.redirectsTo === undefined ? undefined : { change: 'cleared' };
  const { conflict } = found;
  const same = conflict.redirectsTo === previous.redirectsTo && conflict.redirectsToFeedId === previous.redirectsToFeedId;
  return same ? undefined : { change: 'found', ...found };
}

/** What a read feed held: how many entries, and when the newest was published. */
export type FeedContents = Pick<FeedState, 'entryCount' | 'newestEntryAt'>;

/** The entry count and newest publication time of a feed's items. */
export function feedContents(items: { publishedAt: string }[]): FeedContents {
  const newest = Math.max(...items.map((item) => Date.parse(item.publishedAt)).filter((time) => !Number.isNaN(time)));
  return { entryCount: items.length, ...(Number.isFinite(newest) ? { newestEntryAt: new Date(newest).toISOString() } : {}) };
}

/**
 * State after a successful poll. A 304 keeps the validators we sent and what the feed held; a
 * 200 replaces them with the response's (a response without validators means the next poll
 * cannot be conditional).
 */
export function stateAfterSuccess(previous: FeedState, now: Date, fetched?: Validators & { contents: FeedContents }): FeedState {
  const validators = fetched ? { etag: fetched.etag, lastModified: fetched.lastModified } : { etag: previous.etag, lastModified: previous.lastModified };
  const contents = fetched ? fetched.contents : { entryCount: previous.entryCount, newestEntryAt: previous.newestEntryAt };
  const at = now.toISOString();
  return { ...validators, ...contents, consecutiveFailures: 0, lastPolledAt: at, lastSuccessAt: at };
}

/**
 * State after a failed poll: one more failure in a row, the user-facing reason, and the
 * earliest next attempt; after `disableAfterFailures` in a row the feed is disabled, with a
 * reason the status command shows as is.
 */
export function stateAfterFailure(
  previous: FeedState,
  failure: { message: string; delayMs: number },
  now: Date,
  disableAfterFailures: number,
): FeedState {
  const failures = previous.consecutiveFailures + 1;
  const failed: FeedState = {
    ...previous,
    consecutiveFailures: failures,
    lastError: failure.message,
    lastPolledAt: now.toISOString(),
    retryAfter: new Date(now.getTime() + failure.delayMs).toISOString(),
  };
  if (failures < disableAfterFailures) return failed;
  return {
    ...failed,
    disabledReason: `Disabled after ${failures} failed polls in a row. Last error: ${failure.message}`,
    disabledAt: now.toISOString(),
  };
}
