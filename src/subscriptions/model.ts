import type { Destination } from '../platforms/delivery.js';

/** When a subscription's briefings go out, in its own time zone. */
export interface Schedule {
  /** Local times (HH:MM) on weekdays, Monday to Friday. */
  weekdays: string[];
  /** Local times on Saturday and Sunday; the weekday times when absent. */
  weekends?: string[];
  /** IANA time zone. */
  timezone: string;
}

/** How a subscription wants its briefing composed; part of the bundle key (see bundle.ts). */
export interface BriefingSettings {
  /** BCP 47 locale for the title and dates. */
  locale: string;
  maxBullets: number;
  boosts: string[];
  mutes: string[];
  /** What an empty window gives: a short "nothing new" message, or no message at all. */
  whenEmpty: 'message' | 'nothing';
  /** Telegram link previews under the briefing; `briefing.linkPreviews` from config when absent. */
  linkPreviews?: boolean;
}

/** A destination that receives briefings, and what it follows. */
export interface Subscription {
  /** Stable id derived from the destination (one subscription per chat/channel/topic). */
  id: string;
  destination: Destination;
  /** Feed ids followed; empty means every feed. */
  feedIds: string[];
  /** Sections followed; empty means every section. */
  sections: string[];
  schedule: Schedule;
  settings: BriefingSettings;
  /** Post a ❗️ alert at once when a story reaches this many sources; off when absent. */
  breakingMinSources?: number;
  active: boolean;
  /** Why delivery stopped (blocked, chat gone, missing permission), for /status. */
  inactiveReason?: string;
  createdAt: string;
  /** Platform user id of whoever subscribed. */
  createdBy?: string;
  /** End of the window of the last briefing composed for it (ISO); the next window starts here. */
  lastWindowEnd?: string;
}
