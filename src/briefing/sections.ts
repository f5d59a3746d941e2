import type { Story } from '../dedup/story.js';

/**
 * The section a story goes in: the section its feed is configured with (first item that has
 * one), else a category that names a configured section (case-insensitively, the configured
 * spelling wins), else the default section.
 */
export function storySection(story: Story, configuredSections: readonly string[], defaultSection: string): string {
  const fromFeed = story.items.find((item) => item.section)?.section;
  if (fromFeed) return fromFeed;
  const byLowerName = new Map(configuredSections.map((name) => [name.toLowerCase(), name]));
  for (const item of story.items) {
    for (const category of item.categories) {
      const match = byLowerName.get(category.trim().toLowerCase());
      if (match) return match;
    }
  }
  return defaultSection;
}
