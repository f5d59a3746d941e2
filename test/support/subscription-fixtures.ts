import { parseConfig } from '../../src/config/load.js';
import type { Item } from '../../src/feeds/item.js';
import type { Destination } from '../../src/platforms/delivery.js';
import { defaultSubscription } from '../../src/subscriptions/defaults.js';
import type { Subscription } from '../../src/subscriptions/model.js';

export const TEST_CONFIG = parseConfig({});

/** A daily 07:30 UTC subscription to everything, with overrides. */
export function subscriptionFor(destination: Destination, overrides: Partial<Subscription> = {}): Subscription {
  return { ...defaultSubscription(destination, TEST_CONFIG, new Date('2025-01-01T00:00:00Z')), ...overrides };
}

export function telegramChat(chatId: number | string, overrides: Partial<Subscription> = {}): Subscription {
  return subscriptionFor({ platform: 'telegram', chatId: String(chatId), channelKind: 'private' }, overrides);
}

/** An item as the poll job would store it. */
export function newsItem(id: string, fields: { feedId?: string; source?: string; title: string; text?: string; publishedAt: Date; firstSeenAt?: Date; section?: string }): Item {
  const at = fields.publishedAt.toISOString();
  return {
    id,
    feedId: fields.feedId ?? 'feed-a',
    sourceName: fields.source ?? 'Source A',
    url: `https://news.example/${id}`,
    title: fields.title,
    text: fields.text ?? `${fields.title}. More words about ${fields.title.toLowerCase()} follow here.`,
    publishedAt: at,
    firstSeenAt: fields.firstSeenAt?.toISOString() ?? at,
    language: 'en',
    categories: [],
    contentHash: `hash-${id}`,
    ...(fields.section !== undefined ? { section: fields.section } : {}),
  };
}
