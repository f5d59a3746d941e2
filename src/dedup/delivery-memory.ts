import type { Story } from './story.js';

/**
 * Applies a subscription's memory of earlier briefings: a story delivered before is dropped
 * unless it has gained items since, in which case it is kept and marked `isUpdate`.
 *
 * @param delivered story id → number of items the story had when it was last delivered
 */
export function applyDeliveryMemory(stories: Story[], delivered: Map<string, number>): Story[] {
  return stories.flatMap((story): Story[] => {
    const deliveredItems = delivered.get(story.id);
    if (deliveredItems === undefined) return [story];
    return story.items.length > deliveredItems ? [{ ...story, isUpdate: true }] : [];
  });
}
