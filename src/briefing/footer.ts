/**
 * A hashtag for a topic on a day, `#topicYYMMDD`: letters and digits of any script kept,
 * everything else dropped ("World News" on 2026-11-26 → `#worldnews261126`). Undefined when
 * the topic has no letter or digit.
 */
export function dailyHashtag(topic: string, date: string): string | undefined {
  const slug = topic.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  if (!slug) return undefined;
  return `#${slug}${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`;
}

/** One hashtag per topic that makes one, without repeats. */
export function dailyHashtags(topics: string[], date: string): string[] {
  return [...new Set(topics.map((topic) => dailyHashtag(topic, date)).filter((tag): tag is string => tag !== undefined))];
}
