import type { HeraldConfig } from '../config/schema.js';
import type { Destination } from '../platforms/delivery.js';
import { subscriptionIdFor } from '../store/subscriptions.js';
import type { BriefingSettings, Subscription } from './model.js';

type DefaultsConfig = Pick<HeraldConfig, 'defaults' | 'briefing'>;

/** Briefing settings from the config, for a new subscription. */
function defaultSettings(config: DefaultsConfig): BriefingSettings {
  return {
    locale: config.briefing.locale ?? config.defaults.language,
    maxBullets: config.defaults.bulletsPerBriefing,
    boosts: config.briefing.boosts,
    mutes: config.briefing.mutes,
    whenEmpty: config.briefing.whenEmpty,
  };
}

/** A new subscription to every feed, one briefing a day at the configured time and zone. */
export function defaultSubscription(destination: Destination, config: DefaultsConfig, now: Date, createdBy?: string): Subscription {
  return {
    id: subscriptionIdFor(destination),
    destination,
    feedIds: [],
    sections: [],
    schedule: { weekdays: [config.defaults.briefingTime], timezone: config.defaults.timezone },
    settings: defaultSettings(config),
    active: true,
    createdAt: now.toISOString(),
    ...(createdBy !== undefined ? { createdBy } : {}),
  };
}

/** Where briefings go when no bot token is configured: printed by the console sender. */
export const CONSOLE_DESTINATION: Destination = { platform: 'console', chatId: 'console' };
