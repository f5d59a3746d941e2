/**
 * What a poll hands its new items and copies to: the story engine, then breaking-news alerts.
 * Shared by the poll worker and housekeeping (items a failed poll left unplaced, copies it left unalerted).
 */
import type { Item } from '../feeds/item.js';
import type { Logger } from '../log.js';
import type { HeraldMetrics } from '../observability/metrics.js';
import { placedNow, type RedisStoryEngine } from '../store/story-engine.js';
import { listAlertCheck, type BreakingDeps } from '../subscriptions/breaking.js';

export interface PollHooks {
  /** A poll's new items, and those housekeeping finds a failed poll left unplaced: placed, then alerted. */
  placeItems(items: Item[]): Promise<void>;
  /** The stored items a poll's entries newly listed as copies (and those housekeeping finds a failed poll left unalerted): a copy adds no item to a story, but the copy's feed's followers read the story through it now. */
  onCopies(originalIds: string[]): Promise<void>;
}

/** The hooks on the worker's story engine and breaking-news alerts; only an alert check once listed fails quietly. */
export function pollHooks(engine: RedisStoryEngine, breakingDeps: BreakingDeps, logger: Logger, metrics?: HeraldMetrics): PollHooks {
  // What fails before the alert check is listed (reading the stories of copies, reading which
  // chats have alerts on, the listing itself; with none on, nothing is listed) fails the poll:
  // its items and copies are not settled, and the feed's next poll (or housekeeping) hands them
  // on again, to be placed as they were and alerted at most once per story and chat. A check cut
  // short once listed (before its claims or after) is left for the story's next alert or
  // housekeeping to finish (see alertBreakingStories): only logged, so a failed alert does not
  // fail (and retry) the poll.
  const alertBreaking = async (storyIds: string[]): Promise<void> => {
    const check = await listAlertCheck(storyIds, breakingDeps);
    try {
      await check();
    } catch (error) {
      logger.error({ err: error }, 'breaking-news alerts failed');
    }
  };
  return {
    placeItems: async (items) => {
      const placements = await engine.addItems(items);
      metrics?.itemsPlaced(placements.filter(placedNow));
      await alertBreaking(placements.map((placement) => placement.storyId));
    },
    onCopies: async (originalIds) => alertBreaking([...(await engine.storiesOf(originalIds)).values()]),
  };
}
